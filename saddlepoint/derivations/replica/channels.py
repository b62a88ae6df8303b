r"""Output channels of a generalised linear model, as replica free-entropy terms.

A channel contributes the *energetic* term (multiplied by alpha = P/N in the free entropy).
Conventions: preactivation :math:`\lambda = w\cdot x/\sqrt N`, inputs i.i.d. N(0, 1);
:math:`H(x) = \int_x^\infty Dz`. Terms follow Engel & Van den Broeck (2001), ch. 2, 4, 6 and
Barbier et al. (2019, PNAS 116), eq. (6):
:math:`\Psi_{out}(q) = \mathbb E \int dy\, Z_{out}(y, \sqrt q\xi, \rho - q) \ln Z_{out}(y, \sqrt q\xi, \rho-q)`,
:math:`Z_{out}(y, \omega, V) = \int Dz\, P_{out}(y \mid \omega + \sqrt V z)`.

A channel implements any of ``storage(q)`` (random labels), ``gibbs(q, R, beta)`` (teacher
labels, student at inverse temperature beta; ``beta=None`` is T = 0) and ``bayes(q, rho)``,
and names its observables in ``observables(...)``.
"""

import sympy

from ...errors import ParameterError
from .gaussian import GaussianAverage, H, LogH

__all__ = ["Channel", "Sign", "Margin", "GaussianNoise", "Probit"]

_t = sympy.Symbol("t", real=True)


def _real_number_or_symbol(name, value):
    if isinstance(value, (str, bytes, bool)) or value is None:
        # never sympify user strings (that would evaluate them as code)
        raise ParameterError(name, f"must be a finite real number or a SymPy Symbol, got {value!r}")
    try:
        v = sympy.sympify(value, strict=True)
    except sympy.SympifyError:
        raise ParameterError(name, f"must be a finite real number or a SymPy Symbol, got {value!r}") from None
    if isinstance(v, sympy.Symbol):
        return v
    if not v.is_number or v.is_real is not True or not v.is_finite:
        raise ParameterError(name, f"must be a finite real number, got {value!r}")
    return v


class Channel:
    teacher = True
    name = "channel"

    def storage(self, q):
        raise NotImplementedError(f"{self.name}: storage (random labels) is not implemented")

    def gibbs(self, q, R, beta=None):
        raise NotImplementedError(f"{self.name}: Gibbs learning is not implemented")

    def bayes(self, q, rho):
        raise NotImplementedError(f"{self.name}: Bayes-optimal learning is not implemented")

    def bayes_observables(self, q, rho):
        return {}

    def bayes_at_teacher(self, rho):
        r"""The Bayes term at q = rho (the student knows the teacher's preactivation):
        :math:`-\mathbb E\, H(y \mid \lambda)`, minus the label's conditional entropy per sample,
        or None where it is not finite. Default: the term with q = rho substituted."""
        q = sympy.Dummy("q")
        value = self.bayes(q, rho).subs(q, rho)
        # (an average's own lower limit is -oo: look at the integrands instead)
        probe = value.replace(lambda e: isinstance(e, GaussianAverage), lambda avg: avg.integrand)
        if probe.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return None
        return value

    def __repr__(self):
        return f"{type(self).__name__}()"


class Sign(Channel):
    r"""Teacher perceptron y = sign(w*.x). Gibbs at T = 0 (version space):
    :math:`2\int Dt\, H(-Rt/\sqrt{q-R^2}) \ln H(-\sqrt q t/\sqrt{1-q})`; at inverse temperature beta
    the error-counting energy gives :math:`\ln[e^{-\beta} + (1-e^{-\beta}) H(\cdot)]`
    (Engel & Van den Broeck eq. (2.37), (4.5)). Bayes:
    :math:`2\int D\xi\, H(-\sqrt{q/(\rho-q)}\xi)\ln H(-\sqrt{q/(\rho-q)}\xi)`."""

    name = "sign"

    def gibbs(self, q, R, beta=None):
        teacher = H(-R * _t / sympy.sqrt(q - R ** 2))
        x = -sympy.sqrt(q) * _t / sympy.sqrt(1 - q)
        inner = LogH(x) if beta is None else sympy.log(sympy.exp(-beta) + (1 - sympy.exp(-beta)) * H(x))
        return 2 * GaussianAverage(teacher * inner, _t)

    def gibbs_nishimori(self, R):
        """T = 0 Gibbs with q = R (Engel & Van den Broeck eq. (2.41))."""
        x = -sympy.sqrt(R / (1 - R)) * _t
        return 2 * GaussianAverage(H(x) * LogH(x), _t)

    def bayes(self, q, rho):
        x = -sympy.sqrt(q / (rho - q)) * _t
        return 2 * GaussianAverage(H(x) * LogH(x), _t)

    def bayes_at_teacher(self, rho):
        return sympy.S.Zero  # noiseless: the label is a function of the preactivation

    def bayes_observables(self, q, rho):
        # the Bayes-optimal classifier's error: Engel & Van den Broeck sec. 3.6 (R_Bayes = sqrt(R_Gibbs))
        return {"R": sympy.sqrt(q / rho), "generalization_error": sympy.acos(sympy.sqrt(q / rho)) / sympy.pi}


class Margin(Channel):
    r"""Storage with stability ``margin`` kappa: random labels must satisfy
    :math:`y\,\lambda > \kappa` (Gardner 1988). Energetic term
    :math:`\int Dt \ln H((\kappa - \sqrt q t)/\sqrt{1-q})`."""

    teacher = False
    name = "margin"

    def __init__(self, margin=0):
        self.margin = _real_number_or_symbol("margin", margin)

    def storage(self, q):
        return GaussianAverage(LogH((self.margin - sympy.sqrt(q) * _t) / sympy.sqrt(1 - q)), _t)

    def __repr__(self):
        return f"Margin({self.margin})"


class GaussianNoise(Channel):
    r"""Linear channel y = lambda + sqrt(noise) xi, xi ~ N(0, 1). Bayes in closed form:
    :math:`\Psi_{out} = -\tfrac12\ln(2\pi e(\Delta + \rho - q))`; ``mse`` = rho - q."""

    name = "gaussian-noise"

    def __init__(self, noise):
        self.noise = _real_number_or_symbol("noise", noise)
        if self.noise.is_number and self.noise < 0:
            raise ParameterError("noise", f"must be non-negative, got {noise!r}")

    def bayes(self, q, rho):
        return -sympy.log(2 * sympy.pi * sympy.E * (self.noise + rho - q)) / 2

    def bayes_observables(self, q, rho):
        return {"mse": rho - q}

    def __repr__(self):
        return f"GaussianNoise({self.noise})"


class Probit(Channel):
    r"""y = sign(lambda + sigma xi): :math:`P(y|\lambda) = H(-y\lambda/\sigma)`. Bayes:
    the sign channel's term with :math:`\rho - q \to \rho - q + \sigma^2`."""

    name = "probit"

    def __init__(self, sigma):
        self.sigma = _real_number_or_symbol("sigma", sigma)
        if self.sigma.is_number and not self.sigma > 0:
            raise ParameterError("sigma", f"must be positive, got {sigma!r}")

    def bayes(self, q, rho):
        x = -sympy.sqrt(q / (rho - q + self.sigma ** 2)) * _t
        return 2 * GaussianAverage(H(x) * LogH(x), _t)

    def bayes_observables(self, q, rho):
        return {"R": sympy.sqrt(q / rho)}

    def __repr__(self):
        return f"Probit({self.sigma})"
