r"""The LLM-as-a-judge solvable model: Bayesian linear regression with a reward-weighted sampler.

Follows Halder & Pehlevan (2025), *Demystifying LLM-as-a-Judge: Analytically Tractable Model
for Inference-Time Scaling*, arXiv:2512.19905 (PMLR v306, halder26a). The body of the paper was
not available to us; the definitions below are taken from its abstract and from the authors'
reference code (github.com/I-Halder/Demystifying-LLM-as-a-Judge-..., files ``BLR_non_zero_T.py``
and ``BLR_zero_T.py``), so formulas are cited by *those* names rather than by equation number:
[code:fit] the posterior, [code:predict] the predictive variance, [code:DE] the deterministic
equivalent (``R``, ``mean_th``, ``std_th``), [code:reward] ``mR = mT - c (m - mT)``,
[code:softmax] ``weight = exp(-(y - mR)^2 / T)`` and the softmax-weighted error, [code:EVT]
the best-of-k law ``2 std^2 (pi/2) exp(mean^2/std^2) / k^2`` and its test-point average.

Model and conventions
---------------------
* Data: n rows x ~ N(0, Sigma) in dimension d; teacher y = w*.x + eps, eps ~ N(0, sigma2).
  (The paper's x ~ N(0, S^2 I/d) with prior std gamma and teacher w_T is the isotropic case
  Sigma = I after the rescaling x -> x sqrt(d)/S: ``prior_var`` = gamma^2 S^2/d and
  ``signal`` = ||w*||^2 = S^2 ||w_T||^2/d.)
* Bayesian linear regression with prior w ~ N(0, prior_var I_d) and the correct noise variance
  sigma2 [code:fit]: posterior precision A = I/prior_var + X^T X/sigma2, posterior mean
  A^-1 X^T y/sigma2. Multiplying the negative log posterior by 2 sigma2/n shows the posterior
  mean is ridge with the package's 1/n normalisation at

      lam = sigma2 / (n prior_var).

* Posterior predictive at a test point x [code:predict]: y ~ N(m(x), s^2(x)) with
  m = x.w_hat and s^2 = sigma2 + x^T A^-1 x (it includes the label noise). With
  A^-1 = (sigma2/n)(Sigma_hat + lam)^-1 and the deterministic equivalent
  tr[Sigma (Sigma_hat + lam)^-1] ~ (kappa/lam) df1(kappa), df1 = n (1 - lam/kappa):

      s^2 = sigma2 kappa / lam = n prior_var kappa          (self-averaging over x).

  For the paper's isotropic case this is [code:DE] ``std_th^2 = sigma^2 + gamma^2 R S^2/(R+S^2)``:
  their R is our kappa (rescaling x by sqrt(d)/S scales Sigma, hence kappa, by d/S^2; set S = 1),
  and the two forms agree on the kappa equation.
* The error of the mean at a test point, mu = m(x) - y_T(x), y_T = w*.x (noiseless), is
  Gaussian over x at fixed training set with variance E_x mu^2 = ``excess_risk`` (bias +
  variance of the ridge deterministic equivalent). [code:DE] keeps only the bias term
  mu = -(R/(R+S^2)) y_T (no 1/(1-gamma) inflation, no noise part); the two agree when d/n -> 0,
  the paper's regime. We use the full excess risk, which finite-size simulation confirms.
* Reward (the judge) [code:reward]: r(y) = -(y - y_R)^2 with y_R = y_T + c (y_T - m):
  c = 0 is the teacher as reward; c != 0 a misspecified judge. Relative to the teacher the
  reward centre is y_R - y_T = -c mu.
* Selection [code:softmax]: k i.i.d. posterior predictive samples y_1..y_k; sample i is kept
  with probability p_i = exp(r_i/T)/sum_j exp(r_j/T) (temperature T on the raw quadratic
  reward, i.e. weights exp(-(y_i - y_R)^2/T); the paper's plots use T/(2 sigma^2)).
* Generalisation error delta(k, T) = E_x E_{y_1..k}[ sum_i p_i (y_i - y_T)^2 ], the
  softmax-weighted squared error against the noiseless teacher, averaged over test points.

Exact one-dimensional representation (ours; the paper evaluates it by Monte Carlo): with
rho = |y - y_R|, v = rho^2/T, G(x) = exp(-e^x) and K(x) = e^x G(x), writing
1/(w_1 + ... + w_k) = int_0^oo exp(-t sum w) dt and t = e^U,

    delta_k = k int dU  E[(y - y_T)^2 K(U - v)]  E[G(U - v)]^(k-1).

Limits: k = 1 gives the posterior predictive error mu^2 + s^2; T -> oo gives the same for any
k (uniform selection); T -> 0 gives best-of-k, delta_k = k int drho h_e(rho) P(|y - y_R| > rho)^(k-1)
with h_e the error-weighted density of rho; with the teacher as reward this is
E[min_i (y_i - y_T)^2] ~ pi s^2 exp(mu^2/s^2)/k^2 [code:EVT], whose average over
mu ~ N(0, v) is pi s^2/sqrt(1 - 2 v/s^2) (finite only for 2 v < s^2).
"""

import functools

import sympy

from . import symbols as _s
from .core import Step
from .extremes import best_of_k_squared_error
from .ridge import ridge
from .spectra import Isotropic

__all__ = ["judge", "prior_var", "temperature", "misspecification", "softmax_probabilities",
           "laplace_kernels", "selection_error_integral", "posterior_predictive_error",
           "best_of_k_leading_term", "averaged_leading_coefficient", "infinite_k_error",
           "optimal_temperature_infinite_k", "CONVENTIONS"]

prior_var = _s.register(sympy.Symbol("gamma^2", positive=True, real=True), "prior_var")
temperature = _s.register(sympy.Symbol("T", positive=True, real=True), "temperature")
misspecification = _s.register(sympy.Symbol("c", real=True), "c")

CONVENTIONS = """\
LLM-as-a-judge model (Halder & Pehlevan 2025, arXiv:2512.19905; definitions from the authors' code).
  data: rows x ~ N(0, Sigma); y = w*.x + eps, eps ~ N(0, sigma2); n samples, d features.
  Bayesian linear regression, prior w ~ N(0, prior_var I): posterior mean = ridge at
  lam = sigma2/(n prior_var) (ridge normalised by 1/n); kappa = lam + (kappa/n) df1(kappa).
  posterior predictive at x: N(m, s^2), s^2 = sigma2 + x^T A^-1 x = n prior_var kappa (incl. noise).
  mu = m - w*.x ~ N(0, excess_risk) over test points (noiseless teacher).
  reward r(y) = -(y - y_R)^2, y_R = y_T + c (y_T - m); softmax p_i = exp(r_i/T)/sum_j exp(r_j/T).
  delta(k, T) = E_x E[sum_i p_i (y_i - y_T)^2]."""

LATEX_NAMES = {
    "predictive_variance": r"s^{2}",
    "posterior_predictive_error": r"\delta_{1}",
    "error_to_spread_ratio": r"\nu",
    "best_of_k_coefficient": r"C_{\infty}",
    "excess_risk": r"\mathcal{R}",
    prior_var: r"\gamma^{2}",
    temperature: r"T",
    misspecification: r"c",
}

_signal = sympy.Symbol("signal", nonnegative=True, real=True)
LATEX_NAMES[_signal] = r"\|w^{*}\|^{2}"


def judge(spectrum=None):
    """The deterministic-equivalent part of the LLM-as-a-judge model (Halder & Pehlevan 2025).

    Returns a :class:`~saddlepoint.derivations.core.Derivation` with parameters
    ``(n, [d,] sigma2, *spectrum symbols, prior_var)``, unknown ``kappa`` (the renormalised
    ridge at lam = sigma2/(n prior_var)) and observables

    * ``predictive_variance`` s^2 = n prior_var kappa (posterior predictive variance at a test
      point, label noise included; [code:DE] std_th^2),
    * ``excess_risk`` v = E_x[(m - y_T)^2] (the spread of the posterior mean's error over
      test points), with its ``bias`` and ``variance`` parts,
    * ``posterior_predictive_error`` v + s^2 = delta(k=1) (= delta(k, T=oo)),
    * ``error_to_spread_ratio`` nu = v/s^2,
    * ``best_of_k_coefficient`` lim k^2 delta_k at T = 0 with the teacher as reward, averaged
      over test points: pi s^2/sqrt(1 - 2 nu) ([code:EVT]; infinite when 2 nu >= 1).

    ``spectrum`` defaults to ``Isotropic(signal)`` (Sigma = I_d, ||w*||^2 = signal). Conventions:
    module docstring.

    >>> de = judge()
    >>> de.parameter_names
    ('n', 'd', 'sigma2', 'signal', 'prior_var')
    >>> de.equations
    [Eq(kappa, d*kappa/(n*(kappa + 1)) + sigma^2/(gamma^2*n))]
    >>> de.observables["predictive_variance"]
    gamma^2*kappa*n
    """
    spectrum = Isotropic(signal=_signal) if spectrum is None else spectrum
    n, sigma2, kappa = _s.n, _s.sigma2, _s.kappa
    base = ridge(spectrum).subs(lam=sigma2 / (n * prior_var))
    obs = base.observables
    num = base.numeric_observables
    s2 = n * prior_var * kappa
    extra = lambda o: {
        "predictive_variance": s2,
        "posterior_predictive_error": o["excess_risk"] + s2,
        "error_to_spread_ratio": o["excess_risk"] / s2,
        # the test-point average of pi s^2 exp(mu^2/s^2) diverges for 2 v >= s^2
        "best_of_k_coefficient": sympy.Piecewise(
            (averaged_leading_coefficient(o["excess_risk"], sympy.sqrt(s2)), 2 * o["excess_risk"] / s2 < 1),
            (sympy.oo, True)),
    }
    keep = ("excess_risk", "bias", "variance", "df1", "df2")
    observables = {**{k: obs[k] for k in keep}, **extra(obs)}
    numeric = {**{k: num[k] for k in keep}, **extra(num)}
    mu, s = sympy.symbols("mu s", positive=True)
    steps = tuple(base.steps) + (
        Step(r"Bayesian linear regression with prior $w\sim\mathcal N(0,\gamma^2 I)$ and noise "
             r"$\sigma^2$: the posterior mean is ridge at $\lambda = \sigma^2/(n\gamma^2)$ "
             r"(Halder \& Pehlevan 2025)."),
        Step(r"Posterior predictive variance at a test point, $s^2 = \sigma^2 + x^\top A^{-1}x "
             r"\simeq \sigma^2\kappa/\lambda$:", sympy.Eq(sympy.Symbol("s^2"), s2)),
        Step(r"Error of the posterior mean over test points, $\mu = m - y_T \sim \mathcal N(0,\mathcal R)$; "
             r"reward $r(y) = -(y-y_R)^2$, $y_R = y_T + c(y_T - m)$; softmax selection "
             r"$p_i \propto e^{r_i/T}$ among $k$ posterior samples."),
        Step(r"Selection error, with $v = (y-y_R)^2/T$, $G(x) = e^{-e^x}$, $K(x) = e^x G(x)$:",
             sympy.Eq(sympy.Symbol(r"\delta_k"), selection_error_integral())),
        Step(r"Best of $k$ with the teacher as reward ($T\to 0$, $c = 0$), per test point:",
             sympy.Eq(sympy.Symbol(r"k^2\delta_k"), best_of_k_leading_term(mu, s))),
        Step(r"averaged over $\mu\sim\mathcal N(0,\mathcal R)$:",
             sympy.Eq(sympy.Symbol(r"C_{\infty}"), sympy.pi * s2 / sympy.sqrt(1 - 2 * sympy.Symbol(r"\mathcal{R}") / s2))),
    )
    return base._replace(
        name="judge", observables=observables, numeric_observables=numeric, steps=steps,
        latex_names={**base._latex_names, **LATEX_NAMES}, conventions=CONVENTIONS,
        references=("Halder & Pehlevan (2025), Demystifying LLM-as-a-Judge: Analytically Tractable Model "
                    "for Inference-Time Scaling, arXiv:2512.19905",) + tuple(base._references),
    )


def softmax_probabilities(rewards, T=temperature):
    """The selection probabilities p_i = exp(r_i/T) / sum_j exp(r_j/T) [code:softmax]."""
    weights = [sympy.exp(r / T) for r in rewards]
    total = sympy.Add(*weights)
    return [w / total for w in weights]


def laplace_kernels(x=None):
    """``(G, K)`` with G(x) = exp(-e^x) and K(x) = e^x exp(-e^x), the kernels of the exact
    representation of the softmax-selection error (module docstring). int K = 1 and
    int (G - 1{x<0}) dx = -EulerGamma."""
    x = sympy.Symbol("x", real=True) if x is None else x
    G = sympy.exp(-sympy.exp(x))
    return G, sympy.exp(x) * G


def selection_error_integral(k=None, mean=None, std=None, centre=None, T=temperature):
    r"""delta_k per test point as an unevaluated SymPy integral (module docstring).

    Samples y ~ N(mean, std^2) measured from the teacher (y_T = 0), reward centre ``centre``
    (= y_R - y_T = -c mu), temperature T:

        delta_k = k int_R dU  E[y^2 K(U - (y-centre)^2/T)]  E[G(U - (y-centre)^2/T)]^(k-1).
    """
    k = sympy.Symbol("k", positive=True, integer=True) if k is None else k
    mean = sympy.Symbol("mu", real=True) if mean is None else mean
    std = sympy.Symbol("s", positive=True) if std is None else std
    centre = sympy.Symbol("y_R", real=True) if centre is None else centre
    U, y = sympy.Symbol("U", real=True), sympy.Symbol("y", real=True)
    density = sympy.exp(-(y - mean) ** 2 / (2 * std**2)) / sympy.sqrt(2 * sympy.pi * std**2)
    G, K = laplace_kernels(U - (y - centre) ** 2 / T)
    psi = sympy.Integral(density * y**2 * K, (y, -sympy.oo, sympy.oo))
    phi = sympy.Integral(density * G, (y, -sympy.oo, sympy.oo))
    return sympy.Integral(k * psi * phi ** (k - 1), (U, -sympy.oo, sympy.oo))


def posterior_predictive_error(mean, std):
    """E[(y - y_T)^2] for y ~ N(y_T + mean, std^2): the k = 1 error, mean^2 + std^2, integrated."""
    y = sympy.Symbol("y", real=True)
    density = sympy.exp(-(y - mean) ** 2 / (2 * std**2)) / sympy.sqrt(2 * sympy.pi * std**2)
    return sympy.simplify(sympy.integrate(y**2 * density, (y, -sympy.oo, sympy.oo)))


def best_of_k_leading_term(mean, std):
    r"""lim_{k->oo} k^2 E[min_i y_i^2], y_i ~ N(mean, std^2): pi std^2 exp(mean^2/std^2) ([code:EVT]).

    Not typed in: the leading term of the Watson's-lemma expansion of
    :func:`saddlepoint.derivations.extremes.best_of_k_squared_error`.
    """
    return sympy.simplify(best_of_k_squared_error(mean, std, terms=1).leading)


def averaged_leading_coefficient(v, std):
    """E_mu[lim k^2 E[min_i y_i^2]] over mu ~ N(0, v): pi std^2/sqrt(1 - 2 v/std^2) (2 v < std^2).

    The per-point coefficient of :func:`best_of_k_leading_term` integrated against the Gaussian
    law of the mean's error, at std = 1 and ratio nu = v/std^2 (the coefficient scales as
    std^2). The integral is done with the net precision a = 1/(2 nu) - 1 declared positive (it
    diverges otherwise), then a is substituted back.
    """
    nu = _averaged_leading_coefficient.nu
    return std**2 * _averaged_leading_coefficient().xreplace({nu: v / std**2})


@functools.lru_cache(maxsize=1)
def _averaged_leading_coefficient():
    nu = _averaged_leading_coefficient.nu
    mu = sympy.Symbol("mu", real=True)
    a = sympy.Symbol("a", positive=True)
    nu_of_a = 1 / (2 * (a + 1))
    integrand = best_of_k_leading_term(mu, 1) * sympy.exp(-mu**2 / (2 * nu_of_a)) / sympy.sqrt(2 * sympy.pi * nu_of_a)
    integral = sympy.integrate(sympy.powsimp(sympy.expand(integrand)), (mu, -sympy.oo, sympy.oo))
    return sympy.simplify(integral.subs(a, 1 / (2 * nu) - 1))


_averaged_leading_coefficient.nu = sympy.Symbol("nu", positive=True)


def infinite_k_error(v, s2, c=misspecification, T=temperature):
    r"""delta(k -> oo, T) averaged over test points.

    As k -> oo the softmax-selected sample has the tilted density
    N(y; mu, s2) exp(-(y - y_R)^2/T) / Z, a Gaussian of variance s2 T/(T + 2 s2) and mean
    (mu T + 2 s2 y_R)/(T + 2 s2) (relative to y_T); with y_R = -c mu its squared error
    averaged over mu ~ N(0, v) is

        v (T - 2 c s2)^2/(T + 2 s2)^2 + s2 T/(T + 2 s2).
    """
    return v * (T - 2 * c * s2) ** 2 / (T + 2 * s2) ** 2 + s2 * T / (T + 2 * s2)


def optimal_temperature_infinite_k(v, s2, c=misspecification):
    """The stationary point in T of :func:`infinite_k_error`, solved by SymPy:
    T* = 2 s2 (2 v c (1 + c) - s2)/(2 v (1 + c) + s2).

    The derivative's numerator is linear in T with positive slope, so T* is the minimum when it
    is positive (2 v c (1 + c) > s2: a misspecified judge at large k is best used at a finite
    temperature) and the error is increasing in T otherwise (best at T -> 0).
    """
    T = temperature
    numerator = sympy.numer(sympy.together(sympy.diff(infinite_k_error(v, s2, c, T), T)))
    (root,) = sympy.solve(numerator, T)
    return sympy.factor(root)
