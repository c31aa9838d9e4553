"""Layouts: data files in ``specs/layouts/`` that say how a site's files map to SDTM.

A layout names, per source form, the file, the target (``subjects``,
``questionnaire``, ``respiratory``, ``adverse_events``, ``exposure``,
``disposition``, ``death``), and per target column where it comes from and how
it is transformed: ``required``, ``recode`` (a value map), ``date`` (ISO 8601 via
the layout's date formats), ``offset`` (a day offset from trial entry),
``number``, ``constants``, ``checkboxes`` (several boxes -> one variable) and
``melt`` (one wide row -> one record per item, with ``variants`` chosen per row,
e.g. ALSFRS-R rows versus original-ALSFRS rows).  Adding a layout needs no
Python.  The schema of a layout is ``specs/schema/layout.schema.json``.

:func:`map_source` applies one source's mapping to a raw frame and returns the
canonical frame and the cells or rows it had to reject, each with a reason.
Canonical frames keep ``_file``/``_row`` (and ``_col`` after a melt) so every
record can be traced back to its raw cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc_als.derive.dates import compute_iso_date
from cdisc_als.distinct import encode_text, is_text, map_distinct, strip_text, where_text
from cdisc_als.errors import RejectReason, UserError
from cdisc_als.ingest.read import ROW
from cdisc_als.metadata.documents import load_checked_yaml
from cdisc_als.metadata.spec import specs_dir

FILE, COL = "_file", "_col"
KEY_COLUMN = "_key_column"         # the raw column holding the subject id (named in subject rejects)
DECIMAL_COMMA = "_decimal_comma"    # the source file writes 3,52 for 3.52 (kept per record for later parsing)
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".sas7bdat", ".sav", ".zsav", ".xpt")
REJECT_COLUMNS = ["form", "file", "row", "column", "value", "reason", "level", "detail"]


@dataclass(frozen=True)
class Layout:
    """A loaded, schema-checked layout."""

    name: str
    description: str
    dates: list
    time_axis: str                 # "dates" or "offsets"
    arms: dict
    visits: dict
    unscheduled: list
    sources: dict
    trial: str = ""                # trial design (specs/trials/<name>.yaml or a path); '' = none


def layout_path(name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix in {".yaml", ".yml"} and candidate.is_file():
        return candidate
    path = specs_dir() / "layouts" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (specs_dir() / "layouts").glob("*.yaml"))
        raise UserError(f"unknown layout '{name}' (known: {', '.join(known)})")
    return path


def load_layout(name: str) -> Layout:
    """Load a layout by name (``specs/layouts/<name>.yaml``) or path and check it against the schema."""
    path = layout_path(name)
    doc = load_checked_yaml(path, schema="layout", kind="layout")
    visits = {str(k).upper(): v for k, v in (doc.get("visits") or {}).items()}
    trial = str(doc.get("trial", ""))
    if trial.endswith((".yaml", ".yml")) and (path.parent / trial).is_file():
        trial = str(path.parent / trial)      # a design file beside the layout
    return Layout(doc["name"], doc.get("description", ""), doc.get("dates", ["YYYY-MM-DD"]),
                  doc.get("time_axis", "dates"), doc.get("arms") or {}, visits,
                  [str(u).upper() for u in doc.get("unscheduled", [])], doc["sources"], trial)


def find_source_file(input_dir: Path, stem: str) -> Path | None:
    """The file in ``input_dir`` whose name (without suffix) is ``stem``, case-insensitive."""
    matches = sorted(p for p in Path(input_dir).iterdir()
                     if p.is_file() and p.suffix.lower() in SUFFIXES and p.stem.lower() == stem.lower())
    if len(matches) > 1:
        raise UserError(f"several files for form '{stem}': {', '.join(p.name for p in matches)}", file=input_dir)
    return matches[0] if matches else None


def source_columns(cfg: dict) -> list[str]:
    """Every raw column a source mapping reads."""
    cols = [c["from"] for c in cfg.get("columns", {}).values()]
    box = cfg.get("checkboxes")
    if box:
        cols += list(box["columns"]) + ([box["other_text"]] if box.get("other_text") else [])
    for melt in _melts(cfg):
        for item in melt["items"]:
            cols += [item["from"], *item.get("columns", {}).values()]
    for variant in cfg.get("variants", []):
        cols += variant["when"].get("any_present", [])
    return list(dict.fromkeys(cols))


def _melts(cfg: dict) -> list[dict]:
    found = [cfg["melt"]] if "melt" in cfg else []
    return found + [v["melt"] for v in cfg.get("variants", []) if "melt" in v]


def new_rejects(rows: pd.DataFrame | None = None) -> pd.DataFrame:
    if rows is None or rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
    return rows.reindex(columns=REJECT_COLUMNS)


def reject(frame: pd.DataFrame, mask: pd.Series, *, column: str | pd.Series, values: pd.Series | None = None,
           reason: RejectReason, level: str, detail: str = "") -> pd.DataFrame:
    """Reject entries for the rows of ``frame`` under ``mask`` (vectorised); ``column`` may vary per row."""
    hit = frame.loc[mask]
    vals = (values if values is not None else pd.Series("", index=frame.index)).loc[mask]
    # a cell reject names the raw column of the cell; a row reject names the column that condemned the row
    if COL in hit and level == "cell":
        col = hit[COL]
    else:
        col = column.loc[mask] if isinstance(column, pd.Series) else pd.Series(column, index=hit.index)
    form = hit["_form"] if "_form" in hit else pd.Series("", index=hit.index)
    out = pd.DataFrame({"form": form.values, "file": hit[FILE].values, "row": hit[ROW].values,
                        "column": col.values, "value": vals.astype(str).values, "reason": reason.value,
                        "level": level, "detail": detail}, columns=REJECT_COLUMNS)
    if level == "row":
        out = out.drop_duplicates(["form", "file", "row", "reason"])
    return out


def keep_rows(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """``frame[keep]``, without a copy of every column when every row is kept."""
    return frame if keep.all() else frame[keep]


def check_columns(raw: pd.DataFrame, cfg: dict, file: Path) -> None:
    """Every column the mapping reads must exist (pandera checks presence; the message names file and column)."""
    import pandera.pandas as pa

    optional = {c["from"] for c in cfg.get("columns", {}).values() if c.get("optional")}
    schema = pa.DataFrameSchema({c: pa.Column(required=c not in optional, nullable=True)
                                 for c in source_columns(cfg)}, strict=False)
    try:
        schema.validate(raw.head(0))
    except pa.errors.SchemaError as err:
        missing = [c for c in source_columns(cfg) if c not in raw.columns and c not in optional]
        raise UserError("missing required column", file=file, column=", ".join(missing) or str(err)) from None


def map_source(raw: pd.DataFrame, cfg: dict, layout: Layout, file: Path,
               form: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply one source mapping (``form`` names it in rejects): raw text frame -> canonical frame, rejects."""
    check_columns(raw, cfg, file)
    raw = raw.assign(**{FILE: file.name, "_form": form})
    dup = raw.drop(columns=[ROW]).duplicated(keep="first")
    rejects = [_reject_duplicates(raw, dup)]
    raw = keep_rows(raw, ~dup)
    decimal_comma = bool(raw.attrs.get("decimal_comma"))
    out = raw[[FILE, ROW, "_form"]].copy()
    out[DECIMAL_COMMA] = decimal_comma
    out[KEY_COLUMN] = cfg.get("columns", {}).get("SUBJID", {}).get("from", "SUBJID")
    row_bad = pd.Series(False, index=raw.index)
    for target, spec in cfg.get("columns", {}).items():
        if spec["from"] not in raw:
            out[target] = ""
            continue
        value, bad, reason = _convert(raw[spec["from"]], spec, layout, decimal_comma)
        if spec.get("required"):
            blank = value.isna() if value.dtype == np.float64 else \
                map_distinct(value, lambda v: v.isna() | (v.astype(str) == ""))
            blank_required = blank & ~bad
            row_bad |= bad | blank_required
        else:
            blank_required = pd.Series(False, index=raw.index)
        frame = raw.assign(**{COL: spec["from"]})
        rejects.append(reject(frame, bad, column=spec["from"], values=raw[spec["from"]], reason=reason,
                              level="row" if spec.get("required") else "cell",
                              detail=f"{target}: {spec.get('why', _why(reason, spec))}"))
        rejects.append(reject(frame, blank_required, column=spec["from"], reason=RejectReason.MISSING_KEY,
                              level="row", detail=f"{target} is required"))
        out[target] = value.where(~bad, "" if value.dtype == object else np.nan) if bad.any() else value
    for target, constant in cfg.get("constants", {}).items():
        out[target] = constant
    if "checkboxes" in cfg:
        out = pd.concat([out, _checkboxes(raw, cfg["checkboxes"])], axis=1)
    out, raw = keep_rows(out, ~row_bad), keep_rows(raw, ~row_bad)
    if "melt" in cfg or "variants" in cfg:
        out, melt_rejects = _melt_rows(raw, out, cfg, decimal_comma)
        rejects.append(melt_rejects)
        out = out.assign(**{c: encode_text(out[c]) for c in out.columns if _is_text(out[c])})
    return out.reset_index(drop=True), new_rejects(pd.concat(rejects, ignore_index=True))


def _is_text(column: pd.Series) -> bool:
    """Text not yet held as a categorical."""
    return not isinstance(column.dtype, pd.CategoricalDtype) and is_text(column)


def _why(reason: RejectReason, spec: dict) -> str:
    if reason is RejectReason.BAD_CODE and "recode" in spec:
        return f"not one of {sorted(spec['recode'])}"
    return {RejectReason.BAD_DATE: "not a valid date", RejectReason.BAD_NUMBER: "not a number"}.get(reason, "")


def _convert(col: pd.Series, spec: dict, layout: Layout, decimal_comma: bool):
    """One raw column -> (value, bad mask, reason for bad)."""
    text = strip_text(col)
    if "recode" in spec:
        table = {str(k).strip().upper(): v for k, v in spec["recode"].items()}
        value = map_distinct(text, lambda t: t.str.upper().map(table))
        bad = value.isna() & (text != "")
        return value.fillna("").astype(object), bad, RejectReason.BAD_CODE
    if spec.get("date"):
        iso, bad = compute_iso_date(text, layout.dates)
        return iso, bad, RejectReason.BAD_DATE
    if spec.get("number") or spec.get("offset"):
        number, bad = compute_number(text, decimal_comma)
        return number, bad, RejectReason.BAD_NUMBER
    return text.astype(object), pd.Series(False, index=col.index), RejectReason.BAD_CODE


def compute_number(text: pd.Series, decimal_comma: bool | pd.Series = False) -> tuple[pd.Series, pd.Series]:
    """Numbers stored as text -> float; a value that is present but not a number is flagged bad.

    ``decimal_comma`` (for the whole column, or per row) reads ``3,52`` as 3.52, as semicolon-delimited exports write it.
    """
    comma = pd.Series(decimal_comma, index=text.index) if isinstance(decimal_comma, bool) else decimal_comma
    comma = comma.astype(bool)
    clean = where_text(~comma, text, map_distinct(text, lambda t: t.str.replace(",", ".", regex=False))) \
        if comma.any() else text
    parsed = map_distinct(clean, lambda c: pd.DataFrame({"number": pd.to_numeric(c.where(c != ""), errors="coerce"),
                                                         "present": c != ""}))
    number = parsed["number"].astype("float64").rename(text.name)
    return number, number.isna() & parsed["present"]


def _reject_duplicates(raw: pd.DataFrame, dup: pd.Series) -> pd.DataFrame:
    """Rows identical to an earlier row in every column (``dup``) are rejected, pointing at the first one."""
    if not dup.any():
        return new_rejects()
    content = raw.drop(columns=[ROW])
    key = pd.util.hash_pandas_object(content, index=False)
    first_row = raw[ROW].groupby(key.values).transform("min")
    frame = raw.assign(**{COL: ""})
    return reject(frame, dup, column="", values="same as row " + first_row.astype(str),
                  reason=RejectReason.DUPLICATE, level="row", detail="exact duplicate of an earlier row")


def _checkboxes(raw: pd.DataFrame, box: dict) -> pd.DataFrame:
    """Several yes/no boxes -> ``into`` (the one value, or MULTIPLE) and ``<into>1..n`` for SUPPQUAL."""
    checked = {str(v).upper() for v in box["checked"]}
    ticks = np.zeros((len(raw), len(box["columns"])), dtype=bool)
    for i, col in enumerate(box["columns"]):
        ticks[:, i] = map_distinct(strip_text(raw[col]), lambda t: t.str.upper().isin(checked)).to_numpy(dtype=bool)
    names = np.array(list(box["columns"].values()), dtype=object)
    count = ticks.sum(axis=1)
    rank = np.cumsum(ticks, axis=1)          # the i-th box ticked in a row has rank i there

    def ticked(i: int) -> np.ndarray:
        """The value of the i-th (1-based) box ticked in each row, '' where fewer are ticked."""
        hit = ticks & (rank == i)
        found = hit.any(axis=1)
        return np.where(found, names[hit.argmax(axis=1)] if len(names) else "", "").astype(object)

    into = box["into"]
    out = pd.DataFrame(index=raw.index)
    out[into] = np.where(count > 1, "MULTIPLE", np.where(count == 1, ticked(1), "")).astype(object)
    for i in range(int(count.max()) if len(count) else 0):
        out[f"{into}{i + 1}"] = np.where(count > 1, ticked(i + 1), "").astype(object)
    if box.get("other_text"):
        out[f"{into}OTH"] = strip_text(raw[box["other_text"]])
    return out


def _melt_rows(raw: pd.DataFrame, base: pd.DataFrame, cfg: dict, decimal_comma: bool):
    """Wide rows -> one record per non-blank item; the variant (if any) is chosen per row.

    Records are ordered item by item (rows in file order within an item).  Each base column is
    taken once for all records, and each column an item sets is built in one piece.
    """
    stripped: dict[str, tuple[pd.Series, np.ndarray]] = {}

    def text(column: str) -> tuple[pd.Series, np.ndarray]:
        """A raw column stripped, and where it is not blank (each raw column once)."""
        if column not in stripped:
            value = strip_text(raw[column])
            stripped[column] = value, map_distinct(value, lambda v: v != "").to_numpy(dtype=bool)
        return stripped[column]

    if "variants" in cfg:
        chosen = np.full(len(raw), -1)
        for i, variant in enumerate(cfg["variants"]):
            present = np.zeros(len(raw), dtype=bool)
            for column in variant["when"]["any_present"]:
                present |= text(column)[1]
            chosen = np.where(chosen >= 0, chosen, np.where(present, i, -1))
        plans = [(chosen == i, v.get("constants", {}), v["melt"]) for i, v in enumerate(cfg["variants"])]
    else:
        plans = [(np.ones(len(raw), dtype=bool), {}, cfg["melt"])]
    pieces, covered = [], np.zeros(len(raw), dtype=bool)
    for mask, constants, melt in plans:
        for item in melt["items"]:
            value, present = text(item["from"])
            keep = mask & present
            if not keep.any():
                continue
            sets = {COL: item["from"], melt["into"]: value, **constants, **item.get("set", {}),
                    **{target: text(column)[0] for target, column in item.get("columns", {}).items()}}
            pieces.append((np.flatnonzero(keep), sets))
            covered |= keep
    frame = raw.assign(**{COL: ""})
    rejects = reject(frame, pd.Series(~covered, index=raw.index), column="", reason=RejectReason.NO_RESULT,
                     level="row", detail="no result in any mapped column" if "variants" not in cfg
                     else "no result in any mapped column, or no scale could be recognised")
    if not pieces:
        return base.head(0).assign(**{COL: ""}), rejects
    return _stack_pieces(base, pieces), rejects


def _stack_pieces(base: pd.DataFrame, pieces: list[tuple[np.ndarray, dict]]) -> pd.DataFrame:
    """The records of every piece (rows of ``base`` at the given positions, with the piece's own values
    set: a scalar, or a Series over ``base``'s rows) one piece after another, as concatenating the
    pieces would give them: base columns first, set columns in order of first appearance, and the
    dtypes concatenation gives (read from one-row pieces), but for text: the records of a melt are many
    (an item per form), so their text columns are categoricals over sorted categories, each built from
    the distinct values of the pieces (:func:`cdisc_als.distinct.encode_text`)."""
    overwritten = [c for c in base.columns if any(c in sets for _, sets in pieces)]
    probe = pd.concat([_piece(base[overwritten], rows[:1], sets) for rows, sets in pieces], ignore_index=True)
    kept = base.drop(columns=overwritten)
    kept = kept.assign(**{c: encode_text(kept[c]) for c in kept.columns if _is_text(kept[c])})
    long = kept.take(np.concatenate([rows for rows, _ in pieces])).reset_index(drop=True)

    def stacked(name: str) -> pd.Series:
        values = [sets.get(name, base[name] if name in base else np.nan) for _, sets in pieces]
        if _is_text(probe[name]) and all(_is_text(v) if isinstance(v, pd.Series) else isinstance(v, str)
                                         for v in values):
            return _stacked_text(pieces, values)
        chunks = []
        for (rows, _), value in zip(pieces, values):
            if isinstance(value, pd.Series):
                chunks.append(value.to_numpy(dtype=object)[rows])
            else:
                chunks.append(np.empty(len(rows), dtype=object))
                chunks[-1].fill(value)          # (np.full copies element by element: much slower)
        return pd.Series(np.concatenate(chunks), dtype=object).astype(probe[name].dtype)

    combined = {c: stacked(c) if c in overwritten else long[c] for c in base.columns}
    combined.update({c: stacked(c) for c in probe.columns if c not in combined})
    return pd.DataFrame(combined, copy=False)


def _stacked_text(pieces: list[tuple[np.ndarray, dict]], values: list) -> pd.Series:
    """One text column of the stacked records as a categorical: each piece's value (a text Series over the
    base rows, encoded once however many pieces share it, or one text) placed on that piece's records."""
    encoded: dict[int, pd.Series] = {}
    for value in values:
        if isinstance(value, pd.Series) and id(value) not in encoded:
            encoded[id(value)] = encode_text(value)
    categories = pd.Index(sorted({*(v for v in values if isinstance(v, str)),
                                  *(c for e in encoded.values() for c in e.cat.categories)}), dtype=object)
    chunks = []
    for (rows, _), value in zip(pieces, values):
        if isinstance(value, str):
            chunks.append(np.full(len(rows), categories.get_loc(value), dtype=np.int32))
        else:
            column = encoded[id(value)]
            position = np.append(categories.get_indexer(column.cat.categories), -1)   # code -1 stays -1
            chunks.append(position[column.cat.codes.to_numpy()[rows]])
    codes = np.concatenate(chunks)
    return pd.Series(pd.Categorical.from_codes(codes.astype(np.min_scalar_type(-len(categories))), categories=categories))


def _piece(base: pd.DataFrame, rows: np.ndarray, sets: dict) -> pd.DataFrame:
    part = base.iloc[rows].reset_index(drop=True)
    for target, value in sets.items():
        part[target] = value.iloc[rows].reset_index(drop=True) if isinstance(value, pd.Series) else value
    return part
