r"""Finite-size random matrices: empirical spectra, the ground truth for the free-probability laws.

Written from the ensembles' definitions only; nothing here imports ``saddlepoint.derivations``
or ``saddlepoint.solvers``.

Ensembles (``d x d`` real symmetric matrices)
---------------------------------------------
``goe`` -- Wigner / GOE with variance ``v``
    ``M = sqrt(v / (2 d)) (G + G^T)`` with ``G`` a ``d x d`` matrix of i.i.d. ``N(0, 1)``: the
    off-diagonal entries are ``N(0, v/d)``, the diagonal ones ``N(0, 2 v/d)``. Its spectrum tends
    to the semicircle of variance ``v`` (support ``[-2 sqrt(v), 2 sqrt(v)]``); at finite ``d``,
    ``E[(1/d) tr M^2] = v (1 + 1/d)`` exactly.
``wishart`` -- sample covariance, ratio ``q = d/n``
    ``W = X^T X / n`` with ``X`` an ``n x d`` matrix whose rows are i.i.d. ``N(0, Sigma)``,
    ``n = round(d / q)`` (halves round up). ``Sigma = I`` gives Marchenko--Pastur with ratio ``q``
    (mean 1, second moment ``1 + q``; exactly ``E (1/d) tr W^2 = q_n + 1 + 1/n`` with
    ``q_n = d/n``); a population ``Sigma`` gives its multiplicative deformation,
    ``Sigma^{1/2} W_I Sigma^{1/2}``.
``free_poisson`` -- rate ``r``, jump ``a``
    ``a X^T X / d`` with ``X`` an ``n x d`` standard Gaussian matrix, ``n = round(r d)``: the sum of
    ``n`` rank-one matrices ``a x x^T / d``, each with the single non-zero eigenvalue
    ``a |x|^2/d ~ a`` (the "jump"). Its limit is the free Poisson law with R-transform
    ``R(w) = r a / (1 - a w)`` (free cumulants ``kappa_k = r a^k``): it is ``r a`` times a
    Marchenko--Pastur matrix of ratio ``1/r`` (mean ``r a``, second moment ``r a^2 + r^2 a^2``).
    Exactly at finite size: mean ``a n/d``, ``E (1/d) tr M^2 = a^2 (n/d^2) (d + n + 1)``.
``atoms`` -- a deterministic diagonal matrix
    point ``p_j`` repeated ``m_j`` times with ``m_j`` the largest-remainder (Hamilton) rounding of
    ``w_j d``: ``m_j`` is ``floor(w_j d)`` or ``ceil(w_j d)`` and ``sum m_j = d`` (ties in the
    remainders go to the earlier atom).
``affine`` -- ``a M + b I``.
``free_add`` -- ``A + O B O^T``; ``free_mul`` -- ``A^{1/2} O B O^T A^{1/2}`` (``A`` positive
    semidefinite; ``B`` any symmetric matrix). ``A``, ``B`` independent draws of their recipes and
    ``O`` an independent Haar-distributed orthogonal matrix.
``inverse`` -- ``M^{-1}`` (refused when a drawn ``M`` is numerically singular).

Haar orthogonal matrices are ``Q diag(sign(diag R))`` from the QR decomposition ``Z = Q R`` of a
``d x d`` standard Gaussian ``Z`` (Mezzadri 2007, "How to generate random matrices from the
classical compact groups"): without the sign correction the LAPACK ``Q`` is not Haar.

Computation (exact in law)
--------------------------
Only spectra are returned, and the spectrum of ``A + O B O^T`` or ``A^{1/2} O B O^T A^{1/2}``
depends on ``A`` and ``B`` only through their spectra (``O`` is Haar and independent), so every
node of a recipe is reduced to its eigenvalues, except that an *orthogonally invariant* matrix
(GOE, identity-population Wishart, free Poisson, their shifts/scalings and sums) is kept as a
matrix and then replaces ``O B O^T`` itself (its eigenvectors are Haar and independent of its
eigenvalues), which saves the Haar draw and an eigendecomposition. For
``free_mul(A, B)`` the spectrum is computed as that of ``G^T C G`` for a factor ``A = G G^T``
(``G = X^T/sqrt(n)`` for a Wishart, ``diag(sqrt(eigenvalues))`` otherwise), padded with zeros
to ``d`` eigenvalues when ``G`` has fewer columns than ``d`` (when ``A`` has no factor but ``B``
is a rank-deficient Wishart ``B = H H^T``, the roles swap: ``H^T diag(a) H`` plus exact zeros, so
the rank deficiency gives exact zeros in either order; when ``G`` has more columns, the ``R`` factor
of ``G^T = Q R`` is used instead, or ``C^{1/2} A C^{1/2}`` when ``C`` is a non-negative
diagonal) -- the characteristic polynomials of ``A^{1/2} C A^{1/2}``, ``G^T C G`` (up to zeros)
and ``C^{1/2} A C^{1/2}`` are all that of ``C A``. Eigenvalues come from LAPACK ``eigvalsh`` (absolute accuracy ``~ eps ||M||``);
Wishart spectra from the smaller of the two Gram matrices ``X^T X/n`` and ``X X^T/n`` (the
remaining ``d - n`` eigenvalues are exact zeros).

Random numbers
--------------
``seed`` seeds ``numpy.random.SeedSequence(seed)``, ``spawn``-ed into one child per seed index;
draw ``k`` uses ``rng = numpy.random.default_rng(children[k])`` only, so the draws of ``seeds=4``
are exactly the first four of ``seeds=8``. Within one draw the recipe is walked depth first
(``base``; ``left`` then ``right`` then, if needed, the node's Haar matrix), and each random
node draws, in that order:

- ``semicircle``: ``G = rng.standard_normal((d, d))``;
- ``marchenko_pastur`` / ``free_poisson`` / ``wishart``: ``Z = rng.standard_normal((n, d))``,
  ``X = Z * sqrt(population)`` (population eigenvalues in the given order);
- a Haar matrix (``haar_orthogonal``; ``free_add`` / ``free_mul`` when neither side is kept as an
  invariant matrix): ``Z = rng.standard_normal((d, d))``.

``atoms`` draw nothing.

Size bounds
-----------
Refused with ``ParameterError``: ``d > MAX_D = 4000`` and estimated work
``seeds * d^3 * (cost units of the recipe) > MAX_WORK`` (both name ``d``; a cost unit is about
one ``d x d`` ``eigvalsh``, ~0.3 s at ``d = 2000`` on two cores, and ``MAX_WORK`` is about a
minute); a Wishart / free Poisson with ``n d > MAX_ENTRIES`` (names ``ratio`` / ``rate``);
``seeds > 10^6`` or ``seeds * d > 5 * 10^7`` stored eigenvalues (names ``seeds``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from saddlepoint.errors import ParameterError
from saddlepoint.simulate._checks import as_int as _as_int
from saddlepoint.simulate._stats import Estimate, mean_stderr

__all__ = ["goe", "wishart", "spectrum", "haar_orthogonal", "SpectrumSample",
           "MAX_D", "MAX_WORK", "MAX_ENTRIES", "KINDS"]

MAX_D = 4000
MAX_WORK = 1.6e12          # seeds * d^3 * cost units (~ one minute of eigvalsh on two cores)
MAX_ENTRIES = 50_000_000   # n * d entries of one Wishart draw (400 MB)
MAX_SEEDS = 1_000_000
MAX_STORED = 50_000_000    # seeds * d stored eigenvalues
_BLOCK_ENTRIES = 1 << 22   # target entries of one stacked (seeds, d, max(d, n)) array

KINDS = ("semicircle", "marchenko_pastur", "atoms", "free_poisson", "affine",
         "free_add", "free_mul", "inverse")
_FIELDS = {
    "semicircle": ("variance",),
    "marchenko_pastur": ("ratio",),
    "atoms": ("points", "weights"),
    "free_poisson": ("rate", "jump"),
    "affine": ("scale", "shift", "base"),
    "free_add": ("left", "right"),
    "free_mul": ("left", "right"),
    "inverse": ("base",),
}
_EPS = np.finfo(float).eps


# ----------------------------------------------------------------------------- validation

def _real(name, value, where="", positive=False, nonzero=False):
    expect = "must be a finite real number" + (" > 0" if positive else "") + \
        (" != 0" if nonzero else "")
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)) or value is None:
        raise ParameterError(name, f"{expect}{where}; got {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, f"{expect}{where}; got {value!r}") from None
    if not math.isfinite(f) or (positive and f <= 0) or (nonzero and f == 0):
        raise ParameterError(name, f"{expect}{where}; got {value!r}")
    return f


def _real_list(name, values, where=""):
    if isinstance(values, (str, bytes, Mapping)) or values is None:
        raise ParameterError(name, f"must be a non-empty sequence of real numbers{where}; "
                                   f"got {values!r}")
    try:
        items = list(np.asarray(values, dtype=object).ravel()) if not isinstance(values, list) \
            else list(values)
    except (TypeError, ValueError):
        raise ParameterError(name, f"must be a non-empty sequence of real numbers{where}") from None
    if not items:
        raise ParameterError(name, f"must be a non-empty sequence of real numbers{where}")
    return np.array([_real(name, v, where) for v in items], dtype=float)


def _check_weights(weights, where):
    if np.any(weights < 0):
        raise ParameterError("weights", f"must be >= 0{where}; got {weights.tolist()}")
    if abs(weights.sum() - 1.0) > 1e-9:
        raise ParameterError("weights", f"must sum to 1{where}; they sum to {weights.sum()!r}")


def _multiplicities(weights, d):
    """Largest-remainder rounding of ``weights * d`` to integers summing to ``d``."""
    w = weights / weights.sum()
    exact = w * d
    counts = np.floor(exact).astype(np.int64)
    short = d - int(counts.sum())
    if short > 0:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _expand(points, weights, d):
    return np.repeat(points, _multiplicities(weights, d))


def _recipe_dict(recipe, where):
    if isinstance(recipe, Mapping):
        return recipe
    ens = getattr(recipe, "ensemble", None)
    if isinstance(ens, Mapping):
        return ens
    raise ParameterError("recipe", f"must be a dict with a 'kind' key (one of {', '.join(KINDS)}) "
                                   f"or an object whose `.ensemble` is one{where}; got {recipe!r}")


def _normalize(recipe, path="recipe", depth=0):
    """Validate a recipe (dict or object with ``.ensemble``) into a dict of floats."""
    where = f" (in {path})"
    if depth > 64:
        raise ParameterError("recipe", f"is nested too deeply{where}")
    r = _recipe_dict(recipe, where)
    kind = r.get("kind")
    if kind not in _FIELDS:
        raise ParameterError("recipe", f"'kind' must be one of {', '.join(KINDS)}{where}; "
                                       f"got {kind!r}")
    fields = _FIELDS[kind]
    extra = sorted(set(map(str, r)) - set(fields) - {"kind"})
    if extra:
        raise ParameterError("recipe", f"kind {kind!r} takes the keys {', '.join(fields)}; "
                                       f"unknown key(s) {', '.join(extra)}{where}")
    optional = {"scale": 1.0, "shift": 0.0}
    for f in fields:
        if f not in r and f not in optional:
            raise ParameterError(f, f"is required by kind {kind!r}{where}")
    out = {"kind": kind}
    if kind == "semicircle":
        out["variance"] = _real("variance", r["variance"], where, positive=True)
    elif kind == "marchenko_pastur":
        out["ratio"] = _real("ratio", r["ratio"], where, positive=True)
    elif kind == "free_poisson":
        out["rate"] = _real("rate", r["rate"], where, positive=True)
        out["jump"] = _real("jump", r["jump"], where, nonzero=True)
    elif kind == "atoms":
        points = _real_list("points", r["points"], where)
        weights = _real_list("weights", r["weights"], where)
        if len(points) != len(weights):
            raise ParameterError("weights", f"must have one entry per point{where}; got "
                                            f"{len(weights)} weights for {len(points)} points")
        _check_weights(weights, where)
        out["points"], out["weights"] = tuple(points.tolist()), tuple(weights.tolist())
    elif kind == "affine":
        out["scale"] = _real("scale", r.get("scale", 1.0), where)
        out["shift"] = _real("shift", r.get("shift", 0.0), where)
        out["base"] = _normalize(r["base"], path + "['base']", depth + 1)
    elif kind in ("free_add", "free_mul"):
        out["left"] = _normalize(r["left"], path + "['left']", depth + 1)
        out["right"] = _normalize(r["right"], path + "['right']", depth + 1)
    else:  # inverse
        out["base"] = _normalize(r["base"], path + "['base']", depth + 1)
    return out


def _round_half_up(x):
    return int(math.floor(x + 0.5))


def _gram_size(node, d):
    """Number of rows ``n`` of the Gaussian matrix of a Wishart-type node (validated)."""
    if node["kind"] == "marchenko_pastur":
        name, n = "ratio", _round_half_up(d / node["ratio"])
        rule = f"n = round(d/ratio) = round({d}/{node['ratio']:g})"
    else:
        name, n = "rate", _round_half_up(d * node["rate"])
        rule = f"n = round(rate*d) = round({node['rate']:g}*{d})"
    if n < 1:
        raise ParameterError(name, f"is out of range for d={d}: {rule} = 0 (need n >= 1)")
    if n * d > MAX_ENTRIES:
        raise ParameterError(name, f"is out of range for d={d}: {rule} = {n} makes n*d = {n * d} "
                                   f"> {MAX_ENTRIES:g} entries per draw")
    return n


def _plan(node, d):
    """(cost units per draw in d^3 eigvalsh-equivalents, largest n) of a normalised recipe."""
    kind = node["kind"]
    if kind == "semicircle":
        return 1.0, d
    if kind in ("marchenko_pastur", "free_poisson"):
        n = _gram_size(node, d)
        m = min(n, d)
        return 1.0 * (m / d) ** 3 + 0.5 * n * d * m / d ** 3 + 0.05 * n / d, n
    if kind == "atoms":
        return 0.0, d
    if kind in ("affine", "inverse"):
        return _plan(node["base"], d)
    cl, nl = _plan(node["left"], d)
    cr, nr = _plan(node["right"], d)
    return cl + cr + 5.0, max(nl, nr)  # conservatively: Haar QR + product + eigvalsh


def _check_size(d, seeds, units):
    if d > MAX_D:
        raise ParameterError("d", f"must be <= {MAX_D} (dense eigendecomposition); got {d}")
    if seeds > MAX_SEEDS or seeds * d > MAX_STORED:
        raise ParameterError("seeds", f"is too large: need seeds <= {MAX_SEEDS} and seeds*d <= "
                                      f"{MAX_STORED:g}; got seeds={seeds}, d={d}")
    work = seeds * float(d) ** 3 * max(units, 1e-3)
    if work > MAX_WORK:
        raise ParameterError("d", f"is too large for {seeds} seeds: estimated work seeds*d^3*"
                                  f"{units:.3g} units = {work:.3g} > {MAX_WORK:g} (about a minute);"
                                  f" lower d or seeds")


# ----------------------------------------------------------------------------- realisations

def _eigvalsh(M):
    return np.linalg.eigvalsh(M)


class _Eig:
    """A block of draws known through its sorted eigenvalues only (not orthogonally invariant)."""

    invariant = False

    def __init__(self, eig):
        self._eig = eig

    def eig(self):
        return self._eig

    def factor(self):
        return None

    def affine(self, a, b):
        e = a * self._eig + b
        return _Eig(e[:, ::-1] if a < 0 else e)


class _Matrix:
    """A block of matrices ``c * base + b I`` with ``base`` dense ``(S, d, d)`` or a Gram factor
    ``F`` (``base = F F^T``, ``F`` of shape ``(S, d, k)``)."""

    def __init__(self, d, dense=None, gram=None, scale=1.0, shift=0.0, invariant=True):
        self.d, self._dense, self._gram = d, dense, gram
        self.scale, self.shift, self.invariant = scale, shift, invariant
        self._base_eig = None

    def base_eig(self):
        if self._base_eig is None:
            if self._gram is None:
                self._base_eig = _eigvalsh(self._dense)
            else:
                F = self._gram
                S, d, k = F.shape
                if k < d:
                    e = np.zeros((S, d))
                    e[:, d - k:] = _eigvalsh(np.matmul(F.transpose(0, 2, 1), F))
                    self._base_eig = np.sort(e, axis=1)
                else:
                    self._base_eig = _eigvalsh(np.matmul(F, F.transpose(0, 2, 1)))
        return self._base_eig

    def eig(self):
        e = self.scale * self.base_eig() + self.shift
        return e[:, ::-1] if self.scale < 0 else e

    def dense(self):
        if self._gram is None:
            M = self.scale * self._dense if self.scale != 1.0 else self._dense.copy()
        else:
            M = np.matmul(self._gram, self._gram.transpose(0, 2, 1))
            if self.scale != 1.0:
                M *= self.scale
        if self.shift != 0.0:
            M[:, np.arange(self.d), np.arange(self.d)] += self.shift
        return M

    def factor(self):
        """``G`` with ``c base + b I = G G^T``, when the matrix is a positive Gram matrix."""
        if self._gram is not None and self.shift == 0.0 and self.scale > 0:
            return self._gram * math.sqrt(self.scale) if self.scale != 1.0 else self._gram
        return None

    def affine(self, a, b):
        return _Matrix(self.d, self._dense, self._gram, a * self.scale, a * self.shift + b,
                       self.invariant)


def _normals(rngs, shape):
    Z = np.empty((len(rngs),) + shape)
    for i, rng in enumerate(rngs):
        rng.standard_normal(out=Z[i])
    return Z


def _haar(rngs, d):
    """Haar orthogonal matrices, one per stream: QR of a Gaussian with ``sign(diag R)`` fixed."""
    Q, R = np.linalg.qr(_normals(rngs, (d, d)))
    s = np.sign(np.diagonal(R, axis1=-2, axis2=-1)).copy()
    s[s == 0] = 1.0
    Q *= s[:, None, :]
    return Q


def _conjugated(O, r):
    """``O diag(r) O^T`` for stacked ``O`` ``(S, d, d)`` and ``r`` ``(S, d)``."""
    return np.matmul(O * r[:, None, :], O.transpose(0, 2, 1))


def _add_diag(M, a):
    d = M.shape[-1]
    M[:, np.arange(d), np.arange(d)] += a
    return M


def _sandwich(G, C, d):
    """Eigenvalues (sorted, ``d`` of them) of ``A^{1/2} C A^{1/2}`` for ``A = G G^T``.

    ``G``: ``(S, d, k)`` factor; ``C``: dense ``(S, d, d)`` or diagonal ``(S, d)``.
    """
    S, _, k = G.shape
    if k > d and C.ndim == 2 and np.all(C >= 0):
        # both PSD: same characteristic polynomial as C^{1/2} A C^{1/2} (that of C A)
        root = np.sqrt(C)
        K = np.matmul(G, G.transpose(0, 2, 1))
        K *= root[:, :, None]
        K *= root[:, None, :]
        return _eigvalsh(K)
    if k > d:  # A = T^T T with T the R factor of G^T (d x d)
        G = np.linalg.qr(G.transpose(0, 2, 1), mode="r").transpose(0, 2, 1)
        k = d
    Gt = G.transpose(0, 2, 1)
    K = np.matmul(Gt * C[:, None, :], G) if C.ndim == 2 else np.matmul(Gt, np.matmul(C, G))
    e = _eigvalsh(K)
    if k < d:
        e = np.sort(np.concatenate([np.zeros((S, d - k)), e], axis=1), axis=1)
    return e


def _check_psd(l, where):
    tol = l.shape[1] * _EPS * np.max(np.abs(l), axis=1, initial=0.0)
    if np.any(l[:, 0] < -tol):
        raise ParameterError("left", f"of free_mul must be positive semidefinite{where}; a draw "
                                     f"has the eigenvalue {float(l[:, 0].min()):.6g}")
    return np.clip(l, 0.0, None)


def _realise(node, d, rngs, path="recipe"):
    """Draw one block of the recipe ``node`` (depth first) and return its realisation."""
    kind = node["kind"]
    S = len(rngs)
    where = f" (in {path})"
    if kind == "semicircle":
        G = _normals(rngs, (d, d))
        M = G + G.transpose(0, 2, 1)
        M *= math.sqrt(node["variance"] / (2.0 * d))
        return _Matrix(d, dense=M)
    if kind in ("marchenko_pastur", "free_poisson"):
        n = _gram_size(node, d)
        F = _normals(rngs, (n, d)).transpose(0, 2, 1)
        if kind == "marchenko_pastur":
            return _Matrix(d, gram=F, scale=1.0 / n)
        return _Matrix(d, gram=F, scale=node["jump"] / d)
    if kind == "atoms":
        e = np.sort(_expand(np.asarray(node["points"]), np.asarray(node["weights"]), d))
        return _Eig(np.broadcast_to(e, (S, d)))
    if kind == "affine":
        return _realise(node["base"], d, rngs, path + "['base']").affine(node["scale"],
                                                                           node["shift"])
    if kind == "inverse":
        e = _realise(node["base"], d, rngs, path + "['base']").eig()
        tol = d * _EPS * np.max(np.abs(e), axis=1, initial=0.0)
        if np.any(np.min(np.abs(e), axis=1) <= tol):
            raise ParameterError("base", f"of inverse must be invertible{where}; a draw is "
                                         f"numerically singular (an eigenvalue within {d}*eps*"
                                         f"||M|| of 0)")
        return _Eig(np.sort(1.0 / e, axis=1))
    L = _realise(node["left"], d, rngs, path + "['left']")
    R = _realise(node["right"], d, rngs, path + "['right']")
    if kind == "free_add":
        if L.invariant and R.invariant:
            M = L.dense()
            M += R.dense()
            return _Matrix(d, dense=M)
        if R.invariant:
            return _Eig(_eigvalsh(_add_diag(R.dense(), L.eig())))
        if L.invariant:
            return _Eig(_eigvalsh(_add_diag(L.dense(), R.eig())))
        O = _haar(rngs, d)
        return _Eig(_eigvalsh(_add_diag(_conjugated(O, R.eig()), L.eig())))
    # free_mul: spectrum of A^{1/2} C A^{1/2}, C a realisation of O B O^T
    G = L.factor() if L.invariant or R.invariant else None
    if G is not None:
        C = R.dense() if R.invariant else R.eig()
        return _Eig(_sandwich(G, C, d))
    H = R.factor()
    if H is not None and H.shape[2] < d:
        # a rank-deficient Gram factor on the right (B = H H^T, k < d columns, invariant): the
        # spectrum of A^{1/2} B A^{1/2} is that of B A, i.e. of H^T A H (k x k) plus d - k
        # exact zeros; A enters through its eigenvalues since B is orthogonally invariant
        return _Eig(_sandwich(H, _check_psd(L.eig(), where), d))
    root = np.sqrt(_check_psd(L.eig(), where))
    # (an invariant L without a Gram factor is reduced to its eigenvalues: B is rotated instead)
    C = R.dense() if R.invariant else _conjugated(_haar(rngs, d), R.eig())
    C *= root[:, :, None]
    C *= root[:, None, :]
    return _Eig(_eigvalsh(C))


def _run(node, d, seeds, seed, nmax):
    children = np.random.SeedSequence(seed).spawn(seeds)
    out = np.empty((seeds, d))
    block = max(1, min(seeds, _BLOCK_ENTRIES // (d * max(d, nmax))))
    for lo in range(0, seeds, block):
        hi = min(seeds, lo + block)
        rngs = [np.random.default_rng(c) for c in children[lo:hi]]
        out[lo:hi] = _realise(node, d, rngs).eig()
    return out


def _common(d, seeds, seed):
    d = _as_int("d", d, 1)
    if d > MAX_D:
        raise ParameterError("d", f"must be <= {MAX_D} (dense eigendecomposition); got {d}")
    return d, _as_int("seeds", seeds, 1), _as_int("seed", seed, 0)


# ----------------------------------------------------------------------------- public API

def goe(d, variance=1.0, seeds=8, seed=0):
    r"""Eigenvalues of GOE / Wigner matrices ``M = sqrt(variance/(2d)) (G + G^T)``.

    Off-diagonal entries ``N(0, variance/d)``, diagonal entries ``N(0, 2 variance/d)``; the
    spectrum tends to the semicircle of variance ``variance`` (edges ``+-2 sqrt(variance)``) and
    ``E[(1/d) tr M^2] = variance (1 + 1/d)`` exactly. Returns a ``(seeds, d)`` array, each row
    sorted ascending. Draw ``k`` uses the ``k``-th child of ``SeedSequence(seed)`` and draws
    ``G = rng.standard_normal((d, d))``; ``seeds=4`` gives the first rows of ``seeds=8``.

    >>> e = goe(50, variance=2.0, seeds=3)
    >>> e.shape, bool(np.all(np.diff(e, axis=1) >= 0))
    ((3, 50), True)
    """
    d, seeds, seed = _common(d, seeds, seed)
    node = _normalize({"kind": "semicircle", "variance": variance}, path="goe")
    _check_size(d, seeds, 1.0)
    return _run(node, d, seeds, seed, d)


def _population(population, d):
    where = " (population of wishart)"
    if callable(population):
        try:
            values = population(d)
        except Exception as exc:  # noqa: BLE001 -- report the user's callable failing
            raise ParameterError("population", f"callable failed on d={d}: {exc!r}") from exc
        pop = _real_list("population", values, where)
    else:
        if isinstance(population, (str, bytes, Mapping)):
            raise ParameterError("population", f"must be None, d eigenvalues, (value, weight) "
                                               f"pairs or a callable; got {population!r}")
        try:
            arr = np.asarray(population, dtype=object)
        except (TypeError, ValueError):
            raise ParameterError("population", f"must be None, d eigenvalues, (value, weight) "
                                               f"pairs or a callable; got {population!r}") from None
        if arr.ndim == 2 and arr.shape[1] == 2 and arr.shape[0] >= 1:
            values = _real_list("population", arr[:, 0], where)
            weights = _real_list("population", arr[:, 1], where)
            if np.any(weights < 0) or abs(weights.sum() - 1.0) > 1e-9:
                raise ParameterError("population", f"weights of the (value, weight) pairs must be "
                                                   f">= 0 and sum to 1; got {weights.tolist()}")
            pop = _expand(values, weights, d)
        elif arr.ndim == 1:
            pop = _real_list("population", arr, where)
        else:
            raise ParameterError("population", f"must be a 1-D array of d eigenvalues or a list "
                                               f"of (value, weight) pairs; got shape {arr.shape}")
    if pop.shape != (d,):
        raise ParameterError("population", f"must have d = {d} eigenvalues; got {pop.size}")
    if np.any(pop < 0):
        raise ParameterError("population", "eigenvalues of Sigma must be >= 0")
    return pop


def wishart(d, ratio, population=None, seeds=8, seed=0):
    r"""Eigenvalues of sample covariances ``W = X^T X / n``, rows of ``X`` i.i.d. ``N(0, Sigma)``.

    ``X`` is ``n x d`` with ``n = round(d / ratio)`` (halves round up), so the realised ratio is
    ``d/n``. ``population`` gives the eigenvalues of ``Sigma`` (taken diagonal, which loses no
    generality): ``None`` (identity -> Marchenko--Pastur with ratio ``d/n``), a 1-D array of ``d``
    values ``>= 0``, a list of ``(value, weight)`` pairs (expanded to ``d`` values by the
    largest-remainder rounding of ``weight * d``, in the given order), or a callable
    ``population(d)`` returning ``d`` values. Exact moments: ``E (1/d) tr W = (1/d) tr Sigma``,
    ``E (1/d) tr W^2 = [(tr Sigma)^2 + (n + 1) tr Sigma^2] / (n d)``.

    Returns ``(seeds, d)``, rows sorted ascending; ``d - n`` of them are exact zeros if ``n < d``.
    Draw ``k``: ``Z = rng.standard_normal((n, d))``, ``X = Z * sqrt(population)``.

    >>> e = wishart(40, ratio=2.0, seeds=2)       # n = 20 < d: 20 exact zeros per draw
    >>> int(np.sum(e == 0.0, axis=1)[0])
    20
    """
    d, seeds, seed = _common(d, seeds, seed)
    node = _normalize({"kind": "marchenko_pastur", "ratio": ratio}, path="wishart")
    pop = None if population is None else _population(population, d)
    n = _gram_size(node, d)
    units, _ = _plan(node, d)
    _check_size(d, seeds, units)
    children = np.random.SeedSequence(seed).spawn(seeds)
    out = np.empty((seeds, d))
    block = max(1, min(seeds, _BLOCK_ENTRIES // (d * max(d, n))))
    root = None if pop is None else np.sqrt(pop)
    for lo in range(0, seeds, block):
        hi = min(seeds, lo + block)
        rngs = [np.random.default_rng(c) for c in children[lo:hi]]
        Z = _normals(rngs, (n, d))
        if root is not None:
            Z *= root
        out[lo:hi] = _Matrix(d, gram=Z.transpose(0, 2, 1), scale=1.0 / n,
                             invariant=pop is None).eig()
    return out


def haar_orthogonal(d, seeds=8, seed=0):
    r"""Haar-distributed ``d x d`` orthogonal matrices, shape ``(seeds, d, d)``.

    ``Q diag(sign(diag R))`` with ``Z = Q R`` the QR decomposition of ``Z =
    rng.standard_normal((d, d))`` (Mezzadri 2007); draw ``k`` uses the ``k``-th child of
    ``SeedSequence(seed)``. This is the same draw as the Haar matrix of a ``free_add`` /
    ``free_mul`` of two deterministic (``atoms``) recipes.

    >>> O = haar_orthogonal(5, seeds=2)
    >>> bool(np.allclose(O[1] @ O[1].T, np.eye(5)))
    True
    """
    d, seeds, seed = _common(d, seeds, seed)
    _check_size(d, seeds, 2.5)
    if seeds * d * d > MAX_ENTRIES:
        raise ParameterError("seeds", f"is too large: the output has seeds*d*d = {seeds * d * d} "
                                      f"> {MAX_ENTRIES:g} entries")
    children = np.random.SeedSequence(seed).spawn(seeds)
    out = np.empty((seeds, d, d))
    block = max(1, min(seeds, _BLOCK_ENTRIES // (d * d)))
    for lo in range(0, seeds, block):
        hi = min(seeds, lo + block)
        out[lo:hi] = _haar([np.random.default_rng(c) for c in children[lo:hi]], d)
    return out


class SpectrumSample:
    """Empirical eigenvalues of ``seeds`` independent ``d x d`` draws of a recipe.

    Attributes: ``eigenvalues`` ``(seeds, d)`` (rows sorted ascending), ``recipe`` (the validated
    recipe, numbers as floats), ``d``, ``seeds``, ``seed``.
    """

    def __init__(self, eigenvalues, recipe, d, seeds, seed):
        self.eigenvalues = eigenvalues
        self.recipe = recipe
        self.d, self.seeds, self.seed = d, seeds, seed

    def moment(self, k):
        """``Estimate(mean, stderr, n=seeds)`` of the empirical moment ``(1/d) tr M^k``.

        One sample per draw; ``stderr`` is the standard error over draws (NaN for one seed).
        """
        k = _as_int("k", k, 0)
        m, s = mean_stderr(np.mean(self.eigenvalues ** k, axis=1))
        return Estimate(m, s, self.seeds)

    def ks_distance(self, cdf):
        """Kolmogorov--Smirnov distance ``sup_x |F_N(x) - cdf(x)|`` of the pooled eigenvalues.

        ``F_N`` is the empirical CDF of all ``seeds * d`` eigenvalues pooled. ``cdf`` is a
        (preferably vectorised) callable, right-continuous; its left limits at the eigenvalues
        are taken as ``cdf(nextafter(x, -inf))``, so laws with atoms (and ties) are handled
        exactly. Eigenvalues of one draw are not independent: no p-value is implied.
        """
        if not callable(cdf):
            raise ParameterError("cdf", f"must be a callable x -> CDF(x); got {cdf!r}")
        u, counts = np.unique(self.eigenvalues.ravel(), return_counts=True)
        total = counts.sum()
        above = np.cumsum(counts) / total           # F_N(u)
        below = above - counts / total              # F_N(u-)
        F = self._eval_cdf(cdf, u)
        F_left = self._eval_cdf(cdf, np.nextafter(u, -np.inf))
        return float(max(np.max(np.abs(above - F)), np.max(np.abs(below - F_left))))

    @staticmethod
    def _eval_cdf(cdf, x):
        try:
            with np.errstate(all="ignore"):
                v = np.asarray(cdf(x), dtype=float)
            if v.shape != x.shape:
                raise ValueError
        except Exception:  # noqa: BLE001 -- fall back to a scalar callable
            try:
                v = np.array([float(cdf(float(t))) for t in x])
            except Exception as exc:  # noqa: BLE001
                raise ParameterError("cdf", f"could not be evaluated: {exc!r}") from exc
        if not np.all(np.isfinite(v)) or np.any(v < -1e-12) or np.any(v > 1 + 1e-12):
            raise ParameterError("cdf", "must return values in [0, 1]")
        return v

    def histogram(self, bins=50, range=None):  # noqa: A002 -- numpy's name
        """``(density, edges)`` of the pooled eigenvalues: ``counts / (seeds * d * width)``.

        Normalised by *all* eigenvalues, so it estimates the law's density even when ``range``
        leaves out part of the mass (e.g. an atom); ``bins``/``range`` as in ``numpy.histogram``.
        """
        x = self.eigenvalues.ravel()
        try:
            counts, edges = np.histogram(x, bins=bins, range=range)
        except (TypeError, ValueError) as exc:
            raise ParameterError("bins", f"invalid histogram bins/range: {exc}") from None
        return counts / (x.size * np.diff(edges)), edges

    def __repr__(self):
        return (f"SpectrumSample({self.recipe['kind']}, d={self.d}, seeds={self.seeds}, "
                f"seed={self.seed})")


def spectrum(recipe, d=2000, seeds=8, seed=0):
    r"""Empirical spectrum of the random matrix described by ``recipe`` (see the module docstring).

    ``recipe`` is a dict (or any object whose ``.ensemble`` is one; sub-recipes likewise); numbers
    may be SymPy numbers (converted with ``float``):

    - ``{"kind": "semicircle", "variance": v}`` -- GOE (:func:`goe`), ``v > 0``;
    - ``{"kind": "marchenko_pastur", "ratio": q}`` -- ``X^T X / n``, ``n = round(d/q)``;
    - ``{"kind": "atoms", "points": [...], "weights": [...]}`` -- deterministic diagonal, point
      ``j`` repeated ``round(w_j d)`` times (largest remainder, total ``d``), weights >= 0 summing
      to 1;
    - ``{"kind": "free_poisson", "rate": r, "jump": a}`` -- ``a X^T X / d``, ``X`` ``n x d``
      standard Gaussian, ``n = round(r d)``: ``r a`` times a Marchenko--Pastur matrix of ratio
      ``1/r``, limit R-transform ``r a / (1 - a w)``;
    - ``{"kind": "affine", "scale": a, "shift": b, "base": recipe}`` -- ``a M + b I`` (defaults
      ``a = 1``, ``b = 0``);
    - ``{"kind": "free_add", "left": A, "right": B}`` -- ``A + O B O^T``;
    - ``{"kind": "free_mul", "left": A, "right": B}`` -- ``A^{1/2} O B O^T A^{1/2}``, ``A`` PSD;
    - ``{"kind": "inverse", "base": recipe}`` -- ``M^{-1}``.

    ``O`` is Haar orthogonal, all factors independent. Unknown keys are refused.

    Returns a :class:`SpectrumSample` (``eigenvalues`` of shape ``(seeds, d)``, ``moment``,
    ``ks_distance``, ``histogram``). Draw ``k`` uses the ``k``-th child of ``SeedSequence(seed)``.

    >>> s = spectrum({"kind": "free_add", "left": {"kind": "semicircle", "variance": 1},
    ...               "right": {"kind": "atoms", "points": [-1, 1], "weights": [0.5, 0.5]}},
    ...              d=200, seeds=4)
    >>> s.eigenvalues.shape
    (4, 200)
    >>> m = s.moment(2); bool(abs(m.mean - 2.0) < 0.1)
    True
    """
    d, seeds, seed = _common(d, seeds, seed)
    node = _normalize(recipe)
    units, nmax = _plan(node, d)
    _check_size(d, seeds, units)
    return SpectrumSample(_run(node, d, seeds, seed, nmax), node, d, seeds, seed)
