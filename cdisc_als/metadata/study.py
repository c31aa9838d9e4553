"""Study-level dataset specifications (``specs/adam/``), resolved against the implementation guides.

A study spec lists which variables each analysis dataset holds, in which order,
with origin, source and method.  Labels, types and codelists of variables that an
implementation guide already defines are left blank in the spec and filled here:

1. from ADaMIG 1.3 (the dataset's model, ADSL or BDS, then the other model), matching the
   placeholders of the guide: ``xx`` and ``zz`` two digits (TRT01P ~ TRTxxP, ANL01FL ~ ANLzzFL),
   ``y`` 1-99 unpadded (CRIT1FL ~ CRITyFL), ``w`` one digit; the digits replace the placeholder in the label;
2. from SDTMIG 3.4, by the domain named in ``source`` (DM.AGE) or any domain holding the name.

Only sponsor variables found in neither guide carry their own label in the spec.

Tables of :class:`StudySpec`
----------------------------
``datasets``   dataset, label, class, structure, keys, model
``variables``  dataset, variable, order, label, type, codelist, format, origin, source, method, core
``methods``    id, name, type, description
``parameters`` dataset, paramcd, param, paramn, source, subscore, unit
``phases``     aphase, aphasen, rule
``pools``      group, armcds (';'-separated ARMCD values pooled in the analysis table)
``disease``    variable, domain, select_var, select_value, value_var, kind (date/text): ADSL disease history
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from cdisc_als.errors import UserError
from cdisc_als.metadata.spec import ADAM_STANDARD, SDTM_STANDARD, load_spec, read_table, specs_dir

PLACEHOLDERS = {"xx": r"(\d\d)", "zz": r"(\d\d)", "y": r"([1-9]\d?)", "w": r"([1-9])"}
_TOKEN = re.compile(r"xx|zz|y|w")
MAX_LABEL = 40


@dataclass(frozen=True)
class StudySpec:
    """Resolved study-level metadata of one package (``adam``)."""

    name: str
    datasets: pd.DataFrame
    variables: pd.DataFrame
    methods: pd.DataFrame = field(repr=False)
    parameters: pd.DataFrame = field(repr=False)
    phases: pd.DataFrame = field(repr=False)
    pools: pd.DataFrame = field(repr=False)
    disease: pd.DataFrame = field(repr=False)

    def dataset_variables(self, dataset: str) -> pd.DataFrame:
        """Variables of ``dataset`` in spec order (variable, label, type, format, ...)."""
        rows = self.variables[self.variables["dataset"] == dataset.upper()]
        return rows.sort_values("order").reset_index(drop=True)

    def dataset_label(self, dataset: str) -> str:
        return self.datasets.loc[self.datasets["dataset"] == dataset.upper(), "label"].iat[0]

    def dataset_parameters(self, dataset: str) -> pd.DataFrame:
        """Parameters of ``dataset`` (paramcd, param, paramn as float, source, subscore, unit)."""
        rows = self.parameters[self.parameters["dataset"] == dataset.upper()].copy()
        rows["paramn"] = rows["paramn"].astype(float)
        return rows.reset_index(drop=True)


def _placeholder_pattern(name: str) -> re.Pattern | None:
    """Regex for an IG variable name whose lowercase letters are placeholders (None: no placeholder)."""
    if name == name.upper():
        return None
    parts, pos = [], 0
    for token in _TOKEN.finditer(name):
        parts.append(re.escape(name[pos:token.start()]) + PLACEHOLDERS[token.group()])
        pos = token.end()
    return re.compile("^" + "".join(parts) + re.escape(name[pos:]) + "$")


def _ig_match(variable: str, ig: pd.DataFrame) -> pd.Series | None:
    """The IG row defining ``variable`` (exact name first, then placeholder names), label filled in."""
    exact = ig[ig["variable"] == variable]
    if not exact.empty:
        return exact.iloc[0]
    for _, row in ig[ig["variable"] != ig["variable"].str.upper()].iterrows():
        pattern = _placeholder_pattern(row["variable"])
        hit = pattern.match(variable) if pattern else None
        if hit:
            tokens = _TOKEN.findall(row["variable"])
            label = row["label"]
            for token, digits in zip(tokens, hit.groups()):
                label = re.sub(rf"\b{token}\b", digits, label, count=1)
            found = row.copy()
            found["label"] = label
            return found
    return None


def _ig_tables() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    adam = load_spec(ADAM_STANDARD).variables
    adam = adam[adam["variable"].str.fullmatch(r"[A-Za-z][A-Za-z0-9]*")]
    models = {m: adam[adam["dataset"] == m] for m in ("ADSL", "BDS")}
    return models, load_spec(SDTM_STANDARD).variables


def resolve_variables(variables: pd.DataFrame, datasets: pd.DataFrame) -> pd.DataFrame:
    """Fill blank label/type/codelist of ``variables`` from ADaMIG then SDTMIG (see module doc).

    Raises:
        UserError: a variable that no guide defines has no label or type in the spec, or a label
            is longer than 40 characters.
    """
    models, sdtm = _ig_tables()
    model_of = dict(zip(datasets["dataset"], datasets["model"]))
    out = variables.copy()
    for i, row in out.iterrows():
        if row["label"] and row["type"]:
            continue
        model = model_of.get(row["dataset"], "BDS")
        found = _ig_match(row["variable"], models[model])
        if found is None:
            found = _ig_match(row["variable"], models["BDS" if model == "ADSL" else "ADSL"])
        if found is None:
            domain = row["source"].split(".")[0] if "." in row["source"] else ""
            rows = sdtm[(sdtm["variable"] == row["variable"]) & ((sdtm["dataset"] == domain) | (domain == ""))]
            rows = rows if not rows.empty else sdtm[sdtm["variable"] == row["variable"]]
            found = rows.iloc[0] if not rows.empty else None
        if found is None:
            raise UserError("variable is in no implementation guide: give its label and type",
                            file=specs_dir() / "adam/variables.csv", row=i + 2, column=row["variable"])
        for col in ("label", "type", "codelist"):
            if not row[col]:
                out.at[i, col] = found[col]
    too_long = out[out["label"].str.len() > MAX_LABEL]
    if not too_long.empty:
        raise UserError(f"label longer than {MAX_LABEL} characters", file=specs_dir() / "adam/variables.csv",
                        row=int(too_long.index[0]) + 2, column=too_long["variable"].iat[0])
    out["order"] = out["order"].astype(int)
    return out


@lru_cache(maxsize=None)
def load_study_spec(name: str = "adam") -> StudySpec:
    """Load ``specs/<name>/`` with every variable's label, type and codelist resolved."""
    datasets = read_table(f"{name}/datasets.csv")
    variables = resolve_variables(read_table(f"{name}/variables.csv"), datasets)
    return StudySpec(name, datasets, variables, read_table(f"{name}/methods.csv"),
                     read_table(f"{name}/parameters.csv"), read_table(f"{name}/phases.csv"),
                     read_table(f"{name}/pools.csv"), read_table(f"{name}/disease.csv"))


__all__ = ["StudySpec", "load_study_spec", "resolve_variables"]
