"""Exact SymPy checks of the ridge deterministic equivalent (check 1 of "How a result is trusted").

Every identity is checked as ``simplify(a - b) == 0``. The reference formulas are written here
from their sources, not copied from the package:

* kappa equation, bias/variance (Atanasov, Zavatone-Veth & Pehlevan 2024, eqs. for the
  renormalised ridge and E_g = -kappa^2 tf1'(kappa)/(1-gamma) + gamma sigma^2/(1-gamma)),
* the ridgeless limit (Hastie, Montanari, Rosset & Tibshirani 2022, Theorem 1, isotropic
  features): q = d/n < 1: R = sigma^2 q/(1-q);  q > 1: R = r^2 (1 - 1/q) + sigma^2/(q-1),
* the Bayes-optimal ridge for a Gaussian prior w* ~ N(0, (r^2/d) I): the posterior mean is ridge
  with penalty sigma^2 d / r^2 on ||y - Xw||^2, i.e. lam* = sigma^2 d/(n r^2) with the 1/n
  normalisation (Dobriban & Wager 2018, Thm 2.1, lam* = gamma sigma^2/alpha^2 with gamma = d/n).
"""

import pytest
import sympy as sp

import saddlepoint as spt
from saddlepoint.derivations import SpectralSum
from saddlepoint.derivations import symbols as S
from saddlepoint.errors import DerivationError

lam, n, d, sigma2, kappa = S.lam, S.n, S.d, S.sigma2, S.kappa


def zero(expr):
    return sp.simplify(expr) == 0


def with_closed_form(de):
    k = de.closed_form[kappa]
    return k, {name: e.subs(kappa, k) for name, e in de.observables.items()}


def branch(expr, **point):
    """The Piecewise piece selected at a numeric sample ``point`` (e.g. d=1, n=2)."""
    if not isinstance(expr, sp.Piecewise):
        return expr
    values = {S.symbol_of(k): v for k, v in point.items()}
    for e, cond in expr.args:
        if cond.subs(values) == sp.true:
            return e
    raise AssertionError(f"no piece of {expr} holds at {point}")


# ------------------------------------------------------------------------------ closed form


def test_closed_form_solves_the_kappa_equation(iso_r2):
    k = iso_r2.closed_form[kappa]
    (eq,) = iso_r2.equations
    assert zero(eq.lhs.subs(kappa, k) - eq.rhs.subs(kappa, k))
    # the equation itself is kappa = lam + (kappa/n) tr[I (I + kappa)^-1] = lam + kappa d/(n(1+kappa))
    assert zero(eq.rhs - (lam + kappa * d / (n * (1 + kappa))))
    assert eq.lhs == kappa
    # and the residual the solver drives to zero vanishes there too
    (res,) = iso_r2.residuals
    assert zero(res.subs(kappa, k))


def test_closed_form_is_the_physical_root(iso_r2):
    k = iso_r2.closed_form[kappa]
    # Written out independently: n kappa^2 - X kappa - lam n = 0 with X = d + lam n - n, whose
    # roots are (X +- sqrt(X^2 + 4 lam n^2))/(2n). Their product is -lam (Vieta), so for lam > 0
    # exactly one is positive: the '+' root, since sqrt(X^2 + 4 lam n^2) > |X|.
    X = d + lam * n - n
    plus = (X + sp.sqrt(X**2 + 4 * lam * n**2)) / (2 * n)
    minus = (X - sp.sqrt(X**2 + 4 * lam * n**2)) / (2 * n)
    assert zero(k - plus)
    assert zero(sp.expand(plus * minus) + lam)
    roots = sp.solve(iso_r2.equations[0], kappa)
    assert len(roots) == 2 and any(zero(r - k) for r in roots)
    # physical branch: kappa/lam -> 1 as lam -> oo; the other root does not do that
    assert sp.limit(k / lam, lam, sp.oo) == 1
    assert sp.limit(minus / lam, lam, sp.oo) != 1
    # kappa > 0 at sample points on both sides of d = n (and kappa -> lam when d -> 0)
    for point in ({lam: sp.Rational(1, 10), n: 200, d: 100}, {lam: sp.Rational(1, 1000), n: 100, d: 200},
                  {lam: sp.Rational(1, 10**6), n: 50, d: 50}):
        assert k.subs(point).is_positive
        assert minus.subs(point).is_negative
    at_d0 = sp.limit(k, d, 0).replace(lambda e: e.is_Pow and e.exp == sp.S.Half,
                                      lambda e: sp.sqrt(sp.factor(e.base)))
    assert zero(at_d0 - lam)


def test_ridgeless_closed_form_branches(iso):
    k = iso.closed_form[kappa]
    assert sp.limit(k.subs({d: 1, n: 2}), lam, 0, "+") == 0
    assert sp.limit(k.subs({d: 3, n: 2}), lam, 0, "+") == sp.Rational(1, 2)  # d/n - 1


# ------------------------------------------------------------------------- identities


def test_train_error_is_lambda_over_kappa_squared_times_test_error_and_gcv_is_exact(iso_r2):
    k, obs = with_closed_form(iso_r2)
    assert zero(obs["train_error"] - (lam / k) ** 2 * obs["test_error"])
    assert zero(obs["gcv"] - obs["test_error"])
    # gcv is train_error/(1 - df1/n)^2 (Craven & Wahba 1979)
    assert zero(obs["gcv"] - obs["train_error"] / (1 - obs["df1"] / n) ** 2)


def test_bias_variance_and_noise_decomposition(iso_r2):
    o = iso_r2.observables
    assert zero(o["bias"] + o["variance"] - o["excess_risk"])
    assert zero(o["test_error"] - o["excess_risk"] - sigma2)
    # isotropic functionals: df1 = d/(1+kappa), df2 = d/(1+kappa)^2, tr Sigma = d
    assert zero(o["df1"] - d / (1 + kappa))
    assert zero(o["df2"] - d / (1 + kappa) ** 2)
    r2 = sp.Symbol("r2", positive=True)
    gamma = d / (n * (1 + kappa) ** 2)
    assert zero(o["bias"] - kappa**2 * r2 / (1 + kappa) ** 2 / (1 - gamma))
    assert zero(o["variance"] - sigma2 * gamma / (1 - gamma))


def test_ridgeless_limit_is_hastie_montanari_rosset_tibshirani_theorem_1(iso_r2, r2):
    L = iso_r2.limit("lam", 0)
    assert lam not in L.parameters and L.parameter_names == ("n", "d", "sigma2", "r2")
    q = d / n
    under, over = dict(d=1, n=2), dict(d=3, n=2)
    o = L.observables
    # kappa: 0 for d < n, d/n - 1 for d > n
    assert zero(branch(L.closed_form[kappa], **under))
    assert zero(branch(L.closed_form[kappa], **over) - (q - 1))
    # q < 1: pure variance sigma^2 q/(1-q)
    assert zero(branch(o["excess_risk"], **under) - sigma2 * q / (1 - q))
    assert zero(branch(o["bias"], **under))
    assert zero(branch(o["variance"], **under) - sigma2 * q / (1 - q))
    # q > 1: bias r^2 (1 - 1/q), variance sigma^2/(q - 1)
    assert zero(branch(o["excess_risk"], **over) - (r2 * (1 - 1 / q) + sigma2 / (q - 1)))
    assert zero(branch(o["bias"], **over) - r2 * (1 - 1 / q))
    assert zero(branch(o["variance"], **over) - sigma2 / (q - 1))
    for side in (under, over):
        assert zero(branch(o["test_error"], **side) - branch(o["excess_risk"], **side) - sigma2)
        assert zero(branch(o["gcv"], **side) - branch(o["test_error"], **side))
    # least squares residual sigma^2 (1 - d/n) below the threshold; interpolation above it
    assert zero(branch(o["train_error"], **under) - sigma2 * (1 - q))
    assert zero(branch(o["train_error"], **over))


def test_ridgeless_limit_agrees_with_the_limit_of_the_closed_form(iso_r2):
    # sympy.limit of the full closed-form excess risk at sample (d, n), independently of Derivation.limit
    _, obs = with_closed_form(iso_r2)
    L = iso_r2.limit("lam", 0)
    for dn in ((1, 3), (5, 2)):
        pt = {d: dn[0], n: dn[1]}
        direct = sp.limit(obs["excess_risk"].subs(pt), lam, 0, "+")
        assert zero(direct - branch(L.observables["excess_risk"], d=dn[0], n=dn[1]).subs(pt))


def test_infinite_ridge_limit_is_the_null_predictor(iso_r2, r2):
    _, obs = with_closed_form(iso_r2)
    # w_hat -> 0: excess risk -> ||w*||^2 = r2, train error -> E y^2 = r2 + sigma2
    assert zero(sp.limit(obs["excess_risk"], lam, sp.oo) - r2)
    assert zero(sp.limit(obs["test_error"], lam, sp.oo) - (r2 + sigma2))
    assert zero(sp.limit(obs["train_error"], lam, sp.oo) - (r2 + sigma2))
    assert sp.limit(obs["variance"], lam, sp.oo) == 0


def test_derivation_limit_at_infinite_ridge(iso_r2, r2):
    L = iso_r2.limit("lam", sp.oo)
    assert zero(L.observables["excess_risk"] - r2)
    assert zero(L.observables["train_error"] - (r2 + sigma2))


# ------------------------------------------------------------------------- optimal ridge


def test_optimal_ridge_is_bayes_optimal(iso_r2, r2):
    lam_star = spt.optimal_ridge(iso_r2)
    assert zero(lam_star - sigma2 * d / (n * r2))
    _, obs = with_closed_form(iso_r2)
    assert zero(sp.diff(obs["test_error"], lam).subs(lam, lam_star))
    # a minimum, not a maximum: the test error is larger on either side (exact rationals)
    pt = {n: 200, d: 100, sigma2: sp.Rational(1, 4), r2: 2}
    ls = lam_star.subs(pt)
    f = lambda x: obs["test_error"].subs(pt).subs(lam, x)
    assert sp.nsimplify(f(ls * sp.Rational(9, 10)) - f(ls)).evalf(30) > 0
    assert sp.nsimplify(f(ls * sp.Rational(11, 10)) - f(ls)).evalf(30) > 0


def test_optimal_ridge_unit_signal_and_no_closed_form(iso, atoms):
    assert zero(spt.optimal_ridge(iso) - sigma2 * d / n)
    with pytest.raises(DerivationError):
        spt.optimal_ridge(atoms)


# ------------------------------------------------------------------- spectral functionals


@pytest.fixture(scope="module")
def sym_atoms():
    a, b = sp.symbols("a b", positive=True)
    t1, t2 = sp.symbols("t1 t2", nonnegative=True)
    spec = spt.Atoms([a, b], target=[t1, t2], multiplicity=[3, 2])
    return spec, (a, b, t1, t2)


def test_symbolic_atoms_expand_to_explicit_sums(sym_atoms):
    spec, (a, b, t1, t2) = sym_atoms
    df1 = spec.df1(kappa)
    assert not df1.atoms(SpectralSum)
    assert zero(df1 - (3 * a / (a + kappa) + 2 * b / (b + kappa)))
    assert zero(spec.df2(kappa) - (3 * a**2 / (a + kappa) ** 2 + 2 * b**2 / (b + kappa) ** 2))
    assert zero(spec.tf1(kappa) - (3 * t1 / (a + kappa) + 2 * t2 / (b + kappa)))
    assert zero(spec.tf2(kappa) - (3 * t1 * a / (a + kappa) ** 2 + 2 * t2 * b / (b + kappa) ** 2))
    # d df1/d kappa = -S_{1,2}
    s12 = spec.functional(1, 2)(kappa)
    assert zero(sp.diff(df1, kappa) + s12)
    assert zero(s12 - (3 * a / (a + kappa) ** 2 + 2 * b / (b + kappa) ** 2))


def test_symbolic_atom_ridge_observables():
    # One symbolic atom (eigenvalue a, multiplicity m, per-mode target power t): the kappa
    # equation is quadratic, so ridge() also finds a closed form. (Two symbolic atoms give a
    # cubic on which ridge() spends ~50 s in sympy.solve; see the report.)
    a, m = sp.symbols("a m", positive=True)
    t = sp.Symbol("t", nonnegative=True)
    de = spt.ridge(spt.Atoms([a], target=[t], multiplicity=[m]))
    assert de.parameter_names == ("lam", "n", "sigma2", "a", "m", "t")
    o = de.observables
    for e in list(o.values()) + [de.equations[0].rhs]:
        assert not e.atoms(SpectralSum)
    df1 = m * a / (a + kappa)
    gamma = m * a**2 / (a + kappa) ** 2 / n
    t02 = m * t / (a + kappa) ** 2   # = -tf1'(kappa)
    bias = kappa**2 * t02 / (1 - gamma)
    variance = sigma2 * gamma / (1 - gamma)
    assert zero(de.equations[0].rhs - (lam + kappa * df1 / n))
    assert zero(o["df1"] - df1)
    assert zero(o["df2"] - gamma * n)
    assert zero(o["bias"] - bias)
    assert zero(o["variance"] - variance)
    assert zero(o["excess_risk"] - bias - variance)
    assert zero(o["test_error"] - bias - variance - sigma2)
    assert zero(o["train_error"] - (lam / kappa) ** 2 * (bias + variance + sigma2))
    k = de.closed_form[kappa]
    # GCV = train / (1 - df1/n)^2 equals the test error on the kappa equation (not off it)
    assert zero(o["gcv"].subs(kappa, k) - o["test_error"].subs(kappa, k))
    assert zero(k - de.equations[0].rhs.subs(kappa, k))
    assert zero(o["train_error"].subs(kappa, k) - (lam / k) ** 2 * o["test_error"].subs(kappa, k))


def test_one_atom_of_multiplicity_d_is_isotropic(iso_r2, r2):
    # eigenvalue 1 repeated d times, each mode carrying r2/d: Sigma = I_d, ||w*||^2 = r2
    de = spt.ridge(spt.Atoms([1], target=[r2 / d], multiplicity=[d]))
    assert set(de.parameter_names) == set(iso_r2.parameter_names)
    assert zero(de.equations[0].rhs - iso_r2.equations[0].rhs)
    for name, e in iso_r2.observables.items():
        assert zero(de.observables[name] - e), name


@pytest.mark.parametrize("a,b,weighted", [(1, 1, False), (2, 2, False), (0, 1, True), (1, 2, True), (0, 3, False)])
def test_spectral_sum_fdiff_rule(a, b, weighted):
    # unevaluated functionals (numeric atoms: exact rationals) differentiate as d S_{a,b} = -b S_{a,b+1}
    spec = spt.Atoms([2, sp.Rational(1, 2), 7], target=[sp.Rational(1, 50), sp.Rational(1, 200), 1],
                     multiplicity=[50, 30, 1])
    F = spec.functional(a, b, weighted)
    G = spec.functional(a, b + 1, weighted)
    f = F(kappa)
    assert isinstance(f, SpectralSum)
    assert sp.diff(f, kappa) == -b * G(kappa)
    # ... which is the derivative of the explicit sum
    explicit = sum(m * (t if weighted else 1) * w**a / (w + kappa) ** b
                   for w, t, m in zip(spec.eigenvalues, spec.target, spec.multiplicity))
    assert zero(f.doit() - explicit)
    assert zero(sp.diff(f.doit(), kappa) - sp.diff(f, kappa).doit())
    # chain rule through the argument
    assert zero(sp.diff(F(kappa**2), kappa) + 2 * kappa * b * G(kappa**2))


def test_spectral_sum_fdiff_constant_and_power_law():
    spec = spt.Atoms([3, 5], multiplicity=[2, 1])
    assert sp.diff(spec.functional(1, 0)(kappa), kappa) == 0   # S_{1,0} = tr Sigma
    assert spec.functional(1, 0)(kappa).doit() == spec.trace() == 11
    pl = spt.PowerLaw(alpha=sp.Rational(3, 2), beta=2)
    for a, b, w in ((1, 1, False), (1, 2, True)):
        f = pl.functional(a, b, w)(kappa)
        df = sp.diff(f, kappa)
        assert df == -b * pl.functional(a, b + 1, w)(kappa)
        # ... and is the derivative of the explicit (infinite) Sum, term by term
        assert isinstance(f.doit(), sp.Sum)
        assert zero(sp.diff(f.doit(), kappa) - df.doit())


# ---------------------------------------------------------------------------------- series


def _kappa_series(q, order):
    """Physical small-lam series of kappa(1 + kappa) - q kappa = lam (1 + kappa), by
    undetermined coefficients (independent of the closed form)."""
    c = sp.symbols(f"c0:{order}")
    c0 = 0 if q < 1 else q - 1
    ks = c0 + sum(c[j] * lam**j for j in range(1, order))
    eqn = sp.expand(ks * (1 + ks) - q * ks - lam * (1 + ks))
    sol = {}
    for j in range(1, order):
        coeff = eqn.coeff(lam, j).subs(sol)
        sol[c[j]] = sp.solve(coeff, c[j])[0]
    return ks.subs(sol)


@pytest.mark.parametrize("q", [sp.Rational(1, 2), sp.Integer(2)])
def test_series_small_ridge(iso, q):
    order = 3
    de = iso.subs(d=q * n)
    se = de.series("lam", 0, order)
    ks = _kappa_series(q, order)
    assert zero(sp.expand(se.closed_form[kappa] - ks))
    if q < 1:
        assert zero(ks - (lam / (1 - q) - q * lam**2 / (1 - q) ** 3))   # hand expansion
    # observables divide by kappa (train_error has (lam/kappa)^2): expand with a longer kappa series
    ks_long = _kappa_series(q, order + 2)
    for name, e in de.observables.items():
        expected = sp.series(e.subs(kappa, ks_long), lam, 0, order).removeO()
        assert zero(sp.expand(se.observables[name] - expected)), name
    # the constant term is the ridgeless limit on the right side of d = n
    L = iso.limit("lam", 0)
    side = dict(d=1, n=2) if q < 1 else dict(d=4, n=2)
    for name in ("excess_risk", "test_error", "bias", "variance", "train_error"):
        assert zero(se.observables[name].subs(lam, 0) - branch(L.observables[name], **side).subs(d, q * n)), name
