"""Turn one DataFrame column into transport v5 storage, enforcing the v5 value limits.

Numeric columns (float, int, bool, nullable Int64/boolean) become float64 for IBM conversion;
text columns (object, str, categorical of text) become a table of distinct fixed-width byte
strings plus one code per row.  Violations raise :class:`XptError` naming the dataset, the
variable, the first offending row (0-based position) and how many rows are affected.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc_als.distinct import compute_held_codes, factorize_objects
from cdisc_als.errors import XptError
from cdisc_als.xport.checks import MAX_CHAR_LENGTH
from cdisc_als.xport.ibm import (LIMIT_EXPONENT, MIN_EXPONENT, SPECIAL_EXPONENT, binary_exponent, out_of_range,
                                round_trip_in_place)
from cdisc_als.xport.text import transliterate_text

BLANK = 0x20


@dataclass(frozen=True)
class Where:
    """Which dataset/variable/file a column belongs to, for error messages."""

    dataset: str
    variable: str
    path: Path

    def error(self, problem: str, rows: np.ndarray | None = None, hint: str = "") -> XptError:
        """An XptError for ``problem``; ``rows`` (positions of offending rows) adds the first one and the count."""
        if rows is None:
            return XptError(f"dataset {self.dataset}, variable {self.variable}: {problem}{hint}",
                            file=self.path, column=self.variable)
        first = int(rows[0])
        return XptError(f"dataset {self.dataset}, variable {self.variable}: {len(rows)} row(s) {problem} "
                        f"(first at row {first}){hint}", file=self.path, row=first, column=self.variable)


@dataclass(frozen=True)
class CharColumn:
    """Distinct values as a blank-padded ``(k + 1, width)`` byte table (last row: blank) and a code per row.

    Codes 0..k-1 are the distinct values, each held by some row, in no particular order; code k is a
    missing value (``missing`` tells whether any row has it).
    """

    codes: np.ndarray
    table: np.ndarray
    changes: pd.DataFrame | None
    missing: bool = False

    @property
    def width(self) -> int:
        return self.table.shape[1]


def column_type(series: pd.Series, where: Where) -> str:
    """``"Num"`` or ``"Char"`` from the pandas dtype; dates and other types are refused."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column_type(pd.Series(dtype.categories), where)
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise where.error(f"has dtype {dtype}; convert it to SAS dates or datetimes (days or seconds since "
                          "1960-01-01) with cdisc_als.xport.to_sas_date / to_sas_datetime first")
    if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                              and not pd.api.types.is_complex_dtype(dtype)):
        return "Num"
    if pd.api.types.is_string_dtype(dtype) or dtype == object:
        return "Char"
    raise where.error(f"has dtype {dtype}, which is neither numeric nor text")


@dataclass(frozen=True)
class NumColumn:
    """A numeric column ready to write: ``values`` (float64) hold what reading the file back gives, and
    ``source`` is the column itself when it already held exactly that (a float64 column without -0.0,
    underflow or an unusual NaN), so the dataset as read back can share it instead of a copy."""

    values: np.ndarray
    source: pd.Series | None


#: The bits of numpy's own NaN, the one missing value reads back as.
CANONICAL_NAN = np.float64(np.nan).view(np.uint64)


def prepare_numeric(series: pd.Series, where: Where) -> NumColumn:
    """float64 values as they will read back (:func:`~cdisc_als.xport.ibm.ibm_round_trip`: missing (NaN,
    None, pd.NA) is NaN, -0.0 and underflow are 0.0), which store the same bytes as the values themselves;
    infinities and |x| >= 16**63 are refused.  A float64 column that needs none of those changes is not
    copied."""
    plain = series.dtype == np.float64
    values = series.to_numpy() if plain else series.to_numpy(dtype=np.float64, na_value=np.nan)
    exponent = binary_exponent(values)
    if (exponent >= LIMIT_EXPONENT).any():                 # +-inf, |x| >= 16**63 (or NaN, not an error)
        bad = np.flatnonzero(out_of_range(values))
        if len(bad):
            raise where.error(f"hold a value an IBM float cannot store (infinite or beyond +-7.2e75, e.g. "
                              f"{values[bad[0]]!r})", bad)
    bits = values.view(np.uint64)
    changes = ((exponent < MIN_EXPONENT) & (bits != 0)) | ((exponent == SPECIAL_EXPONENT) & (bits != CANONICAL_NAN))
    if not changes.any():
        return NumColumn(values, series if plain else None)
    return NumColumn(round_trip_in_place(np.array(values), exponent), None)


def prepare_character(series: pd.Series, where: Where, *, length: int | None = None,
                      transliterate: bool = False) -> CharColumn:
    """Codes and the byte table of a text column (v5: ASCII, at most 200 bytes per value).

    Width = longest value in bytes, at least 1; ``length`` may widen it (up to 200) but never
    narrow it.  With ``transliterate`` non-ASCII values are replaced by
    :func:`~cdisc_als.xport.text.transliterate_text` and listed in ``changes``.
    """
    codes, uniques = _distinct_codes(series)
    _check_text(uniques, codes, where)
    changes = None
    try:
        encoded = uniques.astype("S") if len(uniques) else np.empty(0, dtype="S1")
    except UnicodeEncodeError:
        non_ascii = np.flatnonzero(~pd.Series(uniques, dtype=object).str.isascii().to_numpy(dtype=bool))
        if not transliterate:
            raise where.error("have non-ASCII text", np.flatnonzero(np.isin(codes, non_ascii)),
                              hint="; use transliterate=True to replace it") from None
        changes, uniques = _transliterate(uniques, non_ascii, codes, where)
        encoded = uniques.astype("S")
    sizes = np.strings.str_len(encoded)
    too_long = np.flatnonzero(sizes > MAX_CHAR_LENGTH)
    if len(too_long):
        raise where.error(f"are longer than {MAX_CHAR_LENGTH} bytes (longest {int(sizes.max())})",
                          np.flatnonzero(np.isin(codes, too_long)))
    width = max(int(sizes.max()) if len(sizes) else 0, 1)
    if length is not None:
        if not isinstance(length, (int, np.integer)) or not width <= length <= MAX_CHAR_LENGTH:
            raise where.error(f"length {length!r} must be a whole number from the longest value ({width}) "
                              f"to {MAX_CHAR_LENGTH}")
        width = int(length)
    table = np.full((len(uniques) + 1, width), BLANK, dtype=np.uint8)
    stored = encoded.astype(f"S{width}").view(np.uint8).reshape(len(uniques), width)
    table[:-1] = np.where(stored == 0, BLANK, stored)     # numpy pads with NUL; TS-140 pads with blanks
    missing = bool(len(codes)) and int(codes.min()) < 0
    codes = (np.where(codes < 0, len(uniques), codes) if missing else codes).astype(np.min_scalar_type(len(uniques)))
    return CharColumn(codes, table, changes, missing)


def _distinct_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of a text column: the values rows hold, once each, and each row's code (-1 missing).
    A categorical whose rows hold every category keeps its own codes: no pass over the rows."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return factorize_objects(series.to_numpy(dtype=object))
    held, codes = compute_held_codes(series)
    return codes, np.asarray(series.cat.categories, dtype=object)[held]


def _check_text(uniques: np.ndarray, codes: np.ndarray, where: Where) -> None:
    if pd.api.types.infer_dtype(uniques, skipna=True) in ("string", "empty"):
        return
    bad = np.flatnonzero([not isinstance(value, str) for value in uniques])   # error path only
    raise where.error(f"hold values that are not text (e.g. {uniques[bad[0]]!r}); a text column must hold "
                      "only str or missing values", np.flatnonzero(np.isin(codes, bad)))


def _transliterate(uniques: np.ndarray, which: np.ndarray, codes: np.ndarray,
                   where: Where) -> tuple[pd.DataFrame, np.ndarray]:
    new = uniques.copy()
    new[which] = [transliterate_text(value) for value in uniques[which]]   # distinct values only
    rows = np.flatnonzero(np.isin(codes, which))
    changes = pd.DataFrame({"variable": where.variable, "row": pd.array(rows, dtype="Int64"),
                            "old": uniques[codes[rows]], "new": new[codes[rows]]})
    return changes, new
