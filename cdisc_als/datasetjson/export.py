"""Convert every dataset of a folder between XPT and Dataset-JSON (``.json``/``.ndjson``/``.dsjc``).

Each input is read with :func:`cdisc_als.datasetjson.read.read_dataset` and written as
``OUT_DIR/<dataset name lowercase>.<ext>``.  When the input folder holds a define.xml,
XPT -> Dataset-JSON takes OIDs, labels, data types, lengths and keys from it (as
CDISC's own examples do) and points ``metaDataRef`` at it.  Dataset-JSON -> Dataset-JSON
keeps the source's metadata (creation time aside).  Writing XPT uses the strict
writer: text that is not ASCII is refused unless ``transliterate`` is set.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from cdisc_als.config import build_timestamp
from cdisc_als.datasetjson.columns import build_meta
from cdisc_als.datasetjson.read import dataset_files, read_dataset, read_dataset_json
from cdisc_als.datasetjson.write import FORMATS, write_dataset_json
from cdisc_als.errors import UserError
from cdisc_als.staging import staged_output

EXPORT_FORMATS = ("xpt",) + FORMATS


@dataclass(frozen=True)
class ExportedDataset:
    source: Path
    target: Path
    name: str
    records: int


def _define_of(folder: Path):
    path = folder / "define.xml"
    if not path.is_file():
        return None, None
    from cdisc_als.define.read import read_define

    return read_define(path, check_schema=False), path


def export_dataset(source: Path, out_dir: Path, fmt: str, *, define=None, define_path: Path | None = None,
                   created: datetime | None = None, transliterate: bool = False,
                   ref_dir: Path | None = None) -> ExportedDataset:
    """Convert one dataset file into ``out_dir/<name>.<fmt>``; ``metaDataRef`` is relative to ``ref_dir``
    (default ``out_dir``: the folder the file will finally live in)."""
    dataset = read_dataset(source)
    target = out_dir / f"{dataset.name.lower()}.{fmt}"
    if target.resolve() == source.resolve():
        raise UserError("refusing to overwrite the input with itself; choose another --out", file=source)
    if fmt == "xpt":
        from cdisc_als.xport import write_xpt

        variables = dataset.variables
        write_xpt(dataset.frame, target, name=dataset.name, label=dataset.label,
                  labels={v.name: v.label for v in variables},
                  formats={v.name: v.format for v in variables if v.format},
                  lengths={v.name: v.length for v in variables if v.type == "Char"},
                  created=created, transliterate=transliterate)
    elif source.suffix.lower() == ".xpt":
        ref = Path(os.path.relpath(define_path, ref_dir or out_dir)).as_posix() if define_path else None
        meta = build_meta(dataset.name, dataset.label, dataset.variables, dataset.frame, define=define,
                          created=created, metadata_ref=ref)
        write_dataset_json(dataset.frame, meta, target, fmt=fmt)
    else:
        frame, meta = read_dataset_json(source)
        stamp = (created or build_timestamp()).strftime("%Y-%m-%dT%H:%M:%S")
        write_dataset_json(frame, {**meta, "datasetJSONCreationDateTime": stamp}, target, fmt=fmt)
    return ExportedDataset(source, target, dataset.name, len(dataset.frame))


def export_folder(in_dir: Path | str, out_dir: Path | str, fmt: str, *, source_format: str | None = None,
                  created: datetime | None = None, transliterate: bool = False) -> list[ExportedDataset]:
    """Convert every dataset of ``in_dir`` (only ``.<source_format>`` files if given) to ``fmt`` in ``out_dir``.

    Raises:
        UserError: unknown format, no datasets in the folder, two files for one dataset, or a dataset
            that cannot be read or written (e.g. non-ASCII text for XPT).
    """
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"unknown format {fmt!r} (expected one of {', '.join(EXPORT_FORMATS)})")
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    files = [p for p in dataset_files(in_dir) if source_format is None or p.suffix.lower() == f".{source_format}"]
    if not files:
        raise UserError("no datasets (.xpt, .json, .ndjson, .dsjc) in the folder", file=in_dir)
    stems = [p.stem.lower() for p in files]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise UserError(f"more than one file for dataset(s) {', '.join(twice)}: keep one format per folder",
                        file=in_dir)
    define, define_path = _define_of(in_dir)
    for path in files:
        if (out_dir / f"{path.stem.lower()}.{fmt}").resolve() == path.resolve():
            raise UserError("refusing to overwrite the input with itself; choose another --out", file=path)
    with staged_output(out_dir) as stage:     # nothing appears in out_dir unless every dataset converts
        done = [export_dataset(p, stage, fmt, define=define, define_path=define_path, created=created,
                               transliterate=transliterate, ref_dir=out_dir) for p in files]
    return [replace(d, target=out_dir / d.target.name) for d in done]
