"""Numeric half of saddlepoint: compiles Derivations into vectorised solvers."""

from .roots import METHODS
from .solver import Solution, Solver

__all__ = ["Solver", "Solution", "METHODS"]
