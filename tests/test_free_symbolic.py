"""Symbolic core of the free-probability laws (saddlepoint.derivations.free).

Conventions: g(z) = ∫ dμ(x)/(z - x) (g ~ 1/z), g^{-1}(w) = R(w) + 1/w,
psi(z) = sum_{k>=1} m_k z^k, chi = psi^{-1}, S(t) = chi(t)(1 + t)/t; Marchenko-Pastur with
ratio q = d/n is the law of X^T X / n (mean 1, second moment 1 + q).

Every reference value is a closed form from the literature, cited next to the test:
Narayana moments of MP (Bai & Silverstein 2010, Lemma 3.1 / Nica & Speicher 2006, Lecture 12),
Catalan moments of the semicircle (Wigner 1958), Fuss-Catalan moments of products of free
MP(1) laws (Banica, Belinschi, Capitaine & Collins 2011; Mlotkowski 2010), the S-transform
product rule (Voiculescu 1987), additivity of free cumulants (Voiculescu 1986; Speicher 1994).
"""

import pickle

import pytest
import sympy
from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st

from saddlepoint.derivations.free import (Atoms, FreePoisson, Law, MarchenkoPastur, Semicircle,
                                          free_add, free_mul, g, r, s, w, z)
from saddlepoint.derivations.free import _series
from saddlepoint.errors import DerivationError, ParameterError

R = sympy.Rational
q, q1, q2, v, a, b, p = sympy.symbols("q q1 q2 v a b p")


def zero(expr):
    return sympy.simplify(sympy.sympify(expr)) == 0


def narayana(k, j):
    """N(k, j) = binom(k, j) binom(k, j - 1) / k."""
    return sympy.binomial(k, j) * sympy.binomial(k, j - 1) / k


# -- defining polynomials and transforms --------------------------------------------------------

def test_marchenko_pastur_polynomial():
    # q z g^2 + (1 - q - z) g + 1 = 0 (Rao & Edelman 2008, Table 1, with g = -m)
    mp = MarchenkoPastur(q)
    assert sympy.expand(mp.polynomial - (q * z * g ** 2 + (1 - q - z) * g + 1)) == 0
    assert mp.parameters == (q,)
    assert mp.ensemble == {"kind": "marchenko_pastur", "ratio": q}
    assert mp.degree == 2


def test_semicircle_polynomial():
    # g = (z - sqrt(z^2 - 4v)) / (2v) solves v g^2 - z g + 1 = 0
    sc = Semicircle(v)
    assert sympy.expand(sc.polynomial - (v * g ** 2 - z * g + 1)) == 0
    assert sc.ensemble == {"kind": "semicircle", "variance": v}


def test_marchenko_pastur_transforms():
    mp = MarchenkoPastur(q)
    assert zero(mp.r_transform(w) - 1 / (1 - q * w))
    assert zero(mp.s_transform(w) - 1 / (1 + q * w))
    # the implicit forms vanish on the closed forms
    assert zero(mp.r_polynomial.subs(r, 1 / (1 - q * w)))
    assert zero(mp.s_polynomial.subs(s, 1 / (1 + q * w)))


def test_semicircle_transforms():
    sc = Semicircle(v)
    assert zero(sc.r_transform(w) - v * w)
    with pytest.raises(DerivationError):  # mean 0: no S-transform power series
        sc.s_transform(w)


def test_free_poisson_is_marchenko_pastur():
    # R(w) = rate*jump/(1 - jump w); MP(q) = FreePoisson(1/q, q) (Mingo & Speicher 2017, §2.7)
    lam, al = sympy.symbols("lam al")
    fp = FreePoisson(lam, al)
    assert zero(fp.r_transform(w) - lam * al / (1 - al * w))
    assert FreePoisson(1 / q, q) == MarchenkoPastur(q)
    assert fp.ensemble == {"kind": "free_poisson", "rate": lam, "jump": al}


def test_stieltjes_closed_form_is_the_physical_branch():
    mp = MarchenkoPastur(q)
    G = mp.stieltjes(z)
    assert zero(mp.polynomial.subs(g, G).subs(q, R(1, 3)).subs(z, R(7, 2)))
    # g ~ 1/z at infinity, Im g < 0 above the axis, for q on both sides of 1
    for qq in (R(1, 4), R(3, 1)):
        Gq = G.subs(q, qq)
        assert zero(sympy.limit(z * Gq, z, sympy.oo) - 1)
        for zz in (sympy.I, 1 + sympy.I / 10, -3 + sympy.I / 2, 10 + sympy.I / 100):
            assert complex(Gq.subs(z, zz).evalf(30)).imag < 0
    # semicircle v = 1: g(2i) = (2i - sqrt(2i - 2) sqrt(2i + 2))/2 = i(1 - sqrt 2)
    sc = Semicircle(1)
    assert abs(complex(sc.stieltjes(2 * sympy.I).evalf(30)) - 1j * (1 - 2 ** 0.5)) < 1e-14


def test_stieltjes_matches_numeric_continuation():
    laws = [MarchenkoPastur(2), Semicircle(R(1, 2)) + 1, FreePoisson(R(1, 2), -2),
            MarchenkoPastur(R(1, 2)).inverse()]
    for law in laws:
        G = law.stieltjes(z)
        tr = law._tracker()
        for zz in (sympy.I, R(1, 2) + sympy.I / 20, -2 + sympy.I):
            exact = complex(G.subs(z, zz).evalf(30))
            num = complex(tr.value(float(sympy.re(zz)), float(sympy.im(zz))))
            assert abs(exact - num) < 1e-12


def test_atoms_law_stieltjes_and_moments():
    law = Atoms([0, 1], [p, 1 - p])
    assert zero(law.stieltjes(z) - (p / z + (1 - p) / (z - 1)))
    assert [law.moment(k) for k in range(1, 4)] == [1 - p] * 3
    assert law.atoms() == [(0, p), (1, 1 - p)]
    assert law.support() == []


# -- moments and cumulants ----------------------------------------------------------------------

def test_narayana_moments_of_marchenko_pastur():
    # m_k = sum_{j=1}^k N(k, j) q^{j-1} (Bai & Silverstein 2010, Lemma 3.1)
    mp = MarchenkoPastur(q)
    for k in range(1, 9):
        ref = sum(narayana(k, j) * q ** (j - 1) for j in range(1, k + 1))
        assert sympy.expand(mp.moment(k) - ref) == 0
    assert mp.moment(0) == 1
    # free cumulants of MP(q): kappa_k = q^{k-1} (free Poisson with rate 1/q, jump q)
    for k in range(1, 7):
        assert sympy.expand(mp.free_cumulant(k) - q ** (k - 1)) == 0


def test_catalan_moments_of_semicircle():
    # m_{2k} = C_k v^k, odd moments 0 (Wigner 1958); kappa_2 = v is the only cumulant
    sc = Semicircle(v)
    for k in range(0, 7):
        assert sympy.expand(sc.moment(2 * k) - sympy.catalan(k) * v ** k) == 0
        assert sc.moment(2 * k + 1) == 0
    assert [sc.free_cumulant(k) for k in range(1, 7)] == [0, v, 0, 0, 0, 0]


def test_moments_are_polynomials_in_parameters():
    m5 = sympy.Poly(MarchenkoPastur(q).moment(5), q)
    assert m5.all_coeffs() == [1, 10, 20, 10, 1]  # Narayana numbers N(5, j)


# -- free convolutions --------------------------------------------------------------------------

def test_semicircle_plus_semicircle():
    # R_{SC(1)} + R_{SC(2)} = w + 2w = R_{SC(3)}
    out = free_add(Semicircle(1), Semicircle(2))
    assert out == Semicircle(3)
    assert sympy.expand(out.polynomial - Semicircle(3).polynomial) == 0
    sym = free_add(Semicircle(v), Semicircle(q))
    assert sympy.expand(sym.polynomial - Semicircle(v + q).polynomial) == 0
    assert out.ensemble == {"kind": "free_add", "left": Semicircle(1).ensemble,
                            "right": Semicircle(2).ensemble}


def test_fuss_catalan_moments_of_mp1_times_mp1():
    # MP(1) ⊠ MP(1): m_k = binom(3k, k)/(2k + 1) (Fuss-Catalan; Mlotkowski 2010),
    # and g solves z^2 g^3 - z g + 1 = 0
    out = free_mul(MarchenkoPastur(1), MarchenkoPastur(1))
    for k in range(1, 10):
        assert out.moment(k) == sympy.binomial(3 * k, k) / (2 * k + 1)
    assert sympy.expand(out.polynomial - (z ** 2 * g ** 3 - z * g + 1)) == 0
    # three factors: binom(4k, k)/(3k + 1)
    out3 = free_mul(out, MarchenkoPastur(1))
    assert [out3.moment(k) for k in range(1, 7)] == \
        [sympy.binomial(4 * k, k) / (3 * k + 1) for k in range(1, 7)]


def test_s_transform_product_rule_symbolic():
    # S_{a⊠b} = S_a S_b (Voiculescu 1987), with S_{MP(q)} = 1/(1 + q w)
    a_, b_ = MarchenkoPastur(q1), MarchenkoPastur(q2)
    out = free_mul(a_, b_)
    assert zero(out.s_transform(w) - a_.s_transform(w) * b_.s_transform(w))
    assert zero(out.s_transform(w) - 1 / ((1 + q1 * w) * (1 + q2 * w)))
    assert out.degree == 3


def test_free_cumulants_add():
    # kappa_k(a ⊞ b) = kappa_k(a) + kappa_k(b) (Voiculescu 1986; Speicher 1994)
    cases = [(MarchenkoPastur(q), Semicircle(v)),
             (Atoms([0, 1], [R(1, 3), R(2, 3)]), MarchenkoPastur(R(1, 2))),
             (FreePoisson(2, 3), Atoms([-1, 2]))]
    for x, y in cases:
        out = free_add(x, y)
        for k in range(1, 7):
            assert zero(out.free_cumulant(k) - x.free_cumulant(k) - y.free_cumulant(k))


def test_free_mul_moments_match_noncrossing_formula():
    # m_n(ab) = sum_{pi in NC(n)} kappa_pi[a] m_{K(pi)}[b] (Nica & Speicher 2006, Thm 14.4)
    K = sympy.QQ
    cases = [(MarchenkoPastur(R(1, 2)), Atoms([2, R(1, 2)])),
             (Semicircle(1), MarchenkoPastur(R(1, 2))),  # mean 0: selected by NC moments
             (Atoms([1, 2]), Atoms([1, 3]))]
    for x, y in cases:
        out = free_mul(x, y)
        fresh = Law(out.polynomial)  # moments from the polynomial alone
        ref = _series.product_moments(x._cumulants(9), y._moments(9), 9, K)
        assert fresh._moments(9) == ref


def test_spurious_factors_are_removed():
    # symmetric Bernoulli ⊞ symmetric Bernoulli = arcsine law on [-2, 2]:
    # g = 1/sqrt(z^2 - 4), P = (z^2 - 4) g^2 - 1, moments binom(2k, k)
    ber = Atoms([-1, 1])
    Y = sympy.Symbol("Y")
    raw = sympy.resultant(ber.r_polynomial.subs(r, Y), ber.r_polynomial.subs(r, r - Y), Y)
    factors = [f for f, _ in sympy.factor_list(raw)[1] if f.has(r)]
    assert len(factors) >= 2  # the eliminant is reducible ...
    out = free_add(ber, ber)
    assert sympy.expand(out.polynomial - ((z ** 2 - 4) * g ** 2 - 1)) == 0  # ... the result not
    assert [out.moment(2 * k) for k in range(6)] == [sympy.binomial(2 * k, k) for k in range(6)]
    assert sum(1 for f in factors if zero(sympy.Poly(f, r, w).as_expr().subs(r, out.r_transform(w)))) == 1


@pytest.mark.parametrize("make, degree", [
    (lambda: free_mul(MarchenkoPastur(q), Atoms([2, R(1, 2)])), 3),
    (lambda: free_add(Semicircle(1), Atoms([-1, 1])), 3),
    (lambda: free_add(MarchenkoPastur(q1), MarchenkoPastur(q2)), 3),
    (lambda: free_mul(free_mul(MarchenkoPastur(R(1, 2)), Atoms([2, R(1, 2)])),
                      MarchenkoPastur(R(1, 3))), 5),
])
def test_result_is_irreducible_minimal_polynomial(make, degree):
    out = make()
    _, factors = sympy.factor_list(out.polynomial)
    assert len(factors) == 1 and factors[0][1] == 1
    assert out.degree == degree


def test_deformed_wigner_is_pastur_equation():
    # SC(s2) ⊞ (½δ_{-1} + ½δ_1): g = G_D(z - s2 g) (Pastur 1972), G_D(x) = x/(x^2 - 1)
    s2 = R(1, 9)
    out = free_add(Semicircle(s2), Atoms([-1, 1]))
    ref = sympy.expand(g * ((z - s2 * g) ** 2 - 1) - (z - s2 * g))
    assert zero(out.polynomial / sympy.Poly(out.polynomial, g).LC() - ref / sympy.Poly(ref, g).LC())
    assert len(out.support()) == 4  # two cuts for small variance


def test_point_masses_shift_and_scale():
    assert free_add(Semicircle(1), Atoms([3])) == Semicircle(1) + 3
    assert free_add(Atoms([q]), MarchenkoPastur(2)) == MarchenkoPastur(2) + q
    assert free_mul(MarchenkoPastur(q), Atoms([2])) == 2 * MarchenkoPastur(q)
    assert free_mul(Atoms([0]), MarchenkoPastur(q)) == Atoms([0])


def test_free_mul_needs_a_nonzero_mean():
    with pytest.raises(DerivationError):
        free_mul(Semicircle(1), Semicircle(2))


# -- support and atoms --------------------------------------------------------------------------

def test_marchenko_pastur_atoms():
    # atom 1 - 1/q at 0 when q > 1 (rank d - n of X^T X / n)
    assert MarchenkoPastur(2).atoms() == [(0, R(1, 2))]
    assert MarchenkoPastur(3).atoms() == [(0, R(2, 3))]
    assert MarchenkoPastur(2.5).atoms() == [(0, R(3, 5))]
    assert MarchenkoPastur(R(1, 2)).atoms() == []
    assert MarchenkoPastur(1).atoms() == []
    # symbolic: max(0, 1 - 1/q) written without nested radicals (the branch's residue at 0 is
    # (q - 1 + sqrt((q - 1)^2))/(2q) on the principal square root)
    (loc, wt), = MarchenkoPastur(q).atoms()
    assert loc == 0
    assert wt == sympy.Max(0, q - 1) / q
    assert not wt.atoms(sympy.Pow) - {1 / q} and not wt.has(sympy.I)
    for qq in (R(1, 3), R(1, 2), 2, 5):
        assert abs(complex(wt.subs(q, qq).evalf(30)) - float(max(0, 1 - R(1, qq)))) < 1e-20


def test_marchenko_pastur_support_edges():
    # edges (1 ± sqrt q)^2 from the discriminant of P in g
    edges = MarchenkoPastur(q).support()
    ref = {sympy.expand((1 - sympy.sqrt(q)) ** 2), sympy.expand((1 + sympy.sqrt(q)) ** 2)}
    assert {sympy.expand(e) for e in edges} == ref
    assert MarchenkoPastur(R(1, 4)).support() == [R(1, 4), R(9, 4)]
    assert [sympy.nsimplify(e) for e in MarchenkoPastur(2).support()] == \
        [3 - 2 * sympy.sqrt(2), 3 + 2 * sympy.sqrt(2)]
    assert MarchenkoPastur(1).support() == [0, 4]
    assert Semicircle(4).support() == [-4, 4]


def test_product_laws_have_atom_and_edges():
    # MP(3) ⊠ MP(2): the atom at 0 has weight max(1 - 1/3, 1 - 1/2) = 2/3 (rank of a product)
    out = free_mul(MarchenkoPastur(3), MarchenkoPastur(2))
    assert out.atoms() == [(0, R(2, 3))]
    assert len(out.support()) == 2
    # 2 MP(2) + 1 moves the atom to 1
    assert (2 * MarchenkoPastur(2) + 1).atoms() == [(1, R(1, 2))]


def test_atoms_of_convolutions():
    # ⊞: an atom at b + c of weight mu({b}) + nu({c}) - 1 when positive
    # (Bercovici & Voiculescu 1998, Thm 7.4)
    out = free_add(Atoms([0, 1], [R(4, 5), R(1, 5)]), Atoms([0, 2], [R(2, 3), R(1, 3)]))
    assert out.atoms() == [(0, R(7, 15)), (2, R(2, 15))]
    assert len(out.support()) == 4
    # ⊠: an atom at 0 of weight max(mu({0}), nu({0})) (Belinschi 2003)
    out = free_mul(Atoms([0, 1], [R(2, 3), R(1, 3)]), Atoms([0, 1], [R(1, 2), R(1, 2)]))
    assert out.atoms() == [(0, R(2, 3))]
    out = free_mul(Atoms([0, 1], [R(1, 2), R(1, 2)]), MarchenkoPastur(2))
    assert out.atoms() == [(0, R(1, 2))]


# -- affine maps and inverse --------------------------------------------------------------------

def test_affine_maps():
    mp = MarchenkoPastur(q)
    law = 2 * mp + 1
    assert law.moment(1) == 3
    assert sympy.expand(law.free_cumulant(2) - 4 * q) == 0
    assert law.ensemble == {"kind": "affine", "scale": 2, "shift": 1, "base": mp.ensemble}
    sym = a * mp + b
    assert sympy.expand(sym.moment(2) - (a ** 2 * (1 + q) + 2 * a * b + b ** 2)) == 0
    assert (mp - 1).moment(1) == 0
    assert (3 * Semicircle(v)).polynomial == Semicircle(9 * v).polynomial
    assert (Semicircle(1) + 1 - 1) == Semicircle(1)
    assert ((2 * mp + 1) * 3).ensemble["scale"] == 6  # folded
    assert (mp / 2) == R(1, 2) * mp
    assert 0 * mp == Atoms([0])


def test_inverse():
    # E[1/X] = 1/(1 - q), E[1/X^2] = 1/(1 - q)^3 for MP(q), q < 1 (inverse Wishart)
    inv = MarchenkoPastur(q).inverse()
    assert zero(inv.moment(1) - 1 / (1 - q))
    assert zero(inv.moment(2) - 1 / (1 - q) ** 3)
    assert MarchenkoPastur(R(1, 2)).inverse().moment(1) == 2
    assert inv.ensemble == {"kind": "inverse", "base": MarchenkoPastur(q).ensemble}
    assert inv.inverse() == MarchenkoPastur(q)
    edges = MarchenkoPastur(R(1, 4)).inverse().support()
    assert edges == [R(4, 9), 4]
    with pytest.raises(ParameterError, match="law"):
        MarchenkoPastur(2).inverse()
    with pytest.raises(ParameterError, match="law"):
        Semicircle(1).inverse()


# -- plumbing -----------------------------------------------------------------------------------

def test_latex_and_coefficients():
    tex = MarchenkoPastur(q).latex()
    assert tex.startswith("\\begin{align*}") and tex.endswith("\\end{align*}")
    assert "P(g, z)" in tex and "R(w)" in tex and "S(w)" in tex and "\\[" not in tex
    deg3 = free_mul(MarchenkoPastur(R(1, 2)), Atoms([2, R(1, 2)]))
    assert "g^{3}" in deg3.latex()
    # normalised P of MP(1/2): z g^2 + (1 - 2z) g + 2 (integer, primitive)
    assert MarchenkoPastur(R(1, 2)).coefficients() == [[2], [1, -2], [0, 1]]
    coeffs = deg3.coefficients()
    rebuilt = sum(c * z ** j * g ** k for k, row in enumerate(coeffs) for j, c in enumerate(row))
    assert sympy.expand(rebuilt - deg3.polynomial) == 0
    with pytest.raises(ParameterError, match="`q`"):
        MarchenkoPastur(q).coefficients()


def test_public_constructor_selects_the_physical_factor():
    mp = MarchenkoPastur(R(1, 2))
    law = Law(sympy.expand(mp.polynomial * (g - 5) * (z * g - 3)))
    assert law == mp
    with pytest.raises(ParameterError, match="polynomial"):
        Law(g - 5)


def test_pickle_subs_and_floats():
    mp = MarchenkoPastur(q)
    assert pickle.loads(pickle.dumps(mp)) == mp
    assert mp.subs(q, R(1, 2)) == MarchenkoPastur(0.5)
    assert MarchenkoPastur(0.1).ensemble["ratio"] == R(1, 10)
    assert Atoms([0, 1], [p, 1 - p]).subs(p, 0) == Atoms([1])
    with pytest.raises(ParameterError, match="`q`"):
        mp.subs(q, -1)
    with pytest.raises(AttributeError):
        mp.polynomial = g


# -- invalid input ------------------------------------------------------------------------------

@pytest.mark.parametrize("make, name", [
    (lambda: Semicircle(0), "var"),
    (lambda: Semicircle(-1), "var"),
    (lambda: Semicircle(-sympy.Symbol("t", positive=True)), "var"),
    (lambda: MarchenkoPastur(0), "q"),
    (lambda: MarchenkoPastur(-0.5), "q"),
    (lambda: Atoms([0, 1], [0.5, 0.6]), "weights"),
    (lambda: Atoms([0, 1], [R(1, 3), R(1, 3)]), "weights"),
    (lambda: Atoms([0, 1], [-0.5, 1.5]), "weights"),
    (lambda: Atoms([0, 1], [0.5]), "weights"),
    (lambda: Atoms([0, 1], [p, R(1, 2)]), "weights"),
    (lambda: Atoms([], []), "points"),
    (lambda: FreePoisson(0, 1), "rate"),
    (lambda: FreePoisson(-1, 1), "rate"),
    (lambda: FreePoisson(1, 0), "jump"),
    (lambda: MarchenkoPastur(sympy.sqrt(2)), "q"),
    (lambda: MarchenkoPastur(z), "q"),
])
def test_invalid_parameters(make, name):
    with pytest.raises(ParameterError) as info:
        make()
    assert info.value.parameter == name
    assert f"`{name}`" in str(info.value)


def test_float_weights_are_exact():
    law = Atoms([0, 1, 2], [1 / 3, 1 / 3, 1 / 3])
    assert law.ensemble["weights"] == [R(1, 3)] * 3
    assert law.moment(1) == 1


# -- property tests -----------------------------------------------------------------------------

ratios = st.fractions(min_value=R(1, 10), max_value=4, max_denominator=12).map(
    lambda f: R(f.numerator, f.denominator))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratios, ratios)
def test_property_semicircle_addition(v1, v2):
    assert free_add(Semicircle(v1), Semicircle(v2)) == Semicircle(v1 + v2)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratios, ratios)
def test_property_mp_product(x, y):
    out = free_mul(MarchenkoPastur(x), MarchenkoPastur(y))
    assert zero(out.s_transform(w) - 1 / ((1 + x * w) * (1 + y * w)))
    # m_2(ab) = 1 + x + y for two free MP laws of mean 1 (NC(2) formula)
    assert out.moment(2) == 1 + x + y
    K = sympy.QQ
    ref = _series.product_moments(MarchenkoPastur(x)._cumulants(7),
                                  MarchenkoPastur(y)._moments(7), 7, K)
    assert out._moments(7) == ref


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratios)
def test_property_mp_edges_and_atom(x):
    law = MarchenkoPastur(x)
    if x != 1:
        lo, hi = law.support()
        assert zero(lo - (1 - sympy.sqrt(x)) ** 2) and zero(hi - (1 + sympy.sqrt(x)) ** 2)
    expected = [(0, 1 - 1 / x)] if x > 1 else []
    assert law.atoms() == expected
    assert law == FreePoisson(1 / x, x)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratios, st.integers(-3, 3).filter(lambda k: k != 0), st.integers(-5, 5))
def test_property_affine_moments(x, scale, shift):
    base = MarchenkoPastur(x)
    law = scale * base + shift
    for k in range(1, 5):
        ref = sum(sympy.binomial(k, i) * scale ** i * base.moment(i) * shift ** (k - i)
                  for i in range(k + 1))
        assert law.moment(k) == ref


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratios)
def test_property_convolution_commutes_with_substitution(x):
    pop = Atoms([2, R(1, 2)])
    assert free_mul(MarchenkoPastur(q), pop).subs(q, x) == free_mul(MarchenkoPastur(x), pop)
    assert free_add(MarchenkoPastur(q), Semicircle(1)).subs(q, x) == \
        free_add(MarchenkoPastur(x), Semicircle(1))
