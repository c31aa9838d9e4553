"""IEEE 754 binary64 <-> IBM System/360 hexadecimal floating point, vectorised.

SAS transport (TS-140) stores every numeric as an IBM "long" float, big-endian:
1 sign bit, a 7-bit exponent of 16 biased by 64, and a 56-bit fraction F with
1/16 <= F < 1, so ``value = (-1)**sign * F * 16**(exponent - 64)``.

Both directions work on the integer bit patterns of whole columns with numpy;
no Python loop touches a value.  IEEE -> IBM is exact: a 53-bit IEEE
significand always fits into the 56-bit fraction, whatever the hex shift.
"""
from __future__ import annotations

import numpy as np

#: First byte of a missing numeric: ``.`` (ordinary missing), ``.A``-``.Z`` and ``._`` (special missing).
MISSING_BYTE = 0x2E
SPECIAL_MISSING_BYTES = frozenset([0x2E, 0x5F, *range(0x41, 0x5B)])

#: Magnitudes from 16**63 up have no IBM long float (the largest is 16**63 * (1 - 16**-14)).
IBM_LIMIT = float(np.ldexp(1.0, 252))
#: Smallest positive normalised IBM long float (16**-65); smaller magnitudes are written as 0.
IBM_MIN = float(np.ldexp(1.0, -260))

_FRACTION_MASK = np.uint64((1 << 56) - 1)
#: By the first byte of an IBM float: the signed power of two that scales its 56-bit integer fraction,
#: and whether that byte starts a missing value.
_SCALE = np.ldexp(np.where(np.arange(256) >= 0x80, -1.0, 1.0), 4 * (np.arange(256) & 0x7F) - 312)
_MISSING_HEAD = np.isin(np.arange(256), list(SPECIAL_MISSING_BYTES))


def ieee_to_ibm(values: np.ndarray) -> np.ndarray:
    """IEEE doubles -> IBM long floats as native ``uint64`` bit patterns (``byteswap`` / ``>u8`` to store).

    Rules (TS-140; edge cases as SAS/readstat write them):
    NaN -> missing (``0x2E`` then seven zero bytes); 0.0 and -0.0 -> all zero bytes;
    ``0 < |x| < 16**-65`` underflows to 0 (all zero bytes, sign dropped).
    The caller must reject ``|x| >= 16**63`` and infinities first (see :func:`out_of_range`):
    they have no IBM representation.
    """
    # x = m * 2**e with 0.5 <= |m| < 1; write e = 4*q - s (0 <= s <= 3): the hex exponent is q and
    # the 56-bit fraction |m| * 2**(56 - s) is an exact integer.
    mantissa, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    missing = np.isnan(mantissa)
    mantissa[missing] = 0.0
    q = (exponent + 3) >> 2
    fraction = np.ldexp(np.abs(mantissa), 56 - 4 * q + exponent).astype(np.uint64)
    biased = q + 64
    ibm = (biased.astype(np.uint64) << np.uint64(56)) | fraction
    ibm |= np.signbit(mantissa).astype(np.uint64) << np.uint64(63)
    ibm[(mantissa == 0) | (biased < 0)] = 0            # zeros, -0.0 and IBM underflow
    ibm[missing] = np.uint64(MISSING_BYTE << 56)
    return ibm


#: The biased IEEE exponents (bits 52-62) of |x| >= 16**-65 (IBM_MIN) and of |x| >= 16**63 (IBM_LIMIT);
#: 2047 is that of infinities and NaN.
MIN_EXPONENT, LIMIT_EXPONENT, SPECIAL_EXPONENT = 1023 - 260, 1023 + 252, 2047


def binary_exponent(values: np.ndarray) -> np.ndarray:
    """The biased IEEE binary64 exponent of each value (0 for zeros and subnormals, 2047 for inf and NaN)."""
    return (np.asarray(values, dtype=np.float64).view(np.uint64) >> np.uint64(52)).astype(np.int16) & 0x7FF


def ibm_round_trip(values: np.ndarray) -> np.ndarray:
    """``ibm_to_ieee(ieee_to_ibm(values))`` without the bit patterns: the value every float in range reads back
    as.  IEEE -> IBM is exact, so a value comes back unchanged, but for zeros (``-0.0`` reads as ``0.0``) and
    underflow (``0 < |x| < 16**-65`` reads as ``0.0``); every NaN reads as numpy's ``nan`` (whatever its sign
    and payload were)."""
    out = np.array(values, dtype=np.float64)
    return round_trip_in_place(out, binary_exponent(out))


def round_trip_in_place(values: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """:func:`ibm_round_trip` done on ``values`` itself (``exponent`` is :func:`binary_exponent` of it);
    returns ``values``.  Writing the result stores the same bytes as writing ``values`` did."""
    np.copyto(values, 0.0, where=exponent < MIN_EXPONENT)           # zeros (-0.0 too), subnormals, underflow
    np.copyto(values, np.nan, where=exponent == SPECIAL_EXPONENT)   # NaN, its sign and payload dropped
    return values


def out_of_range(values: np.ndarray) -> np.ndarray:
    """Boolean mask of values no IBM long float can hold: +-inf and ``|x| >= 16**63`` (about 7.2e75)."""
    return np.abs(values) >= IBM_LIMIT


def ibm_to_ieee(bits: np.ndarray) -> np.ndarray:
    """IBM long floats given as native ``uint64`` bit patterns -> float64; missing (``.``, ``.A``-``.Z``,
    ``._``, each followed by zero bytes) -> NaN.

    A truncated IBM float (TS-140 allows lengths 2-8) is passed left-aligned, its missing low bytes zero.
    Fractions with more than 53 significant bits are rounded to nearest (only non-IEEE sources have them).
    The fraction (an integer below 2**56) is scaled by ``+-16**(exponent - 64) / 2**56``, a power of two
    looked up by the first byte: a product with a power of two between 2**-312 and 2**196 is exact.
    """
    head = (bits >> np.uint64(56)).astype(np.intp)
    fraction = bits & _FRACTION_MASK
    out = fraction.astype(np.float64)
    out *= _SCALE[head]
    out[(fraction == 0) & _MISSING_HEAD[head]] = np.nan
    return out
