"""De Almeida-Thouless (replica-symmetry stability) observables ``at_stability`` of the Gardner
perceptron and the Hopfield retrieval state: the derived SymPy form against the textbook
expression, known limits, numpy against mpmath, and the sign-change locations against
independent mpmath root-finds of the textbook equations."""

import mpmath
import numpy as np
import pytest
import sympy

from saddlepoint import replica
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.replica.gaussian import GaussianAverage

def H_mp(x):
    # sqrt(2) at the working precision: for large x an error in it is multiplied by x^2
    return mpmath.erfc(x / mpmath.sqrt(2)) / 2


def mills_mp(x):
    return mpmath.npdf(x) / H_mp(x)


def average_mp(f, kink=0):
    return mpmath.quad(lambda t: f(t) * mpmath.npdf(t), [-mpmath.inf, kink, mpmath.inf])


def the_average(expr):
    avgs = list(expr.atoms(GaussianAverage))
    assert len(avgs) == 1
    return avgs[0]


# ---------------------------------------------------------------- Gardner (spherical, margin kappa)

@pytest.fixture(scope="module")
def gardner_symbolic():
    return replica.gardner()


@pytest.fixture(scope="module")
def gardner_negative():
    return replica.gardner(margin=-0.5)

def gardner_at_textbook_mp(alpha, q, kappa):
    """Gardner & Derrida (1988), J. Phys. A 21, 271 (Engel & Van den Broeck 2001, ch. 6):
    RS is stable while alpha int Dt [G(x)(G(x) - x)]^2 < 1, x = (kappa - sqrt(q) t)/sqrt(1 - q),
    G = e^{-x^2/2}/(sqrt(2 pi) H(x)); typed here from the paper, not from the package."""
    x = lambda t: (kappa - mpmath.sqrt(q) * t) / mpmath.sqrt(1 - q)
    g = lambda t: mills_mp(x(t)) * (mills_mp(x(t)) - x(t))
    return 1 - alpha * average_mp(lambda t: g(t) ** 2, kappa / mpmath.sqrt(q))


def gardner_overlap_mp(alpha, kappa, guess):
    """Gardner (1988), J. Phys. A 21, 257 (Engel & Van den Broeck eq. (6.14)):
    q/(1 - q) = alpha int Dt G(x)^2, solved with mpmath."""
    def eq(q):
        x = lambda t: (kappa - mpmath.sqrt(q) * t) / mpmath.sqrt(1 - q)
        return q / (1 - q) - alpha * average_mp(lambda t: mills_mp(x(t)) ** 2, kappa / mpmath.sqrt(q))
    return mpmath.findroot(eq, mpmath.mpf(guess))


def test_gardner_at_form_is_the_textbook_one(gardner_symbolic):
    de = gardner_symbolic
    obs = de.observables["at_stability"]
    avg = the_average(obs)
    t = avg.args[1]
    x = (S.margin - sympy.sqrt(S.q) * t) / sympy.sqrt(1 - S.q)
    G = sympy.exp(-x ** 2 / 2) / (sympy.sqrt(2 * sympy.pi) * sympy.erfc(x / sympy.sqrt(2)) / 2)
    textbook = (G * (G - x)) ** 2
    assert sympy.simplify(avg.args[0].rewrite(sympy.erfc) - textbook) == 0
    assert sympy.simplify(obs - (1 - S.alpha * avg)) == 0


@pytest.mark.parametrize("kappa", [0, 0.5, -0.5])
def test_gardner_at_limit_at_capacity(kappa, gardner_symbolic):
    # as q -> 1, G(x)(G(x) - x) -> 1 for t < kappa (x -> +inf) and -> 0 for t > kappa, so
    # lambda_AT -> 1 - alpha_c H(-kappa): 0 at kappa = 0 (Gardner & Derrida 1988: marginal at
    # capacity), > 0 for kappa > 0, < 0 for kappa < 0
    de = gardner_symbolic.subs(margin=kappa)
    alpha_c = mpmath.mpf(float(de.observables["alpha_c"]))
    obs = de.observables["at_stability"]
    avg = the_average(obs)
    with mpmath.workdps(30):
        q = 1 - mpmath.mpf(10) ** -12
        f = sympy.lambdify((avg.args[1], S.q), avg.args[0], [{"_mills": mills_mp}, "mpmath"])
        integrand = lambda t: f(t, q)
        value = 1 - alpha_c * average_mp(integrand, kappa)
        limit = 1 - alpha_c * H_mp(-mpmath.mpf(kappa))
    assert abs(value - limit) < 1e-4
    if kappa == 0:
        assert abs(value) < 1e-4
    else:
        assert np.sign(float(value)) == np.sign(kappa) and abs(value) > 0.3


def test_gardner_rs_stable_up_to_capacity_for_nonnegative_margin(gardner_symbolic):
    s = gardner_symbolic.solver()
    for kappa in (0.0, 0.5):
        alpha_c = float(gardner_symbolic.observables["alpha_c"].subs(S.margin, kappa))
        sol = s(alpha=alpha_c * np.array([0.1, 0.4, 0.7, 0.9, 0.99]), margin=kappa)
        assert sol.converged.all() and np.all(sol.at_stability > 0)
        assert np.all(np.diff(sol.at_stability) < 0)


def test_gardner_negative_margin_breaks_rs_before_capacity(gardner_negative):
    kappa = -0.5
    de = gardner_negative
    alpha_c = float(de.observables["alpha_c"])
    s = de.solver()
    point = s.solve_for("alpha", at_stability=0, bracket=(0.5 * alpha_c, 0.99 * alpha_c))
    alpha_at = float(point.alpha)
    assert alpha_at < 0.9 * alpha_c
    assert s(alpha=0.95 * alpha_at).at_stability > 0 > s(alpha=1.05 * alpha_at).at_stability
    # independently: the textbook q-equation solved with mpmath at the root found, and the
    # textbook AT expression there; one Newton step with the numpy slope locates the root
    with mpmath.workdps(16):
        k, a = mpmath.mpf(kappa), mpmath.mpf(alpha_at)
        q = mpmath.re(gardner_overlap_mp(a, k, float(point.q)))
        residual = gardner_at_textbook_mp(a, q, k)
    h = 1e-4 * alpha_at
    slope = (s(alpha=alpha_at + h).at_stability - s(alpha=alpha_at - h).at_stability) / (2 * h)
    assert abs(float(mpmath.re(residual)) / slope) < 1e-9 * alpha_at


def test_gardner_at_numpy_against_mpmath_backend(gardner_negative):
    de = gardner_negative
    fast = de.solver()(alpha=3.0)
    slow = de.solver(backend="mpmath", dps=20)(alpha=3.0)
    assert abs(fast.at_stability - float(slow.at_stability)) < 1e-12
    with mpmath.workdps(20):
        ref = gardner_at_textbook_mp(mpmath.mpf(3), slow.q, mpmath.mpf(-0.5))
    assert abs(slow.at_stability - ref) < mpmath.mpf(10) ** -16


# ---------------------------------------------------------------- Hopfield retrieval state

@pytest.fixture(scope="module")
def hopfield_hot():
    return replica.hopfield(temperature=None)


@pytest.fixture(scope="module")
def hopfield_cold():
    return replica.hopfield(temperature=0)

def hopfield_textbook_mp(alpha, T, guess):
    """AGS (1987), Ann. Phys. 173, 30: m = <<tanh beta(m + sqrt(alpha r) z)>>, q = <<tanh^2>>,
    r = q/(1 - beta + beta q)^2, and the replicon condition
    lambda_AT = 1 - alpha beta^2/(1 - beta + beta q)^2 <<sech^4 beta(m + sqrt(alpha r) z)>>."""
    beta = 1 / T

    def avg(f, m, r):
        a = mpmath.sqrt(alpha * r)
        return average_mp(lambda z: f(beta * (m + a * z)), -m / a)

    def eqs(m, q, r):
        return [avg(mpmath.tanh, m, r) - m, avg(lambda u: mpmath.tanh(u) ** 2, m, r) - q,
                q - r * (1 - beta + beta * q) ** 2]
    m, q, r = mpmath.findroot(eqs, [mpmath.mpf(float(g)) for g in guess])
    return 1 - alpha * beta ** 2 / (1 - beta + beta * q) ** 2 * avg(lambda u: mpmath.sech(u) ** 4, m, r)


def test_hopfield_at_form_is_ags(hopfield_hot):
    de = hopfield_hot
    obs = de.observables["at_stability"]
    avg = the_average(obs)
    z = avg.args[1]
    beta = 1 / S.T
    arg = beta * (S.m + sympy.sqrt(S.alpha * S.r) * z)
    assert sympy.simplify(avg.args[0] - sympy.sech(arg) ** 4) == 0
    prefactor = S.alpha * beta ** 2 / (1 - beta + beta * S.q) ** 2
    assert sympy.simplify((1 - obs) / avg - prefactor) == 0


def test_hopfield_zero_temperature_at_is_the_limit(hopfield_hot, hopfield_cold):
    de0 = hopfield_cold
    obs0 = de0.observables["at_stability"]
    # lim T lambda_AT = -alpha (4/3) p(0)/(1 - C)^2, p(0) = e^{-m^2/(2 alpha r)}/sqrt(2 pi alpha r)
    # the local-field density at 0 and 4/3 = int sech^4 (the T -> 0 limit of beta^2 <<sech^4>>)
    a = sympy.sqrt(S.alpha * S.r)
    expected = -S.alpha * sympy.Rational(4, 3) * sympy.exp(-S.m ** 2 / (2 * a ** 2)) / (sympy.sqrt(2 * sympy.pi) * a) / (1 - S.C) ** 2
    assert sympy.simplify(obs0 - expected) == 0
    s0 = de0.solver()
    alphas = np.array([0.03, 0.1, 0.13])
    sol = s0(alpha=alphas)
    # on the saddle point C = 2 p(0) (AGS eq. for C), so lim T lambda_AT = -(2/3) alpha C r < 0:
    # the RS retrieval state is AT-unstable at T = 0 for every alpha
    assert np.allclose(sol.at_stability, -2 / 3 * alphas * sol.C * sol.r, rtol=1e-12)
    assert np.all(sol.at_stability < 0)
    # weak: exponentially small as alpha -> 0, ~ sqrt(8 alpha/(9 pi)) e^{-1/(2 alpha)}
    asym = np.sqrt(8 * alphas[0] / (9 * np.pi)) * np.exp(-1 / (2 * alphas[0]))
    assert abs(-sol.at_stability[0] / asym - 1) < 1e-3
    # and the finite-T observable: T lambda_AT(T) = T - T_R + O(T^2) near T = 0
    hot = hopfield_hot.solver()(alpha=0.1, T=1e-3)
    assert abs(1e-3 * hot.at_stability - (1e-3 + sol.at_stability[1])) < 2e-5


@pytest.mark.parametrize("alpha", [0.1, 0.13])
def test_hopfield_at_line_against_mpmath(alpha, hopfield_hot, hopfield_cold):
    s = hopfield_hot.solver()
    point = s.solve_for("T", alpha=alpha, at_stability=0, bracket=(3e-4, 0.1))
    T_R = float(point.T)
    assert s(alpha=alpha, T=0.5 * T_R).at_stability < 0 < s(alpha=alpha, T=2 * T_R).at_stability
    # the T = 0 estimate T_R ~ -lim T lambda_AT, to O(T_R^2)
    estimate = -float(hopfield_cold.solver()(alpha=alpha).at_stability)
    assert abs(T_R - estimate) < 0.01 * estimate
    # independently: AGS's equations solved with mpmath at T_R, and the textbook AT expression
    # there; one Newton step with the numpy slope locates the root
    with mpmath.workdps(20):
        residual = hopfield_textbook_mp(mpmath.mpf(alpha), mpmath.mpf(T_R), (point.m, point.q, point.r))
    h = 1e-4 * T_R
    slope = (s(alpha=alpha, T=T_R + h).at_stability - s(alpha=alpha, T=T_R - h).at_stability) / (2 * h)
    assert abs(float(residual) / slope) < 1e-8 * T_R


def test_hopfield_at_numpy_against_mpmath_backend(hopfield_hot, hopfield_cold):
    fast = hopfield_hot.solver()(alpha=0.1, T=0.005)
    slow = hopfield_hot.solver(backend="mpmath", dps=20)(alpha=0.1, T=0.005)
    assert abs(fast.at_stability - float(slow.at_stability)) < 1e-9
    fast0 = hopfield_cold.solver()(alpha=0.1)
    slow0 = hopfield_cold.solver(backend="mpmath", dps=20)(alpha=0.1)
    assert abs(fast0.at_stability - float(slow0.at_stability)) < 1e-15
