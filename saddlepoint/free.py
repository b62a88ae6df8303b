"""Free probability, the front door: ``from saddlepoint import free``.

Laws are SymPy objects stored as the polynomial P(g, z) = 0 of their Stieltjes transform
(:mod:`saddlepoint.derivations.free`); their numeric density, Stieltjes transform, atoms and
support come from :mod:`saddlepoint.solvers.free_numeric`; ``free.simulate.spectrum(law, d=...)``
samples the random matrix a law describes (:mod:`saddlepoint.simulate.matrices`, written from
the ensembles' definitions, independent of the theory).
"""

from . import simulate
from .derivations.free import *  # noqa: F401,F403  (the laws, free_add, free_mul, symbols)
from .derivations.free import __all__ as _LAWS
from .solvers import free_numeric as numeric

__all__ = list(_LAWS) + ["simulate", "numeric"]
