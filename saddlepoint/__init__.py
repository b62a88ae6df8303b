"""saddlepoint: symbolic-numeric derivations for the statistical-physics theory of learning.

>>> import saddlepoint as spt
>>> de = spt.ridge(spt.Isotropic(signal=1))
>>> sol = de.solver()(lam=0.1, n=200, d=100, sigma2=0.25)
>>> round(float(sol.kappa), 12) == round(float(de.evaluate("kappa", lam=0.1, n=200, d=100)), 12)
True
"""

__version__ = "0.1.0"

from . import scaling, simulate
from .agreement import check
from .best_of_k import best_of_k
from .derivations import Atoms, Derivation, Isotropic, PowerLaw, Step, optimal_ridge, ridge
from .derivations import symbols
from .errors import ConvergenceError, DerivationError, ParameterError
from .solvers import Solution, Solver

__all__ = ["best_of_k", "ridge", "optimal_ridge", "Isotropic", "Atoms", "PowerLaw", "Derivation", "Step",
           "Solver", "Solution", "simulate", "scaling", "symbols", "check",
           "ParameterError", "ConvergenceError", "DerivationError", "__version__"]
