"""Numeric side of free-probability laws (saddlepoint.solvers.free_numeric).

Laws are written down here as their polynomials P(g, z) = sum_k sum_j c[k][j] z^j g^k:
  semicircle, variance v:        v g^2 - z g + 1
  Marchenko-Pastur, ratio q:     q z g^2 - (z + q - 1) g + 1   (law of X^T X / n, mean 1)
  two atoms a, b (weights wa, wb): (z - a)(z - b) g - (z - (wa b + wb a))
  atoms (+-1, 1/2 each) boxplus semicircle(v): g = G_atoms(z - v g), G_atoms(u) = u/(u^2 - 1),
      cleared of denominators: v^2 g^3 - 2 v z g^2 + (z^2 - 1 + v) g - z
and checked against closed forms and against scipy quadrature of the recovered density.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from saddlepoint.errors import ParameterError
from saddlepoint.solvers import free_numeric as fn


# --------------------------------------------------------------------------------------------
# laws
# --------------------------------------------------------------------------------------------

def semicircle(v):
    return [[1], [0, -1], [v]]


def marchenko_pastur(q):
    return [[1], [-(q - 1), -1], [0, q]]


def two_atoms(a, b, wa, wb):
    c = wa * b + wb * a
    return [[c, -1], [a * b, -(a + b), 1]]


def deformed_wigner(v):
    """Atoms at +-1 (weights 1/2) boxplus semicircle of variance v (two-cut for v < 1)."""
    return [[0, -1], [v - 1, 0, 1], [0, -2 * v], [v * v]]


_g, _z = sympy.symbols("g z")


def _coefficients(expr):
    poly = sympy.Poly(sympy.expand(expr), _g, _z)
    K, D = poly.degree(_g), poly.degree(_z)
    return [[poly.coeff_monomial(_g**k * _z**j) for j in range(D + 1)] for k in range(K + 1)]


def atoms_plus_semicircle(locs, weights, v):
    """sum_i w_i delta_{a_i} boxplus semicircle(v) by subordination, degree len(locs)+1 in g."""
    u = _z - v * _g
    num = sum(w * sympy.prod([u - b for b in locs if b != a]) for a, w in zip(locs, weights))
    return _coefficients(_g * sympy.prod([u - a for a in locs]) - num)


def sample_covariance(taus, weights, q):
    """Silverstein: g = sum_i w_i / (z - tau_i (1 - q + q z g)); sample covariance of a
    population spectrum sum_i w_i delta_{tau_i} at ratio q = d/n (atom 1 - 1/q at 0 if q > 1)."""
    s = 1 - q + q * _z * _g
    num = sum(w * sympy.prod([_z - b * s for b in taus if b != a]) for a, w in zip(taus, weights))
    return _coefficients(_g * sympy.prod([_z - a * s for a in taus]) - num)


class FakeLaw:
    """What the symbolic Law exposes to this module: coefficients() with SymPy numbers."""

    def __init__(self, c):
        self._c = [[sympy.nsimplify(x) for x in row] for row in c]

    def coefficients(self):
        return self._c


# --------------------------------------------------------------------------------------------
# closed forms
# --------------------------------------------------------------------------------------------

def sc_density(v, x):
    return np.sqrt(np.maximum(4 * v - x**2, 0.0)) / (2 * np.pi * v)


def sc_stieltjes(v, z):
    """closed form, evaluated at 40 digits (the float formula cancels at large |z|)."""
    with mpmath.workdps(40):
        def one(z):
            z = mpmath.mpc(z)
            r = 2 * mpmath.sqrt(v)
            return complex((z - mpmath.sqrt(z - r) * mpmath.sqrt(z + r)) / (2 * v))
        return np.vectorize(one, otypes=[complex])(z)


def mp_edges(q):
    return (1 - math.sqrt(q)) ** 2, (1 + math.sqrt(q)) ** 2


def mp_density(q, x):
    a, b = mp_edges(q)
    with np.errstate(all="ignore"):
        rho = np.sqrt(np.maximum((b - x) * (x - a), 0.0)) / (2 * np.pi * q * x)
    return np.where((x > a) & (x < b), rho, 0.0)


def mp_stieltjes(q, z):
    """closed form, evaluated at 40 digits (the float formula cancels near z = 0)."""
    with mpmath.workdps(40):
        def one(z):
            z = mpmath.mpc(z)
            a, b = (1 - mpmath.sqrt(q)) ** 2, (1 + mpmath.sqrt(q)) ** 2
            return complex((z + q - 1 - mpmath.sqrt(z - a) * mpmath.sqrt(z - b)) / (2 * q * z))
        return np.vectorize(one, otypes=[complex])(z)


def catalan(k):
    return math.comb(2 * k, k) // (k + 1)


def narayana_moment(q, k):
    return sum(q**i / (i + 1) * math.comb(k, i) * math.comb(k - 1, i) for i in range(k))


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def quad_over_support(law, f=lambda x: 1.0):
    """integral of f rho over the support: scipy's quad on each interval (a, b), in the variable
    x = (a + b)/2 - (b - a)/2 cos(theta), which smooths the square-root edges."""
    total = 0.0
    for a, b in fn.support(law):
        c, h = 0.5 * (a + b), 0.5 * (b - a)

        def integrand(t):
            x = c - h * math.cos(t)
            return f(x) * float(fn.density(law, x)) * h * math.sin(t)

        val, _ = integrate.quad(integrand, 0.0, math.pi, limit=200, epsabs=1e-13, epsrel=1e-11)
        total += val
    return total


# --------------------------------------------------------------------------------------------
# semicircle and Marchenko-Pastur against closed forms
# --------------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(v=st.floats(0.1, 4.0))
def test_semicircle_density_support_moments(v):
    law = semicircle(v)
    r = 2 * math.sqrt(v)
    x = np.linspace(-1.5 * r, 1.5 * r, 2001)
    rho = fn.density(law, x)
    assert np.max(np.abs(rho - sc_density(v, x))) < 1e-12 / math.sqrt(v)
    assert np.all(rho[np.abs(x) > r] == 0.0)
    ((left, right),) = fn.support(law)
    assert left == pytest.approx(-r, rel=1e-12) and right == pytest.approx(r, rel=1e-12)
    assert fn.atoms(law) == []
    m = fn.moments(law, 8)
    exact = [0 if k % 2 else catalan(k // 2) * v ** (k // 2) for k in range(1, 9)]
    np.testing.assert_allclose(m, exact, rtol=1e-12, atol=1e-12 * max(1, v) ** 4)


@settings(max_examples=25, deadline=None)
@given(q=st.floats(0.05, 5.0))
def test_marchenko_pastur_density_support_atoms_moments(q):
    law = marchenko_pastur(q)
    a, b = mp_edges(q)
    # a grid, and a geometric one towards the lower edge (stopping 1e-9 from it: at a distance
    # delta from an edge the two merging roots are only accurate to ~ eps / sqrt(delta))
    x = np.concatenate([np.linspace(-0.5, b + 1, 2001), np.geomspace(a + 1e-9, b - 1e-9, 500)])
    rho = fn.density(law, x)
    exact = mp_density(q, x)
    assert np.all(rho >= 0)
    assert np.max(np.abs(rho - exact) / np.maximum(exact, 1.0)) < 1e-9
    assert np.all(rho[(x < a) | (x > b)] == 0.0)
    ((left, right),) = fn.support(law)
    assert left == pytest.approx(a, rel=1e-9, abs=1e-12) and right == pytest.approx(b, rel=1e-12)
    at = fn.atoms(law)
    if q > 1 + 1e-9:
        assert len(at) == 1
        assert at[0][0] == pytest.approx(0, abs=1e-12)
        assert at[0][1] == pytest.approx(1 - 1 / q, rel=1e-9)
    elif q < 1 - 1e-9:
        assert at == []
    np.testing.assert_allclose(fn.moments(law, 6), [narayana_moment(q, k) for k in range(1, 7)],
                               rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(v=st.floats(0.1, 4.0), re=st.floats(-5, 5), log_im=st.floats(-12, 1))
def test_semicircle_stieltjes_closed_form(v, re, log_im):
    z = np.array([re + 1j * 10.0**log_im, re])
    got = fn.stieltjes(semicircle(v), z)
    np.testing.assert_allclose(got, sc_stieltjes(v, z), rtol=1e-10, atol=1e-12)
    assert got[0].imag < 0


@settings(max_examples=20, deadline=None)
@given(q=st.floats(0.05, 5.0), re=st.floats(-2, 12), log_im=st.floats(-10, 1))
def test_marchenko_pastur_stieltjes_closed_form(q, re, log_im):
    z = np.array([re + 1j * 10.0**log_im])
    got = fn.stieltjes(marchenko_pastur(q), z)
    np.testing.assert_allclose(got, mp_stieltjes(q, z), rtol=1e-10)


def test_stieltjes_shape_and_real_axis():
    law = semicircle(1.0)
    z = np.array([[3.0, 0.5, 1j], [-3.0, 1.9, 10 + 10j]])
    g = fn.stieltjes(law, z)
    assert g.shape == (2, 3) and g.dtype == complex
    np.testing.assert_allclose(g, sc_stieltjes(1.0, z), rtol=1e-13, atol=1e-15)
    # exactly at an edge the two roots merge: accuracy ~ sqrt(eps)
    assert complex(fn.stieltjes(law, 2.0)) == pytest.approx(1.0, abs=1e-7)
    assert fn.density(law, 2.0) == 0.0 and fn.density(law, 2.0 - 1e-12) < 1e-5
    assert g[0, 0].imag == 0.0 or abs(g[0, 0].imag) < 1e-15       # real off the support
    assert g[0, 1].imag == pytest.approx(-math.pi * sc_density(1.0, 0.5), rel=1e-12)
    assert fn.stieltjes(law, 2j).shape == ()


# --------------------------------------------------------------------------------------------
# mass, moments of the density, Stieltjes by quadrature
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("law, atoms", [
    (semicircle(1.0), []),
    (semicircle(0.3), []),
    (marchenko_pastur(0.5), []),
    (marchenko_pastur(2.0), [(0.0, 0.5)]),
    (deformed_wigner(0.1), []),
    (sample_covariance([2, sympy.Rational(1, 2)], [sympy.Rational(1, 2)] * 2, 2), [(0.0, 0.5)]),
])
def test_mass_and_moments_of_density(law, atoms):
    got = fn.atoms(law)
    assert len(got) == len(atoms)
    for (a, w), (a0, w0) in zip(got, atoms):
        assert a == pytest.approx(a0, abs=1e-12) and w == pytest.approx(w0, rel=1e-10)
    atom_mass = sum(w for _, w in got)
    assert quad_over_support(law) == pytest.approx(1 - atom_mass, abs=1e-8)
    m = fn.moments(law, 4)
    for k in range(1, 5):
        mk = quad_over_support(law, lambda x, k=k: x**k) + sum(w * a**k for a, w in got)
        assert mk == pytest.approx(m[k - 1], rel=1e-7, abs=1e-9)


def test_moments_closed_forms_long():
    np.testing.assert_allclose(fn.moments(semicircle(2.0), 20)[1::2],
                               [catalan(k) * 2.0**k for k in range(1, 11)], rtol=1e-12)
    np.testing.assert_allclose(fn.moments(marchenko_pastur(0.7), 30),
                               [narayana_moment(0.7, k) for k in range(1, 31)], rtol=1e-11)
    v = 0.3                       # deformed Wigner: free cumulants kappa2 = 1 + v, kappa4 = -1
    m = fn.moments(deformed_wigner(v), 4)
    np.testing.assert_allclose(m, [0, 1 + v, 0, 1 + 4 * v + 2 * v * v], atol=1e-13)
    assert fn.moments(semicircle(1.0), 0).shape == (0,)


@pytest.mark.parametrize("law", [semicircle(1.5), marchenko_pastur(2.0), deformed_wigner(0.1)])
@pytest.mark.parametrize("z", [0.3 + 0.5j, -1.0 + 1.0j, 2.0 + 0.2j])
def test_stieltjes_against_quadrature(law, z):
    got = complex(fn.stieltjes(law, z))
    re = quad_over_support(law, lambda x: ((z - x) ** -1).real)
    im = quad_over_support(law, lambda x: ((z - x) ** -1).imag)
    expected = complex(re, im) + sum(w / (z - a) for a, w in fn.atoms(law))
    assert got == pytest.approx(expected, abs=1e-8)


# --------------------------------------------------------------------------------------------
# multi-cut supports and atoms
# --------------------------------------------------------------------------------------------

def test_deformed_wigner_two_cut():
    v = 0.1
    law = deformed_wigner(v)
    sup = fn.support(law)
    assert len(sup) == 2
    (l1, r1), (l2, r2) = sup
    assert l1 == pytest.approx(-r2, rel=1e-12) and r1 == pytest.approx(-l2, rel=1e-12)
    assert 0 < l2 < 1 < r2
    # in the gap every root of P(., x) is real, and the density is exactly zero
    for x0 in (0.0, 0.3, -0.5):
        coef = [sum(float(c) * x0**j for j, c in enumerate(row)) for row in law]
        assert np.all(np.abs(np.roots(coef[::-1]).imag) < 1e-12)
    x = np.linspace(-2, 2, 4001)
    rho = fn.density(law, x)
    assert np.all(rho[(x > r1) & (x < l2)] == 0.0)
    assert np.all(rho[(x < l1) | (x > r2)] == 0.0)
    assert np.all(rho >= 0)
    assert np.all(rho[(x > l1 + 1e-3) & (x < r1 - 1e-3)] > 0)
    np.testing.assert_allclose(rho, rho[::-1], atol=1e-12)         # symmetric law
    assert np.max(np.abs(np.diff(rho))) < 0.1                       # no jumps
    assert quad_over_support(law) == pytest.approx(1.0, abs=1e-9)
    assert fn.atoms(law) == []
    # one cut for v > 1
    assert len(fn.support(deformed_wigner(1.5))) == 1


def test_three_cut_quartic_law():
    R = sympy.Rational
    law = atoms_plus_semicircle([-2, 0, 2], [R(1, 4), R(1, 2), R(1, 4)], R(1, 10))
    assert len(law) == 5                                            # degree 4 in g
    sup = fn.support(law)
    assert len(sup) == 3
    assert quad_over_support(law) == pytest.approx(1.0, abs=1e-8)
    # mass of each cut = the atom it grew from
    masses = [integrate.quad(lambda t, a=a, b=b: float(fn.density(law, 0.5 * (a + b) - 0.5 * (b - a)
                                                                   * math.cos(t)))
                             * 0.5 * (b - a) * math.sin(t), 0, math.pi, limit=200)[0]
              for a, b in sup]
    np.testing.assert_allclose(masses, [0.25, 0.5, 0.25], atol=1e-8)


def test_pure_atoms():
    law = two_atoms(-1.0, 2.0, 0.3, 0.7)
    assert fn.atoms(law) == [(-1.0, pytest.approx(0.3, rel=1e-12)),
                             (2.0, pytest.approx(0.7, rel=1e-12))]
    assert fn.support(law) == []
    assert np.all(fn.density(law, np.linspace(-3, 3, 101)) == 0.0)
    np.testing.assert_allclose(fn.moments(law, 3), [1.1, 0.3 + 2.8, -0.3 + 5.6], rtol=1e-13)
    z = np.array([1j, 0.5 + 0.1j])
    np.testing.assert_allclose(fn.stieltjes(law, z), 0.3 / (z + 1) + 0.7 / (z - 2), rtol=1e-13)


def test_atom_with_colliding_branches():
    """Sample covariance at q = 2: two branches have the same residue at 0; the physical one
    carries the atom 1 - 1/q."""
    law = sample_covariance([2, sympy.Rational(1, 2)], [sympy.Rational(1, 2)] * 2, 5)
    ((a, w),) = fn.atoms(law)
    assert a == pytest.approx(0, abs=1e-12) and w == pytest.approx(0.8, rel=1e-10)
    eps = 1e-7
    assert complex(1j * eps * fn.stieltjes(law, 1j * eps)) == pytest.approx(0.8, abs=1e-5)


def test_stieltjes_at_atom_is_a_pole():
    law = marchenko_pastur(2.0)
    assert np.isinf(fn.stieltjes(law, 0.0))
    assert complex(fn.stieltjes(law, 1e-9j)) == pytest.approx(-0.5j * 1e9, rel=1e-9)


# --------------------------------------------------------------------------------------------
# interface
# --------------------------------------------------------------------------------------------

def test_law_like_object_and_array_input():
    law = FakeLaw(marchenko_pastur(0.5))
    x = np.linspace(0, 3, 50)
    np.testing.assert_allclose(fn.density(law, x), mp_density(0.5, x), atol=1e-12)
    arr = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 0.5]])
    np.testing.assert_allclose(fn.density(arr, x), mp_density(0.5, x), atol=1e-12)
    # trailing zeros and a common factor z are harmless
    padded = [[0, 1, 0], [0, 0.5, -1, 0], [0, 0, 0.5], [0, 0]]
    np.testing.assert_allclose(fn.density(padded, x), mp_density(0.5, x), atol=1e-12)
    ((left, right),) = fn.support(law)
    assert (left, right) == pytest.approx(mp_edges(0.5), rel=1e-13)


def test_invalid_input():
    with pytest.raises(ParameterError, match="law_or_coeffs") as e:
        fn.density([], [0.0])
    assert e.value.parameter == "law_or_coeffs"
    with pytest.raises(ParameterError, match="law_or_coeffs"):
        fn.support([[0, 0], [0]])
    with pytest.raises(ParameterError, match="law_or_coeffs"):
        fn.moments([[1, 2]], 3)                                      # no g
    with pytest.raises(ParameterError, match="law_or_coeffs"):
        fn.stieltjes([[1], [0, 1], [1]], 1j)                          # g ~ -1/z
    with pytest.raises(ParameterError, match="law_or_coeffs"):
        fn.atoms([[1], [0, -1], [sympy.Symbol("v")]])                 # symbolic
    with pytest.raises(ParameterError, match="law_or_coeffs"):
        fn.atoms([[1], [0, -1], [1j]])                                # complex
    with pytest.raises(ParameterError, match="`z`") as e:
        fn.stieltjes(semicircle(1.0), np.array([1j, 1 - 1e-3j]))
    assert e.value.parameter == "z"
    with pytest.raises(ParameterError, match="`z`"):
        fn.stieltjes(semicircle(1.0), np.nan)
    with pytest.raises(ParameterError, match="`x`"):
        fn.density(semicircle(1.0), [0.5 + 1j])
    with pytest.raises(ParameterError, match="`k_max`"):
        fn.moments(semicircle(1.0), -1)
    with pytest.raises(ParameterError, match="`k_max`"):
        fn.moments(semicircle(1.0), 2.5)


# ---------------------------------------------------------------------------------------------
# high-degree laws: singular points without the exact discriminant
# ---------------------------------------------------------------------------------------------

def _degree_23_law():
    from saddlepoint import free

    R, H = sympy.Rational, sympy.Rational(1, 2)
    sc = free.free_add(free.Semicircle(1), free.Atoms([-2, 0, 1], [R(1, 4), H, R(1, 4)]))
    mp = free.free_mul(free.MarchenkoPastur(H), free.Atoms([1, 2, 4], [H, R(1, 4), R(1, 4)]))
    return free.free_add(sc, mp)


def test_high_degree_law_edges_are_double_roots():
    """(SC ⊞ 3 atoms) ⊞ (MP ⊠ 3 atoms) has degree 23 in g (discriminant of degree 148 in z, too
    costly to eliminate exactly): Law.support() gives Float edges from the Sylvester pencil,
    refined at 40 digits. Checked by a different algorithm: at each edge mpmath's polyroots
    (40 digits) finds a double root of P(., e) (two roots within 1e-12), which splits (gap >
    1e-6) at e -+ 1e-9; the density vanishes just outside and is positive just inside; the
    double-precision edges of free_numeric.support agree to 1e-13."""
    law = _degree_23_law()
    assert law.degree == 23
    edges = law.support()
    assert len(edges) == 2 and all(isinstance(e, sympy.Float) for e in edges)
    rows = law.coefficients()

    def min_gap(x):
        with mpmath.workdps(40):
            coeffs = [mpmath.fsum(mpmath.mpf(c.p) / c.q * x ** j for j, c in enumerate(row)) for row in rows]
            rts = mpmath.polyroots(coeffs[::-1], maxsteps=200, extraprec=80)
            return min(abs(a - b) for i, a in enumerate(rts) for b in rts[i + 1:])
    for e in edges:
        with mpmath.workdps(40):
            x, step = mpmath.mpf(str(e)), mpmath.mpf(10) ** -9
            assert min_gap(x) < 1e-12               # a double root ~ sqrt(error in e)
            assert min_gap(x - step) > 1e-6 and min_gap(x + step) > 1e-6
    lo, hi = (float(e) for e in edges)
    rho = law.density(np.array([lo - 1e-6, lo + 1e-6, hi - 1e-6, hi + 1e-6]))
    assert rho[0] == 0 and rho[3] == 0 and rho[1] > 0 and rho[2] > 0
    (a, b), = fn.support(law)
    assert a == pytest.approx(lo, rel=1e-13) and b == pytest.approx(hi, rel=1e-13)


def test_negative_axis_next_to_a_rank_deficient_atom():
    """Regression: MP(2) ⊠ atoms {2, 1/2} has an atom 1/2 at 0 shared by two branches, which
    differ only at O(1) next to |g| ~ 1/|z|. Descending to x in [-0.3, -0.19] in long steps the
    continuation used to land on the other branch (g(-0.2) = -2.02 instead of -2.90). Reference:
    Silverstein's equation for the sample covariance of that population (q = 2), h(k) =
    -g(-k) = (tau/k) <1/(omega + tau)>, tau = k + tau q <omega/(omega + tau)>, by brentq."""
    from scipy.optimize import brentq

    from saddlepoint import free

    half = sympy.Rational(1, 2)
    law = free.free_mul(free.MarchenkoPastur(2), free.Atoms([2, half], [half, half]))
    omega = np.array([2.0, 0.5])

    def h(k):
        tau = brentq(lambda t: t - k - 2.0 * t * np.mean(omega / (omega + t)), k, k + 20.0, xtol=1e-15)
        return tau / k * np.mean(1.0 / (omega + tau))
    kappa = np.geomspace(1e-3, 1e2, 120)
    got = -fn.stieltjes(law, -kappa).real
    np.testing.assert_allclose(got, [h(k) for k in kappa], rtol=1e-9)
