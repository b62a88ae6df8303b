"""The mpmath engine: quadrature, two-precision checks, Richardson, Levin, asymptotic coefficients.

Reference values are closed forms (cited at each test), evaluated by mpmath at a higher precision
than the one tested.
"""

import mpmath
import pytest

from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.solvers import highprec


def _close(a, b, digits):
    with mpmath.workdps(digits + 20):
        return abs(mpmath.mpf(a) / b - 1) < mpmath.mpf(10) ** -digits


def test_quad_gaussian_integral_to_40_digits():
    # int_0^oo exp(-x^2) dx = sqrt(pi)/2 (the Gaussian integral)
    v = highprec.quad(lambda x: mpmath.exp(-x * x), [0, 1, mpmath.inf], dps=40)
    with mpmath.workdps(60):
        assert _close(v, mpmath.sqrt(mpmath.pi) / 2, 39)


def test_quad_endpoint_singularity():
    # int_0^1 sqrt(x) log(x) dx = -4/9 (integrate by parts)
    v = highprec.quad(lambda x: mpmath.sqrt(x) * mpmath.log(x), [0, 1], dps=30)
    with mpmath.workdps(50):
        assert _close(v, mpmath.mpf(-4) / 9, 29)


def test_quad_detects_digits_lost_to_a_singularity():
    # int_0^1 log(x)/sqrt(x) dx = -4, but tanh-sinh nodes stop 10^-dps from 0 and the
    # integrand's mass there is ~ sqrt(10^-dps): half the digits are lost, and quad must say so
    with pytest.raises(ConvergenceError):
        highprec.quad(lambda x: mpmath.log(x) / mpmath.sqrt(x), [0, 1], dps=30)


def test_quad_raises_when_refinement_is_cut():
    with pytest.raises(ConvergenceError) as info:
        highprec.quad(lambda x: mpmath.exp(-x * x) * mpmath.cos(20 * x), [0, mpmath.inf], dps=30,
                      maxdegree=1)
    err = info.value
    assert err.point["dps"] == 30 and err.iterations == 1 and err.residual > 1e-30


def test_quad_check_false_returns_the_unconverged_value():
    v = highprec.quad(lambda x: mpmath.exp(-x * x) * mpmath.cos(20 * x), [0, mpmath.inf], dps=30,
                      maxdegree=1, check=False)
    assert mpmath.isfinite(v)


def test_two_precision_flags_precision_dependent_results():
    # a "computation" whose value is 10^-dps of the working precision: the two precisions disagree
    # catastrophic cancellation: (1 + 10^-20) - 1 is 0 at 15 digits, 10^-20 at 25
    with pytest.raises(ConvergenceError):
        highprec.two_precision(lambda: (1 + mpmath.mpf(10) ** -20) - 1, dps=5)
    r = highprec.two_precision(lambda: mpmath.zeta(3), dps=30)
    with mpmath.workdps(50):
        assert _close(r.value, mpmath.zeta(3), 29) and r.error < mpmath.mpf(10) ** -30


def test_global_precision_untouched():
    before = mpmath.mp.dps
    highprec.quad(lambda x: x, [0, 1], dps=50)
    highprec.richardson([1, 2, 3], [3, 2, 1], dps=5, check=False)
    assert mpmath.mp.dps == before


def test_richardson_is_exact_on_polynomials():
    # v(h) = 7 - 3h + 5h^3: the cubic through 4 or more nodes extrapolates to exactly 7
    with mpmath.workdps(50):
        h = [mpmath.mpf(1) / j for j in range(1, 7)]
        values = [7 - 3 * x + 5 * x**3 for x in h]
    r = highprec.richardson(values, h, dps=30)
    assert _close(r.value, 7, 29)


def test_richardson_compound_interest():
    # (1 + 1/k)^k = e (1 - 1/(2k) + 11/(24 k^2) - ...), a power series in 1/k with limit e
    ks = [16 * 2**j for j in range(9)]
    with mpmath.workdps(50):
        values = [(1 + mpmath.mpf(1) / k) ** k for k in ks]
    r = highprec.richardson(values, [mpmath.mpf(1) / k for k in ks], dps=20)
    with mpmath.workdps(40):
        assert _close(r.value, mpmath.e, 19)


def test_richardson_raises_when_digits_are_missing():
    ks = [4, 8, 16]
    with mpmath.workdps(40):
        values = [(1 + mpmath.mpf(1) / k) ** k for k in ks]
    with pytest.raises(ConvergenceError) as info:
        highprec.richardson(values, [mpmath.mpf(1) / k for k in ks], dps=20)
    assert info.value.iterations == 3


def test_levin_logarithmic_and_alternating():
    # zeta(2) = pi^2/6 (logarithmic convergence, Levin u); log 2 = 1 - 1/2 + 1/3 ... (Levin t)
    with mpmath.workdps(60):
        zeta2 = [mpmath.fsum(mpmath.mpf(1) / j**2 for j in range(1, n + 1)) for n in range(1, 30)]
        log2 = [mpmath.fsum((-1) ** (j + 1) / mpmath.mpf(j) for j in range(1, n + 1)) for n in range(1, 30)]
    u = highprec.levin(zeta2, dps=18, variant="u")
    t = highprec.levin(log2, dps=25, variant="t")
    with mpmath.workdps(60):
        assert _close(u.value, mpmath.pi**2 / 6, 17)
        assert _close(t.value, mpmath.log(2), 24)


def test_levin_raises_with_too_few_terms():
    with mpmath.workdps(60):
        zeta2 = [mpmath.fsum(mpmath.mpf(1) / j**2 for j in range(1, n + 1)) for n in range(1, 7)]
    with pytest.raises(ConvergenceError):
        highprec.levin(zeta2, dps=30)


def test_asymptotic_coefficients_of_a_rational_sequence():
    # 2/((k+1)(k+2)) = k^-2 (2 - 6/k + 14/k^2 - 30/k^3 ...) (geometric series of each factor)
    ks = [50 * j for j in range(1, 16)]
    with mpmath.workdps(60):
        a = [mpmath.mpf(2) / ((k + 1) * (k + 2)) for k in ks]
    c = highprec.asymptotic_coefficients(a, ks, power=2, count=3, dps=20)
    assert _close(c[0].value, 2, 19)
    assert _close(c[1].value, -6, 15)
    assert _close(c[2].value, 14, 12)


def test_asymptotic_coefficients_non_integer_power():
    # Gamma(k + 1/2)/Gamma(k + 1) = k^(-1/2) (1 - 1/(8k) + ...) (Stirling; Tricomi & Erdelyi 1951)
    ks = [100 * j for j in range(1, 13)]
    with mpmath.workdps(60):
        a = [mpmath.gamma(k + mpmath.mpf(1) / 2) / mpmath.gamma(k + 1) for k in ks]
    c = highprec.asymptotic_coefficients(a, ks, power=mpmath.mpf(1) / 2, count=2, dps=20)
    assert _close(c[0].value, 1, 19)
    assert _close(c[1].value, mpmath.mpf(-1) / 8, 14)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10", None])
def test_dps_must_be_a_positive_integer(bad):
    with pytest.raises(ParameterError, match="`dps`"):
        highprec.quad(lambda x: x, [0, 1], dps=bad)
    with pytest.raises(ParameterError, match="`dps`"):
        highprec.richardson([1, 2], [1, 2], dps=bad)


def test_argument_checks_name_the_argument():
    with pytest.raises(ParameterError, match="`variant`"):
        highprec.levin([1, 2, 3, 4, 5], variant="w")
    with pytest.raises(ParameterError, match="`sequence`"):
        highprec.levin([1, 1, 2, 3, 4])
    with pytest.raises(ParameterError, match="`h`"):
        highprec.richardson([1, 2, 3], [1, 2])
    with pytest.raises(ParameterError, match="`k`"):
        highprec.asymptotic_coefficients([1, 2, 3], [0, 1, 2], power=1)
