"""The metadata a define needs beyond the data, from ``specs/`` only.

SDTM: the SDTMIG 3.4 model (:func:`cdisc_als.metadata.spec.load_spec`) gives labels, core,
role, codelists and dataset class/structure; ``specs/sdtm/`` adds what the model does not know:

``origins.csv``      dataset, variable, origin, source, method, comment.  ``dataset`` is a dataset name,
                     a model name (SUPPQUAL), a dataset class (TRIAL DESIGN) or ``*``; ``variable`` a name,
                     a ``--`` name (``--SEQ`` = any domain's SEQ) or ``*``.  The most specific row wins:
                     name before ``--`` name before ``*``, then dataset before model before class before ``*``.
``methods.csv``      id, name, type, description (MethodDef).
``valuelevel.csv``   dataset, variable, by, value, codelist, origin, source, method, comment.
``keys.csv``         dataset, keys (';'-separated; keys absent from the data are skipped).
``dictionaries.csv`` format, variable, dictionary, version, href (external codelists such as MedDRA).

ADaM: :func:`cdisc_als.metadata.study.load_study_spec` (``specs/adam/``) gives everything per variable.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from cdisc_als.metadata.spec import ADAM_STANDARD, SDTM_STANDARD, load_spec, read_table

VARIABLE_COLUMNS = ["dataset", "variable", "label", "core", "role", "codelist", "format", "origin", "source",
                    "method", "comment", "spec_type"]


@lru_cache(maxsize=None)
def sdtm_tables() -> dict[str, pd.DataFrame]:
    """The ``specs/sdtm/`` tables used by the SDTM define."""
    return {name: read_table(f"sdtm/{name}.csv")
            for name in ("origins", "methods", "valuelevel", "keys", "dictionaries")}


def _generic(variable: pd.Series, prefix: pd.Series) -> pd.Series:
    """``--SEQ`` for QSSEQ in QS: the name with the domain prefix replaced by ``--`` ('' when no prefix)."""
    has = (prefix != "") & (variable.str.slice(0, 2) == prefix) & (variable.str.len() > 2)
    return ("--" + variable.str.slice(2)).where(has, "")


def resolve_origins(variables: pd.DataFrame, origins: pd.DataFrame) -> pd.DataFrame:
    """Origin, source, method and comment of each (dataset, model, class, prefix, variable) row.

    The most specific ``origins`` row wins (see the module docstring); rows with no match keep ''.
    """
    out = variables.copy()
    out["_generic"] = _generic(out["variable"], out["prefix"])
    wanted = ["origin", "source", "method", "comment"]
    for col in wanted:
        out[col] = ""
    table = origins.rename(columns={"dataset": "_ds", "variable": "_var"}).drop_duplicates(["_ds", "_var"])
    star = pd.Series("*", index=out.index)
    for var_key in ("variable", "_generic", None):
        for ds_key in ("dataset", "model", "class", None):
            ds = star if ds_key is None else out[ds_key]
            var = star if var_key is None else out[var_key]
            keys = pd.DataFrame({"_ds": ds, "_var": var})
            hit = keys.merge(table, how="left", on=["_ds", "_var"])
            hit.index = out.index
            take = (out["origin"] == "") & hit["origin"].notna() & (var != "") & (ds != "")
            out.loc[take, wanted] = hit.loc[take, wanted].to_numpy()
    return out.drop(columns=["_generic"])


def sdtm_variable_meta(variables: pd.DataFrame) -> pd.DataFrame:
    """SDTM metadata for each (dataset, variable) of the data: model attributes plus origins.

    ``variables`` has columns dataset, variable; the result adds label, core, role, codelist,
    format, origin, source, method, comment, spec_type ('' where the model does not know a variable).
    """
    spec = load_spec(SDTM_STANDARD)
    out = variables[["dataset", "variable"]].copy()
    out["model"] = out["dataset"].map(spec.model_name)
    classes = spec.datasets.set_index("dataset")["class"]
    out["class"] = out["model"].map(classes).fillna("")
    out["prefix"] = out["model"].where(out["model"].str.len() == 2, "")
    model = spec.variables.rename(columns={"dataset": "model", "type": "spec_type"})
    model = model[["model", "variable", "label", "core", "role", "codelist", "format", "spec_type"]]
    out = out.merge(model, how="left", on=["model", "variable"])
    out = resolve_origins(out.fillna(""), sdtm_tables()["origins"])
    return out


def adam_variable_meta(variables: pd.DataFrame) -> pd.DataFrame:
    """ADaM metadata for each (dataset, variable) of the data, from the study spec (``specs/adam/``)."""
    from cdisc_als.metadata.study import load_study_spec

    study = load_study_spec("adam")
    spec = study.variables.rename(columns={"type": "spec_type"})
    keep = ["dataset", "variable", "label", "core", "codelist", "format", "origin", "source", "method",
            "spec_type"]
    out = variables[["dataset", "variable"]].merge(spec[keep], how="left", on=["dataset", "variable"])
    out = out.fillna("")
    out["role"] = ""
    out["comment"] = ""
    return out


def dataset_meta(names: list[str], kind: str) -> pd.DataFrame:
    """dataset, label, class, structure, keys (';'-separated), model of the named datasets."""
    if kind == "adam":
        from cdisc_als.metadata.study import load_study_spec

        table = load_study_spec("adam").datasets
        out = pd.DataFrame({"dataset": names}).merge(table, how="left", on="dataset").fillna("")
        return out[["dataset", "label", "class", "structure", "keys", "model"]]
    spec = load_spec(SDTM_STANDARD)
    out = pd.DataFrame({"dataset": names})
    out["model"] = out["dataset"].map(spec.model_name)
    out = out.merge(spec.datasets.rename(columns={"dataset": "model"}), how="left", on="model").fillna("")
    out["label"] = out["dataset"].map(spec.dataset_label)
    keys = sdtm_tables()["keys"].set_index("dataset")["keys"]
    out["keys"] = out["dataset"].map(keys).fillna(out["model"].map(keys)).fillna("")
    return out[["dataset", "label", "class", "structure", "keys", "model"]]


def methods_table(kind: str) -> pd.DataFrame:
    """id, name, type, description of every method the kind's specs define."""
    if kind == "adam":
        from cdisc_als.metadata.study import load_study_spec

        return load_study_spec("adam").methods
    return sdtm_tables()["methods"]


def standard_of(kind: str) -> str:
    return ADAM_STANDARD if kind == "adam" else SDTM_STANDARD
