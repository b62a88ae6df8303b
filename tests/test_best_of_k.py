"""Best-of-k sampling (Halder & Pehlevan 2025, arXiv:2512.19905): the extreme-value expansion
derived symbolically, the exact finite-k quadrature, their agreement, and a Monte Carlo check.

Independent references used below:
- k = 1: E[X^2] = mean^2 + std^2.
- k = 2, mean 0: write (X_1, X_2) = std R (cos t, sin t) with R^2 ~ chi^2_2 (E R^2 = 2) and t uniform;
  min(X_1^2, X_2^2) = std^2 R^2 min(cos^2 t, sin^2 t), and the average of sin^2 over [0, pi/4] is
  1/2 - 1/pi, so E = std^2 (1 - 2/pi).
- Hand derivation of the leading coefficient (Watson's lemma): P(X^2 <= t) = A sqrt(t) + O(t^{3/2})
  with A = 2 phi(mean/std)/std, so int_0^oo (1 - F)^k dt ~ int_0^oo exp(-k A sqrt t) dt = 2/(A k)^2
  = pi std^2 exp(mean^2/std^2) / k^2.
"""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

import saddlepoint as spt
from saddlepoint.derivations import extremes
from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.solvers import highprec

k = sympy.Symbol("k", positive=True)
x = sympy.Symbol("x", positive=True)


def _close(a, b, digits):
    with mpmath.workdps(digits + 20):
        return abs(mpmath.mpf(a) / b - 1) < mpmath.mpf(10) ** -digits


# --- the general symbolic tool against exactly solvable cases -------------------------------------

def _series_at_infinity(expr, n):
    return sympy.series(expr, k, sympy.oo, n).removeO()


def test_uniform_minimum_is_one_over_k_plus_one():
    # U ~ Uniform(0, 1): E[min of k] = 1/(k + 1) = 1/k - 1/k^2 + 1/k^3 - ...
    ex = extremes.minimum_expansion(x, x, terms=4, k=k)
    assert sympy.simplify(ex.expression() - _series_at_infinity(1 / (k + 1), 5)) == 0


def test_square_root_cdf_matches_beta_integral():
    # F(l) = sqrt(l) on [0, 1] (l = U^2): int_0^1 (1 - sqrt l)^k dl = 2/((k + 1)(k + 2))
    ex = extremes.minimum_expansion(x, x, power=2, terms=4, k=k)
    assert [e for _, e in ex.terms] == [2, 3, 4, 5]
    assert sympy.simplify(ex.expression() - _series_at_infinity(2 / ((k + 1) * (k + 2)), 6)) == 0


def test_cube_root_cdf_rational_exponent():
    # F(l) = l^(1/3) on [0, 1]: int_0^1 (1 - l^(1/3))^k dl = 3 B(k + 1, 3) = 6/((k+1)(k+2)(k+3))
    ex = extremes.minimum_expansion(x, x, power=3, terms=3, k=k)
    exact = 6 / ((k + 1) * (k + 2) * (k + 3))
    assert sympy.simplify(ex.expression() - _series_at_infinity(exact, 6)) == 0
    assert sympy.simplify(ex.leading - extremes.leading_minimum(1, sympy.Rational(1, 3), 1)) == 0


def test_weibull_tail_has_a_single_term():
    # F = 1 - exp(-A l^2): E[min] = Gamma(3/2) (A k)^(-1/2) exactly (min of Weibulls is Weibull)
    A = sympy.Symbol("A", positive=True)
    ex = extremes.minimum_expansion(1 - sympy.exp(-A * x**2), x, terms=3, k=k)
    assert [e for _, e in ex.terms] == [sympy.Rational(1, 2), 1, sympy.Rational(3, 2)]
    assert sympy.simplify(ex.terms[0][0] * k ** -ex.terms[0][1] - extremes.leading_minimum(A, 2, k)) == 0
    assert ex.terms[1][0] == 0 and ex.terms[2][0] == 0


def test_half_integer_exponents_against_quadrature():
    # F(l) = l^2 on [0, 1]: E = int_0^1 (1 - l^2)^k dl, expansion in k^(-1/2); compare 3 terms at
    # k = 4000 with the exact Beta form sqrt(pi) Gamma(k+1) / (2 Gamma(k + 3/2))
    ex = extremes.minimum_expansion(x**2, x, terms=3, k=k)
    kk = 4000
    with mpmath.workdps(30):
        exact = mpmath.sqrt(mpmath.pi) * mpmath.gamma(kk + 1) / (2 * mpmath.gamma(kk + mpmath.mpf(3) / 2))
        approx = mpmath.mpf(sympy.N(ex.expression().subs(k, kk), 30))
        # the first omitted term is O(k^-2) against a leading k^-1/2
        assert abs(approx / exact - 1) < 10 * mpmath.mpf(kk) ** -1.5


def test_non_vanishing_cdf_is_refused():
    with pytest.raises(spt.DerivationError):
        extremes.minimum_expansion(1 + x, x)


# --- best-of-k: the symbolic result ---------------------------------------------------------------

def test_leading_coefficient_is_derived_not_typed():
    mu = sympy.Symbol("mu", real=True)
    s = sympy.Symbol("s", positive=True)
    ex = extremes.best_of_k_squared_error(mu, s, terms=3, k=k)
    # the hand derivation in the module docstring: 2/(A k)^2, A = 2 phi(mu/s)/s
    assert sympy.simplify(ex.leading - sympy.pi * s**2 * sympy.exp(mu**2 / s**2)) == 0
    A = 2 * sympy.exp(-mu**2 / (2 * s**2)) / (sympy.sqrt(2 * sympy.pi) * s)
    assert sympy.simplify(ex.amplitude - A) == 0
    assert sympy.simplify(ex.terms[0][0] - 2 / A**2) == 0
    # second term: G = A u + A^2 u^2/2 + O(u^3) (F odd in u = sqrt t), reverted u = w/A - w^2/(2A) + ...,
    # t = u^2 = w^2/A^2 - w^3/A^2 + ..., Watson: c_3 = -Gamma(4)/A^2 = -3 c_2
    assert sympy.simplify(ex.terms[1][0] + 3 * ex.leading) == 0
    assert [e for _, e in ex.terms] == [2, 3, 4]


def test_front_door_symbolic_parameters():
    mu, s = sympy.symbols("mu s", positive=True)
    b = spt.best_of_k(mu, s)
    assert sympy.simplify(b.leading_coefficient() - sympy.pi * s**2 * sympy.exp(mu**2 / s**2)) == 0
    ser = b.series(order=2)
    assert sympy.simplify(ser - sympy.pi * s**2 * sympy.exp(mu**2 / s**2) * (1 / b.k**2 - 3 / b.k**3)) == 0
    assert b.series(order=2, remainder=True).getO() is not None
    with pytest.raises(ParameterError, match="`mean`"):
        b.expected_error(3)


def test_latex_renders_the_trail():
    b = spt.best_of_k(0.5, 2)
    tex = b.latex()
    assert tex.startswith("\\begin{align*}") and tex.rstrip().endswith("\\end{align*}")
    assert "Watson" in tex and "Lagrange" in tex and "erf" in tex
    assert b._repr_latex_().startswith("$")


# --- exact finite k -------------------------------------------------------------------------------

def test_k1_is_the_second_moment():
    e = spt.best_of_k(mean=0.7, std=1.3).expected_error(1, dps=30)
    with mpmath.workdps(50):
        assert _close(e, mpmath.mpf("2.18"), 29)     # 0.49 + 1.69


def test_k2_centred_closed_form():
    e = spt.best_of_k(mean=0, std=3).expected_error(2, dps=30)
    with mpmath.workdps(50):
        assert _close(e, 9 * (1 - 2 / mpmath.pi), 29)


def test_quadrature_against_an_independent_integral():
    # the definition int_0^oo (1 - F(t))^k dt with F(t) = P(X^2 <= t) written with erf, in the
    # variable t, on one interval [0, oo) split at mean^2 (no level-crossing break points)
    mean, std, kk = 0.5, 0.8, 7
    with mpmath.workdps(45):
        m, s = mpmath.mpf("0.5"), mpmath.mpf("0.8")     # a float parameter means its decimal
        F = lambda t: (mpmath.erf((mpmath.sqrt(t) - m) / (s * mpmath.sqrt(2)))
                       + mpmath.erf((mpmath.sqrt(t) + m) / (s * mpmath.sqrt(2)))) / 2
        ref = mpmath.quad(lambda t: (1 - F(t)) ** kk, [0, m**2, 1, mpmath.inf])
    e = spt.best_of_k(mean, std).expected_error(kk, dps=25)
    assert _close(e, ref, 24)


def test_extrapolated_finite_k_agree_with_the_expansion():
    # Richardson on k^2 E_k over exact quadratures (k = k0..6 k0) -> leading and second coefficients
    b = spt.best_of_k(mean=0.4, std=1.1)
    c = b._extrapolated_coefficients(10, count=2)
    closed = b.leading_coefficient(dps=30)
    assert _close(c[0].value, closed, 9)
    second = sympy.N(b.series(order=2).coeff(b.k, -3), 30)
    assert _close(c[1].value, mpmath.mpf(str(second)), 6)


def test_leading_coefficient_by_extrapolation_method():
    b = spt.best_of_k(mean=0, std=1)
    with mpmath.workdps(40):
        assert _close(b.leading_coefficient(dps=8, method="extrapolation"), mpmath.pi, 7)


def test_series_third_term_against_finite_k():
    # k^2 E_k - (c_2 + c_3/k + c_4/k^2) = O(k^-3): at k = 2000 the remainder is ~ c_5/k^3
    b = spt.best_of_k(mean=0.3, std=1.0)
    ser = b.series(order=3)
    kk = 2000
    exact = b.expected_error(kk, dps=30)
    approx = mpmath.mpf(str(sympy.N(ser.subs(b.k, kk), 40)))
    c5 = abs(float(sympy.N(b.series(order=4).coeff(b.k, -5))))
    with mpmath.workdps(40):
        remainder = abs(exact - approx) * kk**2
    assert remainder < 2 * c5 / kk**3
    assert remainder > 0.5 * c5 / kk**3      # the 4th term is really the next one


@settings(max_examples=12, deadline=None)
@given(mean=st.floats(-2, 2), std=st.floats(0.1, 3), kk=st.integers(1, 60))
def test_finite_k_properties(mean, std, kk):
    # float64 path (dps <= 12), held against the mpmath path at one point per example
    b = spt.best_of_k(mean, std)
    e1 = b.expected_error(kk, dps=12)
    e2 = b.expected_error(kk + 1, dps=12)
    assert 0 < e2 < e1 <= (mean**2 + std**2) * (1 + 1e-12)
    # scale invariance: X = std Z, Z ~ N(mean/std, 1)
    unit = spt.best_of_k(mean / std, 1).expected_error(kk, dps=12)
    assert _close(e1, unit * std**2, 11)
    assert _close(e1, b.expected_error(kk, dps=14), 11)


def test_monte_carlo_agreement():
    # the simulation draws samples from the definition; z-scores of the exact quadrature
    for (mean, std, kk, seed) in [(0.3, 1.0, 8, 1), (1.0, 0.5, 32, 2), (0.0, 2.0, 3, 3)]:
        sim = spt.simulate.best_of_k(mean, std, kk, trials=4000, seeds=16, seed=seed)
        theory = float(spt.best_of_k(mean, std).expected_error(kk, dps=10))
        z = (float(sim.error.mean) - theory) / float(sim.error.stderr)
        assert abs(z) <= 4, (mean, std, kk, z)


def test_simulation_is_seeded_and_checks_arguments():
    a = spt.simulate.best_of_k(0.2, 1.0, 5, trials=100, seeds=4, seed=7)
    b = spt.simulate.best_of_k(0.2, 1.0, 5, trials=100, seeds=4, seed=7)
    assert np.array_equal(a.samples["error"], b.samples["error"])
    with pytest.raises(ParameterError, match="`std`"):
        spt.simulate.best_of_k(0, 0, 5)
    with pytest.raises(ParameterError, match="`k`"):
        spt.simulate.best_of_k(0, 1, 2.5)


# --- invalid inputs and failures ------------------------------------------------------------------

@pytest.mark.parametrize("std", [0, -1.0, float("nan"), float("inf"), "1"])
def test_std_must_be_positive(std):
    with pytest.raises(ParameterError, match="`std`"):
        spt.best_of_k(0, std)


def test_mean_must_be_finite():
    with pytest.raises(ParameterError, match="`mean`"):
        spt.best_of_k(float("nan"), 1)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, None, "3"])
def test_k_must_be_a_positive_integer(bad):
    with pytest.raises(ParameterError, match="`k`"):
        spt.best_of_k(0, 1).expected_error(bad)


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_dps_must_be_a_positive_integer(bad):
    b = spt.best_of_k(0, 1)
    with pytest.raises(ParameterError, match="`dps`"):
        b.expected_error(3, dps=bad)
    with pytest.raises(ParameterError, match="`dps`"):
        b.leading_coefficient(dps=bad)


def test_unreachable_digits_raise_convergence_error():
    b = spt.best_of_k(0.2, 1)
    ks = [10, 20, 30, 40]
    values = [b.expected_error(kk, dps=10) for kk in ks]
    with pytest.raises(ConvergenceError) as info:
        highprec.asymptotic_coefficients(values, ks, power=2, dps=15)
    assert info.value.iterations == 4 and info.value.residual > 1e-15
    with pytest.raises(ParameterError, match="`method`"):
        b.leading_coefficient(method="guess")
