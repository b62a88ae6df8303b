"""Argument checks shared by the simulations (they name the argument and its valid range)."""

import math
import operator

import numpy as np

from saddlepoint.errors import ParameterError


def as_int(name, value, minimum, maximum=None):
    expect = f"must be an integer >= {minimum}" + (f" and <= {maximum}" if maximum else "")
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise ParameterError(name, f"{expect}; got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ParameterError(name, f"{expect}; got {value!r}") from None
        if not math.isfinite(f) or f != math.floor(f):
            raise ParameterError(name, f"{expect}; got {value!r}")
        v = int(f)
    if v < minimum or (maximum is not None and v > maximum):
        raise ParameterError(name, f"{expect}; got {value!r}")
    return int(v)


def as_real(name, value, lo=None, hi=None, *, strict=False):
    """``value`` as a finite float in [lo, hi] (``(lo, hi]`` when ``strict``); ParameterError naming
    ``name`` otherwise. Booleans and strings are refused, not coerced."""
    expect = "must be a finite real number" + ("" if lo is None else f" {'>' if strict else '>='} {lo}") + (
        "" if hi is None else f" and <= {hi}")
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise ParameterError(name, f"{expect}; got {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, f"{expect}; got {value!r}") from None
    if (not math.isfinite(f) or (lo is not None and (f < lo or (strict and f == lo)))
            or (hi is not None and f > hi)):
        raise ParameterError(name, f"{expect}; got {value!r}")
    return f


def as_nonnegative_grid(name, value, one_dimensional=False):
    """``value`` as a float array of finite numbers >= 0 (a non-empty 1-d array when
    ``one_dimensional``); ParameterError naming ``name`` otherwise."""
    expect = "must be a finite real number >= 0 (or " + ("a 1-d array" if one_dimensional else "an array") + " of them)"
    try:
        arr = np.asarray(value)
        if arr.dtype == bool or arr.dtype.kind in "USVcmM":
            raise TypeError
        arr = arr.astype(float)
    except (TypeError, ValueError):
        raise ParameterError(name, f"{expect}; got {value!r}") from None
    if (not np.all(np.isfinite(arr)) or np.any(arr < 0)
            or (one_dimensional and (arr.ndim > 1 or arr.size == 0))):
        raise ParameterError(name, f"{expect}; got {value!r}")
    return arr
