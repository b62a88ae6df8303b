r"""Priors on the weights of a generalised linear model, as replica free-entropy terms.

Each prior contributes an *entropic* term to the replica-symmetric free entropy. Conventions
(Engel & Van den Broeck 2001, ch. 2 and 6; Barbier, Krzakala, Macris, Miolane & Zdeborová
2019, *Optimal errors and phase transitions in high-dimensional generalized linear models*,
PNAS 116, eq. (5)-(7)): N weights, overlaps normalised by N, q = w^a.w^b/N,
R = w.w*/N; the teacher's second moment is ``rho`` (1 for the spherical prior).

A prior implements any of

``storage(q, q_hat)``
    no teacher (random labels; Gardner's volume): the entropic term and the conjugates it uses;
``gibbs(q, R)``
    a student sampled from the posterior at temperature T, teacher with the same prior;
``bayes(q, q_hat)``
    Bayes-optimal (Nishimori, q = R): :math:`-q\hat q/2 + \Psi_P(\hat q)` with
    :math:`\Psi_P(\hat q) = \mathbb E_{z, w^*} \ln Z_P(\sqrt{\hat q} z + \hat q w^*, \hat q)`,
    :math:`Z_P(B, A) = \int dP(w)\, e^{B w - A w^2/2}`.

Each returns ``(expression, conjugates)``: the term and the tuple of conjugate order
parameters it introduced (empty when the conjugates were eliminated in closed form).
"""

import sympy

from ...errors import ParameterError
from .gaussian import GaussianAverage

__all__ = ["Prior", "Spherical", "Ising", "Gaussian", "GaussBernoulli"]

_z = sympy.Symbol("z", real=True)


class Prior:
    """Base class; ``rho`` is the second moment E[w^2] of one weight; ``entropy`` is the
    Shannon entropy (in nats) of a discrete prior, None for a continuous one. A discrete prior
    has an exact-recovery state q = rho, whose Bayes free entropy is -entropy + alpha times
    the channel's term at q = rho (:meth:`.channels.Channel.bayes_at_teacher`)."""

    name = "prior"
    rho = sympy.S.One
    entropy = None

    def storage(self, q, q_hat):
        raise NotImplementedError(f"{self.name}: storage (no teacher) is not implemented")

    def gibbs(self, q, R):
        raise NotImplementedError(f"{self.name}: Gibbs learning with a teacher is not implemented; use 'bayes'")

    def bayes(self, q, q_hat):
        raise NotImplementedError(f"{self.name}: Bayes-optimal learning is not implemented")

    def __repr__(self):
        return f"{type(self).__name__}()"


class Spherical(Prior):
    r"""Weights on the sphere |w|^2 = N (Gardner 1988). The conjugates are eliminated:
    storage :math:`\tfrac12\ln(1-q) + \tfrac{q}{2(1-q)}`; Gibbs with a teacher
    :math:`\tfrac12\ln(1-q) + \tfrac{q - R^2}{2(1-q)}` (Engel & Van den Broeck eq. (2.29));
    Bayes: the Gaussian prior's :math:`-q\hat q/2 + \hat q/2 - \tfrac12\ln(1+\hat q)`
    (equal in the large-N limit)."""

    name = "spherical"

    def storage(self, q, q_hat):
        return sympy.log(1 - q) / 2 + q / (2 * (1 - q)), ()

    def gibbs(self, q, R):
        return sympy.log(1 - q) / 2 + (q - R ** 2) / (2 * (1 - q)), ()

    def bayes(self, q, q_hat):
        return -q * q_hat / 2 + q_hat / 2 - sympy.log(1 + q_hat) / 2, (q_hat,)


class Gaussian(Prior):
    r"""i.i.d. N(0, ``variance``) weights; Bayes: :math:`-q\hat q/2 + \rho\hat q/2 - \tfrac12\ln(1+\rho\hat q)`."""

    name = "gaussian"

    def __init__(self, variance=1):
        v = sympy.sympify(variance)
        if v.is_real is False or (v.is_number and not v > 0):
            raise ParameterError("variance", f"must be positive, got {variance!r}")
        self.rho = v

    def storage(self, q, q_hat):
        return Spherical().storage(q, q_hat) if self.rho == 1 else super().storage(q, q_hat)

    def gibbs(self, q, R):
        return Spherical().gibbs(q, R) if self.rho == 1 else super().gibbs(q, R)

    def bayes(self, q, q_hat):
        rho = self.rho
        return -q * q_hat / 2 + rho * q_hat / 2 - sympy.log(1 + rho * q_hat) / 2, (q_hat,)

    def __repr__(self):
        return f"Gaussian(variance={self.rho})"


class Ising(Prior):
    r"""Binary weights w = ±1 (Gardner & Derrida 1988; Krauth & Mézard 1989).
    Storage: :math:`-\hat q(1-q)/2 + \int Dz \ln 2\cosh(\sqrt{\hat q} z)`;
    Bayes (teacher ±1): :math:`-q\hat q/2 - \hat q/2 + \int Dz \ln\cosh(\sqrt{\hat q} z + \hat q)`
    (so that the free entropy is the mutual-information form of Barbier et al. 2019)."""

    name = "ising"
    entropy = sympy.log(2)

    def storage(self, q, q_hat):
        return -q_hat * (1 - q) / 2 + GaussianAverage(sympy.log(2 * sympy.cosh(sympy.sqrt(q_hat) * _z)), _z), (q_hat,)

    def bayes(self, q, q_hat):
        avg = GaussianAverage(sympy.log(sympy.cosh(sympy.sqrt(q_hat) * _z + q_hat)), _z)
        return -q * q_hat / 2 - q_hat / 2 + avg, (q_hat,)


class GaussBernoulli(Prior):
    r"""Sparse weights: 0 with probability 1 - ``density``, N(0, 1) otherwise (rho = density).
    Bayes: :math:`\Psi_P = (1-\rho)\int Dz \ln Z(\sqrt{\hat q} z) + \rho \int Dz \ln Z(\sqrt{\hat q + \hat q^2} z)`
    with :math:`Z(B) = 1 - \rho + \rho\, e^{B^2/(2(1+\hat q))}/\sqrt{1+\hat q}` (Barbier et al. 2019)."""

    name = "gauss-bernoulli"

    def __init__(self, density):
        rho = sympy.sympify(density)
        if not rho.is_number or not rho.is_real or not (0 < rho <= 1):
            raise ParameterError("density", f"must be a number in (0, 1], got {density!r}")
        self.rho = rho

    def bayes(self, q, q_hat):
        rho = self.rho

        def log_Z(B):
            # ln Z = a + ln(rho/sqrt(1 + q_hat) + (1 - rho) e^-a), a = B^2/(2(1 + q_hat)) >= 0:
            # the same function, written so that it does not overflow for large fields
            a = B ** 2 / (2 * (1 + q_hat))
            return a + sympy.log(rho / sympy.sqrt(1 + q_hat) + (1 - rho) * sympy.exp(-a))
        psi = ((1 - rho) * GaussianAverage(log_Z(sympy.sqrt(q_hat) * _z), _z)
               + rho * GaussianAverage(log_Z(sympy.sqrt(q_hat + q_hat ** 2) * _z), _z))
        return -q * q_hat / 2 + psi, (q_hat,)

    def __repr__(self):
        return f"GaussBernoulli(density={self.rho})"
