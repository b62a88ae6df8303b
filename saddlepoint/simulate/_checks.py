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
