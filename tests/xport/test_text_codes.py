"""The reader's text decoding: codes of fixed-width byte blocks and the ``str`` column built from them,
checked against plain Python on the same bytes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc_als.xport import text
from cdisc_als.xport.text import decode_text, fixed_width_codes


def random_block(width: int, n: int = 3000, distinct: int = 40, seed: int = 0) -> np.ndarray:
    """``n`` rows drawn from ``distinct`` random values of ``width`` bytes (blanks, NULs and high bytes
    included), as a column sliced out of wider rows, the way the reader sees it."""
    rng = np.random.default_rng(seed + width)
    alphabet = np.frombuffer(b" \x00AZaz09-\x80\xff", dtype=np.uint8)
    values = alphabet[rng.integers(0, len(alphabet), size=(distinct, width))]
    rows = np.full((n, width + 7), 0x41, dtype=np.uint8)
    rows[:, 3:3 + width] = values[rng.integers(0, distinct, size=n)]
    return rows[:, 3:3 + width]


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15, 16, 17, 37, 200])
def test_codes_group_exactly_the_equal_rows(width):
    block = random_block(width)
    codes, distinct = fixed_width_codes(block)
    as_bytes = [bytes(row) for row in block]
    expected = {value: code for code, value in enumerate(dict.fromkeys(as_bytes))}
    # equal codes <=> equal bytes, whatever numbering either side uses
    assert len(set(zip(codes.tolist(), (expected[b] for b in as_bytes)))) == len(expected) == len(distinct)
    assert [bytes(distinct[c]) for c in codes] == as_bytes


def test_a_hash_collision_falls_back_to_the_exact_method(monkeypatch):
    block = random_block(20)
    real_factorize = pd.factorize
    # every hash "collides": the reader must notice and still group rows by their bytes
    monkeypatch.setattr(text.pd, "factorize", lambda values, **kw: real_factorize(np.zeros(len(values), np.int64)))
    codes, distinct = fixed_width_codes(block)
    assert [bytes(distinct[c]) for c in codes] == [bytes(row) for row in block]
    assert len(distinct) == len({bytes(row) for row in block})


def python_decoded(raw: bytes) -> str:
    data = raw.rstrip(b" \x00")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


@pytest.mark.parametrize("width", [1, 3, 8, 13])
def test_decoded_column_is_a_str_column_of_shared_values(width):
    block = random_block(width, distinct=12)
    column, issues, codes = decode_text(block, "X")
    expected = [python_decoded(bytes(row)) for row in block]
    series = pd.Series(column)
    assert series.dtype == pd.Series(expected).dtype == "str"
    assert series.tolist() == expected
    assert len({id(v) for v in series.to_numpy(object)}) == len(set(expected))   # one object per distinct value
    not_utf8 = [i for i, row in enumerate(block) if not _is_utf8(bytes(row).rstrip(b" \x00"))]
    assert [issue.row for issue in issues] == not_utf8
    assert all(issue.value == expected[issue.row] and issue.variable == "X" for issue in issues)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_an_empty_block_is_an_empty_object_column():
    column, issues, codes = decode_text(np.zeros((0, 5), dtype=np.uint8), "X")
    assert column.dtype == object and len(column) == 0 and issues == []


def first_appearance_numbering(codes: np.ndarray) -> bool:
    """Codes 0, 1, 2, ... appear first in that order."""
    return list(dict.fromkeys(codes.tolist())) == list(range(len(set(codes.tolist()))))


@pytest.mark.parametrize("width", [2, 8, 13])
def test_the_reader_codes_rebuild_the_column_and_follow_first_appearance(width):
    block = random_block(width, distinct=30)
    column, _, codes = decode_text(block, "X")
    assert (codes.texts[codes.codes] == np.asarray(column, dtype=object)).all()
    assert codes.codes.dtype == np.uint8 and first_appearance_numbering(codes.codes)
    assert len(codes.texts) == len({bytes(row) for row in block})


def test_the_exact_fallback_also_numbers_codes_by_first_appearance(monkeypatch):
    block = random_block(20)
    real_factorize = pd.factorize
    monkeypatch.setattr(text.pd, "factorize", lambda values, **kw: real_factorize(np.zeros(len(values), np.int64)))
    codes, _ = fixed_width_codes(block)
    assert first_appearance_numbering(codes)


def test_codes_describe_the_column_until_a_copy_of_it_changes(tmp_path):
    from cdisc_als.xport import read_xpt, write_xpt

    path = tmp_path / "x.xpt"
    write_xpt(pd.DataFrame({"A": ["b", "a", "b"], "N": [1.0, 2.0, 3.0]}), path, name="X")
    read = read_xpt(path)
    codes = read.text_codes["A"]
    assert set(read.text_codes) == {"A"} and codes.codes.tolist() == [0, 1, 0] and list(codes.texts) == ["b", "a"]
    shallow = read.frame.copy(deep=False)
    assert codes.describes(read.frame["A"]) and codes.describes(shallow["A"])
    assert codes.describes(read.frame.set_axis(["a", "n"], axis=1)["a"])
    shallow.loc[0, "A"] = "z"
    assert not codes.describes(shallow["A"]) and codes.describes(read.frame["A"])
    assert not codes.describes(read.frame["A"].str.lower()) and not codes.describes(read.frame["N"])
