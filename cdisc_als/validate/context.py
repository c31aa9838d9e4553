"""What the ops see: one :class:`DatasetData` per dataset and the :class:`Package` around them.

Both hold per-run caches (null masks, subject lookups, CT sets) that are computed once on first
use and live only as long as the run; nothing here is global.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from cdisc_als.distinct import compute_first_rows, compute_tuple_codes, factorize_objects, factorize_text
from cdisc_als.metadata.spec import Spec

TRIAL_DESIGN = {"TA", "TE", "TV", "TI", "TS", "TD", "TM"}
NON_SPLIT = {"RELREC", "RELSPEC", "RELSUB", "SUPPQUAL"}   # names longer than 2 that are not split domains


@dataclass
class VariableMeta:
    """Declared attributes of one variable as stored in the file (or as given for in-memory frames)."""

    name: str
    label: str = ""
    type: str = "Char"
    length: int | None = None


@dataclass
class DatasetData:
    """One dataset: its frame plus the file's metadata."""

    name: str
    frame: pd.DataFrame
    label: str = ""
    variables: list[VariableMeta] = field(default_factory=list)
    encoding_issues: list = field(default_factory=list)
    path: str = ""
    _nulls: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name.upper()
        if not self.variables:
            self.variables = [VariableMeta(c, "", "Num" if pd.api.types.is_numeric_dtype(self.frame[c]) else "Char")
                              for c in self.frame.columns]

    @cached_property
    def is_supp(self) -> bool:
        return self.name.startswith("SUPP") or self.name.startswith("SQAP")

    @cached_property
    def domain(self) -> str:
        """The domain code: the DOMAIN value where present (QSSL -> QS), else the dataset name."""
        if self.is_supp:
            return self.name
        if "DOMAIN" in self.frame.columns and len(self.frame):
            codes, uniques = self.codes("DOMAIN")
            values = pd.Series(uniques, dtype=self.frame["DOMAIN"].dtype).astype(str).str.strip()
            rows = pd.Series(np.bincount(codes, minlength=len(values))).groupby(values.to_numpy()).sum()
            rows = rows[rows.index != ""]
            if len(rows):            # the most frequent value (the smallest of equally frequent ones), as mode() gives
                return str(rows.idxmax()).upper()
        if self.name in NON_SPLIT or self.name.startswith("AD") or len(self.name) <= 2:
            return self.name
        return self.name[:2]

    @property
    def prefix(self) -> str:
        """What replaces ``--`` in variable names (the two-letter domain code)."""
        return self.domain[:2] if not self.is_supp else ""

    def resolve(self, name: str) -> str:
        """``--SEQ`` -> ``AESEQ`` for this dataset."""
        return self.prefix + name[2:] if name.startswith("--") else name

    def has(self, *names: str) -> bool:
        return all(self.resolve(n) in self.frame.columns for n in names)

    def col(self, name: str) -> pd.Series:
        return self.frame[self.resolve(name)]

    def codes(self, name: str) -> tuple[np.ndarray, pd.Series | np.ndarray]:
        """Codes of a column's raw values and the value of each code, cached: ``uniques[codes]`` is the column.

        Rows with one code hold the same value (text is grouped by string object first, see
        :func:`cdisc_als.distinct.factorize_objects`); :meth:`text_codes` merges values that strip to one text.
        """
        key = ("codes", self.resolve(name))
        if key not in self._nulls:
            series = self.frame[self.resolve(name)]
            if series.dtype == np.float64:            # by bits: 0.0 and -0.0 are written differently
                codes, bits = pd.factorize(series.to_numpy().view(np.int64))
                uniques = pd.Series(bits.view(np.float64))
            elif isinstance(series.dtype, pd.CategoricalDtype):
                codes, uniques = factorize_text(series)          # from the categorical's own codes
                if (codes < 0).any():                            # missing gets a code of its own, last
                    codes = np.where(codes < 0, len(uniques), codes)
                    uniques = np.append(uniques, np.nan)
            elif isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "python":
                codes, uniques = factorize_objects(series.to_numpy(), use_na_sentinel=False)
            else:
                codes, uniques = pd.factorize(series, use_na_sentinel=False)
            self._nulls[key] = (narrow_codes(codes, len(uniques)), uniques)
        return self._nulls[key]

    def map_column(self, name: str, fn) -> pd.Series:
        """``fn`` applied to the distinct raw values of a column (factorised once per run), spread to rows."""
        series = self.frame[self.resolve(name)]
        codes, uniques = self.codes(name)
        if len(uniques) * 2 > len(series):
            return pd.Series(np.asarray(fn(series)), index=series.index)
        return pd.Series(np.asarray(fn(pd.Series(uniques, dtype=series.dtype)))[codes], index=series.index)

    def text_codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The column as text by code: ``texts[codes]`` is :meth:`text`; ``texts`` are distinct, so two rows
        hold the same text exactly where they hold the same code."""
        key = ("text codes", self.resolve(name))
        if key not in self._nulls:
            codes, uniques = self.codes(name)
            values = pd.Series(uniques, dtype=self.col(name).dtype)
            if pd.api.types.is_numeric_dtype(values):
                texts = values.map(_num_text, na_action="ignore").astype(object).fillna("").astype(str)
            else:
                texts = values.fillna("").astype(str).str.strip()
            same, distinct = pd.factorize(np.asarray(texts, dtype=object))   # ' A' and 'A' are one text
            if len(distinct) < len(texts):
                codes = same.astype(codes.dtype)[codes]
            self._nulls[key] = (codes, np.asarray(distinct, dtype=object))
        return self._nulls[key]

    def map_text(self, name: str, fn) -> pd.Series | pd.DataFrame:
        """``fn`` (value by value, e.g. ``.str`` methods, comparisons, lookups) applied to the distinct texts of
        a column (see :meth:`text`) and spread to the rows; ``fn`` may return a Series or a DataFrame."""
        codes, texts = self.text_codes(name)
        return spread(fn(pd.Series(texts)), codes, self.frame.index)

    def map_texts(self, names: list[str] | dict[str, str], fn) -> pd.Series:
        """``fn`` applied once per distinct combination of the texts of several columns (a frame with one
        column per name, or per key of ``{label: name}``, row by row) and spread to the rows."""
        labels = names if isinstance(names, dict) else {n: n for n in names}
        return map_coded({label: self.text_codes(n) for label, n in labels.items()}, fn, self.frame.index)

    def distinct_texts(self, names: list[str]) -> pd.DataFrame:
        """The distinct combinations of the texts of ``names`` (one row each, in order of first appearance)."""
        return distinct_rows({n: self.text_codes(n) for n in names})[1]

    def key_codes(self, names: list[str]) -> np.ndarray:
        """Dense integer codes of the rows' text tuples in ``names``: equal exactly where every text is equal."""
        return compute_tuple_codes([self.text_codes(n)[0] for n in names])

    def text_at(self, name: str, positions: np.ndarray) -> np.ndarray:
        """The texts (see :meth:`text`) of the rows at ``positions`` (0-based; -1 gives '')."""
        codes, texts = self.text_codes(name)
        out = texts[codes[positions]] if len(texts) else np.full(len(positions), "", dtype=object)
        out[positions < 0] = ""
        return out

    def text(self, name: str) -> pd.Series:
        """The column as stripped text ('' for missing; numbers as their shortest text)."""
        key = ("text", self.resolve(name))
        if key not in self._nulls:
            codes, texts = self.text_codes(name)
            self._nulls[key] = pd.Series(pd.Series(texts).array.take(codes), index=self.frame.index)
        return self._nulls[key]

    def null(self, name: str) -> pd.Series:
        """True where the variable is missing (blank text or NaN); an absent variable is all-null."""
        key = self.resolve(name)
        if key not in self._nulls:
            if key not in self.frame.columns:
                self._nulls[key] = pd.Series(True, index=self.frame.index)
            else:
                series = self.frame[key]
                if pd.api.types.is_numeric_dtype(series):
                    self._nulls[key] = series.isna()
                else:
                    codes, texts = self.text_codes(key)
                    self._nulls[key] = pd.Series((texts == "")[codes], index=self.frame.index)
        return self._nulls[key]

    def meta(self, name: str) -> VariableMeta | None:
        key = self.resolve(name)
        return next((v for v in self.variables if v.name.upper() == key), None)


def narrow_codes(codes: np.ndarray, size: int) -> np.ndarray:
    """Codes 0 .. ``size`` - 1 in the narrowest signed integer type that holds them: the run keeps two arrays of
    codes per column it looks at (values and texts), a quarter of int32's size for a column of a few values."""
    for dtype in (np.int8, np.int16, np.int32):
        if size <= np.iinfo(dtype).max:
            return codes.astype(dtype, copy=False)
    return codes


def spread(result: pd.Series | pd.DataFrame, codes: np.ndarray, index: pd.Index) -> pd.Series | pd.DataFrame:
    """Per-value results (a Series or a DataFrame, one row per distinct value) taken to the rows by ``codes``."""
    if isinstance(result, pd.DataFrame):
        out = result.take(codes)
        out.index = index
        return out
    return pd.Series(np.asarray(result)[codes], index=index)


def map_coded(columns: dict[str, tuple[np.ndarray, np.ndarray]], fn, index: pd.Index) -> pd.Series:
    """``fn`` once per distinct combination of coded columns and spread to the rows.

    Each column is ``(codes, values)`` with ``values[codes]`` its value on every row (as
    :meth:`DatasetData.text_codes` gives); ``fn`` receives a frame with one column per name.
    """
    combo, distinct = distinct_rows(columns)
    return spread(fn(distinct), combo, index)


def distinct_rows(columns: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's combination code and the distinct combinations of coded columns (one frame row per code)."""
    combo = compute_tuple_codes([codes for codes, _ in columns.values()])
    first = compute_first_rows(combo)
    return combo, pd.DataFrame({name: pd.Series(np.asarray(values)[codes[first]])
                                for name, (codes, values) in columns.items()})


def _num_text(value: float) -> str:
    """Shortest text of a number at 12 significant digits (IBM-float noise such as 9.299999999999999 -> 9.3)."""
    return "%.12g" % float(value)


@dataclass
class Package:
    """All datasets of one run, the standard they follow and the model metadata to check against."""

    datasets: dict[str, DatasetData]
    standard: str
    spec: Spec
    model_available: bool
    define: object = None
    unreadable: list = field(default_factory=list)   # (file name, why) for files that are not datasets

    def get(self, name: str) -> DatasetData | None:
        return self.datasets.get(name.upper())

    def by_domain(self, domain: str) -> list[DatasetData]:
        """Every dataset of a domain, including split ones (QS -> QSSL, QSPH)."""
        return [d for d in self.datasets.values() if not d.is_supp and d.domain == domain.upper()]

    @cached_property
    def dm(self) -> DatasetData | None:
        return self.get("DM") or self.get("ADSL")

    @cached_property
    def subjects(self) -> set[str] | None:
        """USUBJIDs in DM (ADSL for ADaM packages); None when there is no DM."""
        if self.dm is None or "USUBJID" not in self.dm.frame.columns:
            return None
        return set(self.dm.text("USUBJID"))

    @cached_property
    def dm_dates(self) -> pd.DataFrame:
        """DM reference dates per subject (first record per USUBJID), indexed by USUBJID."""
        if self.dm is None or "USUBJID" not in self.dm.frame.columns:
            return pd.DataFrame()
        cols = [c for c in ("RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC", "RFPENDTC", "DTHDTC", "TRTSDT")
                if c in self.dm.frame.columns]
        frame = pd.DataFrame({c: self.dm.text(c) for c in cols})
        frame.index = self.dm.text("USUBJID")
        return frame[~frame.index.duplicated()]

    @cached_property
    def is_als(self) -> bool:
        """Does the package hold ALS data (an ALSFRS-R/ALSFRS category or test code of specs/instruments in QS)?

        Rules of our own that are plausibility checks rather than FDA/CDISC rules (``profile: als``)
        only run on such packages, so they add no noise to other sponsors' submissions.
        """
        from cdisc_als.metadata.spec import load_instrument

        items = load_instrument("alsfrs")
        cats, codes = set(items["qscat"]), set(items["testcd"])
        for ds in self.by_domain("QS"):
            if (ds.has("QSCAT") and cats & set(ds.text_codes("QSCAT")[1])) or \
                    (ds.has("QSTESTCD") and codes & set(ds.text_codes("QSTESTCD")[1])):
                return True
        return False

    def classes(self, ds: DatasetData) -> set[str]:
        """Model classes of a dataset: the spec's class, plus a guess for custom domains (cached per run)."""
        cache = self.__dict__.setdefault("_class_cache", {})
        if ds.name not in cache:
            cache[ds.name] = self._classes(ds)
        return cache[ds.name]

    def _classes(self, ds: DatasetData) -> set[str]:
        if ds.is_supp:
            return {"RELATIONSHIP", "SUPPQUAL"}
        if ds.name.startswith("AD"):
            return {"ADAM"} | ({"ADSL"} if ds.name == "ADSL" else {"BDS"} if "PARAMCD" in ds.frame.columns else set())
        row = self.spec.datasets.loc[self.spec.datasets["dataset"] == ds.domain, "class"]
        if len(row):
            return {str(row.iat[0])}
        if ds.has("--TESTCD"):
            return {"FINDINGS"}
        if ds.has("--TERM"):
            return {"EVENTS"}
        if ds.has("--TRT"):
            return {"INTERVENTIONS"}
        return set()

    def ct_values(self, codelist: str) -> frozenset[str]:
        """Submission values of a codelist, cached per run."""
        cache = self.__dict__.setdefault("_ct_cache", {})
        if codelist not in cache:
            cache[codelist] = frozenset(self.spec.codelist_values(codelist).astype(str))
        return cache[codelist]


def empty_mask(ds: DatasetData) -> pd.Series:
    return pd.Series(np.zeros(len(ds.frame), dtype=bool), index=ds.frame.index)
