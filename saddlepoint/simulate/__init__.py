"""Finite-size Monte Carlo simulations: the independent ground truth for the theory.

Written from the models' definitions only -- nothing here imports ``saddlepoint.derivations``
or ``saddlepoint.solvers``.

- :func:`ridge` -- ridge regression on Gaussian data (see :mod:`saddlepoint.simulate.ridge`).
- :func:`goe`, :func:`wishart`, :func:`haar_orthogonal`, :func:`spectrum` -- random matrices
  (see :mod:`saddlepoint.simulate.matrices`); ``spectrum`` samples the ensemble a free-probability
  law's ``ensemble`` recipe describes.
- :func:`best_of_k` -- best of k Gaussian samples judged by squared error (see
  :mod:`saddlepoint.simulate.best_of_k`).
- :class:`SimulationResult`, :class:`Estimate` -- per-seed samples summarised as mean and
  standard error over seeds.
- :func:`perceptron_capacity`, :func:`perceptron_critical_load`, :func:`capacity_crossing`,
  :func:`max_stability`, :func:`gibbs_version_space`, :func:`teacher_student_perceptron`,
  :func:`binary_teacher_student` -- the perceptron's storage capacity and teacher--student
  learning (see :mod:`saddlepoint.simulate.perceptron`).
- :func:`hopfield` -- pattern retrieval in the Hopfield network
  (see :mod:`saddlepoint.simulate.hopfield`).
- :func:`gaussian_covariate_erm`, :func:`fit_erm` -- empirical risk minimisation on the Gaussian
  covariate model (see :mod:`saddlepoint.simulate.gcm`).
"""

from saddlepoint.simulate._stats import Estimate, SimulationResult
from saddlepoint.simulate.best_of_k import best_of_k
from saddlepoint.simulate.gcm import fit_erm, gaussian_covariate_erm
from saddlepoint.simulate.hopfield import hopfield
from saddlepoint.simulate.matrices import SpectrumSample, goe, haar_orthogonal, spectrum, wishart
from saddlepoint.simulate.perceptron import (binary_teacher_student, capacity_crossing, gibbs_version_space,
                                             max_stability, perceptron_capacity, perceptron_critical_load,
                                             teacher_student_perceptron)
from saddlepoint.simulate.ridge import ridge

__all__ = ["ridge", "SimulationResult", "Estimate", "goe", "wishart", "haar_orthogonal", "spectrum",
           "SpectrumSample", "best_of_k", "perceptron_capacity", "perceptron_critical_load",
           "capacity_crossing", "max_stability", "gibbs_version_space", "teacher_student_perceptron",
           "binary_teacher_student", "hopfield", "gaussian_covariate_erm", "fit_erm"]
