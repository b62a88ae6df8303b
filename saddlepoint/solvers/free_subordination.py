r"""Numeric free convolutions by subordination, for spectral laws that are not algebraic.

A :class:`NumericLaw` is a probability measure :math:`\mu` on the real line known through
numbers rather than through a polynomial :math:`P(g, z) = 0`: a finite spectrum
(:func:`from_atoms`, e.g. the power-law population :func:`power_law`), an algebraic
:class:`~saddlepoint.derivations.free.Law` wrapped for numeric use (:func:`from_law`), or a free
convolution of those (:func:`free_add`, :func:`free_mul`). A free convolution of a discrete law
with ``d`` atoms has a minimal polynomial of degree ~``d`` in ``g``; the resultant route of
:mod:`saddlepoint.derivations.free` is hopeless for ``d = 1000``, the subordination route below
costs ``O(d)`` per point.

Conventions (those of :mod:`saddlepoint.derivations.free.laws`)
----------------------------------------------------------------
* Stieltjes transform :math:`g(z) = \int d\mu(x)/(z - x)`: :math:`g \sim 1/z` at infinity,
  :math:`\operatorname{Im} g < 0` for :math:`\operatorname{Im} z > 0`,
  :math:`g(\bar z) = \overline{g(z)}`. Bai & Silverstein (2010) write :math:`m = -g`.
* Density of the absolutely continuous part :math:`\rho(x) = -\operatorname{Im} g(x + i0)/\pi`;
  atoms :math:`w\,\delta_a` are reported by :meth:`NumericLaw.atoms`.
* R-transform :math:`g^{-1}(w) = R(w) + 1/w`, :math:`R(w) = \sum_{k\ge1}\kappa_k w^{k-1}`;
  :math:`\psi(z) = \sum_{k\ge1} m_k z^k = g(1/z)/z - 1`, :math:`\chi = \psi^{-1}`,
  :math:`S(t) = \chi(t)(1+t)/t`.
* :math:`a \boxplus b` is the law of :math:`A + B`, :math:`a \boxtimes b` that of
  :math:`A^{1/2} B A^{1/2}` (``A``, ``B`` asymptotically free). ``MarchenkoPastur(q)``,
  :math:`q = d/n`, is the law of :math:`X^\top X/n`; so ``free_mul(MarchenkoPastur(q), H)`` is
  the limiting spectrum of the sample covariance :math:`\Sigma^{1/2} (X^\top X/n)
  \Sigma^{1/2}` whose population :math:`\Sigma` has spectral law ``H``.

Subordination equations
-----------------------
Every free convolution is an ordinary Stieltjes transform evaluated at a *subordination
function* (Biane 1998; Belinschi & Bercovici 2007, *A new approach to subordination results
in free probability*, J. Anal. Math. 101, 357--365). With :math:`F = 1/g` and
:math:`h(w) = F(w) - w`:

* ⊞ (two-sided): :math:`g_{a\boxplus b}(z) = g_a(\omega_1)`, where :math:`\omega_1` is the fixed
  point of :math:`\omega \mapsto z + h_b(z + h_a(\omega))` (Belinschi & Bercovici 2007)
  and :math:`\omega_2 = z + h_a(\omega_1)`.
* ⊞ with a rational :math:`R_b` (semicircle, Marchenko-Pastur, free Poisson; one-sided):
  :math:`g(z) = g_a(\omega)`, :math:`\omega = z - R_b(g_a(\omega))`, from
  :math:`R_{a\boxplus b} = R_a + R_b` (Voiculescu 1986).
* ⊠ with a rational :math:`S_b` (one-sided): writing :math:`K = z g(z) = 1 + \psi(1/z)`,
  :math:`K = \zeta_1 g_a(\zeta_1)` with :math:`\zeta_1 = z\,S_b(K - 1)`, from
  :math:`\chi_{ab} = \chi_a S_b` (Voiculescu 1987). For :math:`b = ` MP(q),
  :math:`S_b(t) = 1/(1 + qt)` and this is the Marchenko-Pastur / Silverstein equation
  :math:`g(z) = \int dH(t)/(z - t(1 - q + qzg(z)))` (Marchenko & Pastur 1967; Silverstein & Bai
  1995, J. Multivariate Anal. 54; Bai & Silverstein 2010, Thm 4.3, with :math:`m = -g`;
  ``H`` need not be positive there).
* ⊠ (two-sided, both means nonzero): :math:`K = \zeta_1 g_a(\zeta_1) = \zeta_2 g_b(\zeta_2)`
  with :math:`\zeta_1\zeta_2(K - 1) = zK`; this is Belinschi & Bercovici's
  :math:`\eta(z) = \eta_1(\omega_1) = \eta_2(\omega_2)`, :math:`\omega_1\omega_2 = z\eta(z)`
  in the variables :math:`\zeta_j = 1/\omega_j`,
  :math:`\eta(1/\zeta) = 1 - 1/(\zeta g(\zeta))`.

Numerical method
----------------
Each equation is one complex unknown ``u`` per point, solved by Newton's method (the
derivatives of the factors' Stieltjes transforms are exact), by continuation down the vertical
line :math:`x + iy`: from :math:`y_0` a few times the spread of the law (where the large-``z``
form of ``u`` is an accurate start), ``y`` decreases geometrically, each step started from the
first-order predictor :math:`u + (du/dz)\Delta z`. A step is accepted only if Newton reaches
``|F| <= tol * scale`` within ``maxiter`` iterations, the root passes necessary conditions
of the physical branch (:math:`-\operatorname{Im} g \ge y|g|^2` above the axis, by Jensen's
inequality; on the axis :math:`\operatorname{Im} g \le 0` and, where ``g`` is real,
:math:`-g' \ge g^2`, which rejects spurious real roots; for ⊞ also
:math:`\operatorname{Im}\omega_j \ge \operatorname{Im} z`, Belinschi & Bercovici's defining
property) and the Newton correction is at
most half the predicted change (so Newton did not jump to another root); otherwise it is retried
shorter. Newton also stops at the rounding floor (after two corrections, a correction below
``1e-13`` relative), and a final correction below ``1e-8`` relative from a residual below
``min(1e-7, sqrt(tol))`` is applied to ``u`` and, to first order, to ``g`` without another
evaluation (its error is of second order). Real targets (the density) take a last jump
:math:`y \to 0` from a *floor* that is lowered until that jump is accepted; at the floor
``1e-14 (1 + |x|)`` (only within ~1e-7 of a support edge or an atom, or where a subordination
function has a pole on the axis, as :math:`\omega_2` does at a zero of ``g`` in a gap) the
value there is kept, an error of order :math:`\sqrt{y}` relative. Dense real grids (more than
512 points) are first solved on every 16th point; the solution, interpolated, starts Newton on
the other points; a result is kept if it passes the checks above, moved less than half the
change of ``u`` between its coarse neighbours, and is of their kind (real ``g`` outside the
support, complex inside); the other points are continued individually. The ⊠ equations
divide by ``z``: ``g(0)`` is taken at ``z = 1e-13`` spread.
Failures (Newton failing even for tiny steps, or more than ``max_steps`` steps) raise
:class:`~saddlepoint.errors.ConvergenceError` with the point, the residual and the iteration
count.

The factors' transforms: a discrete law is summed directly (``O(d)`` per point, in cache-sized
blocks); an algebraic law follows its branch with :mod:`saddlepoint.solvers.free_numeric`
(``g'`` by implicit differentiation of ``P``), or its moment series beyond 8 support radii;
:math:`h = 1/g - w` is taken from the free-cumulant series of ``R`` beyond 16 support radii,
where ``1/g - w`` would cancel.

Moments are exact functions of the factors' moments (computed in ``mpmath`` with guard digits):
free cumulants add under ⊞ (Voiculescu 1986; moment-cumulant formula, Nica & Speicher 2006,
Lectures 11 and 16), S-transforms multiply under ⊠ (Voiculescu 1987), or, when a mean
vanishes, the non-crossing formula
:math:`m_n(ab) = \sum_{\pi\in NC(n)} \kappa_\pi[a]\, m_{K(\pi)}[b]` (Nica & Speicher 2006,
Thm 14.4), through the series code of
:mod:`saddlepoint.derivations.free._series`.

Example
-------
>>> import numpy as np
>>> from saddlepoint import free
>>> from saddlepoint.solvers import free_subordination as fs
>>> pop = fs.power_law(alpha=1.5, d=200)
>>> cov = fs.free_mul(free.MarchenkoPastur(0.5), pop)
>>> round(cov.moment(1), 12) == round(pop.moment(1), 12)       # the mean is tr Sigma / d
True
>>> round(cov.moment(2) - pop.moment(2) - 0.5 * pop.moment(1) ** 2, 12)
0.0
>>> bool(np.all(cov.density([0.01, 0.05, 0.1]) >= 0))
True
"""

import math

import numpy as np

from ..errors import ConvergenceError, ParameterError
from . import free_numeric

__all__ = ["NumericLaw", "from_atoms", "power_law", "from_law", "free_add", "free_mul",
           "as_numeric_law"]

_DPS = 30               # default working precision of exact moments (plus guard digits)
_GUARD = 10
_BLOCK = 256            # rows per block of the (points x atoms) Cauchy sums (cache sized)
_START = 4.0            # y0 = _START * spread of the law
_RATIO0 = 0.3           # first geometric step y -> ratio * y
_MIN_RATIO = 0.02       # longest step after easy steps
_MAX_RATIO = 0.9999     # beyond this the continuation gives up
_FLOOR0 = 1e-3          # first floor for the jump to the real axis, relative to the spread
_FLOOR_MIN = 1e-14      # smallest floor, relative to 1 + |x|
_MAX_STEPS = 2000       # continuation steps per call
_COARSE_MIN = 512       # real grids larger than this are solved coarse-to-fine
_COARSE_EVERY = 16
_SERIES_RADIUS = 8.0    # algebraic factors: moment series beyond 8 x the support radius
_SERIES_TERMS = 24
_LAST_STEP = 1e-8       # see _SubordinatedLaw._newton
_LAST_RES = 1e-7
_STALL = 1e-13          # Newton correction, relative, at which the residual is rounding


def is_numeric_law(x):
    """True for a :class:`NumericLaw` (used by the dispatch in ``free_add``/``free_mul``)."""
    return isinstance(x, NumericLaw)


# =============================================================================================
# mpmath as a domain for the exact series code
# =============================================================================================

class _MPDomain:
    """The few domain operations :mod:`..derivations.free._series` uses, on ``mpmath.mpf``."""

    def __init__(self):
        import mpmath

        self.zero = mpmath.mpf(0)
        self.one = mpmath.mpf(1)
        self._mpf = mpmath.mpf

    def __call__(self, x):
        return self._mpf(x)


# =============================================================================================
# input checks
# =============================================================================================

def _check_tol(tol, maxiter):
    try:
        tol = float(tol)
    except (TypeError, ValueError):
        raise ParameterError("tol", f"must be a positive number, got {tol!r}") from None
    if not (0 < tol < 1e-2):
        raise ParameterError("tol", f"must be in (0, 1e-2), got {tol!r}")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ParameterError("maxiter", f"must be an integer >= 1, got {maxiter!r}")
    return tol, int(maxiter)


def _moment_index(k, name="k", lo=0):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < lo:
        raise ParameterError(name, f"must be an integer >= {lo}, got {k!r}")
    return int(k)


def _check_dps(dps):
    if dps is None:
        return None
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 1:
        raise ParameterError("dps", f"must be None or an integer >= 1, got {dps!r}")
    return int(dps)


# =============================================================================================
# the law classes
# =============================================================================================

class NumericLaw:
    r"""A spectral law handled numerically: Stieltjes transform, density, atoms, support and
    exact moments, with the interface of :class:`~saddlepoint.derivations.free.Law`.

    Conventions: :math:`g(z) = \int d\mu(x)/(z - x)` (:math:`g \sim 1/z`,
    :math:`\operatorname{Im} g < 0` above the axis; Bai & Silverstein's :math:`m` is
    :math:`-g`), density :math:`-\operatorname{Im} g(x + i0)/\pi` of the absolutely continuous
    part, atoms separately; :math:`R`, :math:`\psi`, :math:`S` as in the module docstring.

    Build one with :func:`from_atoms`, :func:`power_law`, :func:`from_law`, :func:`free_add`,
    :func:`free_mul` (also available as ``NumericLaw.from_atoms`` etc.). Instances are
    immutable in use (their caches only grow).
    """

    _is_numeric_law = True

    # -- to be provided by subclasses ---------------------------------------------------------
    def _cauchy(self, w):
        """``(g(w), g'(w))`` for a 1-d complex array ``w`` (either half-plane; real ``w`` gives
        the boundary value from above)."""
        raise NotImplementedError

    def _moments_mp(self, n, dps):
        """``[m_0, ..., m_{n-1}]`` as ``mpmath.mpf`` at ``dps`` digits (call inside workdps)."""
        raise NotImplementedError

    def atoms(self):
        """Point masses ``[(location, weight), ...]`` (floats), sorted by location."""
        raise NotImplementedError

    def _bounds(self):
        """``(lo, hi)``: an interval containing the whole support (atoms included)."""
        raise NotImplementedError

    def _rational_transform(self, which):
        """``None``, or a function ``t -> (T(t), T'(t))`` when the R- (``which='R'``) or
        S-transform (``'S'``) is a rational function, valid on the whole plane."""
        return None

    # -- moments ---------------------------------------------------------------------------------
    def _moments_cached(self, n, dps):
        import mpmath

        cache = self.__dict__.setdefault("_mcache", {})
        key = dps
        ms = cache.get(key)
        if ms is None or len(ms) < n:
            with mpmath.workdps(dps + _GUARD):
                ms = self._moments_mp(max(n, 8), dps + _GUARD)
            cache[key] = ms
        return ms[:n]

    def moment(self, k, dps=None):
        r"""The moment :math:`m_k = \int x^k d\mu` (atoms included), exact from the
        construction (no quadrature): a ``float``, or an ``mpmath.mpf`` with ``dps`` digits
        when ``dps`` is given."""
        k = _moment_index(k)
        dps = _check_dps(dps)
        import mpmath

        m = self._moments_cached(k + 1, dps or _DPS)[k]
        if dps is None:
            return float(m)
        with mpmath.workdps(dps):
            return +m

    def moments(self, n, dps=None):
        """``[m_0, ..., m_{n-1}]`` (see :meth:`moment`): a numpy array of floats, or a list of
        ``mpmath.mpf`` when ``dps`` is given."""
        n = _moment_index(n, "n", 1)
        dps = _check_dps(dps)
        ms = self._moments_cached(n, dps or _DPS)
        if dps is None:
            return np.array([float(m) for m in ms])
        import mpmath

        with mpmath.workdps(dps):
            return [+m for m in ms]

    def free_cumulant(self, k, dps=None):
        r"""The free cumulant :math:`\kappa_k` (:math:`R(w) = \sum_k \kappa_k w^{k-1}`), from the
        moments by the moment-cumulant formula (Nica & Speicher 2006, Lecture 11)."""
        k = _moment_index(k, "k", 1)
        dps = _check_dps(dps)
        return _as_output(_cumulants_mp(self, k + 1, dps or _DPS)[k], dps)

    def mean(self):
        """The first moment :math:`m_1` (float)."""
        return self.moment(1)

    def variance(self):
        """:math:`m_2 - m_1^2` (float)."""
        return self.free_cumulant(2)

    # -- transforms ------------------------------------------------------------------------------
    def stieltjes(self, z):
        r"""The physical branch :math:`g(z) = \int d\mu(x)/(z - x)` at numeric ``z`` (any
        shape, either half-plane; :math:`g(\bar z) = \overline{g(z)}`). Real ``z`` gives the
        boundary value :math:`g(x + i0)` (``Im g = -\pi\rho(x)`` on the support; infinite at an
        atom). Returns a complex array of the shape of ``z``."""
        zz = free_numeric.complex_points(z)
        flat = zz.ravel()
        out = np.empty(flat.shape, dtype=complex)
        lower = flat.imag < 0
        if flat.size:
            g, _ = self._cauchy(np.where(lower, flat.conj(), flat))
            out[:] = np.where(lower, g.conj(), g)
        return out.reshape(zz.shape)

    def density(self, x):
        r"""Density :math:`\rho(x) = -\operatorname{Im} g(x + i0)/\pi` of the absolutely
        continuous part (numpy array of the shape of ``x``; ``>= 0``; atoms excluded, see
        :meth:`atoms`). Values below ``1e-9 |g|`` (the rounding of a real boundary value, which
        near an edge is ~``eps/sqrt(distance)``) are reported as 0. Accuracy: ~1e-12 relative
        in the bulk; ~``sqrt(eps)`` within ~1e-7 of a support edge (see the module
        docstring)."""
        xx = free_numeric.real_points(x)
        flat = xx.ravel()
        out = np.zeros(flat.shape)
        if flat.size:
            g = self._boundary(flat)
            with np.errstate(invalid="ignore"):
                rho = -g.imag / np.pi
                rho[~np.isfinite(rho) | (rho <= 1e-9 * np.abs(g) / np.pi)] = 0.0
            out[:] = rho
        return out.reshape(xx.shape)

    def _boundary(self, x):
        g, _ = self._cauchy(x.astype(complex))
        return g

    def cdf(self, x, points=2048):
        r"""The distribution function :math:`F(x) = \mu((-\infty, x])`: atoms plus the integral
        of :meth:`density` over the support intervals of :meth:`support` (composite
        Gauss-Legendre in :math:`\theta`, :math:`x = a + (b - a)(1 - \cos\theta)/2`, about
        ``points`` nodes in all), linearly interpolated between nodes and rescaled to the exact
        absolutely continuous mass ``1 - sum(atom weights)``. A numerical approximation
        (~1e-5 absolute for smooth densities with the default ``points``), meant for
        Kolmogorov-Smirnov comparisons with simulations. Vectorised in ``x``."""
        xx = free_numeric.real_points(x)
        flat = np.unique(xx.ravel())
        ac_mass = 1.0 - sum(wt for _, wt in self.atoms())
        knots, cum = _cumulative_density(self, self.support(), points)
        if knots.size:
            # the quadrature misses a little mass at the edges; rescale to the exact mass, but
            # never hide a missing band (support() checks the mass to 1e-4)
            if abs(cum[-1] - ac_mass) > 1e-3 * max(ac_mass, 1e-300):
                raise ConvergenceError(f"{self!r}.cdf(): the density integrates to {cum[-1]:.6g} over the "
                                       f"support, not {ac_mass:.6g}", point={"points": points},
                                       residual=abs(cum[-1] - ac_mass), iterations=1)
            cum = cum * (ac_mass / cum[-1]) if cum[-1] > 0 else cum
            acc = np.interp(flat, knots, cum, left=0.0, right=cum[-1])
        else:
            acc = np.zeros(flat.shape)
        for loc, wt in self.atoms():
            acc = acc + wt * (flat >= loc)
        return np.clip(acc[np.searchsorted(flat, xx)], 0.0, 1.0)

    # -- support -----------------------------------------------------------------------------------
    def support(self, grid=2000):
        r"""Edges of the support of the absolutely continuous part, a sorted flat list
        ``[left_1, right_1, left_2, ...]`` of floats (as :meth:`Law.support`).

        Numerical: the density is sampled on ``grid`` points spanning a bound of the support
        (evenly, and geometrically towards 0 for supports spanning decades, where the narrow
        bands of a spread-out population lie), away from the atoms, and every sign change of
        ``rho > 0`` is refined by bisection to ~1e-12 relative. The bands found must carry the
        absolutely continuous mass ``1 - sum(atom weights)`` (to 1e-3): otherwise the grid is
        refined (8x, twice) and then ``ConvergenceError`` says how much mass is missing.
        """
        cache = self.__dict__.setdefault("_scache", {})
        if grid in cache:
            return list(cache[grid])
        ac_mass = 1.0 - sum(wt for _, wt in self.atoms())
        for attempt in range(3):
            edges = self._support_numeric(grid * 8 ** attempt)
            found = _cumulative_density(self, edges, 2048 + 256 * len(edges))[1]
            found = float(found[-1]) if found.size else 0.0
            if abs(found - ac_mass) <= 1e-3 * max(ac_mass, 1e-300) or ac_mass <= 1e-12:
                break
        else:
            raise ConvergenceError(f"{self!r}.support(): the bands found carry mass {found:.6g} of the "
                                   f"absolutely continuous {ac_mass:.6g} (narrower bands missed)",
                                   point={"grid": grid * 64}, residual=abs(found - ac_mass), iterations=3)
        cache[grid] = edges
        return list(edges)

    def _support_numeric(self, grid):
        lo, hi = self._bounds()
        if not hi > lo:
            return []
        pad = 1e-9 * (hi - lo)
        xs = np.linspace(lo - pad, hi + pad, grid)
        scale = max(abs(lo), abs(hi))
        if lo >= 0 and hi > 0:
            # bands of a spread-out population crowd towards 0 on a log scale
            xs = np.union1d(xs, np.geomspace(max(lo, 1e-12 * scale), hi, grid))
        # the subordination equations are singular right at an atom: sample around it
        for loc, _ in self.atoms():
            xs = xs[np.abs(xs - loc) > 1e-6 * (hi - lo)]
        inside = self.density(xs) > 0
        change = np.nonzero(inside[1:] != inside[:-1])[0]
        if change.size == 0:
            return []
        a, b = xs[change].copy(), xs[change + 1].copy()
        a_in = inside[change]
        for _ in range(60):
            if np.all(b - a <= 1e-12 * (1 + np.abs(a))):
                break
            mid = 0.5 * (a + b)
            m_in = self.density(mid) > 0
            same = m_in == a_in
            a = np.where(same, mid, a)
            b = np.where(same, b, mid)
        edges = 0.5 * (a + b)
        return [float(e) for e in edges]

    def __repr__(self):
        return f"NumericLaw({self._describe()})"

    def _describe(self):
        return type(self).__name__

    # convenience constructors as class attributes (NumericLaw.from_atoms(...) etc.)
    @staticmethod
    def from_atoms(points, weights=None):
        """See :func:`from_atoms`."""
        return from_atoms(points, weights)

    @staticmethod
    def power_law(alpha, d):
        """See :func:`power_law`."""
        return power_law(alpha, d)

    @staticmethod
    def from_law(law):
        """See :func:`from_law`."""
        return from_law(law)


def _as_output(m, dps):
    if dps is None:
        return float(m)
    import mpmath

    with mpmath.workdps(dps):
        return +m


def _cumulants_mp(law, n, dps):
    import mpmath

    from ..derivations.free import _series

    ms = law._moments_cached(n, dps)
    with mpmath.workdps(dps + _GUARD):
        return _series.cumulants_from_moments(list(ms), _MPDomain())


def _cumulative_density(law, edges, points):
    """``(knots, cum)``: the integral of the density from the first edge up to each knot.

    On each support interval ``[a, b]``, composite 16-point Gauss-Legendre in theta,
    ``x = a + (b - a)(1 - cos theta)/2`` (nodes clustered at the edges, where the density has
    a square-root edge); each node carries its weight over the cell between the midpoints of
    neighbouring nodes, whose right ends are the knots."""
    pairs = list(zip(edges[::2], edges[1::2]))
    if not pairs:
        return np.zeros(0), np.zeros(0)
    panels = max(1, points // (16 * len(pairs)))
    t, wt = np.polynomial.legendre.leggauss(16)
    cuts = np.linspace(0.0, np.pi, panels + 1)
    half = 0.5 * (cuts[1:, None] - cuts[:-1, None])
    th = (half * (t[None, :] + 1.0) + cuts[:-1, None]).ravel()
    wth = (half * wt[None, :]).ravel()
    right = np.r_[0.5 * (th[1:] + th[:-1]), np.pi]
    xs, ws, ks, starts = [], [], [], []
    for a, b in pairs:
        xs.append(a + 0.5 * (b - a) * (1.0 - np.cos(th)))
        ws.append(wth * 0.5 * (b - a) * np.sin(th))
        ks.append(a + 0.5 * (b - a) * (1.0 - np.cos(right)))
        starts.append(a)
    rho = law.density(np.concatenate(xs))
    mass = rho * np.concatenate(ws)
    knots, cum, total, n = [], [], 0.0, th.size
    for i, a in enumerate(starts):
        knots.append(np.r_[a, ks[i]])
        c = total + np.cumsum(mass[i * n:(i + 1) * n])
        cum.append(np.r_[total, c])
        total = c[-1]
    return np.concatenate(knots), np.concatenate(cum)


# ---------------------------------------------------------------------------------------------
# a finite spectrum
# ---------------------------------------------------------------------------------------------

class _DiscreteLaw(NumericLaw):
    r""":math:`\sum_i w_i \delta_{p_i}`: :math:`g(z) = \sum_i w_i/(z - p_i)`, summed directly
    (vectorised in blocks; ``O(d)`` per point)."""

    def __init__(self, points, weights, exact=None, label=None):
        self.points = np.asarray(points, dtype=float)
        self.weights = np.asarray(weights, dtype=float)
        self._exact = exact          # callable (n, dps) -> mpf moments, or None
        self._label = label

    def _cauchy(self, w):
        w = np.asarray(w, dtype=complex).ravel()
        n, d = w.size, self.points.size
        g = np.empty(n, dtype=complex)
        dg = np.empty(n, dtype=complex)
        wt = self.weights.astype(complex)
        buf = np.empty((min(_BLOCK, max(n, 1)), d), dtype=complex)
        with np.errstate(divide="ignore", invalid="ignore"):
            for i in range(0, n, _BLOCK):
                j = min(n, i + _BLOCK)
                r = buf[: j - i]
                np.subtract(w[i:j, None], self.points[None, :], out=r)
                np.reciprocal(r, out=r)
                g[i:j] = r @ wt
                np.multiply(r, r, out=r)
                dg[i:j] = -(r @ wt)
        # at an atom: the pole (g infinite), reported as inf, never NaN
        hit = ~np.isfinite(g)
        g[hit] = np.inf
        dg[hit] = np.inf
        return g, dg

    def _moments_mp(self, n, dps):
        import mpmath

        if self._exact is not None:
            return self._exact(n, dps)
        pts = [mpmath.mpf(float(p)) for p in self.points]
        wts = [mpmath.mpf(float(x)) for x in self.weights]
        out = []
        for k in range(n):
            out.append(mpmath.fsum(wi * pi ** k for pi, wi in zip(pts, wts)))
        return out

    def atoms(self):
        return [(float(p), float(x)) for p, x in zip(self.points, self.weights)]

    def density(self, x):
        """0 everywhere: a discrete law has no absolutely continuous part (see :meth:`atoms`)."""
        xx = free_numeric.real_points(x)
        return np.zeros(xx.shape)

    def support(self, grid=2000):
        """``[]``: no absolutely continuous part."""
        return []

    def _bounds(self):
        return float(self.points.min()), float(self.points.max())

    def _rational_transform(self, which):
        if self.points.size != 1:
            return None
        c = float(self.points[0])
        if which == "S" and c == 0:
            return None
        value = c if which == "R" else 1.0 / c       # point mass c: R = c, S = 1/c

        def constant(t):
            shape = np.shape(t)
            return np.full(shape, value, dtype=complex), np.zeros(shape, dtype=complex)
        return constant

    def _describe(self):
        if self._label:
            return self._label
        return f"atoms, {self.points.size} points"


def from_atoms(points, weights=None):
    r"""The discrete law :math:`\sum_i w_i \delta_{p_i}` of a finite spectrum (equal weights
    ``1/len(points)`` if ``weights`` is None), as a :class:`NumericLaw`.

    :math:`g(z) = \sum_i w_i/(z - p_i)`; moments :math:`m_k = \sum_i w_i p_i^k` (from the float
    values, summed in mpmath). Repeated points are kept as given (harmless). Weights must be
    ``>= 0`` and sum to 1 within ``1e-12`` (they are then renormalised exactly); points finite.
    ``ParameterError`` otherwise.

    >>> from_atoms([1.0, 2.0], [0.25, 0.75]).moment(2)
    3.25
    """
    try:
        pts = np.asarray(points, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError("points", f"must be real numbers, got {points!r}") from None
    if pts.size == 0:
        raise ParameterError("points", "must not be empty")
    if not np.all(np.isfinite(pts)):
        raise ParameterError("points", "must be finite")
    if weights is None:
        wts = np.full(pts.size, 1.0 / pts.size)
    else:
        try:
            wts = np.asarray(weights, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ParameterError("weights", f"must be real numbers, got {weights!r}") from None
        if wts.size != pts.size:
            raise ParameterError("weights", f"must have one entry per point ({pts.size}), "
                                            f"got {wts.size}")
        if not np.all(np.isfinite(wts)) or np.any(wts < 0):
            raise ParameterError("weights", f"must be nonnegative, got {wts.tolist()[:8]}")
        total = float(np.sum(wts))
        if abs(total - 1.0) > 1e-12:
            raise ParameterError("weights", f"must sum to 1, got sum {total!r}")
        wts = wts / total
    keep = wts > 0
    if not np.any(keep):
        raise ParameterError("weights", "all weights are zero")
    return _DiscreteLaw(pts[keep], wts[keep])


def power_law(alpha, d):
    r"""The population spectrum :math:`\omega_k = k^{-\alpha}`, ``k = 1..d``, each eigenvalue
    with weight ``1/d``: the eigenvalue law of a ``d x d`` covariance
    :math:`\Sigma = \operatorname{diag}(k^{-\alpha})` (DESIGN.md convention for power laws).

    Moments exact from the construction: :math:`m_j = \frac1d \sum_{k=1}^d k^{-j\alpha}`,
    summed in mpmath at the requested precision (``alpha`` taken as the given float).

    ``d`` must be a finite integer ``>= 1``. There is no ``d = None`` (infinite) law, on
    purpose: the measures :math:`\frac1d\sum_{k\le d}\delta_{k^{-\alpha}}` converge to
    :math:`\delta_0` as :math:`d\to\infty`, so the infinite power law is not a probability law of
    eigenvalues; the infinite-dimensional ridge theory uses spectral *sums*
    (:func:`saddlepoint.solvers.spectral.powerlaw_sum`), not a law. The eigenvalue-weighted
    measure :math:`\sum_k k^{-\alpha}\delta_{k^{-\alpha}}/\zeta(\alpha)` is a probability law
    for :math:`\alpha > 1`, but it is not the spectrum of a matrix, so it is not offered here
    either: build it with :func:`from_atoms` if you want it, knowingly. ``alpha <= 0`` or
    ``d < 1`` raise ``ParameterError``.

    >>> pl = power_law(alpha=2.0, d=3)
    >>> [round(p, 6) for p, _ in pl.atoms()]
    [0.111111, 0.25, 1.0]
    >>> round(pl.moment(1), 12) == round((1 + 1/4 + 1/9) / 3, 12)
    True
    """
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ParameterError("alpha", f"must be a positive number, got {alpha!r}") from None
    if not (math.isfinite(a) and a > 0):
        raise ParameterError("alpha", f"must be positive, got {alpha!r}")
    if d is None:
        raise ParameterError("d", "must be a finite integer >= 1: the laws (1/d) sum_k "
                                  "delta(k^-alpha) tend to delta_0 as d -> oo, so there is no "
                                  "infinite power-law *law* (see the docstring)")
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ParameterError("d", f"must be an integer >= 1, got {d!r}")
    d = int(d)
    ks = np.arange(1, d + 1, dtype=float)
    pts = ks ** (-a)

    def exact(n, dps):
        import mpmath

        am = mpmath.mpf(a)
        out = [mpmath.mpf(1)]
        for j in range(1, n):
            out.append(mpmath.fsum(mpmath.mpf(k) ** (-j * am) for k in range(1, d + 1)) / d)
        return out

    return _DiscreteLaw(pts[::-1].copy(), np.full(d, 1.0 / d), exact=exact,
                        label=f"power_law(alpha={a!r}, d={d})")


# ---------------------------------------------------------------------------------------------
# an algebraic law, numerically
# ---------------------------------------------------------------------------------------------

class _AlgebraicLaw(NumericLaw):
    """A numeric :class:`~saddlepoint.derivations.free.Law` (no free parameters), evaluated by
    :mod:`saddlepoint.solvers.free_numeric`; ``g'`` by implicit differentiation of
    :math:`P(g, z) = 0`; moments exact (SymPy rationals) from the law."""

    def __init__(self, law):
        self.law = law
        rows = law.coefficients()
        width = max(len(r) for r in rows)
        C = np.zeros((len(rows), width))
        for k, row in enumerate(rows):
            for j, v in enumerate(row):
                C[k, j] = float(v)
        self._C = C
        self._rational = {}
        lo, hi = self._bounds()
        self._radius = max(abs(lo), abs(hi), 1e-300)
        self._series_moments = np.array([float(m) for m in law.moments(_SERIES_TERMS)])

    def _cauchy(self, w):
        w = np.asarray(w, dtype=complex).ravel()
        finite = np.isfinite(w)
        lower = w.imag < 0
        wu = np.where(lower, w.conj(), w)
        wu[~finite] = 0.0
        g = np.full(w.shape, np.nan, dtype=complex)
        # a Newton iterate may leave the finite plane: NaN marks it unconverged
        far = finite & (np.abs(wu) >= _SERIES_RADIUS * self._radius)
        near = finite & ~far
        if near.any():
            g[near] = free_numeric.stieltjes(self.law, wu[near])
        if far.any():
            # far from the support the series sum_k m_k / w^(k+1) converges fast (error
            # < 8^-_SERIES_TERMS relative) and is more accurate than following the branch
            t = 1.0 / wu[far]
            acc = np.zeros(t.shape, dtype=complex)
            for mk in self._series_moments[::-1]:
                acc = acc * t + mk
            g[far] = acc * t
        # implicit differentiation of P(g, z) = sum_k c_k(z) g^k = 0: g' = -P_z / P_g
        pg = np.zeros_like(g)
        pz = np.zeros_like(g)
        gk = np.ones_like(g)
        poly = np.polynomial.polynomial
        for k in range(self._C.shape[0]):
            row = self._C[k]
            pz = pz + poly.polyval(wu, poly.polyder(row)) * gk
            if k + 1 < self._C.shape[0]:
                pg = pg + (k + 1) * poly.polyval(wu, self._C[k + 1]) * gk
            gk = gk * g
        with np.errstate(all="ignore"):
            dg = -pz / pg
        dg[~finite] = np.nan
        g = np.where(lower, g.conj(), g)
        dg = np.where(lower, dg.conj(), dg)
        return g, dg

    def _moments_mp(self, n, dps):
        import mpmath
        import sympy

        out = []
        for m in self.law.moments(n):
            r = sympy.Rational(m)
            out.append(mpmath.mpf(int(r.p)) / int(r.q))
        return out

    def atoms(self):
        return [(float(a), float(w)) for a, w in free_numeric.atoms(self.law)]

    def support(self, grid=2000):
        """The edges from the discriminant (exact up to float rounding), flat sorted list."""
        return [float(e) for pair in free_numeric.support(self.law) for e in pair]

    def density(self, x):
        return free_numeric.density(self.law, free_numeric.real_points(x))

    def _bounds(self):
        pts = self.support() + [a for a, _ in self.atoms()]
        return (min(pts), max(pts)) if pts else (0.0, 0.0)

    def _rational_transform(self, which):
        if which in self._rational:
            return self._rational[which]
        import sympy

        from ..derivations.free import r as rs, s as ss, w as ws

        poly, var = (self.law.r_polynomial, rs) if which == "R" else (self.law.s_polynomial, ss)
        ok = which == "R" or self.law.moment(1) != 0
        pv = sympy.Poly(poly, var)
        if ok and pv.degree() == 1:
            a1, a0 = pv.all_coeffs()                 # a1 T + a0 = 0
            num = [float(c) for c in sympy.Poly(-a0, ws).all_coeffs()]
            den = [float(c) for c in sympy.Poly(a1, ws).all_coeffs()]
            dnum, dden = np.polyder(num), np.polyder(den)

            def rational(t, num=num, den=den, dnum=dnum, dden=dden):
                t = np.asarray(t, dtype=complex)
                N, Dn = np.polyval(num, t), np.polyval(den, t)
                dN, dD = np.polyval(dnum, t), np.polyval(dden, t)
                with np.errstate(all="ignore"):
                    return N / Dn, (dN * Dn - N * dD) / (Dn * Dn)
            transform = rational
        else:
            transform = None
        self._rational[which] = transform
        return transform

    def _describe(self):
        return f"from_law({self.law!r})"


def from_law(law):
    r"""Wrap an algebraic :class:`~saddlepoint.derivations.free.Law` with numeric parameters as
    a :class:`NumericLaw` (same conventions), so it can be convolved with numeric laws.
    ``ParameterError`` if the law still has symbols. A law that is a finite set of atoms is
    turned into :func:`from_atoms` (its transforms are then exact sums)."""
    from ..derivations.free import Law

    if isinstance(law, NumericLaw):
        return law
    if not isinstance(law, Law):
        raise ParameterError("law", f"must be a Law or a NumericLaw, got {law!r}")
    if law.parameters:
        raise ParameterError(str(law.parameters[0]), "is symbolic; substitute a number first")
    ens = law.ensemble or {}
    if ens.get("kind") == "atoms":
        pts = [float(p) for p in ens["points"]]
        wts = [float(x) for x in ens["weights"]]
        out = _DiscreteLaw(np.array(pts), np.array(wts) / sum(wts),
                           exact=_law_moments(law), label=f"from_law({law!r})")
        return out
    return _AlgebraicLaw(law)


def _law_moments(law):
    def exact(n, dps):
        import mpmath
        import sympy

        out = []
        for m in law.moments(n):
            r = sympy.Rational(m)
            out.append(mpmath.mpf(int(r.p)) / int(r.q))
        return out
    return exact


def as_numeric_law(x, name="law"):
    """``x`` as a :class:`NumericLaw` (a ``Law`` is wrapped by :func:`from_law`)."""
    if isinstance(x, NumericLaw):
        return x
    from ..derivations.free import Law

    if isinstance(x, Law):
        return from_law(x)
    raise ParameterError(name, f"must be a Law or a NumericLaw, got {x!r}")


# ---------------------------------------------------------------------------------------------
# free convolutions by subordination
# ---------------------------------------------------------------------------------------------

class _SubordinatedLaw(NumericLaw):
    r"""``a ⊞ b`` or ``a ⊠ b`` evaluated by the subordination equations of the module
    docstring. ``variant`` is ``'add-rational'`` (unknown :math:`\omega`), ``'mul-rational'``
    (unknown :math:`\zeta_1`), ``'add'`` (:math:`\omega_1`) or ``'mul'`` (:math:`\zeta_1`)."""

    def __init__(self, op, a, b, tol, maxiter, max_steps=_MAX_STEPS):
        self.max_steps = max_steps
        self.op, self.a, self.b = op, a, b
        self._given = (a, b)                     # the caller's order, for repr
        self.tol, self.maxiter = tol, maxiter
        self._transform = None
        which = "R" if op == "add" else "S"
        tb = b._rational_transform(which)
        ta = a._rational_transform(which)
        if tb is None and ta is not None:        # ⊞, ⊠ are commutative (as laws)
            self.a, self.b, tb = b, a, ta
        if tb is not None:
            self.variant = op + "-rational"
            self._transform = tb
        else:
            self.variant = op
        if self.variant == "mul":
            if self.a.moment(1) == 0 or self.b.moment(1) == 0:
                raise ParameterError(
                    "b", "free_mul of two numeric laws needs nonzero means (the two-sided "
                    "subordination uses both S-transforms); one factor with a rational "
                    "S-transform (e.g. MarchenkoPastur) may have mean 0")
        self._m1b = self.b.moment(1)
        lo, hi = self._bounds()
        self._spread = max(abs(lo), abs(hi), hi - lo, 1e-300)
        self.stats = {}

    # -- the equations -------------------------------------------------------------------------
    def _initial(self, z):
        if self.variant == "add-rational":
            R, _ = self._transform(1.0 / z)
            return z - R
        if self.variant == "mul-rational":
            S, _ = self._transform(self.moment(1) / z)
            return z * S
        if self.variant == "add":
            return z - self._m1b
        return z / self._m1b

    def _eval(self, u, z):
        """Residual ``F(u; z)``, ``F_u``, ``F_z``, its scale, ``g``, ``dg/dz`` and the imaginary
        parts that must be ``>= Im z`` (⊞ subordination functions)."""
        ga, ga1 = self.a._cauchy(u)
        with np.errstate(all="ignore"):
            if self.variant == "add-rational":
                R, R1 = self._transform(ga)
                F = u - z + R
                Fu = 1.0 + R1 * ga1
                Fz = -np.ones_like(F)
                scale = np.abs(u) + np.abs(z)
                g = ga
                dgdu = ga1
                dudz = -Fz / Fu
                dg = ga1 * dudz
                above = [u.imag]
            elif self.variant == "mul-rational":
                K = u * ga
                dK = ga + u * ga1
                S, S1 = self._transform(K - 1.0)
                F = u - z * S
                Fu = 1.0 - z * S1 * dK
                Fz = -S
                scale = np.abs(u) + np.abs(z * S)
                g = K / z
                dgdu = dK / z
                dudz = -Fz / Fu
                dg = dK * dudz / z - K / (z * z)
                above = []
            elif self.variant == "add":
                ha, ha1 = _h_transform(self.a, u, ga, ga1)
                w2 = z + ha
                gb, gb1 = self.b._cauchy(w2)
                hb, hb1 = _h_transform(self.b, w2, gb, gb1)
                F = u - z - hb
                Fu = 1.0 - hb1 * ha1
                Fz = -1.0 - hb1
                scale = np.abs(u) + np.abs(z) + np.abs(hb)
                g = ga
                dgdu = ga1
                dudz = -Fz / Fu
                dg = ga1 * dudz
                above = [u.imag, w2.imag]
            else:
                K = u * ga
                dK = ga + u * ga1
                den = u * (K - 1.0)
                z2 = z * K / den
                dz2 = z * (-u * dK - K * (K - 1.0)) / (den * den)
                gb, gb1 = self.b._cauchy(z2)
                Kb = z2 * gb
                dKb = gb + z2 * gb1
                F = Kb - K
                Fu = dKb * dz2 - dK
                Fz = dKb * z2 / z
                scale = np.abs(K) + np.abs(Kb)
                g = K / z
                dgdu = dK / z
                dudz = -Fz / Fu
                dg = dK * dudz / z - K / (z * z)
                above = []
        return {"F": F, "Fu": Fu, "scale": scale, "g": g, "dg": dg, "dudz": dudz,
                "dgdu": dgdu, "above": above}

    def _admissible(self, f, z):
        r"""Necessary conditions for the physical branch at the solutions ``f`` (fields of
        :meth:`_newton`): ``g`` finite; for ``y > 0``, :math:`-\operatorname{Im} g \ge y|g|^2`
        (:math:`\operatorname{Im} g = -y\int d\mu/|z - t|^2` and, by Jensen,
        :math:`|g|^2 \le \int d\mu/|z - t|^2`); for ``y = 0``, ``Im g <= 0`` and, where ``g``
        is real (outside the support), :math:`-g' \ge g^2` (the same inequality for
        :math:`g' = -\int d\mu/(x - t)^2`), which rejects the spurious real roots of the
        equations; for ⊞ also :math:`\operatorname{Im}\omega_j \ge \operatorname{Im} z`."""
        g, dg = f["g"], f["dg"]
        y = z.imag
        fin = np.isfinite(g) & np.isfinite(f["dudz"])
        g2 = np.abs(g) ** 2
        with np.errstate(invalid="ignore"):
            real = np.abs(g.imag) <= 1e-9 * np.abs(g)
            upper = (g.imag < 0) & (-g.imag >= y * g2 * (1 - 1e-9))
            axis = (g.imag <= 1e-10 * np.abs(g)) & (~real | (-dg.real >= g.real ** 2 * (1 - 1e-9)))
            ok = fin & np.where(y > 0, upper, axis)
            if self.variant.startswith("add"):
                ok &= f["above"] >= y - 1e-10 * (np.abs(z) + self._spread)
        return ok

    def _newton(self, u0, z):
        """Vectorised Newton from ``u0`` at ``z``; returns ``(u, converged, fields, residual,
        iterations)`` with ``fields`` = g, dg, dudz at the final iterate."""
        n = u0.size
        u = u0.copy()
        conv = np.zeros(n, dtype=bool)
        resid = np.full(n, np.inf)
        iters = np.zeros(n, dtype=int)
        g = np.full(n, np.nan, dtype=complex)
        dg = g.copy()
        dudz = g.copy()
        above = np.full(n, np.inf)
        todo = np.arange(n)
        evals = 0
        for it in range(self.maxiter + 1):
            if todo.size == 0:
                break
            ev = self._eval(u[todo], z[todo])
            evals += todo.size
            with np.errstate(invalid="ignore", divide="ignore"):
                res = np.abs(ev["F"]) / ev["scale"]
            res[~np.isfinite(res)] = np.inf
            resid[todo] = res
            iters[todo] = it
            g[todo], dg[todo], dudz[todo] = ev["g"], ev["dg"], ev["dudz"]
            lowest = np.full(todo.size, np.inf)
            for im in ev["above"]:
                lowest = np.minimum(lowest, im)
            above[todo] = lowest
            with np.errstate(all="ignore"):
                full_step = ev["F"] / ev["Fu"]
            done = res <= self.tol
            # a last correction below _LAST_STEP (relative), from a residual whose square is
            # below tol, leaves an error ~ its square: it is applied to u and, to first order,
            # to g, without another evaluation
            size = np.abs(u[todo]) + self._spread
            last = (~done & (res <= min(_LAST_RES, math.sqrt(self.tol)))
                    & (np.abs(full_step) <= _LAST_STEP * size))
            if last.any():
                sel = todo[last]
                u[sel] = u[sel] - full_step[last]
                g[sel] = g[sel] - ev["dgdu"][last] * full_step[last]
                done |= last
            if it >= 2:
                # rounding floor (ill-conditioned points, e.g. next to an atom): after two
                # corrections the next one is at the level of the rounding errors
                done |= (res <= 1e-8) & (np.abs(full_step) <= _STALL * size)
            conv[todo[done]] = True
            if it == self.maxiter:
                break
            rest = ~done
            step = full_step[rest]
            good = np.isfinite(step)
            idx = todo[rest][good]
            new = u[idx] - step[good]
            if self.variant.startswith("add"):
                # safeguard: the subordination function omega_1 satisfies Im omega_1 >= Im z
                # (then Im omega_2 >= Im z too); a step below that line is cut to land
                # halfway between the line and the current iterate (across the support the
                # Stieltjes transform of an algebraic factor jumps, Newton cannot cross it)
                y = z.imag[idx]
                low = new.imag < y
                if low.any():
                    top = np.maximum(u[idx].imag, y)
                    new[low] = new.real[low] + 1j * (0.5 * (top[low] + y[low]))
            u[idx] = new
            todo = idx
        self.stats["evaluations"] = self.stats.get("evaluations", 0) + evals
        return u, conv, {"g": g, "dg": dg, "dudz": dudz, "above": above}, resid, iters

    # -- continuation --------------------------------------------------------------------------
    def _start(self, x, yt):
        """The solution at y0 = max(yt, _START * spread), raised while Newton fails there."""
        n = x.size
        y = np.maximum(yt, _START * self._spread)
        u = np.empty(n, dtype=complex)
        fields = {k: np.empty(n, dtype=complex) for k in ("g", "dg", "dudz")}
        todo = np.arange(n)
        for _ in range(16):
            z = x[todo] + 1j * y[todo]
            u0 = self._initial(z)
            ur, conv, f, res, its = self._newton(u0, z)
            ok = conv & self._admissible(f, z) & (np.abs(ur - u0) <= 0.25 * np.abs(z))
            sel = todo[ok]
            u[sel] = ur[ok]
            for k in fields:
                fields[k][sel] = f[k][ok]
            todo = todo[~ok]
            if todo.size == 0:
                return y, u, fields
            y[todo] = 4.0 * y[todo]
        i = int(todo[0])
        raise ConvergenceError("subordination: no convergence even far from the support "
                               f"({self.variant})", point={"z": complex(x[i], y[i])},
                               residual=float(res[~ok][0]), iterations=self.maxiter,
                               n_failed=int(todo.size))

    def _continue(self, x, yt):
        n = x.size
        y, u, fields = self._start(x, yt)
        g, dg, dudz = fields["g"], fields["dg"], fields["dudz"]
        spread = self._spread
        ratio = np.full(n, _RATIO0)
        resolution = _FLOOR_MIN * (1.0 + np.abs(x))
        floor = np.full(n, _FLOOR0 * spread)
        active = np.nonzero(y > yt)[0]
        steps = 0
        while active.size:
            steps += 1
            idx = active
            yi = y[idx]
            ynew = yi * ratio[idx]
            jump = ynew <= np.maximum(yt[idx], floor[idx])
            ynew = np.where(jump, yt[idx], ynew)
            znew = x[idx] + 1j * ynew
            pred = u[idx] + dudz[idx] * (1j * (ynew - yi))
            ur, conv, f, res, its = self._newton(pred, znew)
            change = np.abs(pred - u[idx])
            tiny = 1e-12 * (np.abs(ur) + spread)
            with np.errstate(invalid="ignore"):
                ok = (conv & self._admissible(f, znew)
                      & (np.abs(ur - pred) <= 0.5 * change + tiny))
            acc = idx[ok]
            u[acc], y[acc] = ur[ok], ynew[ok]
            g[acc], dg[acc], dudz[acc] = f["g"][ok], f["dg"][ok], f["dudz"][ok]
            easy = ok & (its <= 3)
            ratio[idx[easy]] = np.maximum(ratio[idx[easy]] ** 2, _MIN_RATIO)
            rej = ~ok
            ratio[idx[rej]] = np.sqrt(ratio[idx[rej]])
            # a rejected jump to the target: lower the floor (the jump started too high)
            rj = rej & jump
            floor[idx[rj]] = 1e-2 * np.minimum(floor[idx[rj]], yi[rj])
            # at the resolution of the real axis, keep the value at the last height (only
            # within ~1e-7 of an edge or an atom; an O(sqrt(y)) error there)
            give_up = (rj & (floor[idx] < resolution[idx]) & (yt[idx] == 0)
                       & (yi <= 1e3 * resolution[idx]))
            y[idx[give_up]] = yt[idx[give_up]]
            stuck = rej & ~jump & (ratio[idx] > _MAX_RATIO)
            if stuck.any():
                k = int(np.nonzero(stuck)[0][0])
                raise ConvergenceError(
                    f"subordination ({self.variant}): Newton fails even for tiny continuation "
                    "steps", point={"z": complex(znew[k])}, residual=float(res[k]),
                    iterations=int(its[k]) + steps, n_failed=int(stuck.sum()))
            active = idx[y[idx] > yt[idx]]
            if active.size and steps >= self.max_steps:
                k = int(np.nonzero(y[idx] > yt[idx])[0][0])
                raise ConvergenceError(
                    f"subordination ({self.variant}): the continuation to the target did not "
                    f"finish in max_steps={self.max_steps} steps",
                    point={"z": complex(x[idx[k]], yt[idx[k]])}, residual=float(res[k]),
                    iterations=steps, n_failed=int(active.size))
        self.stats["steps"] = self.stats.get("steps", 0) + steps
        return u, g, dg

    def _solve(self, x, yt):
        """g and g' at x + i yt (yt >= 0), coarse-to-fine on dense real grids."""
        n = x.size
        if n <= _COARSE_MIN or np.any(yt != 0):
            _, g, dg = self._continue(x, yt)
            return g, dg
        order = np.argsort(x, kind="stable")
        xs = x[order]
        ux, first = np.unique(xs, return_index=True)
        cidx = np.unique(np.r_[np.arange(0, ux.size, _COARSE_EVERY), ux.size - 1])
        xc = ux[cidx]
        uc, gc, dgc = self._continue(xc, np.zeros(xc.size))
        guess = np.interp(ux, xc, uc.real) + 1j * np.interp(ux, xc, uc.imag)
        # local variation of u between the neighbouring coarse points: Newton may move the
        # guess by at most half of it (it converged to the root the interpolation points at)
        pos = np.clip(np.searchsorted(xc, ux), 1, xc.size - 1)
        spread_u = np.abs(uc[pos] - uc[pos - 1])
        z = ux + 0j
        ur, conv, f, res, its = self._newton(guess, z)
        tiny = 1e-12 * (np.abs(ur) + self._spread)
        # and the point must be of the kind (inside the support: g complex; outside: g real)
        # of both coarse neighbours, else an edge or an unresolved gap lies between them
        with np.errstate(invalid="ignore"):
            real_c = np.abs(gc.imag) <= 1e-9 * np.abs(gc)
            real_f = np.abs(f["g"].imag) <= 1e-9 * np.abs(f["g"])
            ok = (conv & self._admissible(f, z)
                  & (np.abs(ur - guess) <= 0.5 * spread_u + tiny)
                  & (real_f == real_c[pos]) & (real_f == real_c[pos - 1]))
        ok[cidx] = False
        gu, dgu = f["g"], f["dg"]
        gu[cidx], dgu[cidx] = gc, dgc
        redo = np.nonzero(~ok)[0]
        redo = redo[~np.isin(redo, cidx)]
        if redo.size:
            _, gr, dgr = self._continue(ux[redo], np.zeros(redo.size))
            gu[redo], dgu[redo] = gr, dgr
        self.stats["coarse_redo"] = int(redo.size)
        # back to the caller's order (duplicates share their value)
        inv = np.searchsorted(ux, xs)
        g = np.empty(n, dtype=complex)
        dg = np.empty(n, dtype=complex)
        g[order], dg[order] = gu[inv], dgu[inv]
        return g, dg

    def _cauchy(self, w):
        w = np.asarray(w, dtype=complex).ravel()
        lower = w.imag < 0
        wu = np.where(lower, w.conj(), w)
        if self.op == "mul":
            # the ⊠ equations divide by z: g(0) is taken at z = 1e-13 * spread (the law is
            # continuous there unless 0 is an atom, which density() reports as 0 anyway)
            wu = np.where(wu == 0, 1e-13 * self._spread, wu)
        g, dg = self._solve(wu.real.copy(), wu.imag.copy())
        return np.where(lower, g.conj(), g), np.where(lower, dg.conj(), dg)

    def density(self, x):
        rho = NumericLaw.density(self, x)
        locs = [a for a, _ in self.atoms()]
        if locs:
            xx = np.asarray(x, dtype=float)
            for a in locs:
                rho[np.abs(xx - a) <= 1e-12 * (1 + abs(a))] = 0.0
        return rho

    # -- exact data ----------------------------------------------------------------------------
    def _moments_mp(self, n, dps):
        import mpmath

        from ..derivations.free import _series

        K = _MPDomain()
        ma = self.a._moments_cached(n + 1, dps)
        mb = self.b._moments_cached(n + 1, dps)
        with mpmath.workdps(dps):
            if self.op == "add":
                ka = _series.cumulants_from_moments(list(ma[:n]), K)
                kb = _series.cumulants_from_moments(list(mb[:n]), K)
                return _series.moments_from_cumulants([x + y for x, y in zip(ka, kb)], K)
            if ma[1] != 0 and mb[1] != 0:
                sa = _series.s_series_from_moments(list(ma[:n + 1]), K)
                sb = _series.s_series_from_moments(list(mb[:n + 1]), K)
                return _series.moments_from_s_series(_series.mul(sa, sb, n, K), K)[:n]
            if n > 14:
                raise ParameterError("k", "moments of a ⊠ b with a vanishing mean come from the "
                                          "non-crossing formula; only k <= 13 is supported")
            ka = _series.cumulants_from_moments(list(ma[:n]), K)
            return _series.product_moments(ka, list(mb[:n]), n, K)

    def _moments_cached(self, n, dps):
        import mpmath

        cache = self.__dict__.setdefault("_mcache", {})
        ms = cache.get(dps)
        if ms is None or len(ms) < n:
            if self.op == "mul" and not (self.a.moment(1) and self.b.moment(1)):
                m = max(n, 8) if max(n, 8) <= 14 else n
            else:
                m = max(n, 8)
            with mpmath.workdps(dps + _GUARD):
                ms = self._moments_mp(m, dps + _GUARD)
            cache[dps] = ms
        return ms[:n]

    def atoms(self):
        r"""Atoms from those of the factors (exact rules): ⊞ has an atom at :math:`a + b`
        of weight :math:`w_a + w_b - 1` when that is positive (Bercovici & Voiculescu 1998,
        *Regularity questions for free convolution*, Thm 7.4); ⊠ has weight
        :math:`\max(w_a(0), w_b(0))` at 0 and :math:`w_a + w_b - 1` at :math:`ab \ne 0`
        when positive (Belinschi 2003, *The atoms of the free multiplicative convolution of two
        probability distributions*, Integral Equations Operator Theory 46)."""
        if "_atoms" in self.__dict__:
            return list(self._atoms)
        A, B = self.a.atoms(), self.b.atoms()
        out = {}
        if self.op == "add":
            for pa, wa in A:
                for pb, wb in B:
                    if wa + wb > 1 + 1e-12:
                        out[pa + pb] = out.get(pa + pb, 0.0) + wa + wb - 1
        else:
            w0 = max([w for p, w in A if p == 0] + [w for p, w in B if p == 0] + [0.0])
            if w0 > 1e-12:
                out[0.0] = w0
            for pa, wa in A:
                for pb, wb in B:
                    if pa != 0 and pb != 0 and wa + wb > 1 + 1e-12:
                        out[pa * pb] = out.get(pa * pb, 0.0) + wa + wb - 1
        self._atoms = sorted(out.items())
        return list(self._atoms)

    def _bounds(self):
        la, ha = self.a._bounds()
        lb, hb = self.b._bounds()
        if self.op == "add":
            return la + lb, ha + hb
        prods = [la * lb, la * hb, ha * lb, ha * hb]
        return min(prods), max(prods)

    def _describe(self):
        sym = "⊞" if self.op == "add" else "⊠"
        a, b = self._given
        return f"({a._describe()}) {sym} ({b._describe()})"


def _h_transform(law, w, g, g1):
    r""":math:`h(w) = 1/g(w) - w = -R(g(w))` and :math:`h'(w)`. Far from the support
    (:math:`|w| \ge 16` radii of the support, where :math:`g \approx 1/w` lies well inside
    the disc of convergence of the R-series) through the cumulant series of :math:`R`, because
    :math:`1/g - w` cancels there (an absolute error ``eps |w|``); else directly."""
    with np.errstate(all="ignore"):
        Fw = 1.0 / g
        h = Fw - w
        h1 = -g1 * Fw * Fw - 1.0
        lo, hi = law._bounds()
        radius = max(abs(lo), abs(hi), 1e-300)
        far = np.isfinite(g) & (np.abs(w) >= 16.0 * radius)   # g ~ 1/w: R-series converges
        if far.any():
            kap = law.__dict__.get("_kappa_float")
            if kap is None:
                kap = np.array([law.free_cumulant(k) for k in range(1, _SERIES_TERMS + 1)])
                law._kappa_float = kap
            t = g[far]
            R = np.zeros(t.shape, dtype=complex)
            dR = np.zeros(t.shape, dtype=complex)
            for k in range(kap.size - 1, -1, -1):      # R(t) = sum_k kappa_{k+1} t^k
                dR = dR * t + R
                R = R * t + kap[k]
            h[far] = -R
            h1[far] = -dR * g1[far]
    return h, h1


def _convolve(op, a, b, tol, maxiter, max_steps):
    tol, maxiter = _check_tol(tol, maxiter)
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ParameterError("max_steps", f"must be an integer >= 1, got {max_steps!r}")
    a = as_numeric_law(a, "a")
    b = as_numeric_law(b, "b")
    if op == "mul":
        la, _ = a._bounds()
        lb, _ = b._bounds()
        if la < 0 and lb < 0:
            raise ParameterError("a", "free_mul needs one factor supported on [0, oo) (the A "
                                      "of A^(1/2) B A^(1/2))")
        if la < 0:
            a, b = b, a
    return _SubordinatedLaw(op, a, b, tol, maxiter, int(max_steps))


def free_add(a, b, *, tol=1e-13, maxiter=40, max_steps=_MAX_STEPS):
    r"""Free additive convolution :math:`a \boxplus b` (law of :math:`A + B`, ``A``, ``B``
    asymptotically free) as a :class:`NumericLaw`, by subordination (Belinschi & Bercovici
    2007; one-sided through :math:`R_b` when a factor has a rational R-transform: semicircle,
    Marchenko-Pastur, free Poisson, a point mass). ``a``, ``b``: :class:`NumericLaw` or numeric
    :class:`~saddlepoint.derivations.free.Law`. ``tol``: relative residual of the subordination
    equation; ``maxiter``: Newton iterations per continuation step; ``max_steps``:
    continuation steps per evaluation (a budget exceeded, or Newton failing even for tiny
    steps, raises :class:`~saddlepoint.errors.ConvergenceError` when the law is evaluated).
    Moments exact: free cumulants add. Conventions: module docstring.

    >>> from saddlepoint import free
    >>> law = free_add(free.Semicircle(1), from_atoms([-1.0, 1.0]))
    >>> law.moment(2), law.moment(4)        # kappa_2 = 1 + 1, m_4 = kappa_4 + 2 kappa_2^2 = -1 + 8
    (2.0, 7.0)
    """
    return _convolve("add", a, b, tol, maxiter, max_steps)


def free_mul(a, b, *, tol=1e-13, maxiter=40, max_steps=_MAX_STEPS):
    r"""Free multiplicative convolution :math:`a \boxtimes b` (law of :math:`A^{1/2} B A^{1/2}`,
    ``A >= 0``, ``A``, ``B`` asymptotically free) as a :class:`NumericLaw`, by subordination.
    With ``MarchenkoPastur(q)`` as a factor this solves the Marchenko-Pastur / Silverstein
    equation :math:`g(z) = \int dH(t)/(z - t(1 - q + q z g))` of the sample covariance
    :math:`\Sigma^{1/2}(X^\top X/n)\Sigma^{1/2}` with population law ``H`` (Silverstein & Bai
    1995; Bai & Silverstein 2010, Thm 4.3, :math:`m = -g`). Two factors without a rational
    S-transform use the two-sided equations (Belinschi & Bercovici 2007) and need
    nonzero means. ``tol``, ``maxiter``, ``max_steps`` as in :func:`free_add`. Moments exact:
    S-transforms multiply (Voiculescu 1987), or the non-crossing formula when a mean vanishes.

    >>> from saddlepoint import free
    >>> cov = free_mul(free.MarchenkoPastur(0.25), from_atoms([2.0, 0.5]))
    >>> cov.moment(2)                                 # tr S^2/d + q (tr S/d)^2
    2.515625
    """
    return _convolve("mul", a, b, tol, maxiter, max_steps)
