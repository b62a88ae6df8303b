"""Hinge and logistic ERM on the Gaussian covariate model converge from a cold scalar call on
their whole documented domain: alpha in (0, 20], lam in [1e-3, 10], noise in [0, 1], isotropic
features and the two-atom covariance of ``tests/test_replica_erm.py``.

How: the model's initial guess, Newton (a component that would cross its domain's end goes 90%
of the way), and, where that fails (the noiseless hard-margin regime, where V grows like 1/lam),
continuation in lam from ``erm.CONTINUATION_START`` (``roots._continuation_solve``). That the
branch reached is the physical one is checked against the hard-margin SVM (``max_margin``
solved independently), against a simulation, and by invariants of every drawn point.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlepoint import replica
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.replica import erm
from saddlepoint.errors import ParameterError
from saddlepoint.simulate import gaussian_covariate_erm

TWO_ATOMS = [(2.0, 0.5), (0.5, 0.5)]      # as in tests/test_replica_erm.py
Z_BOUND = 4.0


@pytest.fixture(scope="module")
def solvers():
    return {(loss, cov): replica.gaussian_covariate(loss, noise=S.noise,
                                                    covariance=TWO_ATOMS if cov == "two" else None).solver()
            for loss in ("hinge", "logistic") for cov in ("iso", "two")}


def _check_physical(sol, noise, rho=1.0):
    """Invariants of a converged ERM point: q, V > 0, m >= 0 with m^2 <= rho q (Cauchy-Schwarz on
    m = w.theta*/d), a non-trivial estimator 0 < eps_g < 1/2 never below the noise's own floor
    arccos(1/sqrt(1 + noise))/pi, and a non-negative train loss."""
    assert bool(sol.converged) and float(sol.residual) <= 1e-9
    m, q, V = float(sol.m), float(sol.q), float(sol.V)
    assert q > 0 and V > 0 and m >= 0 and m * m <= rho * q * (1 + 1e-12)
    floor = math.acos(1 / math.sqrt(1 + noise)) / math.pi
    assert floor - 1e-12 <= float(sol.generalization_error) < 0.5
    assert float(sol.train_loss) >= 0


@settings(max_examples=20, deadline=None, derandomize=True)
@given(alpha=st.floats(0.01, 20.0), log_lam=st.floats(-3.0, 1.0), noise=st.floats(0.0, 1.0),
       noiseless=st.booleans(), loss=st.sampled_from(["hinge", "logistic"]),
       cov=st.sampled_from(["iso", "two"]))
def test_cold_scalar_call_converges_on_the_domain(solvers, alpha, log_lam, noise, noiseless, loss, cov):
    # noiseless labels drawn half of the time: the hard-margin regime, where cold starts failed
    noise = 0.0 if noiseless else noise
    sol = solvers[loss, cov](alpha=alpha, lam=10.0 ** log_lam, noise=noise)
    _check_physical(sol, noise, rho=1.25 if cov == "two" else 1.0)


# points where Newton from the initial guess failed before (isotropic: 35/625 noiseless points
# with lam < 0.1, alpha > 3.5; grid continuation: alpha >= 9.8 at lam <= 0.013; two atoms: hinge
# at alpha = 6, lam <= 0.1; logistic with two atoms at alpha = 20, lam = 1; hinge at alpha = 0.05,
# lam = 10, where a truncated average started 40 standard deviations out)
PREVIOUSLY_FAILING = [("hinge", "iso", 8.0, 0.01), ("hinge", "iso", 9.8, 0.013), ("hinge", "iso", 20.0, 1e-3),
                      ("hinge", "iso", 3.5, 1e-3), ("hinge", "iso", 0.05, 10.0), ("hinge", "two", 6.0, 0.1),
                      ("hinge", "two", 6.0, 0.01), ("hinge", "two", 0.3, 10.0), ("logistic", "two", 20.0, 1.0)]


@pytest.mark.parametrize("loss, cov, alpha, lam", PREVIOUSLY_FAILING)
def test_previously_failing_points_converge_cold(solvers, loss, cov, alpha, lam):
    _check_physical(solvers[loss, cov](alpha=alpha, lam=lam, noise=0.0), 0.0, rho=1.25 if cov == "two" else 1.0)


@pytest.mark.parametrize("alpha", [8.0, 9.8])
def test_noiseless_hinge_at_small_lam_is_the_max_margin_svm(solvers, alpha):
    # below a threshold in lam the hinge minimiser is the hard-margin SVM (all dual multipliers
    # <= 1), solved independently by replica.max_margin_perceptron (checked there against
    # Gardner's maximal-stability equations in mpmath): equal to rounding, on the branch
    # that continuation reached
    mm = replica.max_margin_perceptron().solver()(alpha=alpha)
    h = solvers["hinge", "iso"](alpha=alpha, lam=1e-3, noise=0.0)
    assert abs(float(h.R) - float(mm.R)) < 1e-10
    assert abs(1 / math.sqrt(float(h.q)) - float(mm.kappa)) < 1e-10


def test_cold_call_equals_the_grid_path(solvers):
    # the scalar cold call and a lam-grid solved at once (warm starts from converged neighbours)
    # land on the same solution
    lams = np.geomspace(5.0, 0.01, 9)
    path = solvers["hinge", "iso"](alpha=8.0, lam=lams, noise=0.0)
    cold = solvers["hinge", "iso"](alpha=8.0, lam=0.01, noise=0.0)
    for k in ("m", "q", "V"):
        assert abs(float(path[k][-1]) - float(cold[k])) <= 1e-10 * abs(float(cold[k]))


def test_previously_failing_hinge_point_agrees_with_simulation(solvers):
    alpha, d, lam = 8.0, 100, 0.01
    th = solvers["hinge", "iso"](alpha=alpha, lam=lam, noise=0.0)
    sim = gaussian_covariate_erm("hinge", alpha=alpha, d=d, lam=lam, noise=0.0, seeds=6, seed=3, test_points=0)
    zs = {k: (getattr(sim, k).mean - float(th[k])) / getattr(sim, k).stderr
          for k in ("test_error", "m", "q", "train_loss")}
    print(f"\nhinge (alpha={alpha}, d={d}, lam={lam}, noiseless) z-scores:", {k: round(v, 2) for k, v in zs.items()})
    assert all(abs(v) <= Z_BOUND for v in zs.values()), zs


def test_continuation_hint_and_option(solvers):
    assert solvers["hinge", "iso"].continuation == (1, float(erm.CONTINUATION_START))
    de = replica.gaussian_covariate("logistic", noise=S.noise)
    assert de.solver(continuation=False).continuation is None
    with pytest.raises(ParameterError, match="continuation"):
        de.solver(continuation=("kappa", 1.0))


def test_hinge_average_forms_equal_the_envelope_exactly():
    # every alternative form the averages are computed from equals the hinge envelope (and the
    # train loss) on every interval: checked in exact rational arithmetic on a grid of (u, V)
    # crossing both kinks and both sides of the switch V = 1
    import sympy
    from saddlepoint.derivations.replica import losses
    hinge = losses.Hinge()
    u, V = sympy.Symbol("u", real=True), sympy.Symbol("V", positive=True)

    def evaluate(terms, at):
        total = 0
        for expr, lo, hi in terms:
            lo_v, hi_v = sympy.sympify(lo).subs(at), sympy.sympify(hi).subs(at)
            if lo_v <= at[u] <= hi_v:      # the kinks are C^1 (and the train loss continuous)
                total += sympy.sympify(expr).subs(at)
        return total

    for v in (sympy.Rational(1, 3), sympy.Rational(9, 10), sympy.Rational(3, 2), sympy.Integer(4)):
        for uu in [sympy.Rational(k, 4) for k in range(-20, 9)]:
            at = {u: uu, V: v}
            envelope = hinge.moreau(1, uu, v)
            train = hinge.value(1, hinge.proximal(1, uu, v))
            for forms, ref in ((hinge.average_forms(u, V), envelope), (hinge.average_train_forms(u, V), train)):
                chosen = [terms for selector, terms in forms if selector.subs(at) == 1]
                assert len(chosen) == 1 and sum(s.subs(at) for s, _ in forms) == 1
                for _, terms in forms:      # both forms are exact, not only the chosen one
                    assert evaluate(terms, at) == ref, (uu, v)
