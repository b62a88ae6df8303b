"""Numeric free convolutions by subordination (saddlepoint.solvers.free_subordination).

Checked three ways:
* against the algebraic route (SymPy resultants + free_numeric branch following) on laws that
  are algebraic, so the same law is computed by two unrelated methods (1e-10 agreement);
* exact identities: moments of the convolution from the factors' moments (compared with the
  exact rationals of the algebraic law, and with an independent mpmath sum for a power law),
  mass and moments of the density, Nevanlinna sign of g, atoms from Belinschi's rule;
* against simulation: sample covariances with a power-law population
  (saddlepoint.simulate.matrices.wishart, written from the model's definition).
"""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddlepoint import free
from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.simulate import matrices
from saddlepoint.solvers import free_subordination as fs

R = sympy.Rational
HALF = R(1, 2)


def _bulk(law, x, margin):
    """Points of x farther than `margin` from every support edge and atom (where both routes
    are accurate to ~1e-12; at an edge the density has a square-root and both lose digits)."""
    pts = [float(e) for e in law.support()] + [float(a) for a, _ in law.atoms()]
    keep = np.ones(x.shape, dtype=bool)
    for p in pts:
        keep &= np.abs(x - p) > margin
    return x[keep]


def _integrate(law, f, per_interval=400):
    """Integral of f(x) * density over the support intervals: Gauss-Legendre in theta,
    x = a + (b - a)(1 - cos theta)/2 (smooth integrand at square-root edges)."""
    t, w = np.polynomial.legendre.leggauss(per_interval)
    th = 0.5 * np.pi * (t + 1.0)
    edges = law.support()
    total = 0.0
    for a, b in zip(edges[::2], edges[1::2]):
        x = a + 0.5 * (b - a) * (1.0 - np.cos(th))
        jac = 0.25 * np.pi * (b - a) * np.sin(th)
        total += np.sum(w * jac * f(x) * law.density(x))
    return total


# ---------------------------------------------------------------------------------------------
# the same law two ways
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def covariance_pair():
    """MP(1/4) ⊠ (half 2, half 1/2): algebraic (resultant) and numeric (Silverstein eq.)."""
    alg = free.free_mul(free.MarchenkoPastur(R(1, 4)), free.Atoms([2, HALF], [HALF, HALF]))
    num = fs.free_mul(free.MarchenkoPastur(0.25), fs.from_atoms([2.0, 0.5]))
    return alg, num


def test_silverstein_equation_matches_the_resultant(covariance_pair):
    alg, num = covariance_pair
    assert num.variant == "mul-rational"
    x = _bulk(alg, np.linspace(0.0, 4.5, 700), 1e-3)
    rho_a, rho_n = alg.density(x), num.density(x)
    assert np.max(np.abs(rho_a - rho_n)) <= 1e-10 * np.max(rho_a)
    z = np.array([0.5 + 0.01j, 1.0 + 1e-4j, 3.0 + 0.5j, -1.0 + 2j, 10.0 + 0.0j])
    assert np.max(np.abs(alg.stieltjes_numeric(z) - num.stieltjes(z))) <= 1e-12
    # edges: bisection on rho > 0 is limited by the ~sqrt(eps) accuracy next to an edge
    exact = np.array([float(e) for e in alg.support()])
    assert np.max(np.abs(np.array(num.support()) - exact)) <= 1e-7


def test_rank_deficient_covariance_has_the_atom_at_zero():
    alg = free.free_mul(free.MarchenkoPastur(2), free.Atoms([1, 3], [R(1, 3), R(2, 3)]))
    num = fs.free_mul(free.MarchenkoPastur(2), fs.from_atoms([1.0, 3.0], [1 / 3, 2 / 3]))
    assert num.atoms() == [(0.0, 0.5)] and alg.atoms() == [(0, HALF)]
    x = _bulk(alg, np.linspace(-0.5, 12.0, 600), 1e-3)
    assert np.max(np.abs(alg.density(x) - num.density(x))) <= 1e-10 * np.max(alg.density(x))


def test_semicircle_plus_atoms_one_sided_matches_algebraic():
    alg = free.free_add(free.Semicircle(R(1, 10)), free.Atoms([-1, 1], [HALF, HALF]))
    num = free.free_add(free.Semicircle(R(1, 10)), fs.from_atoms([-1.0, 1.0]))   # dispatch
    assert isinstance(num, fs.NumericLaw) and num.variant == "add-rational"
    x = _bulk(alg, np.linspace(-2.0, 2.0, 801), 1e-3)
    assert np.max(np.abs(alg.density(x) - num.density(x))) <= 1e-10
    z = np.array([0.3 + 0.1j, -1.0 + 1e-5j, 2.0 + 0.0j, 0.0 + 3j])
    assert np.max(np.abs(alg.stieltjes_numeric(z) - num.stieltjes(z))) <= 1e-12


def test_two_sided_additive_with_a_non_rational_algebraic_factor():
    # the deformed Wigner law has no rational R-transform: Belinschi-Bercovici's fixed point
    dw = free.free_add(free.Semicircle(R(1, 10)), free.Atoms([-1, 1]))
    alg = free.free_add(dw, free.Atoms([0, 1]))
    num = fs.free_add(dw, fs.from_atoms([0.0, 1.0]))
    assert num.variant == "add"
    x = _bulk(alg, np.linspace(-2.0, 3.0, 301), 1e-3)
    assert np.max(np.abs(alg.density(x) - num.density(x))) <= 1e-10
    z = np.array([1 + 1j, 2 + 0.1j, 0.5 + 1e-3j])
    assert np.max(np.abs(alg.stieltjes_numeric(z) - num.stieltjes(z))) <= 1e-12


def test_two_sided_products_and_sums_of_discrete_laws():
    alg_m = free.free_mul(free.Atoms([1, 2]), free.Atoms([1, 3], [R(1, 4), R(3, 4)]))
    num_m = fs.free_mul(fs.from_atoms([1.0, 2.0]), fs.from_atoms([1.0, 3.0], [0.25, 0.75]))
    assert num_m.variant == "mul"
    # Belinschi 2003: atoms at ab with weight w_a + w_b - 1 > 0
    assert num_m.atoms() == [(3.0, 0.25), (6.0, 0.25)]
    assert [(float(a), float(w)) for a, w in alg_m.atoms()] == num_m.atoms()
    x = _bulk(alg_m, np.linspace(0.0, 7.0, 301), 1e-3)
    assert np.max(np.abs(alg_m.density(x) - num_m.density(x))) <= 1e-10
    alg_a = free.free_add(free.Atoms([-1, 1]), free.Atoms([0, HALF], [R(3, 10), R(7, 10)]))
    num_a = fs.free_add(fs.from_atoms([-1.0, 1.0]), fs.from_atoms([0.0, 0.5], [0.3, 0.7]))
    assert num_a.variant == "add"
    # Bercovici-Voiculescu: atoms at a + b with weight w_a + w_b - 1 > 0
    assert [(p, round(w, 12)) for p, w in num_a.atoms()] == [(-0.5, 0.2), (1.5, 0.2)]
    z = np.array([0.3 + 0.1j, -1 + 1j, 2 + 0.01j])
    assert np.max(np.abs(num_a.stieltjes(z) - alg_a.stieltjes_numeric(z))) <= 1e-12


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=st.sampled_from([R(1, 5), R(1, 2), R(3, 2), R(3)]),
       p=st.integers(2, 9), w=st.integers(1, 9))
def test_property_covariance_two_ways(q, p, w):
    pts, wts = [1, R(p, 3)], [R(w, 10), 1 - R(w, 10)]
    alg = free.free_mul(free.MarchenkoPastur(q), free.Atoms(pts, wts))
    num = fs.free_mul(free.MarchenkoPastur(float(q)),
                      fs.from_atoms([float(v) for v in pts], [float(v) for v in wts]))
    z = np.array([0.5 + 0.5j, 2.0 + 0.05j, float(p) + 1e-3j])
    assert np.max(np.abs(alg.stieltjes_numeric(z) - num.stieltjes(z))) <= 1e-11
    # exact moments: S-transforms multiply (numeric, mpmath) vs the algebraic law (rationals)
    for k in range(1, 7):
        assert abs(num.moment(k) - float(alg.moment(k))) <= 1e-13 * float(alg.moment(k))


# ---------------------------------------------------------------------------------------------
# exact moments, mass, branch
# ---------------------------------------------------------------------------------------------

def test_power_law_moments_are_exact_at_high_precision():
    pl = fs.power_law(alpha=1.5, d=300)
    with mpmath.workdps(60):
        # independent: Hurwitz zeta, sum_{k<=d} k^-s = zeta(s) - zeta(s, d + 1)
        ref = (mpmath.zeta(3) - mpmath.zeta(3, 301)) / 300
        assert abs(pl.moment(2, dps=50) - ref) < mpmath.mpf(10) ** -48 * ref
    cov = fs.free_mul(free.MarchenkoPastur(0.5), pl)
    m1, m2 = pl.moment(1), pl.moment(2)
    # MP(q) ⊠ H: m_1 = h_1, m_2 = h_2 + q h_1^2 (S-transform product, two terms by hand)
    assert cov.moment(1) == pytest.approx(m1, rel=1e-15)
    assert cov.moment(2) == pytest.approx(m2 + 0.5 * m1 ** 2, rel=1e-14)
    assert cov.free_cumulant(1) == pytest.approx(m1, rel=1e-15)


@settings(max_examples=15, deadline=None)
@given(alpha=st.floats(0.2, 3.0), d=st.integers(1, 60), q=st.floats(0.05, 4.0))
def test_property_covariance_moments_closed_form(alpha, d, q):
    # sample-covariance moments (Bai & Silverstein 2010, Sec. 3.1.1 / Yin & Krishnaiah 1983):
    # m_1 = h_1, m_2 = h_2 + q h_1^2, m_3 = h_3 + 3 q h_1 h_2 + q^2 h_1^3; h_j from a direct sum
    ks = np.arange(1, d + 1, dtype=float)
    h1, h2, h3 = (np.mean(ks ** (-j * alpha)) for j in (1, 2, 3))
    law = fs.free_mul(free.MarchenkoPastur(q), fs.power_law(alpha, d))
    assert law.moment(1) == pytest.approx(h1, rel=1e-13)
    assert law.moment(2) == pytest.approx(h2 + q * h1 ** 2, rel=1e-13)
    assert law.moment(3) == pytest.approx(h3 + 3 * q * h1 * h2 + q ** 2 * h1 ** 3, rel=1e-13)


def test_single_atom_population_is_marchenko_pastur():
    law = fs.free_mul(free.MarchenkoPastur(R(1, 3)), fs.power_law(2.0, 1))      # Sigma = I
    mp = free.MarchenkoPastur(R(1, 3))
    x = _bulk(mp, np.linspace(0.0, 3.0, 200), 1e-3)
    assert np.max(np.abs(law.density(x) - mp.density(x))) <= 1e-10


def test_additive_moments_by_cumulants():
    law = fs.free_add(free.Semicircle(1), fs.from_atoms([-1.0, 1.0]))
    # kappa_2 = 1 + 1, kappa_4 = 0 + (1 - 2) = -1  ->  m_4 = kappa_4 + 2 kappa_2^2 = 7
    assert law.moments(5).tolist() == pytest.approx([1, 0, 2, 0, 7], abs=1e-14)


@pytest.fixture(scope="module")
def deficient_powerlaw():
    """MP(2) ⊠ power law d = 60: an atom 1/2 at 0 and many support intervals."""
    return fs.free_mul(free.MarchenkoPastur(2.0), fs.power_law(1.0, 60))


def test_density_integrates_to_the_non_atomic_mass(deficient_powerlaw):
    law = deficient_powerlaw
    assert law.atoms() == [(0.0, 0.5)]
    mass = _integrate(law, lambda x: np.ones_like(x))
    assert mass == pytest.approx(0.5, abs=1e-6)


def test_moments_of_the_density_match_the_exact_moments(deficient_powerlaw):
    law = deficient_powerlaw
    for k in (1, 2, 3):
        numeric = _integrate(law, lambda x, k=k: x ** k)          # the atom sits at 0
        assert numeric == pytest.approx(law.moment(k), rel=1e-6)


def test_physical_branch_signs():
    law = fs.free_mul(free.MarchenkoPastur(0.5), fs.power_law(1.5, 100))
    rng = np.random.default_rng(3)
    z = rng.uniform(-1, 3, 200) + 1j * 10.0 ** rng.uniform(-6, 1, 200)
    g = law.stieltjes(z)
    assert np.all(g.imag < 0)
    assert np.all(np.abs(g) <= 1.0 / z.imag * (1 + 1e-12))        # |g| <= 1/Im z
    assert np.allclose(law.stieltjes(z.conj()), g.conj(), rtol=1e-13, atol=0)
    big = np.array([1e4 + 1j, -3e4 + 5e3j])
    assert np.allclose(law.stieltjes(big) * big, 1 + law.moment(1) / big, rtol=1e-7)
    x = np.linspace(-0.5, 3.5, 400)
    assert np.all(law.density(x) >= 0) and np.all(law.density(x[x < 0]) == 0)


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: fs.from_atoms([1.0, 2.0], [1.2, -0.2]), "weights"),
    (lambda: fs.from_atoms([1.0, 2.0], [0.5, 0.6]), "weights"),
    (lambda: fs.from_atoms([], None), "points"),
    (lambda: fs.from_atoms([1.0, np.nan]), "points"),
    (lambda: fs.power_law(alpha=0.0, d=10), "alpha"),
    (lambda: fs.power_law(alpha=-1.0, d=10), "alpha"),
    (lambda: fs.power_law(alpha=1.0, d=0), "d"),
    (lambda: fs.power_law(alpha=1.0, d=2.5), "d"),
    (lambda: fs.power_law(alpha=1.0, d=None), "d"),
    (lambda: fs.free_mul(fs.from_atoms([-1.0, 1.0]), fs.from_atoms([-2.0, 1.0])), "a"),
    (lambda: fs.free_mul(free.MarchenkoPastur(0.5), fs.from_atoms([1.0]), maxiter=0), "maxiter"),
    (lambda: fs.free_add(free.Semicircle(1), fs.from_atoms([1.0]), tol=-1), "tol"),
    (lambda: fs.free_add(free.Semicircle(1), fs.from_atoms([1.0]), max_steps=0), "max_steps"),
    (lambda: fs.from_law(free.MarchenkoPastur(sympy.Symbol("q"))), "q"),
    (lambda: fs.free_add(free.Semicircle(1), 3.0), "b"),
    (lambda: fs.from_atoms([1.0]).moment(-1), "k"),
    (lambda: fs.from_atoms([1.0]).stieltjes("x"), "z"),
])
def test_invalid_inputs_raise_parameter_error(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == name


def test_non_convergence_raises_with_point_residual_iterations():
    # a continuation budget of two steps cannot reach the real axis from y0 ~ 4 * spread
    law = fs.free_mul(free.MarchenkoPastur(0.5), fs.power_law(1.5, 50), max_steps=2)
    with pytest.raises(ConvergenceError) as info:
        law.density(np.array([0.1, 0.2]))
    err = info.value
    assert err.point["z"].imag == 0 and err.iterations == 2 and err.n_failed == 2
    # with one Newton correction per step and an unreachable tolerance, Newton never converges
    # at the start (no rounding-floor acceptance before two corrections)
    law = fs.free_add(free.Semicircle(1), fs.from_atoms([-1.0, 1.0]), tol=1e-30, maxiter=1)
    with pytest.raises(ConvergenceError) as info:
        law.stieltjes(np.array([0.5 + 0.1j]))
    assert info.value.residual > 1e-30 and "z" in info.value.point


def test_front_door_names():
    law = free.free_mul(free.MarchenkoPastur(0.5), free.PowerLawPopulation(1.5, d=40))
    assert isinstance(law, free.NumericLaw)
    same = free.PowerLawPopulation(1.5, 40)
    assert free.numeric_law.power_law(1.5, 40).moment(3) == same.moment(3)
    assert "power_law(alpha=1.5, d=40)" in repr(law)
    # the algebraic path is untouched
    assert free.free_add(free.Semicircle(1), free.Semicircle(2)) == free.Semicircle(3)
    wrapped = fs.from_law(free.Atoms([1, 2]))
    assert wrapped.atoms() == [(1.0, 0.5), (2.0, 0.5)]


# ---------------------------------------------------------------------------------------------
# against simulation: Sigma^(1/2) (X^T X / n) Sigma^(1/2), Sigma = diag(k^-alpha)
# ---------------------------------------------------------------------------------------------

def _ks(eigs, law):
    ev = np.sort(eigs.ravel())
    F = law.cdf(ev)
    n = ev.size
    return max(np.max(np.abs(np.arange(1, n + 1) / n - F)), np.max(np.abs(np.arange(n) / n - F)))


@pytest.mark.slow
def test_power_law_covariance_agrees_with_simulation():
    alpha, q = 0.5, 0.5
    ks = {}
    for d, seeds in ((100, 8), (400, 4)):
        law = fs.free_mul(free.MarchenkoPastur(q), fs.power_law(alpha, d))
        eigs = matrices.wishart(d, q, population=np.arange(1, d + 1) ** -alpha, seeds=seeds,
                                seed=11)
        ks[d] = _ks(eigs, law)
        n = round(d / q)
        for k in (1, 2):
            per_seed = np.mean(eigs ** k, axis=1)
            mean, err = per_seed.mean(), per_seed.std(ddof=1) / np.sqrt(seeds)
            # exact finite-n Wishart moments (simulate.matrices.wishart docstring):
            # E tr W / d = tr S / d; E tr W^2 / d = [(tr S)^2 + (n + 1) tr S^2] / (n d), i.e.
            # the free limit h_2 + q h_1^2 plus h_2 / n
            bias = 0.0 if k == 1 else fs.power_law(alpha, d).moment(2) / n
            assert abs(mean - law.moment(k) - bias) <= 4 * err, (d, k)
    # the empirical spectral distribution approaches the deterministic equivalent
    assert ks[100] < 0.03 and ks[400] < 0.01 and ks[400] < 0.6 * ks[100]


def test_support_finds_every_narrow_band_and_cdf_never_hides_mass():
    """Found by an audit: at q = 1e-4 the sample covariance of k^-1.5 (d = 30) has one narrow
    band per population eigenvalue (width ~ 4 sqrt(q) k^-1.5, down to 2e-4, below the even
    grid's spacing): support() returned 13 of 30 bands (47 % of the mass) and cdf() rescaled
    the rest away (F(0.0095) = 0.143 instead of 8/30). Near an atom at 0 (q = 10) the scan's
    first points made the subordination Newton fail. Now the scan is also geometric towards 0,
    steps around atoms, and the bands found must carry the continuous mass."""
    law = free.free_mul(free.MarchenkoPastur(1e-4), free.PowerLawPopulation(1.5, 30))
    assert len(law.support()) // 2 == 30
    # the eigenvalues k = 23 ... 30 (k^-1.5 < 0.0095) lie below 0.0095, their bands narrow
    assert abs(float(law.cdf(0.0095)) - 8 / 30) < 1e-3
    exact = free.free_mul(free.MarchenkoPastur(10), free.Atoms([1, 2], [0.5, 0.5])).support()
    numeric = free.free_mul(free.MarchenkoPastur(10), free.DiscreteLaw([1, 2])).support()
    np.testing.assert_allclose(numeric, [float(e) for e in exact], rtol=1e-9)
