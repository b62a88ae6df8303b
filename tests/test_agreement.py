"""Theory against simulation: every registered model, hypothesis-drawn spectra, finite-size rate.

The simulations (saddlepoint.simulate) are written from the models' definitions only; the
z-score is (simulation mean - theory) / standard error over seeds, with fixed seeds.
``Agreement.passed`` also admits a gap within the O(1/n) relative finite-size correction of
deterministic equivalents, which is what bounds the self-averaging observables (kappa, df1,
df2) whose standard errors are tiny; the risk observables are held to |z| <= 4 outright
(``RISKS`` below), and the finite-size test checks that the gap does shrink like 1/n.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import saddlepoint as spt
from saddlepoint.agreement import FINITE_SIZE
from saddlepoint.models import MODELS

RISKS = ("excess_risk", "test_error", "train_error", "bias", "variance", "gcv")
NOISY = ("excess_risk", "test_error", "train_error", "gcv")  # noise-dominated: raw |z| <= 4
Z_BOUND = 4.0


def _noisy_z(agreement):
    """Largest |z| over the noise-dominated observables this model reports (none: 0)."""
    names = {r.observable for r in agreement.rows}
    return max([abs(agreement.z(o)) for o in NOISY if o in names], default=0.0)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_registered_model_agrees_with_simulation(model):
    """The shared agreement test: every model in the registry, at each of its check points."""
    m = MODELS[model]
    for point in m.check_grid or (m.defaults,):
        a = spt.check(model, seeds=64, seed=1, **point)
        assert a.passed(Z_BOUND), a
        assert _noisy_z(a) <= Z_BOUND, a


atoms = st.lists(
    st.tuples(st.floats(0.05, 5.0), st.floats(0.0, 0.05), st.integers(5, 60)),
    min_size=1, max_size=3)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atoms=atoms, lam=st.floats(1e-3, 10.0), n=st.integers(40, 240), sigma2=st.floats(0.0, 1.0))
def test_hypothesis_atoms_spectra_agree(atoms, lam, n, sigma2):
    eig, tgt, mult = zip(*atoms)
    spec = spt.Atoms(eig, target=tgt, multiplicity=mult)
    if sum(tgt) == 0 and sigma2 == 0:
        sigma2 = 0.1  # all-zero risks: nothing to compare
    theory = spt.ridge(spec).solver()(lam=lam, n=n, sigma2=sigma2)
    sim = spt.simulate.ridge(spec, lam=lam, n=n, sigma2=sigma2, seeds=48, seed=7)
    for name in RISKS + ("df1", "kappa"):
        gap = float(sim[name].mean) - float(theory[name])
        se = float(sim[name].stderr)
        assert abs(gap) <= Z_BOUND * se + FINITE_SIZE * abs(float(theory[name])) / n + 1e-12, (name, gap, se)


@settings(max_examples=6, deadline=None)
@given(alpha=st.floats(0.6, 2.5), beta=st.floats(0.5, 3.0), lam=st.floats(1e-3, 1.0),
       n=st.integers(60, 300), d=st.integers(20, 300))
def test_hypothesis_powerlaw_finite_d_agrees(alpha, beta, lam, n, d):
    spec = spt.PowerLaw(alpha=alpha, beta=beta, d=d)
    theory = spt.ridge(spec).solver()(lam=lam, n=n, sigma2=0.1)
    sim = spt.simulate.ridge(spec, lam=lam, n=n, sigma2=0.1, seeds=48, seed=3)
    for name in RISKS:
        gap = float(sim[name].mean) - float(theory[name])
        assert abs(gap) <= Z_BOUND * float(sim[name].stderr) + FINITE_SIZE * abs(float(theory[name])) / n, (name, gap)


@pytest.mark.parametrize("d,n", [(50, 200), (300, 100)])
def test_ridgeless_agrees_on_both_sides_of_interpolation(d, n):
    """lam = 0: the minimum-norm interpolator (d > n) and least squares (d < n)."""
    a = spt.check("ridge", lam=0.0, n=n, d=d, sigma2=0.25, seeds=64, seed=2)
    assert a.passed(Z_BOUND), a


def test_gap_shrinks_like_one_over_n():
    """Finite-size convergence: at fixed d/n the relative gap of the self-averaging observables
    halves when n doubles (slope -1 in log-log), while the risks stay within their z-bound."""
    solve = spt.ridge(spt.Isotropic(signal=1)).solver()
    sizes = np.array([50, 100, 200, 400])
    gaps = {"kappa": [], "df1": [], "variance": []}
    for n in sizes:
        d = n // 2
        theory = solve(lam=0.1, n=n, d=d, sigma2=0.25)
        # more seeds where draws are cheap: the relative gap ~ 1/n must stay resolved
        sim = spt.simulate.ridge(spt.Isotropic(signal=1), lam=0.1, n=int(n), d=int(d), sigma2=0.25,
                                 seeds=int(200 * 400 // n), seed=11)
        for name in gaps:
            gap = (float(sim[name].mean) - float(theory[name])) / float(theory[name])
            se = float(sim[name].stderr) / float(theory[name])
            assert abs(gap) > 3 * se, f"{name} gap at n={n} not resolved; rate untestable"
            gaps[name].append(abs(gap))
        for name in RISKS:
            z = (float(sim[name].mean) - float(theory[name])) / float(sim[name].stderr)
            assert abs(z) <= Z_BOUND + 1.0 or abs(float(sim[name].mean) - float(theory[name])) <= FINITE_SIZE * abs(float(theory[name])) / n
    for name, g in gaps.items():
        slope = np.polyfit(np.log(sizes), np.log(g), 1)[0]
        assert -1.3 <= slope <= -0.7, (name, slope, g)
