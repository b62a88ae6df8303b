"""Replica theories against finite-size simulations: z-scores with fixed seeds, and the
finite-size rate of one model.

The simulations (saddlepoint.simulate.perceptron, .hopfield) are written from the models'
definitions only. z = (simulation mean - theory) / standard error over seeds. The replica
theories hold at N = infinity; at the sizes used here their finite-size gaps are below the
statistical errors except where a test resolves them on purpose
(:func:`test_max_stability_gap_shrinks_like_one_over_n`). The registered check grids of these
models (saddlepoint/models.py) run in tests/test_agreement.py; the points below are different.

Measured z (seeds and sizes as in the tests), for the record:
  Hopfield m / energy: alpha = 0.1, N = 2000: 0.74 / -0.43; alpha = 0.11, N = 1500: -0.40 / -0.13.
  Gibbs alpha = 2, N = 30: R -1.07, q -0.86, generalization_error 0.55, test_error 0.60.
  Bayes alpha = 1.5, N = 20: R 1.08, generalization_error -2.00, q 0.27.
  Registered defaults (32 seeds): hopfield m -1.29; perceptron-gibbs R -0.20, eps -0.18, q 0.07.
  Gardner margin 0, E[P_c/N] = 2: N = 20: 0.19, N = 40: -1.30.
  Maximal stability at alpha = 1 (kappa = 0.47066): gap 0.0297, 0.0150, 0.0065 (+- 0.0024,
  0.0019, 0.0015) at N = 10, 20, 40: log-log slope -1.09, N * gap = 0.30, 0.30, 0.26.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy

import saddlepoint as spt
from saddlepoint import replica, simulate
from saddlepoint.models import _centre_of_mass

Z_BOUND = 4.0


def z_of(estimate, theory):
    return (float(estimate.mean) - float(theory)) / float(estimate.stderr)


@pytest.fixture(scope="module")
def hopfield_solver():
    return replica.hopfield(temperature=0).solver()


@pytest.fixture(scope="module")
def gibbs_solver():
    return replica.teacher_student_perceptron("gibbs").solver()


@pytest.fixture(scope="module")
def bayes_solver():
    return replica.teacher_student_perceptron("bayes").solver()


@pytest.mark.parametrize("alpha,N", [(0.1, 2000), (0.11, 1500)])
def test_hopfield_retrieval_overlap_and_energy(hopfield_solver, alpha, N):
    """T = 0 retrieval (Amit, Gutfreund & Sompolinsky 1987): the fixed point of the zero-temperature
    dynamics started at the pattern has the RS overlap m and energy. The derivation's free energy
    is that of H = -(1/2N) sum_mu (xi^mu . s)^2, which counts the diagonal i = j of the Hebbian
    couplings; the simulation's energy excludes it (J_ii = 0), and the diagonal contributes
    -(1/2N) sum_i sum_mu 1 = -alpha/2 per spin, so E_sim/N = f + alpha/2.
    Below alpha ~ 0.09 a network of N ~ 2000 retrieves all but O(1) spins (1 - m ~ 1/N), the
    per-seed m is a near-degenerate count and the z-score is not informative: the points sit
    at 1 - m >> 1/N."""
    theory = hopfield_solver(alpha=alpha)
    sim = simulate.hopfield(alpha, N, seeds=48, seed=4)
    z_m = z_of(sim.m, theory.m)
    z_e = z_of(sim.energy, float(theory.free_energy) + alpha / 2)
    assert abs(z_m) <= Z_BOUND and abs(z_e) <= Z_BOUND, (alpha, N, z_m, z_e)


def test_hopfield_leaves_retrieval_beyond_the_spinodal(hopfield_solver):
    """Past the RS spinodal alpha_c ~ 0.138 (AGS 1985) the retrieval branch ends; the dynamics
    started at the pattern falls to a state of low overlap (m well below the spinodal's m_c)."""
    fold = hopfield_solver.critical("alpha")
    assert 0.137 < float(fold) < 0.139
    sim = simulate.hopfield(0.2, 400, seeds=8, seed=2)
    assert float(sim.m.mean) < float(fold.m) - 0.2


@pytest.mark.parametrize("alpha,N", [(2.0, 30)])
def test_gibbs_teacher_student_overlap(gibbs_solver, alpha, N):
    """Zero-temperature Gibbs learning (Engel & Van den Broeck 2001, ch. 2): the overlap R of a
    version-space sample with the teacher, the overlap q of two samples (equal to R: Nishimori),
    and the error measured on fresh inputs against arccos(R)/pi."""
    theory = gibbs_solver(alpha=alpha)
    sim = simulate.teacher_student_perceptron(alpha, N, "gibbs", seeds=64, seed=7, steps=2000,
                                              test_points=400)
    zs = {"R": z_of(sim.R, theory.R), "q": z_of(sim.q, theory.q),
          "generalization_error": z_of(sim.generalization_error, theory.generalization_error),
          "test_error": z_of(sim.test_error, theory.generalization_error)}
    assert max(abs(z) for z in zs.values()) <= Z_BOUND, zs


def test_bayes_centre_of_mass_overlap(bayes_solver):
    """Bayes-optimal learning: the centre of mass of the version space has overlap
    R = sqrt(q) with the teacher (Engel & Van den Broeck sec. 3.6), q the Gibbs overlap.
    The simulation measures R per instance as E[w . w*]/sqrt(E[w^a . w^b]) over Gibbs samples
    (models._centre_of_mass), unbiased at any number of samples."""
    alpha, N = 1.5, 20
    theory = bayes_solver(alpha=alpha)
    raw = simulate.teacher_student_perceptron(alpha, N, "bayes", seeds=64, seed=3, steps=3000,
                                              samples=4, test_points=10)
    sim = _centre_of_mass(raw)
    zs = {name: z_of(sim[name], theory[name]) for name in ("R", "generalization_error", "q")}
    assert max(abs(z) for z in zs.values()) <= Z_BOUND, zs
    # the naive normalised mean of 4 samples is measurably worse than the centre of mass:
    # its overlap is R_G / sqrt(q + (1 - q)/4) < sqrt(R_G) (shown on the same draws)
    assert float(raw.R.mean) < float(sim.R.mean) - 0.05


def test_registered_replica_models_check_in_one_call():
    """``spt.check`` on the registered replica models at their default points."""
    for name in ("hopfield", "perceptron-gibbs"):
        a = spt.check(name, seeds=32, seed=5)
        assert a.passed(Z_BOUND) and a.max_abs_z <= Z_BOUND, a


@pytest.mark.parametrize("N", [20, 40])
def test_gardner_capacity_is_the_mean_critical_load(N):
    """Margin 0: Gardner's alpha_c = 2 (closed form derived in the trail). The simulated critical
    load P_c/N (largest number of nested random patterns a spherical perceptron stores) has
    E[P_c] = 2N at every N by Cover's (1965) counting, so the z-score is exact at finite N."""
    alpha_c = replica.gardner(margin=0).observables["alpha_c"]
    assert alpha_c == 2
    sim = simulate.perceptron_critical_load(N, margin=0.0, seeds=64, seed=9)
    assert abs(z_of(sim.critical_load, alpha_c)) <= Z_BOUND


def _kappa_of_alpha(alpha):
    """Gardner's maximal stability at load alpha: the root of alpha_c(kappa) = alpha, with
    alpha_c(kappa) = 1/int_{-kappa}^oo Dt (t + kappa)^2 in closed form (Gardner 1988, eq. (27))."""
    k = sympy.Symbol("kappa", real=True)
    capacity = sympy.lambdify(k, replica.gardner_capacity(k), "mpmath")
    with mpmath.workdps(30):
        return float(mpmath.findroot(lambda x: capacity(x) - alpha, 0.5))


def _max_stabilities(alpha, N, seeds, seed):
    """Maximal stabilities of ``seeds`` independent storage problems: P = alpha N Gaussian
    patterns with random +-1 labels (the definition; solved exactly by simulate.max_stability)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, N]))
    P = int(round(alpha * N))
    out = np.empty(seeds)
    for s in range(seeds):
        xi = rng.standard_normal((P, N))
        labels = np.where(rng.random(P) < 0.5, 1.0, -1.0)
        out[s] = simulate.max_stability(xi, labels).kappa
    return out


def test_max_stability_gap_shrinks_like_one_over_n():
    """Finite-size rate. The maximal stability kappa_max of P = N random patterns is the optimum
    of a convex program (the hard-margin SVM without bias), whose replica-symmetric limit
    kappa(alpha) -- Gardner's capacity curve inverted -- is exact; its mean carries an O(1/N)
    finite-size bias (the expansion of a self-averaging optimum around its N = infinity value;
    kappa_max's own spread is O(N^-1/2)). Expected exponent -1: the log-log slope of the gap over
    N = 10, 20, 40 must lie in [-1.4, -0.6], and N * gap must stay of order one.
    Measured in exploration (other draws): gaps 0.0269, 0.0166, 0.0078, 0.0027 at N = 10, 20,
    40, 80 with 20000, 12000, 8000, 4000 instances (N * gap = 0.27, 0.33, 0.31, 0.21); with the
    draws below: slope -1.09, N * gap = 0.30, 0.30, 0.26."""
    alpha = 1.0
    kappa = _kappa_of_alpha(alpha)
    assert abs(kappa - 0.4707) < 1e-3    # Gardner (1988), fig. 1: kappa(alpha = 1) ~ 0.47
    sizes = np.array([10, 20, 40])
    gaps, errors = [], []
    for N, seeds in zip(sizes, (8000, 6000, 5000)):
        k = _max_stabilities(alpha, int(N), seeds, seed=21)
        gaps.append(k.mean() - kappa)
        errors.append(k.std(ddof=1) / math.sqrt(seeds))
    gaps, errors = np.array(gaps), np.array(errors)
    assert np.all(gaps > 3 * errors), (gaps, errors)           # resolved, else the rate is untestable
    slope = np.polyfit(np.log(sizes), np.log(gaps), 1)[0]
    assert -1.4 <= slope <= -0.6, (slope, gaps)
    assert np.all((0.1 < sizes * gaps) & (sizes * gaps < 0.6)), sizes * gaps


@pytest.mark.parametrize("model", ["hopfield", "perceptron-gibbs", "perceptron-bayes", "gardner",
                                   "perceptron-max-margin", "gcm-square", "gcm-logistic", "gcm-hinge"])
def test_cli_show_solve_codegen_for_replica_models(model, capsys, tmp_path):
    """The registry gives every replica model the CLI: show, solve on a grid, codegen."""
    from saddlepoint.cli import main
    assert main(["show", model]) == 0
    assert "unknowns:" in capsys.readouterr().out
    grid = {"hopfield": "alpha=0.05:0.13:5"}.get(model, "alpha=0.5:1.5:3")
    assert main(["solve", model, grid]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 1 + 3 + 2 * (model == "hopfield") and all(r.endswith("True") for r in rows[1:])
    out = tmp_path / "generated.py"
    assert main(["codegen", model, "-o", str(out)]) == 0
    namespace = {}
    exec(compile(out.read_text(), str(out), "exec"), namespace)   # our own generated source
    registered = spt.models.get(model)
    de = registered.derivation()
    point = {k: v for k, v in registered.defaults.items() if k in de.parameter_names}
    point.update({"hopfield": dict(alpha=0.1), "gardner": dict(alpha=1.0, margin=0.0)}.get(model, dict(alpha=2.0)))
    theory = de.solver()(**point)
    generated = namespace["solve"](**point)
    for name in theory.keys():
        assert np.allclose(generated[name], theory[name], rtol=1e-10), name
