"""cdisc_als: ALS clinical-trial raw data to CDISC SDTM/ADaM, validated and analysed.

The notebook API::

    from cdisc_als import read_xpt, write_xpt, convert, derive_adam, validate_dir, run

(``cdisc_als.derive`` and ``cdisc_als.validate`` are the packages of shared SDTM derivations and of the
validator; the functions above are the entry points.)
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["read_xpt", "write_xpt", "convert", "derive_adam", "validate_dir", "run", "__version__"]


def __getattr__(name: str):
    # imported on first use so `import cdisc_als` stays light
    if name in ("read_xpt", "write_xpt"):
        from cdisc_als import xport
        return getattr(xport, name)
    if name == "convert":
        from cdisc_als.conversion import convert
        return convert
    if name == "derive_adam":
        from cdisc_als.adam.build import derive
        return derive
    if name == "validate_dir":
        from cdisc_als.validate.loader import validate_dir
        return validate_dir
    if name == "run":
        from cdisc_als.pipeline import run
        return run
    raise AttributeError(name)
