"""The numpy error functions of solvers.quadrature (erf, erfc, erfcx, ln H, Mills ratio).

They replace scipy.special in the compiled replica solvers and in the modules generated from
them, so they are held here against mpmath at 50 digits: on hypothesis-drawn arrays (every
array mixes the approximation ranges, as the quadrature grids do) and on the edge points of
Cody's ranges (0.46875, 4), of the exp(+-x^2) under/overflow and of the double range.
"""

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlepoint.solvers import quadrature

NS = quadrature.numpy_namespace()
TINY = np.finfo(float).tiny          # smallest normal double
HUGE = np.finfo(float).max
SUBNORMAL_ULP = 5e-324

# |x| <= 0.46875 / (0.46875, 4] / > 4 are Cody's ranges (erf, erfc, erfcx arguments; ln H and
# the Mills ratio take x/sqrt 2 to them); 26.5-27.3 is where erfc turns subnormal then 0,
# 37.4-38.6 the same for exp(-x^2/2); 1.9e154 is where x^2/2 overflows.
EDGES = [0.0, -0.0, 5e-324, 1e-310, 1e-300, 1e-20, 1.1e-16, 1e-8, 0.25, 0.46875, 0.46875 + 2 ** -53,
         0.5, 0.6629126073623883, 0.84375, 1.0, 1.25, 2.0, 2.857, 3.0, 4.0, 4.000000000000001, 5.0,
         5.656854249492381, 6.0, 10.0, 20.0, 26.0, 26.4, 26.5, 26.55, 26.6, 26.63, 26.7, 27.0, 27.2,
         27.3, 28.0, 30.0, 37.0, 37.5, 38.0, 38.5, 39.0, 50.0, 100.0, 1e3, 1e5, 6.71e7, 1e8, 1e10,
         1e20, 1e100, 1e154, 1.8e154, 2e154, 1e200, 1e300, 1.7e308]
EDGES = np.array(EDGES + [-e for e in EDGES])


def _erfcx_mp(x):
    """exp(x^2) erfc(x) at the working precision.

    mpmath's erfc is used up to |x| = 1e6; beyond, its internals overflow, and the asymptotic
    series (Abramowitz & Stegun 7.1.23) truncated after the x^-8 term is exact to 1e-58.
    """
    if abs(x) < 1e6:
        return mpmath.erfc(x) * mpmath.exp(x * x)
    u = 1 / (2 * x * x)
    positive = 1 / (abs(x) * mpmath.sqrt(mpmath.pi)) * (1 - u + 3 * u ** 2 - 15 * u ** 3 + 105 * u ** 4)
    return positive if x > 0 else 2 * mpmath.exp(x * x) - positive


def reference(kind, x):
    """The function at the double x, to 50 digits (mpmath)."""
    with mpmath.workdps(50):
        x = mpmath.mpf(float(x))
        t = x / mpmath.sqrt(2)
        if kind == "erf":
            return mpmath.erf(x)
        if kind == "erfc":
            return 1 - mpmath.erf(x) if abs(x) < 1 else _erfcx_mp(x) * mpmath.exp(-x * x)
        if kind == "erfcx":
            return _erfcx_mp(x)
        if kind == "log_H":  # ln(erfc(t)/2); for x < 0 as log1p(-erfc(|t|)/2), no cancellation
            if x >= 0:
                return mpmath.log(_erfcx_mp(t) / 2) - t * t
            return mpmath.log1p(-_erfcx_mp(-t) * mpmath.exp(-t * t) / 2)
        if kind == "mills":  # sqrt(2/pi)/erfcx(x/sqrt 2)
            return mpmath.sqrt(2 / mpmath.pi) / _erfcx_mp(t)
    raise ValueError(kind)


FUNCTIONS = {"erf": "_erf", "erfc": "_erfc", "erfcx": "_erfcx", "log_H": "_log_H", "mills": "_mills"}
# relative error where the value is a normal double; ln H: absolute error / max(1, |ln H|)
TOLERANCE = {"erf": 1e-15, "erfc": 1e-15, "erfcx": 1e-15, "log_H": 1e-15, "mills": 2e-15}


def evaluate(kind, xs):
    """The numpy function on an array, with every floating-point warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="warn", over="warn", invalid="warn"):
            return NS[FUNCTIONS[kind]](np.asarray(xs, dtype=float))


def check(kind, xs):
    xs = np.asarray(xs, dtype=float)
    got = evaluate(kind, xs)
    assert got.shape == xs.shape and got.dtype == np.float64
    for x, g in zip(xs.ravel(), got.ravel()):
        ref = reference(kind, x)
        magnitude = abs(ref)
        where = f"{kind}({x!r}) = {g!r}, mpmath {mpmath.nstr(ref, 20)}"
        if magnitude > HUGE:  # beyond the double range: the correctly rounded value is +-inf
            assert np.isinf(g) and np.sign(g) == mpmath.sign(ref), where
        elif kind == "log_H":
            assert abs(g - ref) <= TOLERANCE[kind] * max(1, magnitude), where
        elif magnitude >= TINY:
            assert abs(g - ref) <= TOLERANCE[kind] * magnitude, where
        else:  # subnormal or 0: a couple of subnormal ulps
            assert abs(g - ref) <= 2 * SUBNORMAL_ULP + TOLERANCE[kind] * magnitude, where


@pytest.mark.parametrize("kind", list(FUNCTIONS))
def test_edge_points_against_mpmath(kind):
    check(kind, EDGES)


wide = st.floats(allow_nan=False, allow_infinity=False)
moderate = st.floats(-40, 40, allow_nan=False)
central = st.floats(-6, 6, allow_nan=False)
points = st.lists(st.one_of(central, moderate, wide), min_size=1, max_size=40)


@pytest.mark.parametrize("kind", list(FUNCTIONS))
@settings(max_examples=40, deadline=None, derandomize=True)
@given(xs=points)
def test_drawn_arrays_against_mpmath(kind, xs):
    check(kind, xs)


def test_limits_nan_and_signed_zero():
    inf, nan = np.inf, np.nan
    x = np.array([inf, -inf, nan, 0.0, -0.0])
    expected = {
        "erf": [1.0, -1.0, nan, 0.0, -0.0],
        "erfc": [0.0, 2.0, nan, 1.0, 1.0],
        "erfcx": [0.0, inf, nan, 1.0, 1.0],
        "log_H": [-inf, 0.0, nan, -np.log(2.0), -np.log(2.0)],
        "mills": [inf, 0.0, nan, np.sqrt(2 / np.pi), np.sqrt(2 / np.pi)],
    }
    for kind, values in expected.items():
        got = evaluate(kind, x)
        np.testing.assert_array_equal(got, values, err_msg=kind)  # nan matches nan
    assert np.signbit(evaluate("erf", np.array([-0.0])))[0]
    assert not np.signbit(evaluate("erf", np.array([0.0])))[0]


def test_nan_only_for_nan():
    x = np.concatenate([EDGES, [np.inf, -np.inf]])
    for kind in FUNCTIONS:
        assert not np.isnan(evaluate(kind, x)).any(), kind


def test_symmetries_hold_exactly():
    x = np.linspace(-30, 30, 2001)
    np.testing.assert_array_equal(evaluate("erf", -x), -evaluate("erf", x))
    # erfc(-x) is computed as 2 - erfc(x): the identity holds to rounding of the sum
    np.testing.assert_allclose(evaluate("erfc", x) + evaluate("erfc", -x), 2.0, rtol=0, atol=4.5e-16)


def test_boundaries_of_the_double_range():
    # ln H(x) ~ -x^2/2 leaves the double range at x = sqrt(2 * 1.797e308) = 1.896e154
    assert np.isfinite(evaluate("log_H", np.array([1.8e154])))[0]
    assert evaluate("log_H", np.array([2e154]))[0] == -np.inf
    # erfcx(x) ~ 2 exp(x^2) overflows below x = -26.62874 (2 exp(x^2) = 1.797e308, mpmath)
    assert np.isfinite(evaluate("erfcx", np.array([-26.628])))[0]
    assert evaluate("erfcx", np.array([-26.63]))[0] == np.inf
    # erfc(x) rounds to 0 beyond x = 27.2260, where erfc = 2^-1075 (mpmath findroot, 30 digits);
    # erfc(26.6) = 1.0885e-309 (mpmath) is subnormal, not flushed to 0
    assert evaluate("erfc", np.array([26.6]))[0] > 0
    assert evaluate("erfc", np.array([27.5]))[0] == 0.0
    # the Mills ratio is x + 1/x - 2/x^3 + ... : exactly x once 1/x^2 < 2^-53
    assert evaluate("mills", np.array([1e300]))[0] == 1e300
    assert evaluate("mills", np.array([1.7e308]))[0] == 1.7e308


def test_any_shape_and_scalars():
    grid = np.linspace(-8, 8, 24).reshape(2, 3, 4)
    for kind, name in FUNCTIONS.items():
        out = NS[name](grid)
        assert out.shape == grid.shape
        flat = NS[name](grid.ravel())
        np.testing.assert_array_equal(out.ravel(), flat)  # the same numbers whatever the shape
        scalar = NS[name](0.3)
        assert np.shape(scalar) == () and float(scalar) == float(NS[name](np.array([0.3]))[0])


def test_the_numpy_source_needs_no_scipy():
    for line in quadrature.NUMPY_SOURCE.splitlines():
        stripped = line.strip()
        if stripped.startswith(("import ", "from ")):
            assert "scipy" not in stripped, line
    assert "_special" not in quadrature.NUMPY_SOURCE
