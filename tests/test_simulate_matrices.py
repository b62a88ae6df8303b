"""Tests of saddlepoint.simulate.matrices from the ensembles' definitions only.

Every expected value is an exact finite-size expectation derived from the definition (Gaussian
moments, E[O B O^T] = (tr B/d) I for Haar O, inverse-Wishart mean); no free-probability result is
used. Statistical checks are z-scores with fixed seeds, and each one is paired with a "power"
check that a plausible wrong convention would be rejected by the same bound.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.stats
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlepoint.errors import ParameterError
from saddlepoint.simulate import matrices as mx
from saddlepoint.simulate._stats import mean_stderr
from saddlepoint.simulate.matrices import SpectrumSample, goe, haar_orthogonal, spectrum, wishart

Z_BOUND = 4.5


def atoms(points, weights):
    return {"kind": "atoms", "points": list(points), "weights": list(weights)}


SC = {"kind": "semicircle", "variance": 1.7}
A13 = atoms([1.0, 3.0], [0.5, 0.5])      # mean 2, second moment 5
B02 = atoms([0.0, 2.0], [0.5, 0.5])      # mean 1, second moment 2


def mp(q):
    return {"kind": "marchenko_pastur", "ratio": q}


def zscore(samples, expected):
    m, s = mean_stderr(np.asarray(samples, dtype=float))
    return float((m - expected) / s)


def per_seed_moment(eig, k):
    return np.mean(eig ** k, axis=1)


def wishart_m2(B, n):
    """Exact E (1/d) tr (W B)^2 for W = X^T X/n, X n x d standard Gaussian, B symmetric fixed:
    (1/n^2) sum_{k,l} E (x_k^T B x_l)^2 = [(tr B)^2 + (n + 1) tr B^2] / n, divided by d."""
    B = np.asarray(B, dtype=float)
    d = B.shape[0]
    return (np.trace(B) ** 2 + (n + 1) * np.trace(B @ B)) / (n * d)


def expand(points, weights, d):
    """Independent re-implementation of the atoms multiplicities (largest remainder)."""
    total = sum(weights)
    exact = [w / total * d for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda j: (-(exact[j] - counts[j]), j))
    for j in order[: d - sum(counts)]:
        counts[j] += 1
    return np.sort(np.repeat(points, counts))


# ----------------------------------------------------------------------------- seeds, shapes

PREFIX_RECIPES = [
    SC,
    mp(0.5),
    mp(2.0),
    {"kind": "free_poisson", "rate": 1.5, "jump": 0.5},
    {"kind": "free_add", "left": A13, "right": B02},                         # Haar path
    {"kind": "free_add", "left": SC, "right": mp(0.7)},                      # invariant sum
    {"kind": "free_mul", "left": mp(0.5), "right": B02},                     # Gram factor
    {"kind": "free_mul", "left": A13, "right": {"kind": "inverse", "base": mp(0.5)}},  # Haar
    {"kind": "affine", "scale": -2, "shift": 1,
     "base": {"kind": "free_mul", "left": mp(2.0), "right": SC}},
]


@pytest.mark.parametrize("recipe", PREFIX_RECIPES, ids=lambda r: r["kind"])
def test_seed_prefix_and_blocking(recipe, monkeypatch):
    few = spectrum(recipe, d=9, seeds=3, seed=11).eigenvalues
    many = spectrum(recipe, d=9, seeds=7, seed=11).eigenvalues
    np.testing.assert_array_equal(few, many[:3])
    assert not np.allclose(many[0], many[1])            # draws differ between seed indices
    other = spectrum(recipe, d=9, seeds=3, seed=12).eigenvalues
    assert not np.allclose(few, other)                  # and between seeds
    monkeypatch.setattr(mx, "_BLOCK_ENTRIES", 1)        # one seed per block: same numbers
    np.testing.assert_allclose(spectrum(recipe, d=9, seeds=7, seed=11).eigenvalues, many,
                               rtol=1e-12, atol=1e-12)


def test_prefix_of_samplers():
    np.testing.assert_array_equal(goe(6, seeds=2, seed=3), goe(6, seeds=5, seed=3)[:2])
    pop = np.linspace(0.5, 2.0, 6)
    np.testing.assert_array_equal(wishart(6, 0.5, pop, seeds=2), wishart(6, 0.5, pop, seeds=5)[:2])
    np.testing.assert_array_equal(haar_orthogonal(6, seeds=2), haar_orthogonal(6, seeds=5)[:2])


@pytest.mark.parametrize("recipe", PREFIX_RECIPES, ids=lambda r: r["kind"])
def test_shapes_sorted_real(recipe):
    s = spectrum(recipe, d=13, seeds=4, seed=0)
    assert isinstance(s, SpectrumSample)
    assert s.eigenvalues.shape == (4, 13)
    assert s.eigenvalues.dtype == np.float64
    assert np.all(np.isfinite(s.eigenvalues))
    assert np.all(np.diff(s.eigenvalues, axis=1) >= 0)
    assert (s.d, s.seeds, s.seed) == (13, 4, 0)
    assert goe(5, seeds=3).shape == (3, 5)
    assert wishart(5, 2.0, seeds=3).shape == (3, 5)
    assert haar_orthogonal(5, seeds=3).shape == (3, 5, 5)


# ----------------------------------------------------------------------------- GOE

def test_goe_matches_its_documented_construction():
    d, v, seeds, seed = 7, 0.8, 3, 5
    got = goe(d, variance=v, seeds=seeds, seed=seed)
    for k, child in enumerate(np.random.SeedSequence(seed).spawn(seeds)):
        G = np.random.default_rng(child).standard_normal((d, d))
        M = math.sqrt(v / (2 * d)) * (G + G.T)
        np.testing.assert_allclose(got[k], np.linalg.eigvalsh(M), atol=1e-13)
    np.testing.assert_allclose(spectrum({"kind": "semicircle", "variance": v}, d=d, seeds=seeds,
                                        seed=seed).eigenvalues, got, atol=1e-13)


def test_goe_second_moment_and_trace_variance():
    # E (1/d) tr M^2 = (1/d) [d * 2v/d + d(d-1) * v/d] = v (1 + 1/d);  E (tr M)^2 = d * 2v/d = 2v
    d, v = 10, 1.7
    eig = goe(d, variance=v, seeds=4000, seed=1)
    m2 = per_seed_moment(eig, 2)
    assert abs(zscore(m2, v * (1 + 1 / d))) < Z_BOUND
    assert abs(zscore(m2, v)) > 3 * Z_BOUND             # the 1/d correction is resolved
    tr2 = eig.sum(axis=1) ** 2
    assert abs(zscore(tr2, 2 * v)) < Z_BOUND
    assert abs(zscore(tr2, v)) > 3 * Z_BOUND            # diagonal variance 2v/d, not v/d
    assert abs(zscore(per_seed_moment(eig, 1), 0.0)) < Z_BOUND


# ----------------------------------------------------------------------------- Wishart

def test_wishart_exact_moments_with_population():
    d, q = 12, 0.4                                       # n = 30
    pop = expand([1.0, 3.0], [0.5, 0.5], d)
    eig = wishart(d, q, population=[(1.0, 0.5), (3.0, 0.5)], seeds=3000, seed=2)
    n = 30
    assert abs(zscore(per_seed_moment(eig, 1), pop.mean())) < Z_BOUND
    m2 = wishart_m2(np.diag(pop), n)
    assert abs(zscore(per_seed_moment(eig, 2), m2)) < Z_BOUND
    assert abs(zscore(per_seed_moment(eig, 2), m2 * n / (n + 1))) > Z_BOUND   # X^T X/(n+1)
    # the three ways of giving the same population draw the same matrices
    np.testing.assert_allclose(wishart(d, q, population=pop, seeds=5, seed=2), eig[:5], atol=1e-12)
    np.testing.assert_allclose(wishart(d, q, population=lambda dd: expand([1.0, 3.0], [0.5, 0.5], dd),
                                       seeds=5, seed=2), eig[:5], atol=1e-12)


def test_wishart_more_dimensions_than_samples():
    d, q = 12, 2.0                                       # n = 6: 6 exact zeros
    eig = wishart(d, q, seeds=4000, seed=3)
    assert np.all(np.sum(eig == 0.0, axis=1) == 6)
    assert np.all(eig[:, 6:] > 1e-8)
    m2 = wishart_m2(np.eye(d), 6)                        # = q_n + 1 + 1/n
    assert m2 == pytest.approx(2 + 1 + 1 / 6)
    assert abs(zscore(per_seed_moment(eig, 2), m2)) < Z_BOUND
    assert abs(zscore(per_seed_moment(eig, 2), 1 + q)) > Z_BOUND     # finite-n term resolved
    assert abs(zscore(per_seed_moment(eig, 1), 1.0)) < Z_BOUND


def test_wishart_matches_marchenko_pastur_recipe():
    np.testing.assert_allclose(wishart(10, 0.5, seeds=3, seed=4),
                               spectrum(mp(0.5), d=10, seeds=3, seed=4).eigenvalues, atol=1e-12)


def test_wishart_documented_draw():
    d, q, seeds = 6, 0.5, 2
    pop = np.array([0.5, 1, 2, 3, 4, 5.0])
    got = wishart(d, q, pop, seeds=seeds, seed=9)
    for k, child in enumerate(np.random.SeedSequence(9).spawn(seeds)):
        X = np.random.default_rng(child).standard_normal((12, d)) * np.sqrt(pop)
        np.testing.assert_allclose(got[k], np.linalg.eigvalsh(X.T @ X / 12), atol=1e-12)


# ----------------------------------------------------------------------------- free Poisson

def test_free_poisson_convention():
    r, a, d = 1.5, 0.7, 10                               # n = 15
    fp = {"kind": "free_poisson", "rate": r, "jump": a}
    eig = spectrum(fp, d=d, seeds=3000, seed=4).eigenvalues
    n = 15
    assert abs(zscore(per_seed_moment(eig, 1), a * n / d)) < Z_BOUND
    m2 = a ** 2 * wishart_m2(np.eye(d), n) * (n / d) ** 2   # a X^T X/d = (a n/d) X^T X/n
    assert m2 == pytest.approx(a ** 2 * n / d ** 2 * (d + n + 1))
    assert abs(zscore(per_seed_moment(eig, 2), m2)) < Z_BOUND
    # same draws: exactly (r a) times a Marchenko-Pastur matrix of ratio 1/r (here r d = n)
    scaled = {"kind": "affine", "scale": r * a, "shift": 0, "base": mp(1 / r)}
    np.testing.assert_allclose(spectrum(fp, d=d, seeds=4, seed=4).eigenvalues,
                               spectrum(scaled, d=d, seeds=4, seed=4).eigenvalues, rtol=1e-12)


# ----------------------------------------------------------------------------- atoms, affine, inverse

def test_atoms_multiplicities_exact():
    third = sympy.Rational(1, 3)
    s = spectrum(atoms([0, 1, 2], [third] * 3), d=10, seeds=3)
    np.testing.assert_array_equal(s.eigenvalues, np.tile([0.0] * 4 + [1.0] * 3 + [2.0] * 3, (3, 1)))
    s = spectrum(atoms([5, -1], [0.25, 0.75]), d=2, seeds=1)   # remainders tie: earlier atom wins
    np.testing.assert_array_equal(s.eigenvalues, [[-1.0, 5.0]])
    s = spectrum(atoms([1, 2, 3], [0.15, 0.15, 0.7]), d=10, seeds=1)  # 1.5, 1.5, 7 -> 2, 1, 7
    np.testing.assert_array_equal(s.eigenvalues[0], expand([1, 2, 3], [0.15, 0.15, 0.7], 10))
    assert np.sum(s.eigenvalues == 1.0) == 2 and np.sum(s.eigenvalues == 2.0) == 1


def test_affine_and_inverse_exact_on_atoms():
    base = atoms([0.5, 2.0, 4.0], [0.2, 0.3, 0.5])
    e = expand([0.5, 2.0, 4.0], [0.2, 0.3, 0.5], 10)
    s = spectrum({"kind": "affine", "scale": -2, "shift": 1, "base": base}, d=10, seeds=2)
    np.testing.assert_allclose(s.eigenvalues[1], np.sort(-2 * e + 1))
    s = spectrum({"kind": "inverse", "base": base}, d=10, seeds=2)
    np.testing.assert_allclose(s.eigenvalues[0], np.sort(1 / e))


def test_inverse_wishart_mean():
    # E (X^T X)^{-1} = I / (n - d - 1) for X n x d standard Gaussian, so
    # E (1/d) tr W^{-1} = n / (n - d - 1) with W = X^T X / n.
    d, n = 10, 20
    s = spectrum({"kind": "inverse", "base": mp(0.5)}, d=d, seeds=4000, seed=6)
    assert abs(zscore(per_seed_moment(s.eigenvalues, 1), n / (n - d - 1))) < Z_BOUND
    assert abs(zscore(per_seed_moment(s.eigenvalues, 1), n / (n - d))) > Z_BOUND


def test_affine_of_invariant_matrices():
    d = 8
    base = {"kind": "free_add", "left": SC, "right": mp(0.5)}
    plain = spectrum(base, d=d, seeds=3, seed=2).eigenvalues
    s = spectrum({"kind": "affine", "scale": -0.5, "shift": 3, "base": base}, d=d, seeds=3, seed=2)
    np.testing.assert_allclose(s.eigenvalues, np.sort(-0.5 * plain + 3, axis=1), atol=1e-12)


# ----------------------------------------------------------------------------- free_add / free_mul

def test_haar_path_equals_literal_matrices():
    """free_add / free_mul of deterministic matrices against the literal construction with the
    documented Haar draw; the non-symmetric A O B O^T has the same (real) eigenvalues."""
    d, seeds, seed = 6, 3, 7
    a = expand([1.0, 3.0], [0.5, 0.5], d)
    b = expand([-1.0, 2.0], [0.5, 0.5], d)
    O = haar_orthogonal(d, seeds=seeds, seed=seed)
    add = spectrum({"kind": "free_add", "left": A13, "right": atoms([-1, 2], [0.5, 0.5])},
                   d=d, seeds=seeds, seed=seed).eigenvalues
    mul = spectrum({"kind": "free_mul", "left": A13, "right": atoms([-1, 2], [0.5, 0.5])},
                   d=d, seeds=seeds, seed=seed).eigenvalues
    for k in range(seeds):
        OBO = O[k] @ np.diag(b) @ O[k].T
        np.testing.assert_allclose(add[k], np.linalg.eigvalsh(np.diag(a) + OBO), atol=1e-12)
        sym = np.diag(np.sqrt(a)) @ OBO @ np.diag(np.sqrt(a))
        np.testing.assert_allclose(mul[k], np.linalg.eigvalsh(sym), atol=1e-12)
        general = np.linalg.eigvals(np.diag(a) @ OBO)       # not symmetric
        assert np.max(np.abs(general.imag)) < 1e-10
        np.testing.assert_allclose(mul[k], np.sort(general.real), atol=1e-10)


def test_free_add_trace_identities():
    d = 10
    # deterministic summands: the trace is exact in every draw
    s = spectrum({"kind": "free_add", "left": A13, "right": B02}, d=d, seeds=4000, seed=8)
    np.testing.assert_allclose(per_seed_moment(s.eigenvalues, 1), 2.0 + 1.0, rtol=1e-12)
    # E (1/d) tr (A + O B O^T)^2 = m2(A) + m2(B) + 2 m1(A) m1(B)  (E O B O^T = m1(B) I)
    m2 = per_seed_moment(s.eigenvalues, 2)
    assert abs(zscore(m2, 5 + 2 + 2 * 2 * 1)) < Z_BOUND
    assert abs(zscore(m2, 13.0)) > Z_BOUND and abs(zscore(m2, 9.0)) > Z_BOUND  # (anti-)aligned
    # random summands (invariant-matrix paths)
    n = 20
    cases = [
        ({"kind": "free_add", "left": SC, "right": B02}, 0 + 1, 1.7 * (1 + 1 / d) + 2),
        ({"kind": "free_add", "left": B02, "right": SC}, 1 + 0, 2 + 1.7 * (1 + 1 / d)),
        ({"kind": "free_add", "left": mp(0.5), "right": B02}, 1 + 1,
         wishart_m2(np.eye(d), n) + 2 + 2 * 1 * 1),
        ({"kind": "free_add", "left": SC, "right": mp(0.5)}, 1,
         1.7 * (1 + 1 / d) + wishart_m2(np.eye(d), n)),
        ({"kind": "free_add", "left": {"kind": "inverse", "base": {"kind": "inverse", "base": mp(0.5)}},
          "right": B02}, 2, wishart_m2(np.eye(d), n) + 2 + 2),          # eigenvalues + Haar path
    ]
    for recipe, m1, m2 in cases:
        e = spectrum(recipe, d=d, seeds=3000, seed=9).eigenvalues
        assert abs(zscore(per_seed_moment(e, 1), m1)) < Z_BOUND, recipe
        assert abs(zscore(per_seed_moment(e, 2), m2)) < Z_BOUND, recipe


def test_free_mul_trace_identity_needs_haar():
    # E (1/d) tr (A^{1/2} O B O^T A^{1/2}) = (1/d) tr (A E[O B O^T]) = m1(A) m1(B) = 2
    s = spectrum({"kind": "free_mul", "left": A13, "right": B02}, d=10, seeds=4000, seed=10)
    m1 = per_seed_moment(s.eigenvalues, 1)
    assert abs(zscore(m1, 2.0)) < Z_BOUND
    assert abs(zscore(m1, 3.0)) > Z_BOUND               # aligned diagonals would give 3
    assert np.all(s.eigenvalues >= -1e-12)              # A^{1/2} B' A^{1/2} with B' PSD


def wishart_paths(d, q, B):
    """Recipes whose spectrum is that of W^{1/2} O B O^T W^{1/2} (W ~ X^T X/n), via each path."""
    W = mp(q)
    eig_only = {"kind": "inverse", "base": {"kind": "inverse", "base": W}}
    out = [{"kind": "free_mul", "left": W, "right": B},                  # Gram factor
           {"kind": "free_mul", "left": eig_only, "right": B}]           # eigenvalues + Haar
    if B["kind"] == "atoms" and min(B["points"]) >= 0:
        out.append({"kind": "free_mul", "left": B, "right": W})          # B PSD: commutes
    return out


@pytest.mark.parametrize("q, points", [(0.5, [0.5, 2.0]), (0.5, [-1.0, 2.0]), (2.0, [0.5, 2.0]),
                                       (2.0, [-1.0, 2.0])])
def test_free_mul_second_moment_every_path(q, points):
    """E (1/d) tr (W B)^2 = [(tr B)^2 + (n+1) tr B^2]/(n d), whatever the rotation of B."""
    d = 10
    n = round(d / q)
    B = atoms(points, [0.5, 0.5])
    bdiag = np.diag(expand(points, [0.5, 0.5], d))
    for recipe in wishart_paths(d, q, B):
        if q > 1 and recipe["left"]["kind"] == "inverse":
            continue                                     # a singular W has no inverse
        e = spectrum(recipe, d=d, seeds=3000, seed=12).eigenvalues
        assert abs(zscore(per_seed_moment(e, 1), np.trace(bdiag) / d)) < Z_BOUND, recipe
        m2 = per_seed_moment(e, 2)
        assert abs(zscore(m2, wishart_m2(bdiag, n))) < Z_BOUND, recipe
        assert abs(zscore(m2, np.trace(bdiag @ bdiag) / d)) > Z_BOUND, recipe  # no W at all


def test_free_mul_with_invariant_right_factors():
    d, n, v = 10, 20, 1.7
    # E_W [(1/d) tr (W M)^2 | M] = [(tr M)^2 + (n+1) tr M^2]/(n d); E (tr M)^2 = 2v, E tr M^2 = v(d+1)
    expect = (2 * v + (n + 1) * v * (d + 1)) / (n * d)
    for left in (mp(0.5), {"kind": "inverse", "base": {"kind": "inverse", "base": mp(0.5)}}):
        e = spectrum({"kind": "free_mul", "left": left, "right": SC}, d=d, seeds=3000,
                     seed=13).eigenvalues
        assert abs(zscore(per_seed_moment(e, 2), expect)) < Z_BOUND
        assert abs(zscore(per_seed_moment(e, 1), 0.0)) < Z_BOUND
    # left atoms, right Wishart (dense invariant path)
    e = spectrum({"kind": "free_mul", "left": A13, "right": mp(0.5)}, d=d, seeds=3000,
                 seed=14).eigenvalues
    a = np.diag(expand([1.0, 3.0], [0.5, 0.5], d))
    assert abs(zscore(per_seed_moment(e, 2), wishart_m2(a, n))) < Z_BOUND
    # product of two Wisharts: E (1/d) tr (W1 W2) = 1
    e = spectrum({"kind": "free_mul", "left": mp(0.5), "right": mp(2.0)}, d=d, seeds=3000,
                 seed=15).eigenvalues
    assert abs(zscore(per_seed_moment(e, 1), 1.0)) < Z_BOUND


# ----------------------------------------------------------------------------- Haar

def test_haar_orthogonal_and_invariant():
    d, seeds = 4, 4000
    O = haar_orthogonal(d, seeds=seeds, seed=16)
    eye = np.broadcast_to(np.eye(d), O.shape)
    assert np.max(np.abs(O @ O.transpose(0, 2, 1) - eye)) < 1e-12
    assert np.max(np.abs(O.transpose(0, 2, 1) @ O - eye)) < 1e-12
    # every entry has mean 0 and E O_ij^2 = 1/d (columns and rows uniform on the sphere)
    zs = [zscore(O[:, i, j], 0.0) for i in range(d) for j in range(d)]
    assert max(map(abs, zs)) < Z_BOUND
    assert abs(zscore(O[:, 0, 0] ** 2, 1 / d)) < Z_BOUND
    assert abs(zscore(O[:, 2, 3] ** 2, 1 / d)) < Z_BOUND
    # O_11^2 = z_1^2/|z|^2 ~ Beta(1/2, (d-1)/2) for a uniform unit vector
    assert scipy.stats.kstest(O[:, 0, 0] ** 2, scipy.stats.beta(0.5, (d - 1) / 2).cdf).pvalue > 1e-3
    # det = +1 and -1 equally often (Haar on O(d), not SO(d))
    plus = (np.linalg.det(O) > 0).astype(float)
    assert abs(zscore(plus, 0.5)) < Z_BOUND
    # power: LAPACK's Q without the sign correction is not Haar (its O_11 is always negative)
    children = np.random.SeedSequence(16).spawn(seeds)
    raw = np.array([np.linalg.qr(np.random.default_rng(c).standard_normal((d, d)))[0]
                    for c in children[:400]])
    assert abs(zscore(raw[:, 0, 0], 0.0)) > 3 * Z_BOUND


# ----------------------------------------------------------------------------- SpectrumSample

def test_moment_estimate():
    s = spectrum({"kind": "free_add", "left": SC, "right": B02}, d=8, seeds=5, seed=1)
    est = s.moment(2)
    per_seed = np.mean(s.eigenvalues ** 2, axis=1)
    assert est.n == 5
    assert float(est.mean) == pytest.approx(per_seed.mean())
    assert float(est.stderr) == pytest.approx(per_seed.std(ddof=1) / math.sqrt(5))
    assert float(s.moment(0).mean) == 1.0
    assert math.isnan(float(spectrum(SC, d=8, seeds=1).moment(1).stderr))


def test_ks_distance():
    s = spectrum(atoms([0.0, 1.0], [0.5, 0.5]), d=10, seeds=3)

    def cdf(w0):
        return lambda x: w0 * (np.asarray(x) >= 0) + (1 - w0) * (np.asarray(x) >= 1)

    assert s.ks_distance(cdf(0.5)) == 0.0               # atoms and ties handled exactly
    assert s.ks_distance(cdf(0.3)) == pytest.approx(0.2)
    assert s.ks_distance(lambda x: float(x >= 0.5)) == pytest.approx(0.5)   # scalar-only callable
    g = spectrum(SC, d=30, seeds=4, seed=2)
    ref = scipy.stats.kstest(g.eigenvalues.ravel(), scipy.stats.norm(0, 1.2).cdf).statistic
    assert g.ks_distance(scipy.stats.norm(0, 1.2).cdf) == pytest.approx(ref, abs=1e-14)
    with pytest.raises(ParameterError, match="cdf"):
        g.ks_distance(lambda x: 2.0 + 0 * x)
    with pytest.raises(ParameterError, match="cdf"):
        g.ks_distance("not callable")


def test_histogram_normalised_by_all_eigenvalues():
    s = spectrum(atoms([0.0, 1.0], [0.5, 0.5]), d=10, seeds=2)
    dens, edges = s.histogram(bins=2, range=(0.5, 1.5))
    np.testing.assert_allclose(edges, [0.5, 1.0, 1.5])
    np.testing.assert_allclose(dens, [0.0, 1.0])        # half the mass in a bin of width 1/2
    g = spectrum(SC, d=20, seeds=3)
    dens, edges = g.histogram(bins=15)
    assert np.sum(dens * np.diff(edges)) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- recipe input

def test_ensemble_objects_and_sympy_numbers():
    law = SimpleNamespace(ensemble={"kind": "free_mul",
                                    "left": SimpleNamespace(ensemble=mp(sympy.Rational(1, 2))),
                                    "right": atoms([sympy.Integer(1), sympy.Float(2.5)],
                                                   [sympy.Rational(1, 4), sympy.Rational(3, 4)])})
    plain = {"kind": "free_mul", "left": mp(0.5), "right": atoms([1, 2.5], [0.25, 0.75])}
    np.testing.assert_array_equal(spectrum(law, d=8, seeds=2, seed=3).eigenvalues,
                                  spectrum(plain, d=8, seeds=2, seed=3).eigenvalues)
    assert spectrum(law, d=8, seeds=2).recipe == spectrum(plain, d=8, seeds=2).recipe
    np.testing.assert_array_equal(goe(6, variance=sympy.Rational(3, 2), seeds=2),
                                  goe(6, variance=1.5, seeds=2))


INVALID = [
    (lambda: goe(0), "d"),
    (lambda: goe(2.5), "d"),
    (lambda: goe(True), "d"),
    (lambda: goe(4001, seeds=1), "d"),
    (lambda: goe(4000, seeds=100), "d"),                 # too much work, refused before drawing
    (lambda: spectrum({"kind": "free_add", "left": SC, "right": SC}, d=3000, seeds=50), "d"),
    (lambda: goe(5, seeds=0), "seeds"),
    (lambda: goe(5, seed=-1), "seed"),
    (lambda: goe(5, seed=1.5), "seed"),
    (lambda: goe(5, variance=-1.0), "variance"),
    (lambda: goe(5, variance=0.0), "variance"),
    (lambda: goe(5, variance=float("nan")), "variance"),
    (lambda: goe(5, variance=sympy.Symbol("v")), "variance"),
    (lambda: wishart(5, 0.0), "ratio"),
    (lambda: wishart(5, -0.5), "ratio"),
    (lambda: wishart(5, 100.0), "ratio"),                # n = round(0.05) = 0
    (lambda: wishart(2000, 1e-5), "ratio"),              # n d too large
    (lambda: wishart(5, 0.5, population=[1, 2, 3]), "population"),
    (lambda: wishart(5, 0.5, population=[1, 2, 3, 4, -5]), "population"),
    (lambda: wishart(5, 0.5, population=[(1, 0.5), (2, 0.6)]), "population"),
    (lambda: wishart(5, 0.5, population="abc"), "population"),
    (lambda: wishart(5, 0.5, population=lambda d: np.ones(d + 1)), "population"),
    (lambda: spectrum({"kind": "nope"}, d=5), "recipe"),
    (lambda: spectrum(42, d=5), "recipe"),
    (lambda: spectrum({"kind": "semicircle"}, d=5), "variance"),
    (lambda: spectrum({"kind": "semicircle", "variance": 1, "varience": 2}, d=5), "recipe"),
    (lambda: spectrum(mp(0), d=5), "ratio"),
    (lambda: spectrum(atoms([1, 2], [0.5, 0.6]), d=5), "weights"),
    (lambda: spectrum(atoms([1, 2], [1.5, -0.5]), d=5), "weights"),
    (lambda: spectrum(atoms([1, 2], [1.0]), d=5), "weights"),
    (lambda: spectrum(atoms([], []), d=5), "points"),
    (lambda: spectrum(atoms([1, float("inf")], [0.5, 0.5]), d=5), "points"),
    (lambda: spectrum({"kind": "free_poisson", "rate": -1, "jump": 1}, d=5), "rate"),
    (lambda: spectrum({"kind": "free_poisson", "rate": 0.01, "jump": 1}, d=5), "rate"),
    (lambda: spectrum({"kind": "free_poisson", "rate": 1, "jump": 0}, d=5), "jump"),
    (lambda: spectrum({"kind": "affine", "scale": "x", "base": SC}, d=5), "scale"),
    (lambda: spectrum({"kind": "free_add", "left": SC}, d=5), "right"),
    (lambda: spectrum({"kind": "free_add", "left": SC, "right": {"kind": "semicircle",
                                                                 "variance": -1}}, d=5), "variance"),
    (lambda: spectrum({"kind": "free_mul", "left": SC, "right": B02}, d=5), "left"),
    (lambda: spectrum({"kind": "inverse", "base": mp(2.0)}, d=6), "base"),
    (lambda: spectrum({"kind": "inverse", "base": atoms([0, 1], [0.5, 0.5])}, d=6), "base"),
    (lambda: spectrum(SC, d=5).moment(-1), "k"),
    (lambda: spectrum(SC, d=5).moment(1.5), "k"),
    (lambda: haar_orthogonal(0), "d"),
]


@pytest.mark.parametrize("call, name", INVALID, ids=[f"{i}-{n}" for i, (_, n) in enumerate(INVALID)])
def test_invalid_inputs_name_the_argument(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == name
    assert f"`{name}`" in str(info.value)


# ----------------------------------------------------------------------------- property test

recipes = st.recursive(
    st.lists(st.tuples(st.floats(-3, 3), st.floats(0.1, 1)), min_size=1, max_size=3).map(
        lambda pw: atoms([p for p, _ in pw], [w / sum(w for _, w in pw) for _, w in pw]))
    | st.builds(lambda v: {"kind": "semicircle", "variance": v}, st.floats(0.1, 3)),
    lambda inner: st.builds(lambda a, b, base: {"kind": "affine", "scale": a, "shift": b,
                                                "base": base},
                            st.floats(-2, 2), st.floats(-2, 2), inner)
    | st.builds(lambda l, r: {"kind": "free_add", "left": l, "right": r}, inner, inner),
    max_leaves=4)


def exact_trace(recipe, d):
    """(1/d) tr of a draw when it is deterministic, else None (GOE traces are random)."""
    k = recipe["kind"]
    if k == "atoms":
        return float(np.mean(expand(recipe["points"], recipe["weights"], d)))
    if k == "semicircle":
        return None
    if k == "affine":
        t = exact_trace(recipe["base"], d)
        return None if t is None else recipe["scale"] * t + recipe["shift"]
    tl, tr = exact_trace(recipe["left"], d), exact_trace(recipe["right"], d)
    return None if tl is None or tr is None else tl + tr


@settings(max_examples=40, deadline=None)
@given(recipes, st.integers(1, 12))
def test_property_traces_of_sums_and_affine_maps(recipe, d):
    s = spectrum(recipe, d=d, seeds=3, seed=0)
    assert s.eigenvalues.shape == (3, d)
    assert np.all(np.diff(s.eigenvalues, axis=1) >= 0)
    t = exact_trace(recipe, d)
    if t is not None:
        np.testing.assert_allclose(s.eigenvalues.mean(axis=1), t, atol=1e-9 * (1 + abs(t)) * 10)
