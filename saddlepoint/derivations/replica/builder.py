r"""``glm``: assemble a replica-symmetric free entropy from a prior, a channel and a learning rule.

The free entropy is :math:`\Phi = \text{entropic}(\text{prior}) + \alpha\, \text{energetic}(\text{channel})`
with :math:`\alpha = P/N`; the saddle-point equations are its derivatives (see
:func:`.free_entropy.saddle_point`). Conventions and sources: :mod:`.priors`, :mod:`.channels`,
:mod:`.learning`.
"""

import functools

import sympy

from ...errors import ParameterError
from .. import symbols as S
from .channels import Channel, Sign
from .free_entropy import saddle_point
from .learning import ERM, Bayes, Gibbs, parse
from .priors import Gaussian, Prior, Spherical

__all__ = ["glm", "UNIT", "HALF_OPEN_UNIT"]

UNIT = sympy.Interval.Ropen(0, 1)
HALF_OPEN_UNIT = UNIT
_NONNEG = sympy.Interval(0, sympy.oo)

LATEX_NAMES = {"generalization_error": r"\epsilon_g", "free_entropy": r"\Phi", "entropy": "s",
               "alpha_c": r"\alpha_c", "mse": r"\mathrm{MSE}"}


def _spherical_like(prior):
    return isinstance(prior, Spherical) or (isinstance(prior, Gaussian) and prior.rho == 1)


def _parameters(*exprs, first=(S.alpha,)):
    params = list(first)
    for e in exprs:
        for s in sorted(sympy.sympify(e).free_symbols, key=str):
            if s not in params and s in (S.margin, S.T, S.noise):
                params.append(s)
    return tuple(params)


def _bayes_branches(prior, channel, unknowns, uninformed):
    r"""Where the Bayes-optimal solver looks for fixed points, and which it keeps.

    A Gaussian (or spherical) prior with these channels has one fixed point. Any other prior
    may have several (a first-order transition: Györgyi 1990; Barbier et al. 2019, sec.
    "Phase transitions"); the solver then starts from an uninformed and an informed guess and
    keeps the stationary point of largest free entropy (the equilibrium). A discrete prior
    also has the exact-recovery state q = rho (q_hat = infinity), free entropy
    -H(prior) + alpha * Psi_out(rho), which is never a finite fixed point of the equations
    and is compared as a candidate of its own."""
    if _spherical_like(prior) or isinstance(prior, Gaussian):
        return None
    q, alpha, rho = S.q, S.alpha, prior.rho
    informed = {q: rho * (1 - 1 / (4 * (1 + alpha) ** 2))}
    informed.update({c: 4 * (1 + alpha) ** 2 for c in unknowns if c != q})
    # the uninformed branch is the one connected to alpha -> 0: where its cold start stalls,
    # it is continued in alpha from there (and ends where that continuation fails: the spinodal)
    hints = {"branches": {"uninformed": dict(uninformed), "informed": informed},
             "branch_continuation": {"uninformed": {alpha: sympy.Rational(1, 20)}}}
    at_teacher = channel.bayes_at_teacher(rho)
    if prior.entropy is not None and at_teacher is not None:
        values = {q: rho, **{c: sympy.oo for c in unknowns if c != q}}
        hints["states"] = {"recovery": (values, -prior.entropy + alpha * at_teacher)}
    return hints


def glm(prior, channel, learning="gibbs", temperature=0, name=None):
    r"""The replica-symmetric saddle point of a generalised linear model.

    Parameters
    ----------
    prior : :class:`.priors.Prior` (Spherical, Ising, Gaussian, GaussBernoulli)
    channel : :class:`.channels.Channel` (Sign, Margin, GaussianNoise, Probit)
    learning : "gibbs" (at ``temperature``; 0 is the version space), "bayes", or a loss (ERM)
    temperature : number or the Symbol ``symbols.T`` (then T is a parameter)

    Returns a :class:`.free_entropy.ReplicaDerivation` whose first parameter is
    ``alpha`` = P/N (samples per dimension). Conventions: see :mod:`.priors` and
    :mod:`.channels` (Engel & Van den Broeck 2001; Barbier et al. 2019).

    >>> from saddlepoint.derivations.replica import glm, priors, channels
    >>> de = glm(priors.Spherical(), channels.Sign(), learning="bayes")
    >>> de.unknown_names, de.parameter_names
    (('q', 'q_hat'), ('alpha',))
    """
    if not isinstance(prior, Prior):
        raise ParameterError("prior", f"must be a replica prior (replica.priors.*), got {prior!r}")
    if not isinstance(channel, Channel):
        raise ParameterError("channel", f"must be a replica channel (replica.channels.*), got {channel!r}")
    rule = parse(learning, temperature)
    if isinstance(rule, ERM):
        from .erm import erm_glm  # the loss-side free entropy through the Moreau envelope
        return erm_glm(prior, channel, rule)
    alpha, q, q_hat, R = S.alpha, S.q, S.q_hat, S.R
    common = dict(latex_names=dict(LATEX_NAMES), references=(
        "Engel & Van den Broeck (2001), Statistical Mechanics of Learning",
        "Barbier, Krzakala, Macris, Miolane & Zdeborova (2019), PNAS 116, 5451"))
    label = name or f"glm({prior.name}, {channel.name}, {rule!r})"
    if not channel.teacher:
        if not (isinstance(rule, Gibbs) and rule.zero_temperature):
            raise ParameterError("learning", "storage channels (no teacher) take Gibbs learning at T = 0")
        entropic, conj = prior.storage(q, q_hat)
        energetic = channel.storage(q)
        phi = entropic + alpha * energetic
        unknowns = (q,) + tuple(conj)
        domains = {q: UNIT, **{c: _NONNEG for c in conj}}
        initial = {q: sympy.Rational(1, 2), **{c: sympy.S.One for c in conj}}
        return saddle_point(label, phi, unknowns, _parameters(phi), {"entropy": phi},
                            domains=domains, initial=initial, extremum="saddle",
                            conventions="Storage: random labels; q = w^a.w^b/N; alpha = P/N.", **common)
    if isinstance(rule, Bayes):
        rho = prior.rho
        entropic, conj = prior.bayes(q, q_hat)
        phi = entropic + alpha * channel.bayes(q, rho)
        unknowns = (q,) + tuple(conj)
        domains = {q: sympy.Interval.Ropen(0, rho), **{c: _NONNEG for c in conj}}
        # q_hat grows like alpha (each sample adds O(1) information), q = rho q_hat/(1 + q_hat)
        initial = {q: rho * alpha / (1 + alpha), **{c: alpha for c in conj}}
        # state-evolution form: dPhi/dq = 0 <=> q_hat = 2 alpha dPsi_out/dq and
        # dPhi/dq_hat = 0 <=> q = 2 dPsi_P/dq_hat (Barbier et al. 2019, eq. (8)); the solver's
        # Anderson fixed-point iteration then runs the state evolution where Newton fails
        textbook = None
        if conj == (q_hat,):
            from .free_entropy import tidy
            textbook = {q: (sympy.Eq(q_hat, tidy(2 * sympy.diff(phi, q) + q_hat)), -sympy.Rational(1, 2)),
                        q_hat: (sympy.Eq(q, tidy(2 * sympy.diff(phi, q_hat) + q)), -sympy.Rational(1, 2))}
        return saddle_point(label, phi, unknowns, _parameters(phi), channel.bayes_observables(q, rho),
                            textbook=textbook, hints=_bayes_branches(prior, channel, unknowns, initial),
                            domains=domains, initial=initial, extremum="saddle",
                            conventions="Bayes-optimal, Nishimori q = R; q = w_hat.w*/N; alpha = P/N.", **common)
    # Gibbs learning with a teacher
    if not (_spherical_like(prior) and isinstance(channel, Sign)):
        raise NotImplementedError("Gibbs learning with a teacher is implemented for the spherical "
                                  "prior and the sign channel; use learning='bayes'")
    conventions = ("Gibbs learning of a sign teacher, spherical weights; R = w.w*/N, q = w^a.w^b/N; "
                   "alpha = P/N; generalization_error = arccos(R)/pi (Engel & Van den Broeck eq. (2.3)).")
    if rule.zero_temperature:
        phi = sympy.log(1 - R) / 2 + R / 2 + alpha * channel.gibbs_nishimori(R)
        return saddle_point(label, phi, (R,), (alpha,),
                            {"q": R, "generalization_error": sympy.acos(R) / sympy.pi, "entropy": phi},
                            # start near the curve 1 - R ~ (1 + 0.6 alpha)^-2 (the large-alpha
                            # law 1 - R ~ (pi eps)^2/2 with eps ~ 0.625/alpha, crudely continued)
                            domains={R: UNIT}, initial={R: 1 - (1 + 3 * alpha / 5) ** -2},
                            # R = 0 is a stationary point for every alpha (the unstable
                            # symmetric one): dividing by sqrt(R) keeps Newton off it
                            residuals={R: lambda stated: stated / sympy.sqrt(R)},
                            conventions=conventions + " T = 0 (version space), Nishimori q = R.", **common)
    T = rule.temperature
    beta = 1 / T
    phi = prior.gibbs(q, R)[0] + alpha * channel.gibbs(q, R, beta)
    # T -> 0: exp(-beta) -> 0 turns ln[e^-beta + (1 - e^-beta) H] into ln H, and the T = 0
    # saddle point has q = R (Nishimori); that limit is the version-space derivation
    limits = {("T", sympy.S.Zero): functools.partial(glm, prior, channel, "gibbs")} if isinstance(T, sympy.Symbol) else {}
    return saddle_point(label, phi, (q, R), _parameters(phi), {"generalization_error": sympy.acos(R) / sympy.pi},
                        hints={"limits": limits},
                        domains={q: UNIT, R: UNIT, **({T: sympy.Interval.open(0, sympy.oo)} if isinstance(T, sympy.Symbol) else {})},
                        # start on the T = 0 curve (q = R there), slightly inside the domain
                        initial={q: 1 - (1 + 3 * alpha / 5) ** -2, R: (1 - (1 + 3 * alpha / 5) ** -2) * sympy.Rational(99, 100)},
                        conventions=conventions + " Finite temperature T, energy = number of errors.", **common)
