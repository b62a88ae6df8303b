r"""Free-probability laws against the random matrices they describe (theory vs simulation).

Each law is built symbolically (``saddlepoint.free``) and its matching ensemble is sampled by
``free.simulate.spectrum(law, d=..., seeds=..., seed=...)``, which reads only ``law.ensemble``
(the sampler never sees the polynomial). Laws checked:

================  ===========================================================  ==============
name              law                                                          matrix
================  ===========================================================  ==============
semicircle        ``Semicircle(1)``                                            GOE
mp_half           ``MarchenkoPastur(1/2)``                                     X^T X/n, n = 2d
mp_two            ``MarchenkoPastur(2)`` (atom 1/2 at 0)                       X^T X/n, n = d/2
deformed_wigner   ``Semicircle(1/10) ⊞ Atoms([-1, 1], [1/2, 1/2])`` (two cuts) D + O W O^T
sample_cov        ``MarchenkoPastur(1/4) ⊠ Atoms([2, 1/2], [1/2, 1/2])``        Σ^½ (X^T X/n) Σ^½
                  (two cuts)
mp_times_mp       ``MarchenkoPastur(1) ⊠ MarchenkoPastur(1)`` (Fuss–Catalan)   W₁^½ O W₂ O^T W₁^½
================  ===========================================================  ==============

Moments (k = 1..4)
------------------
The empirical moment ``(1/d) tr M^k`` is averaged over seeds (``SpectrumSample.moment``:
mean and standard error over independent draws). It must agree with the exact ``law.moment(k)``
within ``4 * stderr`` plus a finite-size allowance

    A_k / d,   A_k = k (k - 1) mu_k,   mu_k = m_k (k even),  sqrt(m_{k-1} m_{k+1}) (k odd)

(``mu_k`` bounds the absolute moment ∫|x|^k dμ by Cauchy–Schwarz). Why 1/d: these are real
(β = 1) ensembles, whose moments have a first correction of order 1/d, not 1/d² as for complex
ones; e.g. exactly ``E (1/d) tr M² = v (1 + 1/d)`` for the GOE and ``1 + q + q/d`` for
``X^T X/n`` with ``q = d/n``. Why ``k(k-1) mu_k``: the correction counts pairs of positions in
the word ``M^k`` (measured ``d * bias``: SC 1, 0, 5 for k = 2, 3, 4; MP(2) 2, 18, 130; MP(1) ⊠
MP(1) 2.6, 28, 240 -- the allowance is 2 to 30 times larger, and at d = 400 it is at most 3% of
``mu_k``). ``test_finite_size_bias_is_order_one_over_d`` checks that the allowance is needed
(the bias is resolved at small d), that it is exactly the known 1/d term where one is known, and
that ``d * (mean - m_k)`` does not grow with d (a discrepancy of lower order than 1/d would).
The first moment has no allowance: it is unbiased for every ensemble here.

Kolmogorov–Smirnov distance
---------------------------
The law's CDF is the cumulative trapezoid integral of ``law.density`` on each support interval
(``law.support()``), split at the real roots of the discriminant inside it (where two cuts
about to merge leave a cusp, density ~ |x - c|^(1/3)), each piece on a grid graded towards both
of its ends (x = a + (b - a) s(u), s(u) = u^6/(u^6 + (1 - u)^6), u uniform; this makes
square-root edges, cusps and the x^(-2/3) hard edge of MP(1) ⊠ MP(1) smooth in u), plus the
step of every atom (``law.atoms()``). Its total mass is checked to be 1 to 1e-5.

For one draw the eigenvalues are rigid: each lies within ~log(d)/d of its classical location in
the bulk (and ~d^(-2/3) at a square-root edge, where the CDF moves by (d^(-2/3))^(3/2) = 1/d),
so the empirical CDF of a draw is within O(sqrt(log d)/d) of the law's (the eigenvalue counting
function fluctuates by O(sqrt(log d)) eigenvalues), and the expected empirical CDF differs from
the law's by O(1/d). Pooling ``s`` independent draws averages the random part:
KS ≈ c₁ sqrt(log d)/(d sqrt(s)) + c₂/d. We assert ``KS <= 3 sqrt(log d)/d`` (measured: d KS
between 0.5 and 4.2 over d = 100..1600 and several seeds, the bound is 6.4 to 8.1). The rate is
checked with the pooled sample size fixed, N = s d = 1600 (d = 100, 400, 1600 with s = 16, 4,
1): i.i.d. samples would give KS ≈ 0.87/sqrt(N) ≈ 0.02 at every d, whereas rigidity gives
sqrt(log d)/sqrt(N d) (noise-dominated; the c₂/d term is smaller here), a factor
4/sqrt(log 1600/log 100) ≈ 3.1 from d = 100 to 1600 (measured 2.5 to 4.5). We assert
KS(1600) < KS(100)/2 and KS(1600) < (i.i.d. value)/4.

Moments use 12 draws (hypothesis examples 10): the standard error is itself estimated from the
draws (Student t with seeds - 1 degrees of freedom), and P(|t_11| > 4) ≈ 0.2% whereas with 4
draws P(|t_3| > 4) ≈ 3%.

Seeds are fixed; hypothesis runs derandomised with few examples. The whole module takes
~6 s on two idle cores. (With multithreaded OpenBLAS on cores that are busy with other work,
the many small eigendecompositions can be 10-40x slower; ``OPENBLAS_NUM_THREADS=1`` avoids it.)
"""

import math

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import cumulative_trapezoid

from saddlepoint import free

R = sympy.Rational
HALF = R(1, 2)


def _laws():
    return {
        "semicircle": free.Semicircle(1),
        "mp_half": free.MarchenkoPastur(HALF),
        "mp_two": free.MarchenkoPastur(2),
        "deformed_wigner": free.free_add(free.Semicircle(R(1, 10)),
                                         free.Atoms([-1, 1], [HALF, HALF])),
        "sample_cov": free.free_mul(free.MarchenkoPastur(R(1, 4)),
                                    free.Atoms([2, HALF], [HALF, HALF])),
        "mp_times_mp": free.free_mul(free.MarchenkoPastur(1), free.MarchenkoPastur(1)),
    }


LAWS = _laws()
NAMES = list(LAWS)

#: moments: d and seeds of the main agreement test
D_MOMENTS, SEEDS_MOMENTS = 400, 12
#: KS rate: (d, seeds) with seeds * d = 1600 pooled eigenvalues at every size
KS_SIZES = ((100, 16), (400, 4), (1600, 1))
Z = 4.0


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def abs_moment_bound(law, k):
    """mu_k >= ∫|x|^k dμ: m_k for even k, sqrt(m_{k-1} m_{k+1}) for odd k (Cauchy–Schwarz)."""
    if k % 2 == 0:
        return float(law.moment(k))
    return math.sqrt(float(law.moment(k - 1)) * float(law.moment(k + 1)))


def allowance(law, k):
    """A_k = k (k - 1) mu_k: the finite-size allowance is A_k / d (see the module docstring)."""
    return k * (k - 1) * abs_moment_bound(law, k)


def _interior_breakpoints(law, a, b):
    """Real roots of the discriminant strictly inside (a, b): where the density may have a
    cusp (two cuts about to merge: |x - c|^(1/3)); the grid is graded towards them too."""
    disc = sympy.Poly(law.discriminant(), free.z)
    if disc.degree() < 1:
        return []
    roots = np.roots([float(c) for c in disc.all_coeffs()])
    real = roots[np.abs(roots.imag) <= 1e-9 * (1 + np.abs(roots))].real
    tol = 1e-9 * (1 + abs(a) + abs(b))
    return sorted({float(r) for r in real if a + tol < r < b - tol})


def law_cdf(law, n=4001, p=6):
    """CDF of ``law``: cumulative trapezoid of ``law.density`` on each support interval (split
    at interior roots of the discriminant; every piece on a grid graded towards both of its
    ends) plus the atoms' steps. Returns ``(cdf, continuous_mass)``."""
    edges = [float(e) for e in law.support()]
    assert len(edges) % 2 == 0, edges
    u = np.linspace(0.0, 1.0, n)
    s = u ** p / (u ** p + (1.0 - u) ** p)
    xs, Fs, total = [], [], 0.0
    for lo, hi in zip(edges[::2], edges[1::2]):
        knots = [lo] + _interior_breakpoints(law, lo, hi) + [hi]
        for a, b in zip(knots[:-1], knots[1:]):
            x = a + (b - a) * s
            rho = np.asarray(law.density(x), dtype=float)
            assert np.all(np.isfinite(rho)) and np.all(rho >= 0), (a, b)
            F = cumulative_trapezoid(rho, x, initial=0.0)
            xs.append(x)
            Fs.append(total + F)
            total += F[-1]
    X = np.concatenate(xs) if xs else np.array([0.0])
    C = np.concatenate(Fs) if Fs else np.array([0.0])
    atoms = [(float(loc), float(wt)) for loc, wt in law.atoms()]
    locs = np.array([a for a, _ in atoms])
    wts = np.array([w for _, w in atoms])

    def cdf(t):
        t = np.asarray(t, dtype=float)
        v = np.interp(t, X, C, left=0.0, right=total)
        if locs.size:
            v = v + np.sum(wts * (t[..., None] >= locs), axis=-1)
        return np.clip(v, 0.0, 1.0)

    return cdf, total


def check_cdf_mass(law, mass):
    atom_mass = sum(float(w) for _, w in law.atoms())
    assert abs(mass + atom_mass - 1.0) < 1e-5, (mass, atom_mass)


def check_moments(law, sample, ks=(1, 2, 3, 4)):
    d = sample.d
    for k in ks:
        est = sample.moment(k)
        exact = float(law.moment(k))
        dev = abs(float(est.mean) - exact)
        bound = Z * float(est.stderr) + allowance(law, k) / d
        assert dev <= bound, (f"k={k}: simulated {float(est.mean):.6g} +- {float(est.stderr):.2g} "
                              f"vs exact {exact:.6g} (d={d}, allowed {bound:.3g})")


def ks_bound(d):
    return 3.0 * math.sqrt(math.log(d)) / d


# ---------------------------------------------------------------------------------------------
# the six laws: moments and KS at d = 400
# ---------------------------------------------------------------------------------------------

def test_laws_are_what_the_table_says():
    L = LAWS
    assert L["deformed_wigner"].degree == 3 and len(L["deformed_wigner"].support()) == 4
    assert L["sample_cov"].degree == 3 and len(L["sample_cov"].support()) == 4
    assert L["mp_two"].atoms() == [(0, HALF)]
    assert [L["mp_times_mp"].moment(k) for k in range(1, 5)] == [1, 3, 12, 55]   # Fuss–Catalan
    assert [L["mp_half"].moment(k) for k in range(1, 5)] == [1, R(3, 2), R(11, 4), R(45, 8)]
    for law in L.values():
        assert law.ensemble is not None


@pytest.mark.parametrize("name", NAMES)
def test_moments_and_ks_agree(name):
    law = LAWS[name]
    sample = free.simulate.spectrum(law, d=D_MOMENTS, seeds=SEEDS_MOMENTS, seed=11)
    check_moments(law, sample)
    for k in (2, 3, 4):
        assert allowance(law, k) / D_MOMENTS <= 0.0301 * abs_moment_bound(law, k)
    cdf, mass = law_cdf(law)
    check_cdf_mass(law, mass)
    ks = sample.ks_distance(cdf)
    assert ks <= ks_bound(D_MOMENTS), (name, ks)


def test_wrong_law_is_rejected():
    """The checks have teeth: a nearby wrong law fails both the moment and the KS test."""
    sample = free.simulate.spectrum(LAWS["mp_half"], d=D_MOMENTS, seeds=SEEDS_MOMENTS, seed=11)
    wrong = free.MarchenkoPastur(R(3, 5))               # q = 0.6 instead of 0.5
    with pytest.raises(AssertionError):
        check_moments(wrong, sample, ks=(2,))
    cdf, _ = law_cdf(wrong)
    assert sample.ks_distance(cdf) > 2 * ks_bound(D_MOMENTS)


# ---------------------------------------------------------------------------------------------
# the 1/d allowance
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["semicircle", "mp_two", "sample_cov"])
def test_finite_size_bias_is_order_one_over_d(name):
    """d (mean - m_k) is the same at d = 50 and d = 200 (a bias of lower order than 1/d, e.g.
    d^(-1/2), would double it) and within A_k at both sizes."""
    law = LAWS[name]
    small = free.simulate.spectrum(law, d=50, seeds=800, seed=5)
    large = free.simulate.spectrum(law, d=200, seeds=100, seed=6)
    for k in (2, 3, 4):
        exact = float(law.moment(k))
        scaled = []
        for sample in (small, large):
            est = sample.moment(k)
            D, E = sample.d * (float(est.mean) - exact), sample.d * float(est.stderr)
            assert abs(D) <= allowance(law, k) + Z * E, (k, sample.d, D, E)
            scaled.append((D, E))
        (D1, E1), (D2, E2) = scaled
        assert abs(D1 - D2) <= Z * math.hypot(E1, E2), (k, scaled)


def test_allowance_is_needed_and_is_the_known_one_over_d_term():
    """At d = 50 the bias of the second moment is resolved (a bare z-test fails) and equals the
    exact finite-size term: E (1/d) tr M^2 = v (1 + 1/d) (GOE), 1 + q + q/d (X^T X/n, q = d/n)."""
    for name, exact_d_bias in (("semicircle", 1.0), ("mp_two", 2.0)):
        law = LAWS[name]
        sample = free.simulate.spectrum(law, d=50, seeds=2000, seed=5)
        est = sample.moment(2)
        dev = float(est.mean) - float(law.moment(2))
        assert dev > Z * float(est.stderr), (name, dev, float(est.stderr))
        assert abs(sample.d * dev - exact_d_bias) <= Z * sample.d * float(est.stderr)


# ---------------------------------------------------------------------------------------------
# KS distance shrinks with d
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["semicircle", "mp_two", "deformed_wigner", "mp_times_mp"])
def test_ks_distance_shrinks_with_d(name):
    law = LAWS[name]
    cdf, mass = law_cdf(law)
    check_cdf_mass(law, mass)
    ks = []
    for d, seeds in KS_SIZES:
        sample = free.simulate.spectrum(law, d=d, seeds=seeds, seed=3)
        ks.append(sample.ks_distance(cdf))
        assert ks[-1] <= ks_bound(d), (name, d, ks[-1])
    assert ks[-1] < ks[0] / 2, (name, ks)
    iid = 0.87 / math.sqrt(KS_SIZES[0][0] * KS_SIZES[0][1])
    assert ks[-1] < iid / 4, (name, ks, iid)   # far below what i.i.d. sampling would give


# ---------------------------------------------------------------------------------------------
# an atom made by a rank-deficient product, in both orders
# ---------------------------------------------------------------------------------------------

POPULATION = free.Atoms([2, HALF], [HALF, HALF])


def test_rank_deficient_product_atom_wishart_first():
    """MP(2) ⊠ Atoms: n = d/2, so half the eigenvalues are exact zeros, matching the atom."""
    law = free.free_mul(free.MarchenkoPastur(2), POPULATION)
    assert law.atoms() == [(0, HALF)]
    sample = free.simulate.spectrum(law, d=D_MOMENTS, seeds=2, seed=1)
    assert np.mean(sample.eigenvalues == 0.0) == 0.5
    cdf, mass = law_cdf(law)
    check_cdf_mass(law, mass)
    assert sample.ks_distance(cdf) <= ks_bound(D_MOMENTS)


def test_rank_deficient_product_atom_atoms_first():
    """The same law in the other order (Law == is True): the sampler must find the d - n exact
    zeros of the rank-deficient product from the structure (the n x n Gram side), as the
    Wishart-first order does. Before the fix they came out of a d x d eigvalsh as +-3e-15, half
    of them negative, and the KS distance against the exact atom at 0 was 0.25."""
    law = free.free_mul(POPULATION, free.MarchenkoPastur(2))
    assert law == free.free_mul(free.MarchenkoPastur(2), POPULATION)
    sample = free.simulate.spectrum(law, d=D_MOMENTS, seeds=SEEDS_MOMENTS, seed=1)
    assert np.all(sample.eigenvalues[:, : D_MOMENTS // 2] == 0.0)     # rows sorted ascending
    assert np.all(sample.eigenvalues[:, D_MOMENTS // 2:] > 0.0)
    check_moments(law, sample)
    cdf, _ = law_cdf(law)
    assert sample.ks_distance(cdf) <= ks_bound(D_MOMENTS)


# ---------------------------------------------------------------------------------------------
# hypothesis-drawn parameters
# ---------------------------------------------------------------------------------------------

_HYP = settings(max_examples=4, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
D_HYP, SEEDS_HYP = 200, 10


def _agree(law, seed):
    sample = free.simulate.spectrum(law, d=D_HYP, seeds=SEEDS_HYP, seed=seed)
    check_moments(law, sample)
    cdf, mass = law_cdf(law)
    check_cdf_mass(law, mass)
    assert sample.ks_distance(cdf) <= ks_bound(D_HYP)


@_HYP
@given(n=st.integers(100, 2000))
def test_property_marchenko_pastur(n):
    """q = d/n in [0.1, 2] on both sides of 1 (exactly the simulated ratio)."""
    _agree(free.MarchenkoPastur(R(D_HYP, n)), seed=n)


@_HYP
@given(v=st.integers(1, 20), a=st.integers(2, 8))
def test_property_deformed_wigner(v, a):
    """Semicircle(v/20) ⊞ Atoms([-a/4, a/4]): two cuts for small v/a², one above (with a
    cusp, density ~ |x|^(1/3), at the merger)."""
    law = free.free_add(free.Semicircle(R(v, 20)), free.Atoms([R(-a, 4), R(a, 4)], [HALF, HALF]))
    _agree(law, seed=100 * v + a)


@_HYP
@given(n=st.integers(100, 800), a=st.integers(1, 12))
def test_property_sample_covariance(n, a):
    """MP(d/n) ⊠ Atoms([a/4, 1], [1/2, 1/2]): a sample covariance with two population values."""
    law = free.free_mul(free.MarchenkoPastur(R(D_HYP, n)), free.Atoms([R(a, 4), 1], [HALF, HALF]))
    _agree(law, seed=n + a)
