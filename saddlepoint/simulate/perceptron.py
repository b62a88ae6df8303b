r"""Finite-size simulations of the perceptron: storage capacity and teacher--student learning.

Written from the models' definitions only; nothing here imports ``saddlepoint.derivations`` or
``saddlepoint.solvers``. References: Gardner (1988), *The space of interactions in neural network
models*, J. Phys. A 21, 257 (spherical capacity with margin); Krauth & Mézard (1989), *Storage
capacity of memory networks with binary couplings*, J. Phys. France 50, 3057 (Ising weights);
Cover (1965), *Geometrical and statistical properties of systems of linear inequalities*, IEEE
Trans. Electron. Comput. 14, 326 (function counting); Engel & Van den Broeck (2001), *Statistical
Mechanics of Learning*, Cambridge UP, chapters 2--4 and 6 (teacher--student perceptron: Gibbs,
Bayes, maximal stability); Lawson & Hanson (1974), *Solving Least Squares Problems*, ch. 23
(least-distance programming by non-negative least squares).

Conventions (Engel & Van den Broeck's)
--------------------------------------
* ``N`` inputs, ``P = round(alpha * N)`` patterns; ``alpha = P/N`` is the load.
* Patterns ``xi_mu ~ N(0, I_N)`` (Gaussian; the capacity is universal, and with Gaussian patterns
  ties ``w . xi = 0`` have probability zero); labels ``y_mu = +-1`` with probability 1/2 each
  (storage problem) or ``y_mu = sign(w* . xi_mu)`` (teacher--student).
* Weights on the sphere ``|w|^2 = N`` (spherical) or ``w in {-1, +1}^N`` (Ising, so again
  ``|w|^2 = N``). The **stability** of pattern ``mu`` is ``Delta_mu = y_mu w . xi_mu / sqrt(N)``;
  ``w`` stores the patterns with margin ``kappa`` if ``Delta_mu >= kappa`` for every ``mu``.

Random numbers
--------------
``seed`` seeds ``numpy.random.SeedSequence(seed)``, spawned into one child per seed index; seed
index ``k`` always uses child ``k``, so ``seeds=4`` reproduces the first 4 draws of ``seeds=8``.

* Storage problem (:func:`perceptron_capacity`, :func:`perceptron_critical_load`):
  ``pattern_ss, label_ss = child.spawn(2)``; the patterns are the rows of
  ``default_rng(pattern_ss).standard_normal((P, N))`` and the labels
  ``where(default_rng(label_ss).random(P) < 0.5, +1, -1)``. Patterns of one seed are therefore
  *nested*: the first ``P`` patterns of a larger load are the patterns of the smaller load (and
  the spherical and Ising versions see the same patterns).
* Teacher--student (:func:`teacher_student_perceptron`): ``child.spawn(4)`` gives the streams of
  the teacher direction, the training inputs, the test inputs and the Monte Carlo moves.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from scipy.optimize import linprog, nnls

from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.simulate._checks import as_int as _as_int, as_nonnegative_grid, as_real
from saddlepoint.simulate._stats import SimulationResult

__all__ = ["perceptron_capacity", "perceptron_critical_load", "capacity_crossing", "CapacityCrossing",
           "max_stability", "MaxStability", "teacher_student_perceptron", "gibbs_version_space",
           "MAX_ISING_N"]

MAX_ISING_N = 20          # exact enumeration visits 2^N weight vectors
_MAX_N = 2000             # dense LP / NNLS per pattern set
_ENUM_BLOCK = 1 << 15     # weight vectors per enumeration block


# ----------------------------------------------------------------------------- argument checks





def _as_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(name, f"must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _children(seed, seeds):
    seeds = _as_int("seeds", seeds, 1)
    seed = _as_int("seed", seed, 0)
    return seeds, seed, np.random.SeedSequence(seed).spawn(seeds)


# ----------------------------------------------------------------------------- pattern streams

class _PatternStream:
    """The nested Gaussian patterns and random labels of one seed, drawn on demand.

    Rows are drawn from their own generator in chunks; consecutive draws of a NumPy ``Generator``
    concatenate exactly, so the first ``P`` rows never depend on how many are drawn later.
    """

    def __init__(self, child, N):
        pat, lab = child.spawn(2)
        self._rng_pat = np.random.default_rng(pat)
        self._rng_lab = np.random.default_rng(lab)
        self.N = N
        self.xi = np.empty((0, N))
        self.y = np.empty(0)

    def signed(self, P):
        """``z_mu = y_mu xi_mu`` for the first ``P`` patterns, shape ``(P, N)``."""
        have = self.xi.shape[0]
        if P > have:
            extra = max(P - have, have)  # amortised doubling
            self.xi = np.concatenate([self.xi, self._rng_pat.standard_normal((extra, self.N))])
            self.y = np.concatenate([self.y, np.where(self._rng_lab.random(extra) < 0.5, 1.0, -1.0)])
        return self.xi[:P] * self.y[:P, None]


# ----------------------------------------------------------------------------- spherical feasibility

def _lp_separable(Z):
    """Margin 0: is there ``w`` with ``z_mu . w > 0`` for all ``mu``? (HiGHS linear program).

    Solved as the bounded LP ``max t`` s.t. ``Z w >= t``, ``-1 <= w_i <= 1``, ``t <= 1`` (always
    feasible and bounded, which HiGHS handles more robustly than the bare feasibility problem
    ``Z w >= 1``); the patterns are strictly separable iff ``t* > 0``. For Gaussian patterns
    (general position) the closed cone ``{Z w >= 0}`` is either ``{0}`` or has an interior, so this
    is also whether some ``|w|^2 = N`` has all stabilities ``>= 0``. When ``|t*|`` is within
    ``1e-7`` of 0 (HiGHS's feasibility tolerance) or HiGHS does not report optimality, the exact
    least-distance program (:func:`_ldp`, NNLS) decides.
    """
    P, N = Z.shape
    if P == 0:
        return True
    cost = np.zeros(N + 1)
    cost[-1] = -1.0
    A = np.hstack([-Z, np.ones((P, 1))])
    bounds = [(-1.0, 1.0)] * N + [(None, 1.0)]
    res = linprog(cost, A_ub=A, b_ub=np.zeros(P), bounds=bounds, method="highs")
    if res.status == 0 and abs(res.x[-1]) > 1e-7:
        return bool(res.x[-1] > 0)
    return _ldp(Z) is not None


class MaxStability(NamedTuple):
    """Maximal-stability (hard-margin, no bias) perceptron of one pattern set.

    ``weights``: the optimal ``w`` with ``|w|^2 = N``; ``kappa``: its margin
    ``min_mu y_mu w . xi_mu / sqrt(N)``; ``stabilities``: all ``y_mu w . xi_mu / sqrt(N)``;
    ``multipliers``: the Lagrange multipliers ``a_mu >= 0`` of ``min |v|^2/2`` s.t.
    ``y_mu v . xi_mu >= 1``, whose solution is ``v = sum_mu a_mu y_mu xi_mu = w / (kappa sqrt(N))``.
    """

    weights: np.ndarray
    kappa: float
    stabilities: np.ndarray
    multipliers: np.ndarray


def _ldp(Z):
    """Least-distance program ``min |v|`` s.t. ``Z v >= 1`` by NNLS (Lawson & Hanson, ch. 23).

    With ``E = [Z^T; 1^T]`` and ``f = e_{N+1}``, solve ``min_{u >= 0} |E u - f|`` and set
    ``r = E u - f``; the program is infeasible iff ``r = 0``, else ``v = -r[:N]/r[N]`` and the
    multipliers are ``a = u / (1 - 1^T u)``. Returns ``(v, a)`` or ``None`` when infeasible.
    """
    P, N = Z.shape
    E = np.vstack([Z.T, np.ones((1, P))])
    f = np.zeros(N + 1)
    f[-1] = 1.0
    u, resid = nnls(E, f, maxiter=max(100, 30 * P))
    r = E @ u - f
    # r[N] = 1^T u - 1 is bounded away from 0 on feasible problems (|r|^2 = -r[N] at the optimum)
    if resid <= 1e-9 or r[-1] > -1e-12:
        return None
    scale = -r[-1]
    return -r[:N] / r[-1], u / scale


def max_stability(patterns, labels):
    r"""The maximal-stability perceptron (hard-margin SVM without bias) of a separable pattern set.

    Solves ``kappa_max = max_{|w|^2 = N} min_mu y_mu w . xi_mu / sqrt(N)`` (Gardner 1988;
    Krauth & Mézard 1987, *Learning algorithms with optimal stability in neural networks*;
    Engel & Van den Broeck 2001, sec. 3.5) through the equivalent quadratic program
    ``min |v|^2 / 2`` subject to ``y_mu v . xi_mu >= 1``: its solution gives
    ``w = sqrt(N) v / |v|`` and ``kappa_max = 1 / |v|``. The QP is a least-distance program,
    solved exactly (finite active-set termination) by non-negative least squares (Lawson & Hanson
    1974, ch. 23; ``scipy.optimize.nnls``), which also returns its Lagrange multipliers; the KKT
    conditions are ``a >= 0``, ``v = sum_mu a_mu y_mu xi_mu``, ``y_mu v . xi_mu >= 1`` and
    ``a_mu (y_mu v . xi_mu - 1) = 0``.

    Parameters
    ----------
    patterns
        array ``(P, N)`` of inputs ``xi_mu`` (any real distribution), ``P >= 1``.
    labels
        array ``(P,)`` of labels ``+-1``.

    Returns
    -------
    MaxStability
        ``(weights, kappa, stabilities, multipliers)``.

    Raises
    ------
    ParameterError
        naming ``patterns`` or ``labels`` for bad shapes or values, and ``labels`` when the pattern
        set is not linearly separable through the origin (no positive margin exists).

    Examples
    --------
    >>> xi = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> sol = max_stability(xi, np.array([1.0, 1.0]))
    >>> round(sol.kappa, 12), np.round(sol.weights, 12).tolist()    # |w|^2 = N = 2; stabilities 1/sqrt(2)
    (0.707106781187, [1.0, 1.0])
    """
    xi = np.asarray(patterns, dtype=float)
    if xi.ndim != 2 or xi.shape[0] < 1 or xi.shape[1] < 1 or not np.all(np.isfinite(xi)):
        raise ParameterError("patterns", f"must be a finite (P, N) array with P, N >= 1; got shape "
                             f"{xi.shape}")
    y = np.asarray(labels, dtype=float)
    if y.shape != (xi.shape[0],) or not np.all(np.abs(y) == 1):
        raise ParameterError("labels", f"must be a ({xi.shape[0]},) array of +-1")
    P, N = xi.shape
    if N > _MAX_N:
        raise ParameterError("patterns", f"must have N <= {_MAX_N} columns; got {N}")
    Z = xi * y[:, None]
    out = _ldp(Z)
    if out is None:
        raise ParameterError("labels", "the patterns are not linearly separable through the origin "
                             "with these labels (no positive margin)")
    v, a = out
    norm = float(np.linalg.norm(v))
    w = math.sqrt(N) * v / norm
    return MaxStability(w, 1.0 / norm, Z @ w / math.sqrt(N), a)


def _spherical_storable(Z, margin):
    """Can the rows of ``Z = y xi`` be stored with stabilities >= margin at ``|w|^2 = N``?

    Margin 0: LP feasibility (:func:`_lp_separable`). Margin > 0: the constraint set
    ``{|w|^2 = N, Z w / sqrt(N) >= margin}`` is non-empty iff the convex set
    ``{|w|^2 <= N, Z w / sqrt(N) >= margin}`` is (scale an interior ``w`` up to the sphere: the
    stabilities only grow), iff the maximal stability ``kappa_max = 1/|v|`` of the least-distance
    program is ``>= margin``.
    """
    if Z.shape[0] == 0:
        return True
    if margin == 0.0:
        return _lp_separable(Z)
    out = _ldp(Z)
    return out is not None and 1.0 / np.linalg.norm(out[0]) >= margin


def _bisect_P(stream, storable, lo, P_max):
    """Largest ``P`` in ``[lo, P_max]`` with ``storable(first P patterns)``; ``lo`` is storable."""
    if storable(stream.signed(P_max)):
        return P_max
    hi = P_max                                          # not storable
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if storable(stream.signed(mid)):
            lo = mid
        else:
            hi = mid
    return lo


def _critical_P(stream, margin, P_max):
    """Largest ``P <= P_max`` whose first ``P`` patterns are storable (nested, so monotone in P).

    At margin 0 the bisection runs on the exact least-distance program (NNLS, ~10x cheaper than
    the LP) and its answer ``P_c`` is then certified by the HiGHS LP at ``P_c`` (storable) and
    ``P_c + 1`` (not storable), which fixes ``P_c`` by monotonicity; should the LP disagree, the
    bisection is redone with the LP alone.
    """
    if margin != 0.0:
        return _bisect_P(stream, lambda Z: _spherical_storable(Z, margin), 0, P_max)
    # P <= N patterns in general position are always separable at margin 0 (Cover 1965)
    lo = min(stream.N, P_max)
    candidate = _bisect_P(stream, lambda Z: _ldp(Z) is not None, lo, P_max)
    if _lp_separable(stream.signed(candidate)) and (
            candidate == P_max or not _lp_separable(stream.signed(candidate + 1))):
        return candidate
    return _bisect_P(stream, _lp_separable, lo, P_max)


# ----------------------------------------------------------------------------- Ising enumeration

def _ising_counts(Z, margin):
    """Number of ``w in {+-1}^N`` storing the first ``P`` rows of ``Z``, for every ``P = 0..P_max``.

    Enumerates the ``2^N`` weight vectors in blocks; for each the index of its first violated
    pattern (``P_max`` if none) is histogrammed, and ``count(P) = #{first violation >= P}``.
    """
    P_max, N = Z.shape
    threshold = margin * math.sqrt(N)
    hist = np.zeros(P_max + 1, dtype=np.int64)
    bits = np.arange(N, dtype=np.int64)
    total = 1 << N
    for lo in range(0, total, _ENUM_BLOCK):
        idx = np.arange(lo, min(total, lo + _ENUM_BLOCK), dtype=np.int64)
        W = 1.0 - 2.0 * ((idx[:, None] >> bits) & 1)
        bad = (W @ Z.T) < threshold if P_max else np.zeros((idx.size, 0), dtype=bool)
        first = np.where(bad.any(axis=1), bad.argmax(axis=1), P_max) if P_max else np.zeros(idx.size, int)
        hist += np.bincount(first, minlength=P_max + 1)
    return np.cumsum(hist[::-1])[::-1]          # count(P) = sum_{f >= P} hist[f]


# ----------------------------------------------------------------------------- binary teacher--student

_MAX_BINARY_TS_N = 24     # exact enumeration of the 2^N binary students
_LOW_BITS = 12            # the weight index is split into low and high bits (see _version_space_sums)
_DENSE_PATTERNS = 8       # patterns tested on the dense grid before the survivors are gathered


@functools.lru_cache(maxsize=None)
def _sign_table(bits):
    """All ``2^bits`` vectors of ``{+-1}^bits``, row ``k`` having ``1 - 2 * bit_i(k)`` (read-only)."""
    idx = np.arange(1 << bits, dtype=np.int64)
    table = 1.0 - 2.0 * ((idx[:, None] >> np.arange(bits, dtype=np.int64)) & 1)
    table.flags.writeable = False
    return table


def _version_space_sums(Z):
    """Exact ``(|V|, sum_{w in V} w)`` for ``V = {w in {+-1}^N : Z w > 0 componentwise}``.

    ``Z``: ``(P, N)``, row ``mu`` is ``y_mu x_mu``. Weight vector number ``k`` (``0 <= k < 2^N``)
    has ``w_i = 1 - 2 * bit_i(k)``, the enumeration order of :func:`_ising_counts`. Its index is
    split into ``L = min(ceil(N/2), 12)`` low and ``N - L`` high bits, ``w = (w_low, w_high)``, so every
    field ``Z w = Z_low w_low + Z_high w_high`` is the sum of two precomputed tables (``2^L`` and
    ``2^(N-L)`` rows) instead of a fresh ``N``-term product. For a block of high halves the first
    (up to) ``_DENSE_PATTERNS`` patterns are tested on the dense ``(block, 2^L)`` grid; the
    surviving pairs are then tested one pattern at a time, so the work falls geometrically with
    ``P`` once few students survive. The sum of
    ``w`` over ``V`` follows from how often each low and each high half occurs in ``V``.
    """
    P, N = Z.shape
    L = min((N + 1) // 2, _LOW_BITS)
    H = N - L
    W_lo, W_hi = _sign_table(L), _sign_table(H)
    if P == 0:
        return 1 << N, np.zeros(N)
    F_lo = np.ascontiguousarray((W_lo @ Z[:, :L].T).T)         # (P, 2^L)
    F_hi = np.ascontiguousarray((W_hi @ Z[:, L:].T).T)         # (P, 2^H)
    G_hi = -F_hi                                               # field > 0  <=>  F_lo > -F_hi
    seen_lo = np.zeros(1 << L, dtype=np.int64)
    seen_hi = np.zeros(1 << H, dtype=np.int64)
    block = max(1, _ENUM_BLOCK * 8 >> L)
    for start in range(0, 1 << H, block):
        hi = np.arange(start, min(1 << H, start + block), dtype=np.int64)
        ok = F_lo[0][None, :] > G_hi[0, hi][:, None]
        for mu in range(1, min(P, _DENSE_PATTERNS)):
            ok &= F_lo[mu][None, :] > G_hi[mu, hi][:, None]
        j, l = np.nonzero(ok)
        j = hi[j]
        for mu in range(min(P, _DENSE_PATTERNS), P):
            if j.size == 0:
                break
            keep = F_hi[mu, j] + F_lo[mu, l] > 0
            j, l = j[keep], l[keep]
        seen_hi += np.bincount(j, minlength=1 << H)
        seen_lo += np.bincount(l, minlength=1 << L)
    count = int(seen_lo.sum())
    wsum = np.concatenate([W_lo.T @ seen_lo, W_hi.T @ seen_hi])
    return count, wsum


def binary_teacher_student(alpha, N, seeds=64, seed=0):
    r"""Bayes-optimal teacher--student perceptron with binary weights, by exact enumeration.

    Model (Gardner & Derrida 1989, *Three unfinished works on the optimal storage capacity of
    networks*, J. Phys. A 22, 1983; Györgyi 1990, *First-order transition to perfect
    generalization in a neural network with binary synapses*, Phys. Rev. A 41, 7097; Barbier,
    Krzakala, Macris, Miolane & Zdeborová 2019, *Optimal errors and phase transitions in
    high-dimensional generalized linear models*, PNAS 116, 5451): teacher ``w*`` uniform in
    ``{+-1}^N``; ``P = alpha N`` inputs ``x_mu`` with i.i.d. ``N(0, 1)`` entries; labels
    ``y_mu = sign(w* . x_mu)``. With the matched uniform prior on ``{+-1}^N`` the Bayes posterior
    is uniform on the version space ``V = {w in {+-1}^N : sign(w . x_mu) = y_mu for all mu}``
    (``w*`` is in ``V``, so ``|V| >= 1``; ties ``w . x_mu = 0`` have probability zero).

    The teacher is fixed to ``w* = (1, ..., 1)``. This loses nothing: the gauge map
    ``w_i -> s_i w_i``, ``x_{mu i} -> s_i x_{mu i}`` (``s in {+-1}^N``) leaves every product
    ``w . x_mu``, the prior and the Gaussian input law unchanged and maps the teacher ``s`` to
    ``(1, ..., 1)``, so every quantity below has the same law for every teacher.

    Every one of the ``2^N`` students is tested exactly (``N <= 24``; blocks as in the Ising
    capacity enumeration, with the fields split into two precomputed half-sums; measured about
    3-6 ms per instance at ``N = 20`` and 60 ms at ``N = 24``).

    Observables (per instance; mean and standard error over instances)
    ------------------------------------------------------------------
    ``free_entropy``
        ``(1/N) ln(|V| / 2^N)``: the normalised log evidence ``(1/N) ln P(y | X)`` of the labels
        (each ``w`` of the prior explains them with probability 1 or 0). It is ``0`` at
        ``alpha = 0``, ``<= 0`` always, and ``-ln 2`` exactly when ``V = {w*}``.
    ``q``
        ``(1/|V|) sum_{w in V} w . w* / N``: the mean teacher overlap of a posterior sample.
    ``q_pair``
        ``|sum_{w in V} w|^2 / (N |V|^2)``: the overlap of two independent posterior samples
        (equivalently the squared norm of the posterior mean over ``N``). In this matched
        setting the teacher is itself a posterior sample, so ``E[q_pair] = E[q]`` exactly at
        every ``N`` (the Nishimori identity) -- a check of the enumeration.
    ``solutions``
        ``|V|``.

    Random numbers
    --------------
    ``numpy.random.SeedSequence(seed)`` is spawned into one child per instance; instance ``k``
    draws its inputs as ``default_rng(child_k).standard_normal((P, N))``, so ``seeds=4``
    reproduces the first 4 instances of ``seeds=8``.

    Parameters
    ----------
    alpha
        load ``P/N >= 0``; ``alpha * N`` must be an integer (no rounding of the load).
    N
        number of inputs, ``2 <= N <= 24``.
    seeds, seed
        number of independent instances and the root seed.

    Returns
    -------
    SimulationResult
        observables ``free_entropy, q, q_pair, solutions``; ``parameters`` holds
        ``alpha, P, N, seeds, seed``.

    Raises
    ------
    ParameterError
        naming ``alpha`` (negative, or ``alpha * N`` not an integer, or too large), ``N``,
        ``seeds`` or ``seed``.

    Examples
    --------
    >>> res = binary_teacher_student(0.0, 6, seeds=2)            # no data: V is all of {+-1}^N
    >>> float(res.free_entropy.mean), float(res.q.mean)
    (0.0, 0.0)
    >>> res = binary_teacher_student(4.0, 8, seeds=4)
    >>> bool(np.all(res.samples["solutions"] >= 1)), bool(res.q.mean > 0.5)
    (True, True)
    """
    alpha = as_real("alpha", alpha, 0.0)
    N = _as_int("N", N, 2, _MAX_BINARY_TS_N)
    seeds, seed, children = _children(seed, seeds)
    P = int(round(alpha * N))
    if abs(alpha * N - P) > 1e-9 * max(1.0, alpha * N):
        raise ParameterError("alpha", f"must make P = alpha * N an integer; got alpha = {alpha!r} "
                             f"with N = {N} (alpha * N = {alpha * N!r})")
    if P > 50 * N + 1000:
        raise ParameterError("alpha", f"is too large: P = {P} patterns for N = {N} (at most 50 N + 1000)")
    free_entropy = np.empty(seeds)
    q = np.empty(seeds)
    q_pair = np.empty(seeds)
    solutions = np.empty(seeds)
    for k, child in enumerate(children):
        x = np.random.default_rng(child).standard_normal((P, N))
        y = np.sign(x.sum(axis=1))                  # teacher w* = (1, ..., 1)
        y[y == 0] = 1.0
        count, wsum = _version_space_sums(x * y[:, None])
        if count < 1:                               # w* itself is in V
            raise ConvergenceError("the enumerated version space misses the teacher (rounding)",
                                   point={"alpha": alpha, "N": N, "seed_index": k})
        solutions[k] = count
        free_entropy[k] = math.log(count) / N - math.log(2.0)
        q[k] = float(wsum.sum()) / (N * count)
        q_pair[k] = float(wsum @ wsum) / (N * count * count)
    return SimulationResult({"free_entropy": free_entropy, "q": q, "q_pair": q_pair, "solutions": solutions},
                            {"alpha": alpha, "P": P, "N": N, "seeds": seeds, "seed": seed},
                            model="binary teacher-student perceptron (Bayes)")


# ----------------------------------------------------------------------------- capacity

def perceptron_capacity(alpha, N, margin=0.0, weights="spherical", seeds=64, seed=0):
    r"""Probability that ``P = round(alpha N)`` random patterns can be stored with margin ``margin``.

    Storage problem (Gardner 1988; Engel & Van den Broeck 2001, ch. 6): patterns
    ``xi_mu ~ N(0, I_N)`` with random labels ``y_mu = +-1``; the instance is *feasible* if some
    ``w`` with ``|w|^2 = N`` stores every pattern with stability ``y_mu w . xi_mu / sqrt(N) >= margin``.

    * ``weights="spherical"``: margin 0 is an LP feasibility problem (``scipy.optimize.linprog``,
      HiGHS) -- homogeneous constraints, so "``y_mu w . xi_mu > 0`` for all ``mu``" is
      ``Z w >= 1`` after rescaling. (The bisection over ``P`` is steered by the cheaper exact
      least-distance QP below, and its answer certified by the LP at ``P_c`` and ``P_c + 1``.)
      For ``margin > 0`` the sphere is not convex, but storing on the
      sphere is equivalent to storing in the ball ``|w|^2 <= N`` (scaling ``w`` up only raises
      positive stabilities), and that holds iff the **maximal stability** ``kappa_max`` (the
      hard-margin SVM without bias, :func:`max_stability`, solved as a least-distance QP by
      NNLS) is ``>= margin``. As ``N -> oo`` the feasible fraction jumps from 1 to 0 at Gardner's
      ``alpha_c(kappa)``, 2 at ``kappa = 0``; at finite ``N`` and margin 0 it is exactly Cover's
      (1965) ``C(P, N)/2^P = 2^(1-P) sum_{k<N} binom(P-1, k)`` (Gaussian patterns are in general
      position).
    * ``weights="ising"``: ``w in {-1, +1}^N`` (Krauth & Mézard 1989), by exact enumeration of the
      ``2^N`` weight vectors (``N <= 20``; about a second per instance at ``N = 20``). Also
      returns the number of solutions and the entropy.

    Patterns are nested within a seed (the first ``P`` patterns at a larger ``alpha`` are those of a
    smaller one), so feasibility is monotone in ``alpha`` per seed and the whole ``alpha`` grid
    costs one bisection over ``P`` per seed (spherical) or one enumeration (Ising).

    Parameters
    ----------
    alpha
        load(s) ``P/N >= 0``: a scalar or 1-d array.
    N
        number of inputs (integer ``>= 1``; ``<= 2000`` spherical, ``<= 20`` Ising).
    margin
        required stability ``kappa >= 0`` (normalised by ``sqrt(N)`` as above).
    weights
        ``"spherical"`` or ``"ising"``.
    seeds, seed
        number of independent instances and the root seed (see the module docstring).

    Returns
    -------
    SimulationResult
        ``feasible``: the fraction of feasible instances (per-seed samples 0/1) at each ``alpha``;
        for Ising weights also ``solutions``, the number of ``w in {+-1}^N`` storing the patterns
        (its exact mean is ``2^N H(margin)^P`` with ``H(x) = P(N(0,1) >= x)``, because
        ``w . xi / sqrt(N) ~ N(0, 1)`` for every fixed ``w``), and ``entropy``
        ``= (1/N) ln(solutions)``, which is ``-inf`` for an instance without solutions (its
        mean is then ``-inf`` and its standard error NaN: the quenched entropy is finite only
        where every instance is feasible). ``parameters`` holds ``alpha, P, N, margin, weights,
        seeds, seed``.

    Raises
    ------
    ParameterError
        naming ``alpha``, ``N``, ``margin``, ``weights``, ``seeds`` or ``seed``.

    Examples
    --------
    >>> res = perceptron_capacity([0.5, 4.0], N=10, seeds=8)
    >>> res.feasible.mean.tolist()        # P <= N is always separable; P = 4N essentially never
    [1.0, 0.0]
    >>> ising = perceptron_capacity(0.0, N=6, weights="ising", seeds=2)
    >>> ising.solutions.mean.tolist(), round(float(ising.entropy.mean), 6)    # no pattern: all 2^6
    (64.0, 0.693147)
    """
    weights = _as_choice("weights", weights, ("spherical", "ising"))
    alphas = as_nonnegative_grid("alpha", alpha, one_dimensional=True)
    N = _as_int("N", N, 1, MAX_ISING_N if weights == "ising" else _MAX_N)
    margin = as_real("margin", margin, 0.0)
    seeds, seed, children = _children(seed, seeds)
    P_grid = np.rint(alphas * N).astype(np.int64)
    P_max = int(P_grid.max())
    if P_max > 50 * N + 1000:
        raise ParameterError("alpha", f"is too large: P = {P_max} patterns for N = {N} (at most 50 N + 1000)")
    flat = P_grid.ravel()
    feasible = np.empty((seeds, flat.size))
    if weights == "spherical":
        for k, child in enumerate(children):
            P_c = _critical_P(_PatternStream(child, N), margin, P_max)
            feasible[k] = flat <= P_c
        samples = {"feasible": feasible}
    else:
        solutions = np.empty((seeds, flat.size))
        for k, child in enumerate(children):
            counts = _ising_counts(_PatternStream(child, N).signed(P_max), margin)
            solutions[k] = counts[flat]
        feasible[:] = solutions > 0
        with np.errstate(divide="ignore"):
            entropy = np.log(solutions) / N
        samples = {"feasible": feasible, "solutions": solutions, "entropy": entropy}
    shape = alphas.shape
    samples = {k: v.reshape((seeds,) + shape) for k, v in samples.items()}
    parameters = {"alpha": float(alphas) if alphas.ndim == 0 else alphas.copy(),
                  "P": int(P_grid) if P_grid.ndim == 0 else P_grid.copy(),
                  "N": N, "margin": margin, "weights": weights, "seeds": seeds, "seed": seed}
    with np.errstate(invalid="ignore"):         # the documented NaN stderr of an -inf entropy
        return SimulationResult(samples, parameters, model="perceptron capacity")


def perceptron_critical_load(N, margin=0.0, seeds=64, seed=0):
    r"""Per-instance critical load ``alpha_c = P_c / N`` of the spherical perceptron.

    For each seed, patterns ``xi_mu ~ N(0, I_N)`` with random labels ``+-1`` are added one at a
    time (nested, as in :func:`perceptron_capacity`, whose seeds it shares); ``P_c`` is the largest
    number of them that a ``w`` with ``|w|^2 = N`` stores with stabilities
    ``y_mu w . xi_mu / sqrt(N) >= margin`` (found by doubling then bisection over ``P``).

    At margin 0, Cover's (1965) counting makes ``P_c`` exactly negative binomial: ``P_c >= P`` iff
    ``Binomial(P - 1, 1/2) <= N - 1``, i.e. ``P_c`` is the trial of the ``N``-th success of a fair
    coin, so ``E[P_c] = 2N`` and ``Var[P_c] = 2N`` at every ``N`` (the finite-size counterpart of
    Gardner's ``alpha_c = 2``).

    Returns
    -------
    SimulationResult
        ``critical_load``: ``P_c / N`` (mean and standard error over seeds); ``parameters`` holds
        ``N, margin, seeds, seed``.

    Examples
    --------
    >>> res = perceptron_critical_load(N=8, seeds=4)
    >>> bool(all(res.samples["critical_load"] >= 1.0))     # P <= N is always storable at margin 0
    True
    """
    N = _as_int("N", N, 1, _MAX_N)
    margin = as_real("margin", margin, 0.0)
    seeds, seed, children = _children(seed, seeds)
    load = np.empty(seeds)
    for k, child in enumerate(children):
        stream = _PatternStream(child, N)
        P_hi = 2 * N + 8
        while True:
            P_c = _critical_P(stream, margin, P_hi)
            if P_c < P_hi:
                break
            if P_hi > 50 * N + 1000:
                raise ConvergenceError("the critical load search did not find an unstorable load",
                                       point={"N": N, "margin": margin, "seed_index": k},
                                       iterations=P_hi)
            P_hi *= 2
        load[k] = P_c / N
    return SimulationResult({"critical_load": load},
                            {"N": N, "margin": margin, "seeds": seeds, "seed": seed},
                            model="perceptron critical load")


def _half_crossing(grid, f):
    """Linear interpolation of the first downward crossing of 1/2 (clipped to the grid ends)."""
    below = np.nonzero(f < 0.5)[0]
    if below.size == 0:
        return float(grid[-1])
    j = int(below[0])
    if j == 0:
        return float(grid[0])
    a0, a1, f0, f1 = grid[j - 1], grid[j], f[j - 1], f[j]       # f0 >= 1/2 > f1
    return float(a0 + (0.5 - f0) * (a1 - a0) / (f1 - f0))


class CapacityCrossing(NamedTuple):
    """Where the feasible fraction crosses 1/2, one entry per ``N``.

    ``N``: the sizes; ``alpha``: the crossing load (linear interpolation between the two grid
    loads that bracket 1/2); ``stderr``: its standard error by a bootstrap over the seeds (the
    instances are i.i.d.; 400 resamples, each crossing computed the same way and clipped to the
    grid when a resample does not bracket 1/2 -- a linearised error propagation would miss the
    switch of bracketing interval when the transition is sharp on the grid); ``fractions``: the
    ``feasible`` :class:`~saddlepoint.simulate.Estimate` of each size over the ``alphas`` grid.
    """

    N: np.ndarray
    alpha: np.ndarray
    stderr: np.ndarray
    fractions: tuple


def capacity_crossing(Ns, alphas, margin=0.0, seeds=64, seed=0, weights="spherical"):
    r"""The finite-size crossing ``alpha_{1/2}(N)`` of the storable fraction, for several ``N``.

    For each ``N`` runs :func:`perceptron_capacity` on the ``alphas`` grid and interpolates
    linearly where the feasible fraction (non-increasing in ``alpha``: patterns are nested) falls
    through 1/2. As ``N`` grows the crossing approaches Gardner's (1988) capacity (2 at margin 0
    for spherical weights; Krauth & Mézard's ~0.83 for Ising weights) and the transition
    sharpens (its width shrinks like ``1/sqrt(N)``). At margin 0 Cover's counting makes the
    feasible probability at ``P = 2N`` exactly 1/2 for every ``N``, so there the crossing sits at
    2 up to the interpolation and only the width carries the finite-size effect. The fraction at
    ``alphas`` must be ``> 1/2`` at the first grid point and ``< 1/2`` at the last (else
    ``ParameterError("alphas")``, so widen the grid).

    Returns
    -------
    CapacityCrossing
        ``(N, alpha, stderr, fractions)``.

    Examples
    --------
    >>> cross = capacity_crossing([10], alphas=[1.0, 2.0, 3.0, 4.0], seeds=16)
    >>> bool(1.0 < cross.alpha[0] < 4.0)
    True
    """
    try:
        Ns_list = [int(_as_int("Ns", n, 1)) for n in np.atleast_1d(np.asarray(Ns, dtype=object))]
    except TypeError:
        raise ParameterError("Ns", f"must be a sequence of integers >= 1; got {Ns!r}") from None
    if not Ns_list:
        raise ParameterError("Ns", "must contain at least one size")
    grid = as_nonnegative_grid("alphas", alphas, one_dimensional=True)
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise ParameterError("alphas", f"must be an increasing 1-d grid of at least 2 loads; got {alphas!r}")
    crossing = np.empty(len(Ns_list))
    stderr = np.empty(len(Ns_list))
    fractions = []
    for i, N in enumerate(Ns_list):
        res = perceptron_capacity(grid, N, margin=margin, weights=weights, seeds=seeds, seed=seed)
        est = res.feasible
        f = np.asarray(est.mean)
        if f[0] <= 0.5 or not np.any(f < 0.5):
            raise ParameterError("alphas", f"must bracket the crossing of 1/2 at N = {N}: the feasible "
                                 f"fraction on the grid is {np.round(f, 3).tolist()}")
        crossing[i] = _half_crossing(grid, f)
        per_seed = res.samples["feasible"]
        boot_rng = np.random.default_rng(np.random.SeedSequence([seed, N, 0xB007]))
        picks = boot_rng.integers(0, per_seed.shape[0], size=(400, per_seed.shape[0]))
        replicas = per_seed[picks].mean(axis=1)                 # (400, len(grid))
        stderr[i] = np.std([_half_crossing(grid, r) for r in replicas], ddof=1)
        fractions.append(est)
    return CapacityCrossing(np.array(Ns_list), crossing, stderr, tuple(fractions))


# ----------------------------------------------------------------------------- version-space sampling

def _gibbs_steps(Z, g, steps, rngs):
    """Analytic elliptical-slice moves of ``g ~ N(0, I)`` restricted to the cone ``{Z g >= 0}``.

    ``Z``: ``(S, P, N)``; ``g``: ``(S, N, C)`` chains (modified in place and returned); ``rngs``:
    one generator per seed. Each move draws ``nu ~ N(0, I_N)`` and replaces ``g`` by
    ``g cos(t) + nu sin(t)`` with ``t`` uniform on the arc of the ellipse that satisfies every
    constraint: ``z . (g cos t + nu sin t) = r cos(t - phi) >= 0`` holds on
    ``[phi - pi/2, phi + pi/2]``, an interval that contains ``t = 0``, so the allowed set is the
    single arc ``[max(phi) - pi/2, min(phi) + pi/2]``. The move is an exact Gibbs update of the
    rotation angle of the pair ``(g, nu)``, whose Gaussian density is rotation invariant, so the
    truncated Gaussian is invariant (Murray, Adams & MacKay 2010, elliptical slice sampling, with
    the slice found analytically as in Fagan, Bhandari & Cunningham 2016).
    """
    S, P, N = Z.shape
    C = g.shape[2]
    block = max(1, min(steps, (1 << 20) // max(1, N * C)))
    done = 0
    while done < steps:
        m = min(block, steps - done)
        nus = np.stack([r.standard_normal((m, N, C)) for r in rngs], axis=1)    # (m, S, N, C)
        us = np.stack([r.random((m, C)) for r in rngs], axis=1)                 # (m, S, C)
        for t in range(m):
            nu = nus[t]
            a = np.matmul(Z, g)
            b = np.matmul(Z, nu)
            np.maximum(a, 0.0, out=a)        # rounding: the current point satisfies a >= 0
            phi = np.arctan2(b, a)           # in [-pi/2, pi/2] because a >= 0
            lo = phi.max(axis=1) - 0.5 * np.pi
            hi = phi.min(axis=1) + 0.5 * np.pi
            width = hi - lo
            # width < 0 only through rounding at a boundary point: stay put rather than step out
            theta = np.where(width > 0, lo + us[t] * width, 0.0)
            g = g * np.cos(theta)[:, None, :] + nu * np.sin(theta)[:, None, :]
        done += m
    return g


def gibbs_version_space(patterns, labels, samples=2, steps=2000, seed=0, initial=None):
    r"""Uniform samples from the spherical version space by analytic elliptical slice sampling.

    The version space of a labelled pattern set is ``{w : |w|^2 = N, y_mu w . xi_mu >= 0}``; its
    uniform measure is the Gibbs learning rule at zero temperature (Engel & Van den Broeck 2001,
    sec. 2.3 and 3.1). Because the constraints are homogeneous, ``w = sqrt(N) g/|g|`` is uniform on
    it when ``g ~ N(0, I_N)`` is restricted to the cone ``{y_mu g . xi_mu >= 0}``; ``g`` is sampled
    by ``steps`` analytic elliptical-slice moves (see the source: each move is an exact Gibbs
    update of a rotation angle and leaves the truncated Gaussian invariant). ``samples``
    independent chains start from ``initial`` (default: the maximal-stability direction, an
    interior point) with independent moves.

    Returns
    -------
    numpy.ndarray
        ``(samples, N)`` weight vectors with ``|w|^2 = N``, each in the version space.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> xi = rng.standard_normal((10, 5)); y = np.sign(xi @ np.ones(5))
    >>> w = gibbs_version_space(xi, y, samples=3, steps=50)
    >>> w.shape, bool(np.all((xi * y[:, None]) @ w.T >= 0))
    ((3, 5), True)
    """
    xi = np.asarray(patterns, dtype=float)
    if xi.ndim != 2 or xi.shape[1] < 1 or not np.all(np.isfinite(xi)):
        raise ParameterError("patterns", f"must be a finite (P, N) array; got shape {xi.shape}")
    y = np.asarray(labels, dtype=float)
    if y.shape != (xi.shape[0],) or not np.all(np.abs(y) == 1):
        raise ParameterError("labels", f"must be a ({xi.shape[0]},) array of +-1")
    samples = _as_int("samples", samples, 1)
    steps = _as_int("steps", steps, 0)
    seed = _as_int("seed", seed, 0)
    N = xi.shape[1]
    Z = xi * y[:, None]
    if initial is None:
        start = max_stability(xi, y).weights if Z.shape[0] else np.ones(N)
    else:
        start = np.asarray(initial, dtype=float)
        if start.shape != (N,) or not np.all(Z @ start > 0):
            raise ParameterError("initial", "must be an (N,) vector strictly inside the version space")
    g = np.repeat((math.sqrt(N) * start / np.linalg.norm(start))[None, :, None], samples, axis=2)
    g = _gibbs_steps(Z[None], g, steps, [np.random.default_rng(seed)])
    w = g[0].T
    return math.sqrt(N) * w / np.linalg.norm(w, axis=1, keepdims=True)


# ----------------------------------------------------------------------------- teacher--student

def teacher_student_perceptron(alpha, N, learning="gibbs", seeds=32, seed=0, steps=None, samples=32,
                               test_points=2000):
    r"""Teacher--student perceptron learned by Gibbs, Bayes (centre of mass) or maximal stability.

    Model (Engel & Van den Broeck 2001, ch. 2--3): teacher ``w*`` uniform on the sphere
    ``|w*|^2 = N``; ``P = round(alpha N)`` inputs ``x_mu ~ N(0, I_N)`` labelled
    ``y_mu = sign(w* . x_mu)``. The students, all normalised to ``|w|^2 = N``:

    * ``"gibbs"``: a uniformly random point of the version space
      ``{w : |w|^2 = N, y_mu w . x_mu >= 0}`` (zero-temperature Gibbs learning), drawn by
      :func:`gibbs_version_space`'s elliptical-slice chains (two independent chains, started at
      the maximal-stability direction, ``steps`` moves each);
    * ``"bayes"``: the centre of mass of the version space, estimated as the normalised mean of
      ``samples`` independent Gibbs samples (at finite ``samples`` this slightly underestimates
      the exact centre-of-mass overlap);
    * ``"max_margin"``: the maximal-stability perceptron (hard-margin SVM without bias,
      :func:`max_stability`, an exact QP).

    Observables (mean and standard error over seeds; each seed a new teacher and data set)
    ---------------------------------------------------------------------------------------
    ``R``
        teacher--student overlap ``w . w* / (|w| |w*|)``.
    ``generalization_error``
        ``arccos(R)/pi``: the exact probability that student and teacher disagree on a fresh
        Gaussian input (the angle between two hyperplanes).
    ``test_error``
        the same probability measured on ``test_points`` fresh inputs (an independent check).
    ``q`` (gibbs, bayes)
        overlap between two independent Gibbs samples of the same version space (bayes: averaged
        over all pairs of the ``samples`` chains). In this matched setting the teacher is itself a
        uniform sample of the version space, so ``E[q] = E[R_gibbs]`` exactly at every ``N`` (the
        Nishimori identity; Engel & Van den Broeck 2001, sec. 3.1) -- a check of the mixing.
    ``gibbs_R`` (bayes)
        the mean teacher overlap of the individual Gibbs samples.
    ``kappa`` (max_margin)
        the margin ``min_mu y_mu w . x_mu / sqrt(N)``.

    Parameters
    ----------
    alpha
        load ``P/N > 0`` (scalar).
    N
        input dimension (``>= 2``; ``<= 400`` for the Gibbs/Bayes samplers).
    learning
        ``"gibbs"``, ``"bayes"`` or ``"max_margin"``.
    seeds, seed
        number of independent (teacher, data) draws and the root seed.
    steps
        elliptical-slice moves per chain (default ``200 * N``; the mixing time grows with
        ``alpha`` as the version space narrows -- check ``q`` against ``R``). Measured: at
        ``alpha = 5, N = 40`` (48 seeds) 400 moves leave ``q - R = 0.02`` (z = 6: the chains
        still remember their common start) while the default 8000 pass (z = 0.2); ``alpha = 2,
        N = 16`` passes with 1500 moves.
    samples
        Gibbs samples averaged into the Bayes centre of mass.
    test_points
        fresh inputs per seed for ``test_error``.

    Examples
    --------
    >>> res = teacher_student_perceptron(2.0, 20, learning="max_margin", seeds=4)
    >>> bool(0 < res.generalization_error.mean < 0.5), bool(res.kappa.mean > 0)
    (True, True)
    """
    learning = _as_choice("learning", learning, ("gibbs", "bayes", "max_margin"))
    alpha = as_real("alpha", alpha, 0.0, strict=True)
    N = _as_int("N", N, 2, _MAX_N if learning == "max_margin" else 400)
    seeds, seed, children = _children(seed, seeds)
    steps = 200 * N if steps is None else _as_int("steps", steps, 0)
    samples = _as_int("samples", samples, 2)
    test_points = _as_int("test_points", test_points, 1)
    P = max(1, int(round(alpha * N)))
    if P > 50 * N + 1000:
        raise ParameterError("alpha", f"is too large: P = {P} patterns for N = {N}")
    chains = 2 if learning == "gibbs" else samples
    if learning != "max_margin" and seeds * chains * N * max(P, N) > 5e7:
        raise ParameterError("seeds", "times samples times N times P exceeds 5e7 (too slow for the sampler)")

    teachers = np.empty((seeds, N))
    Zs = np.empty((seeds, P, N))
    tests = []
    mc_rngs = []
    for k, child in enumerate(children):
        t_ss, d_ss, x_ss, mc_ss = child.spawn(4)
        t = np.random.default_rng(t_ss).standard_normal(N)
        teachers[k] = math.sqrt(N) * t / np.linalg.norm(t)
        x = np.random.default_rng(d_ss).standard_normal((P, N))
        y = np.sign(x @ teachers[k])
        y[y == 0] = 1.0
        Zs[k] = x * y[:, None]
        tests.append(np.random.default_rng(x_ss).standard_normal((test_points, N)))
        mc_rngs.append(np.random.default_rng(mc_ss))

    out = {}
    if learning == "max_margin":
        students = np.empty((seeds, N))
        kappa = np.empty(seeds)
        ones = np.ones(P)
        for k in range(seeds):
            sol = max_stability(Zs[k], ones)
            students[k], kappa[k] = sol.weights, sol.kappa
    else:
        start = np.empty((seeds, N, chains))
        for k in range(seeds):
            w0 = max_stability(Zs[k], np.ones(P)).weights
            start[k] = w0[:, None]
        g = _gibbs_steps(Zs, start, steps, mc_rngs)
        w = g / np.linalg.norm(g, axis=1, keepdims=True) * math.sqrt(N)        # (S, N, C)
        if np.any(np.einsum("spn,snc->spc", Zs, w) < -1e-9 * N):
            raise ConvergenceError("a Gibbs sample left the version space (rounding)",
                                   point={"alpha": alpha, "N": N})
        r_each = np.einsum("sn,snc->sc", teachers, w) / N
        if learning == "gibbs":
            students = w[:, :, 0]
            out["q"] = np.einsum("sn,sn->s", w[:, :, 0], w[:, :, 1]) / N
        else:
            centre = w.mean(axis=2)
            students = math.sqrt(N) * centre / np.linalg.norm(centre, axis=1, keepdims=True)
            total = np.einsum("sn,sn->s", w.sum(axis=2), w.sum(axis=2)) / N
            out["q"] = (total - chains) / (chains * (chains - 1))
            out["gibbs_R"] = r_each.mean(axis=1)

    R = np.einsum("sn,sn->s", students, teachers) / N
    R = np.clip(R, -1.0, 1.0)
    disagree = np.array([np.mean(np.sign(tests[k] @ students[k]) != np.sign(tests[k] @ teachers[k]))
                         for k in range(seeds)])
    samples_out = {"R": R, "generalization_error": np.arccos(R) / np.pi, "test_error": disagree}
    samples_out.update(out)
    if learning == "max_margin":
        samples_out["kappa"] = kappa
    parameters = {"alpha": alpha, "P": P, "N": N, "learning": learning, "seeds": seeds, "seed": seed}
    if learning != "max_margin":
        parameters.update(steps=steps, chains=chains)
    return SimulationResult(samples_out, parameters, model=f"teacher-student perceptron ({learning})")

