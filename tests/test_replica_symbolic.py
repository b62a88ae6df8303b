"""Replica engine, symbolic checks: Gaussian averages, the derived saddle-point equations
against the textbook ones (Gardner 1988; Amit, Gutfreund & Sompolinsky 1987), closed forms
and the symbolic large-alpha asymptotes (Engel & Van den Broeck 2001)."""

import mpmath
import pytest
import sympy

from saddlepoint import replica
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.replica.gaussian import GaussianAverage, H, LogH, MillsRatio, expand_average, stein
from saddlepoint.errors import DerivationError, ParameterError

z = sympy.Symbol("z", real=True)
a = sympy.Symbol("a", positive=True)
b = sympy.Symbol("b", real=True)


@pytest.fixture(scope="module")
def hopfield0():
    return replica.hopfield(temperature=0)


@pytest.fixture(scope="module")
def hopfieldT():
    return replica.hopfield(temperature=None)


def test_average_differentiates_under_the_integral():
    avg = GaussianAverage(sympy.log(sympy.cosh(sympy.sqrt(a) * z)), z)
    assert sympy.diff(avg, a) == GaussianAverage(sympy.diff(sympy.log(sympy.cosh(sympy.sqrt(a) * z)), a), z)
    assert avg.free_symbols == {a}
    assert sympy.latex(avg).startswith(r"\int Dz\,")


def test_average_closed_forms():
    # int Dz z^2 = 1; int Dz |a z + b| = b erf(b/(sqrt2 a)) + a sqrt(2/pi) exp(-b^2/(2a^2)) (folded normal mean)
    assert GaussianAverage(z ** 2, z).doit() == 1
    folded = b * sympy.erf(b / (sympy.sqrt(2) * a)) + a * sympy.sqrt(2 / sympy.pi) * sympy.exp(-b ** 2 / (2 * a ** 2))
    got = GaussianAverage(sympy.Abs(a * z + b), z).doit()
    assert not got.has(GaussianAverage)
    assert sympy.simplify((got - folded).rewrite(sympy.erf)) == 0
    # a truncated second moment, int_{-k}^oo Dt (t + k)^2 at k = 0 is 1/2
    assert GaussianAverage((z + b) ** 2, z, -b).doit().subs(b, 0) == sympy.Rational(1, 2)
    # int Dz H(a z + b) = H(b/sqrt(1 + a^2)) (Engel & Van den Broeck eq. (A1.11)), checked by mpmath
    got = GaussianAverage(H(a * z + b), z).doit()
    assert sympy.simplify(got - H(b / sympy.sqrt(1 + a ** 2))) == 0
    with mpmath.workdps(30):
        ref = mpmath.quad(lambda t: mpmath.npdf(t) * mpmath.erfc((2 * t + 0.5) / mpmath.sqrt(2)) / 2, [-mpmath.inf, mpmath.inf])
        assert abs(float(got.subs({a: 2, b: sympy.Rational(1, 2)})) - float(ref)) < 1e-14
    # no closed form: stays an average
    assert isinstance(GaussianAverage(LogH(a * z), z).doit(), GaussianAverage)


def test_stein_and_linearity():
    out = stein(GaussianAverage(z * sympy.tanh(a * z), z))
    assert sympy.expand(out - (a - a * GaussianAverage(sympy.tanh(a * z) ** 2, z))) == 0
    from saddlepoint.derivations.replica.free_entropy import tidy
    split = expand_average(GaussianAverage(3 * a * z ** 2 + sympy.tanh(z), z))
    assert split == 3 * a * GaussianAverage(z ** 2, z) + GaussianAverage(sympy.tanh(z), z)
    assert tidy(split) == 3 * a + GaussianAverage(sympy.tanh(z), z)


def test_h_functions_derivatives_and_values():
    x = sympy.Symbol("x", real=True)
    assert sympy.diff(LogH(x), x) == -MillsRatio(x)
    assert sympy.simplify(sympy.diff(sympy.log(H(x)), x) - (-MillsRatio(x)).rewrite(sympy.erfc)) == 0
    assert LogH(0) == sympy.log(sympy.Rational(1, 2))
    assert abs(float(MillsRatio(sympy.Float(1.5))) - float(mpmath.npdf(1.5) / (mpmath.erfc(1.5 / mpmath.sqrt(2)) / 2))) < 1e-14


def test_gardner_capacity_closed_form():
    # Gardner (1988): alpha_c(0) = 2 exactly
    assert replica.gardner_capacity(0) == 2
    assert replica.gardner(margin=0).observables["alpha_c"] == 2
    expr = replica.gardner_capacity()
    assert expr.has(sympy.erfc) and not expr.has(GaussianAverage)
    # against an independent mpmath quadrature of 1/int_{-k}^oo Dt (t + k)^2
    with mpmath.workdps(30):
        for k in (-1.5, -0.3, 0.5, 1.0, 2.5):
            ref = 1 / mpmath.quad(lambda t: (t + k) ** 2 * mpmath.npdf(t), [-k, mpmath.inf])
            got = sympy.N(expr.subs(S.margin, sympy.Rational(str(k))), 30)
            assert abs(float(got) - float(ref)) <= 1e-12 * float(ref)


def test_gardner_trail_shows_derivatives_and_capacity_step():
    de = replica.gardner()
    texts = [s.text for s in de.steps]
    assert any("Stationarity in" in t for t in texts)
    assert any("Capacity" in t for t in texts)
    assert any(isinstance(s.expr, sympy.Eq) and s.expr.lhs.has(sympy.Derivative) for s in de.steps)
    assert de.parameter_names == ("alpha", "margin")
    assert r"\int" in de.latex() and r"\ln H" in de.latex()


def test_hopfield_zero_temperature_equations_are_ags(hopfield0):
    # AGS (1987) T = 0: m = erf(m/sqrt(2 alpha r)), C = sqrt(2/(pi alpha r)) exp(-m^2/(2 alpha r)), r = (1-C)^-2
    al, m, r, C = S.alpha, S.m, S.r, S.C
    ags = {m: m - sympy.erf(m / sympy.sqrt(2 * al * r)),
           C: C - sympy.sqrt(2 / (sympy.pi * al * r)) * sympy.exp(-m ** 2 / (2 * al * r)),
           r: r - 1 / (1 - C) ** 2}
    phi = hopfield0.free_entropy
    # derivatives of the free entropy, with the averages evaluated, are multiples of AGS's equations
    from saddlepoint.derivations.replica.free_entropy import is_zero, tidy
    assert is_zero(tidy(sympy.diff(phi, m)) + ags[m])
    assert is_zero(tidy(sympy.diff(phi, r)) + al / 2 * ags[C])
    assert is_zero(tidy(sympy.diff(phi, C)) + al / 2 * ags[r])
    displayed = {eq.lhs: eq.lhs - eq.rhs for eq in hopfield0.equations}
    for u in (m, C, r):
        assert sympy.simplify(displayed[u] - ags[u]) == 0


def test_hopfield_finite_temperature_equations_are_ags(hopfieldT):
    al, m, r, q, T = S.alpha, S.m, S.r, S.q, S.T
    arg = (m + sympy.sqrt(al * r) * z) / T
    ags = {m: sympy.Eq(m, GaussianAverage(sympy.tanh(arg), z)),
           q: sympy.Eq(q, GaussianAverage(sympy.tanh(arg) ** 2, z)),
           r: sympy.Eq(r, q / (1 - (1 - q) / T) ** 2)}
    for eq in hopfieldT.equations:
        ref = ags[eq.lhs]
        assert sympy.simplify(expand_average(eq.rhs - ref.rhs)) == 0


def test_wrong_textbook_equation_is_rejected():
    from saddlepoint.derivations.replica.free_entropy import saddle_point
    q = S.q
    with pytest.raises(DerivationError):
        saddle_point("bad", q ** 2 / 2 - S.alpha * q, (q,), (S.alpha,), {},
                     textbook={q: (sympy.Eq(q, 2 * S.alpha), 1)})


def test_teacher_student_asymptotes():
    # Engel & Van den Broeck (2001): Gibbs eps ~ 0.625/alpha (eq. (2.50)), Bayes ~ 0.442/alpha (sec. 3.6)
    gibbs, _ = replica.teacher_student_asymptote("gibbs")
    bayes, steps = replica.teacher_student_asymptote("bayes")
    assert sympy.simplify(gibbs / bayes - sympy.sqrt(2)) == 0
    cg = float(replica.evaluate_integrals(gibbs, 20))
    cb = float(replica.evaluate_integrals(bayes, 20))
    assert abs(cg - 0.625) < 1e-3 and abs(cb - 0.442) < 1e-3
    # the integral itself, independently: I = int du H(u) ln H(u)
    with mpmath.workdps(25):
        Hm = lambda u: mpmath.erfc(u / mpmath.sqrt(2)) / 2
        I = mpmath.quad(lambda u: Hm(u) * mpmath.log(Hm(u)), [-mpmath.inf, 0, mpmath.inf])
        assert abs(cg - float(-1 / (mpmath.sqrt(mpmath.pi) * I))) < 1e-12
    assert len(steps) == 4


def test_glm_contract_and_invalid_inputs():
    m = replica.glm(prior=replica.priors.Spherical(), channel=replica.channels.Sign(), learning="gibbs")
    assert m.unknown_names == ("R",) and "generalization_error" in m.observables
    assert m.free_entropy.has(GaussianAverage)
    assert len(m.equations) == 1 and "Dt" in m.latex()
    bayes = replica.glm(prior=replica.priors.Ising(), channel=replica.channels.Sign(), learning="bayes")
    assert bayes.unknown_names == ("q", "q_hat")
    with pytest.raises(ParameterError):
        replica.gardner(margin="kappa + 1")    # a string is never evaluated
    with pytest.raises(ParameterError):
        replica.gardner(margin=1j)
    with pytest.raises(ParameterError):
        replica.glm(prior=replica.priors.Spherical(), channel=replica.channels.Sign(), learning="newton")
    with pytest.raises(ParameterError):
        replica.priors.GaussBernoulli(density=1.5)
    with pytest.raises(ParameterError):
        replica.hopfield(temperature=-1)
    with pytest.raises(NotImplementedError):   # Gibbs with a teacher: spherical prior only
        replica.glm(prior=replica.priors.Ising(), channel=replica.channels.Sign(), learning="gibbs")


def test_replica_derivations_pickle_and_keep_the_free_entropy(hopfieldT):
    import pickle
    again = pickle.loads(pickle.dumps(hopfieldT))
    assert again.free_entropy == hopfieldT.free_entropy and again.equations == hopfieldT.equations
    assert again.limit("T", 0).unknown_names == ("m", "C", "r")
    fixed = hopfieldT.subs(T=sympy.Rational(1, 2))
    assert fixed.parameter_names == ("alpha",) and not fixed.free_entropy.has(S.T)


def test_gibbs_zero_temperature_limit_is_taken_inside_the_averages():
    # ln[e^{-1/T} + (1 - e^{-1/T}) H] -> ln H as T -> 0 (Engel & Van den Broeck eq. (4.5) -> (2.37));
    # at q = R this is the version-space free entropy (eq. (2.41))
    hot = replica.glm(replica.priors.Spherical(), replica.channels.Sign(), "gibbs", temperature=S.T)
    cold = hot.limit("T", 0)
    assert "dominated convergence" in cold.steps[0].text and cold.unknown_names == ("R",)
    pointwise = hot.limit_free_entropy("T", 0)
    assert not pointwise.has(S.T)

    def canonical(e):
        return e.replace(lambda x: isinstance(x, GaussianAverage), lambda avg: GaussianAverage(
            sympy.simplify(avg.integrand.rewrite(sympy.erfc).rewrite(sympy.erf)), avg.variable))
    for R in (sympy.Rational(3, 5), sympy.Rational(1, 4)):
        diff = canonical(pointwise.subs({S.q: R, S.R: R})) - canonical(cold.free_entropy.subs(S.R, R))
        assert sympy.simplify(diff) == 0
