"""Op families; importing this package registers every op in :data:`cdisc_als.validate.registry.OPS`."""
from cdisc_als.validate.ops import (  # noqa: F401
    adam, als, conditions, dates, define_xml, domain, identifiers, structure, terminology,
)
