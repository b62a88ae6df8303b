r"""Finite-size Monte Carlo of ridge regression on Gaussian data (the ground truth).

This module is written from the model's definition only; it does not use (and must not import)
any theory from ``saddlepoint.derivations`` or ``saddlepoint.solvers``.

Model
-----
* Covariates: ``n`` i.i.d. rows ``x ~ N(0, Sigma)`` in dimension ``d``. ``Sigma`` is taken
  diagonal with eigenvalues ``omega_i`` (no loss of generality: the Gaussian model is rotation
  invariant).
* Teacher: per-mode target power ``t_i = omega_i * (w*_i)**2``, i.e.
  ``w*_i = s_i * sqrt(t_i / omega_i)`` with independent random signs ``s_i = +-1`` drawn afresh
  for every seed.
* Labels: ``y = X w* + eps`` with ``eps ~ N(0, sigma2 I_n)``.
* Estimator: ``w_hat = argmin_w (1/n)||y - X w||^2 + lam ||w||^2
  = (X^T X/n + lam I)^{-1} X^T y / n``. At ``lam = 0`` it is the minimum-norm least-squares
  solution ``pinv(X) y`` (valid for ``d < n``, ``d = n`` and ``d > n``); singular values of
  ``X/sqrt(n)`` at or below ``max(n, d) * machine_eps * (largest singular value)`` count as zero
  there (the ``numpy.linalg.lstsq`` / ``pinv`` default cut-off).

Observables (per draw; the result reports mean and standard error over seeds)
--------------------------------------------------------------------------
With ``Sigma_hat = X^T X/n``, ``K = X X^T/n`` (the ``n x n`` Gram matrix) and
``A = (Sigma_hat + lam I)^{-1}`` (``pinv(Sigma_hat)`` at ``lam = 0``):

``excess_risk``
    ``(w_hat - w*)^T Sigma (w_hat - w*)``: exact expectation over a fresh test point, for this
    draw's ``X`` and ``eps``.
``test_error``
    ``excess_risk + sigma2``.
``train_error``
    ``(1/n) ||y - X w_hat||^2``.
``bias``
    the excess risk of the noiseless estimator (same ``X``, ``eps = 0``).
``variance``
    the noise part of the excess risk averaged exactly over ``eps`` at fixed ``X``:
    ``sigma2 * tr[Sigma A X^T X A] / n^2``. (``bias + variance`` is the ``eps``-average of
    ``excess_risk`` at fixed ``X``; a single draw's ``excess_risk`` also has a cross term.)
``df1``
    ``tr[Sigma_hat (Sigma_hat + lam)^{-1}]`` (the rank of ``X`` at ``lam = 0``).
``df2``
    *defined* as ``n v / (1 + v)`` with ``v = tr[Sigma A X^T X A] / n^2`` (the variance at unit
    noise), so that ``variance = sigma2 * gamma / (1 - gamma)`` with ``gamma = df2 / n``.
``kappa``
    ``n / tr[(K + lam I_n)^{-1}]``; equals ``lam / (1 - df1/n)`` for ``lam > 0``, is finite at
    ``lam = 0`` when ``K`` is invertible (``d >= n``) and is ``0`` when ``lam = 0`` and ``K`` is
    singular (e.g. ``d < n``).
``gcv``
    generalised cross-validation ``train_error / (1 - df1/n)^2``. It is evaluated as
    ``n ||(K + lam)^{-1} y||^2 / (tr (K + lam)^{-1})^2`` (the same number for ``lam > 0``) whenever
    ``K`` is invertible at that ``lam`` -- this stays finite at ``lam = 0`` with ``d >= n`` where
    the ordinary formula is ``0/0`` -- and by the ordinary formula otherwise (``d < n``, or
    ``lam = 0`` with singular ``K``, where it is finite).

Random numbers
--------------
``seed`` seeds ``numpy.random.SeedSequence(seed)``, which is ``spawn``-ed into one child per
seed index; seed index ``k`` uses ``rng = numpy.random.default_rng(children[k])`` and draws,
in this order::

    Z = rng.standard_normal((n, d))      # X = Z * sqrt(omega)
    b = rng.integers(0, 2, size=d)       # teacher signs s = 1 - 2 b
    g = rng.standard_normal(n)           # eps = sqrt(sigma2) * g

Hence the draws of ``seeds=32`` are exactly the first 32 draws of ``seeds=64``, and every
``lam`` and ``sigma2`` value of one call reuses the same draws (common random numbers).

Computation
-----------
One thin SVD ``X/sqrt(n) = U diag(s) V^T`` per draw (batched over seeds with NumPy's stacked
linear algebra); every observable is then a closed form in ``s``, ``V^T w*``, ``U^T g`` and the
component of ``w*`` outside the row space of ``X``, cheap per ``lam``; the dependence on
``sigma2`` is an explicit quadratic in ``sqrt(sigma2)``.

Size bounds
-----------
To keep a call bounded in time and memory the following are refused with ``ParameterError``:
``d > 20000`` (names ``d``); ``n*d > 2.5e7`` entries per draw (~200 MB per matrix) or
``n*d*seeds > 5e9`` in total (names the larger of ``n`` and ``d``);
``seeds * (number of lam/sigma2 grid points) > 4e6`` stored samples per observable (names
``seeds``). The cost is dominated by the SVDs,
``~ seeds * n * d * min(n, d)`` flops, plus ``~ 2 * seeds * (distinct lam) * d * min(n, d)``.
"""

from __future__ import annotations

import math

import numpy as np

from saddlepoint.errors import ParameterError
from saddlepoint.simulate._checks import as_int as _as_int, as_nonnegative_grid
from saddlepoint.simulate._stats import SimulationResult

__all__ = ["ridge", "OBSERVABLES", "MAX_D", "MAX_ENTRIES_PER_DRAW", "MAX_ENTRIES_TOTAL", "MAX_SAMPLES"]

OBSERVABLES = ("excess_risk", "test_error", "train_error", "bias", "variance",
               "df1", "df2", "kappa", "gcv")

MAX_D = 20_000
MAX_ENTRIES_PER_DRAW = 25_000_000
MAX_ENTRIES_TOTAL = 5_000_000_000
MAX_SAMPLES = 4_000_000

_BLOCK = 1 << 22  # target number of float64 entries of the large intermediate arrays


# ----------------------------------------------------------------------------- validation



def _as_real(value, what):
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ParameterError("spectrum", f"{what} must be a real number; got {value!r}") from None
    if not math.isfinite(f):
        raise ParameterError("spectrum", f"{what} must be finite; got {value!r}")
    return f


def _resolve_spectrum(spectrum, d):
    """Return ``(d, omega, target)`` for a duck-typed spectrum object (dispatch on ``.kind``)."""
    kind = getattr(spectrum, "kind", None)
    if kind == "isotropic":
        d = _check_d(_dimension(spectrum, d, "an isotropic spectrum of symbolic dimension"))
        signal = _as_real(spectrum.signal, "signal")
        if signal < 0:
            raise ParameterError("spectrum", f"signal must be >= 0; got {signal!r}")
        omega = np.ones(d)
        target = np.full(d, signal / d)
    elif kind == "atoms":
        ev, tg, mu = (tuple(getattr(spectrum, a)) for a in ("eigenvalues", "target", "multiplicity"))
        if not (len(ev) == len(tg) == len(mu)) or not ev:
            raise ParameterError("spectrum", "eigenvalues, target and multiplicity must be non-empty "
                                 "tuples of equal length")
        mult = [_as_int("spectrum", m, 1) for m in mu]
        total = sum(mult)
        if d is not None:
            d = _as_int("d", d, 1)
            if d != total:
                raise ParameterError("d", f"must equal the total multiplicity {total} of the atoms "
                                     f"spectrum (or be omitted); got {d}")
        d = _check_d(total)
        omega = np.repeat([_as_real(v, "eigenvalues") for v in ev], mult)
        target = np.repeat([_as_real(v, "target") for v in tg], mult)
    elif kind == "powerlaw":
        alpha = _as_real(spectrum.alpha, "alpha")
        beta = _as_real(spectrum.beta, "beta")
        d = _check_d(_dimension(spectrum, d, "a power-law spectrum with infinitely many modes"))
        k = np.arange(1, d + 1, dtype=float)
        with np.errstate(over="ignore", under="ignore"):
            omega = k ** -alpha
            target = k ** -beta
    else:
        raise ParameterError("spectrum", "must have kind 'isotropic', 'atoms' or 'powerlaw'; "
                             f"got kind={kind!r}")
    if not np.all(np.isfinite(omega)) or np.any(omega <= 0):
        raise ParameterError("spectrum", "covariance eigenvalues must be finite and > 0 (in float64)")
    if not np.all(np.isfinite(target)) or np.any(target < 0):
        raise ParameterError("spectrum", "target powers must be finite and >= 0 (in float64)")
    return d, omega, target


def _dimension(spectrum, d, what):
    """Dimension from ``spectrum.d`` (None or symbolic: not fixed) and/or the ``d`` argument."""
    sd = getattr(spectrum, "d", None)
    if sd is not None:
        try:
            float(sd)
        except (TypeError, ValueError):  # a SymPy symbol: dimension left free by the spectrum
            sd = None
    if sd is None:
        if d is None:
            raise ParameterError("d", f"is required (an integer >= 1) to simulate {what}")
        return _as_int("d", d, 1)
    sd = _as_int("spectrum", sd, 1)
    if d is not None and _as_int("d", d, 1) != sd:
        raise ParameterError("d", f"must equal the spectrum's d = {sd} (or be omitted); got {d!r}")
    return sd


def _check_d(d):
    if d > MAX_D:
        raise ParameterError("d", f"must be <= {MAX_D} (dense simulation); got {d}")
    return d


def _check_size(n, d, seeds, points):
    big = "n" if n >= d else "d"
    if n * d > MAX_ENTRIES_PER_DRAW:
        raise ParameterError(big, f"is too large: n*d = {n * d} > {MAX_ENTRIES_PER_DRAW:g} "
                             f"entries per draw (n={n}, d={d})")
    if n * d * seeds > MAX_ENTRIES_TOTAL:
        raise ParameterError(big, f"is too large: n*d*seeds = {n * d * seeds} > "
                             f"{MAX_ENTRIES_TOTAL:g} (n={n}, d={d}, seeds={seeds})")
    if seeds * points > MAX_SAMPLES:
        raise ParameterError("seeds", f"times the {points} (lam, sigma2) grid points exceeds "
                             f"{MAX_SAMPLES:g} stored samples; got seeds={seeds}")


# ----------------------------------------------------------------------------- computation

def _draw(children, n, d, sqrt_omega, w_abs):
    """Draw ``X/sqrt(n)``, the teachers and the unit noise for a block of seed streams."""
    S = len(children)
    Z = np.empty((S, n, d))
    W = np.empty((S, d))
    G = np.empty((S, n))
    for i, child in enumerate(children):
        rng = np.random.default_rng(child)
        rng.standard_normal(out=Z[i])
        W[i] = (1 - 2 * rng.integers(0, 2, size=d)) * w_abs
        rng.standard_normal(out=G[i])
    Z *= sqrt_omega / math.sqrt(n)
    return Z, W, G


def _components(Xs, W, G, omega, lam_u):
    """Per-seed, per-lam coefficients of every observable as a quadratic in sqrt(sigma2).

    Returns a dict of ``(S, L)`` arrays: ``B, C, N`` (excess risk ``B + 2 sigma C + sigma2 N``),
    ``R0, R1, R2`` (train error), ``Q0, Q1, Q2`` (gcv), ``v`` (variance at unit noise), ``df1``,
    ``kappa``.
    """
    S, n, d = Xs.shape
    r = min(n, d)
    U, s, Vh = np.linalg.svd(Xs, full_matrices=False)           # (S,n,r), (S,r), (S,r,d)
    tol = max(n, d) * np.finfo(float).eps * s[:, :1]            # (S,1), s sorted descending
    a = np.matmul(Vh, W[:, :, None])[:, :, 0]                    # V^T w*            (S,r)
    p = W - np.matmul(a[:, None, :], Vh)[:, 0, :]               # w* off row space  (S,d)
    b = np.matmul(G[:, None, :], U)[:, 0, :] / math.sqrt(n)    # U^T g / sqrt(n)   (S,r)
    if r < n:
        g_perp = G - math.sqrt(n) * np.matmul(U, b[:, :, None])[:, :, 0]
        gp2 = np.einsum("si,si->s", g_perp, g_perp) / n          # ||g off col space||^2 / n
    else:
        gp2 = np.zeros(S)
    sa = s * a                                                   # U^T X w* / sqrt(n)
    m_diag = np.matmul(Vh * Vh, omega)                           # diag(V^T Sigma V)  (S,r)

    out = {k: np.empty((S, lam_u.size)) for k in
           ("B", "C", "N", "R0", "R1", "R2", "Q0", "Q1", "Q2", "v", "df1", "kappa")}
    step = max(1, _BLOCK // (S * max(d, n)))
    for lo in range(0, lam_u.size, step):
        sl = slice(lo, min(lam_u.size, lo + step))
        lam = lam_u[sl][None, :, None]                          # (1,L,1)
        sb = s[:, None, :]                                      # (S,1,r)
        s2 = sb * sb
        zero = lam == 0
        drop = zero & (sb <= tol[:, :, None])                   # pseudo-inverse cut-off
        den = np.where(drop, 1.0, s2 + lam)
        f = np.where(drop, 0.0, s2 / den)                       # s^2/(s^2+lam)
        h = np.where(drop, 0.0, sb / den)                       # s/(s^2+lam)
        omf = np.where(drop, 1.0, lam / den)                    # lam/(s^2+lam) = 1 - f

        # e = w_hat - w* = -(V (omf*a) + p) + sigma * V (h*b)
        E0 = np.matmul(omf * a[:, None, :], Vh) + p[:, None, :]  # (S,L,d)
        E1 = np.matmul(h * b[:, None, :], Vh)
        wE0 = E0 * omega
        out["B"][:, sl] = np.einsum("sld,sld->sl", wE0, E0)
        out["C"][:, sl] = -np.einsum("sld,sld->sl", wE0, E1)
        out["N"][:, sl] = np.einsum("sld,sld->sl", E1 * omega, E1)
        del E0, E1, wE0

        out["v"][:, sl] = np.sum(h * h * m_diag[:, None, :], axis=-1) / n
        out["df1"][:, sl] = f.sum(axis=-1)

        # residual y - X w_hat = sqrt(n) U [omf * (s a + sigma b)] + sigma g_perp
        om2 = omf * omf
        R0 = np.sum(om2 * (sa * sa)[:, None, :], axis=-1)
        R1 = np.sum(om2 * (sa * b)[:, None, :], axis=-1)
        R2 = np.sum(om2 * (b * b)[:, None, :], axis=-1) + gp2[:, None]
        out["R0"][:, sl], out["R1"][:, sl], out["R2"][:, sl] = R0, R1, R2

        # 1 - df1/n = (1/n) tr[lam (K + lam)^-1] = (sum_k omf_k + n - r) / n
        tr_lam = omf.sum(axis=-1) + (n - r)
        lam2 = lam[:, :, 0]
        singular = zero[:, :, 0] & ((r < n) | drop.any(axis=-1))  # K singular at lam = 0
        inv_den = np.where(drop, 0.0, 1.0 / den)                  # eigenvalues of (K+lam)^-1
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = np.where(zero[:, :, 0], n / inv_den.sum(axis=-1), n * lam2 / tr_lam)
        out["kappa"][:, sl] = np.where(singular, 0.0, kappa)

        # gcv: Gram form n^2 sum w_k^2 z_k^2, w = u / sum(u), u = 1/(s^2+lam), where K is
        # invertible (r == n and not singular); ordinary train/(1 - df1/n)^2 otherwise.
        gram = (r == n) & ~singular
        with np.errstate(divide="ignore", invalid="ignore"):
            wgt = inv_den / inv_den.sum(axis=-1, keepdims=True)
            w2 = n * n * wgt * wgt
            G0 = np.sum(w2 * (sa * sa)[:, None, :], axis=-1)
            G1 = np.sum(w2 * (sa * b)[:, None, :], axis=-1)
            G2 = np.sum(w2 * (b * b)[:, None, :], axis=-1)
            D2 = (tr_lam / n) ** 2                               # 0 only where gram is used
            out["Q0"][:, sl] = np.where(gram, G0, R0 / D2)
            out["Q1"][:, sl] = np.where(gram, G1, R1 / D2)
            out["Q2"][:, sl] = np.where(gram, G2, R2 / D2)
    return out


def _observables(comp, inverse, sigma2, n):
    """Combine the per-lam components with the flat sigma2 grid into per-seed observables."""
    sig = sigma2[None, :]
    sd = np.sqrt(sig)
    take = {k: v[:, inverse] for k, v in comp.items()}
    excess = take["B"] + 2 * sd * take["C"] + sig * take["N"]
    v = take["v"]
    return {
        "excess_risk": excess,
        "test_error": excess + sig,
        "train_error": take["R0"] + 2 * sd * take["R1"] + sig * take["R2"],
        "bias": take["B"],
        "variance": sig * v,
        "df1": take["df1"],
        "df2": n * v / (1 + v),
        "kappa": take["kappa"],
        "gcv": take["Q0"] + 2 * sd * take["Q1"] + sig * take["Q2"],
    }


def ridge(spectrum, lam, n, d=None, sigma2=0.0, seeds=64, seed=0):
    r"""Monte Carlo of ridge regression with Gaussian covariates; see the module docstring.

    Parameters
    ----------
    spectrum
        object with ``kind`` in ``{"isotropic", "atoms", "powerlaw"}``:
        ``isotropic`` (attribute ``signal`` = ``||w*||^2``; ``Sigma = I_d``, ``t_i = signal/d``;
        ``d`` required unless the spectrum has a numeric attribute ``d``, which a given ``d``
        must then equal); ``atoms`` (``eigenvalues``, ``target``, ``multiplicity``: atom ``j`` is
        eigenvalue ``omega_j`` repeated ``multiplicity_j`` times, each mode with target power
        ``target_j``; ``d = sum(multiplicity)``, a given ``d`` must equal it); ``powerlaw``
        (``alpha``, ``beta``, ``d``: ``omega_k = k**-alpha``, ``t_k = k**-beta``, ``k = 1..d``; if
        ``spectrum.d`` is None the argument ``d`` truncates it and is required, otherwise a given
        ``d`` must equal ``spectrum.d``). Numbers are converted with ``float()``.
    lam, sigma2
        ridge penalty(ies) ``>= 0`` (``0`` = minimum-norm least squares) and noise variance(s)
        ``>= 0``; scalars or arrays broadcasting together. Result arrays have the broadcast shape.
    n, d
        number of samples and dimension (positive integers).
    seeds
        number of independent draws of ``(X, w* signs, eps)`` (positive integer).
    seed
        non-negative integer seeding ``numpy.random.SeedSequence``; draw ``k`` uses its ``k``-th
        spawned child, so a call with more seeds extends one with fewer.

    Returns
    -------
    SimulationResult
        observables ``excess_risk, test_error, train_error, bias, variance, df1, df2, kappa, gcv``
        as ``Estimate(mean, stderr, n=seeds)``; ``.samples`` holds the per-seed values, shape
        ``(seeds, *broadcast_shape)``; ``.parameters`` is ``dict(lam, n, d, sigma2, seeds, seed)``.

    Raises
    ------
    ParameterError
        naming the offending argument (``n``, ``d``, ``seeds``, ``seed``, ``lam``, ``sigma2`` or
        ``spectrum``) if it is out of range or the problem exceeds the documented size bounds.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> iso = SimpleNamespace(kind="isotropic", signal=1.0)
    >>> res = ridge(iso, lam=[0.0, 1e9], n=40, d=20, seeds=4)
    >>> res.excess_risk.mean.shape
    (2,)
    >>> bool(res.excess_risk.mean[0] < 1e-20), bool(abs(res.excess_risk.mean[1] - 1.0) < 1e-6)
    (True, True)
    >>> res.df1.mean.tolist()[0]
    20.0
    """
    n = _as_int("n", n, 1)
    seeds = _as_int("seeds", seeds, 1)
    seed = _as_int("seed", seed, 0)
    lam_a = as_nonnegative_grid("lam", lam)
    sig_a = as_nonnegative_grid("sigma2", sigma2)
    try:
        lam_b, sig_b = np.broadcast_arrays(lam_a, sig_a)
    except ValueError:
        raise ParameterError("sigma2", f"must broadcast with lam (shapes {sig_a.shape} and "
                             f"{lam_a.shape})") from None
    d, omega, target = _resolve_spectrum(spectrum, d)
    shape = lam_b.shape
    points = lam_b.size
    _check_size(n, d, seeds, points)

    lam_u, inverse = np.unique(lam_b.ravel(), return_inverse=True)
    inverse = inverse.ravel()
    sig_flat = np.ascontiguousarray(sig_b.ravel(), dtype=float)
    sqrt_omega = np.sqrt(omega)
    w_abs = np.sqrt(target / omega)

    children = np.random.SeedSequence(seed).spawn(seeds)
    samples = {k: np.empty((seeds, points)) for k in OBSERVABLES}
    block = max(1, min(seeds, _BLOCK // (n * d)))
    for lo in range(0, seeds, block):
        hi = min(seeds, lo + block)
        Xs, W, G = _draw(children[lo:hi], n, d, sqrt_omega, w_abs)
        comp = _components(Xs, W, G, omega, lam_u)
        del Xs
        for k, v in _observables(comp, inverse, sig_flat, n).items():
            samples[k][lo:hi] = v

    samples = {k: v.reshape((seeds,) + shape) for k, v in samples.items()}

    def _param(a):
        return float(a) if a.ndim == 0 else a.copy()

    parameters = {"lam": _param(lam_a), "n": n, "d": d, "sigma2": _param(sig_a),
                  "seeds": seeds, "seed": seed}
    return SimulationResult(samples, parameters, model="ridge")
