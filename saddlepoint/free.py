"""Free probability, the front door: ``from saddlepoint import free``.

Laws are SymPy objects stored as the polynomial P(g, z) = 0 of their Stieltjes transform
(:mod:`saddlepoint.derivations.free`); their numeric density, Stieltjes transform, atoms and
support come from :mod:`saddlepoint.solvers.free_numeric`; ``free.simulate.spectrum(law, d=...)``
samples the random matrix a law describes (:mod:`saddlepoint.simulate.matrices`, written from
the ensembles' definitions, independent of the theory).

Laws that are not algebraic (a finite population spectrum such as a power law, and their free
convolutions with algebraic laws) are :class:`NumericLaw` objects from
:mod:`saddlepoint.solvers.free_subordination` (also ``free.numeric_law``), evaluated by
subordination: ``free.free_mul(free.MarchenkoPastur(0.5), free.PowerLawPopulation(1.5, d=500))``.
"""

from . import simulate
from .derivations.free import *  # noqa: F401,F403  (the laws, free_add, free_mul, symbols)
from .derivations.free import __all__ as _LAWS
from .solvers import free_numeric as numeric
from .solvers import free_subordination as numeric_law
from .solvers.free_subordination import NumericLaw
from .solvers.free_subordination import from_atoms as DiscreteLaw
from .solvers.free_subordination import power_law as PowerLawPopulation

__all__ = list(_LAWS) + ["simulate", "numeric", "numeric_law", "NumericLaw", "DiscreteLaw",
                         "PowerLawPopulation"]
