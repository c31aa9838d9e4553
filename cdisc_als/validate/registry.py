"""The op registry: rules name a check op, the op is a vectorised function.

An op is ``fn(ds, pkg, **params)`` where ``ds`` is a :class:`~cdisc_als.validate.context.DatasetData`
(``None`` for package-level ops) and ``pkg`` the :class:`~cdisc_als.validate.context.Package`.
It returns one of

* :class:`RecordHits`: a boolean mask over the dataset's rows (record-level rules);
* :class:`VariableHits`: failing variables with a short value each (variable-level rules);
* :class:`TableHits`: a frame of hits with any of the columns ``dataset, usubjid, seq, variable, value``
  (dataset- or package-level rules);
* ``None``: the rule does not apply to this dataset (a variable it needs is absent).

Ops never catch their own errors: the engine turns an exception into an ``error`` status for the rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

OPS: dict[str, Callable] = {}
OP_LEVELS: dict[str, str] = {}


@dataclass
class RecordHits:
    """Rows that fail (``mask``) and the variables whose values the report shows."""

    mask: pd.Series
    variables: list[str]


@dataclass
class VariableHits:
    """Variables that fail, each with a value explaining why (e.g. ``"length 200 > data 12"``)."""

    variables: list[str]
    values: list[str] = field(default_factory=list)


@dataclass
class TableHits:
    """Arbitrary hits: a frame with some of the columns dataset, usubjid, seq, variable, value."""

    frame: pd.DataFrame


def register_op(name: str, *, level: str = "record") -> Callable[[Callable], Callable]:
    """Register ``fn`` under ``name``; ``level`` is ``record``, ``variable``, ``dataset`` or ``package``."""
    if level not in {"record", "variable", "dataset", "package"}:
        raise ValueError(f"unknown op level {level!r}")

    def wrap(fn: Callable) -> Callable:
        if name in OPS:
            raise ValueError(f"op {name!r} registered twice")
        OPS[name] = fn
        OP_LEVELS[name] = level
        return fn

    return wrap


def get_op(name: str) -> Callable:
    """The op registered as ``name`` (importing the op families on first use)."""
    from cdisc_als.validate import ops  # noqa: F401  (registers every family)

    return OPS[name]
