"""Structure against the model (specs/ via ``load_spec``) and the XPT v5 limits.

Model ops (required/expected presence, type, label, not in model, permissible all-null) only run
where the package's exact model version is in specs/ (rules carry ``model: true``).
"""
from __future__ import annotations

import re

import pandas as pd

from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.registry import RecordHits, TableHits, VariableHits, register_op

SAS_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,7}")


def model_table(ds: DatasetData, pkg: Package) -> pd.DataFrame | None:
    """The model variables of ``ds`` (None for custom domains not in the model)."""
    if pkg.standard.startswith("adam"):
        structure = "ADSL" if ds.name == "ADSL" else "BDS" if "PARAMCD" in ds.frame.columns else None
        return None if structure is None else pkg.spec.variables[pkg.spec.variables["dataset"] == structure]
    model = "SUPPQUAL" if ds.is_supp else ds.domain
    table = pkg.spec.variables[pkg.spec.variables["dataset"] == model]
    return None if table.empty else table


@register_op("model_variables_present", level="variable")
def check_model_variables_present(ds: DatasetData, pkg: Package, *, core: str) -> VariableHits | None:
    """Model variables with Core ``core`` (Req/Exp) that the dataset lacks."""
    table = model_table(ds, pkg)
    if table is None:
        return None
    wanted = table.loc[table["core"] == core, "variable"]
    return VariableHits([v for v in wanted if not any(name_pattern(v).fullmatch(c) for c in ds.frame.columns)])


def name_pattern(name: str) -> re.Pattern:
    """ADaM placeholder names as patterns: lowercase runs are digits (TRTxxP -> TRT\\d+P)."""
    return re.compile(re.sub(r"[a-z]+", r"\\d+", name))


@register_op("model_required_values", level="record")
def check_model_required_values(ds: DatasetData, pkg: Package, *, roles: list | None = None) -> TableHits | None:
    """Null values in Req variables (optionally only those with one of ``roles``)."""
    table = model_table(ds, pkg)
    if table is None:
        return None
    req = table[table["core"] == "Req"]
    if roles and "role" in req:
        req = req[req["role"].isin(roles)]
    rows = [pd.DataFrame({"row": ds.frame.index[ds.null(v).to_numpy()], "variable": v, "value": ""})
            for v in req["variable"] if v in ds.frame.columns and ds.null(v).any()]
    return TableHits(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["row", "variable", "value"]))


def attribute_mismatches(ds: DatasetData, expected: dict[str, str], attribute: str, source: str, *,
                         ignore_case: bool = False) -> VariableHits:
    """Variables whose ``attribute`` (type or label) differs from ``expected[name]``; blank actual labels are skipped
    only when comparing against define.xml (where the label may live in the define alone)."""
    def norm(text: str) -> str:
        return text.strip().lower() if ignore_case else text.strip()

    bad = [(v.name, f"{getattr(v, attribute)!r} ({source} {expected[v.name]!r})") for v in ds.variables
           if v.name in expected and norm(getattr(v, attribute)) != norm(expected[v.name])
           and (source != "define" or getattr(v, attribute))]
    return VariableHits([b[0] for b in bad], [b[1] for b in bad])


@register_op("model_type", level="variable")
def check_model_type(ds: DatasetData, pkg: Package) -> VariableHits | None:
    """Variables whose stored type (Char/Num) differs from the model's."""
    table = model_table(ds, pkg)
    if table is None:
        return None
    types = {v: t for v, t in zip(table["variable"], table["type"]) if t in ("Char", "Num")}
    return attribute_mismatches(ds, types, "type", "model")


@register_op("model_label", level="variable")
def check_model_label(ds: DatasetData, pkg: Package) -> VariableHits | None:
    """Variables whose label differs from the model label (case-insensitive)."""
    table = model_table(ds, pkg)
    if table is None:
        return None
    return attribute_mismatches(ds, dict(zip(table["variable"], table["label"])), "label", "model", ignore_case=True)


def generic_names(pkg: Package, classes: set[str]) -> set[str]:
    """``--XXX`` names of every model variable in datasets of ``classes`` (the general-class variables)."""
    ds_table = pkg.spec.datasets[pkg.spec.datasets["class"].isin(classes)]
    v = pkg.spec.variables[pkg.spec.variables["dataset"].isin(ds_table["dataset"])]
    prefixed = v["variable"].str.slice(0, 2) == v["dataset"].str.slice(0, 2)
    return set("--" + v.loc[prefixed, "variable"].str.slice(2)) | set(v.loc[~prefixed, "variable"])


@register_op("not_in_model", level="variable")
def check_not_in_model(ds: DatasetData, pkg: Package, *, allow_class_variables: bool = True) -> VariableHits | None:
    """Variables in neither the domain's model nor (if allowed) its general observation class."""
    table = model_table(ds, pkg)
    if table is None:
        return None
    known = set(table["variable"])
    if allow_class_variables and not pkg.standard.startswith("adam"):
        generic = generic_names(pkg, pkg.classes(ds))
        known |= {ds.resolve(n) for n in generic}
    return VariableHits([c for c in ds.frame.columns if c not in known])


@register_op("permissible_all_null", level="variable")
def check_permissible_all_null(ds: DatasetData, pkg: Package) -> VariableHits | None:
    """Perm variables that are present but empty in every record."""
    table = model_table(ds, pkg)
    if table is None or not len(ds.frame):
        return None
    perm = table.loc[table["core"] == "Perm", "variable"]
    return VariableHits([v for v in perm if v in ds.frame.columns and ds.null(v).all()])


def data_bytes(ds: DatasetData, name: str) -> int:
    """Longest value of a character column in bytes (UTF-8, trailing blanks ignored), from its distinct values."""
    key = ("max bytes", name)                     # asked for every part of a split domain and by two rules
    if key not in ds._nulls:
        _, uniques = ds.codes(name)
        ds._nulls[key] = int(_byte_length(pd.Series(uniques, dtype=ds.frame[name].dtype)).max()) if len(ds.frame) else 0
    return ds._nulls[key]


def column_bytes(ds: DatasetData, name: str) -> pd.Series:
    """UTF-8 byte length of every value of a character column (computed once per run and column)."""
    key = ("bytes", name)
    if key not in ds._nulls:
        ds._nulls[key] = ds.map_column(name, _byte_length)
    return ds._nulls[key]


def _byte_length(values: pd.Series) -> pd.Series:
    """UTF-8 length of each text value, trailing blanks ignored (0 for missing)."""
    text = values.fillna("").astype(str).str.rstrip()
    ascii_only = text.str.isascii()
    if ascii_only.all():
        return text.str.len()
    return text.str.len().where(ascii_only, text.str.encode("utf-8").str.len())


@register_op("length_too_long", level="variable")
def check_length_too_long(ds: DatasetData, pkg: Package) -> VariableHits | None:
    """Char variables whose declared length exceeds the longest value (at least 1 byte is allowed).

    Split datasets (QSCO, QSDA, ...) are sized to the longest value over all parts of the domain,
    as the FDA rule asks, so each part is compared with that maximum.
    """
    declared = [v for v in ds.variables if v.type == "Char" and v.length]
    if not declared:
        return None
    parts = [d for d in pkg.by_domain(ds.domain) if d is not ds] if not ds.is_supp else []
    bad = []
    for v in declared:
        longest = max([data_bytes(d, v.name) for d in [ds, *parts] if v.name in d.frame.columns] or [0])
        if v.length > max(longest, 1):
            bad.append((v.name, f"length {v.length}, longest value {longest}"))
    return VariableHits([b[0] for b in bad], [b[1] for b in bad])


@register_op("xpt_variable_limits", level="variable")
def check_xpt_variable_limits(ds: DatasetData, pkg: Package) -> VariableHits:
    """XPT v5 limits on names and labels: names 1-8 chars A-Z/0-9/_ not starting with a digit, labels <= 40 ASCII."""
    bad = []
    for v in ds.variables:
        if not SAS_NAME.fullmatch(v.name):
            bad.append((v.name, "name is not an uppercase SAS v5 name of up to 8 characters"))
        elif len(v.label) > 40 or not v.label.isascii():
            bad.append((v.name, f"label {v.label!r} longer than 40 characters or not ASCII"))
    return VariableHits([b[0] for b in bad], [b[1] for b in bad])


@register_op("value_bytes_over", level="record")
def check_value_bytes_over(ds: DatasetData, pkg: Package, *, limit: int = 200) -> TableHits:
    """Character values longer than ``limit`` bytes (the XPT v5 maximum is 200)."""
    rows = []
    for name in ds.frame.columns:
        if pd.api.types.is_numeric_dtype(ds.frame[name]):
            continue
        if data_bytes(ds, name) <= limit:
            continue
        size = column_bytes(ds, name)
        over = size > limit
        if over.any():
            rows.append(pd.DataFrame({"row": ds.frame.index[over.to_numpy()], "variable": name,
                                      "value": size[over].astype(str).to_numpy() + " bytes"}))
    return TableHits(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["row", "variable", "value"]))


@register_op("dataset_label", level="dataset")
def check_dataset_label(ds: DatasetData, pkg: Package, *, against_model: bool = False) -> TableHits | None:
    """Blank dataset label, or (``against_model``) one that differs from the model's label."""
    expected = pkg.spec.dataset_label(ds.name) if against_model else ""
    if against_model and (not expected or not ds.label.strip()):
        return None
    if not against_model and not ds.label.strip() and define_dataset_label(pkg, ds.name):
        return TableHits(pd.DataFrame(columns=["variable", "value"]))
    bad = (not ds.label.strip()) if not against_model else ds.label.strip().lower() != expected.strip().lower()
    rows = [{"variable": "", "value": ds.label if against_model else "(blank)"}] if bad else []
    return TableHits(pd.DataFrame(rows, columns=["variable", "value"]))


def define_dataset_label(pkg: Package, name: str) -> str:
    """The dataset's label in the package's define.xml ('' without a define or a label there)."""
    table = getattr(pkg.define, "datasets", None)
    if table is None or "label" not in table.columns:
        return ""
    rows = table.loc[table["dataset"].astype(str).str.upper() == name.upper(), "label"]
    return str(rows.iat[0]).strip() if len(rows) else ""


@register_op("no_records", level="dataset")
def check_no_records(ds: DatasetData, pkg: Package) -> TableHits:
    """A dataset with no records."""
    return TableHits(pd.DataFrame([{"variable": "", "value": "0 records"}] if not len(ds.frame) else [],
                                  columns=["variable", "value"]))


@register_op("domain_value", level="record")
def check_domain_value(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """DOMAIN values that do not match the dataset name (a split dataset QSSL holds DOMAIN QS)."""
    if "DOMAIN" not in ds.frame.columns or ds.is_supp:
        return None
    ok = ds.map_text("DOMAIN", lambda value: (value == ds.name) | ((value.str.len() == 2) & (value == ds.name[:2])))
    return RecordHits(~ok & ~ds.null("DOMAIN"), ["DOMAIN"])


@register_op("variable_dependency", level="variable")
def check_variable_dependency(ds: DatasetData, pkg: Package, *, present: str, require: str | None = None,
                              forbid_without: str | None = None) -> VariableHits | None:
    """If ``present`` is in the dataset, ``require`` must be too; or ``present`` must not be without ``forbid_without``."""
    if not ds.has(present):
        return None
    if require is not None:
        return VariableHits([] if ds.has(require) else [ds.resolve(require)])
    return VariableHits([] if ds.has(forbid_without) else [ds.resolve(present)])


@register_op("dataset_missing", level="package")
def check_dataset_missing(ds, pkg: Package, *, domain: str) -> TableHits:
    """A domain every submission should include is absent."""
    missing = not pkg.by_domain(domain)
    return TableHits(pd.DataFrame([{"dataset": domain, "value": "dataset not found"}] if missing else [],
                                  columns=["dataset", "value"]))


@register_op("unreadable_file", level="package")
def check_unreadable_file(ds, pkg: Package) -> TableHits:
    """Files in the folder that could not be read as datasets at all."""
    rows = [{"dataset": name, "value": why} for name, why in pkg.unreadable]
    return TableHits(pd.DataFrame(rows, columns=["dataset", "value"]))


@register_op("encoding_issue", level="record")
def check_encoding_issue(ds: DatasetData, pkg: Package) -> TableHits:
    """Values that were not valid UTF-8 and were decoded as Windows-1252."""
    rows = [_issue_row(ds, issue) for issue in ds.encoding_issues]
    return TableHits(pd.DataFrame(rows, columns=["row", "variable", "value"]))


def _issue_row(ds: DatasetData, issue) -> dict:
    """One encoding issue (object with row/variable/value attributes, a dict, or a tuple) as a hit row."""
    if isinstance(issue, dict):
        get = issue.get
    elif isinstance(issue, tuple) and not hasattr(issue, "_fields"):
        get = dict(zip(("row", "variable", "value"), issue)).get
    else:
        def get(key, default=None):
            return getattr(issue, key, default)
    row = get("row")
    row = ds.frame.index[int(row)] if row is not None and 0 <= int(row) < len(ds.frame) else None
    variable = get("variable") or get("column") or get("name") or ""
    return {"row": row, "variable": str(variable), "value": str(get("value") or get("text") or "")}
