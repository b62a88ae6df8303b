"""The model registry: what the CLI, ``spt.check`` and the agreement tests iterate over.

A model is a derivation builder (SymPy, from its own file), the simulation written from the
model's definition, and a few default parameter values. Adding a model means adding one
``register(Model(...))`` call here; the CLI entry, LaTeX, codegen and the theory-vs-simulation
test come with it.
"""

from dataclasses import dataclass, field
from typing import Callable

from . import simulate
from .derivations import Atoms, Isotropic, PowerLaw, ridge

__all__ = ["Model", "MODELS", "register", "get"]


@dataclass(frozen=True)
class Model:
    """One registered model.

    ``spectrum(**options)`` builds the model's spectrum (or other structural object),
    ``derive(spectrum)`` its Derivation, ``simulate(spectrum, **parameters, seeds=, seed=)``
    the Monte Carlo ground truth. ``defaults``: a parameter point for ``show``/``solve``/``check``;
    ``check_options``: spectrum options used when checking against a simulation (e.g. a
    finite ``d`` for power laws, for which theory and simulation then use the same spectrum);
    ``check_grid``: parameter points (list of dicts) swept by ``saddlepoint check``.
    ``simulation_parameters``: names only the simulation takes (a finite size such as ``d`` for
    a d = infinity theory, or ``N`` for a replica model whose theory is N = infinity);
    ``size``: the parameter whose inverse sets the finite-size allowance of
    :meth:`~saddlepoint.agreement.Agreement.passed`; ``compare``: the observables held against
    the simulation (default: every observable both report).
    """

    name: str
    description: str
    spectrum: Callable
    derive: Callable
    simulate: Callable
    defaults: dict
    options: dict = field(default_factory=dict)
    check_options: dict = field(default_factory=dict)
    check_grid: tuple = ()
    simulation_parameters: tuple = ("d",)
    size: str = "n"
    compare: tuple = ()

    def build(self, **options):
        """``(spectrum, derivation)`` for these spectrum options (model defaults filled in).

        Cached per options: a Derivation is immutable and caches its compiled solvers, so
        repeated checks and CLI calls at the same options compile once.
        """
        opts = {**self.options, **options}
        try:
            key = (self.name, tuple(sorted(opts.items())))
            hash(key)
        except TypeError:  # unhashable option values (e.g. lists): build afresh
            spectrum = self.spectrum(**opts)
            return spectrum, self.derive(spectrum)
        if key not in _BUILT:
            spectrum = self.spectrum(**opts)
            _BUILT[key] = (spectrum, self.derive(spectrum))
        return _BUILT[key]

    def derivation(self, **options):
        return self.build(**options)[1]


MODELS = {}
_BUILT = {}


def register(model):
    MODELS[model.name] = model
    return model


def get(name):
    from .errors import ParameterError
    try:
        return MODELS[name]
    except KeyError:
        raise ParameterError("model", f"must be one of {', '.join(MODELS)}; got {name!r}") from None


register(Model(
    name="ridge",
    description="ridge regression, isotropic covariates (closed form; Hastie et al. 2022 ridgeless limit)",
    spectrum=lambda signal=1: Isotropic(signal=signal),
    derive=ridge,
    simulate=simulate.ridge,
    defaults=dict(lam=0.1, n=200, d=100, sigma2=0.25),
    options=dict(signal=1),
    check_grid=(dict(lam=0.01, n=200, d=100, sigma2=0.25), dict(lam=0.1, n=200, d=100, sigma2=0.25),
                dict(lam=1.0, n=200, d=100, sigma2=0.25), dict(lam=0.01, n=100, d=200, sigma2=0.25)),
))

register(Model(
    name="ridge-atoms",
    description="ridge regression, two-atom covariance spectrum with a structured teacher",
    spectrum=lambda eigenvalues=(2.0, 0.5), target=(0.02, 0.005), multiplicity=(50, 50):
        Atoms(eigenvalues, target=target, multiplicity=multiplicity),
    derive=ridge,
    simulate=simulate.ridge,
    defaults=dict(lam=0.1, n=200, sigma2=0.25),
    check_grid=(dict(lam=0.01, n=200, sigma2=0.25), dict(lam=0.1, n=200, sigma2=0.25),
                dict(lam=1.0, n=200, sigma2=0.25), dict(lam=0.1, n=60, sigma2=0.25)),
))

register(Model(
    name="ridge-powerlaw",
    description="ridge regression, power-law spectrum omega_k = k^-alpha, target power k^-beta (d = infinity)",
    spectrum=lambda alpha=1.5, beta=2.0, d=None: PowerLaw(alpha=alpha, beta=beta, d=d),
    derive=ridge,
    simulate=simulate.ridge,
    defaults=dict(lam=1e-3, n=1000, sigma2=0.1),
    options=dict(alpha=1.5, beta=2.0),
    check_options=dict(d=400),
    check_grid=(dict(lam=1e-3, n=200, sigma2=0.1), dict(lam=1e-2, n=200, sigma2=0.1),
                dict(lam=1e-1, n=200, sigma2=0.1), dict(lam=1e-3, n=800, sigma2=0.1)),
))
