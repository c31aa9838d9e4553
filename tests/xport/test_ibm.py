"""IEEE <-> IBM hexadecimal floats: exact, vectorised, with TS-140 edge cases."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cdisc_als.xport.ibm import IBM_LIMIT, IBM_MIN, ibm_to_ieee, ieee_to_ibm, out_of_range


def ibm_value(bits: int) -> float:
    """Decode one IBM float by its definition (TS-140), independently of the code under test."""
    sign = -1.0 if bits >> 63 else 1.0
    exponent = (bits >> 56) & 0x7F
    fraction = (bits & ((1 << 56) - 1)) / 2.0 ** 56
    return sign * fraction * 16.0 ** (exponent - 64)


@pytest.mark.parametrize("value, expected", [
    (1.0, 0x4110000000000000), (-1.0, 0xC110000000000000), (0.1, 0x401999999999999A),
    (100.0, 0x4264000000000000), (0.0, 0), (-0.0, 0), (float("nan"), 0x2E00000000000000),
])
def test_known_bit_patterns(value, expected):
    assert int(ieee_to_ibm(np.array([value]))[0]) == expected


def test_conversion_is_exact_and_normalised_over_the_whole_range():
    rng = np.random.default_rng(7)
    values = rng.standard_normal(20_000) * 10.0 ** rng.integers(-75, 75, 20_000)
    values = values[(np.abs(values) >= IBM_MIN) & (np.abs(values) < IBM_LIMIT)]
    bits = ieee_to_ibm(values)
    assert [ibm_value(int(b)) for b in bits[:500]] == values[:500].tolist()
    leading_hex_digit = (bits >> np.uint64(52)) & np.uint64(0xF)
    assert (leading_hex_digit != 0).all()                      # normalised fraction
    np.testing.assert_array_equal(ibm_to_ieee(bits), values)


def test_underflow_is_zero_and_limits_are_reported():
    tiny = np.array([IBM_MIN, np.nextafter(IBM_MIN, 0), 5e-324, -5e-324, 1e-300])
    bits = ieee_to_ibm(tiny)
    assert int(bits[0]) == 0x0010000000000000
    assert (bits[1:] == 0).all()
    assert out_of_range(np.array([np.inf, -np.inf, IBM_LIMIT, np.nextafter(IBM_LIMIT, 0), np.nan])).tolist() == [
        True, True, True, False, False]
    largest = np.nextafter(IBM_LIMIT, 0)
    assert ibm_value(int(ieee_to_ibm(np.array([largest]))[0])) == largest


def test_reader_missing_values_and_short_lengths():
    bits = np.array([0x2E << 56, 0x41 << 56, 0x5F << 56, 0x5A << 56, 0x4110000000000000, 0x41 << 56 | 1],
                    dtype=np.uint64)
    out = ibm_to_ieee(bits)
    assert np.isnan(out[:4]).all() and out[4] == 1.0 and out[5] == ibm_value(0x41 << 56 | 1)
    # a truncated (length 4) IBM float is its leading bytes; 1.5 = 0x41180000 fits exactly
    assert ibm_to_ieee(np.array([0x4118000000000000], dtype=np.uint64))[0] == 1.5
    assert math.isclose(ibm_to_ieee(ieee_to_ibm(np.array([math.pi])) & np.uint64(0xFFFFFFFF00000000))[0],
                        math.pi, rel_tol=1e-6)


def test_reader_every_first_byte_against_the_definition():
    heads = np.arange(256, dtype=np.uint64) << np.uint64(56)
    bits = np.concatenate([heads, heads | np.uint64(0x00F0000000000001), heads | np.uint64(0x0010000000000000)])
    out = ibm_to_ieee(bits)
    missing_heads = {0x2E, 0x5F, *range(0x41, 0x5B)}
    for value, raw in zip(out.tolist(), bits.tolist()):
        if raw >> 56 in missing_heads and raw & ((1 << 56) - 1) == 0:
            assert math.isnan(value)
        else:
            assert value == ibm_value(raw) and math.copysign(1, value) == (-1 if raw >> 63 else 1), hex(raw)
