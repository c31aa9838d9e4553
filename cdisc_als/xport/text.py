"""Character data for transport files: distinct values, ASCII transliteration, decoding.

The writer works on the *distinct* values of a column (validation, encoding and
transliteration touch each distinct value once) and then places them by code;
the reader decodes a fixed-width byte block in one numpy pass.
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from cdisc_als.distinct import factorize_objects
from cdisc_als.xport.model import EncodingIssue

# Characters NFKD does not reduce to ASCII but that have an obvious ASCII spelling.
_ASCII_SPELLING = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2022": "*", "\u00b7": ".", "\u00d7": "x", "\u00f7": "/",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE", "\u00f8": "o",
    "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u00f0": "d", "\u00fe": "th",
})


def transliterate_text(text: str) -> str:
    """ASCII spelling of ``text``: curly quotes and dashes to ``'`` ``"`` ``-``, accents removed (NFKD),
    anything still outside ASCII dropped.  ``"Café – “ok”"`` -> ``'Cafe - "ok"'``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_SPELLING))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def factorize_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of an object column: ``values == uniques[codes]``, code -1 for missing
    (None, NaN, pd.NA); uniques in order of first appearance, as :func:`pandas.factorize` gives.
    Rows holding the same object are hashed once (:func:`cdisc_als.distinct.factorize_objects`)."""
    return factorize_objects(values, use_na_sentinel=True)


def fixed_width_codes(block: np.ndarray, scratch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, representatives)`` of a ``(n, width)`` uint8 block of fixed-width values: rows with
    equal bytes share a code, and ``representatives[c]`` is one row holding code ``c``.

    Rows are copied into whole 8-byte words (into ``scratch``, a reusable uint8 buffer, when it is
    big enough), hashed with one integer matrix product, the hashes factorised, and every row
    compared with its representative; should two different values ever share a hash, the exact
    (sorting) method is used instead.
    """
    n, width = block.shape
    nwords = -(-width // 8)
    size = n * nwords * 8
    padded = (scratch[:size] if scratch is not None and len(scratch) >= size
              else np.empty(size, dtype=np.uint8)).reshape(n, nwords * 8)
    padded[:, width:] = 0
    padded[:, :width] = block
    words = padded.view("<u8")
    multipliers = (np.arange(1, nwords + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)
    hashed = words @ multipliers                       # wraps modulo 2**64
    codes, hashes = pd.factorize(hashed.view(np.int64))
    representatives = np.empty(len(hashes), dtype=np.intp)
    representatives[codes] = np.arange(n)
    if not (words == words[representatives][codes]).all():
        _, representatives, codes = np.unique(padded.view(f"V{nwords * 8}")[:, 0], return_index=True,
                                              return_inverse=True)
    return codes, representatives


def decode_text(block: np.ndarray, variable: str,
                scratch: np.ndarray | None = None) -> tuple[np.ndarray, list[EncodingIssue]]:
    """Decode a ``(n, width)`` uint8 block of fixed-width character values to an object array of ``str``.

    Trailing blanks (and NULs) are removed, leading ones kept; a blank value becomes ``""``.
    Each distinct value is decoded once: ASCII directly, other bytes as UTF-8, and values that are
    not valid UTF-8 as cp1252 (latin-1 if they hold a byte cp1252 leaves undefined); each row
    holding one of those is reported.  ``scratch`` is passed on to :func:`fixed_width_codes`.
    """
    n, width = block.shape
    if n == 0:
        return np.empty(0, dtype=object), []
    codes, representatives = fixed_width_codes(block, scratch)
    distinct_bytes = np.ascontiguousarray(block[representatives])
    distinct = np.strings.rstrip(distinct_bytes.view(f"S{width}")[:, 0], b" ")
    non_ascii = np.flatnonzero(distinct_bytes.max(axis=1) >= 0x80)
    if len(non_ascii):
        distinct[non_ascii] = b""
    texts = distinct.astype("U").astype(object)
    issues: list[EncodingIssue] = []
    for index in non_ascii.tolist():                       # the rare distinct values that are not ASCII
        data = distinct_bytes[index].tobytes().rstrip(b" \x00")
        try:
            texts[index] = data.decode("utf-8")
        except UnicodeDecodeError:
            texts[index] = _decode_cp1252(data)
            issues.extend(EncodingIssue(variable, int(row), data, texts[index])
                          for row in np.flatnonzero(codes == index))
    issues.sort(key=lambda issue: issue.row)
    return texts[codes], issues


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
