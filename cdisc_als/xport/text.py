"""Character data for transport files: distinct values, ASCII transliteration, decoding.

The writer works on the *distinct* values of a column (validation, encoding and
transliteration touch each distinct value once) and then places them by code;
the reader decodes a fixed-width byte block in one numpy pass.
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from cdisc_als.xport.model import EncodingIssue, TextCodes

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


def value_windows(width: int) -> list[tuple[int, int]]:
    """Where a fixed-width value of ``width`` bytes is read as little-endian integers: ``(offset, size)``
    pairs, sizes 1, 2, 4 or 8, that together cover every byte (the last may overlap the one before)."""
    if width >= 8:
        return [(start, 8) for start in [*range(0, width - 8, 8), width - 8]]
    size = 1 << (width.bit_length() - 1)                # the largest power of two below width
    return [(0, size)] if size == width else [(0, size), (width - size, size)]


def read_windows(block: np.ndarray, windows: list[tuple[int, int]]) -> list[np.ndarray]:
    """The integers at ``windows`` (see :func:`value_windows`) of every row of a uint8 block whose last
    axis is contiguous, read in place (strided views, no copy)."""
    return [block[:, offset:offset + size].view(f"<u{size}")[:, 0] for offset, size in windows]


def fixed_width_codes(block: np.ndarray, words: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct)`` of a ``(n, width)`` uint8 block of fixed-width values (its last axis
    contiguous, as a column sliced out of the observation rows is): see :func:`word_codes`; ``words``
    are the block's integers at :func:`value_windows`, read from the block when not given."""
    width = block.shape[1]
    return word_codes(words if words is not None else read_windows(block, value_windows(width)), width)


def word_codes(words: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct)`` of fixed-width values of ``width`` bytes given as their integers at
    :func:`value_windows`: rows with equal bytes share a code, codes are numbered in order of first
    appearance, and ``distinct[c]`` (a ``(k, width)`` uint8 array) holds the bytes of code ``c``.

    A value of up to 8 bytes is one integer, the bytes zero-padded, so equal integers are equal values
    and no hashing is needed.  Wider values are hashed with one multiply-add per 8-byte word, the
    hashes factorised and every word of every row compared with the word of one row of its code;
    should two different values ever share a hash, the exact (sorting) method is used instead.
    """
    if width <= 8:
        codes, uniques = pd.factorize(packed_integers(words, width).view(np.int64))
        return codes, np.ascontiguousarray(uniques).view(np.uint8).reshape(-1, 8)[:, :width]
    hashed = np.zeros(len(words[0]), dtype=np.uint64)
    for index, word in enumerate(words):
        hashed += word * np.uint64((0x9E3779B97F4A7C15 * (2 * index + 1)) % 2 ** 64)    # wraps modulo 2**64
    codes, hashes = pd.factorize(hashed.view(np.int64))
    representative = np.empty(len(hashes), dtype=np.intp)
    representative[codes] = np.arange(len(codes))      # any row holding the code will do
    if not all((word == word[representative][codes]).all() for word in words):
        padded = np.zeros((len(codes), -(-width // 8) * 8), dtype=np.uint8)
        padded[:, :width] = word_bytes(words, width)
        _, first, codes = np.unique(padded.view(f"V{padded.shape[1]}")[:, 0], return_index=True,
                                    return_inverse=True)
        order = np.argsort(first)                       # sorted values -> order of first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        codes, representative = rank[codes.reshape(-1)], first[order]
    return codes, word_bytes(words, width, representative)


def word_bytes(words: list[np.ndarray], width: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The ``(n, width)`` uint8 bytes of the values whose integers at :func:`value_windows` are ``words``
    (of the given ``rows`` only, when given)."""
    picked = [word if rows is None else word[rows] for word in words]
    out = np.empty((len(picked[0]), width), dtype=np.uint8)
    for (offset, size), word in zip(value_windows(width), picked):
        out[:, offset:offset + size] = np.ascontiguousarray(word).view(np.uint8).reshape(-1, size)
    return out


def packed_integers(words: list[np.ndarray], width: int) -> np.ndarray:
    """The uint64 whose little-endian bytes are a value of ``width <= 8`` bytes padded with zeros, from its
    integers at :func:`value_windows` (the second one's bytes past the overlap placed after the first's)."""
    packed = words[0].astype(np.uint64, copy=False)
    if len(words) == 2:
        size = words[0].itemsize
        packed = packed | (words[1].astype(np.uint64) >> np.uint64(8 * (2 * size - width))) << np.uint64(8 * size)
    return packed


def decode_text(block: np.ndarray, variable: str, words: list[np.ndarray] | None = None
                ) -> tuple[pd.api.extensions.ExtensionArray | np.ndarray, list[EncodingIssue], TextCodes | None]:
    """:func:`decode_words` of a ``(n, width)`` uint8 block (``words`` read from it when not given)."""
    width = block.shape[1]
    if words is None:
        words = read_windows(block, value_windows(width))
    return decode_words(words, width, variable)


def decode_words(words: list[np.ndarray], width: int, variable: str, text: str = "str"
                 ) -> tuple[pd.api.extensions.ExtensionArray | np.ndarray, list[EncodingIssue], TextCodes | None]:
    """Decode fixed-width character values of ``width`` bytes, given as their integers at
    :func:`value_windows`, to a ``str`` column.

    Trailing blanks (and NULs) are removed, leading ones kept; a blank value becomes ``""``.
    Each distinct value is decoded once: ASCII directly, other bytes as UTF-8, and values that are
    not valid UTF-8 as cp1252 (latin-1 if they hold a byte cp1252 leaves undefined); each row
    holding one of those is reported.  The column is the distinct values taken by code, so rows
    with equal values share one ``str`` object and no row is inspected again; no rows give an empty
    object array (the dtype pandas gives an empty column of text).  The codes come back as
    :class:`TextCodes` (none for no rows).  With ``text="category"`` the column is a categorical instead
    (see :func:`text_column`), which holds its codes itself: no :class:`TextCodes`.
    """
    if len(words[0]) == 0:
        return np.empty(0, dtype=object), [], None
    codes, distinct_bytes = word_codes(words, width)
    distinct = np.strings.rstrip(np.ascontiguousarray(distinct_bytes).view(f"S{width}")[:, 0], b" ")
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
    column, text_codes = text_column(texts, codes, text)
    return column, issues, text_codes


TEXT_KINDS = ("str", "category")


def text_column(texts: np.ndarray, codes: np.ndarray, text: str = "str"
                ) -> tuple[pd.api.extensions.ExtensionArray | pd.Categorical, TextCodes | None]:
    """The column ``texts[codes]`` as ``text`` asks: ``"str"``, a ``str`` column (rows with equal codes share
    one object) with its :class:`TextCodes`; ``"category"``, a categorical over the sorted distinct texts
    (a sort on its codes is the sort on the text; ``""`` is a category like any text), no codes beside it.

    ``texts`` (an object array of ``str``) must be numbered in order of first appearance for ``"str"``, as
    :class:`TextCodes` promises; two codes may decode to one text (NUL- and blank-padded values).  Where the
    texts are already distinct and sorted, the categorical keeps ``codes`` as they are.
    """
    if text == "category":
        distinct, merged = np.unique(texts.astype(str), return_inverse=True)
        merged = merged.reshape(-1)
        kept = codes if np.array_equal(merged, np.arange(len(texts))) else merged[codes]
        return pd.Categorical.from_codes(kept, categories=pd.Index(distinct, dtype=object), validate=False), None
    column = pd.array(texts, dtype="str").take(codes)
    compact = codes.astype(np.min_scalar_type(len(texts) - 1), copy=False)
    return column, TextCodes(codes=compact, texts=texts, column=np.asarray(column, dtype=object))


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
