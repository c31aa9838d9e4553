"""Validate SDTM/ADaM packages: a rule catalog (specs/rules) run by vectorised ops.

``validate_package(datasets, standard=...)`` works on in-memory frames; ``validate_dir(path)``
reads a folder of XPT files. Both return a :class:`~cdisc_als.validate.engine.Result` whose
``findings`` frame has the columns in :data:`FINDING_COLUMNS`.
"""
from cdisc_als.validate.context import DatasetData, VariableMeta
from cdisc_als.validate.engine import Result, validate_package
from cdisc_als.validate.findings import FINDING_COLUMNS
from cdisc_als.validate.loader import validate_dir

__all__ = ["validate_package", "validate_dir", "Result", "DatasetData", "VariableMeta", "FINDING_COLUMNS"]
