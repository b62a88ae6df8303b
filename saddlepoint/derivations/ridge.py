r"""Deterministic equivalent of ridge regression.

Conventions (Atanasov, Zavatone-Veth & Pehlevan 2024, *Scaling and renormalization in
high-dimensional regression*, whose notation this follows):

* data: rows :math:`x \sim \mathcal N(0, \Sigma)`, labels :math:`y = w^{*\top} x + \epsilon`,
  :math:`\epsilon \sim \mathcal N(0, \sigma^2)`; n samples, d features.
* estimator: :math:`\hat w = \arg\min_w \tfrac1n \|y - Xw\|^2 + \lambda \|w\|^2`
  (the ridge is normalised by 1/n).
* renormalised ridge :math:`\kappa = \lambda + \tfrac{\kappa}{n}\operatorname{tr}[\Sigma(\Sigma+\kappa)^{-1}]`,
  the physical root being the one continuous from :math:`\kappa \sim \lambda` as
  :math:`\lambda \to \infty`.
* ``excess_risk`` :math:`= \mathbb E_x[(x\cdot(\hat w - w^*))^2]` (no label noise);
  ``test_error`` = excess_risk + sigma2 (a noisy test label);
  ``train_error`` :math:`= \tfrac1n\|y - X\hat w\|^2`;
  ``bias`` and ``variance`` split the excess risk (noise-free estimator; noise part);
  ``gcv`` = train_error / (1 - df1/n)^2, the generalized cross-validation estimate of
  test_error (Craven & Wahba 1979), which the deterministic equivalent makes exact
  (Atanasov et al. 2024: E_train = (lam/kappa)^2 E_test and lam/kappa = 1 - df1/n).

Ridgeless limit: Hastie, Montanari, Rosset & Tibshirani (2022), *Surprises in
high-dimensional ridgeless least squares interpolation*, Theorem 1 (isotropic case).
"""

import sympy

from ..errors import DerivationError
from . import symbols as _s
from .core import Derivation, Difference, Quotient, Step
from .spectra import Generic, LawSpectrum, Spectrum, SpectralSum, specialise

__all__ = ["ridge", "optimal_ridge"]

CONVENTIONS = """\
Ridge regression, deterministic equivalent (Atanasov, Zavatone-Veth & Pehlevan 2024).
  data: rows x ~ N(0, Sigma); y = w*.x + eps, eps ~ N(0, sigma2); n samples, d features.
  estimator: w_hat = argmin (1/n)||y - X w||^2 + lam ||w||^2   (ridge normalised by 1/n).
  kappa solves kappa = lam + (kappa/n) tr[Sigma (Sigma + kappa)^-1] on the branch continuous
  from kappa ~ lam as lam -> infinity (kappa = 0 in the ridgeless under-parameterised case).
  df1 = tr[Sigma (Sigma+kappa)^-1], df2 = tr[Sigma^2 (Sigma+kappa)^-2], gamma = df2/n.
  excess_risk = E_x[(x.(w_hat - w*))^2] = bias + variance (no label noise);
  test_error = excess_risk + sigma2;  train_error = (1/n)||y - X w_hat||^2;
  gcv = train_error / (1 - df1/n)^2 (generalized cross-validation estimate of test_error).
  Target power per mode t_i = omega_i (w*_i)^2."""

LATEX_NAMES = {
    "excess_risk": r"\mathcal{R}",
    "test_error": r"E_{\mathrm{test}}",
    "train_error": r"E_{\mathrm{train}}",
    "bias": r"\mathcal{B}",
    "variance": r"\mathcal{V}",
    "df1": r"\mathrm{df}_{1}",
    "df2": r"\mathrm{df}_{2}",
    "gcv": r"\mathrm{GCV}",
    _s.lam: r"\lambda",
    _s.sigma2: r"\sigma^{2}",
    _s.kappa: r"\kappa",
}


def ridge(spectrum):
    """The deterministic equivalent of ridge regression on a population ``spectrum``.

    Returns a :class:`~saddlepoint.derivations.core.Derivation` with parameters
    ``(lam, n, [d,] sigma2, *spectrum symbols)``, unknown ``kappa`` and observables
    ``excess_risk, test_error, train_error, bias, variance, df1, df2, gcv``.
    Conventions: see the module docstring (ridge normalised by 1/n; excess_risk excludes
    the test-label noise, test_error includes it).

    ``spectrum`` may also be a free-probability ``Law`` (:mod:`saddlepoint.free`): the law of
    the eigenvalues of Sigma, on [0, oo), with an isotropic teacher of unit power
    (:class:`~saddlepoint.derivations.spectra.LawSpectrum`; wrap the law yourself for another
    ``signal``). Laws of degree <= 2 in g enter in closed form; any other algebraic law (e.g.
    the sample-covariance law ``free_mul(MarchenkoPastur(q), Atoms(...))``, degree 3) through
    its resolvent moments R_m(kappa) = int dmu(omega) (omega + kappa)^-m, which stay symbolic
    in the equations (df1 = d (1 - kappa R_1), df2 = d (1 - 2 kappa R_1 + kappa^2 R_2)) and
    are evaluated by following the root of P(g, -kappa) = 0 (numpy, mpmath and generated
    source alike). To hold such a theory against a simulation, draw the population instead
    of the theory: ``omega = free.simulate.spectrum(law, d=d, seeds=1).eigenvalues[0]``, then
    ``spt.simulate.ridge(spt.Atoms(list(omega), target=list(omega / d), multiplicity=[1] * d), ...)``
    (the simulation never imports the theory).

    >>> import saddlepoint as spt
    >>> de = spt.ridge(spt.Isotropic(signal=1))
    >>> de.equations
    [Eq(kappa, d*kappa/(n*(kappa + 1)) + lambda)]
    >>> de.parameter_names
    ('lam', 'n', 'd', 'sigma2')
    """
    if hasattr(spectrum, "polynomial") and hasattr(spectrum, "stieltjes"):  # a free-probability Law
        spectrum = LawSpectrum(spectrum)
    if not isinstance(spectrum, Spectrum):
        raise TypeError(f"spectrum must be a saddlepoint spectrum (Isotropic, Atoms, PowerLaw, LawSpectrum) "
                        f"or a free-probability Law, not {spectrum!r}")
    lam, n, sigma2, kappa = _s.lam, _s.n, _s.sigma2, _s.kappa
    # Derive once for an unspecified spectrum (the general form shown in the trail), then
    # specialise the spectral functionals to ``spectrum``.
    generic = Generic()
    df1 = generic.df1(kappa)
    df2 = generic.df2(kappa)
    bias_sum = generic.functional(0, 2, True)(kappa)  # sum_i t_i/(omega_i+kappa)^2 = -tf1'(kappa)
    gamma = df2 / n

    kappa_eq = sympy.Eq(kappa, lam + kappa * df1 / n)
    bias = kappa**2 * bias_sum / (1 - gamma)
    variance = sigma2 * gamma / (1 - gamma)
    excess = bias + variance
    test = excess + sigma2
    train = (lam / kappa) ** 2 * test
    gcv = train / (1 - df1 / n) ** 2  # = test_error on the kappa equation (lam/kappa = 1 - df1/n)

    E = lambda name: sympy.Symbol(LATEX_NAMES[name])
    steps = [
        Step(r"Data $x \sim \mathcal{N}(0,\Sigma)$, $y = w^{*\top}x + \epsilon$, "
             r"$\epsilon\sim\mathcal{N}(0,\sigma^2)$; ridge $\hat w = \arg\min_w \frac{1}{n}\|y-Xw\|^2 + \lambda\|w\|^2$; "
             r"teacher power per mode $t_i = \omega_i (w^*_i)^2$."),
        Step(r"Deterministic equivalent of the resolvent (Atanasov, Zavatone-Veth, Pehlevan 2024):",
             r"\lambda(\hat\Sigma+\lambda)^{-1} &\simeq \kappa(\Sigma+\kappa)^{-1},\quad "
             r"\hat\Sigma = X^{\top}X/n"),
        Step(r"Taking the trace gives the renormalised ridge:", kappa_eq),
        Step(r"With $\gamma = \mathrm{df}_2(\kappa)/n$ and $\mathrm{T}_{0,2}(\kappa) = \sum_i t_i(\omega_i+\kappa)^{-2}$ "
             r"the excess risk splits into bias and variance:", sympy.Eq(E("bias"), bias)),
        Step("", sympy.Eq(E("variance"), variance)),
        Step(r"The training error shrinks the test error by $(\lambda/\kappa)^2$:", sympy.Eq(E("train_error"), train)),
        Step(r"and since $\lambda/\kappa = 1 - \mathrm{df}_1/n$ on the $\kappa$ equation, generalized "
             r"cross-validation equals the test error:", sympy.Eq(E("gcv"), gcv)),
    ]

    observables = {
        "excess_risk": excess,
        "test_error": test,
        "train_error": train,
        "bias": bias,
        "variance": variance,
        "df1": df1,
        "df2": df2,
        "gcv": gcv,
    }
    spec = lambda e: specialise(e, generic, spectrum)
    kappa_eq = sympy.Eq(kappa, spec(kappa_eq.rhs))
    observables = {k: _tidy(spec(v)) for k, v in observables.items()}
    steps.append(Step(r"Spectrum: $%s$, so" % spectrum.latex(), sympy.Eq(kappa, kappa_eq.rhs)))
    parameters = [lam, n] + ([_s.d] if _s.d in spectrum.parameters else []) + [sigma2]
    parameters += [p for p in spectrum.parameters if p not in parameters]

    residual, numeric = _numeric_forms(spectrum)
    bracket = {kappa: (lam, lam + spectrum.trace() / n)}

    closed = {}
    if not kappa_eq.rhs.atoms(SpectralSum):
        closed = _physical_root(kappa_eq, kappa, lam)
        if closed:
            steps.append(Step(r"SymPy solves the $\kappa$ equation; the physical root is the one with "
                              r"$\kappa/\lambda \to 1$ as $\lambda\to\infty$:", sympy.Eq(kappa, closed[kappa])))

    return Derivation(
        "ridge", parameters, [kappa], [kappa_eq], observables, steps,
        residuals=[residual], numeric_observables=numeric, closed_form=closed, bracket=bracket,
        initial={kappa: lam + spectrum.trace() / n},
        latex_names=LATEX_NAMES, conventions=CONVENTIONS,
        references=("Atanasov, Zavatone-Veth, Pehlevan (2024), Scaling and renormalization in high-dimensional regression",
                    "Hastie, Montanari, Rosset, Tibshirani (2022), Surprises in high-dimensional ridgeless least squares interpolation"),
    )


def _numeric_forms(spectrum):
    """The residual of the kappa equation and the observables, arranged for floating point.

    The solver drives ``1 - df1/n - lam/kappa`` to zero: increasing in kappa, its only root is
    the physical one, and at lam = 0 with df1(0) <= n the root is the boundary kappa = 0.
    Near the interpolation threshold (d ~ n, lam -> 0) both ``1 - df1/n`` and ``1 - df2/n``
    are small differences of O(1) numbers; for a finite spectrum they are rewritten exactly as

        1 - df1/n = (n - d)/n + kappa S_{0,1}/n,
        1 - df2/n = (n - d)/n + kappa (2 S_{1,2} + kappa S_{0,2})/n,

    which keep their relative accuracy there (used for d <= 2n; far above the threshold the
    plain forms are the accurate ones). ``train_error`` uses lam/kappa, exact to rounding,
    except at kappa = 0 where only 1 - df1/n is defined; ``gcv`` is test_error, which it
    equals identically on the kappa equation.
    """
    lam, n, sigma2, kappa = _s.lam, _s.n, _s.sigma2, _s.kappa
    df1, df2 = spectrum.df1(kappa), spectrum.df2(kappa)
    bias_sum = spectrum.functional(0, 2, True)(kappa)
    dim = spectrum.dimension()
    one_minus_df1, one_minus_gamma = 1 - df1 / n, 1 - df2 / n
    if dim is not None:
        S = spectrum.functional
        near = dim <= 2 * n
        gap = Difference(n, dim)  # exact in floating point, and kept out of SymPy's flattening
        stable1 = (gap + kappa * S(0, 1)(kappa)) / n
        stable2 = (gap + kappa * (2 * S(1, 2)(kappa) + kappa * S(0, 2)(kappa))) / n
        one_minus_df1 = sympy.Piecewise((stable1, near), (one_minus_df1, True))
        one_minus_gamma = sympy.Piecewise((stable2, near), (one_minus_gamma, True))
    residual = one_minus_df1 - lam / kappa
    bias = kappa**2 * bias_sum / one_minus_gamma
    variance = sigma2 * (df2 / n) / one_minus_gamma
    test = bias + variance + sigma2
    shrink = sympy.Piecewise((Quotient(lam, kappa), kappa > 0), (one_minus_df1, True))
    numeric = {
        "excess_risk": bias + variance,
        "test_error": test,
        "train_error": shrink**2 * test,
        "bias": bias,
        "variance": variance,
        "df1": df1,
        "df2": df2,
        "gcv": test,
    }
    return residual, numeric


def _tidy(expr):
    """Cancel closed-form expressions (no spectral functionals left) to a compact rational form,
    branch by branch for a Piecewise."""
    if expr.atoms(SpectralSum) or any(not p.exp.is_Integer for p in expr.atoms(sympy.Pow)):
        return expr  # functionals or radicals: cancelling would be slow and no clearer
    if expr.has(sympy.Piecewise):
        folded = sympy.piecewise_fold(expr)
        if isinstance(folded, sympy.Piecewise):
            return sympy.Piecewise(*[(_tidy(e), c) for e, c in folded.args])
        return folded
    num, den = sympy.fraction(sympy.cancel(expr))
    if den.could_extract_minus_sign():
        num, den = -num, -den
    return sympy.factor(num) / sympy.factor(den)


def _physical_root(eq, unknown, lam):
    """Solve ``eq`` for ``unknown`` and keep the root continuous from unknown ~ lam at lam -> oo.

    Only equations that are polynomial of degree <= 2 in the unknown (after clearing
    denominators) are solved: the radicals of higher degrees (e.g. two symbolic atoms give a
    cubic) are neither readable nor fast, and the numeric solver is exact there anyway.
    """
    numerator = sympy.numer(sympy.together(eq.lhs - eq.rhs))
    try:
        degree = sympy.Poly(numerator, unknown).degree()
    except sympy.PolynomialError:
        return {}
    if degree > 2:
        return {}
    for r in sympy.solve(numerator, unknown):
        try:
            if sympy.simplify(sympy.limit(r / lam, lam, sympy.oo) - 1) == 0:
                return {unknown: r}
        except (NotImplementedError, ValueError):
            continue
    return {}


def optimal_ridge(derivation, observable="test_error"):
    """The ridge lam* minimising ``observable`` in closed form.

    kappa is increasing in lam, so d(observable)/d(lam) = 0 is solved as
    d(observable)/d(kappa) = 0 at fixed (n, d), then mapped back through
    lam = kappa (1 - df1(kappa)/n). Needs a closed-form spectrum (Isotropic).
    For the isotropic model the result is lam* = sigma2 d / (n signal), the Bayes-optimal ridge
    for a Gaussian prior of variance signal/d per weight (ridge normalised by 1/n).
    """
    kappa, lam = _s.kappa, _s.lam
    if not derivation.closed_form:
        raise DerivationError("optimal_ridge needs a closed-form derivation (e.g. an Isotropic spectrum)")
    expr = derivation.observables[observable]
    if lam in expr.free_symbols:
        raise DerivationError(f"{observable} depends on lam explicitly; cannot optimise through kappa")
    crit = sympy.solve(sympy.numer(sympy.together(sympy.diff(expr, kappa))), kappa)
    lam_of_kappa = sympy.solve(derivation.equations[0], lam)[0]
    candidates = {sympy.simplify(lam_of_kappa.subs(kappa, c)) for c in crit}
    candidates = [c for c in candidates if c.is_positive is not False and c != 0]
    if len(candidates) != 1:
        raise DerivationError(f"expected one stationary ridge, found {candidates}")
    return candidates[0]
