r"""Replica-symmetric free entropies -> saddle-point equations (pure SymPy).

The engine's API (what a prior, channel, loss or model provides; kept true to the code)
=====================================================================================

Gaussian averages. :class:`~.gaussian.GaussianAverage` ``(f, z[, lower])`` is the
unevaluated :math:`\int Dz\, f(z)`, :math:`Dz = e^{-z^2/2}dz/\sqrt{2\pi}`; it differentiates
under the integral, prints ``\int Dz\, ...``, and ``doit()``\ s to a closed form (erf/erfc) for
polynomial x exp(quadratic) x sign/Abs/Heaviside(linear) integrands. Use ``H(x)`` (erfc form),
``LogH(x)`` and ``MillsRatio(x)`` for Gaussian tails: the numeric backends evaluate these
without underflow. The compiled solvers evaluate remaining averages by quadrature
(:mod:`saddlepoint.solvers.quadrature`: composite Gauss-Legendre panels refined at the
integrand's kink, found from the first sign/Abs/LogH/tanh/erfc argument linear in z; mpmath
``quad`` for the mpmath backend). Nested averages are not supported.

A model declares its free entropy with
:func:`~.free_entropy.saddle_point` ``(name, Phi, order_parameters, parameters, observables,
*, textbook=None, residuals=None, integrate_by_parts=False, domains=..., initial=...,
hints=..., latex_names=..., conventions=..., references=...)``:

* ``Phi``: SymPy expression in order parameters and parameters (averages as above);
  the equations are ``sympy.diff(Phi, x) = 0`` for each order parameter, in that order,
  each step recorded in the trail (``integrate_by_parts=True`` applies Stein's lemma);
* ``textbook={x: (Eq, factor)}``: display an equation as a paper writes it; checked
  symbolically against the derivative (``factor * (lhs - rhs) == dPhi/dx``);
* ``residuals={x: callable(stated) -> expr}``: what Newton drives to zero (e.g. divide by
  m to leave the trivial branch m = 0);
* ``domains`` (sympy Intervals; the lower ends bound Newton), ``initial`` (expressions in
  the parameters: the start on the physical branch), ``hints={"critical": {param: (start,
  direction)}, "scan": {param: (lo, hi)}}`` (defaults for ``critical``/``solve_for``);
  a model with several stationary points adds ``"branches": {name: {unknown: start}}``,
  optionally ``"branch_continuation": {name: {param: value}}`` (the path that defines a
  branch) and ``"states": {name: ({unknown: value}, free entropy)}`` (boundary states that
  are no finite fixed point); the solver then keeps the largest free entropy
  (:mod:`saddlepoint.solvers.branches`; Bayes models with non-Gaussian priors do this).

It returns a :class:`~.free_entropy.ReplicaDerivation` (a
:class:`~saddlepoint.derivations.core.Derivation` with ``free_entropy``, ``extremum``,
``hints``); ``"free_entropy"`` is always an observable. Parameters and order parameters
are the registered symbols of :mod:`saddlepoint.derivations.symbols` (``alpha``, ``T``,
``margin``, ``q``, ``q_hat``, ``R``, ``R_hat``, ``m``, ``r``, ``C``, ``noise``, ``rho``);
register new ones with ``symbols.register(Symbol, keyword)``.

Priors (:mod:`.priors`) implement ``storage(q, q_hat)``, ``gibbs(q, R)``, ``bayes(q, q_hat)``,
each returning ``(entropic term, conjugate order parameters it introduced)``; attributes
``rho`` = E[w^2] and ``entropy`` (the Shannon entropy of a discrete prior, None otherwise: it
gives Bayes models their exact-recovery state). Channels (:mod:`.channels`) implement
``storage(q)`` (with ``teacher = False``), ``gibbs(q, R, beta)``, ``bayes(q, rho)``,
``bayes_observables(q, rho)`` and ``bayes_at_teacher(rho)`` (the Bayes term at q = rho).
Learning rules (:mod:`.learning`): ``Gibbs(temperature)``, ``Bayes()``, ``ERM(loss)``.
:func:`~.builder.glm` assembles :math:`\Phi = \text{entropic} + \alpha\,\text{energetic}`.

ERM losses (:mod:`.losses`): a loss object provides ``moreau(y, omega, V)``, the Moreau
envelope :math:`\min_x [\ell(y, x) + (x-\omega)^2/(2V)]` as a SymPy expression (closed form
for square and hinge, the implicit functions ``LogisticProx``/``LogisticMoreau`` for logistic,
bound numerically by :mod:`saddlepoint.solvers.proximal`), and ``pieces(u, V)`` (the envelope
on the intervals where it is smooth). ``glm(..., learning=learning.ERM(loss, lam=...))``
builds the ERM free entropy of :mod:`.erm` (Aubin, Krzakala, Lu & Zdeborová 2020; Loureiro et
al. 2021), as do :func:`~.erm.gaussian_covariate` and :func:`~.erm.max_margin_perceptron`.

Numerics: ``de.solver(backend="numpy" | "mpmath", dps=...)``; ``solver.critical(param,
**fixed)`` (fold: equations + a null vector of J, the Moore-Spence form of det J = 0), ``solver.solve_for(param, observable=value,
**fixed)`` (:mod:`saddlepoint.solvers.critical`).

>>> from saddlepoint import replica
>>> sol = replica.hopfield(temperature=0).solver()(alpha=0.1)
>>> round(float(sol.m), 4)
0.998
"""

from . import channels, learning, losses, priors
from .builder import glm
from .erm import gaussian_covariate, max_margin_perceptron
from .free_entropy import ReplicaDerivation, saddle_point
from .gaussian import GaussianAverage, H, LogH, MillsRatio, expand_average, stein
from .models import (evaluate_integrals, gardner, gardner_capacity, hopfield, ising_perceptron,
                     teacher_student_asymptote, teacher_student_perceptron)

__all__ = ["glm", "saddle_point", "ReplicaDerivation", "GaussianAverage", "H", "LogH", "MillsRatio",
           "expand_average", "stein", "priors", "channels", "learning", "gardner", "gardner_capacity",
           "ising_perceptron", "teacher_student_perceptron", "teacher_student_asymptote", "hopfield",
           "evaluate_integrals", "losses", "gaussian_covariate", "max_margin_perceptron"]
