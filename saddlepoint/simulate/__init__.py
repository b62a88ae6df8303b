"""Finite-size Monte Carlo simulations: the independent ground truth for the theory.

Written from the models' definitions only -- nothing here imports ``saddlepoint.derivations``
or ``saddlepoint.solvers``.

- :func:`ridge` -- ridge regression on Gaussian data (see :mod:`saddlepoint.simulate.ridge`).
- :class:`SimulationResult`, :class:`Estimate` -- per-seed samples summarised as mean and
  standard error over seeds.
"""

from saddlepoint.simulate._stats import Estimate, SimulationResult
from saddlepoint.simulate.ridge import ridge

__all__ = ["ridge", "SimulationResult", "Estimate"]
