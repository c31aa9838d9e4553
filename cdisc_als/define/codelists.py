"""CodeList definitions for a define: what the data use, described by the controlled terminology in ``specs/ct``.

Conventions (Define-XML 2.1 specification, CDISC SDTM-MSG example):

* a CDISC codelist lists only the terms the data actually use, each with its NCI
  C-code as ``Alias Context="nci:ExtCodeID"``, and carries the codelist's own C-code
  the same way; it refers to the CT standard (``def:StandardOID``);
* a value the data use that is not in an extensible CDISC list (the sponsor's
  ``ALSFRS-R`` in QSCAT, C100129) is listed with ``def:ExtendedValue="Yes"``;
  a value missing from a non-extensible list (RACE ``MULTIPLE``, which SDTMIG prescribes) is listed
  without a C-code and reported, so the define still describes the data;
* sponsor lists (``specs/ct/sponsor``: ALSFRS-R test codes, names and responses) are
  ``def:IsNonStandard="Yes"`` and list every term of the instrument with its decode;
* dictionaries (MedDRA, ISO 3166) are ``ExternalCodeList``s.
"""
from __future__ import annotations

import re

import pandas as pd

CODELIST_COLUMNS = ["oid", "id", "name", "datatype", "nci_code", "standard", "non_standard", "dictionary",
                    "version", "href", "comment"]
TERM_COLUMNS = ["codelist", "value", "decode", "code", "extended", "order"]


def codelist_oid(name: str) -> str:
    """``CL.<name>`` with characters that have no place in an OID replaced."""
    return "CL." + re.sub(r"[^A-Za-z0-9._-]", "_", name)


def choose_codelists(requests: pd.DataFrame, terms: pd.DataFrame) -> pd.Series:
    """For each request (codelist = ';'-separated C-codes, values = used values) the list covering most values."""
    rows = requests[["codelist"]].assign(_req=range(len(requests)))
    rows = rows.assign(codelist=rows["codelist"].str.split(";")).explode("codelist")
    rows["_pos"] = rows.groupby("_req").cumcount()
    used = requests[["values"]].assign(_req=range(len(requests))).explode("values").dropna()
    hits = rows.merge(used, on="_req").merge(terms[["codelist", "value"]], how="inner",
                                             left_on=["codelist", "values"], right_on=["codelist", "value"])
    score = hits.groupby(["_req", "codelist"]).size().rename("hits").reset_index()
    rows = rows.merge(score, how="left", on=["_req", "codelist"]).fillna({"hits": 0})
    best = rows.sort_values(["_req", "hits", "_pos"], ascending=[True, False, True]).drop_duplicates("_req")
    return best.set_index("_req")["codelist"].reindex(range(len(requests))).set_axis(requests.index)


def build_codelists(used: pd.DataFrame, ct_lists: pd.DataFrame, ct_terms: pd.DataFrame, *,
                    standards: dict[str, str], comments: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                   list[str]]:
    """CodeList and term tables for the ``used`` (codelist id, value) pairs.

    ``used`` has columns codelist (a CT id: C-code or sponsor id), value ('' means "the whole list"),
    datatype.  ``standards`` maps a CT version (``sdtm-ct-2025-03-28``) to its def:Standard OID,
    ``comments`` maps a codelist source (SPONSOR) to the CommentDef OID explaining it.
    Returns (codelists, terms, warnings).
    """
    warnings: list[str] = []
    info = ct_lists.drop_duplicates("codelist").set_index("codelist")
    ids = pd.Index(used["codelist"].unique())
    unknown = ids.difference(info.index)
    warnings += [f"codelist {c} is not in specs/ct: variables using it get no codelist" for c in unknown]
    ids = ids.intersection(info.index, sort=False)
    lists = info.loc[ids].reset_index()
    lists["sponsor"] = lists["source"] == "SPONSOR"
    sponsor_ids = set(lists.loc[lists["sponsor"], "codelist"])
    pool = ct_terms[ct_terms["codelist"].isin(ids)].copy()
    pool["order"] = pool.groupby("codelist").cumcount() + 1
    wanted = used[used["codelist"].isin(ids) & (used["value"] != "")][["codelist", "value"]].drop_duplicates()
    listed = pool.merge(wanted, how="inner", on=["codelist", "value"])
    whole = pool[pool["codelist"].isin(sponsor_ids | set(used.loc[used["value"] == "", "codelist"]))]
    missing = wanted.merge(pool[["codelist", "value"]], how="left", on=["codelist", "value"], indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    extensible = missing["codelist"].map(info["extensible"]) == "Yes"
    extra = missing.assign(code="", decode="", extended=extensible.map({True: "Yes", False: ""}), order=10_000)
    warnings += [f"value {v!r} is not in the non-extensible codelist {c}; listed as the data hold it"
                 for c, v in zip(missing.loc[~extensible, "codelist"], missing.loc[~extensible, "value"])]
    terms = pd.concat([listed, whole, extra], ignore_index=True).drop_duplicates(["codelist", "value"])
    terms = terms.sort_values(["codelist", "order", "value"], kind="stable")
    terms["order"] = terms.groupby("codelist").cumcount() + 1
    oid = dict(zip(lists["codelist"], lists["short_name"].where(lists["short_name"] != "", lists["codelist"])))
    oid = {k: codelist_oid(v) for k, v in oid.items()}
    terms["codelist"] = terms["codelist"].map(oid)
    dtype = used.drop_duplicates("codelist").set_index("codelist")["datatype"]
    out = pd.DataFrame({
        "oid": lists["codelist"].map(oid), "id": lists["codelist"], "name": lists["name"],
        "datatype": lists["codelist"].map(dtype).where(lambda s: s.isin(["integer", "float"]), "text"),
        "nci_code": lists["codelist"].where(~lists["sponsor"], ""),
        "standard": lists["version"].map(standards).fillna("").where(~lists["sponsor"], ""),
        "non_standard": lists["sponsor"].map({True: "Yes", False: ""}),
        "dictionary": "", "version": "", "href": "",
        "comment": lists["source"].map(comments).fillna(""),
    })
    return out[CODELIST_COLUMNS], terms[TERM_COLUMNS].reset_index(drop=True), warnings


def external_codelists(dictionaries: pd.DataFrame) -> pd.DataFrame:
    """ExternalCodeList definitions (one per dictionary) in the codelist table's shape."""
    table = dictionaries.drop_duplicates("dictionary")
    return pd.DataFrame({
        "oid": table["dictionary"].map(codelist_oid), "id": table["dictionary"], "name": table["dictionary"],
        "datatype": "text", "nci_code": "", "standard": "", "non_standard": "Yes",
        "dictionary": table["dictionary"], "version": table["version"], "href": table["href"], "comment": "",
    })[CODELIST_COLUMNS]


def paired_codelist(frame: pd.DataFrame, code: str, decode: str, oid: str, name: str) -> tuple[pd.Series, pd.DataFrame]:
    """A sponsor CodeList from the (code, decode) pairs the data hold, e.g. PARAMCD with PARAM."""
    pairs = frame[[code, decode]].astype(str).drop_duplicates(code)
    pairs = pairs[pairs[code].str.strip() != ""].sort_values(code)
    terms = pd.DataFrame({"codelist": oid, "value": pairs[code].to_numpy(), "decode": pairs[decode].to_numpy(),
                          "code": "", "extended": "", "order": range(1, len(pairs) + 1)})
    row = pd.Series({"oid": oid, "id": oid, "name": name, "datatype": "text", "nci_code": "", "standard": "",
                     "non_standard": "Yes", "dictionary": "", "version": "", "href": "", "comment": ""})
    return row, terms
