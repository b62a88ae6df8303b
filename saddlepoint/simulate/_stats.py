"""Result containers of the Monte Carlo simulations: per-seed samples -> mean and standard error.

A simulation produces, for every observable, an array of per-seed samples of shape
``(seeds, *shape)`` where ``shape`` is the broadcast shape of the swept parameters.
:class:`SimulationResult` keeps those samples and summarises each observable as an
:class:`Estimate` ``(mean, stderr, n)``: the sample mean over seeds, the standard error of that
mean (sample standard deviation with ``ddof=1`` divided by ``sqrt(seeds)``; NaN when
``seeds == 1``) and the number of seeds.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["Estimate", "SimulationResult", "mean_stderr"]


class Estimate(NamedTuple):
    """Monte Carlo estimate of one observable.

    ``mean``: average over seeds; ``stderr``: standard error of that mean (``ddof=1``, NaN for a
    single seed); ``n``: number of seeds. ``mean`` and ``stderr`` are NumPy float64 scalars for a
    scalar sweep and arrays of the broadcast parameter shape otherwise.
    """

    mean: Any
    stderr: Any
    n: int


def _scalar_or_array(a):
    a = np.asarray(a, dtype=float)
    return a[()] if a.ndim == 0 else a


def mean_stderr(samples):
    """Mean and standard error of the mean over axis 0 of ``samples`` (``ddof=1``).

    Returns ``(mean, stderr)``; with a single sample the standard error is NaN (no warning).

    >>> m, s = mean_stderr(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> float(m), round(float(s), 6)
    (2.5, 0.645497)
    """
    samples = np.asarray(samples, dtype=float)
    count = samples.shape[0]
    if count == 0:
        raise ValueError("mean_stderr needs at least one sample")
    mean = samples.mean(axis=0)
    if count == 1:
        stderr = np.full_like(mean, np.nan)
    else:
        stderr = samples.std(axis=0, ddof=1) / np.sqrt(count)
    return _scalar_or_array(mean), _scalar_or_array(stderr)


def _fmt_value(v):
    return "nan" if not np.isfinite(v) else f"{v:.6g}"


def _fmt_param(v):
    if isinstance(v, np.ndarray) and v.ndim > 0:
        if v.size == 0:
            return f"array{v.shape}"
        if v.size <= 4:
            return "[" + ", ".join(f"{x:g}" for x in v.ravel()) + "]"
        return f"array{v.shape} in [{v.min():g}, {v.max():g}]"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return repr(v)


class SimulationResult:
    """Per-seed samples of several observables, summarised as :class:`Estimate` objects.

    Access an observable by attribute or item: ``res.excess_risk`` or ``res["excess_risk"]``
    returns ``Estimate(mean, stderr, n)``. Also available:

    - ``observables``: tuple of observable names, in a fixed order;
    - ``parameters``: dict of what was simulated;
    - ``mean`` / ``stderr``: dicts observable name -> mean / standard error;
    - ``samples``: dict observable name -> per-seed array of shape ``(seeds, *shape)``;
    - ``shape``: broadcast shape of the swept parameters (``()`` for scalars);
    - ``seeds``: number of independent draws.
    """

    def __init__(self, samples, parameters, model="simulation"):
        samples = {str(k): np.asarray(v, dtype=float) for k, v in samples.items()}
        if not samples:
            raise ValueError("SimulationResult needs at least one observable")
        seeds = {v.shape[0] if v.ndim else None for v in samples.values()}
        shapes = {v.shape[1:] for v in samples.values()}
        if len(seeds) != 1 or None in seeds or len(shapes) != 1:
            raise ValueError("all samples must share the shape (seeds, *shape)")
        self.samples = samples
        self.observables = tuple(samples)
        self.parameters = dict(parameters)
        self.model = model
        self.seeds = seeds.pop()
        self.shape = shapes.pop()
        self._estimates = {}
        for name, s in samples.items():
            m, e = mean_stderr(s)
            self._estimates[name] = Estimate(m, e, self.seeds)
        self.mean = {k: est.mean for k, est in self._estimates.items()}
        self.stderr = {k: est.stderr for k, est in self._estimates.items()}

    def __getitem__(self, name):
        try:
            return self._estimates[name]
        except KeyError:
            available = ", ".join(self.observables)
            raise KeyError(f"{name!r} is not an observable; available: {available}") from None

    def __getattr__(self, name):
        estimates = self.__dict__.get("_estimates")
        if estimates is not None and name in estimates:
            return estimates[name]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def __contains__(self, name):
        return name in self._estimates

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.observables))

    def __repr__(self):
        head = ", ".join(f"{k}={_fmt_param(v)}" for k, v in self.parameters.items())
        lines = [f"SimulationResult({self.model}: {head})"]
        width = max(len(n) for n in self.observables)
        if self.shape == ():
            lines.append(f"  {'observable':<{width}}  {'mean':>13}  {'stderr':>11}")
            for name in self.observables:
                est = self._estimates[name]
                lines.append(f"  {name:<{width}}  {_fmt_value(est.mean):>13}  {_fmt_value(est.stderr):>11}")
        else:
            lines.append(f"  grid shape {self.shape}; mean over {self.seeds} seeds (largest stderr)")
            for name in self.observables:
                est = self._estimates[name]
                mean = np.array2string(np.asarray(est.mean), precision=4, threshold=6, edgeitems=2,
                                       max_line_width=10_000)
                err = np.asarray(est.stderr)
                worst = _fmt_value(float(np.nanmax(err))) if err.size and np.any(np.isfinite(err)) else "nan"
                lines.append(f"  {name:<{width}}  {mean}  (stderr <= {worst})")
        return "\n".join(lines)
