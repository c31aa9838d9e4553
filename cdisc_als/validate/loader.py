"""Validate a folder: read every ``.xpt`` once with the project's reader, find the standard, run the engine."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdisc_als.errors import UserError
from cdisc_als.validate.context import DatasetData, VariableMeta
from cdisc_als.validate.define import define_standard, load_define
from cdisc_als.validate.engine import ADAM_VERSIONS, SDTM_VERSIONS, Result, validate_package

STANDARDS = SDTM_VERSIONS + ADAM_VERSIONS


@dataclass
class FolderRead:
    datasets: dict[str, DatasetData]
    unreadable: list[tuple[str, str]]


def read_folder(folder: Path) -> FolderRead:
    """Each ``*.xpt`` in ``folder`` as :class:`DatasetData`; files that are not XPT go to ``unreadable``."""
    from cdisc_als.xport import read_xpt

    datasets, unreadable = {}, []
    for path in sorted(folder.glob("*.xpt")) + sorted(folder.glob("*.XPT")):
        try:
            xpt = read_xpt(path)
        except Exception as err:  # noqa: BLE001 - any unreadable file is a finding, not a crash
            message = err.one_line() if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
            unreadable.append((path.stem.upper(), f"cannot read {path.name}: {message}"))
            continue
        variables = [VariableMeta(v.name.upper(), v.label, v.type, v.length) for v in xpt.variables]
        frame = xpt.frame
        frame.columns = [str(c).upper() for c in frame.columns]
        name = path.stem.upper()
        datasets[name] = DatasetData(name, frame, label=xpt.label, variables=variables,
                                     encoding_issues=list(xpt.encoding_issues), path=path.name)
    return FolderRead(datasets, unreadable)


def resolve_standard(folder: Path, standard: str | None, define) -> tuple[str, str]:
    """The standard to validate against and where it came from (option, define.xml or a guess)."""
    if standard:
        if standard not in STANDARDS:
            raise UserError(f"unknown standard {standard!r}; use one of {', '.join(STANDARDS)}")
        return standard, "--standard"
    if define is not None:
        found = define_standard(define)
        if found in STANDARDS:
            return found, "define.xml"
    adam = any(p.stem.upper().startswith("AD") for p in folder.glob("*.xpt"))
    return ("adamig-1.3" if adam else "sdtmig-3.4"), "assumed (no --standard, no usable define.xml)"


def validate_dir(folder: str | Path, *, standard: str | None = None, define: str | Path | None = None,
                 detail_limit: int | None = None) -> Result:
    """Validate every dataset in ``folder``; UserError when the folder or define.xml cannot be used.

    ``detail_limit`` as in :func:`~cdisc_als.validate.engine.validate_package`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("not a folder", file=folder)
    define_path = Path(define) if define else (folder / "define.xml" if (folder / "define.xml").is_file() else None)
    define_meta = load_define(define_path) if define_path else None
    chosen, source = resolve_standard(folder, standard, define_meta)
    read = read_folder(folder)
    if not read.datasets and not read.unreadable:
        raise UserError("no .xpt files to validate", file=folder)
    result = validate_package(read.datasets, standard=chosen, define=define_meta, unreadable=read.unreadable,
                              detail_limit=detail_limit)
    result.standard_source = source
    return result
