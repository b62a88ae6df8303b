r"""Numeric side of free-probability laws: the polynomial method on the real line.

Conventions
-----------
A spectral law :math:`\mu` (a probability measure on the real line) is stored as a bivariate
polynomial

.. math:: P(g, z) = \sum_{k=0}^{K} \sum_{j=0}^{D} c_{kj}\, z^{j} g^{k} = 0

satisfied by its Stieltjes transform :math:`g(z) = \int d\mu(x)/(z - x)` (so ``c[k][j]`` is the
coefficient of :math:`z^j g^k`; rows are powers of ``g``). Of the ``K`` roots of
:math:`P(\cdot, z)` exactly one is the *physical branch*: :math:`g(z) \sim 1/z` as
:math:`z \to \infty`, :math:`\operatorname{Im} g < 0` for :math:`\operatorname{Im} z > 0`,
:math:`|g(z)| \le 1/\operatorname{Im} z`. (Papers that write :math:`m(z) = \int d\mu/(x - z)`,
e.g. Bai & Silverstein, use :math:`m = -g`.) On the real axis every function returns the boundary
value from above, :math:`g(x + i0)`, and the density of the absolutely continuous part is
:math:`\rho(x) = -\operatorname{Im} g(x + i0)/\pi`; atoms :math:`w\,\delta_a` are reported
separately, with :math:`w = \lim_{z \to a} (z - a) g(z)`. The moments are
:math:`m_k = \int x^k d\mu`, read off :math:`g(z) = \sum_{k \ge 0} m_k z^{-k-1}`.

Every function accepts either a Law-like object (anything with a ``coefficients()`` method
returning the nested list ``c``, entries SymPy or Python numbers) or the nested list itself.
The coefficients must be real numbers.

Method
------
This is the numeric half of the polynomial method of Rao & Edelman (2008), "The polynomial
method for random matrices", *Found. Comput. Math.* 8, 649--702: the transform is never written
in closed form; the physical root of :math:`P(\cdot, z)` is *followed*, not guessed.

*Branch following* (:func:`stieltjes`, :func:`density`). For a target :math:`x + iy_t`
(:math:`y_t \ge 0`) the path is vertical, :math:`x + iy` with :math:`y` decreasing geometrically
from :math:`y_0 = 3S` (``S`` = 1 + the largest real singularity: support edges, atoms, real
branch points) down to :math:`y_t`; real targets take a last jump :math:`y \to 0`. At
:math:`y_0` the physical root is identified as the root nearest the large-``z`` series
:math:`\sum_{k \le 24} m_k z^{-k-1}` (converged there, since the series converges for
:math:`|z|` beyond the support). At each step a predictor is corrected by Newton's method in
``g``. The predictor uses :math:`g' = -P_z/P_g` and :math:`g''` (implicit differentiation): the
[1/1] Padé approximant :math:`g + g'\Delta z/(1 - \tfrac{g''}{2g'}\Delta z)`, exact for
:math:`w/(z - a) + c` (so it follows :math:`1/z` far away and the poles at atoms), or the
order-2 Taylor polynomial, whichever did better on the previous step. The step is *accepted only
if the root reached is certified to be the root of* :math:`P(\cdot, z_{new})` *nearest the
predictor*: by Rouché's theorem in Pellet's form, with :math:`b_k` the Taylor coefficients of
:math:`P(r + h, z)` in ``h``, the disc :math:`|h| < \varrho` holds exactly one root when
:math:`|b_1|\varrho > |b_0| + \sum_{k\ge2}|b_k|\varrho^k`; taking
:math:`\varrho = 3|r - g_{pred}|` (plus the root's rounding uncertainty) makes every other root
at least twice as far from the predictor as ``r``. The correction must also be at most half the
predicted change (the predictor was informative), and for ``y > 0`` the root must satisfy the
Nevanlinna conditions :math:`\operatorname{Im} r < 0`, :math:`|r| \le 1/y`. The last jump to
the target (to the real axis for a density) is taken only from below a *floor*, one tenth of the
distance from ``x`` to the nearest possible singular point (all roots of the discriminant and
of the leading coefficient, complex ones included), so that the jump stays well inside the
disc where the branch is analytic. A rejected step is retried shorter (the step ratio moves
towards 1, or the floor is lowered); a well-separated step lets the next one be longer. Only
where roots
genuinely collide (a real target exactly at a branch point or a pole, or after 16 consecutive
refinements) is the nearest root taken from all roots, computed as companion-matrix eigenvalues
(``numpy.roots``, nearest in the chordal metric so that a pole can be reached), without
certificate. Everything runs vectorised over the targets; only NumPy is used in this path.

*Density.* On the real line the roots of the real polynomial :math:`P(\cdot, x)` come in
conjugate pairs, and the boundary value from above is the member with
:math:`\operatorname{Im} g \le 0`, so :math:`\rho = |\operatorname{Im} g(x+i0)|/\pi` (no sign
flip is possible, even when the last step lands on either member of a pair about to merge at an
edge). Outside the support intervals the density is exactly 0: there the physical root is real.

*Support* (:func:`support`). The candidate edges are the real roots of the discriminant of
:math:`P` in ``g`` (computed exactly by SymPy from the coefficients converted to rationals, made
square-free) together with the real roots of the leading coefficient :math:`[g^K]P` (possible
poles). When that discriminant could exceed degree ``_EXACT_DISCRIMINANT_MAX = 60`` in z (bound
``(2K - 1) deg_z P``) its exact elimination would take seconds (5 s for a degree-148
discriminant); then the singular points are the finite eigenvalues of the companion pencil of
the Sylvester matrix of P and P_g in g (a matrix polynomial in z whose determinant is the
resultant), those near the real axis refined by Newton's method on P = P_g = 0 in (g, z)
(~1e-15 relative at a square-root edge; see :func:`_singular_points_numeric`). Between consecutive candidates the density is either positive throughout or zero
throughout; an interval is kept when the followed branch is non-real at its midpoint, and
adjacent kept intervals are merged.

*Atoms* (:func:`atoms`). A branch can only have a pole where the leading coefficient
:math:`[g^K]P` vanishes. At each such real point ``a`` the physical branch is followed to
:math:`a + i\varepsilon` and :math:`w(\varepsilon) = i\varepsilon\, g(a + i\varepsilon)` is
extrapolated to :math:`\varepsilon \to 0`; the value is snapped to the exact residue of a branch
with a simple pole, a nonzero root of the Newton-polygon edge polynomial
:math:`\sum_{j - k = e^*} \alpha_{kj} h^k` (:math:`\alpha_{kj}` the Taylor coefficients of
:math:`[g^k]P` at ``a``, :math:`e^* = \min(j - k)`), when one matches. Branches that diverge
more slowly (e.g. :math:`x^{-1/2}` at a hard edge) give no atom. (When several branches share
the residue, as at the zero eigenvalue of a rank-deficient sample covariance, the edge
polynomial has a multiple root, taken as the mean of its numerical cluster; there the roots of
:math:`P` near the pole are ill-conditioned, :math:`\sim \epsilon_{mach}|g|^K`, which is why
:math:`\varepsilon = 10^{-3}\times` the distance to the next singular point, and why
:func:`stieltjes` loses digits within ~1e-3 of such an atom: ~1e-5 relative there.)

Example
-------
>>> from saddlepoint.solvers.free_numeric import atoms, density, moments, support
>>> mp = [[1], [-1, -1], [0, 2]]       # Marchenko-Pastur q = 2: 2 z g^2 - (z + 1) g + 1 = 0
>>> atoms(mp)
[(0.0, 0.5)]
>>> [(round(a, 6), round(b, 6)) for a, b in support(mp)]      # (1 -+ sqrt 2)^2
[(0.171573, 5.828427)]
>>> moments(mp, 3).round(12).tolist()                            # Narayana: 1, 1 + q, ...
[1.0, 3.0, 11.0]
>>> density(mp, [-1.0, 0.0, 3.0]).round(6).tolist()
[0.0, 0.0, 0.075026]

*Moments* (:func:`moments`). With :math:`z = 1/t`, :math:`g = tM(t)`, the polynomial becomes
:math:`Q(t, M) = \sum_{kj} c_{kj} t^{k - j - e} M^k` (``e`` makes the lowest power of ``t``
zero); :math:`M(0) = m_0 = 1` must be a simple root of :math:`Q(0, \cdot)`, and then
:math:`m_n = -[t^n]\,Q(t, M_{<n}(t)) / \partial_M Q(0, 1)`, order by order.
"""

import math

import numpy as np

from ..errors import ConvergenceError, ParameterError

__all__ = ["stieltjes", "density", "atoms", "support", "moments"]

# --- tuning constants (documented in the module docstring) -----------------------------------
_N_SERIES = 24          # terms of the large-z series used to identify the branch at y0
_START_FACTOR = 3.0     # y0 = _START_FACTOR * S
_BASE_RATIO = 0.5       # default geometric step y -> ratio * y
_MIN_RATIO = 0.02       # longest step allowed after well-separated steps
_MAX_RATIO = 0.999      # refinement gives up (forced nearest root) beyond this
_FLOOR0 = 0.1           # jump-to-target level, relative to the distance to singular points
_FLOOR_MIN = 1e-14      # resolution of the real axis near x, relative to 1 + |x|
_MAX_TRIALS = 16        # consecutive rejected steps before the forced nearest root
_NEWTON_ITERS = 30
_STEP_TO_POLE = 0.3      # longest step, relative to the distance to the nearest possible pole
_CACHE_SIZE = 64
_EPS = np.finfo(float).eps

#: diagnostics of the last branch-following call: points, loop iterations, root evaluations,
#: and how many steps fell back to the uncertified nearest root (colliding roots)
_STATS = {}


# =============================================================================================
# input handling and per-law preprocessing
# =============================================================================================

def _to_float(value):
    try:
        c = complex(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            "law_or_coeffs",
            f"must have numeric coefficients (got {value!r}; substitute numbers for the "
            "symbols first)") from exc
    if not (math.isfinite(c.real) and math.isfinite(c.imag)):
        raise ParameterError("law_or_coeffs", f"must have finite coefficients (got {value!r})")
    if c.imag != 0.0 and abs(c.imag) > 1e-14 * max(1.0, abs(c.real)):
        raise ParameterError("law_or_coeffs", f"must have real coefficients (got {value!r})")
    return c.real


def _to_rational(value):
    """Exact rational for the discriminant: SymPy/Python rationals stay exact, floats are
    converted exactly (binary value)."""
    import fractions

    import sympy

    if isinstance(value, (int, fractions.Fraction)) and not isinstance(value, bool):
        return sympy.Rational(value)
    if isinstance(value, sympy.Basic):
        if value.is_Rational:
            return sympy.Rational(value)
        if value.is_Float:
            return sympy.Rational(value)
    return sympy.Rational(_to_float(value))


def _raw_coefficients(law_or_coeffs):
    obj = law_or_coeffs
    if hasattr(obj, "coefficients") and callable(obj.coefficients):
        obj = obj.coefficients()
    if isinstance(obj, np.ndarray):
        if obj.ndim != 2:
            raise ParameterError("law_or_coeffs",
                                 "must be a nested list c[k][j] (coefficient of z^j g^k)")
        obj = obj.tolist()
    try:
        rows = [list(row) for row in obj]
    except TypeError as exc:
        raise ParameterError(
            "law_or_coeffs",
            "must be a Law (with .coefficients()) or a nested list c[k][j] "
            "(coefficient of z^j g^k)") from exc
    return rows


class _Law:
    """Numeric data of one polynomial, computed once and cached (see :func:`_prepare`)."""

    def __init__(self, C, raw_rows):
        self.C = C                                  # (K+1, D+1) float, C[k, j] <-> z^j g^k
        self.K = C.shape[0] - 1
        self.D = C.shape[1] - 1
        self.Cz = _dz(C)                           # coefficients of P_z
        self.Czz = _dz(self.Cz)                    # coefficients of P_zz
        self.raw_rows = raw_rows                   # the user's numbers, for exact arithmetic
        self.series = _series(C, _N_SERIES)        # m_0 .. m_N (raises if no branch ~ 1/z)
        self._breaks = None
        self._support = None
        self._atoms = None

    # -- singular points on the real line (exact discriminant) -------------------------------
    @property
    def breaks(self):
        """Sorted real points where a branch may be singular: real roots of the discriminant
        and of the leading coefficient. Also sets ``singular`` (all such points, complex) and
        the scale ``S = 1 + max |break|``."""
        if self._breaks is None:
            if _discriminant_degree_bound(self) > _EXACT_DISCRIMINANT_MAX:
                disc = _singular_points_numeric(self)
            else:
                disc = _discriminant_roots(self)
            lead = self._leading_roots()
            pts = np.concatenate([disc.real[disc.imag == 0], lead.real[lead.imag == 0]])
            self._breaks = _cluster(np.unique(pts), tol=1e-13)
            self.singular = np.concatenate([disc, lead])
            self.scale = 1.0 + (float(np.max(np.abs(self._breaks))) if self._breaks.size else 0.0)
        return self._breaks

    def _leading_roots(self):
        roots = getattr(self, "_lead_roots", None)
        if roots is None:
            lead = self.C[self.K]
            nz = np.nonzero(lead)[0]
            lead = lead[: nz[-1] + 1]
            roots = (np.zeros(0, dtype=complex) if lead.size <= 1
                     else _snap_real(np.roots(lead[::-1])))
            self._lead_roots = roots
        return roots

    @property
    def pole_candidates(self):
        r = self._leading_roots()
        return _cluster(np.sort(r.real[r.imag == 0]), tol=1e-6)   # multiple roots split

    def distance_to_singular(self, x):
        """Distance from each real x to the nearest possible singular point (complex too)."""
        self.breaks  # noqa: B018
        if self.singular.size == 0:
            return np.full(x.shape, np.inf)
        return np.min(np.abs(x[:, None] - self.singular[None, :]), axis=1)

    @property
    def S(self):
        self.breaks  # noqa: B018  (sets self.scale)
        return self.scale


_CACHE = {}


def _prepare(law_or_coeffs):
    rows = _raw_coefficients(law_or_coeffs)
    if not rows or all(len(r) == 0 for r in rows):
        raise ParameterError("law_or_coeffs", "is empty: give P(g, z) as c[k][j], k = power of g")
    width = max(len(r) for r in rows)
    C = np.zeros((len(rows), width))
    for k, row in enumerate(rows):
        for j, value in enumerate(row):
            C[k, j] = _to_float(value)
    raw = [[rows[k][j] if j < len(rows[k]) else 0 for j in range(width)] for k in range(len(rows))]
    if not np.any(C):
        raise ParameterError("law_or_coeffs", "is the zero polynomial")
    # trim: highest powers of g and z that are absent; common factors z^m
    K = int(np.nonzero(np.any(C != 0, axis=1))[0][-1])
    cols = np.nonzero(np.any(C != 0, axis=0))[0]
    j0, j1 = int(cols[0]), int(cols[-1])
    C = C[: K + 1, j0: j1 + 1]
    raw = [row[j0: j1 + 1] for row in raw[: K + 1]]
    if K == 0:
        raise ParameterError("law_or_coeffs", "does not involve g (degree 0 in g)")
    key = (C.shape, C.tobytes())
    law = _CACHE.get(key)
    if law is None:
        law = _Law(C, raw)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = law
    return law


def _distance_to_poles(law, zc):
    """Distance from each complex point to the nearest root of the leading coefficient
    [g^K]P (the only places a branch can have a pole)."""
    poles = law._leading_roots()
    out = np.full(zc.shape, np.inf)
    for s in poles:
        np.minimum(out, np.abs(zc - s), out=out)
    return out


def _cluster(sorted_pts, tol=1e-9):
    """Merge points closer than tol (relative) to each other (numerical multiple roots)."""
    if sorted_pts.size == 0:
        return sorted_pts
    out = [[sorted_pts[0]]]
    for p in sorted_pts[1:]:
        if abs(p - out[-1][-1]) <= tol * (1.0 + abs(p)):
            out[-1].append(p)
        else:
            out.append([p])
    return np.array([np.mean(c) for c in out])


def _snap_real(r, tol=1e-7):
    """Roots with a negligible imaginary part are made exactly real."""
    r = np.asarray(r, dtype=complex)
    real = np.abs(r.imag) <= tol * (1.0 + np.abs(r))
    return np.where(real, r.real + 0j, r)


def _discriminant_roots(law):
    """Roots of disc_g P(g, z) (square-free part, computed exactly by SymPy from the
    coefficients as rationals); the real ones exactly real and polished by Newton in float."""
    import sympy

    g, z = sympy.symbols("g z")
    expr = sympy.Add(*[_to_rational(v) * z**j * g**k
                       for k, row in enumerate(law.raw_rows) for j, v in enumerate(row) if v != 0])
    poly = sympy.Poly(expr, g)
    if poly.degree() < 2:
        return np.zeros(0, dtype=complex)
    disc = sympy.Poly(sympy.discriminant(poly), z)
    if disc.is_zero:
        raise ParameterError("law_or_coeffs",
                             "has a repeated factor in g (zero discriminant); give the minimal "
                             "polynomial")
    sqf = disc.sqf_part()
    if sqf.degree() <= 0:
        return np.zeros(0, dtype=complex)
    coef = np.array([float(c) for c in sqf.all_coeffs()])
    coef = coef / np.max(np.abs(coef))
    r = _snap_real(np.roots(coef))
    isreal = r.imag == 0
    real = r.real[isreal]
    dcoef = np.polyder(coef)
    for _ in range(3):                                   # polish the real ones
        d = np.polyval(dcoef, real)
        step = np.where(d != 0, np.polyval(coef, real) / np.where(d != 0, d, 1.0), 0.0)
        real = real - np.where(np.abs(step) < 1e-6 * (1.0 + np.abs(real)), step, 0.0)
    r[isreal] = real
    return r



#: above this bound on the degree of the discriminant in z, its roots are found numerically
#: (:func:`_singular_points_numeric`) instead of by exact elimination in SymPy, whose cost grows
#: steeply (about 5 s for degree 148 in z: (SC ⊞ 3 atoms) ⊞ (MP ⊠ 3 atoms))
_EXACT_DISCRIMINANT_MAX = 60


def _discriminant_degree_bound(law):
    return (2 * law.K - 1) * law.D


def _singular_points_numeric(law):
    r"""Roots of :math:`\operatorname{Res}_g(P, P_g)(z) = \pm [g^K]P \cdot \operatorname{disc}_g P`
    in double precision, without forming the discriminant.

    The Sylvester matrix :math:`S(z)` of :math:`P` and :math:`P_g` in ``g`` (size ``2K - 1``)
    is a matrix polynomial of degree ``D`` in ``z``; its determinant is the resultant, so the
    singular points are the finite eigenvalues of its companion linearisation (a generalised
    eigenproblem of size ``(2K - 1) D``, solved by LAPACK's QZ via ``numpy.linalg.eigvals`` on
    ``B^{-1} A`` after scaling ``z`` by the spread of the law). Each candidate near the real
    axis is then refined by Newton's method on the system :math:`P = P_g = 0` in ``(g, z)``
    (quadratic at a simple branch point, i.e. at every square-root edge), started from the
    closest pair of roots of :math:`P(\cdot, z)`; a candidate that converges to a real ``z``
    is made exactly real. Accuracy: ~1e-15 relative for simple branch points after
    refinement; roots of even multiplicity (crossings of non-physical branches, never edges)
    keep the eigenvalue accuracy, ~1e-8.
    """
    C = law.C
    K, D = law.K, law.D
    if K < 2:
        return np.zeros(0, dtype=complex)
    m = law.series
    s = max(1.0, max(abs(m[k]) ** (1.0 / k) for k in range(1, m.size)))   # spread of the law
    Cs = C * s ** np.arange(D + 1)[None, :]          # z = s * u
    Cg = (C * np.arange(K + 1)[:, None])[1:]          # P_g, rows = powers of g
    Cgs = Cg * s ** np.arange(D + 1)[None, :]
    N = 2 * K - 1
    S = np.zeros((D + 1, N, N))                       # S[j] = coefficient of u^j
    for i in range(K - 1):                             # rows of P (descending powers of g)
        for k in range(K + 1):
            S[:, i, i + K - k] = Cs[k]
    for i in range(K):                                 # rows of P_g
        for k in range(K):
            S[:, K - 1 + i, i + K - 1 - k] = Cgs[k]
    scale = np.max(np.abs(S))
    S /= scale
    # drop vanishing top coefficients in u (degree of S(u) < D)
    top = D
    while top > 0 and not np.any(S[top]):
        top -= 1
    if top == 0:
        return np.zeros(0, dtype=complex)
    # companion pencil: [[0, I, ...], ..., [-S0, ..., -S_{top-1}]] - u diag(I, ..., S_top)
    M = N * top
    A = np.zeros((M, M))
    B = np.eye(M)
    for b in range(top - 1):
        A[b * N:(b + 1) * N, (b + 1) * N:(b + 2) * N] = np.eye(N)
    for j in range(top):
        A[(top - 1) * N:, j * N:(j + 1) * N] = -S[j]
    B[(top - 1) * N:, (top - 1) * N:] = S[top]
    import scipy.linalg

    u = scipy.linalg.eigvals(A, B, check_finite=False)
    u = u[np.isfinite(u) & (np.abs(u) < 1e8)]
    z = u * s
    return _refine_singular(law, z, 4.0 * s)


def _refine_singular(law, z, radius):
    """Newton on P = P_g = 0 in (g, z), complex, vectorised over the candidates ``z`` (see
    above), each started from the closest pair of roots of P(., z). Converged candidates are
    kept (made exactly real when the imaginary part is at rounding level); the others are kept
    unrefined within ``radius`` (4 x the spread of the law: a branch point must not be lost,
    edges are among them, and the complex ones set how far the continuation may jump) and
    dropped beyond it, where they are spurious eigenvalues of the pencil (whose leading
    coefficient is singular) that would only lengthen the paths."""
    C, Cz = law.C, law.Cz
    z = np.asarray(z, dtype=complex)
    z = z[np.abs(z) <= 1e3 * radius]
    if z.size == 0:
        return z
    g = _nearest_pairs(_coeffs_at(C, z))
    zz = z.copy()
    done = np.zeros(z.size, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(30):
            A = _coeffs_at(C, zz)
            Az = _coeffs_at(Cz, zz)
            p, pg, pgg2 = _horner2(A, g)
            pz, pgz, _ = _horner2(Az, g)
            det = pg * pgz - pz * 2 * pgg2
            dg = (p * pgz - pz * pg) / det
            dz = (pg * pg - 2 * pgg2 * p) / det
            bad = ~(np.isfinite(dg) & np.isfinite(dz))
            dg[bad | done] = 0
            dz[bad | done] = 0
            g -= dg
            zz -= dz
            done |= np.abs(dz) <= 1e-14 * (1.0 + np.abs(zz))
            if done.all():
                break
    ok = done & np.isfinite(zz) & (np.abs(zz - z) <= 1e-4 * (1.0 + np.abs(z)))
    real = ok & (np.abs(zz.imag) <= 1e-12 * (1.0 + np.abs(zz)))
    zz = np.where(real, zz.real + 0j, zz)
    keep_raw = ~ok & (np.abs(z) <= radius)
    return np.concatenate([zz[ok], z[keep_raw]])


def _nearest_pairs(A):
    """For each row of ``A`` (ascending powers of g), the mean of the two closest roots (the
    double root at a branch point), from the eigenvalues of the stacked companion matrices."""
    M, K1 = A.shape
    K = K1 - 1
    lead = A[:, K]
    ok = np.abs(lead) > 1e-300
    comp = np.zeros((M, K, K), dtype=complex)
    comp[:, 1:, :-1] = np.eye(K - 1)
    with np.errstate(all="ignore"):
        comp[:, :, -1] = -A[:, :K] / np.where(ok, lead, 1.0)[:, None]
    rts = np.linalg.eigvals(comp)
    dist = np.abs(rts[:, :, None] - rts[:, None, :])
    dist[:, np.arange(K), np.arange(K)] = np.inf
    flat = np.argmin(dist.reshape(M, -1), axis=1)
    i, j = np.unravel_index(flat, (K, K))
    rows = np.arange(M)
    g = 0.5 * (rts[rows, i] + rts[rows, j])
    return np.where(ok & np.isfinite(g), g, 0.0)


def _series(C, n):
    """m_0 .. m_n of the physical branch from g = t M(t), t = 1/z (see module docstring)."""
    K = C.shape[0] - 1
    k_idx, j_idx = np.nonzero(C)
    e = int(np.min(k_idx - j_idx))
    width = int(np.max(k_idx - j_idx)) - e + 1
    B = np.zeros((K + 1, width))
    for k, j in zip(k_idx, j_idx):
        B[k, k - j - e] += C[k, j]
    q0 = B[:, 0]                                         # Q(0, M) = sum_k q0[k] M^k
    scale = np.sum(np.abs(q0))
    if abs(np.sum(q0)) > 1e-9 * scale:
        raise ParameterError("law_or_coeffs",
                             "has no branch with g ~ 1/z at infinity (it is not the polynomial "
                             "of a probability law's Stieltjes transform)")
    dq = float(np.sum(np.arange(K + 1) * q0))
    if abs(dq) <= 1e-9 * scale:
        raise ParameterError("law_or_coeffs",
                             "has two branches with g ~ 1/z at infinity, so the physical branch "
                             "is not determined by P alone (reducible or not the minimal "
                             "polynomial)")
    m = np.zeros(n + 1)
    m[0] = 1.0
    for order in range(1, n + 1):
        M = m[:order]                                   # M_{<order}
        res = np.zeros(order + 1)
        res[: min(width, order + 1)] = B[K, : order + 1]
        for k in range(K - 1, -1, -1):
            res = np.convolve(res, M)[: order + 1]
            res[: min(width, order + 1)] += B[k, : order + 1]
        m[order] = -res[order] / dq
    return m


# =============================================================================================
# the hot path: polynomial evaluation, Newton, certification, branch following (numpy only)
# =============================================================================================

def _coeffs_at(C, z):
    """A[:, k] = sum_j C[k, j] z^j for a 1-d complex z (Horner in z)."""
    A = np.empty((z.size, C.shape[0]), dtype=complex)
    A[:] = C[:, -1]
    for j in range(C.shape[1] - 2, -1, -1):
        A *= z[:, None]
        A += C[:, j]
    return A


def _dz(C):
    """Coefficient matrix of dP/dz."""
    if C.shape[1] == 1:
        return np.zeros_like(C)
    return C[:, 1:] * np.arange(1, C.shape[1])


def _horner2(A, g):
    """P, P_g and P_gg/2 for rows of coefficients A (ascending powers of g)."""
    K = A.shape[1] - 1
    p = np.broadcast_to(A[:, K], g.shape).astype(complex)
    d1 = np.zeros_like(p)
    d2 = np.zeros_like(p)
    for k in range(K - 1, -1, -1):
        d2 = d2 * g + d1
        d1 = d1 * g + p
        p = p * g + A[:, k]
    return p, d1, d2


def _horner(A, g):
    """P(g) and P_g(g) for rows of coefficients A (ascending powers of g)."""
    K = A.shape[1] - 1
    p = A[:, K].copy()
    dp = np.zeros_like(p)
    for k in range(K - 1, -1, -1):
        dp = dp * g + p
        p = p * g + A[:, k]
    return p, dp


def _newton(A, g0, scale_g):
    """Newton's method in g, vectorised. A point has converged when its step is below
    1e-14 (|g| + scale_g), or when its backward error is at rounding level,
    |P(g)| <= 16 eps sum_k |a_k| |g|^k (then g is an exact root of a polynomial within
    rounding of P, and further steps only move in the noise)."""
    g = g0.copy()
    ok = np.zeros(g.shape, dtype=bool)
    absA = np.abs(A)
    K = A.shape[1] - 1
    with np.errstate(all="ignore"):
        for _ in range(_NEWTON_ITERS):
            p, dp = _horner(A, g)
            ag = np.abs(g)
            size = absA[:, K].copy()
            for k in range(K - 1, -1, -1):
                size = size * ag + absA[:, k]
            step = p / dp
            step[ok] = 0.0
            g = g - step
            ok = (ok | (np.abs(step) <= 1e-14 * (np.abs(g) + scale_g))
                  | (np.abs(p) <= 16 * _EPS * size))
            if ok.all():
                break
        ok &= np.isfinite(g)
    return g, ok


def _taylor(A, r):
    """Taylor coefficients b_k of P(r + h) in h (repeated synthetic division)."""
    b = A.copy()
    K = A.shape[1] - 1
    for i in range(K):
        for k in range(K - 1, i - 1, -1):
            b[:, k] += r * b[:, k + 1]
    return b


def _pellet(absb, rho):
    """True where the disc |h| < rho around the expansion point holds exactly one root."""
    K = absb.shape[1] - 1
    with np.errstate(all="ignore"):
        tail = np.zeros(rho.shape)
        for k in range(K, 1, -1):
            tail = (tail + absb[:, k]) * rho
        tail *= rho
        return absb[:, 1] * rho > absb[:, 0] + tail


def _chordal(a, b):
    """Chordal (Riemann-sphere) distance, so that a root at infinity can be the nearest."""
    a = np.asarray(a, dtype=complex)
    fa, fb = np.isfinite(a), np.isfinite(b)
    with np.errstate(all="ignore"):
        if fb:
            d = np.abs(a - b) / np.sqrt((1 + np.abs(a) ** 2) * (1 + abs(b) ** 2))
            d = np.where(fa, d, 1.0 / np.sqrt(1 + abs(b) ** 2))
        else:
            d = np.where(fa, 1.0 / np.sqrt(1 + np.abs(a) ** 2), 0.0)
    return d


def _nearest_root(A, ref):
    """Fallback: all roots by companion eigenvalues (numpy.roots) and the one nearest ref in
    the chordal metric; a vanishing leading coefficient means a root at infinity (inf)."""
    out = np.empty(ref.shape, dtype=complex)
    for i in range(A.shape[0]):
        a = A[i, ::-1]
        big = np.max(np.abs(a))
        if not np.isfinite(big) or big == 0:
            out[i] = np.nan
            continue
        a = a / big
        lead = 0
        while lead < a.size - 1 and a[lead] == 0:
            lead += 1
        with np.errstate(all="ignore"):
            roots = np.roots(a[lead:]) if a.size - lead > 1 else np.zeros(0, dtype=complex)
        roots = np.where(np.isfinite(roots), roots, np.inf)
        if lead:
            roots = np.append(roots, np.inf)
        out[i] = roots[int(np.argmin(_chordal(roots, ref[i])))]
    return out


def _follow(law, x, yt):
    """Physical branch g(x + i yt), yt >= 0 (yt = 0: boundary value from above), by certified
    continuation down vertical paths (see the module docstring). x, yt: 1-d float arrays."""
    n = x.size
    out = np.empty(n, dtype=complex)
    if n == 0:
        return out
    C = law.C
    if law.K == 1:                                   # linear in g: the only root
        A = _coeffs_at(C, x + 1j * yt)
        with np.errstate(all="ignore"):
            out = -A[:, 0] / A[:, 1]
        out[A[:, 1] == 0] = np.inf
        return out
    S = law.S
    sg = 1.0 / S                                      # typical size of g near the support
    m = law.series

    def series(z):
        t = 1.0 / z
        acc = np.zeros(z.shape, dtype=complex)
        for mk in m[::-1]:
            acc = acc * t + mk
        return acc * t

    def derivs(A, z, g):
        """g'(z) and g''(z)/2 on the branch through (z, g), by implicit differentiation."""
        Az = _coeffs_at(law.Cz, z)
        Azz = _coeffs_at(law.Czz, z)
        _, pg, pgg2 = _horner2(A, g)
        pz, pgz, _ = _horner2(Az, g)
        pzz, _, _ = _horner2(Azz, g)
        with np.errstate(all="ignore"):
            g1 = -pz / pg
            g2 = -(pgg2 * g1 * g1 + pgz * g1 + 0.5 * pzz) / pg
        bad = ~(np.isfinite(g1) & np.isfinite(g2))
        g1[bad] = 0.0
        g2[bad] = 0.0
        return g1, g2

    def predict(g0, g1, g2, dz):
        """Two predictors: the [1/1] Pade approximant g0 + g1 dz / (1 - (g2/g1) dz), exact for
        w/(z - a) + c (it follows 1/z at large |z| and the poles at atoms), and the order-2
        Taylor polynomial (better where g is nearly stationary, g1 ~ 0)."""
        taylor = g0 + dz * (g1 + g2 * dz)
        with np.errstate(all="ignore"):
            den = 1.0 - (g2 / g1) * dz
            pade = g0 + g1 * dz / den
        pade = np.where(np.isfinite(pade) & (np.abs(den) > 1e-3), pade, taylor)
        return pade, taylor

    # --- start: the physical root at y0, identified against the converged large-z series ----
    y = np.where(np.abs(x + 1j * yt) >= _START_FACTOR * S, yt, np.maximum(yt, _START_FACTOR * S))
    g = np.empty(n, dtype=complex)
    todo = np.arange(n)
    for _ in range(12):
        z = x[todo] + 1j * y[todo]
        A = _coeffs_at(C, z)
        ref = series(z)
        r, ok = _newton(A, ref, sg)
        absb = np.abs(_taylor(A, r))
        ok &= _pellet(absb, 3.0 * np.abs(r - ref) + 1e-12 * (np.abs(r) + sg))
        g[todo[ok]] = r[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
        y[todo] = np.maximum(4.0 * y[todo], _START_FACTOR * S)
    else:
        raise ConvergenceError("could not identify the physical branch at large |z| "
                               "(the branch g ~ 1/z is not separated from the others)",
                               point={"z": complex(x[todo[0]], y[todo[0]])})
    z = x + 1j * y
    g1, g2 = derivs(_coeffs_at(C, z), z, g)

    _STATS.update(points=n, iterations=0, evaluations=0, forced=0)
    ratio = np.full(n, _BASE_RATIO)
    # the last jump (to yt, or to the real axis) is taken from y <= floor: a fraction of the
    # distance to the nearest possible singularity, so the predictor's Taylor disc contains it
    # (never below the resolution of the real axis at x)
    resolution = _FLOOR_MIN * (1.0 + np.abs(x))
    floor = np.maximum(_FLOOR0 * law.distance_to_singular(x), 10 * resolution)
    trials = np.zeros(n, dtype=int)                   # consecutive rejections
    use_pade = np.ones(n, dtype=bool)                 # which predictor did better last step
    idx = np.nonzero(y > yt)[0]
    while idx.size:
        yi, yti = y[idx], yt[idx]
        ynew = yi * ratio[idx]
        # never step further than a fraction of the distance to the nearest possible pole: the
        # predictor's error grows like (step / distance)^3, and next to a pole shared by
        # several branches (a rank-deficient atom) they differ only at O(1) beside |g| ~ 1/d,
        # so a long step can land on the wrong one and still pass the certificate
        ynew = np.maximum(ynew, yi - _STEP_TO_POLE * _distance_to_poles(law, x[idx] + 1j * yi))
        ynew = np.where(ynew <= np.maximum(yti, floor[idx]), yti, ynew)
        znew = x[idx] + 1j * ynew
        A = _coeffs_at(C, znew)
        pade, taylor = predict(g[idx], g1[idx], g2[idx], 1j * (ynew - yi))
        pred = np.where(use_pade[idx], pade, taylor)
        r, ok = _newton(A, pred, sg)
        d1 = np.abs(r - pred)
        absb = np.abs(_taylor(A, r))
        with np.errstate(all="ignore"):           # + the root's own rounding uncertainty
            tiny = 1e-12 * (np.abs(r) + sg) + np.nan_to_num(2 * absb[:, 0] / absb[:, 1])
        ok &= _pellet(absb, 3.0 * d1 + tiny)
        ok &= d1 <= 0.5 * np.abs(pred - g[idx]) + tiny      # the predictor was informative
        pos = ynew > 0
        with np.errstate(invalid="ignore"):
            ok &= ~pos | ((r.imag < 0) & (np.abs(r) * ynew <= 1.0 + 1e-9))
        # points that cannot be refined further: nearest of all roots, uncertified
        deep = (ynew == yti) & (yti < floor[idx])       # a jump from the floor level
        forced = ~ok & ((ratio[idx] > _MAX_RATIO) | (trials[idx] >= _MAX_TRIALS)
                        | (deep & (floor[idx] <= resolution[idx])))
        _STATS["iterations"] += 1
        _STATS["evaluations"] += idx.size
        if forced.any():
            _STATS["forced"] += int(forced.sum())
            r[forced] = _nearest_root(A[forced], pred[forced])
            ok |= forced
            # ill-conditioned region (colliding or clustered roots): stay ready to force
            trials[idx[forced]] = _MAX_TRIALS - 2
        # step-length bookkeeping
        good = ok & ~forced & _pellet(absb, 10.0 * d1 + tiny)
        ratio[idx[good]] = np.maximum(ratio[idx[good]] ** 2, _MIN_RATIO)
        ratio[idx[forced]] = _BASE_RATIO
        rej = idx[~ok]
        ratio[rej] = np.sqrt(ratio[rej])
        rj = idx[~ok & deep]
        floor[rj] = 1e-2 * np.minimum(floor[rj], y[rj])
        trials[rej] += 1
        acc = idx[ok & ~forced]
        trials[acc] = 0
        acc = idx[ok]
        use_pade[acc] = np.abs(r[ok] - pade[ok]) <= np.abs(r[ok] - taylor[ok])
        g[acc] = r[ok]
        y[acc] = ynew[ok]
        keep = ok & (ynew > yti)                       # accepted, not yet at the target
        if keep.any():
            g1[idx[keep]], g2[idx[keep]] = derivs(A[keep], znew[keep], r[keep])
        idx = np.concatenate([idx[keep], rej])
    if np.isnan(g).any():
        i = int(np.nonzero(np.isnan(g))[0][0])
        raise ConvergenceError("lost the physical branch (no finite root of P)",
                               point={"z": complex(x[i], yt[i])}, n_failed=int(np.isnan(g).sum()))
    return g


# =============================================================================================
# public API
# =============================================================================================

def stieltjes(law_or_coeffs, z):
    r"""Stieltjes transform :math:`g(z) = \int d\mu(x)/(z - x)` on the physical branch.

    Parameters
    ----------
    law_or_coeffs : Law or nested list
        A Law (``.coefficients()``) or ``c`` with :math:`P = \sum_{kj} c[k][j] z^j g^k`.
    z : complex array_like, any shape, ``Im z >= 0``
        For real ``z`` the boundary value :math:`g(x + i0)` is returned (real outside the
        support, :math:`\operatorname{Im} g = -\pi\rho(x)` on it, ``inf`` at an atom).

    Returns
    -------
    numpy.ndarray of complex, the shape of ``z``.

    Method: certified continuation of the root of :math:`P(\cdot, z)` from
    :math:`z \approx x + 3iS` (where it is identified with the large-``z`` series) down to the
    target; see the module docstring (Rao & Edelman 2008).
    """
    law = _prepare(law_or_coeffs)
    zz = complex_points(z)
    if np.any(zz.imag < 0):
        raise ParameterError("z", "must have Im z >= 0 (upper half-plane or the real line; "
                                  "use g(conj z) = conj g(z) below the axis)")
    flat = zz.ravel()
    out = _follow(law, flat.real.copy(), flat.imag.copy())
    return out.reshape(zz.shape)


def complex_points(z):
    """``z`` as a finite complex array; ParameterError naming ``z``."""
    zz = np.asarray(z)
    if zz.dtype == object or not np.issubdtype(zz.dtype, np.number):
        raise ParameterError("z", "must be a numeric (complex) array")
    zz = zz.astype(complex)
    if not np.all(np.isfinite(zz)):
        raise ParameterError("z", "must be finite")
    return zz


def real_points(x):
    """``x`` as a finite float array (real points of the line); ParameterError naming ``x``."""
    xx = np.asarray(x)
    if xx.dtype == object or not np.issubdtype(xx.dtype, np.number):
        raise ParameterError("x", "must be a real numeric array")
    if np.iscomplexobj(xx):
        if np.any(xx.imag != 0):
            raise ParameterError("x", "must be real (use stieltjes for complex arguments)")
        xx = xx.real
    xx = xx.astype(float)
    if not np.all(np.isfinite(xx)):
        raise ParameterError("x", "must be finite")
    return xx


def density(law_or_coeffs, x):
    r"""Density :math:`\rho(x) = -\operatorname{Im} g(x + i0)/\pi` of the absolutely
    continuous part (atoms excluded; see :func:`atoms`).

    Parameters
    ----------
    law_or_coeffs : Law or nested list (see :func:`stieltjes`)
    x : real array_like, any shape

    Returns
    -------
    numpy.ndarray of float, the shape of ``x``: ``>= 0``, exactly 0 outside the open support
    intervals (so also at the edges themselves). Accuracy: ~1e-15 relative in the bulk; within
    ``delta`` of an edge the root is nearly double and the error is ~``eps / sqrt(delta)``
    (at most ~1e-8 times the density's scale).
    Near an atom embedded in the support the pole is shared by several branches and the roots
    of ``P`` are ill-conditioned (~``eps |g|^K``): at distance ``d`` from the atom the relative
    error is ~``eps / d^K`` (2e-5 at ``d = 1e-6`` for ``K = 2``), and meaningless much closer;
    at the atom itself the pole gives 0.
    """
    law = _prepare(law_or_coeffs)
    xx = real_points(x)
    flat = xx.ravel()
    out = np.zeros(flat.shape)
    mask = np.zeros(flat.shape, dtype=bool)
    for left, right in _support(law):
        mask |= (flat > left) & (flat < right)
    if mask.any():
        gx = _follow(law, flat[mask], np.zeros(int(mask.sum())))
        rho = np.abs(gx.imag) / np.pi
        rho[~np.isfinite(rho)] = 0.0
        out[mask] = rho
    return out.reshape(xx.shape)


def _support(law):
    if law._support is None:
        b = law.breaks
        intervals = []
        if b.size >= 2:
            mid = 0.5 * (b[:-1] + b[1:])
            gm = _follow(law, mid, np.zeros(mid.size))
            inside = np.abs(gm.imag) > 1e-9 * (np.abs(gm) + 1.0 / law.S)
            for i in np.nonzero(inside)[0]:
                left, right = float(b[i]), float(b[i + 1])
                if intervals and intervals[-1][1] == left:
                    intervals[-1] = (intervals[-1][0], right)
                else:
                    intervals.append((left, right))
        law._support = intervals
    return law._support


def support(law_or_coeffs):
    r"""Support of the absolutely continuous part, as a sorted list of ``(left, right)``.

    The edges are real roots of the discriminant of :math:`P` in ``g`` (or of the leading
    coefficient :math:`[g^K]P`); an interval between consecutive candidates is kept where the
    physical branch is non-real (density positive) at its midpoint; touching intervals merge.
    """
    return list(_support(_prepare(law_or_coeffs)))


def atoms(law_or_coeffs):
    r"""Atoms of the law, ``[(location, weight), ...]`` sorted by location.

    The weight is the residue :math:`w = \lim_{z\to a}(z - a) g(z)` of the *physical* branch at
    a real zero ``a`` of the leading coefficient :math:`[g^K]P` (the only places a branch can
    have a pole): estimated by following the branch to :math:`a + i\varepsilon`, then snapped
    to the exact simple-pole residue from the Newton polygon of :math:`P` at ``a``.
    """
    law = _prepare(law_or_coeffs)
    if law._atoms is None:
        law._atoms = _atoms(law)
    return list(law._atoms)


def _atoms(law):
    cands = law.pole_candidates
    if cands.size == 0:
        return []
    law.breaks  # noqa: B018
    found = []
    for a in cands:
        others = law.singular[np.abs(law.singular - a) > 1e-9 * (1 + abs(a))]
        d = float(np.min(np.abs(others - a))) if others.size else np.inf
        # not too small: where several branches share the pole, |g| ~ 1/eps makes the roots of
        # P ill-conditioned (~ eps_mach |g|^K); Richardson removes the O(eps), O(eps^2) terms
        eps = 1e-3 * min(1.0 + abs(a), d) * np.array([1.0, 0.5, 0.25])
        g = _follow(law, np.full(3, a), eps)
        w = 1j * eps * g
        if not np.all(np.isfinite(w)) or abs(w[-1]) < 1e-7:
            continue
        # Richardson, errors O(eps) then O(eps^2)
        w1 = 2 * w[1] - w[0]
        w2 = 2 * w[2] - w[1]
        west = (4 * w2 - w1) / 3
        h = _residue_candidates(law, a)
        match = None
        if h.size:
            i = int(np.argmin(np.abs(h - west)))
            if abs(h[i] - west) <= 1e-4 * abs(h[i]) + 1e-8:
                match = h[i]
        if match is None:
            # no exact simple-pole residue: accept only a clean numerical pole
            if abs(w1 - w2) > 1e-6 * abs(west) or abs(west.imag) > 1e-6 * abs(west):
                continue
            match = west
        weight = float(match.real)
        if weight > 1e-12:
            found.append((float(a), weight))
    return found


def _residue_candidates(law, a):
    """Nonzero roots h of the Newton-polygon edge polynomial at z = a for g = h/(z - a)."""
    C = law.C
    K, D = law.K, law.D
    # alpha[k, j]: Taylor coefficients of [g^k]P at a (synthetic division in z)
    alpha = C.astype(float).copy()
    for i in range(D):
        for j in range(D - 1, i - 1, -1):
            alpha[:, j] += a * alpha[:, j + 1]
    thr = 1e-10 * np.max(np.abs(alpha))
    k_idx, j_idx = np.nonzero(np.abs(alpha) > thr)
    if k_idx.size == 0:
        return np.zeros(0, dtype=complex)
    ex = j_idx - k_idx
    e = ex.min()
    sel = ex == e
    edge = np.zeros(K + 1)
    for k, j in zip(k_idx[sel], j_idx[sel]):
        edge[k] += alpha[k, j]
    nz = np.nonzero(edge)[0]
    if nz.size < 2:
        return np.zeros(0, dtype=complex)
    poly = edge[nz[0]: nz[-1] + 1]                      # divide out h^{nz[0]}
    h = np.roots(poly[::-1]).astype(complex)
    # a multiple root (several branches with the same residue) comes out split by
    # ~ eps^(1/m); the mean of the cluster is well conditioned
    out, used = [], np.zeros(h.size, dtype=bool)
    for i in range(h.size):
        if not used[i]:
            near = ~used & (np.abs(h - h[i]) <= 1e-4 * (np.abs(h[i]) + 1e-12))
            used |= near
            out.append(np.mean(h[near]))
    return np.array(out, dtype=complex)


def moments(law_or_coeffs, k_max):
    r"""Moments :math:`m_1, \dots, m_{k_{max}}` (:math:`m_k = \int x^k d\mu`, atoms included).

    Read off the large-``z`` expansion :math:`g = \sum_k m_k z^{-k-1}` of the physical branch by
    the order-by-order recursion described in the module docstring.

    Returns
    -------
    numpy.ndarray of float, length ``k_max`` (``[m_1, ..., m_kmax]``).
    """
    if isinstance(k_max, bool) or not isinstance(k_max, (int, np.integer)) or k_max < 0:
        raise ParameterError("k_max", f"must be a non-negative integer (got {k_max!r})")
    law = _prepare(law_or_coeffs)
    k_max = int(k_max)
    m = law.series if k_max <= _N_SERIES else _series(law.C, k_max)
    return m[1: k_max + 1].copy()
