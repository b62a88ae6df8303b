"""Theory against simulation in one call: ``spt.check(...)``.

For every observable the simulation reports, the z-score
``z = (simulation mean - theory) / standard error``. A result is trusted when every |z| stays
below a bound (4 by default) with fixed seeds; the tests also check that the gap shrinks with
size at the expected rate.
"""

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError

__all__ = ["check", "Agreement", "FINITE_SIZE"]

FINITE_SIZE = 4.0  # relative finite-size allowance, in units of 1/n


@dataclass(frozen=True)
class Row:
    observable: str
    theory: float
    mean: float
    stderr: float
    z: float


class Agreement:
    """The table of one theory-vs-simulation comparison (one parameter point)."""

    def __init__(self, rows, parameters, seeds, model="", size="n"):
        self.rows = tuple(rows)
        self.size = size
        self.parameters = dict(parameters)
        self.seeds = seeds
        self.model = model

    @property
    def max_abs_z(self):
        return max(abs(r.z) for r in self.rows)

    def z(self, observable):
        for r in self.rows:
            if r.observable == observable:
                return r.z
        raise KeyError(f"{observable!r} is not in this comparison; it has {[r.observable for r in self.rows]}")

    def passed(self, bound=4.0, finite_size=FINITE_SIZE):
        """Every observable within ``bound`` standard errors of the theory, or within the
        relative finite-size allowance ``finite_size / n`` (``n``: the model's size parameter,
        e.g. ``N`` for replica models).

        Deterministic equivalents are exact as n, d -> infinity and carry an O(1/n) relative
        bias at finite size (its constant grows near the interpolation threshold). For the
        self-averaging observables (kappa, df1, df2, variance) the standard error over seeds
        falls below that bias, so the z-score alone would grow with the number of seeds; the
        allowance covers it. The tests check separately that the gap shrinks like 1/n.
        """
        n = float(self.parameters.get(self.size, np.inf))
        return all(abs(r.z) <= bound or abs(r.mean - r.theory) <= finite_size * abs(r.theory) / n
                   for r in self.rows)

    def table(self):
        w = max([12] + [len(r.observable) for r in self.rows])
        head = f"{'observable':<{w}} {'theory':>12} {'simulation':>12} {'stderr':>10} {'z':>7}"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(f"{r.observable:<{w}} {r.theory:>12.6g} {r.mean:>12.6g} {r.stderr:>10.2g} {r.z:>7.2f}")
        return "\n".join(lines)

    def __repr__(self):
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.parameters.items())
        return f"{self.model} at {params} ({self.seeds} seeds, max |z| = {self.max_abs_z:.2f})\n{self.table()}"


def z_score(theory, mean, stderr, rtol=1e-9):
    """(mean - theory)/stderr. A gap at rounding level (|gap| <= rtol * max(|theory|, 1)), such
    as a bias of 1e-30 where the theory is exactly 0, counts as agreement (z = 0)."""
    gap = mean - theory
    if abs(gap) <= rtol * max(abs(theory), 1.0):
        return 0.0
    if stderr > 0 and np.isfinite(stderr):
        return float(gap / stderr)
    return 0.0 if abs(gap) <= rtol * max(abs(theory), 1.0) else float(np.inf) * np.sign(gap)


def check(model="ridge", *, seeds=64, seed=0, options=None, **parameters):
    """Solve a registered model and simulate it at the same point; return an :class:`Agreement`.

    ``model``: a name from :data:`saddlepoint.models.MODELS` (``"ridge"``, ``"ridge-atoms"``,
    ``"ridge-powerlaw"``; the replica models ``"hopfield"``, ``"perceptron-gibbs"``,
    ``"perceptron-bayes"``, ``"perceptron-max-margin"``, ``"gardner"``, whose finite size ``N``
    is a simulation-only parameter). ``options`` override the spectrum options (for power laws the
    check uses a finite ``d`` for both theory and simulation). Parameters default to the
    model's ``defaults``.

    >>> import saddlepoint as spt
    >>> spt.check("ridge", lam=0.1, n=200, d=100, sigma2=0.25, seeds=32).passed()
    True
    """
    from .models import get
    m = get(model)
    spectrum, de = m.build(**{**m.check_options, **(options or {})})
    point = {**m.defaults, **parameters}
    unknown = set(point) - set(de.parameter_names) - set(m.simulation_parameters)
    if unknown:
        raise ParameterError(sorted(unknown)[0], f"is not a parameter of {model}")
    sol = de.solver()(**{k: v for k, v in point.items() if k in de.parameter_names})
    sim = m.simulate(spectrum, seeds=seeds, seed=seed, **point)
    rows = []
    for name in m.compare or [o for o in sim.observables if o in sol]:
        theory = float(sol[name])
        est = sim[name]
        mean, se = float(est.mean), float(est.stderr)
        rows.append(Row(name, theory, mean, se, z_score(theory, mean, se)))
    return Agreement(rows, point, seeds, model, size=m.size)
