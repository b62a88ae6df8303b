r"""The LLM-as-a-judge solvable model, numerically: error versus k and T, optimal k and T.

Halder & Pehlevan (2025), *Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling*, arXiv:2512.19905. Model and conventions (the symbolic derivation is
:mod:`saddlepoint.derivations.judge`):

* Bayesian linear regression on n samples x ~ N(0, I_d), y = w*.x + eps, eps ~ N(0, sigma2),
  prior w ~ N(0, prior_var I_d), teacher power ``signal`` = ||w*||^2. Its posterior mean is
  ridge at lam = sigma2/(n prior_var) (the package's 1/n normalisation).
* At a test point the posterior predictive is N(m, s^2) with s^2 = n prior_var kappa
  (label noise included), and mu = m - y_T ~ N(0, v) over test points, v = ``excess_risk``
  of the ridge deterministic equivalent; y_T = w*.x is the noiseless teacher.
* Judge: reward r(y) = -(y - y_R)^2 with y_R = y_T + c (y_T - m) (c = 0: the teacher).
* k posterior predictive samples; sample i is selected with probability
  exp(r_i/T)/sum_j exp(r_j/T) (T = 0: the best of k; T = inf: a random sample).
* ``error(k, T)`` = E_x E[sum_i p_i (y_i - y_T)^2], averaged over test points.

The per-point error is evaluated from the exact one-dimensional representation

    delta_k = k int dU  E[(y - y_T)^2 K(U - v)]  E[G(U - v)]^(k-1),
    v = (y - y_R)^2/T,  G(x) = exp(-e^x),  K(x) = e^x G(x),

by Gauss-Legendre panels (inner integrals on the window where the kernels vary, tails in
closed form), and averaged over mu by Gauss-Hermite quadrature. Per test point the relative
accuracy is ~1e-8 (checked against mpmath at T = 0, a direct two-sample integral and Monte
Carlo in ``tests/test_judge.py``); the average over test points is ~1e-10 for the teacher as
judge and ~1e-4 for a misspecified one with the default 48 nodes (see ``JudgeModel``).

>>> from saddlepoint.judge import JudgeModel
>>> model = JudgeModel(n=400, d=200, sigma2=0.5, prior_var=0.01, signal=1.0)
>>> bool(abs(model.error(1, 1.0) - model.posterior_predictive_error) < 1e-9)
True
>>> errors = model.error([1, 4, 16, 64], 0.0)        # best of k with the teacher as judge
>>> bool(all(errors[:-1] > errors[1:]))
True
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import mpmath
import numpy as np
from scipy import optimize, special

from .errors import ConvergenceError, ParameterError

__all__ = ["JudgeModel", "selection_error", "selection_error_mpmath", "OptimalK", "OptimalTemperature"]

# Windows of the Laplace kernels in x = U - v: G(x) = exp(-e^x) is 1 to 1e-17 below -_LOW_X and
# 0 to 1e-64 above _HIGH_X; K(x) = e^x G(x) is below 1e-17 outside the same window.
_LOW_X, _HIGH_X = 40.0, 5.0
_U_MIN, _U_SPLIT = -42.0, 8.0   # below _U_MIN the outer integrand is < e^-42 of its scale
_KERNEL_BREAKS = np.array([5.0, 3.5, 2.5, 1.5, 0.5, -0.5, -1.5, -3.0, -5.0, -8.0, -13.0, -20.0, -29.0, -40.0])
# panel counts: doubling every one changes results by < 1e-8 (relative) over tau in [1e-4, 100]
_OUTER_A_PANELS, _OUTER_B_PANELS, _OUTER_NODES = 25, 32, 8
_EVEN_PANELS, _INNER_NODES = 6, 8
_RHO_SPAN = 12.0                 # integrate rho = |y - y_R| up to |y_R - mean| + 12 std


@functools.lru_cache(maxsize=None)
def _legendre(nodes):
    x, w = np.polynomial.legendre.leggauss(nodes)
    return x, w


def _panel_rule(edges, nodes):
    """Gauss-Legendre nodes and weights on consecutive panels ``edges[..., j:j+2]``."""
    x, w = _legendre(nodes)
    a, b = edges[..., :-1, None], edges[..., 1:, None]
    half = (b - a) / 2
    pts = (a + b) / 2 + half * x
    wts = half * w
    shape = edges.shape[:-1] + ((edges.shape[-1] - 1) * nodes,)
    return pts.reshape(shape), wts.reshape(shape)


def _density_terms(rho, mean, centre):
    """h(rho), h_e(rho): the density of rho = |y - centre| for y ~ N(mean, 1), and the same
    weighted by the error y^2 (teacher at 0)."""
    up, down = centre + rho, centre - rho
    f_up = np.exp(-0.5 * (up - mean) ** 2)
    f_down = np.exp(-0.5 * (down - mean) ** 2)
    norm = 1.0 / math.sqrt(2 * math.pi)
    return norm * (f_up + f_down), norm * (f_up * up**2 + f_down * down**2)


def _mass_within(rho, mean, centre):
    """P(|y - centre| < rho) for y ~ N(mean, 1)."""
    return special.ndtr(centre + rho - mean) - special.ndtr(centre - rho - mean)


def _check_ks(k):
    ks = np.asarray(k)
    if ks.size == 0 or not np.all(np.isfinite(ks)) or np.any(ks < 1) or np.any(ks != np.floor(ks)):
        raise ParameterError("k", f"must be integers >= 1, got {k!r}")
    return ks.astype(float)


def _check_temperature(T):
    T = float(T)
    if not (T >= 0) or math.isnan(T):
        raise ParameterError("temperature", f"must be >= 0 (0: best of k, inf: random sample), got {T!r}")
    return T


def _power_sums(ks, weighted, deficit):
    """k * sum(weighted * (1 - deficit)^(k-1)) along the last axis for every k, shape (B, K).

    The power is exp((k-1) log1p(-deficit)): a base near 1 keeps its digits."""
    deficit = np.clip(deficit, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        log_base = np.log1p(-deficit)          # -inf where base = 0
    out = np.empty(weighted.shape[:-1] + (ks.size,))
    for j, kk in enumerate(ks):
        power = np.ones_like(log_base) if kk == 1 else np.exp((kk - 1) * log_base)
        out[..., j] = kk * np.sum(weighted * power, axis=-1)
    return out


def _best_of_k_unit(mean, centre, ks):
    """T = 0, unit std: k int_0^rho_max h_e(rho) (1 - P(rho' < rho))^(k-1) drho, shape (B, K)."""
    rho_max = np.abs(centre - mean) + _RHO_SPAN
    # geometric panels: for large k the mass sits at rho ~ 1/(k h(0)), anywhere in (0, rho_max)
    # merged with equal panels that resolve the density's bump at rho = |centre - mean|
    inner = np.concatenate([[0.0], np.geomspace(1e-12, 1.0, 81), np.linspace(0.0, 1.0, 25)[1:-1]])
    edges = rho_max[:, None] * np.sort(inner)
    rho, w = _panel_rule(edges, 12)
    _, h_e = _density_terms(rho, mean[:, None], centre[:, None])
    within = _mass_within(rho, mean[:, None], centre[:, None])
    return _power_sums(ks, w * h_e, within)


def _softmax_unit(mean, centre, tau, ks):
    """T > 0, unit std (tau = T/std^2): the Laplace representation, shape (B, K)."""
    B = mean.size
    rho_max = np.abs(centre - mean) + _RHO_SPAN
    # outer nodes, part A: U in [_U_MIN, _U_SPLIT], unit-width panels
    uA, wA = _panel_rule(np.linspace(_U_MIN, _U_SPLIT, _OUTER_A_PANELS + 1), _OUTER_NODES)
    uA = np.broadcast_to(uA, (B, uA.size))
    wA = np.broadcast_to(wA, (B, wA.size))
    # part B: U = rho^2/tau above _U_SPLIT, geometric panels in rho up to rho_max
    rho_a = math.sqrt(tau * _U_SPLIT)
    active = rho_max > rho_a
    top = np.where(active, rho_max, rho_a * (1 + 1e-9))
    geometric = rho_a * (top[:, None] / rho_a) ** np.linspace(0.0, 1.0, _OUTER_B_PANELS + 1)
    even = rho_a + (top[:, None] - rho_a) * np.linspace(0.0, 1.0, _OUTER_B_PANELS // 2 + 1)[1:-1]
    rB, wrB = _panel_rule(np.sort(np.concatenate([geometric, even], axis=1), axis=1), _OUTER_NODES)
    uB = rB**2 / tau
    wB = np.where(active[:, None], wrB * 2 * rB / tau, 0.0)
    U = np.concatenate([uA, uB], axis=1)
    wU = np.concatenate([wA, wB], axis=1)
    # inner window in rho where the kernels vary, split into panels
    lo = np.sqrt(tau * np.maximum(U - _HIGH_X, 0.0))
    hi = np.minimum(np.sqrt(tau * np.maximum(U + _LOW_X, 0.0)), rho_max[:, None])
    hi = np.maximum(hi, lo)
    # panel edges: where the kernels change fastest (x = U - v near [-5, 5], double-exponential
    # on the right) mapped to rho = sqrt(tau v), merged with equal rho-panels that resolve the
    # Gaussian density when the window is wide
    v_edges = U[..., None] - _KERNEL_BREAKS
    kernel_edges = np.sqrt(tau * np.maximum(v_edges, 0.0))
    even_edges = lo[..., None] + (hi - lo)[..., None] * np.linspace(0.0, 1.0, _EVEN_PANELS + 1)
    inner_edges = np.sort(np.clip(np.concatenate([kernel_edges, even_edges], axis=-1),
                                  lo[..., None], hi[..., None]), axis=-1)
    rho, wr = _panel_rule(inner_edges, _INNER_NODES)
    h, h_e = _density_terms(rho, mean[:, None, None], centre[:, None, None])
    x = U[..., None] - rho**2 / tau
    e_x = np.exp(np.minimum(x, 50.0))
    one_minus_G = -np.expm1(-e_x)
    K = e_x * np.exp(-e_x)
    psi = np.sum(wr * h_e * K, axis=-1)
    # 1 - Phi = P(rho < lo) + int_window h (1 - G); beyond the window G = 1
    one_minus_phi = _mass_within(lo, mean[:, None], centre[:, None]) + np.sum(wr * h * one_minus_G, axis=-1)
    return _power_sums(ks, wU * psi, one_minus_phi)


def selection_error(mean, std, k, temperature, centre=0.0):
    """Per-test-point error of the softmax-selected sample (Halder & Pehlevan 2025).

    ``k`` i.i.d. samples y_i ~ N(mean, std^2), measured from the teacher (y_T = 0); sample i is
    selected with probability proportional to exp(-(y_i - centre)^2/temperature); returns
    E[sum_i p_i y_i^2]. ``temperature = 0`` is the best of k (the sample nearest ``centre``),
    ``inf`` a uniformly random sample (mean^2 + std^2). In the judge model ``mean`` = m - y_T
    and ``centre`` = y_R - y_T = -c mean.

    ``mean`` and ``centre`` broadcast together (shape S); ``k`` is an integer or a 1-d
    sequence of integers; the result has shape S + k's shape.

    >>> round(float(selection_error(0.0, 1.0, 1, 0.3)), 9)           # one sample: mean^2 + std^2
    1.0
    >>> round(float(selection_error(0.5, 1.0, 2, 0.0)), 9)   # E[min(y1^2, y2^2)] = int_0^oo P(y^2 > t)^2 dt
    0.460539413
    """
    std = float(std)
    if not (std > 0) or not math.isfinite(std):
        raise ParameterError("std", f"must be a positive finite number, got {std!r}")
    T = _check_temperature(temperature)
    ks = _check_ks(k)
    mean_b, centre_b = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(centre, dtype=float))
    if not (np.all(np.isfinite(mean_b)) and np.all(np.isfinite(centre_b))):
        raise ParameterError("mean", "mean and centre must be finite")
    shape = mean_b.shape
    m, c = mean_b.ravel() / std, centre_b.ravel() / std
    flat_k = ks.ravel()
    if math.isinf(T):
        unit = np.broadcast_to((m**2 + 1)[:, None], (m.size, flat_k.size)).copy()
    else:
        unit = np.empty((m.size, flat_k.size))
        chunk = 8 if T > 0 else 256    # keeps the (chunk, 784, 96) work arrays ~50 MB
        for start in range(0, m.size, chunk):
            sl = slice(start, start + chunk)
            if T == 0:
                unit[sl] = _best_of_k_unit(m[sl], c[sl], flat_k)
            else:
                unit[sl] = _softmax_unit(m[sl], c[sl], T / std**2, flat_k)
    return (std**2 * unit).reshape(shape + ks.shape)


def selection_error_mpmath(mean, std, k, temperature=0.0, centre=0.0, dps=30):
    """:func:`selection_error` at temperature 0 (best of k) or inf, in mpmath at ``dps`` digits.

    Best of k: k int_0^oo h_e(rho) P(|y - centre| > rho)^(k-1) drho (h_e the error-weighted
    density of rho = |y - centre|), by ``mpmath.quad`` inside ``mpmath.workdps(dps + 10)`` with
    breakpoints at the scale 1/k and at the density's bump. (Nested mpmath quadrature of the
    finite-temperature representation takes minutes; 0 < T < inf is checked against a direct
    two-sample integral and Monte Carlo instead, in ``tests/test_judge.py``.)

    >>> import mpmath
    >>> mpmath.nstr(selection_error_mpmath(0.5, 1.0, 2, dps=20), 15)   # int_0^oo P(y^2 > t)^2 dt
    '0.460539413461387'
    """
    k = int(_check_ks(k))
    T = _check_temperature(temperature)
    if 0 < T < math.inf:
        raise ParameterError("temperature", f"selection_error_mpmath handles 0 and inf only, got {T!r}")
    std = float(std)
    if not (std > 0) or not math.isfinite(std):
        raise ParameterError("std", f"must be a positive finite number, got {std!r}")
    with mpmath.workdps(dps + 10):
        mp = mpmath.mpf
        s, m, r0 = mp(std), mp(mean) / mp(std), mp(centre) / mp(std)
        if math.isinf(T):
            return +(s**2 * (m**2 + 1))
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)

        def integrand(rho):
            up, down = r0 + rho, r0 - rho
            weighted = norm * (mpmath.exp(-(up - m) ** 2 / 2) * up**2 + mpmath.exp(-(down - m) ** 2 / 2) * down**2)
            within = mpmath.ncdf(r0 + rho - m) - mpmath.ncdf(r0 - rho - m)
            return k * weighted * (1 - within) ** (k - 1)

        peak = abs(r0 - m)
        pts = sorted({mp(0), mp(1) / (10 * k), mp(1) / k, peak, peak + 14})
        return +(s**2 * mpmath.quad(integrand, pts))


class OptimalK(NamedTuple):
    """argmin_k error(k) on 1..k_max: ``k``, its ``error``, and ``interior`` (False when the
    minimum is at k_max, i.e. more samples keep helping)."""

    k: int
    error: float
    interior: bool


class OptimalTemperature(NamedTuple):
    """argmin_T error(k, T) on ``bounds``: ``temperature``, its ``error``, and ``interior``
    (False when the minimum is at a bound, e.g. T -> 0 with the teacher as judge)."""

    temperature: float
    error: float
    interior: bool


@functools.lru_cache(maxsize=None)
def _derivation():
    from .derivations.judge import judge
    return judge()


class JudgeModel:
    r"""Halder & Pehlevan's (2025) judge model at one parameter point (isotropic data).

    Parameters: ``n`` samples, ``d`` features, noise variance ``sigma2``, prior variance per
    weight ``prior_var``, teacher power ``signal`` = ||w*||^2 (x ~ N(0, I_d)), judge
    misspecification ``c`` (y_R = y_T + c (y_T - m); 0 is the teacher). The paper's scaling
    x ~ N(0, S^2 I/d), prior std gamma, teacher w_T maps to prior_var = gamma^2 S^2/d and
    signal = S^2 ||w_T||^2/d. ``quadrature_nodes``: the (even) Gauss-Hermite rule over the
    test-point error mu ~ N(0, v); the default 48 gives ~1e-10 relative accuracy with the
    teacher as judge, ~1e-4 for c = 2 (the per-point error then has a sharp feature in mu where
    the judge's target y_R leaves the bulk of the samples: 96 nodes give ~1e-5).

    Attributes (deterministic equivalent, :func:`saddlepoint.derivations.judge.judge`):
    ``kappa``; ``predictive_variance`` s^2 = n prior_var kappa; ``mean_error_variance``
    v = excess_risk; ``posterior_predictive_error`` v + s^2 (the k = 1 error).

    >>> model = JudgeModel(n=400, d=200, sigma2=0.5, prior_var=0.01, signal=1.0, c=3.0)
    >>> best = model.optimal_k(temperature=0.0, k_max=200)
    >>> best.interior and 1 < best.k < 200          # a misspecified judge: a finite optimal k
    True
    """

    def __init__(self, n, d, sigma2, prior_var, signal, c=0.0, quadrature_nodes=48):
        for name, value, positive in (("n", n, True), ("d", d, True), ("sigma2", sigma2, False),
                                      ("prior_var", prior_var, True), ("signal", signal, False)):
            v = float(value)
            if not math.isfinite(v) or v < 0 or (positive and v == 0):
                raise ParameterError(name, f"must be a {'positive' if positive else 'non-negative'} finite number, got {value!r}")
        if not math.isfinite(float(c)):
            raise ParameterError("c", f"must be a finite number, got {c!r}")
        self.n, self.d, self.sigma2, self.prior_var, self.signal = map(float, (n, d, sigma2, prior_var, signal))
        self.c = float(c)
        sol = _derivation().solver()(n=self.n, d=self.d, sigma2=self.sigma2, prior_var=self.prior_var,
                                     signal=self.signal)
        if not bool(np.all(sol.converged)):
            raise ConvergenceError("the kappa equation did not converge", point=self._point(),
                                   residual=sol.residual, iterations=sol.iterations)
        self.kappa = float(sol.kappa)
        self.predictive_variance = float(sol.predictive_variance)
        self.mean_error_variance = float(sol.excess_risk)
        self.posterior_predictive_error = self.mean_error_variance + self.predictive_variance
        if not self.predictive_variance > 0:
            raise ParameterError("sigma2", "the posterior predictive variance is 0 (sigma2 = 0 with d < n): "
                                 "every sample is the posterior mean and selection does nothing")
        # Gauss-Hermite nodes for mu ~ N(0, v). The per-point error is even in mu (reflect
        # y -> -y: mean and reward centre = -c mu both change sign), so the non-negative half of
        # an even rule suffices, with doubled weights.
        nodes = int(quadrature_nodes)
        if nodes < 2 or nodes % 2:
            raise ParameterError("quadrature_nodes", f"must be an even integer >= 2, got {quadrature_nodes!r}")
        x, w = special.roots_hermitenorm(nodes)
        half = x > 0
        self._mu = math.sqrt(self.mean_error_variance) * x[half]
        self._mu_weights = 2 * w[half] / math.sqrt(2 * math.pi)

    def _point(self):
        return dict(n=self.n, d=self.d, sigma2=self.sigma2, prior_var=self.prior_var, signal=self.signal, c=self.c)

    def __repr__(self):
        return "JudgeModel(" + ", ".join(f"{k}={v:g}" for k, v in self._point().items()) + ")"

    @property
    def error_to_spread_ratio(self):
        """nu = v/s^2; the averaged best-of-k coefficient is finite only for nu < 1/2."""
        return self.mean_error_variance / self.predictive_variance

    def error(self, k, temperature):
        """Generalisation error delta(k, T) averaged over test points (module docstring).

        ``k`` (integers >= 1) and ``temperature`` (>= 0; 0 = best of k, inf = random sample)
        broadcast against each other; the temperature is the raw one of exp(-(y - y_R)^2/T)
        (the paper's plots use T/(2 sigma2)).
        """
        ks = _check_ks(k)
        Ts = np.asarray(temperature, dtype=float)
        kb, Tb = np.broadcast_arrays(ks, Ts)
        out = np.empty(kb.shape)
        for T in np.unique(Tb):
            sel = Tb == T
            wanted = np.unique(kb[sel])
            per_point = selection_error(self._mu, math.sqrt(self.predictive_variance), wanted, T,
                                        centre=-self.c * self._mu)
            averaged = self._mu_weights @ per_point
            out[sel] = averaged[np.searchsorted(wanted, kb[sel])]
        return out[()] if out.ndim == 0 else out

    def infinite_k_error(self, temperature):
        """lim_{k->oo} error(k, T) in closed form (:func:`saddlepoint.derivations.judge.infinite_k_error`):
        v (T - 2 c s^2)^2/(T + 2 s^2)^2 + s^2 T/(T + 2 s^2)."""
        T = np.asarray(temperature, dtype=float)
        v, s2, c = self.mean_error_variance, self.predictive_variance, self.c
        return v * (T - 2 * c * s2) ** 2 / (T + 2 * s2) ** 2 + s2 * T / (T + 2 * s2)

    def optimal_k(self, temperature, k_max=10_000):
        """argmin over k = 1..k_max of error(k, T): finite (``interior``) under a misspecified
        judge, at k_max when more samples keep helping (the teacher as judge)."""
        k_max = int(k_max)
        if k_max < 1:
            raise ParameterError("k_max", f"must be >= 1, got {k_max}")
        ks = np.arange(1, k_max + 1)
        errors = self.error(ks, temperature)
        j = int(np.argmin(errors))
        return OptimalK(int(ks[j]), float(errors[j]), j < k_max - 1)

    def optimal_temperature(self, k, bounds=None, grid=17):
        """argmin over T in ``bounds`` of error(k, T) at fixed k (scan on a log grid, then Brent
        on log T). Default bounds: s^2 * (1e-4, 1e4)."""
        k = int(_check_ks(k))
        s2 = self.predictive_variance
        lo, hi = bounds if bounds is not None else (1e-4 * s2, 1e4 * s2)
        if not (0 < lo < hi < math.inf):
            raise ParameterError("bounds", f"must be 0 < lower < upper < inf, got {bounds!r}")
        logs = np.linspace(math.log(lo), math.log(hi), int(grid))
        values = np.array([float(self.error(k, math.exp(t))) for t in logs])
        j = int(np.argmin(values))
        if j in (0, len(logs) - 1):
            return OptimalTemperature(float(math.exp(logs[j])), float(values[j]), False)
        res = optimize.minimize_scalar(lambda t: float(self.error(k, math.exp(t))),
                                       bounds=(logs[j - 1], logs[j + 1]), method="bounded",
                                       options={"xatol": 1e-6})
        if not res.success:
            raise ConvergenceError("the temperature search did not converge", point=dict(self._point(), k=k),
                                   residual=None, iterations=res.nfev)
        return OptimalTemperature(float(math.exp(res.x)), float(res.fun), True)

    def best_of_k_coefficient(self):
        """lim_{k->oo} k^2 error(k, T=0) with the teacher as judge, averaged over test points:
        pi s^2/sqrt(1 - 2 v/s^2) (per point pi s^2 exp(mu^2/s^2), Halder & Pehlevan 2025).
        ``inf`` when 2 v >= s^2: the average then decays more slowly than 1/k^2. Needs c = 0
        (a misspecified judge's best-of-k error tends to c^2 v, not to 0)."""
        if self.c != 0:
            raise ParameterError("c", f"the Theta(1/k^2) law holds for the teacher as judge (c = 0), got c = {self.c}")
        nu = self.error_to_spread_ratio
        if nu >= 0.5:
            return math.inf
        return math.pi * self.predictive_variance / math.sqrt(1 - 2 * nu)
