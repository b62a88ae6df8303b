"""Finite-size Monte Carlo simulations: the independent ground truth for the theory.

Written from the models' definitions only -- nothing here imports ``saddlepoint.derivations``
or ``saddlepoint.solvers``.

- :func:`ridge` -- ridge regression on Gaussian data (see :mod:`saddlepoint.simulate.ridge`).
- :func:`goe`, :func:`wishart`, :func:`haar_orthogonal`, :func:`spectrum` -- random matrices
  (see :mod:`saddlepoint.simulate.matrices`); ``spectrum`` samples the ensemble a free-probability
  law's ``ensemble`` recipe describes.
- :class:`SimulationResult`, :class:`Estimate` -- per-seed samples summarised as mean and
  standard error over seeds.
"""

from saddlepoint.simulate._stats import Estimate, SimulationResult
from saddlepoint.simulate.matrices import SpectrumSample, goe, haar_orthogonal, spectrum, wishart
from saddlepoint.simulate.ridge import ridge

__all__ = ["ridge", "SimulationResult", "Estimate", "goe", "wishart", "haar_orthogonal", "spectrum",
           "SpectrumSample"]
