"""The content of a define.xml as tables: what the written datasets hold, described by ``specs/``.

:func:`build_define_model` takes the datasets as read back from disk (so lengths and
types are what the files say) and the kind (``sdtm``/``adam``) and returns a
:class:`DefineModel`; :mod:`cdisc_als.define.write` only serialises it.

Rules, with their source:

* one ItemGroupDef per dataset (Purpose Tabulation for SDTM, Analysis for ADaM); class,
  structure and label from the model (SDTMIG 3.4 / the ADaM study spec), keys as KeySequence;
* one ItemDef per variable: label and length from the file, data type from the values
  (:mod:`cdisc_als.define.items`), Mandatory = Yes for Required variables, origin from
  ``specs/sdtm/origins.csv`` or ``specs/adam/variables.csv`` (ADaM Predecessor origins name their
  source variable in the origin description); numeric SAS dates keep their format as def:DisplayFormat;
* codelists as :mod:`cdisc_als.define.codelists` says; ADaM PARAMCD gets a sponsor list of the
  PARAMCD/PARAM pairs the data hold;
* value-level metadata as :mod:`cdisc_als.define.valuelevel` says;
* a MethodDef for every method a variable refers to; a CommentDef for every comment text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cdisc_als.define import codelists as cl
from cdisc_als.define.items import DistinctColumns, compute_item_format, distinct_text
from cdisc_als.define.specs import (adam_variable_meta, dataset_meta, methods_table, sdtm_tables,
                                    sdtm_variable_meta)
from cdisc_als.define.valuelevel import adam_rules, build_valuelevel, sdtm_rules
from cdisc_als.distinct import compute_first_rows
from cdisc_als.metadata.spec import CT_VERSIONS, load_spec, read_table

STANDARD_ROWS = {
    "sdtm": [("STD.SDTMIG.3.4", "SDTMIG", "IG", "3.4", "")],
    "adam": [("STD.ADAMIG.1.3", "ADaMIG", "IG", "1.3", "")],
}
CT_PUBLISHING = {"sdtm": "SDTM", "adam": "ADaM", "define-xml": "DEFINE-XML"}
NUMERIC_DATE_KINDS = ("date", "datetime", "time")


@dataclass(frozen=True)
class DefineModel:
    """Tables of one define (see the module docstring); ``warnings`` are notes for the user."""

    kind: str
    study_id: str
    standards: pd.DataFrame
    datasets: pd.DataFrame
    variables: pd.DataFrame
    valuelevel: pd.DataFrame
    codelists: pd.DataFrame = field(repr=False)
    terms: pd.DataFrame = field(repr=False)
    methods: pd.DataFrame = field(repr=False)
    comments: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()


def _ct_standards() -> pd.DataFrame:
    """def:Standard rows for the CT packages in ``specs/ct`` (``sdtm-ct-2025-03-28`` -> SDTM CT 2025-03-28)."""
    rows = []
    for version in CT_VERSIONS:
        prefix, sep, date = version.partition("-ct-")
        if sep and prefix in CT_PUBLISHING:
            publishing = CT_PUBLISHING[prefix]
            rows.append({"oid": f"STD.CT.{publishing}.{date}", "name": "CDISC/NCI", "type": "CT",
                         "version": date, "publishing_set": publishing, "ct": version})
    return pd.DataFrame(rows)


def variables_table(datasets: list) -> pd.DataFrame:
    """dataset, variable, label, sas_type, xpt_length, format, order of every variable in the files."""
    rows = [{"dataset": d.name.upper(), "variable": v.name, "label": v.label, "sas_type": v.type,
             "xpt_length": v.length, "format": v.format, "order": i}
            for d in datasets for i, v in enumerate(d.variables, start=1)]
    return pd.DataFrame(rows, columns=["dataset", "variable", "label", "sas_type", "xpt_length", "format", "order"])


def _origin_fields(meta: pd.DataFrame, kind: str) -> pd.DataFrame:
    """origin type, Source (Investigator/Sponsor/...) and origin description per variable."""
    out = pd.DataFrame(index=meta.index)
    out["origin"] = meta["origin"]
    if kind == "adam":
        out["source"] = meta["origin"].map({"Derived": "Sponsor", "Assigned": "Sponsor", "Protocol": "Sponsor",
                                            "Collected": "Investigator"}).fillna("")
        out["origin_text"] = meta["source"].where(meta["origin"] == "Predecessor", "")
    else:
        out["source"] = meta["source"]
        out["origin_text"] = ""
    return out


def _item_formats(variables: pd.DataFrame, distinct: DistinctColumns) -> pd.DataFrame:
    from cdisc_als.datasetjson.columns import sas_format_kind

    rows = []
    for row in variables.itertuples():  # one pass per variable (column), not per record
        # numbers: compute_number_format tells whole numbers from the column itself, without its distinct values
        values = distinct.frames[row.dataset][row.variable] if row.sas_type == "Num" else distinct(
            row.dataset, row.variable)
        fmt = compute_item_format(values, sas_type=row.sas_type, length=row.xpt_length, iso=bool(row.iso))
        kind = sas_format_kind(row.format) if row.sas_type == "Num" else None
        fmt["display_format"] = row.format if kind in NUMERIC_DATE_KINDS else ""
        rows.append(fmt)
    return pd.DataFrame(rows, index=variables.index)


def _codelist_requests(variables: pd.DataFrame, distinct: DistinctColumns, terms: pd.DataFrame) -> pd.Series:
    """The chosen CT id per variable ('' when none)."""
    coded = variables[variables["codelist"] != ""]
    if coded.empty:
        return pd.Series("", index=variables.index)
    used = [distinct_text(distinct(d, v)).str.strip().pipe(lambda s: list(s[s != ""].unique()))
            for d, v in zip(coded["dataset"], coded["variable"])]
    requests = pd.DataFrame({"codelist": coded["codelist"], "values": used}, index=coded.index)
    return cl.choose_codelists(requests, terms).reindex(variables.index).fillna("")


def _used_values(variables: pd.DataFrame, vlm: pd.DataFrame, distinct: DistinctColumns) -> pd.DataFrame:
    parts = []
    for row in variables[variables["ct"] != ""].itertuples():
        values = distinct_text(distinct(row.dataset, row.variable)).str.strip()
        values = pd.Series(values[values != ""].unique(), dtype=object)
        parts.append(pd.DataFrame({"codelist": row.ct, "value": values, "datatype": row.datatype}))
    listed = vlm[vlm["codelist"] != ""]
    parts.append(pd.DataFrame({"codelist": listed["codelist"], "value": "", "datatype": listed["datatype"]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["codelist", "value", "datatype"])


def _dictionary_links(variables: pd.DataFrame, meta_format: pd.Series, dictionaries: pd.DataFrame) -> pd.Series:
    by_format = dictionaries[dictionaries["format"] != ""].set_index("format")["dictionary"]
    by_name = dictionaries[dictionaries["variable"] != ""].set_index("variable")["dictionary"]
    hit = meta_format.map(by_format).fillna(variables["variable"].map(by_name)).fillna("")
    return hit.map(lambda d: cl.codelist_oid(d) if d else "")


def _comments(*texts: pd.Series) -> tuple[pd.DataFrame, dict[str, str]]:
    allt = pd.concat(texts, ignore_index=True)
    unique = [t for t in dict.fromkeys(allt) if t]
    ids = {t: f"COM.{i}" for i, t in enumerate(unique, start=1)}
    return pd.DataFrame({"oid": list(ids.values()), "description": list(ids)}), ids


def build_define_model(datasets: list, kind: str, *, study_id: str | None = None) -> DefineModel:
    """Tables for the define of ``datasets`` (``XptDataset``-like objects) of kind ``sdtm`` or ``adam``."""
    frames = {d.name.upper(): d.frame for d in datasets}
    distinct = DistinctColumns(frames, {d.name.upper(): getattr(d, "text_codes", {}) for d in datasets})
    files = {d.name.upper(): getattr(getattr(d, "metadata", None), "path", None) for d in datasets}
    warnings: list[str] = []
    variables = variables_table(datasets)
    meta = (adam_variable_meta if kind == "adam" else sdtm_variable_meta)(variables)
    meta.index = variables.index
    unknown = meta["origin"] == ""
    warnings += [f"{d}.{v}: no origin in the specs; written as Collected"
                 for d, v in zip(variables.loc[unknown, "dataset"], variables.loc[unknown, "variable"])]
    meta.loc[unknown, ["origin", "source"]] = ["Collected", "Investigator" if kind == "sdtm" else ""]
    variables["label"] = variables["label"].where(variables["label"] != "", meta["label"])
    variables["iso"] = meta["format"].str.startswith("ISO 8601") | (
        (variables["sas_type"] == "Char") & variables["variable"].str.contains(r"(?:DTC|DUR)$"))
    variables = variables.join(_item_formats(variables, distinct))
    variables = variables.join(_origin_fields(meta, kind))
    variables["method"] = meta["method"]
    variables["comment"] = meta["comment"]
    variables["role"] = meta["role"]
    variables["mandatory"] = (meta["core"] == "Req").map({True: "Yes", False: "No"})
    variables["item_oid"] = "IT." + variables["dataset"] + "." + variables["variable"]

    groups = dataset_meta(list(frames), kind)
    file_labels = {d.name.upper(): d.label for d in datasets}
    groups["label"] = groups["dataset"].map(file_labels).where(lambda s: s != "", groups["label"])
    groups["file"] = groups["dataset"].map(files)
    key_pos = groups.assign(key=groups["keys"].str.split(";")).explode("key")
    key_pos["key_sequence"] = key_pos.groupby("dataset").cumcount() + 1
    key_pos = key_pos.merge(variables[["dataset", "variable"]], left_on=["dataset", "key"],
                            right_on=["dataset", "variable"])
    key_pos["key_sequence"] = key_pos.groupby("dataset").cumcount() + 1
    variables = variables.merge(key_pos[["dataset", "variable", "key_sequence"]], how="left",
                                on=["dataset", "variable"])
    groups["keys"] = groups["dataset"].map(key_pos.groupby("dataset")["variable"].agg(";".join)).fillna("")

    spec = load_spec("adamig-1.3" if kind == "adam" else "sdtmig-3.4")
    variables["codelist_ids"] = meta["codelist"].to_numpy()
    variables["ct"] = _codelist_requests(variables.rename(columns={"codelist_ids": "codelist"}), distinct,
                                         spec.terms).to_numpy()
    rules = (adam_rules(groups, {d: list(f.columns) for d, f in frames.items()}) if kind == "adam"
             else sdtm_rules(sdtm_tables()["valuelevel"], groups))
    vlm = build_valuelevel(rules, frames, variables, columns=distinct)

    ct_std = _ct_standards()
    comment_of_source = read_table("sdtm/codelist_comments.csv")
    comments, comment_ids = _comments(variables["comment"], vlm["comment"], comment_of_source["comment"])
    lists, terms, cl_warnings = cl.build_codelists(
        _used_values(variables, vlm, distinct), spec.codelists, spec.terms,
        standards=dict(zip(ct_std["ct"], ct_std["oid"])),
        comments={s: comment_ids[c] for s, c in zip(comment_of_source["source"], comment_of_source["comment"])})
    warnings += cl_warnings
    oid_of = dict(zip(lists["id"], lists["oid"]))
    variables["codelist"] = variables["ct"].map(oid_of).fillna("")
    vlm["codelist"] = vlm["codelist"].map(oid_of).fillna("")
    dictionaries = sdtm_tables()["dictionaries"]
    linked = _dictionary_links(variables, meta["format"].reindex(variables.index).fillna(""), dictionaries)
    variables["codelist"] = variables["codelist"].where(variables["codelist"] != "", linked)
    used_dicts = dictionaries[dictionaries["dictionary"].map(cl.codelist_oid).isin(set(linked))]
    lists = pd.concat([lists, cl.external_codelists(used_dicts)], ignore_index=True)
    if kind == "adam":
        lists, terms, variables = _paramcd_lists(distinct, lists, terms, variables)
    variables["comment"] = variables["comment"].map(comment_ids).fillna("")
    vlm["comment"] = vlm["comment"].map(comment_ids).fillna("")

    used_methods = set(variables["method"]) | set(vlm["method"])
    methods = methods_table(kind).rename(columns={"id": "oid"})
    missing = sorted(used_methods - set(methods["oid"]) - {""})
    warnings += [f"method {m} is not defined in the specs; the reference is dropped" for m in missing]
    variables.loc[variables["method"].isin(missing), "method"] = ""
    vlm.loc[vlm["method"].isin(missing), "method"] = ""
    methods = methods[methods["oid"].isin(used_methods)].reset_index(drop=True)
    used_comments = set(variables["comment"]) | set(vlm["comment"]) | set(lists["comment"])
    comments = comments[comments["oid"].isin(used_comments)].reset_index(drop=True)

    study = study_id or _study_id(frames)
    ig = pd.DataFrame(STANDARD_ROWS[kind], columns=["oid", "name", "type", "version", "publishing_set"])
    used_ct = set(lists["standard"])
    standards = pd.concat([ig, ct_std[ct_std["oid"].isin(used_ct)].drop(columns="ct")], ignore_index=True)
    return DefineModel(kind, study, standards, groups, variables, vlm, lists.reset_index(drop=True),
                       terms.reset_index(drop=True), methods, comments, tuple(warnings))


def _paramcd_lists(columns: DistinctColumns, lists, terms, variables):
    """ADaM: a sponsor codelist per BDS dataset of its PARAMCD/PARAM pairs, referenced by PARAMCD.
    The pairs are read on the first record of each PARAMCD, the one each pair is taken from."""
    for name, frame in columns.frames.items():
        if {"PARAMCD", "PARAM"} <= set(frame.columns):
            oid = f"CL.{name}.PARAMCD"
            firsts = frame[["PARAMCD", "PARAM"]].iloc[compute_first_rows(columns.codes(name, "PARAMCD")[0])]
            row, pairs = cl.paired_codelist(firsts, "PARAMCD", "PARAM", oid, f"{name} Parameter Code")
            lists = pd.concat([lists, row.to_frame().T], ignore_index=True)
            terms = pd.concat([terms, pairs], ignore_index=True)
            hit = (variables["dataset"] == name) & (variables["variable"] == "PARAMCD")
            variables.loc[hit, "codelist"] = oid
    return lists, terms, variables


def _study_id(frames: dict[str, pd.DataFrame]) -> str:
    for frame in frames.values():
        if "STUDYID" in frame and len(frame):
            values = frame["STUDYID"].astype(str).str.strip()
            values = values[values != ""]
            if len(values):
                return str(values.iat[0])
    return "STUDY"
