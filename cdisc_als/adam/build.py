"""The ADaM pipeline: SDTM frames in, ADSL/ADQSALS/ADRE/ADSLOPE/ADRESP out; files, table and plots.

``derive_adam`` is pure (frames in, frames out). ``derive`` reads an SDTM folder, writes every output
into temporary folders beside the targets and moves the files into place only when all are written,
so a failed run leaves no half-written package.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from cdisc_als.adam.adqsals import derive_adqsals
from cdisc_als.adam.adre import compute_re_exclusions, derive_adre
from cdisc_als.adam.adsl import derive_adsl, derive_vars_adsl_efficacy
from cdisc_als.adam.bds import derive_vars_adsl
from cdisc_als.adam.reconcile import compute_adam_reconciliation
from cdisc_als.adam.responders import derive_adresp
from cdisc_als.adam.slopes import derive_adslope
from cdisc_als.config import Settings
from cdisc_als.distinct import decode_text
from cdisc_als.errors import UserError
from cdisc_als.metadata.study import StudySpec, load_study_spec
from cdisc_als.staging import staged_output
from cdisc_als.xport.model import WriteReport, XptFolder

DATASETS = ("ADSL", "ADQSALS", "ADRE", "ADSLOPE", "ADRESP")
SDTM_INPUTS = ("DM", "QS", "RE", "EX", "DS", "MH", "SUPPMH")
RECORD_DOMAINS = ("QS", "RE")           # millions of records at pool scale
RECORD_DATASETS = ("ADQSALS", "ADRE")


@dataclass
class DeriveReport:
    """What ``derive`` wrote and what it left out."""

    datasets: dict[str, Path] = field(default_factory=dict)
    tables: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)   # SDTM QS/RE records used or excluded
    written: XptFolder | None = None     # the ADaM folder as read_xpt_folder(text="category") gives it


def derive_adam_with_exclusions(sdtm: dict[str, pd.DataFrame], settings: Settings | None = None,
                                spec: StudySpec | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """All five ADaM datasets (columns in spec order) plus the SDTM rows left out, with reasons."""
    settings = settings or Settings()
    spec = spec or load_study_spec("adam")
    # the record-level domains may hold categorical text (as ``run`` hands them over); the others are small
    sdtm = {name: frame if name in RECORD_DOMAINS else decode_text(frame) for name, frame in sdtm.items()}
    adsl = derive_adsl(sdtm, spec, settings)
    adqsals, excluded = derive_adqsals(sdtm.get("QS"), adsl, spec)
    adre = derive_adre(sdtm.get("RE"), adsl, spec)
    excluded = pd.concat([excluded, compute_re_exclusions(sdtm.get("RE"), spec)], ignore_index=True)
    adsl = derive_vars_adsl_efficacy(adsl, {"ADQSALS": adqsals, "ADRE": adre})
    bds = {"ADQSALS": derive_vars_adsl(adqsals, adsl), "ADRE": derive_vars_adsl(adre, adsl)}
    del adqsals, adre            # superseded by the copies with ADSL variables (about 1 GB at 30,000 subjects)
    bds["ADSLOPE"] = derive_adslope(bds, adsl, spec, settings)
    bds["ADRESP"] = derive_adresp(bds["ADSLOPE"], adsl, spec, settings)
    out = {"ADSL": adsl, **bds}
    del adsl, bds
    # each working frame is released as soon as its spec-shaped copy exists
    return {name: select_spec_columns(out.pop(name), spec, name) for name in DATASETS}, excluded


def derive_adam(sdtm: dict[str, pd.DataFrame], settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """ADSL, ADQSALS, ADRE, ADSLOPE and ADRESP from SDTM frames keyed by upper-case domain name."""
    return derive_adam_with_exclusions(sdtm, settings)[0]


def select_spec_columns(frame: pd.DataFrame, spec: StudySpec, name: str) -> pd.DataFrame:
    """The spec's variables in spec order (absent ones as missing); helper columns dropped."""
    variables = spec.dataset_variables(name)
    out = frame.reindex(columns=list(variables["variable"]))
    for var, typ in zip(variables["variable"], variables["type"]):
        if typ == "Num" and out[var].dtype != "float64":
            out[var] = pd.to_numeric(out[var], errors="coerce").astype("float64")
    return out.reset_index(drop=True)


def read_sdtm(sdtm_dir: Path) -> dict[str, pd.DataFrame]:
    """Read the SDTM XPTs the ADaM build uses (``<domain>.xpt``, any case); DM must exist."""
    from cdisc_als.xport import read_xpt

    sdtm_dir = Path(sdtm_dir)
    if not sdtm_dir.is_dir():
        raise UserError("SDTM folder not found", file=sdtm_dir)
    files = {p.stem.upper(): p for p in sdtm_dir.iterdir() if p.suffix.lower() == ".xpt"}
    _require_dm(files, sdtm_dir)
    return {name: read_xpt(files[name]).frame for name in SDTM_INPUTS if name in files}


def sdtm_from_folder(read: XptFolder) -> dict[str, pd.DataFrame]:
    """The SDTM frames the ADaM build uses from a folder read once (:func:`cdisc_als.xport.read_xpt_folder`),
    as :func:`read_sdtm` gives them: DM must exist and an input that could not be read raises its error.
    The frames are shallow copies, so the build leaves the folder's datasets as read."""
    frames = {d.metadata.path.stem.upper(): d.frame for d in read.shared()}
    _require_dm({**frames, **{p.stem.upper(): p for p, _ in read.failures}}, read.folder)
    read.raise_failure(list(SDTM_INPUTS))
    return {name: frames[name] for name in SDTM_INPUTS if name in frames}


def _require_dm(names: dict, sdtm_dir: Path) -> None:
    if "DM" not in names:
        raise UserError("no dm.xpt in the SDTM folder", file=sdtm_dir)


def write_adam(datasets: dict[str, pd.DataFrame], out_dir: Path, settings: Settings,
               spec: StudySpec | None = None, *, as_read: bool = False, text: str = "str") -> dict[str, WriteReport]:
    """Write each dataset with its spec metadata through the shared strict XPT writer (``as_read``: each
    report also carries the dataset as reading the file back gives it, ``text`` as ``read_xpt`` takes it)."""
    from cdisc_als.export.dataset import DatasetMeta, write_dataset

    spec = spec or load_study_spec("adam")
    reports = {}
    for name, frame in datasets.items():
        meta = DatasetMeta(name, spec.dataset_label(name), spec.dataset_variables(name))
        reports[name] = write_dataset(frame, out_dir, meta, created=settings.created,
                                      transliterate=settings.transliterate, as_read=as_read, text=text)
    return reports


def derive(sdtm_dir: Path | str, out_dir: Path | str, *, settings: Settings | None = None,
           tables_dir: Path | str | None = None) -> DeriveReport:
    """Read SDTM_DIR, write the five ADaM XPTs into OUT_DIR and the slope table and plots into
    TABLES_DIR (default OUT_DIR/../tables); nothing is moved into place until everything is written."""
    return derive_from_frames(read_sdtm(Path(sdtm_dir)), out_dir, settings=settings, tables_dir=tables_dir)


def derive_from_frames(sdtm: dict[str, pd.DataFrame], out_dir: Path | str, *, settings: Settings | None = None,
                       tables_dir: Path | str | None = None, keep_written: bool = False,
                       on_written: Callable[[XptFolder], None] | None = None,
                       parallel: bool = False) -> DeriveReport:
    """:func:`derive` on SDTM frames already read (keyed by upper-case domain, as :func:`read_sdtm` or
    :func:`sdtm_from_folder` give them; QS and RE may hold categorical text).

    The ADaM files are written first, each working frame let go once its file is written, and the table
    and plots are drawn from the datasets as the files hold them (``read_xpt(text="category")``, handed
    back by the writer).  That folder is passed to ``on_written`` (``run`` checks ADaM then) and, with
    ``keep_written``, kept in the report (``written``), so a caller need not read the files again.  With
    ``parallel`` the table and plots are drawn in a forked child meanwhile (:mod:`cdisc_als.background`).
    The SDTM frames are let go once the reconciliation is computed: a caller that hands over its only
    references (``run`` does) has their memory back before ADaM is written.
    """
    from cdisc_als.background import cancelled_on_failure, start

    settings = settings or Settings()
    out_dir = Path(out_dir).resolve()
    tables_dir = Path(tables_dir).resolve() if tables_dir else out_dir.parent / "tables"
    datasets, excluded = derive_adam_with_exclusions(sdtm, settings)
    reconciliation = compute_adam_reconciliation(sdtm, datasets, excluded, load_study_spec("adam"))
    del sdtm
    report = DeriveReport(rows={k: len(v) for k, v in datasets.items()}, excluded=excluded,
                          reconciliation=reconciliation)
    # both folders are staged; nothing moves into place until every file of both is written
    with staged_output(out_dir) as stage_adam, staged_output(tables_dir) as stage_tables:
        reports = [write_adam({name: datasets.pop(name)}, stage_adam, settings, as_read=True, text="category")[name]
                   for name in DATASETS]               # each working frame is let go once its file is written
        written = XptFolder.of_written(out_dir, [r.dataset for r in reports])
        del reports
        as_written = {d.name: d.frame if d.name in RECORD_DATASETS else decode_text(d.frame)
                      for d in written.shared()}

        def draw() -> None:
            from cdisc_als.adam.plots import write_plots            # matplotlib and scipy: imported where drawn
            from cdisc_als.adam.tables import write_slope_table
            write_slope_table(as_written, stage_tables, settings)
            excluded.to_csv(stage_tables / "excluded.csv", index=False, lineterminator="\n")
            reconciliation.to_csv(stage_tables / "reconciliation_adam.csv", index=False, lineterminator="\n")
            write_plots(as_written, stage_tables, settings)
        drawing = start(draw, parallel=parallel)
        with cancelled_on_failure([drawing]):
            if on_written is not None:
                on_written(written)
            drawing.result()
        report.written = written if keep_written else None
        files = sorted(stage_adam.iterdir())
        report.tables = [tables_dir / p.name for p in sorted(stage_tables.iterdir())]
    by_name = {p.stem.upper(): out_dir / p.name for p in files}
    report.datasets = {name: by_name[name] for name in DATASETS}
    return report


__all__ = ["derive", "derive_from_frames", "derive_adam", "derive_adam_with_exclusions", "read_sdtm",
           "sdtm_from_folder", "write_adam", "DeriveReport"]
