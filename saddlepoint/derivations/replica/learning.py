r"""Learning rules: how the student is chosen given the data.

``Gibbs(temperature)``
    the student is sampled from :math:`\propto P(w)\, e^{-\beta E(w)}`, E the number of
    training errors, :math:`\beta = 1/T`; T = 0 samples the version space (Engel & Van den
    Broeck 2001, ch. 2 and 4). With a noiseless teacher and the teacher's prior, T = 0 Gibbs
    is posterior sampling, so the Nishimori identity q = R holds on the physical branch.
``Bayes()``
    the Bayes-optimal estimator (posterior mean), analysed with the Nishimori simplification
    q = R (Barbier et al. 2019, PNAS 116; Engel & Van den Broeck sec. 3.6).
``ERM(loss)``
    empirical risk minimisation with a convex loss (square, hinge, logistic) through its
    Moreau envelope; the extension point for the ERM losses (see the package docstring).
"""

import sympy

from ...errors import ParameterError

__all__ = ["Gibbs", "Bayes", "ERM", "parse"]


def _nonnegative_or_symbol(name, value):
    """``value`` as a SymPy number >= 0 or a Symbol; ParameterError naming ``name`` otherwise."""
    expect = f"must be a non-negative real number or a Symbol, got {value!r}"
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise ParameterError(name, expect)
    v = sympy.sympify(value, strict=True)
    if not isinstance(v, sympy.Symbol):
        if not v.is_number or v.is_real is not True or not v.is_finite or v < 0:
            raise ParameterError(name, expect)
    return v


class Gibbs:
    """Gibbs learning at temperature T (T = 0: a uniform student in the version space)."""

    def __init__(self, temperature=0):
        self.temperature = _nonnegative_or_symbol("temperature", temperature)

    @property
    def zero_temperature(self):
        return self.temperature == 0

    def __repr__(self):
        return f"Gibbs(temperature={self.temperature})"


class Bayes:
    """Bayes-optimal learning: the posterior mean, student prior and channel matching the
    teacher's (the Nishimori identities simplify the replica-symmetric equations)."""

    def __repr__(self):
        return "Bayes()"


class ERM:
    """A convex loss; ``loss`` names it ("square", "hinge", "logistic") or is a loss object
    with ``moreau(y, omega, V)`` (the Moreau envelope) -- see the package docstring.

    ``lam``: the ridge penalty (lam/2)|w|^2 added to the loss summed over samples, pre-activation
    w.x/sqrt(N) (Loureiro et al. 2021 normalisation, :mod:`.erm`); a number >= 0 or a Symbol
    (default ``symbols.lam``: then ``lam`` is a solver parameter).
    """

    def __init__(self, loss, lam=None, regularisation=None):
        from .. import symbols
        from .losses import get_loss
        self.loss = get_loss(loss)
        value = lam if lam is not None else (regularisation if regularisation is not None else symbols.lam)
        self.lam = _nonnegative_or_symbol("lam", value)

    @property
    def regularisation(self):
        return self.lam

    def __repr__(self):
        return f"ERM({self.loss.name!r}, lam={self.lam})"


def parse(learning, temperature=0):
    """``"gibbs"``, ``"bayes"``, a rule object, or a loss name / loss object (ERM)."""
    if isinstance(learning, (Gibbs, Bayes, ERM)):
        return learning
    if isinstance(learning, str):
        key = learning.lower()
        if key == "gibbs":
            return Gibbs(temperature)
        if key in ("bayes", "bayes-optimal", "bayes_optimal"):
            return Bayes()
        if key in ("square", "hinge", "logistic"):
            return ERM(key)
        raise ParameterError("learning", f"must be 'gibbs', 'bayes' or a loss ('square', 'hinge', 'logistic'), got {learning!r}")
    if hasattr(learning, "moreau"):
        return ERM(learning)
    raise ParameterError("learning", f"must be 'gibbs', 'bayes', a Gibbs/Bayes/ERM object or a loss, got {learning!r}")
