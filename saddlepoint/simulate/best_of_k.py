r"""Monte Carlo of best-of-k sampling judged by squared error (the ground truth).

Written from the model's definition only; it does not import ``saddlepoint.derivations`` or
``saddlepoint.solvers``.

Model (Halder & Pehlevan 2025, *Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling*, arXiv:2512.19905, best-of-k with the teacher as reward): draw k i.i.d.
samples X_1, ..., X_k ~ N(mean, std^2) (``std`` a standard deviation), keep the one closest to the
target 0, and record its squared error min_i X_i^2.

Observable ``error``: for each seed, the average of min_i X_i^2 over ``trials`` independent
best-of-k draws; the result reports the mean and standard error of that per-seed average over
``seeds`` (so the standard error is that of the grand mean over seeds * trials draws).

Random numbers: ``numpy.random.SeedSequence(seed)`` is spawned into one child per seed index; seed
index j draws its ``trials * k`` standard normals with ``numpy.random.default_rng(child_j)`` in
chunks of at most ``2**20`` numbers, shaped (trials, k) row-major, so results do not depend on
the chunking. Size bound: ``seeds * trials * k <= 2e8`` (names ``trials``).
"""

import numpy as np

from saddlepoint.errors import ParameterError
from saddlepoint.simulate._checks import as_int
from saddlepoint.simulate._stats import SimulationResult

__all__ = ["best_of_k"]

_MAX_DRAWS = 200_000_000
_CHUNK = 1 << 20


def _finite(name, value, positive=False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, f"must be a real number, got {value!r}") from None
    if not np.isfinite(v):
        raise ParameterError(name, f"must be finite, got {value!r}")
    if positive and not v > 0:
        raise ParameterError(name, f"must be positive, got {value!r}")
    return v


def _one_seed(rng, mean, std, k, trials):
    out = np.empty(trials)
    rows = max(1, _CHUNK // k)
    for start in range(0, trials, rows):
        stop = min(trials, start + rows)
        x = mean + std * rng.standard_normal((stop - start, k))
        out[start:stop] = np.min(x * x, axis=1)
    return out.mean()


def best_of_k(mean, std, k, trials=1000, seeds=16, seed=0):
    """Best of ``k`` draws from N(mean, std^2) judged by squared error: E[min_i X_i^2] by Monte Carlo.

    Returns a :class:`~saddlepoint.simulate.SimulationResult` with the observable ``error``
    (mean and standard error over ``seeds`` per-seed averages of ``trials`` draws each). See the
    module docstring for the model and the random-number convention.

    >>> r = best_of_k(mean=0.0, std=1.0, k=1, trials=2000, seeds=8, seed=1)
    >>> abs(float(r.error.mean) - 1.0) < 4 * float(r.error.stderr)    # E[X^2] = 1 at k = 1
    True
    """
    mean = _finite("mean", mean)
    std = _finite("std", std, positive=True)
    k = as_int("k", k, 1)
    trials = as_int("trials", trials, 1)
    seeds = as_int("seeds", seeds, 1)
    seed = as_int("seed", seed, 0)
    if seeds * trials * k > _MAX_DRAWS:
        raise ParameterError("trials", f"seeds * trials * k must be <= {_MAX_DRAWS:.0e}, got "
                                       f"{seeds * trials * k}")
    children = np.random.SeedSequence(seed).spawn(seeds)
    samples = np.array([_one_seed(np.random.default_rng(c), mean, std, k, trials) for c in children])
    return SimulationResult({"error": samples}, {"mean": mean, "std": std, "k": k, "trials": trials},
                            model="best_of_k")
