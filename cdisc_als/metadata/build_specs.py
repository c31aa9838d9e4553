"""Regenerate the CDISC parts of ``specs/`` from the shared standards folder.

Only facts are taken (names, labels, types, order, core, codelist codes, terms);
CDISC's note and definition texts are left behind.  Running the script twice
gives byte-identical files, which a test checks.

Usage::

    python -m cdisc_als.metadata.build_specs [--shared ../shared] [--specs specs]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

SDTMIG = "sdtmig-3.4"
ADAMIG = "adamig-1.3"
SDTM_CT = "sdtm-ct-2025-03-28"
ADAM_CT = "adam-ct-2025-09-26"
DEFINE_CT = "define-xml-ct-2025-09-26"

ADAM_STRUCTURES = {
    "Subject-Level Analysis Dataset": "ADSL",
    "Basic Data Structure": "BDS",
}


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def build_sdtmig(standards: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SDTMIG dataset and variable tables in the specs layout."""
    ds = pd.read_csv(standards / "sdtmig-3.4-datasets.csv", dtype=str, encoding="utf-8-sig")
    datasets = pd.DataFrame({
        "dataset": ds["Dataset Name"],
        "label": ds["Dataset Label"],
        "class": ds["Class"].str.upper().str.replace("-", " "),
        "structure": ds["Structure"].str.rstrip("."),
    })
    v = pd.read_csv(standards / "sdtmig-3.4-variables.csv", dtype=str, encoding="utf-8-sig")
    variables = pd.DataFrame({
        "dataset": v["Dataset Name"],
        "variable": v["Variable Name"],
        "label": v["Variable Label"],
        "type": v["Type"],
        "order": v["Variable Order"].astype(int),
        "core": v["Core"],
        "codelist": v["CDISC CT Codelist Code(s)"].fillna("").str.replace(r"\s*;\s*", ";", regex=True),
        "format": v["Described Value Domain(s)"].fillna(""),
        "role": v["Role"].fillna(""),
    })
    return datasets, variables.sort_values(["dataset", "order"], kind="stable")


def build_adamig(standards: Path) -> pd.DataFrame:
    """ADaMIG variable table (ADSL and BDS) in the specs layout."""
    v = pd.read_csv(standards / "adamig-1.3-variables.csv", dtype=str, encoding="utf-8-sig")
    out = pd.DataFrame({
        "structure": v["Data Structure Name"].map(ADAM_STRUCTURES),
        "variable_set": v["Variable Set"],
        "variable": v["Variable Name"],
        "label": v["Variable Label"],
        "type": v["Type"],
        "core": v["Core"],
        "codelist": v["CDISC CT Codelist Code(s)"].fillna("").str.replace(r"\s*;\s*", ";", regex=True),
    })
    out.insert(2, "order", out.groupby("structure").cumcount() + 1)
    return out


def split_ct(raw: pd.DataFrame, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split an NCI-EVS CT table into a codelist table and a term table."""
    raw = raw.fillna("")
    is_list = raw["Codelist Code"] == ""
    lists = raw[is_list]
    codelists = pd.DataFrame({
        "codelist": lists["Code"],
        "short_name": lists["CDISC Submission Value"],
        "name": lists["Codelist Name"],
        "extensible": lists["Codelist Extensible (Yes/No)"],
        "source": "CDISC",
        "version": version,
    }).sort_values("codelist", kind="stable")
    terms = raw[~is_list]
    terms = pd.DataFrame({
        "codelist": terms["Codelist Code"],
        "code": terms["Code"],
        "value": terms["CDISC Submission Value"],
        "decode": terms["NCI Preferred Term"],
    }).sort_values(["codelist", "value"], kind="stable")
    return codelists, terms


def build(shared: Path, specs: Path) -> list[Path]:
    standards = shared / "standards"
    written: list[Path] = []
    datasets, variables = build_sdtmig(standards)
    for name, frame in (("datasets", datasets), ("variables", variables)):
        path = specs / "standards" / SDTMIG / f"{name}.csv"
        _write(frame, path)
        written.append(path)
    path = specs / "standards" / ADAMIG / "variables.csv"
    _write(build_adamig(standards), path)
    written.append(path)

    sources = {
        SDTM_CT: pd.read_csv(standards / "ct" / f"{SDTM_CT}.txt", sep="\t", dtype=str, encoding="utf-8-sig"),
        ADAM_CT: pd.read_csv(standards / "ct" / f"{ADAM_CT}.csv", dtype=str, encoding="utf-8-sig"),
        DEFINE_CT: pd.read_csv(standards / "ct" / f"{DEFINE_CT}.csv", dtype=str, encoding="utf-8-sig"),
    }
    for version, raw in sources.items():
        codelists, terms = split_ct(raw, version)
        for name, frame in (("codelists", codelists), ("terms", terms)):
            path = specs / "ct" / version / f"{name}.csv"
            _write(frame, path)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    here = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=here.parent / "shared")
    parser.add_argument("--specs", type=Path, default=here / "specs")
    args = parser.parse_args(argv)
    for path in build(args.shared, args.specs):
        print(path)


if __name__ == "__main__":
    main()
