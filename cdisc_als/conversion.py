"""Conversion (the ``convert`` command): a folder of raw site files -> SDTM XPTs, rejects.csv, reconciliation.csv and a log.

Outputs are written into a temporary folder beside OUT_DIR and moved into
place only when everything succeeded, so a failure never leaves half a folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from cdisc_als.background import cancelled_on_failure, start
from cdisc_als.config import Settings, build_timestamp
from cdisc_als.errors import RejectReason, UserError, XptError
from cdisc_als.export.dataset import DatasetMeta, write_dataset
from cdisc_als.ingest.layout import ROW, find_source_file, load_layout, map_source, source_columns
from cdisc_als.ingest.read import read_source
from cdisc_als.metadata.schemas import check_dataset
from cdisc_als.metadata.spec import Spec, load_spec
from cdisc_als.sdtm.build import SdtmResult, build_sdtm
from cdisc_als.staging import staged_output
from cdisc_als.xport.model import XptFolder


@dataclass
class ConvertResult:
    out_dir: Path
    datasets: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    reconciliation: pd.DataFrame
    log: list[str] = field(default_factory=list)
    written: XptFolder | None = None        # OUT_DIR/sdtm as read_xpt_folder(text="category") gives it


@dataclass
class FormRead:
    """One form of a layout as read: its canonical frame, rejects, rows read, columns and log lines (no frame
    or rejects when the form has no file)."""

    form: str
    target: str
    canonical: pd.DataFrame | None
    rejects: pd.DataFrame | None
    rows_read: int
    file: str
    columns_seen: list[str]
    columns_used: list[str]
    coding: pd.DataFrame | None = None
    messages: list[str] = field(default_factory=list)


def read_form(input_dir: Path, form: str, cfg: dict, layout) -> FormRead:
    """Read and map the file of one form; a form without a file, where that is allowed, gives no frame, only
    its log line."""
    messages: list[str] = []
    path = find_source_file(input_dir, cfg["file"])
    if path is None:
        if cfg.get("optional") or cfg["target"] not in ("subjects",):
            return FormRead(form, cfg["target"], None, None, 0, "", [], [],
                            messages=[f"{form}: no file '{cfg['file']}.*' in {input_dir}; skipped"])
        raise UserError(f"no file for form '{form}' (expected {cfg['file']}.csv/.xlsx/.sas7bdat/.sav/.xpt)",
                        file=input_dir)
    raw = read_source(path, expected=source_columns(cfg))
    if not len(raw):
        if cfg["target"] == "subjects":
            raise UserError(f"no data rows below the header: form '{form}' lists the subjects", file=path)
        messages.append(f"{path}: no data rows below the header (form '{form}')")
    canonical, rej = map_source(raw, cfg, layout, path, form)
    read = FormRead(form, cfg["target"], canonical, rej, len(raw), path.name, [c for c in raw.columns if c != ROW],
                    source_columns(cfg), messages=messages)
    if "coding" in cfg:
        coding_path = find_source_file(input_dir, cfg["coding"]["file"])
        if coding_path is not None:
            read.coding = read_source(coding_path)
            messages.append(f"{form}: coding table {coding_path.name} ({len(read.coding)} terms)")
    return read


def split_forms(input_dir: Path, layout) -> tuple[list[str], list[str]]:
    """The layout's forms in two groups of about equal bytes to read (largest file first, each to the lighter
    group), the first read here and the second alongside in a forked child (:func:`read_sources`)."""
    sizes = {}
    for form, cfg in layout.sources.items():
        path = find_source_file(input_dir, cfg["file"])
        sizes[form] = path.stat().st_size if path is not None else 0
    here, there, load = [], [], [0, 0]
    for form in sorted(sizes, key=lambda f: -sizes[f]):      # a stable sort: equal sizes in layout order
        lane = 0 if load[0] <= load[1] else 1
        (here, there)[lane].append(form)
        load[lane] += sizes[form]
    return here, there


def read_sources(input_dir: Path, layout_name: str, log: Callable[[str], None], *, parallel: bool = False):
    """Read and map every source the layout names; returns (layout, sources by target, rejects, counts).

    With ``parallel`` about half the bytes are read in a forked child meanwhile (:func:`split_forms`,
    :mod:`cdisc_als.background`); either way the forms are taken, logged and their errors raised in
    layout order, so the result and the first error are those of reading them one after the other.
    """
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise UserError("input folder not found", file=input_dir)
    layout = load_layout(layout_name)
    here, there = split_forms(input_dir, layout) if parallel else (list(layout.sources), [])
    elsewhere = start(lambda: _read_forms(input_dir, there, layout), parallel=parallel) if there else None
    outcomes = _read_forms(input_dir, here, layout)
    if elsewhere is not None:
        outcomes.update(elsewhere.result())
    sources: dict[str, list[pd.DataFrame]] = {}
    rejects, counts = [], []
    coding = None
    columns_seen: dict[str, list[str]] = {}
    columns_used: dict[str, set[str]] = {}
    for form in layout.sources:
        kind, read = outcomes[form]
        if kind == "error":
            raise read
        for message in read.messages:
            log(message)
        if read.canonical is None:
            continue
        columns_seen.setdefault(read.file, read.columns_seen)
        columns_used.setdefault(read.file, set()).update(read.columns_used)
        sources.setdefault(read.target, []).append(read.canonical)
        rejects.append(read.rejects)
        counts.append({"form": form, "file": read.file, "rows_read": read.rows_read})
        if read.coding is not None:
            coding = read.coding
    for name, seen in columns_seen.items():
        ignored = [c for c in seen if c not in columns_used[name]]
        if ignored:
            log(f"{name}: columns the layout does not map: {', '.join(ignored)}")
    return layout, sources, rejects, counts, coding


def _read_forms(input_dir: Path, forms: list[str], layout) -> dict[str, tuple[str, FormRead | UserError]]:
    """:func:`read_form` on each form, its user error kept (raised in layout order by :func:`read_sources`)."""
    outcomes = {}
    for form in forms:
        try:
            outcomes[form] = ("ok", read_form(input_dir, form, layout.sources[form], layout))
        except UserError as err:
            outcomes[form] = ("error", err)
    return outcomes


def reconcile(counts: list[dict], result: SdtmResult) -> pd.DataFrame:
    """Per source file: rows read = rows mapped + rows rejected (a row is mapped when any record of it was written)."""
    table = pd.DataFrame(counts)
    used = result.used.astype({ROW: "int64"}).drop_duplicates()
    mapped = used.groupby("_form")[ROW].nunique()
    table["rows_mapped"] = table["form"].map(mapped).fillna(0).astype(int)
    table["rows_rejected"] = table["rows_read"] - table["rows_mapped"]
    rej = result.rejects
    cells = rej[rej["level"] == "cell"].groupby("form").size()
    table["cells_rejected"] = table["form"].map(cells).fillna(0).astype(int)
    return table[["form", "file", "rows_read", "rows_mapped", "rows_rejected", "cells_rejected"]]


def convert(input_dir: Path, out_dir: Path, *, layout: str, study: str, anchor_date: str | None = None,
            settings: Settings | None = None, echo: Callable[[str], None] = lambda m: None,
            spec: Spec | None = None, keep_written: bool = False, parallel: bool = False) -> ConvertResult:
    """Convert raw files to SDTM in ``out_dir`` (``sdtm/*.xpt``, ``rejects.csv``, ``reconciliation.csv``, ``convert.log``).

    With ``keep_written`` the result holds the SDTM folder as reading it back with categorical text would
    give it (``written``, ``read_xpt_folder(..., text="category")``), taken from what was written, so a
    caller need not read the files again; its ``datasets`` are then empty, each domain's working frame
    being let go as soon as it is written.  ``parallel``: read part of the sources in a forked child
    (:func:`read_sources`), and find the conformance notes in one while the domains are written.
    """
    settings = settings or Settings(study_id=study)
    lines: list[str] = []

    def log(message: str) -> None:
        lines.append(message)
        echo(message)

    anchor_day = _anchor_day(anchor_date)
    layout_obj, sources, rejects, counts, coding = read_sources(input_dir, layout, log, parallel=parallel)
    if anchor_day is not None and layout_obj.time_axis != "offsets":
        raise UserError(f"--anchor-date applies to layouts with day offsets; '{layout}' has calendar dates")
    spec = spec or load_spec()
    cfgs = layout_obj.sources
    coding_cfg = next((c["coding"] for c in cfgs.values() if "coding" in c), None)
    units = next((c["units"] for c in cfgs.values() if "units" in c), {})
    log(f"building SDTM for study {study} with layout {layout_obj.name}")
    result = build_sdtm(sources, layout=layout_obj, study_id=study, spec=spec, anchor_day=anchor_day,
                        coding=coding, coding_cfg=coding_cfg, units=units)
    result.rejects = pd.concat([*rejects, result.rejects], ignore_index=True).sort_values(
        ["file", "row", "column"], kind="stable").reset_index(drop=True)
    result.rejects = pd.concat([result.rejects, reject_emptied_rows(counts, result)], ignore_index=True)
    table = reconcile(counts, result)
    _check_accounted(table, result)
    # the conformance notes come first in the log; with ``parallel`` a forked child finds them while the
    # domains are written (the child keeps its own view of the frames the writing lets go)
    conformance = start(partial(conformance_notes, dict(result.domains), spec), parallel=parallel)
    out_dir = Path(out_dir)
    created = settings.created if settings else build_timestamp()
    written, counts_lines = [], []
    with staged_output(out_dir) as stage, cancelled_on_failure([conformance]):
        (stage / "sdtm").mkdir()
        for name in list(result.domains):
            frame = result.domains.pop(name) if keep_written else result.domains[name]
            meta = DatasetMeta(name, spec.dataset_label(name), _variables(spec, name, frame))
            try:
                report = write_dataset(frame, stage / "sdtm", meta, created=created,
                                       transliterate=settings.transliterate, as_read=keep_written, text="category")
            except XptError as err:
                raise trace_text_error(err, name, frame, sources, layout_obj, Path(input_dir)) from None
            if keep_written:
                written.append(report.dataset)
            counts_lines.append(f"{name}: {len(frame)} records")
            echo(counts_lines[-1])
            del frame, report
        notes = conformance.result()
        for line in notes:
            log(line)
        lines.extend(counts_lines)                # the log keeps the notes first, as they were found first
        result.rejects.to_csv(stage / "rejects.csv", index=False, lineterminator="\n")
        table.to_csv(stage / "reconciliation.csv", index=False, lineterminator="\n")
        (stage / "convert.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ConvertResult(out_dir, result.domains, result.rejects, table, lines,
                         XptFolder.of_written(out_dir / "sdtm", written) if keep_written else None)


def conformance_notes(domains: dict[str, pd.DataFrame], spec: Spec) -> list[str]:
    """One log line per domain x column x failed check of the pandera schemas, with its record count."""
    lines = []
    for name, frame in domains.items():
        cases = check_dataset(frame, spec, name)
        for (column, check), group in cases.groupby(["column", "check"], sort=True):
            lines.append(f"conformance: {name}.{column}: {check}: {len(group)} record(s)")
    return lines


def trace_text_error(err: XptError, name: str, frame: pd.DataFrame, sources: dict[str, list[pd.DataFrame]], layout,
                     input_dir: Path) -> UserError:
    """Point an XPT 'non-ASCII text' refusal at the raw file, row and column the value came from.

    XPT v5 holds ASCII only (FACTS: SAS transport v5); the fix is in the raw data or ``--transliterate``,
    so the message names the source cell rather than the dataset being written.  Other errors pass through.
    """
    if "non-ASCII" not in err.message or err.column not in frame or err.row is None:
        return err
    value = str(frame[err.column].iloc[err.row])
    for canonical in (f for frames in sources.values() for f in frames):
        text = canonical.drop(columns=[c for c in canonical.columns if str(c).startswith("_")])
        hits = text.apply(lambda col: col.astype(str).str.strip() == value.strip())
        rows, cols = np.nonzero(hits.to_numpy())
        if len(rows):
            record, target = canonical.iloc[rows[0]], text.columns[cols[0]]
            cfg = layout.sources[record["_form"]]
            column = record["_col"] if "_col" in canonical and target == cfg.get("melt", {}).get("into") else \
                cfg.get("columns", {}).get(target, {}).get("from", target)
            return UserError(f"text {value!r} is not ASCII, which XPT v5 cannot hold ({name}."
                             f"{err.column}); fix the source or rerun with --transliterate",
                             file=input_dir / record["_file"], row=int(record["_row"]), column=column)
    return XptError(err.message.replace("use transliterate=True", "rerun with --transliterate"), file=err.file,
                    row=err.row, column=err.column)


def _variables(spec: Spec, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    model = spec.dataset_variables(name).set_index("variable")
    return pd.DataFrame({"variable": frame.columns, "label": model.loc[frame.columns, "label"].values,
                         "type": model.loc[frame.columns, "type"].values})


def _anchor_day(anchor_date: str | None) -> float | None:
    if not anchor_date:
        return None
    try:
        day = date.fromisoformat(anchor_date)
    except ValueError:
        raise UserError(f"--anchor-date '{anchor_date}' is not a date (YYYY-MM-DD)") from None
    return float((day - date(1960, 1, 1)).days)


def reject_emptied_rows(counts: list[dict], result: SdtmResult) -> pd.DataFrame:
    """A row none of whose values reached an output, though only single cells were rejected, is rejected as a row."""
    used = _rows_by_form(result.used, "_form", ROW)
    rej = result.rejects
    rejected = _rows_by_form(rej[rej["level"] == "row"], "form", "row")
    none = np.empty(0, dtype=np.int64)
    pieces = []
    for entry in counts:
        form = entry["form"]
        rows = pd.Index(range(1, entry["rows_read"] + 1))
        gone = rows.difference(used.get(form, none)).difference(rejected.get(form, none))
        if len(gone):
            pieces.append(pd.DataFrame({"form": form, "file": entry["file"], "row": gone, "column": "",
                                        "value": "", "reason": RejectReason.NO_RESULT.value, "level": "row",
                                        "detail": "every value of the row was rejected (see its cell rejects)"}))
    return pd.concat(pieces, ignore_index=True) if pieces else rej.head(0)


def _check_accounted(table: pd.DataFrame, result: SdtmResult) -> None:
    """Every rejected row must have a reason in rejects.csv; a silent loss is a bug, never a success."""
    rej = result.rejects
    with_reason = _rows_by_form(rej[rej["level"] == "row"], "form", "row")
    used = _rows_by_form(result.used, "_form", ROW)
    for form, read in zip(table["form"], table["rows_read"]):
        seen = np.zeros(int(read) + 1, dtype=bool)
        for rows in (used.get(form), with_reason.get(form)):
            if rows is not None:
                seen[rows[(rows >= 1) & (rows <= read)]] = True
        missing = np.flatnonzero(~seen[1:]) + 1
        if len(missing):
            raise AssertionError(f"{form}: rows {missing[:10].tolist()} neither mapped nor rejected")


def _rows_by_form(frame: pd.DataFrame, form: str, row: str) -> dict[str, np.ndarray]:
    """The row numbers of each form (int64), from one grouping rather than a comparison per form."""
    return {name: rows.to_numpy(dtype=np.int64) for name, rows in frame.groupby(form)[row]}
