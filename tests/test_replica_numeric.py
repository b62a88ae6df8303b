"""Replica engine, numeric checks: the compiled solvers against independent mpmath solutions
of the textbook equations, known limits, critical points (folds, entropy zeros), backends,
property tests, invalid inputs and non-convergence."""

import time

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddlepoint import replica
from saddlepoint.errors import ConvergenceError, ParameterError

SQ2 = mpmath.sqrt(2)


def H_mp(x):
    return mpmath.erfc(x / SQ2) / 2


def gibbs_overlap_mp(alpha, guess):
    """Engel & Van den Broeck (2001) eq. (2.42), solved independently with mpmath:
    R / sqrt(1 - R) = (alpha/pi) int Dt exp(-R t^2/2) / H(-sqrt(R) t)."""
    with mpmath.workdps(20):
        rhs = lambda R: alpha / mpmath.pi * mpmath.quad(
            lambda t: mpmath.npdf(t) * mpmath.exp(-R * t * t / 2) / H_mp(-mpmath.sqrt(R) * t), [-mpmath.inf, 0, mpmath.inf])
        return mpmath.findroot(lambda R: R / mpmath.sqrt(1 - R) - rhs(R), mpmath.mpf(guess))


@pytest.fixture(scope="module")
def gibbs():
    return replica.teacher_student_perceptron("gibbs").solver()


@pytest.fixture(scope="module")
def bayes():
    return replica.teacher_student_perceptron("bayes").solver()


@pytest.fixture(scope="module")
def hopfield0():
    return replica.hopfield(temperature=0)


def test_teacher_student_gibbs_against_textbook_equation(gibbs):
    alphas = np.array([0.5, 20.0])
    sol = gibbs(alpha=alphas)
    for al, R, eps in zip(alphas, sol.R, sol.generalization_error):
        ref = gibbs_overlap_mp(al, R)
        assert abs(R - float(ref.real)) < 1e-10
        assert abs(eps - np.arccos(R) / np.pi) < 1e-15


def test_teacher_student_bayes_is_nishimori_and_textbook(gibbs, bayes):
    # Bayes-optimal q equals the Gibbs overlap R (Nishimori), and eps_Bayes = arccos(sqrt R)/pi
    # (Engel & Van den Broeck sec. 3.6)
    alphas = np.array([0.5, 1.0, 5.0, 50.0])
    g, b = gibbs(alpha=alphas), bayes(alpha=alphas)
    assert np.allclose(b.q, g.R, rtol=0, atol=1e-11)
    ref = [float(mpmath.acos(mpmath.sqrt(gibbs_overlap_mp(al, R).real)) / mpmath.pi) for al, R in zip(alphas[:2], g.R[:2])]
    assert np.allclose(b.generalization_error[:2], ref, rtol=0, atol=1e-10)
    assert np.all(b.generalization_error < g.generalization_error)


def test_limits_small_and_large_alpha(gibbs, bayes):
    # alpha -> 0: R ~ 2 alpha/pi (eq. (2.42) at R -> 0: R = (alpha/pi) int Dt / H(0)); eps -> 1/2
    sol = gibbs(alpha=1e-4)
    assert abs(sol.R / 1e-4 - 2 / np.pi) < 1e-3
    assert abs(sol.generalization_error - 0.5) < 1e-4
    # alpha -> oo: alpha eps -> 0.6247 (Gibbs), 0.4417 (Bayes) (coefficients from the symbolic asymptote)
    big = 2000.0
    assert abs(big * gibbs(alpha=big).generalization_error - 0.62466) < 2e-3
    assert abs(big * bayes(alpha=big).generalization_error - 0.44170) < 2e-3


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(min_value=0.01, max_value=300.0))
def test_teacher_student_property(gibbs, alpha):
    sol = gibbs(alpha=[alpha, alpha * 1.1])
    assert sol.converged.all() and np.all((0 < sol.R) & (sol.R < 1))
    assert sol.generalization_error[1] < sol.generalization_error[0]     # learning helps
    assert np.all(sol.residual <= 1e-9)


def test_vectorised_sweep_is_fast(gibbs):
    alphas = np.linspace(0.1, 50, 100)
    gibbs(alpha=1.0)  # compiled already; warm
    t0 = time.perf_counter()
    sol = gibbs(alpha=alphas)
    elapsed = time.perf_counter() - t0
    assert sol.converged.all()
    assert elapsed < 1.5, f"100-point sweep took {elapsed:.2f} s"


def test_codegen_reproduces_teacher_student(gibbs):
    namespace = {}
    exec(compile(gibbs.to_source(), "<generated>", "exec"), namespace)   # our own generated text
    out = namespace["solve"](alpha=[0.7, 7.0])
    assert np.array_equal(out["generalization_error"], gibbs(alpha=[0.7, 7.0]).generalization_error)


@pytest.fixture(scope="module")
def ising():
    return replica.ising_perceptron().solver()


def test_ising_perceptron_at_line(ising):
    # de Almeida-Thouless: RS is stable at the entropy zero and loses stability at
    # alpha_AT ~ 1.015 (Gardner & Derrida 1988, kappa = 0)
    assert ising(alpha=0.833).at_stability > 0
    point = ising.solve_for("alpha", at_stability=0, bracket=(0.8, 1.3))
    assert abs(float(point) - 1.015) < 1e-3


def test_ising_perceptron_entropy_vanishes_at_krauth_mezard(ising):
    s = ising
    point = s.solve_for("alpha", entropy=0)
    # Krauth & Mezard (1989): the RS entropy vanishes at alpha ~ 0.833
    assert abs(float(point) - 0.833) < 1e-3
    # independently, with mpmath: the RS entropy and both equations at the point found
    al, q, qh = (mpmath.mpf(float(v)) for v in (point.alpha, point.q, point.q_hat))
    with mpmath.workdps(25):
        x = lambda t: -mpmath.sqrt(q) * t / mpmath.sqrt(1 - q)
        avg = lambda f: mpmath.quad(lambda t: f(t) * mpmath.npdf(t), [-mpmath.inf, 0, mpmath.inf])
        entropy = -qh * (1 - q) / 2 + avg(lambda z: mpmath.log(2 * mpmath.cosh(mpmath.sqrt(qh) * z))) \
            + al * avg(lambda t: mpmath.log(H_mp(x(t))))
        q_eq = avg(lambda z: mpmath.tanh(mpmath.sqrt(qh) * z) ** 2) - q
        mills = lambda y: mpmath.npdf(y) / H_mp(y)
        qh_eq = al / (1 - q) * avg(lambda t: mills(x(t)) ** 2) - qh     # Gardner & Derrida (1988)
        assert abs(entropy) < 1e-10 and abs(q_eq) < 1e-10 and abs(qh_eq) < 1e-9


def ags_fold_mp(dps):
    """AGS T = 0 reduced to y = m/sqrt(2 alpha r): alpha(y) = (erf y - 2y e^{-y^2}/sqrt(pi))^2 / (2 y^2);
    the retrieval spinodal alpha_c is its maximum (Amit, Gutfreund & Sompolinsky 1987, sec. 4)."""
    with mpmath.workdps(dps):
        alpha = lambda y: (mpmath.erf(y) - 2 * y * mpmath.exp(-y * y) / mpmath.sqrt(mpmath.pi)) ** 2 / (2 * y * y)
        y = mpmath.findroot(lambda y: mpmath.diff(alpha, y), 1.5)
        return alpha(y), mpmath.erf(y)


def test_hopfield_retrieval_spinodal(hopfield0):
    point = hopfield0.solver().critical("alpha")
    # AGS (1985, 1987): alpha_c ~ 0.138, m ~ 0.967 there
    assert abs(float(point) - 0.138) < 5e-4 and abs(point.m - 0.967) < 5e-4
    alpha_c, m_c = ags_fold_mp(30)
    assert abs(float(point) - float(alpha_c)) < 1e-9 and abs(point.m - float(m_c)) < 1e-6
    # mpmath backend: the same fold to 25 digits
    hp = hopfield0.solver(backend="mpmath", dps=30).critical("alpha")
    alpha_c, m_c = ags_fold_mp(40)
    assert abs(hp.alpha - alpha_c) < mpmath.mpf(10) ** -25
    assert abs(hp.m - m_c) < mpmath.mpf(10) ** -12   # m is sqrt-sensitive at a fold


def test_hopfield_numpy_vs_mpmath_and_branch(hopfield0):
    alphas = [0.02, 0.1, 0.137]
    a = hopfield0.solver()(alpha=alphas)
    b = hopfield0.solver(backend="mpmath", dps=30)(alpha=alphas)
    for k in ("m", "C", "r"):
        assert np.allclose(a[k], [float(v) for v in b[k]], rtol=1e-12, atol=0)
    assert np.all(a.m > 0.96)      # the retrieval branch, not m = 0
    # beyond the spinodal there is no retrieval solution: reported, never a silent NaN
    with pytest.raises(ConvergenceError) as err:
        hopfield0.solver()(alpha=0.2)
    assert err.value.point == {"alpha": 0.2} and err.value.iterations is not None
    marked = hopfield0.solver()(alpha=[0.1, 0.2], on_failure="mark")
    assert marked.converged.tolist() == [True, False]


def test_hopfield_finite_temperature_spinodal_line():
    s = replica.hopfield(temperature=None).solver()
    # T_M(alpha) -> 1 as alpha -> 0 (AGS 1987: the retrieval states appear below T = 1)
    # near alpha = 0, T_M = 1 - 1.95 sqrt(alpha) (AGS 1987, sec. 3)
    near_zero = s.critical("T", alpha=1e-3)
    assert abs(float(near_zero) - (1 - 1.95 * np.sqrt(1e-3))) < 2e-3
    # and ends at the T = 0 spinodal: T_M(alpha) -> 0 as alpha -> alpha_c(T = 0) = 0.13790...
    near_end = s.critical("T", alpha=0.1375, start=0.005)
    assert 0 < float(near_end) < 0.1
    assert abs(near_end.m - float(ags_fold_mp(20)[1])) < 0.01


def test_invalid_parameters(gibbs, hopfield0):
    with pytest.raises(ParameterError):
        gibbs(alpha=0)
    with pytest.raises(ParameterError):
        gibbs(alpha=-1.0)
    with pytest.raises(ParameterError):
        replica.hopfield(temperature=None).solver()(alpha=0.1, T=-0.1)
    with pytest.raises(ParameterError):
        gibbs.critical("beta")
    with pytest.raises(ParameterError):
        gibbs.solve_for("alpha", bracket=(1, 2))           # no target named


def test_non_convergence_is_reported():
    s = replica.teacher_student_perceptron("gibbs").solver(maxiter=1)
    with pytest.raises(ConvergenceError) as err:
        s(alpha=3.0)
    assert err.value.point == {"alpha": 3.0} and err.value.residual > 0
    sol = s(alpha=[3.0], on_failure="mark")
    assert not sol.converged.any()


def test_gardner_overlap_grows_to_one_at_capacity():
    s = replica.gardner(margin=0).solver()
    sol = s(alpha=[0.5, 1.0, 1.5, 1.9])
    assert sol.converged.all() and np.all(np.diff(sol.q) > 0) and sol.q[-1] > 0.9
    assert np.all(sol.alpha_c == 2.0)


def test_zero_temperature_limit_of_hopfield(hopfield0):
    finite = replica.hopfield(temperature=None)
    limit = finite.limit("T", 0)
    assert limit.unknown_names == ("m", "C", "r")
    # the finite-T solution approaches the T = 0 one, with C = beta (1 - q) (AGS 1987)
    T = 0.01
    hot = finite.solver()(alpha=0.1, T=T)
    cold = limit.solver()(alpha=0.1)
    assert abs(hot.m - cold.m) < 1e-3 and abs(hot.r - cold.r) < 1e-2
    assert abs((1 - hot.q) / T - cold.C) < 1e-2


def test_quadrature_numpy_against_mpmath():
    from saddlepoint.solvers import quadrature
    ns = quadrature.numpy_namespace()
    avg, log_H = ns["gaussian_average"], ns["_log_H"]
    # a sharp kink (beta = 50) off centre, and ln H at a large slope, against mpmath quad
    beta, m = 50.0, np.array([0.3, -1.2])
    got = avg(lambda z: np.log(2 * np.cosh(beta * (m + 0.7 * z))), -m / 0.7)
    got2 = avg(lambda z: log_H(30.0 * z), 0.0)
    with mpmath.workdps(30):
        for mi, g in zip(m, got):
            ref = quadrature.gaussian_average_mp(lambda z: mpmath.log(2 * mpmath.cosh(beta * (mi + 0.7 * z))), -mi / 0.7)
            assert abs(g - float(ref)) < 1e-12 * abs(float(ref))
        ref2 = quadrature.gaussian_average_mp(lambda z: mpmath.log(mpmath.erfc(30 * z / mpmath.sqrt(2)) / 2))
        assert abs(got2[0] - float(ref2)) < 1e-11 * abs(float(ref2))


def test_gibbs_finite_temperature_and_its_zero_temperature_limit(gibbs):
    from saddlepoint.derivations import symbols as S
    hot = replica.glm(replica.priors.Spherical(), replica.channels.Sign(), "gibbs", temperature=S.T)
    assert hot.parameter_names == ("alpha", "T") and hot.unknown_names == ("q", "R")
    sol = hot.solver()(alpha=[1.0, 5.0], T=[[0.05], [0.5]])
    cold = gibbs(alpha=[1.0, 5.0])
    # T = 0.05: the error-counting weight exp(-1/T) ~ 2e-9, so the T = 0 saddle point (q = R)
    assert np.allclose(sol.R[0], cold.R, atol=1e-7) and np.allclose(sol.q[0], cold.R, atol=1e-7)
    # heating loses overlap; the student spreads out (q < R is allowed away from T = 0)
    assert np.all(sol.R[1] < sol.R[0])
    assert hot.limit("T", 0).unknown_names == ("R",)


def test_gardner_numpy_against_mpmath_backend():
    de = replica.gardner(margin=0)
    fast = de.solver()(alpha=1.0)
    slow = de.solver(backend="mpmath", dps=20)(alpha=1.0)
    assert abs(fast.q - float(slow.q)) <= 1e-12 * float(slow.q)
    assert slow.residual <= 1e-19 and bool(slow.converged)


def test_bayes_linear_regression_gaussian_prior():
    # Gaussian prior, Gaussian channel y = w.x/sqrt(N) + sqrt(Delta) xi: the MMSE solves
    # mse^2 + (alpha + Delta - 1) mse - Delta = 0 (eliminate q_hat = alpha/(Delta + mse) from
    # q = q_hat/(1 + q_hat)); cross-checked below by the exact posterior covariance
    # (I + X^T X/(N Delta))^-1 of one large random design.
    delta, alphas = 0.1, np.array([0.5, 2.0, 5.0])
    de = replica.glm(replica.priors.Gaussian(), replica.channels.GaussianNoise(delta), "bayes")
    sol = de.solver()(alpha=alphas)
    closed = (-(alphas + delta - 1) + np.sqrt((alphas + delta - 1) ** 2 + 4 * delta)) / 2
    assert np.allclose(sol.mse, closed, rtol=1e-12, atol=0)
    rng = np.random.default_rng(0)
    N = 600
    X = rng.standard_normal((int(2.0 * N), N))
    ev = np.linalg.eigvalsh(X.T @ X / (N * delta))
    assert abs(np.mean(1 / (1 + ev)) - sol.mse[1]) < 0.01


def test_gauss_bernoulli_prior_reduces_to_gaussian_at_full_density():
    # density 1 is the N(0, 1) prior: the same MMSE as the closed form above
    delta, alphas = 0.1, np.array([0.5, 2.0])
    dense = replica.glm(replica.priors.GaussBernoulli(1), replica.channels.GaussianNoise(delta), "bayes")
    closed = (-(alphas + delta - 1) + np.sqrt((alphas + delta - 1) ** 2 + 4 * delta)) / 2
    assert np.allclose(dense.solver()(alpha=alphas).mse, closed, rtol=1e-10, atol=0)
    # sparse signal (density 0.3, rho = 0.3): the MMSE starts at rho and decreases with alpha
    sparse = replica.glm(replica.priors.GaussBernoulli(0.3), replica.channels.GaussianNoise(0.01), "bayes")
    mse = sparse.solver()(alpha=[0.01, 0.2, 0.5, 1.0, 2.0]).mse
    assert abs(mse[0] - 0.3) < 0.01 and np.all(np.diff(mse) < 0)


def test_gaussian_average_evalf_is_finite_in_the_far_tail():
    """evalf of a free entropy whose integrand is 0 * ln H(large) in a tail: was nan when ln H was
    rewritten through erfc(-u) = 2 - erfc(u) (the factor cancelled to an exact 0 next to log 0).
    Reference: the compiled numpy solver's own free_entropy at its solution (independent code path)."""
    import sympy as sp
    from saddlepoint import replica
    from saddlepoint.derivations import symbols as S
    m = replica.teacher_student_perceptron("gibbs")
    value = m.free_entropy.subs({S.R: sp.Rational(3, 5), S.alpha: 1}).evalf(30)
    assert value.is_finite and value.is_real
    sol = m.solver()(alpha=1.0)
    at_solution = m.free_entropy.subs({S.R: sp.Float(float(sol.R), 30), S.alpha: 1}).evalf(20)
    assert abs(float(at_solution) - float(sol.free_entropy)) < 1e-10


@pytest.mark.parametrize("T,alpha", [(0.02, 0.12), (0.002, 0.1)])
def test_hopfield_low_temperature_free_energy_is_finite_and_exact(T, alpha):
    """ln 2cosh(beta(m + sqrt(alpha r) z)) overflowed at the outer nodes for beta |.| > 710 (the
    free energy came out -inf, marked converged) and its kink at z = -m/sqrt(alpha r), width
    T/sqrt(alpha r), went unrefined (1e-6 errors at T = 0.02). The numpy solution's free energy
    against the mpmath backend's observables (tanh-sinh, split at the kink) at the same point."""
    import mpmath
    de = replica.hopfield(temperature=T)
    sol = de.solver()(alpha=alpha)
    mp = de.solver(backend="mpmath", dps=20)
    with mpmath.workdps(25):
        values = [mpmath.mpf(float(sol[k])) for k in de.unknown_names]
        ref = mp._mp["fns"]["observables"](mpmath.mpf(alpha), *values)
    index = list(de.observables).index("free_entropy")
    assert np.isfinite(float(sol.free_entropy))
    assert abs(float(sol.free_entropy) - float(ref[index])) < 1e-12 * abs(float(ref[index]))


def test_hopfield_free_entropy_is_minus_the_free_energy_at_every_temperature():
    """Phi = -f at T = 0 and at T > 0 (the finite-T model used to report +f as its free
    entropy, flipping sign across limit("T", 0)); Phi(T) -> Phi(0) as T -> 0."""
    zero = replica.hopfield(temperature=0).solver()(alpha=0.1)
    values = []
    for T in (0.05, 0.01, 0.002):
        sol = replica.hopfield(temperature=T).solver()(alpha=0.1)
        assert float(sol.free_entropy) == -float(sol.free_energy)
        values.append(float(sol.free_entropy))
    assert float(zero.free_entropy) == -float(zero.free_energy) > 0
    gaps = np.abs(np.array(values) - float(zero.free_entropy))
    assert gaps[2] < gaps[1] < gaps[0] and gaps[2] < 1e-6, gaps
