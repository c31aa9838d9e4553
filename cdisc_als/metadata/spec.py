"""The one metadata source: read-only tables loaded from ``specs/``.

Every stage (pandera schemas, XPT attributes, define.xml, validation rules)
asks this module for names, labels, types, order, core, codelists and terms;
nothing else re-types a label.

Tables
------
``datasets``  dataset, label, class, structure
``variables`` dataset, variable, label, type (Char/Num), order, core, codelist, format, role
``codelists`` codelist, short_name, name, extensible, source (CDISC/SPONSOR), version
``terms``     codelist, code, value, decode, extended
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

SDTM_STANDARD = "sdtmig-3.4"
ADAM_STANDARD = "adamig-1.3"
CT_VERSIONS = ("sdtm-ct-2025-03-28", "adam-ct-2025-09-26", "define-xml-ct-2025-09-26", "sponsor")


def specs_dir() -> Path:
    """Folder holding the specs: ``$CDISC_ALS_SPECS``, else the package's, else the repository's."""
    env = os.environ.get("CDISC_ALS_SPECS")
    if env:
        return Path(env)
    packaged = Path(__file__).resolve().parents[1] / "specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "specs"


def read_table(relative: str) -> pd.DataFrame:
    """Read one specs CSV as text columns with empty strings for blanks."""
    path = specs_dir() / relative
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=None)
def load_ct() -> tuple[pd.DataFrame, pd.DataFrame]:
    """All codelists and terms (CDISC SDTM, ADaM, Define-XML CT and the sponsor lists)."""
    lists, terms = [], []
    for version in CT_VERSIONS:
        lists.append(read_table(f"ct/{version}/codelists.csv"))
        t = read_table(f"ct/{version}/terms.csv")
        if "extended" not in t:
            t["extended"] = "No"
        t["version"] = version
        terms.append(t)
    return pd.concat(lists, ignore_index=True), pd.concat(terms, ignore_index=True)


@dataclass(frozen=True)
class Spec:
    """Model metadata for one standard plus the controlled terminology."""

    standard: str
    datasets: pd.DataFrame
    variables: pd.DataFrame
    codelists: pd.DataFrame = field(repr=False)
    terms: pd.DataFrame = field(repr=False)

    def model_name(self, dataset: str) -> str:
        """The model dataset a concrete dataset follows (SUPPDM -> SUPPQUAL, QSSL -> QS)."""
        name = dataset.upper()
        known = set(self.datasets["dataset"])
        if name in known:
            return name
        if name.startswith("SUPP") and "SUPPQUAL" in known:
            return "SUPPQUAL"
        if name[:2] in known and len(name) > 2:
            return name[:2]
        return name

    def dataset_variables(self, dataset: str) -> pd.DataFrame:
        """Model variables of a dataset in model order; '--' prefixes resolved to the domain."""
        model = self.model_name(dataset)
        return self.variables[self.variables["dataset"] == model].sort_values("order").reset_index(drop=True)

    def dataset_label(self, dataset: str) -> str:
        model = self.model_name(dataset)
        row = self.datasets[self.datasets["dataset"] == model]
        if row.empty:
            return ""
        label = row["label"].iat[0]
        if model == "SUPPQUAL":
            return f"Supplemental Qualifiers for {dataset.upper()[4:]}"
        return label

    def codelist_values(self, codelist: str) -> pd.Series:
        """Submission values of a codelist (CDISC terms plus sponsor extensions)."""
        return self.terms.loc[self.terms["codelist"] == codelist, "value"]

    def codelist_info(self, codelist: str) -> pd.Series | None:
        rows = self.codelists[self.codelists["codelist"] == codelist]
        return None if rows.empty else rows.iloc[0]


@lru_cache(maxsize=None)
def load_spec(standard: str = SDTM_STANDARD) -> Spec:
    """Load the model metadata of ``standard`` (``sdtmig-3.4`` or ``adamig-1.3``) with CT."""
    codelists, terms = load_ct()
    base = f"standards/{standard}"
    if standard.startswith("sdtmig"):
        datasets = read_table(f"{base}/datasets.csv")
        variables = read_table(f"{base}/variables.csv")
    else:
        variables = read_table(f"{base}/variables.csv").rename(columns={"structure": "dataset"})
        datasets = pd.DataFrame({
            "dataset": ["ADSL", "BDS"],
            "label": ["Subject-Level Analysis Dataset", "Basic Data Structure"],
            "class": ["SUBJECT LEVEL ANALYSIS DATASET", "BASIC DATA STRUCTURE"],
            "structure": ["One record per subject", "One or more records per subject, per analysis parameter, per analysis timepoint"],
        })
    variables["order"] = variables["order"].astype(int)
    return Spec(standard, datasets, variables, codelists, terms)


@lru_cache(maxsize=None)
def load_instrument(name: str = "alsfrs") -> pd.DataFrame:
    """Sponsor instrument metadata (ALSFRS-R / ALSFRS items, codes, subscores)."""
    table = read_table(f"instruments/{name}.csv")
    table["order"] = table["order"].astype(int)
    return table
