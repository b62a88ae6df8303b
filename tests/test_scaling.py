"""Scaling exponents of power-law ridge regression and compute-optimal allocation.

Three kinds of checks:
* symbolic: the derived exponents against the closed forms stated by Cui, Loureiro, Krzakala &
  Zdeborova (2021), "Generalization error rates in kernel regression: the crossover from the
  noiseless to noisy regime" (NeurIPS 2021; Sec. 1 summary and Fig. 1: noiseless rate
  2 min(ell, alpha) min(r, 1); noisy min(2 ell min(r,1), 1 - ell/alpha) below ell = alpha and no
  decay above; the crossover line ell = alpha/(1 + 2 alpha min(r, 1))), and the classical optimal
  rate 2 alpha r/(1 + 2 alpha r) (Caponnetto & De Vito 2007, Optimal rates for the regularized
  least-squares algorithm, Found. Comput. Math. 7);
* numeric: the asymptotic expansions against the Euler-Maclaurin kernel `powerlaw_sum` and
  mpmath, the rates and their constants against the compiled d = infinity ridge solver
  (slope fits of log excess_risk over n = 1e4 .. 1e8), the crossover n* located numerically;
* compute-optimal exponents against brute-force minimisation over a grid.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy

import saddlepoint as spt
from saddlepoint import ParameterError, DerivationError
from saddlepoint import scaling
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.asymptotics import power_tail_asymptotics, powerlaw_sum_asymptotics
from saddlepoint.solvers.spectral import powerlaw_sum

oo = sympy.oo
half, quarter = sympy.Rational(1, 2), sympy.Rational(1, 4)


# ---------------------------------------------------------------------------------------------
# asymptotics of the spectral sums
# ---------------------------------------------------------------------------------------------

# (a, alpha, b): divergent (s > 0), marginal (s = 0), -1 < s < 0, s = -1 (log in the next term), s < -1
SUM_CASES = [(2, 2, 1), (3, 1.5, 2), (3, 2, 1), (4.5, 2, 1), (5, 2, 1), (6, 2, 1), (3.5, 2, 2)]


@pytest.mark.parametrize("a, alpha, b", SUM_CASES)
def test_sum_asymptotics_against_euler_maclaurin(a, alpha, b):
    """Leading term: ratio -> 1; two terms: the remainder is much smaller than the next term;
    the relative error of the leading term shrinks like kappa^relative_order."""
    res = powerlaw_sum_asymptotics(a, alpha, b)
    kappas = [1e-5, 1e-7]
    lead_err, two_err = [], []
    for k in kappas:
        exact = float(powerlaw_sum(k, a, alpha, b))
        lead = float(res.leading.subs(S.kappa, k))
        nxt = float(res.next_term.subs(S.kappa, k))
        lead_err.append(exact / lead - 1)
        two_err.append(abs((exact - lead - nxt) / nxt))
    assert abs(lead_err[-1]) < 0.1
    assert abs(lead_err[-1]) < abs(lead_err[0])
    assert max(two_err) < 0.05          # the next term is right (remainder is higher order)
    if res.log != sympy.true and res.relative_order < 1:   # pure power correction: measure it
        rate = math.log(abs(lead_err[0] / lead_err[1])) / math.log(kappas[0] / kappas[1])
        assert rate == pytest.approx(float(res.relative_order), abs=0.02)


def test_sum_asymptotics_symbolic_constants():
    """The divergent constant is the Beta integral B(s, b - s)/alpha, exactly."""
    a, alpha, b = sympy.symbols("a alpha b", positive=True)
    res = powerlaw_sum_asymptotics(a, alpha, b)
    s = (1 - a + alpha * b) / alpha
    assert sympy.simplify(res.s - s) == 0
    divergent = [v for v, c in res.coefficient.args if c == (s > 0)][0]
    assert sympy.simplify(sympy.gammasimp(divergent - sympy.gamma(s) * sympy.gamma(b - s) / (alpha * sympy.gamma(b)))) == 0
    # the integral-approximation step agrees with SymPy's integrate on a numeric case
    num = powerlaw_sum_asymptotics(3, sympy.Rational(3, 2), 2)
    integral = [st.expr.rhs for st in num.steps if isinstance(st.expr, sympy.Eq) and st.expr.lhs == sympy.Symbol("C")][0]
    assert sympy.simplify(integral.doit() - num.coefficient) == 0
    # df1 of alpha = 2 is (pi/2) kappa^(-1/2): B(1/2, 1/2)/2
    assert powerlaw_sum_asymptotics(2, 2, 1).coefficient == sympy.pi / 2


def test_power_tail_against_mpmath():
    p = 2.2
    tail = power_tail_asymptotics(p)
    x = sympy.Symbol("x", positive=True)
    for d in (10**3, 10**5):
        exact = mpmath.zeta(p, d + 1)   # sum_{k > d} k^-p (Hurwitz zeta)
        assert float(exact / tail.subs(x, d)) == pytest.approx(1, abs=2 / d)


def test_sum_asymptotics_invalid():
    with pytest.raises(ParameterError):
        powerlaw_sum_asymptotics(1, 2, 1)        # sum k^-1 diverges
    with pytest.raises(ParameterError):
        powerlaw_sum_asymptotics(2, 0, 1)
    with pytest.raises(ParameterError):
        powerlaw_sum_asymptotics(2, 2, -1)
    with pytest.raises(ParameterError):
        power_tail_asymptotics(1)


# ---------------------------------------------------------------------------------------------
# the phase diagram, symbolically
# ---------------------------------------------------------------------------------------------

def _cui_noiseless(alpha, r, ell):
    return 2 * sympy.Min(ell, alpha) * sympy.Min(r, 1)


def _cui_noisy(alpha, r, ell):
    return sympy.Min(_cui_noiseless(alpha, r, ell), sympy.Max(0, 1 - sympy.Min(ell, alpha) / alpha))


GRID = [(alpha, r, ell) for alpha in (sympy.Rational(3, 2), 2, 3)
        for r in (sympy.Rational(1, 5), sympy.Rational(7, 10), 2)
        for ell in (sympy.Rational(1, 4), sympy.Rational(4, 5), sympy.Rational(5, 2), 4, oo)]


def test_symbolic_rate_matches_cui_et_al():
    """The Piecewise derived for symbolic (alpha, r, ell) equals the paper's closed forms at every
    grid point off the boundaries (exact rationals)."""
    alpha, r, ell = scaling.alpha_sym, scaling.r_sym, scaling.ell_sym
    noisy = spt.scaling.krr_rate(alpha, r, ell)
    noiseless = spt.scaling.krr_rate(alpha, r, ell, noisy=False)
    assert isinstance(noiseless, sympy.Piecewise)
    for a, rr, ll in GRID:
        point = {alpha: a, r: rr, ell: ll}
        assert noiseless.subs(point) == _cui_noiseless(a, rr, ll)
        assert noisy.subs(point) == _cui_noisy(a, rr, ll)


@pytest.mark.parametrize("a, rr, ll", GRID[::4])
def test_numeric_inputs_give_the_same_rate(a, rr, ll):
    assert spt.scaling.krr_rate(a, rr, ll) == _cui_noisy(a, rr, ll)
    assert spt.scaling.krr_rate(a, rr, ll, noisy=False) == _cui_noiseless(a, rr, ll)


def test_optimal_ridge_exponent():
    alpha, r = scaling.alpha_sym, scaling.r_sym
    opt = spt.scaling.optimal_ridge_exponent(alpha, r)
    ell_star = opt.ell.args[0][0]
    assert opt.ell.args[0][1] == (r < 1)
    assert sympy.simplify(ell_star - alpha / (1 + 2 * alpha * r)) == 0
    assert sympy.simplify(opt.rate.args[0][0] - 2 * alpha * r / (1 + 2 * alpha * r)) == 0
    assert sympy.simplify(opt.rate.args[1][0] - 2 * alpha / (1 + 2 * alpha)) == 0      # r >= 1 saturates
    assert opt.unique
    # the optimum lies on the crossover line, where bias and variance rates are equal
    assert spt.scaling.krr_rate(2, half, sympy.Rational(2, 3)) == sympy.Rational(2, 3)
    noiseless = spt.scaling.optimal_ridge_exponent(2, quarter, noisy=False)
    assert (noiseless.ell, noiseless.rate, noiseless.unique) == (2, 1, False)
    # the optimum beats nearby ridges
    for ell in (sympy.Rational(1, 2), sympy.Rational(5, 6)):
        assert spt.scaling.krr_rate(2, half, ell) < sympy.Rational(2, 3)


def test_phase_diagram_partitions_the_plane():
    """At every point exactly one region holds, with the rate krr_rate gives."""
    rng = np.random.default_rng(3)
    for noisy in (True, False):
        regions = spt.scaling.phase_diagram(noisy=noisy, alpha=2)
        for _ in range(25):
            r = sympy.Rational(int(rng.integers(1, 300)), 100)
            ell = sympy.Rational(int(rng.integers(0, 500)), 100)
            point = {scaling.r_sym: r, scaling.ell_sym: ell}
            holding = [reg for reg in regions if reg.condition.subs(point) == sympy.true]
            assert len(holding) == 1, (r, ell, holding)
            closed = _cui_noisy(2, r, ell) if noisy else _cui_noiseless(2, r, ell)
            assert holding[0].rate.subs(point) == closed


def test_phase_diagram_noisy_regions_symbolic_alpha():
    regions = spt.scaling.phase_diagram(noisy=True)
    alpha, r, ell = scaling.alpha_sym, scaling.r_sym, scaling.ell_sym
    bias = [reg for reg in regions if reg.dominant == "bias" and reg.condition.has(r < 1)]
    assert len(bias) == 1 and bias[0].rate == 2 * ell * r
    assert bias[0].condition.has(ell < alpha / (2 * alpha * r + 1))     # Cui et al.'s crossover line
    assert [reg.rate for reg in regions if reg.kappa == "samples"] == [0]


# ---------------------------------------------------------------------------------------------
# against the numeric solver (d = infinity)
# ---------------------------------------------------------------------------------------------

# (alpha, r, ell, noisy): one point well inside each region
REGIMES = [
    (2, 0.3, 1, False),        # ridge-limited bias, r < 1: 2 ell r = 0.6
    (3, 2, 1, False),          # ridge-limited bias, saturated r > 1: 2 ell = 2
    (2, 0.5, oo, False),       # ridgeless, r < 1: 2 alpha r = 2
    (2.5, 1.5, oo, False),     # ridgeless, saturated: 2 alpha = 5
    (2, 0.3, 3, False),        # ell > alpha behaves as ridgeless: 1.2
    (2, 0.25, 0.3, True),      # noisy, bias dominated: 2 ell r = 0.15 (variance 0.85)
    (2, 0.5, 1.5, True),       # noisy, variance dominated: 1 - ell/alpha = 0.25 (bias 1.5)
    (2, 0.3, 3, True),         # noisy, ell > alpha: no decay
]


@pytest.mark.parametrize("alpha, r, ell, noisy", REGIMES)
def test_rate_and_constant_against_solver(alpha, r, ell, noisy):
    sc = spt.scaling.ridge_scaling(alpha, r, ell)
    rate = float(spt.scaling.krr_rate(alpha, r, ell, noisy=noisy))
    n = np.logspace(4, 8, 9)
    lam = np.zeros_like(n) if ell == oo else n ** -float(ell)
    sigma2 = 1.0 if noisy else 0.0
    sol = spt.ridge(spt.PowerLaw(alpha, 1 + 2 * alpha * r)).solver()(lam=lam, n=n, sigma2=sigma2)
    assert np.all(sol.converged)
    slope = -np.polyfit(np.log(n[-5:]), np.log(sol.excess_risk[-5:]), 1)[0]
    assert slope == pytest.approx(rate, abs=0.01)
    # leading constants too: bias B n^-e_b + sigma2 V n^-e_v, relative error shrinking with n
    pred = float(sc.bias_coefficient) * n ** -float(sc.bias_exponent) \
        + sigma2 * float(sc.variance_coefficient) * n ** -float(sc.variance_exponent)
    err = np.abs(sol.excess_risk / pred - 1)
    assert err[-1] < 1e-3 and err[-1] < err[0]


@pytest.mark.parametrize("alpha, r, ell", [(2, 0.5, oo), (2, 0.5, 1.5), (2, 0.5, 2)])
def test_crossover_location(alpha, r, ell):
    """n* where bias = variance, found on a fine grid of the solver, against the prediction
    (ell = alpha: the boundary balance, where lam and the samples set kappa together)."""
    cross = spt.scaling.crossover(alpha, r, ell)
    assert cross.noiseless_rate > cross.noisy_rate
    n = np.logspace(2, 10, 801)
    lam = np.zeros_like(n) if ell == oo else n ** -float(ell)
    sol = spt.ridge(spt.PowerLaw(alpha, 1 + 2 * alpha * r)).solver()(lam=lam, n=n, sigma2=1.0)
    sigma2s = np.array([1e-6, 1e-8, 1e-10])
    measured, ratio = [], []
    for s2 in sigma2s:
        gap = np.log(sol.bias) - np.log(s2 * sol.variance)
        i = np.flatnonzero(np.diff(np.sign(gap)))[0]
        logn = np.log(n[i]) - gap[i] * (np.log(n[i + 1] / n[i])) / (gap[i + 1] - gap[i])
        measured.append(logn)
        ratio.append(math.exp(logn) / float(cross.n_star.subs(S.sigma2, s2)))
    assert abs(ratio[-1] - 1) < 0.03 and abs(ratio[-1] - 1) < abs(ratio[0] - 1) + 1e-6
    slope = np.polyfit(0.5 * np.log(sigma2s), measured, 1)[0]     # d log n*/d log sigma
    assert slope == pytest.approx(float(cross.sigma_exponent), abs=0.03)


def test_crossover_symbolic_ridgeless():
    """Ridgeless: n* ~ sigma^(-1/(alpha min(r,1))) (bias n^(-2 alpha r) against a constant variance)."""
    alpha = 3
    for r in (quarter, half):
        assert spt.scaling.crossover(alpha, r, oo).sigma_exponent == -1 / (alpha * r)


# ---------------------------------------------------------------------------------------------
# compute-optimal allocation
# ---------------------------------------------------------------------------------------------

def test_compute_optimal_symbolic():
    N, t, C, a, b, p, s, c = sympy.symbols("N t C a b p s c", positive=True)
    res = spt.scaling.compute_optimal(a * N**-p + b * t**-s + c, N, t, C)
    assert sympy.simplify(res.N_exponent - s / (p + s)) == 0
    assert sympy.simplify(res.t_exponent - p / (p + s)) == 0
    assert sympy.simplify(res.loss_exponent - p * s / (p + s)) == 0
    assert sympy.simplify(res.N_opt * res.t_opt - C) == 0
    # the Lagrange condition: the marginal gains of N and t balance, p a N^-p = s b t^-s
    balance = sympy.log(p * a * res.N_opt**-p) - sympy.log(s * b * res.t_opt**-s)
    assert sympy.simplify(sympy.expand_log(balance, force=True)) == 0


@pytest.mark.parametrize("coeffs", [(3.0, 0.5, 2.0, 0.3, 0.2), (1.0, 0.34, 5.0, 0.28, 1.7)])
def test_compute_optimal_against_brute_force(coeffs):
    a, p, b, s, c = coeffs
    N, t, C = sympy.symbols("N t C", positive=True)
    exact = lambda v: sympy.Rational(repr(v))
    loss = exact(a) * N ** -exact(p) + exact(b) * t ** -exact(s) + exact(c)
    res = spt.scaling.compute_optimal(loss, N, t, C)
    budgets = np.logspace(6, 14, 5)
    n_num, l_num, (slope_n, slope_l) = spt.scaling.numeric_compute_optimal(loss, N, t, budgets)
    assert slope_n == pytest.approx(float(res.N_exponent), abs=1e-4)
    assert slope_l == pytest.approx(float(res.loss_exponent), abs=1e-4)
    n_pred = np.array([float(res.N_opt.subs(C, x)) for x in budgets])
    np.testing.assert_allclose(n_num, n_pred, rtol=1e-4)


def test_ridge_compute_optimal():
    """Model size d (unseen tail ~ d^(-2 alpha r)) against samples n (noiseless rate)."""
    res = spt.scaling.ridge_compute_optimal(2, half)              # ridgeless: both exponents 2
    assert (res.N_exponent, res.t_exponent, res.loss_exponent) == (half, half, 1)
    res = spt.scaling.ridge_compute_optimal(2, quarter, 1)       # data rate 2 ell r = 1/2, size rate 1
    assert (res.N_exponent, res.loss_exponent) == (sympy.Rational(1, 3), sympy.Rational(1, 3))


def test_ridge_compute_optimal_against_finite_d_model():
    """The whole loss of a d-feature ridge on the infinite power-law target, from the finite-d
    deterministic equivalent (the unseen modes k > d act as label noise of variance
    T_d = sum_{k>d} t_k, and add T_d to the risk), minimised over d at fixed C = n d, against
    the exponents fed into compute_optimal: d* ~ C^(1/3), L* ~ C^(-2/3) at alpha = 2, r = 1/2,
    lam = n^-1 (away from the interpolation peak, which ell < alpha avoids)."""
    alpha, r, ell = 2, half, 1
    beta = 1 + 2 * alpha * r
    pred = spt.scaling.ridge_compute_optimal(alpha, r, ell)
    budgets = np.array([1e6, 1e8])
    ds = np.unique(np.round(np.geomspace(40, 1200, 16)).astype(int))
    loss = np.empty((len(ds), len(budgets)))
    for i, d in enumerate(ds):
        tail = float(mpmath.zeta(beta, d + 1))          # sum_{k > d} k^-beta (Hurwitz zeta)
        n = budgets / d
        sol = spt.ridge(spt.PowerLaw(alpha, beta, d=int(d))).solver()(lam=n ** -float(ell), n=n, sigma2=tail)
        loss[i] = sol.excess_risk + tail
    d_star, l_star = [], []
    for j in range(len(budgets)):                        # parabola in log-log through the grid minimum
        b = min(max(int(np.argmin(loss[:, j])), 1), len(ds) - 2)
        fit = np.polyfit(np.log(ds[b - 1:b + 2]), np.log(loss[b - 1:b + 2, j]), 2)
        x = -fit[1] / (2 * fit[0])
        d_star.append(x)
        l_star.append(np.polyval(fit, x))
    span = math.log(budgets[1] / budgets[0])
    assert (d_star[1] - d_star[0]) / span == pytest.approx(float(pred.N_exponent), abs=0.02)
    assert -(l_star[1] - l_star[0]) / span == pytest.approx(float(pred.loss_exponent), abs=0.02)


def test_compute_optimal_rejects_non_power_laws():
    N, t, C = sympy.symbols("N t C", positive=True)
    with pytest.raises(DerivationError):
        spt.scaling.compute_optimal(N**-1 * t**-1, N, t, C)
    with pytest.raises(DerivationError):
        spt.scaling.compute_optimal(sympy.exp(-N) + t**-1, N, t, C)


# ---------------------------------------------------------------------------------------------
# invalid inputs
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alpha, r, ell, name", [
    (1, 0.5, 1, "alpha"), (0.5, 0.5, 1, "alpha"), (2, -0.1, 1, "r"), (2, 0, 1, "r"),
    (2, 0.5, -1, "ell"), (float("nan"), 0.5, 1, "alpha"), (2, oo, 1, "r"),
])
def test_invalid_parameters(alpha, r, ell, name):
    with pytest.raises(ParameterError) as err:
        spt.scaling.krr_rate(alpha, r, ell)
    assert err.value.parameter == name


def test_crossover_invalid():
    with pytest.raises(ParameterError) as err:
        spt.scaling.crossover(2, half, sympy.Rational(1, 2))    # below the crossover line: bias wins forever
    assert err.value.parameter == "ell"
    with pytest.raises(ParameterError):
        spt.scaling.crossover(2, 1, oo)                          # r = 1: log(n) in the bias
    with pytest.raises(ParameterError):
        spt.scaling.crossover(2, half, oo, sigma2=0)
