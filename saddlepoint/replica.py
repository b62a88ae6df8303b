"""Replica theory, the front door: ``from saddlepoint import replica``.

Free entropies of generalised linear models and classic spin-glass-of-learning models as
SymPy derivations (:mod:`saddlepoint.derivations.replica`, whose docstring states the
engine's API), compiled into solvers with fold finding and target solving
(:mod:`saddlepoint.solvers.critical`).

>>> from saddlepoint import replica
>>> m = replica.glm(prior=replica.priors.Spherical(), channel=replica.channels.Sign(), learning="gibbs")
>>> s = m.solver()
>>> [round(float(e), 4) for e in s(alpha=[1, 5]).generalization_error]
[0.3384, 0.118]
"""

from .derivations.replica import *  # noqa: F401,F403
from .derivations.replica import __all__ as _NAMES

__all__ = list(_NAMES)
