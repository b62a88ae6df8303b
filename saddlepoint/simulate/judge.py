r"""Finite-size Monte Carlo of the LLM-as-a-judge model (the ground truth for :mod:`saddlepoint.judge`).

Written from the model's definition only (Halder & Pehlevan 2025, *Demystifying LLM-as-a-Judge:
Analytically Tractable Model for Inference-Time Scaling*, arXiv:2512.19905, and the authors'
reference code); it does not use (and must not import) ``saddlepoint.derivations`` or
``saddlepoint.solvers``.

Model, per seed
---------------
* Teacher w* in dimension d with w*_i = s_i sqrt(signal/d), random signs s_i (||w*||^2 = signal).
* Training set: n rows x ~ N(0, I_d), y = X w* + eps, eps ~ N(0, sigma2 I_n).
* Bayesian linear regression, prior w ~ N(0, prior_var I_d), noise variance sigma2: posterior
  N(w_hat, A^-1), A = I/prior_var + X^T X/sigma2, w_hat = A^-1 X^T y/sigma2.
* ``test_points`` fresh x ~ N(0, I_d); at each, k_max posterior predictive samples
  y_i = x.w_i + eps_i with w_i ~ N(w_hat, A^-1) (drawn as w_hat + L z_i, L L^T = A^-1) and
  eps_i ~ N(0, sigma2). The first k samples are the k candidates (nested in k).
* Judge: reward r_i = -(y_i - y_R)^2, y_R = y_T + c (y_T - x.w_hat), y_T = x.w* (noiseless).
* Selection: p_i = exp(r_i/T)/sum_j exp(r_j/T); T = 0 keeps the sample of largest reward,
  T = inf a uniformly random one. The recorded error at the test point is the expectation over
  this last selection step given the samples, sum_i p_i (y_i - y_T)^2 (the selection is not
  sampled: same mean, less noise).

Observables (per seed; the result reports mean and standard error over seeds)
-----------------------------------------------------------------------------
``error``                shape (len(temperature), len(k)) (or (len(k),) for a scalar
                         temperature): the selection error averaged over the test points.
``excess_risk``          ||w_hat - w*||^2 = E_x[(x.(w_hat - w*))^2] (exact over x since Sigma = I).
``predictive_variance``  sigma2 + tr(A^-1) = E_x[s^2(x)], the posterior predictive variance.
                         (These two do not depend on k or T; they are repeated to ``error``'s shape.)

Random numbers: ``numpy.random.SeedSequence(seed)`` spawned into one child per seed; seed index
j uses ``default_rng(children[j])`` and draws, in order: the signs of w*, X, eps, the test
points, the weight-sample normals z (test_points, k_max, d), the predictive noises.
"""

import math

import numpy as np

from saddlepoint.errors import ParameterError
from saddlepoint.simulate._checks import as_int
from saddlepoint.simulate._stats import SimulationResult

__all__ = ["judge"]


def _nonneg(name, value, positive=False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, f"must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        raise ParameterError(name, f"must be a {'positive' if positive else 'non-negative'} finite number, got {value!r}")
    return v


def _selection_error(samples, target, centre, T):
    """sum_i p_i (y_i - y_T)^2 for every test point and every k (the first k samples)."""
    err = (samples - target[:, None]) ** 2
    if T == 0:
        dist = np.abs(samples - centre[:, None])
        rows = np.arange(dist.shape[0])
        current = np.zeros(dist.shape[0], dtype=int)     # running argmin over the first k samples
        idx = np.empty(dist.shape, dtype=int)
        for i in range(dist.shape[1]):
            current = np.where(dist[:, i] < dist[rows, current], i, current)
            idx[:, i] = current
        return np.take_along_axis(err, idx, axis=1)
    if math.isinf(T):
        return np.cumsum(err, axis=1) / np.arange(1, samples.shape[1] + 1)
    logw = -((samples - centre[:, None]) ** 2) / T
    # running softmax: rescale by the running maximum to stay finite
    run_max = np.maximum.accumulate(logw, axis=1)
    out = np.empty_like(err)
    num = np.zeros(samples.shape[0])
    den = np.zeros(samples.shape[0])
    ref = run_max[:, 0]
    for i in range(samples.shape[1]):
        new_ref = run_max[:, i]
        scale = np.exp(ref - new_ref)
        w = np.exp(logw[:, i] - new_ref)
        num = num * scale + w * err[:, i]
        den = den * scale + w
        ref = new_ref
        out[:, i] = num / den
    return out


def judge(n, d, sigma2, prior_var, signal, k, temperature, c=0.0, test_points=500, seeds=10, seed=0):
    """Simulate the LLM-as-a-judge model at finite size (see the module docstring).

    ``k``: an integer or a sequence of integers >= 1; ``temperature``: a number >= 0 (0 = best
    of k, inf = random sample) or a 1-d sequence; ``c``: judge misspecification
    (y_R = y_T + c (y_T - m); 0 = the teacher). Returns a
    :class:`~saddlepoint.simulate.SimulationResult` with observables ``error``,
    ``excess_risk``, ``predictive_variance``.

    >>> res = judge(n=60, d=30, sigma2=0.5, prior_var=0.02, signal=1.0, k=[1, 4], temperature=0.0,
    ...             test_points=50, seeds=3)
    >>> res.error.mean.shape, res.seeds
    ((2,), 3)
    """
    n = as_int("n", n, 1)
    d = as_int("d", d, 1)
    sigma2 = _nonneg("sigma2", sigma2, positive=True)
    prior_var = _nonneg("prior_var", prior_var, positive=True)
    signal = _nonneg("signal", signal)
    test_points = as_int("test_points", test_points, 1)
    seeds = as_int("seeds", seeds, 1)
    c = float(c)
    if not math.isfinite(c):
        raise ParameterError("c", f"must be finite, got {c!r}")
    ks = np.atleast_1d(np.asarray(k))
    if ks.ndim != 1 or ks.size == 0:
        raise ParameterError("k", f"must be an integer or a 1-d sequence of integers, got {k!r}")
    ks = np.array([as_int("k", v, 1) for v in ks])
    temps = np.atleast_1d(np.asarray(temperature, dtype=float))
    if temps.ndim != 1 or np.any(np.isnan(temps)) or np.any(temps < 0):
        raise ParameterError("temperature", f"must be >= 0 (a number or a 1-d sequence), got {temperature!r}")
    k_max = int(ks.max())

    children = np.random.SeedSequence(seed).spawn(seeds)
    err = np.empty((seeds, temps.size, ks.size))
    excess = np.empty(seeds)
    spread = np.empty(seeds)
    for j, child in enumerate(children):
        rng = np.random.default_rng(child)
        w_star = rng.choice([-1.0, 1.0], size=d) * math.sqrt(signal / d)
        X = rng.standard_normal((n, d))
        y = X @ w_star + math.sqrt(sigma2) * rng.standard_normal(n)
        precision = np.eye(d) / prior_var + X.T @ X / sigma2
        chol_p = np.linalg.cholesky(precision)
        w_hat = np.linalg.solve(precision, X.T @ y / sigma2)
        # L with L L^T = A^-1: L = (chol_p^T)^-1, since A = chol_p chol_p^T
        L = np.linalg.solve(chol_p.T, np.eye(d))
        excess[j] = float(np.sum((w_hat - w_star) ** 2))
        spread[j] = sigma2 + float(np.sum(L**2))
        x_test = rng.standard_normal((test_points, d))
        target = x_test @ w_star
        mean = x_test @ w_hat
        projected = x_test @ L                                   # x^T L, so x.(L z) = (x^T L).z
        z = rng.standard_normal((test_points, k_max, d))
        samples = mean[:, None] + np.einsum("td,tkd->tk", projected, z)
        samples += math.sqrt(sigma2) * rng.standard_normal((test_points, k_max))
        centre = target + c * (target - mean)
        for i, T in enumerate(temps):
            per_k = _selection_error(samples, target, centre, float(T))
            err[j, i] = per_k[:, ks - 1].mean(axis=0)
    if np.ndim(temperature) == 0:
        err = err[:, 0, :]
    params = dict(n=n, d=d, sigma2=sigma2, prior_var=prior_var, signal=signal, c=c,
                  k=ks, temperature=temps if np.ndim(temperature) else float(temps[0]),
                  test_points=test_points)
    # SimulationResult wants one shape for every observable: the k- and T-independent ones are
    # repeated along those axes
    per_seed = lambda a: np.broadcast_to(a.reshape((seeds,) + (1,) * (err.ndim - 1)), err.shape)
    return SimulationResult({"error": err, "excess_risk": per_seed(excess), "predictive_variance": per_seed(spread)},
                            params, model="judge")
