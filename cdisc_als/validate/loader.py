"""Validate a folder: read every ``.xpt`` once with the project's reader, find the standard, run the engine."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdisc_als.errors import UserError
from cdisc_als.validate.context import DatasetData, VariableMeta
from cdisc_als.validate.define import define_standard, load_define
from cdisc_als.validate.engine import ADAM_VERSIONS, SDTM_VERSIONS, Result, validate_package
from cdisc_als.xport.model import XptDataset, XptFolder

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
            unreadable.append(_unreadable(path, err))
            continue
        datasets[path.stem.upper()] = dataset_data(xpt)
    return FolderRead(datasets, unreadable)


def folder_read_from(read: XptFolder) -> FolderRead:
    """:func:`read_folder`'s result for a folder already read once (:func:`cdisc_als.xport.read_xpt_folder`),
    leaving its datasets as read (each frame here is a renamed shallow copy)."""
    return FolderRead({d.metadata.path.stem.upper(): dataset_data(d) for d in read.datasets},
                      [_unreadable(path, err) for path, err in read.failures])


def dataset_data(xpt: XptDataset) -> DatasetData:
    """A dataset read from ``<name>.xpt`` as the engine takes it: named by the file, variable and column
    names upper-case (a new frame over the same columns; ``xpt.frame`` is not changed)."""
    path = xpt.metadata.path
    variables = [VariableMeta(v.name.upper(), v.label, v.type, v.length) for v in xpt.variables]
    frame = xpt.frame.set_axis([str(c).upper() for c in xpt.frame.columns], axis=1)
    return DatasetData(path.stem.upper(), frame, label=xpt.label, variables=variables,
                       encoding_issues=list(xpt.encoding_issues), path=path.name)


def _unreadable(path: Path, err: Exception) -> tuple[str, str]:
    message = err.one_line() if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
    return path.stem.upper(), f"cannot read {path.name}: {message}"


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
                 read: FolderRead | None = None, detail_limit: int | None = None) -> Result:
    """Validate every dataset in ``folder``; UserError when the folder or define.xml cannot be used.

    ``read``: the folder's datasets when already read (:func:`folder_read_from`); else they are read here.
    ``detail_limit`` as in :func:`~cdisc_als.validate.engine.validate_package`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("not a folder", file=folder)
    define_path = Path(define) if define else (folder / "define.xml" if (folder / "define.xml").is_file() else None)
    define_meta = load_define(define_path) if define_path else None
    chosen, source = resolve_standard(folder, standard, define_meta)
    read = read if read is not None else read_folder(folder)
    if not read.datasets and not read.unreadable:
        raise UserError("no .xpt files to validate", file=folder)
    result = validate_package(read.datasets, standard=chosen, define=define_meta, unreadable=read.unreadable,
                              detail_limit=detail_limit)
    result.standard_source = source
    return result
