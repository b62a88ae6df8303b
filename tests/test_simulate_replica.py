"""Tests of the replica-model simulations (perceptron, Hopfield, Gaussian covariate ERM).

Every check comes from the models' definitions or from exact finite-N results, never from the
replica theory: Cover's (1965) function counting, the annealed count of Ising solutions, the
Nishimori identity of the matched teacher--student perceptron, KKT conditions, closed-form ridge,
naive re-implementations of the documented random-number recipes, and fixed seeds.
"""

import itertools
import math
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import ndtr

from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.simulate import (capacity_crossing, fit_erm, gaussian_covariate_erm, gibbs_version_space,
                                  hopfield, max_stability, perceptron_capacity, perceptron_critical_load,
                                  ridge, teacher_student_perceptron)

Z_BOUND = 4.0


def cover_probability(P, N):
    """Cover (1965): P(P Gaussian patterns with random labels are separable through the origin)."""
    if P <= N:
        return Fraction(1)
    return Fraction(2 * sum(math.comb(P - 1, k) for k in range(N)), 2 ** P)


def storage_patterns(seed, k, P, N):
    """The documented recipe of perceptron.py: patterns and labels of seed index k."""
    child = np.random.SeedSequence(seed).spawn(k + 1)[k]
    pat, lab = child.spawn(2)
    xi = np.random.default_rng(pat).standard_normal((P, N))
    y = np.where(np.random.default_rng(lab).random(P) < 0.5, 1.0, -1.0)
    return xi, y


# ----------------------------------------------------------------------------- storage capacity

def test_feasible_fraction_matches_cover_counting():
    N, seeds = 10, 120
    alphas = np.array([0.8, 1.5, 1.8, 2.0, 2.2, 2.6])
    res = perceptron_capacity(alphas, N, seeds=seeds, seed=3)
    for a, f in zip(alphas, res.feasible.mean):
        p = float(cover_probability(int(round(a * N)), N))
        if p == 1.0:
            assert f == 1.0
            continue
        z = (f - p) / math.sqrt(p * (1 - p) / seeds)
        assert abs(z) < Z_BOUND, (a, f, p, z)


def test_critical_load_is_negative_binomial_with_mean_two():
    # Cover: P_c is the trial of the N-th success of a fair coin, E[P_c] = 2N, Var[P_c] = 2N.
    N, seeds = 12, 80
    res = perceptron_critical_load(N, seeds=seeds, seed=5)
    z = (res.critical_load.mean - 2.0) / (math.sqrt(2 * N) / N / math.sqrt(seeds))
    assert abs(z) < Z_BOUND
    # same seeds, same nested patterns: the capacity's feasibility is the indicator P <= P_c
    alphas = np.array([1.5, 2.0, 2.5])
    cap = perceptron_capacity(alphas, N, seeds=20, seed=5)
    P_c = np.rint(res.samples["critical_load"][:20] * N)
    expected = (np.rint(alphas * N)[None, :] <= P_c[:, None]).astype(float)
    np.testing.assert_array_equal(cap.samples["feasible"], expected)


def test_lp_and_max_stability_decide_margin_zero_alike():
    # margin 0 goes through the HiGHS LP, a tiny positive margin through the NNLS max-stability QP
    alphas = np.linspace(1.6, 2.4, 9)
    lp = perceptron_capacity(alphas, 15, margin=0.0, seeds=30, seed=11)
    qp = perceptron_capacity(alphas, 15, margin=1e-9, seeds=30, seed=11)
    np.testing.assert_array_equal(lp.samples["feasible"], qp.samples["feasible"])
    assert 0.0 < lp.feasible.mean[4] < 1.0          # the grid straddles the transition
    # same patterns: demanding a margin can only make an instance infeasible
    wide = perceptron_capacity(alphas, 15, margin=0.3, seeds=30, seed=11)
    assert np.all(wide.samples["feasible"] <= lp.samples["feasible"])
    assert wide.feasible.mean.sum() < lp.feasible.mean.sum()


def test_capacity_crossing_tracks_cover_and_sharpens():
    # Cover: at P = 2N the feasible probability is P(Binomial(2N-1, 1/2) <= N-1) = 1/2 exactly, so
    # the finite-N crossing of 1/2 sits at Gardner's alpha = 2 for every N; what N changes is the
    # width of the transition, which shrinks like 1/sqrt(N).
    alphas = np.array([1.4, 1.7, 1.9, 2.1, 2.3, 2.6])
    assert all(cover_probability(2 * N, N) == Fraction(1, 2) for N in (10, 30, 100))

    def exact_crossing(N):
        f = np.array([float(cover_probability(int(round(a * N)), N)) for a in alphas])
        j = int(np.nonzero(f < 0.5)[0][0])
        return alphas[j - 1] + (0.5 - f[j - 1]) * (alphas[j] - alphas[j - 1]) / (f[j] - f[j - 1])

    cross = capacity_crossing([10, 30], alphas, seeds=60, seed=2)
    for N, a, se in zip(cross.N, cross.alpha, cross.stderr):
        assert abs(a - exact_crossing(int(N))) < Z_BOUND * se, (N, a, se)
        assert abs(exact_crossing(int(N)) - 2.0) < 0.05
    # sharpening: the fraction between alpha = 1.7 and 2.3 drops more steeply at the larger N
    small, large = cross.fractions
    drop = [f.mean[1] - f.mean[4] for f in (small, large)]
    se = math.hypot(small.stderr[1], small.stderr[4], large.stderr[1], large.stderr[4])
    exact_drop = [float(cover_probability(round(1.7 * N), N) - cover_probability(round(2.3 * N), N))
                  for N in (10, 30)]
    assert exact_drop[1] - exact_drop[0] > 0.2
    assert drop[1] - drop[0] > 0 and abs((drop[1] - drop[0]) - (exact_drop[1] - exact_drop[0])) < Z_BOUND * se


def test_ising_enumeration_against_naive_count_and_annealed_mean():
    N, P, seed, margin = 8, 6, 4, 0.3
    res = perceptron_capacity(P / N, N, margin=margin, weights="ising", seeds=40, seed=seed)
    for k in range(3):                 # exact counts against a naive itertools enumeration
        xi, y = storage_patterns(seed, k, P, N)
        count = sum(np.all(y * (xi @ np.array(w)) / math.sqrt(N) >= margin)
                    for w in itertools.product((-1.0, 1.0), repeat=N))
        assert res.samples["solutions"][k] == count
    # every fixed w in {+-1}^N has w.xi/sqrt(N) ~ N(0,1): E[#solutions] = 2^N H(margin)^P exactly
    annealed = 2.0 ** N * float(ndtr(-margin)) ** P
    assert abs(res.solutions.mean - annealed) < Z_BOUND * res.solutions.stderr
    ent = res.samples["entropy"]
    np.testing.assert_allclose(ent[np.isfinite(ent)], np.log(res.samples["solutions"][np.isfinite(ent)]) / N)


def test_ising_solutions_are_spherical_solutions():
    alphas = np.array([0.4, 0.6, 0.8, 1.0, 1.2])
    ising = perceptron_capacity(alphas, 10, weights="ising", seeds=24, seed=7)
    sphere = perceptron_capacity(alphas, 10, weights="spherical", seeds=24, seed=7)
    assert np.all(ising.samples["feasible"] <= sphere.samples["feasible"])
    assert ising.feasible.mean[-1] < sphere.feasible.mean[-1]       # strictly harder somewhere


# ----------------------------------------------------------------------------- maximal stability

def test_max_stability_satisfies_kkt_and_matches_slsqp():
    rng = np.random.default_rng(0)
    N, P = 12, 30
    xi = rng.standard_normal((P, N))
    y = np.sign(xi @ rng.standard_normal(N))
    sol = max_stability(xi, y)
    Z = xi * y[:, None]
    v = sol.weights / (sol.kappa * math.sqrt(N))           # the QP solution, min |v| s.t. Z v >= 1
    a = sol.multipliers
    assert np.all(a >= 0)
    np.testing.assert_allclose(Z.T @ a, v, atol=1e-9)       # stationarity
    assert np.all(Z @ v >= 1 - 1e-9)                        # primal feasibility
    np.testing.assert_allclose(a * (Z @ v - 1), 0.0, atol=1e-9)   # complementary slackness
    assert abs(sol.weights @ sol.weights - N) < 1e-9
    assert abs(sol.stabilities.min() - sol.kappa) < 1e-9
    # an independent optimiser of the same QP
    ref = minimize(lambda u: 0.5 * u @ u, np.linalg.lstsq(Z, np.ones(P), rcond=None)[0] * 2, jac=lambda u: u,
                   constraints=[{"type": "ineq", "fun": lambda u: Z @ u - 1, "jac": lambda u: Z}],
                   method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    assert ref.success
    np.testing.assert_allclose(v, ref.x, atol=1e-6)
    with pytest.raises(ParameterError, match="labels"):
        max_stability(np.array([[1.0], [1.0]]), np.array([1.0, -1.0]))


# ----------------------------------------------------------------------------- Gibbs sampling

def test_gibbs_samples_lie_in_version_space_and_match_rejection_sampling():
    rng = np.random.default_rng(1)
    N, P = 4, 5
    xi = rng.standard_normal((P, N))
    y = np.sign(xi @ rng.standard_normal(N))
    Z = xi * y[:, None]
    w = gibbs_version_space(xi, y, samples=1500, steps=60, seed=3)
    assert np.all(Z @ w.T >= -1e-12)
    np.testing.assert_allclose(np.sum(w * w, axis=1), N)
    # exact reference: uniform directions on the sphere kept when inside the version space
    g = rng.standard_normal((60000, N))
    keep = g[np.all(g @ Z.T >= 0, axis=1)]
    ref = math.sqrt(N) * keep / np.linalg.norm(keep, axis=1, keepdims=True)
    assert ref.shape[0] > 1500
    for j in range(N):
        se = math.hypot(w[:, j].std() / math.sqrt(len(w)), ref[:, j].std() / math.sqrt(len(ref)))
        assert abs(w[:, j].mean() - ref[:, j].mean()) < Z_BOUND * se


def test_gibbs_nishimori_identity_q_equals_r():
    res = teacher_student_perceptron(2.0, 16, learning="gibbs", seeds=48, steps=1500, seed=0)
    diff = res.samples["q"] - res.samples["R"]
    z = diff.mean() / (diff.std(ddof=1) / math.sqrt(diff.size))
    assert abs(z) < Z_BOUND
    # the check has teeth: chains that have not mixed (both still at the start) violate it
    stuck = teacher_student_perceptron(2.0, 16, learning="gibbs", seeds=48, steps=2, seed=0)
    d2 = stuck.samples["q"] - stuck.samples["R"]
    assert d2.mean() / (d2.std(ddof=1) / math.sqrt(d2.size)) > 2 * Z_BOUND


def test_teacher_student_errors_and_bayes_beats_gibbs():
    gibbs = teacher_student_perceptron(3.0, 16, learning="bayes", seeds=24, steps=800, samples=12, seed=1)
    for res in (gibbs, teacher_student_perceptron(3.0, 40, learning="max_margin", seeds=24, seed=1)):
        assert np.all(np.abs(res.samples["R"]) <= 1)
        diff = res.samples["test_error"] - res.samples["generalization_error"]
        assert abs(diff.mean()) < Z_BOUND * diff.std(ddof=1) / math.sqrt(diff.size) + 1e-3
    # the centre of mass of the version space generalises better than a single Gibbs sample
    assert np.mean(gibbs.samples["R"] > gibbs.samples["gibbs_R"]) > 0.8


# ----------------------------------------------------------------------------- Hopfield

def naive_hopfield_zero_t(alpha, N, initial_overlap, seed, k):
    """Explicit J, the documented random recipe, asynchronous sign updates to a fixed point."""
    P = max(1, int(round(alpha * N)))
    child = np.random.SeedSequence(seed).spawn(k + 1)[k]
    pat_ss, init_ss, dyn_ss = child.spawn(3)
    xi = (1 - 2 * np.random.default_rng(pat_ss).integers(0, 2, size=(P, N), dtype=np.int8)).astype(float)
    J = xi.T @ xi / N
    np.fill_diagonal(J, 0.0)
    s = xi[0].copy()
    s[np.random.default_rng(init_ss).permutation(N)[:int(round(N * (1 - initial_overlap) / 2))]] *= -1
    dyn = np.random.default_rng(dyn_ss)
    while True:
        flipped = False
        for i in dyn.permutation(N):
            h = J[i] @ s
            if h * s[i] < 0:
                s[i] = -s[i]
                flipped = True
        if not flipped:
            break
    assert np.all((J @ s) * s >= -1e-12)                      # a fixed point
    return s @ xi[0] / N, -0.5 * s @ J @ s / N


def test_hopfield_reproduces_naive_dynamics():
    res = hopfield(0.15, 60, initial_overlap=0.6, seeds=3, seed=9)
    for k in range(3):
        m, e = naive_hopfield_zero_t(0.15, 60, 0.6, 9, k)
        assert res.samples["m"][k] == pytest.approx(m, abs=1e-12)
        assert res.samples["energy"][k] == pytest.approx(e, abs=1e-12)


def test_hopfield_retrieves_at_low_load_and_not_at_high_load():
    low = hopfield(0.01, 1000, seeds=6, seed=0)
    assert np.all(low.samples["m"] >= 0.99)
    high = hopfield(0.3, 1000, seeds=6, seed=0)
    assert high.m.mean < 0.6 and np.all(high.samples["sweeps"] >= 1)


def test_hopfield_reports_unfinished_dynamics():
    with pytest.raises(ConvergenceError) as info:
        hopfield(0.3, 300, sweeps=1, seeds=2, seed=0)       # far from a fixed point after 1 sweep
    assert info.value.iterations == 1


def test_hopfield_glauber_high_temperature_is_paramagnetic():
    res = hopfield(0.05, 400, temperature=20.0, sweeps=10, seeds=8, seed=2)
    # at T >> 1 the spins decorrelate from the pattern: m ~ N(0, ~1/N)
    assert abs(res.m.mean) < Z_BOUND / math.sqrt(400 * 8) * 1.5
    cold = hopfield(0.05, 400, temperature=0.1, sweeps=10, seeds=4, seed=2)
    assert cold.m_average.mean > 0.95


# ----------------------------------------------------------------------------- Gaussian covariate ERM

def test_square_erm_equals_closed_form_ridge():
    rng = np.random.default_rng(4)
    n, d, lam = 50, 30, 0.7
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) / math.sqrt(d) + 0.3 * rng.standard_normal(n)
    closed = np.linalg.solve(X.T @ X / d + lam * np.eye(d), X.T @ y / math.sqrt(d))
    np.testing.assert_allclose(fit_erm(X, y, "square", lam), closed, rtol=1e-10)
    np.testing.assert_allclose(fit_erm(X, y, "square", lam, solver="lbfgs"), closed, atol=1e-6)
    wide = rng.standard_normal((20, 30))            # n < d: push-through form and lam = 0 min-norm
    yw = rng.standard_normal(20)
    np.testing.assert_allclose(fit_erm(wide, yw, "square", lam),
                               np.linalg.solve(wide.T @ wide / d + lam * np.eye(d),
                                               wide.T @ yw / math.sqrt(d)),
                               rtol=1e-9)
    np.testing.assert_allclose(fit_erm(wide, yw, "square", 0.0), math.sqrt(d) * np.linalg.pinv(wide) @ yw,
                               rtol=1e-8)


def test_square_gcm_agrees_with_ridge_simulation():
    # ridge convention (1/n)|y - X u|^2 + lam_r |u|^2 with u = w/sqrt(d): lam_r = lam/alpha
    alpha, d, lam, noise = 1.5, 40, 0.3, 0.2
    gcm = gaussian_covariate_erm("square", alpha, d, lam, noise=noise, seeds=200, seed=1, test_points=0)
    rid = ridge(SimpleNamespace(kind="isotropic", signal=1.0), lam=lam / alpha, n=int(alpha * d), d=d,
                sigma2=noise, seeds=200, seed=1)
    z = (gcm.test_error.mean - rid.test_error.mean) / math.hypot(gcm.test_error.stderr, rid.test_error.stderr)
    assert abs(z) < Z_BOUND


def test_hinge_erm_satisfies_kkt_and_tends_to_max_stability():
    rng = np.random.default_rng(5)
    n, d, lam = 25, 6, 0.8
    X = rng.standard_normal((n, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n))
    w = fit_erm(X, y, "hinge", lam)
    # KKT of the primal: lam w = sum_mu a_mu y_mu x_mu / sqrt(d) with a = 1 below the margin,
    # a = 0 above it and 0 <= a <= 1 on it (solved here from the margins alone)
    A = X * y[:, None] / math.sqrt(d)
    margins = A @ w
    below, on = margins < 1 - 1e-7, np.abs(margins - 1) <= 1e-7
    assert on.sum() >= 1
    a_on = np.linalg.lstsq(A[on].T, lam * w - A[below].sum(axis=0), rcond=None)[0]
    np.testing.assert_allclose(A[on].T @ a_on + A[below].sum(axis=0), lam * w, atol=1e-8)
    assert np.all(a_on >= -1e-8) and np.all(a_on <= 1 + 1e-8)
    # separable data, tiny lam: the hinge minimiser is the hard-margin SVM (maximal stability)
    ys = np.sign(X @ rng.standard_normal(d))
    w_small = fit_erm(X, ys, "hinge", 1e-6)
    mm = max_stability(X, ys)
    np.testing.assert_allclose(w_small / np.linalg.norm(w_small), mm.weights / np.linalg.norm(mm.weights),
                               atol=1e-7)


def test_logistic_erm_is_stationary_and_test_error_is_consistent():
    rng = np.random.default_rng(6)
    n, d, lam = 60, 20, 0.05
    X = rng.standard_normal((n, d))
    y = np.sign(X @ rng.standard_normal(d))
    w = fit_erm(X, y, "logistic", lam)
    z = X @ w / math.sqrt(d)
    grad = X.T @ (-y / (1 + np.exp(y * z))) / math.sqrt(d) + lam * w
    assert np.linalg.norm(grad) < 1e-6
    res = gaussian_covariate_erm("logistic", 1.5, 60, 0.1, noise=0.1, covariance=np.linspace(0.5, 1.5, 60),
                                 seeds=12, seed=2, test_points=4000)
    diff = res.samples["test_error_sampled"] - res.samples["test_error"]
    assert abs(diff.mean()) < Z_BOUND * diff.std(ddof=1) / math.sqrt(diff.size)


# ----------------------------------------------------------------------------- seeds and arguments

@pytest.mark.parametrize("call", [
    lambda s: perceptron_capacity([1.5, 2.0], 8, seeds=s, seed=1),
    lambda s: perceptron_capacity(0.8, 8, weights="ising", seeds=s, seed=1),
    lambda s: perceptron_critical_load(8, margin=0.2, seeds=s, seed=1),
    lambda s: teacher_student_perceptron(1.0, 8, learning="gibbs", steps=20, seeds=s, seed=1),
    lambda s: teacher_student_perceptron(1.0, 8, learning="max_margin", seeds=s, seed=1),
    lambda s: hopfield(0.1, 50, seeds=s, seed=1),
    lambda s: hopfield(0.1, 50, temperature=0.5, sweeps=3, seeds=s, seed=1),
    lambda s: gaussian_covariate_erm("hinge", 1.0, 10, 0.5, seeds=s, seed=1, test_points=10),
])
def test_seeds_prefix_property(call):
    small, large = call(4), call(8)
    for name in small.observables:
        np.testing.assert_array_equal(small.samples[name], large.samples[name][:4])


@pytest.mark.parametrize("call, name", [
    (lambda: perceptron_capacity(-1.0, 10), "alpha"),
    (lambda: perceptron_capacity(1.0, 0), "N"),
    (lambda: perceptron_capacity(1.0, 30, weights="ising"), "N"),
    (lambda: perceptron_capacity(1.0, 10, margin=-0.1), "margin"),
    (lambda: perceptron_capacity(1.0, 10, weights="binary"), "weights"),
    (lambda: perceptron_capacity(1.0, 10, seeds=0), "seeds"),
    (lambda: perceptron_capacity(1.0, 10, seed=-1), "seed"),
    (lambda: capacity_crossing([10], [1.0, 1.1]), "alphas"),
    (lambda: capacity_crossing([], [1.0, 3.0]), "Ns"),
    (lambda: teacher_student_perceptron(0.0, 10), "alpha"),
    (lambda: teacher_student_perceptron(1.0, 10, learning="svm"), "learning"),
    (lambda: teacher_student_perceptron(1.0, 10, steps=-1), "steps"),
    (lambda: hopfield(0.1, 100, temperature=-1.0), "temperature"),
    (lambda: hopfield(0.1, 100, initial_overlap=1.5), "initial_overlap"),
    (lambda: hopfield(0.1, 1), "N"),
    (lambda: gaussian_covariate_erm("huber", 1.0, 10, 0.1), "loss"),
    (lambda: gaussian_covariate_erm("hinge", 1.0, 10, 0.0), "lam"),
    (lambda: gaussian_covariate_erm("square", 1.0, 10, 0.1, noise=-1), "noise"),
    (lambda: gaussian_covariate_erm("square", 1.0, 10, 0.1, covariance=np.ones(3)), "covariance"),
    (lambda: fit_erm(np.ones((3, 2)), np.array([1.0, 0.5, 1.0]), "logistic", 1.0), "labels"),
])
def test_invalid_arguments_name_the_parameter(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == name
