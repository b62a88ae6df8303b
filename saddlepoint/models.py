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


# ----------------------------------------------------------------------------- replica models
#
# Replica theories hold at N = infinity; their simulations take the finite size N (and the
# sampler's length) as simulation-only parameters, and N sets the finite-size allowance. The
# "spectrum" of a replica model is the dict of its structural options (a margin, a temperature):
# what selects the derivation, as a spectrum does for ridge.

def _replica():
    # imported when a replica model is first built: `import saddlepoint` stays as light as before
    from .derivations import replica
    return replica


def _hopfield_simulation(options, *, alpha, N, seeds=64, seed=0, **_):
    """Zero-temperature retrieval dynamics started at the pattern (Amit, Gutfreund & Sompolinsky
    1987 compare their T = 0 theory with exactly this): ``m`` is the fixed point's overlap."""
    return simulate.hopfield(alpha, int(N), temperature=options["temperature"], seeds=seeds, seed=seed)


def _teacher_student_simulation(learning):
    def run(options, *, alpha, N, steps=None, samples=8, seeds=64, seed=0, **_):
        res = simulate.teacher_student_perceptron(alpha, int(N), learning=learning, steps=steps,
                                                  samples=int(samples), seeds=seeds, seed=seed,
                                                  test_points=200)
        return _centre_of_mass(res) if learning == "bayes" else res
    return run


def _centre_of_mass(res):
    r"""The Bayes student's overlap from a finite number of Gibbs samples, without their bias.

    The Bayes-optimal student is the posterior mean :math:`\bar w = E[w]` (the version space's
    centre of mass; Engel & Van den Broeck 2001, sec. 3.6), so per instance
    :math:`R = \bar w\cdot w^*/(|\bar w||w^*|) = E[w\cdot w^*/N]/\sqrt{E[w^a\cdot w^b/N]}`: the mean
    teacher overlap of single samples (``gibbs_R``) over the square root of the mean overlap of
    two independent samples (``q``, averaged over all pairs). Both are unbiased at any number of
    samples, whereas the normalised mean of k samples has overlap
    :math:`R/\sqrt{q + (1 - q)/k}`, below the centre of mass's at finite k. ``q`` is kept: in
    this matched setting :math:`E[q]` is the Gibbs overlap, the theory's ``q`` (Nishimori).
    """
    import numpy as np
    from .simulate import SimulationResult
    q = res.samples["q"]
    R = np.clip(res.samples["gibbs_R"] / np.sqrt(np.clip(q, 1e-12, None)), -1.0, 1.0)
    return SimulationResult({"R": R, "generalization_error": np.arccos(R) / np.pi, "q": q},
                            res.parameters, model="teacher-student perceptron (bayes, centre of mass)")


def _critical_load_simulation(options, *, N, margin=0.0, seeds=64, seed=0, **_):
    """``alpha_c``: the per-instance critical load P_c/N (the largest number of nested random
    patterns storable with the margin), averaged over instances; at margin 0 Cover (1965) makes
    E[P_c] = 2N exactly at every N."""
    from .simulate import SimulationResult
    res = simulate.perceptron_critical_load(int(N), margin=float(margin), seeds=seeds, seed=seed)
    return SimulationResult({"alpha_c": res.samples["critical_load"]}, res.parameters,
                            model="perceptron critical load")


register(Model(
    name="hopfield",
    description="Hopfield retrieval at T = 0, replica symmetric (Amit, Gutfreund & Sompolinsky 1987)",
    spectrum=lambda temperature=0: dict(temperature=temperature),
    derive=lambda options: _replica().hopfield(temperature=options["temperature"]),
    simulate=_hopfield_simulation,
    defaults=dict(alpha=0.1, N=1000),
    options=dict(temperature=0),
    # alpha_c ~ 0.138: retrieval points well inside the phase, where the T = 0 dynamics started
    # at the pattern stays in the retrieval state at these sizes; below alpha ~ 0.08 every
    # spin is retrieved (1 - m < 1/N), the standard error vanishes and z carries no information
    check_grid=(dict(alpha=0.1, N=1000), dict(alpha=0.12, N=1000)),
    simulation_parameters=("N",),
    size="N",
    compare=("m",),
))

register(Model(
    name="perceptron-gibbs",
    description="teacher-student perceptron, Gibbs learning at T = 0 (Engel & Van den Broeck ch. 2)",
    spectrum=lambda: {},
    derive=lambda options: _replica().teacher_student_perceptron("gibbs"),
    simulate=_teacher_student_simulation("gibbs"),
    defaults=dict(alpha=2.0, N=30, steps=2000),
    # steps: elliptical-slice moves per chain; the chains' overlap q matching R checks the mixing
    check_grid=(dict(alpha=1.0, N=30, steps=1500), dict(alpha=3.0, N=20, steps=1500)),
    simulation_parameters=("N", "steps"),
    size="N",
    compare=("R", "generalization_error", "q"),
))

register(Model(
    name="perceptron-bayes",
    description="teacher-student perceptron, Bayes-optimal (centre of mass; Engel & Van den Broeck sec. 3.6)",
    spectrum=lambda: {},
    derive=lambda options: _replica().teacher_student_perceptron("bayes"),
    simulate=_teacher_student_simulation("bayes"),
    defaults=dict(alpha=3.0, N=30, steps=2000, samples=4),
    # The samples start together (at the maximal-stability direction): at N = 30, alpha = 1,
    # 1000 moves leave their overlap q above the Gibbs overlap by ~0.02 (z ~ 3.5); 2000-3000 mix.
    # At N = 20 the overlaps sit ~0.01 above their N = infinity values (an O(1/N) bias, about
    # 2 standard errors at 64 seeds, within the 4/N allowance of Agreement.passed); N = 30 halves it.
    check_grid=(dict(alpha=3.0, N=30, steps=2000, samples=4),),
    simulation_parameters=("N", "steps", "samples"),
    size="N",
    compare=("R", "generalization_error", "q"),
))

def _binary_teacher_simulation(options, *, alpha, N, seeds=64, seed=0, **_):
    """Exact enumeration of each instance's version space (simulate.binary_teacher_student)."""
    return simulate.binary_teacher_student(alpha, int(N), seeds=seeds, seed=seed)


register(Model(
    name="perceptron-binary-bayes",
    description="teacher-student perceptron with binary weights, Bayes-optimal: first-order jump "
                "to exact recovery at alpha = 1.2447 (Gyorgyi 1990)",
    spectrum=lambda: {},
    derive=lambda options: _replica().glm(_replica().priors.Ising(), _replica().channels.Sign(), "bayes"),
    simulate=_binary_teacher_simulation,
    defaults=dict(alpha=0.5, N=20),
    # alpha * N must be an integer (no rounding of the load). At alpha = 1/2 the N = 20 values
    # sit O(1/N) from the theory (free entropy ~ -0.001, q ~ +0.01; extrapolated in
    # tests/test_replica_binary_teacher.py); at alpha = 2.5 (exact recovery) the gaps
    # (1/N) ln|V| and 1 - q are ~1e-3 and shrink with N.
    check_grid=(dict(alpha=0.5, N=20), dict(alpha=2.5, N=16)),
    simulation_parameters=("N",),
    size="N",
    compare=("free_entropy", "q"),
))

register(Model(
    name="gardner",
    description="spherical perceptron storing random labels with a margin: capacity alpha_c (Gardner 1988)",
    spectrum=lambda: {},
    derive=lambda options: _replica().gardner(),
    simulate=_critical_load_simulation,
    defaults=dict(alpha=0.5, margin=0.0, N=40),
    # the theory is solved at alpha (below the capacity; q is reported) and its capacity
    # alpha_c(margin) held against the mean critical load; at margin 0 E[P_c/N] = 2 exactly
    # at every N (Cover 1965), so there the z-score has no finite-size bias at all
    check_grid=(dict(alpha=1.0, margin=0.0, N=40), dict(alpha=0.5, margin=0.5, N=40)),
    simulation_parameters=("N",),
    size="N",
    compare=("alpha_c",),
))

register(Model(
    name="perceptron-max-margin",
    description="teacher-student perceptron, maximal stability (hard-margin SVM; Engel & Van den Broeck sec. 3.5)",
    spectrum=lambda: {},
    derive=lambda options: _replica().max_margin_perceptron(),
    simulate=_teacher_student_simulation("max_margin"),
    defaults=dict(alpha=2.0, N=100),
    # the simulation solves the maximal-stability QP exactly (NNLS), so N = 100 is cheap
    check_grid=(dict(alpha=1.0, N=100), dict(alpha=3.0, N=100)),
    simulation_parameters=("N",),
    size="N",
    compare=("R", "generalization_error", "kappa"),
))


# ----------------------------------------------------------------------------- ERM on the GCM
#
# The Gaussian covariate model (Loureiro et al. 2021, isotropic features): theory at d = infinity
# with n = alpha d, simulated by exact (square) or certified iterative (logistic, hinge) ERM at a
# finite d, which is the simulation-only size. Both sum the loss over samples, penalise
# (lam/2)|w|^2 and use the pre-activation w.x/sqrt(d) (saddlepoint.simulate.gcm's docstring);
# the label-noise variance Delta is a solver parameter ``noise``.

def _gaussian_covariate_derivation(loss):
    def derive(options):
        from .derivations import symbols
        return _replica().gaussian_covariate(loss, noise=symbols.noise)
    return derive


def _gaussian_covariate_simulation(loss):
    def run(options, *, alpha, lam, noise, d, seeds=64, seed=0, **_):
        # test_points=0: the simulation's test_error is already the exact expectation over a
        # fresh input given w_hat (from the overlaps), so sampled test sets only add cost
        return simulate.gaussian_covariate_erm(loss, alpha=alpha, d=int(d), lam=lam, noise=noise,
                                               seeds=seeds, seed=seed, test_points=0)
    return run


_GCM_COMPARE = ("test_error", "train_loss", "m", "q")

_GCM_MODELS = {
    # loss: (description, defaults and check grid); d is the simulation's dimension
    "square": ("ridge ERM (square loss) on the Gaussian covariate model (Loureiro et al. 2021)",
               # exact linear solves: both sides of the interpolation threshold alpha = 1 are cheap
               (dict(alpha=2.0, lam=0.5, noise=0.25, d=200), dict(alpha=0.5, lam=0.1, noise=0.25, d=200))),
    "logistic": ("logistic regression on the Gaussian covariate model, probit label noise (Loureiro et al. 2021)",
                 (dict(alpha=2.0, lam=0.1, noise=0.1, d=200),)),
    # the dual solve costs ~20 ms per draw at d = 100, twice that at d = 200 (measured)
    "hinge": ("hinge-loss ERM (soft-margin SVM) on the Gaussian covariate model (Loureiro et al. 2021)",
              (dict(alpha=2.0, lam=0.1, noise=0.0, d=100),)),
}

for _loss, (_description, _grid) in _GCM_MODELS.items():
    register(Model(
        name=f"gcm-{_loss}",
        description=_description,
        spectrum=lambda: {},
        derive=_gaussian_covariate_derivation(_loss),
        simulate=_gaussian_covariate_simulation(_loss),
        defaults=dict(_grid[0]),
        check_grid=_grid,
        simulation_parameters=("d",),
        size="d",
        compare=_GCM_COMPARE,
    ))
