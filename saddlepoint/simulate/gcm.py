r"""Finite-size empirical risk minimisation on the Gaussian covariate model (the ground truth).

Written from the model's definition only; nothing here imports ``saddlepoint.derivations`` or
``saddlepoint.solvers``. Reference: Loureiro, Gerbelot, Cui, Goldt, Krzakala, Mézard & Zdeborová
(2021), *Learning curves of generic features maps for realistic datasets with a teacher-student
model*, NeurIPS 34 (arXiv:2102.08127) -- the Gaussian covariate model (GCM), here in its simplest
form where teacher and student see the same Gaussian features.

Model
-----
* Features ``x_mu ~ N(0, Sigma)`` in dimension ``d``, ``mu = 1..n``, ``n = round(alpha d)``;
  ``Sigma = I_d`` or diagonal with the given eigenvalues (no loss of generality for a Gaussian
  model: rotate the features).
* Teacher ``theta* ~ N(0, I_d)``, drawn afresh per seed; pre-activation ``z*_mu = theta* . x_mu / sqrt(d)``.
* Labels, with ``noise = Delta >= 0`` the variance of ``xi_mu ~ N(0, 1)`` scaled by ``sqrt(Delta)``:
  square loss ``y = z* + sqrt(Delta) xi`` (regression); hinge and logistic losses
  ``y = sign(z* + sqrt(Delta) xi)`` (classification with probit label noise).
* Estimator (the paper's normalisation: the loss is **summed** over samples, the penalty is
  ``lam/2`` times the squared norm, and the student's pre-activation is ``w . x / sqrt(d)``)::

      w_hat = argmin_w  sum_mu loss(y_mu, w . x_mu / sqrt(d)) + (lam / 2) |w|^2

  with ``loss = (y - z)^2 / 2`` (square), ``max(0, 1 - y z)`` (hinge), ``ln(1 + exp(-y z))``
  (logistic). Translation to the ridge convention of :func:`saddlepoint.simulate.ridge`
  (``(1/n)|y - X u|^2 + lam_r |u|^2``): square-loss ``w_hat = sqrt(d) u_hat`` with
  ``lam_r = lam / alpha``.

Observables (per seed; mean and standard error over seeds)
----------------------------------------------------------
The paper's overlaps, which for ``Sigma = I`` are ``m = w_hat . theta*/d``, ``q = |w_hat|^2/d``
and ``rho = |theta*|^2/d``; in general ``m = w_hat^T Sigma theta*/d``, ``q = w_hat^T Sigma w_hat/d``,
``rho = theta*^T Sigma theta*/d`` (the (co)variances of the two pre-activations on a fresh input).

``train_loss``
    ``(1/n) sum_mu loss(y_mu, w_hat . x_mu / sqrt(d))`` (no penalty term).
``train_error``
    classification only: the fraction of training labels ``sign(w_hat . x / sqrt(d))`` gets wrong.
``test_error``
    exact expectation over a fresh ``(x, xi)`` given ``w_hat``: square loss
    ``E (y - w_hat . x / sqrt(d))^2 = rho - 2 m + q + Delta``; classification
    ``P(y != sign(w_hat . x / sqrt(d))) = arccos(m / sqrt((rho + Delta) q)) / pi`` (the two
    pre-activations are jointly Gaussian).
``test_error_sampled``
    the same quantity measured on ``test_points`` fresh samples (omitted when ``test_points=0``).
``m``, ``q``, ``rho``
    the overlaps above.

Solvers
-------
Square loss: exact linear solve ``w_hat = (X^T X / d + lam I)^{-1} X^T y / sqrt(d)`` (at ``lam = 0``
the minimum-norm least-squares solution). Logistic: L-BFGS (``scipy.optimize.minimize``) on the
smooth, strongly convex primal with its exact gradient, certified by the gradient norm. Hinge: the
box-constrained dual ``max_{0 <= a <= 1} sum a - |Z^T a|^2 / (2 lam d)`` (``Z = y x``,
``w_hat = Z^T a / (lam sqrt(d))``) by L-BFGS-B, certified by the duality gap. Failing certificates
raise :class:`~saddlepoint.errors.ConvergenceError`.

Random numbers
--------------
``seed`` seeds ``numpy.random.SeedSequence(seed)``, spawned into one child per seed index; child
``k`` draws, in this order, ``X`` (``n x d``), ``theta*``, ``xi`` and then the test points, so
``seeds=4`` reproduces the first 4 draws of ``seeds=8``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.simulate._checks import as_int as _as_int, as_real
from saddlepoint.simulate._stats import SimulationResult

__all__ = ["gaussian_covariate_erm", "fit_erm", "LOSSES"]

LOSSES = ("square", "hinge", "logistic")
_MAX_ENTRIES = 20_000_000        # n * d per draw




def _loss_values(loss, y, z):
    if loss == "square":
        return 0.5 * (y - z) ** 2
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - y * z)
    return -log_expit(y * z)


def _fit_square_exact(X, y, lam):
    n, d = X.shape
    A = X / math.sqrt(d)
    if lam == 0.0:
        return np.linalg.lstsq(A, y, rcond=None)[0]
    if n >= d:
        return np.linalg.solve(A.T @ A + lam * np.eye(d), A.T @ y)
    return A.T @ np.linalg.solve(A @ A.T + lam * np.eye(n), y)     # push-through identity


def _fit_primal_lbfgs(X, y, loss, lam, tol):
    """L-BFGS on the smooth primal (square or logistic), certified by the gradient norm."""
    n, d = X.shape
    A = X / math.sqrt(d)

    def objective(w):
        z = A @ w
        if loss == "square":
            r = z - y
            return 0.5 * r @ r + 0.5 * lam * w @ w, A.T @ r + lam * w
        yz = y * z
        return -np.sum(log_expit(yz)) + 0.5 * lam * w @ w, A.T @ (-y * expit(-yz)) + lam * w

    res = minimize(objective, np.zeros(d), jac=True, method="L-BFGS-B",
                   options={"maxiter": 20_000, "maxcor": 30, "ftol": 1e-16, "gtol": 1e-12})
    w = res.x
    grad = objective(w)[1]
    scale = 1.0 + lam * np.linalg.norm(w) + math.sqrt(n)
    if not np.linalg.norm(grad) <= tol * scale:
        raise ConvergenceError(f"L-BFGS on the {loss} loss did not converge ({res.message})",
                               point={"n": n, "d": d, "lam": lam},
                               residual=float(np.linalg.norm(grad) / scale), iterations=res.nit)
    return w


def _fit_hinge_dual(X, y, lam, tol):
    """Box-constrained dual of the hinge loss by L-BFGS-B, certified by the duality gap."""
    n, d = X.shape
    Z = X * y[:, None] / math.sqrt(d)            # rows y_mu x_mu / sqrt(d)
    K = Z @ Z.T

    def negative_dual(a):
        Ka = K @ a
        return 0.5 * a @ Ka / lam - a.sum(), Ka / lam - 1.0

    res = minimize(negative_dual, np.full(n, 0.5), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, 1.0)] * n,
                   options={"maxiter": 50_000, "maxcor": 30, "ftol": 1e-16, "gtol": 1e-12})

    def gap_of(a):
        w = Z.T @ a / lam
        primal = np.sum(np.maximum(0.0, 1.0 - Z @ w)) + 0.5 * lam * w @ w
        return (primal + negative_dual(a)[0]) / max(1.0, abs(primal)), w

    a = res.x
    gap, w = gap_of(a)
    # Active-set polish (the dual is ill-conditioned at small lam): take the free multipliers
    # (gradient ~ 0) from the current point, solve their stationarity equations exactly with
    # the others held at their bounds, and repeat while the duality gap improves.
    for _ in range(20):
        if gap <= 1e-12:
            break
        grad = negative_dual(a)[1]
        at_upper = (a >= 1.0 - 1e-6) & (grad < 0)
        at_lower = (a <= 1e-6) & (grad > 0)
        free = ~(at_upper | at_lower)
        trial = np.where(at_upper, 1.0, 0.0)
        if free.any():
            rhs = lam - K[np.ix_(free, at_upper)].sum(axis=1)
            trial[free] = np.linalg.lstsq(K[np.ix_(free, free)], rhs, rcond=None)[0]
        trial = np.clip(trial, 0.0, 1.0)
        trial_gap, trial_w = gap_of(trial)
        if not trial_gap < gap:
            break
        a, gap, w = trial, trial_gap, trial_w
    if not gap <= tol:
        raise ConvergenceError("L-BFGS-B on the hinge dual did not converge",
                               point={"n": n, "d": d, "lam": lam},
                               residual=float(gap), iterations=res.nit)
    return w


def fit_erm(features, labels, loss, lam, solver="auto", tol=1e-7):
    r"""Empirical risk minimiser ``argmin_w sum_mu loss(y_mu, w . x_mu/sqrt(d)) + (lam/2)|w|^2``.

    The normalisation of Loureiro et al. (2021) (see the module docstring): the loss summed over
    the ``n`` samples, pre-activation ``w . x / sqrt(d)``, penalty ``lam/2 |w|^2``.

    Parameters
    ----------
    features
        ``(n, d)`` array of inputs ``x_mu``.
    labels
        ``(n,)`` array: real targets (square loss) or ``+-1`` (hinge, logistic).
    loss
        ``"square"`` (``(y - z)^2/2``), ``"hinge"`` (``max(0, 1 - y z)``) or ``"logistic"``
        (``ln(1 + exp(-y z))``).
    lam
        penalty ``>= 0`` for the square loss (``0``: minimum-norm least squares), ``> 0`` otherwise.
    solver
        ``"auto"`` (square: exact linear solve; logistic: L-BFGS; hinge: dual L-BFGS-B) or
        ``"lbfgs"`` (square and logistic: L-BFGS on the primal; hinge: the dual as in ``"auto"``).
    tol
        relative tolerance of the certificate (gradient norm or duality gap).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 10)); y = X @ rng.standard_normal(10) / np.sqrt(10)
    >>> w_exact = fit_erm(X, y, "square", lam=0.5)
    >>> w_iter = fit_erm(X, y, "square", lam=0.5, solver="lbfgs")
    >>> bool(np.allclose(w_exact, w_iter, atol=1e-7))
    True
    """
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ParameterError("loss", f"must be one of {', '.join(map(repr, LOSSES))}; got {loss!r}")
    if solver not in ("auto", "lbfgs"):
        raise ParameterError("solver", f"must be 'auto' or 'lbfgs'; got {solver!r}")
    X = np.asarray(features, dtype=float)
    if X.ndim != 2 or min(X.shape) < 1 or not np.all(np.isfinite(X)):
        raise ParameterError("features", f"must be a finite (n, d) array; got shape {X.shape}")
    y = np.asarray(labels, dtype=float)
    if y.shape != (X.shape[0],) or not np.all(np.isfinite(y)):
        raise ParameterError("labels", f"must be a finite ({X.shape[0]},) array")
    if loss != "square" and not np.all(np.abs(y) == 1):
        raise ParameterError("labels", f"must be +-1 for the {loss} loss")
    lam = as_real("lam", lam, 0.0, strict=loss != "square")
    tol = as_real("tol", tol, 0.0, strict=True)
    if loss == "square" and solver == "auto":
        return _fit_square_exact(X, y, lam)
    if loss == "hinge":
        return _fit_hinge_dual(X, y, lam, tol)
    if lam == 0.0:
        raise ParameterError("solver", "'lbfgs' needs lam > 0 (at lam = 0 use solver='auto')")
    return _fit_primal_lbfgs(X, y, loss, lam, tol)


def gaussian_covariate_erm(loss, alpha, d, lam, noise=0.0, covariance=None, seeds=16, seed=0,
                           test_points=1000):
    r"""ERM on the Gaussian covariate model: mean and standard error over seeds (module docstring).

    Parameters
    ----------
    loss
        ``"square"``, ``"hinge"`` or ``"logistic"``.
    alpha
        sample ratio ``n/d > 0``, ``n = round(alpha d)`` (at least 1).
    d
        dimension (integer ``>= 1``).
    lam
        penalty ``lam >= 0`` (square) or ``> 0`` (hinge, logistic), in the paper's normalisation.
    noise
        label-noise variance ``Delta >= 0``.
    covariance
        ``None`` (``Sigma = I_d``) or the ``d`` positive eigenvalues of a diagonal ``Sigma``.
    seeds, seed
        number of independent draws and the root seed.
    test_points
        fresh samples per seed for ``test_error_sampled`` (0 to skip).

    Returns
    -------
    SimulationResult
        ``train_loss``, (classification) ``train_error``, ``test_error``, ``test_error_sampled``,
        ``m``, ``q``, ``rho``; ``parameters`` holds ``loss, alpha, n, d, lam, noise, seeds, seed``.

    Raises
    ------
    ParameterError
        naming ``loss``, ``alpha``, ``d``, ``lam``, ``noise``, ``covariance``, ``seeds``, ``seed``
        or ``test_points``.
    ConvergenceError
        when an iterative fit fails its certificate.

    Examples
    --------
    >>> res = gaussian_covariate_erm("square", alpha=2.0, d=50, lam=1e-3, seeds=4)
    >>> bool(res.test_error.mean < 1e-3)          # noiseless, n = 2d: the teacher is recovered
    True
    """
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ParameterError("loss", f"must be one of {', '.join(map(repr, LOSSES))}; got {loss!r}")
    alpha = as_real("alpha", alpha, 0.0, strict=True)
    d = _as_int("d", d, 1)
    lam = as_real("lam", lam, 0.0, strict=loss != "square")
    noise = as_real("noise", noise, 0.0)
    seeds = _as_int("seeds", seeds, 1)
    seed = _as_int("seed", seed, 0)
    test_points = _as_int("test_points", test_points, 0)
    n = max(1, int(round(alpha * d)))
    if n * d > _MAX_ENTRIES or test_points * d > _MAX_ENTRIES:
        raise ParameterError("d", f"is too large: n*d = {n * d} (or test_points*d) exceeds {_MAX_ENTRIES:g}")
    if covariance is None:
        omega = np.ones(d)
    else:
        try:
            omega = np.asarray(covariance, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError("covariance", "must be None or an array of d positive eigenvalues") from None
        if omega.shape != (d,) or not np.all(np.isfinite(omega)) or np.any(omega <= 0):
            raise ParameterError("covariance",
                                 f"must be None or an array of d = {d} finite positive eigenvalues")
    sqrt_omega = np.sqrt(omega)
    classify = loss != "square"

    names = ["train_loss"] + (["train_error"] if classify else []) + ["test_error"] + \
        (["test_error_sampled"] if test_points else []) + ["m", "q", "rho"]
    out = {k: np.empty(seeds) for k in names}
    for k, child in enumerate(np.random.SeedSequence(seed).spawn(seeds)):
        rng = np.random.default_rng(child)
        X = rng.standard_normal((n, d)) * sqrt_omega
        teacher = rng.standard_normal(d)
        z_star = X @ teacher / math.sqrt(d)
        y = z_star + math.sqrt(noise) * rng.standard_normal(n)
        if classify:
            y = np.where(y >= 0, 1.0, -1.0)
        w = fit_erm(X, y, loss, lam)
        z = X @ w / math.sqrt(d)
        m = float(w @ (omega * teacher)) / d
        q = float(w @ (omega * w)) / d
        rho = float(teacher @ (omega * teacher)) / d
        out["train_loss"][k] = np.mean(_loss_values(loss, y, z))
        if classify:
            out["train_error"][k] = np.mean(np.where(z >= 0, 1.0, -1.0) != y)
            cosine = m / math.sqrt((rho + noise) * q) if q > 0 else 0.0
            out["test_error"][k] = math.acos(min(1.0, max(-1.0, cosine))) / math.pi
        else:
            out["test_error"][k] = rho - 2 * m + q + noise
        if test_points:
            Xt = rng.standard_normal((test_points, d)) * sqrt_omega
            yt = Xt @ teacher / math.sqrt(d) + math.sqrt(noise) * rng.standard_normal(test_points)
            zt = Xt @ w / math.sqrt(d)
            if classify:
                predicted = np.where(zt >= 0, 1.0, -1.0)
                out["test_error_sampled"][k] = np.mean(predicted != np.where(yt >= 0, 1.0, -1.0))
            else:
                out["test_error_sampled"][k] = np.mean((yt - zt) ** 2)
        out["m"][k], out["q"][k], out["rho"][k] = m, q, rho
    parameters = {"loss": loss, "alpha": alpha, "n": n, "d": d, "lam": lam, "noise": noise,
                  "seeds": seeds, "seed": seed}
    return SimulationResult(out, parameters, model=f"gaussian covariate ERM ({loss})")
