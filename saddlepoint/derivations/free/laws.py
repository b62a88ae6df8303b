r"""Spectral laws as algebraic curves: the polynomial method of free probability.

A :class:`Law` is a probability measure :math:`\mu` on the real line stored through the
polynomial :math:`P(g, z) = 0` satisfied by its Stieltjes transform (Rao & Edelman 2008, *The
polynomial method for random matrices*, Found. Comput. Math. 8; RMTool). Everything else --
transforms, moments, free cumulants, support edges, atoms, free convolutions -- is derived
from that polynomial, exactly, with SymPy.

Conventions
-----------

==========================  ===================================================================
Stieltjes transform         :math:`g(z) = \int \frac{d\mu(x)}{z - x}`, physical branch
                            :math:`g(z) \sim 1/z` at infinity, :math:`\operatorname{Im} g < 0`
                            for :math:`\operatorname{Im} z > 0`; density
                            :math:`-\frac1\pi \operatorname{Im} g(x + i0)`.
                            (Rao & Edelman 2008 and Bai & Silverstein use
                            :math:`m(z) = \int d\mu/(x - z) = -g(z)`; Mingo & Speicher 2017 and
                            Voiculescu, Dykema & Nica 1992 use :math:`g`.)
R-transform                 :math:`g^{-1}(w) = R(w) + 1/w`, so :math:`R(w) = \sum_{k\ge1}
                            \kappa_k w^{k-1}` (free cumulants :math:`\kappa_k`, Voiculescu 1986;
                            Mingo & Speicher, *Free Probability and Random Matrices*, ch. 2).
moment generating function  :math:`\psi(z) = \sum_{k\ge1} m_k z^k = \frac1z g(\frac1z) - 1`.
S-transform                 :math:`\chi = \psi^{-1}`, :math:`S(t) = \chi(t)\frac{1+t}{t}`
                            (Voiculescu 1987); needs :math:`m_1 \ne 0`.
Marchenko-Pastur            ratio :math:`q = d/n`: the law of the eigenvalues of
                            :math:`X^\top X/n` (``d x d``; ``X`` is ``n x d`` with i.i.d.
                            unit-variance entries). Mean 1, second moment :math:`1 + q`,
                            :math:`R(w) = 1/(1 - qw)`, :math:`S(w) = 1/(1 + qw)`, atom
                            :math:`1 - 1/q` at 0 when :math:`q > 1`, edges
                            :math:`(1 \pm \sqrt q)^2`.
==========================  ===================================================================

The implicit forms use the module symbols ``g, z`` (:attr:`Law.polynomial`), ``r, w``
(:attr:`Law.r_polynomial`, ``r`` standing for :math:`R(w)`) and ``s, w``
(:attr:`Law.s_polynomial`). All are plain ``Symbol`` objects without assumptions, so
``sympy.Symbol("z")`` typed by a user is the same ``z``.

Numbers given as floats are converted to the simplest rational that rounds to them
(``0.1 -> 1/10``), so that every polynomial has rational coefficients and every answer is
exact. Parameters may be symbols (or rational functions of symbols); they stay symbolic.
"""

import copy
import functools

import sympy
from sympy import Poly

from ...errors import DerivationError, ParameterError
from . import _poly, _series
from ._poly import exact_value, normalize, substitute, strip

__all__ = ["g", "z", "w", "r", "s", "Law", "MarchenkoPastur", "Semicircle", "Atoms",
           "FreePoisson"]

#: the Stieltjes transform g and its argument z (the variables of :attr:`Law.polynomial`)
g, z = sympy.symbols("g z")
#: w, the argument of the R- and S-transforms; r and s stand for R(w) and S(w) in
#: :attr:`Law.r_polynomial` and :attr:`Law.s_polynomial`
w, r, s = sympy.symbols("w r s")
_RESERVED = (g, z, w, r, s)

#: numeric laws whose discriminant in g could exceed this degree in z get their support edges
#: numerically (30-digit Floats, see Law.support): the exact elimination costs seconds there
_EXACT_EDGES_MAX = 60
_EDGE_DPS = 30

#: how many series terms factor selection and the numeric tracker use by default
_SELECT_TERMS = 10
_TRACK_MOMENTS = 40


def _is_zero(expr):
    expr = sympy.sympify(expr)
    if expr.is_zero:
        return True
    return sympy.cancel(expr) == 0


class Law:
    r"""A spectral law stored as the polynomial :math:`P(g, z) = 0` of its Stieltjes transform.

    Conventions: :math:`g(z) = \int d\mu(x)/(z - x)` (physical branch :math:`g \sim 1/z`,
    :math:`\operatorname{Im} g < 0` above the axis; Rao & Edelman 2008 and Bai & Silverstein
    use :math:`m = -g`), :math:`g^{-1}(w) = R(w) + 1/w`, :math:`\psi(z) = \sum_{k\ge1} m_k z^k`,
    :math:`\chi = \psi^{-1}`, :math:`S(t) = \chi(t)(1+t)/t`. See the module docstring.

    ``Law(polynomial)`` accepts any polynomial in the module symbols ``g, z`` (and
    parameters) that has a branch :math:`g = 1/z + O(z^{-2})`; it is factored and the factor
    carrying that branch is kept (``ParameterError`` if none or several do). The
    constructors :func:`MarchenkoPastur`, :func:`Semicircle`, :func:`Atoms`,
    :func:`FreePoisson` and the convolutions :func:`~.free_add`, :func:`~.free_mul` are the
    usual way in. Laws are immutable and hashable (equal iff their normalised polynomials
    are equal).

    Examples
    --------
    >>> import sympy
    >>> q = sympy.Symbol("q")
    >>> mp = MarchenkoPastur(q)
    >>> mp.polynomial
    g**2*q*z - g*q - g*z + g + 1
    >>> mp.r_transform(w), mp.s_transform(w)
    (-1/(q*w - 1), 1/(q*w + 1))
    >>> sympy.expand(mp.moment(3))
    q**2 + 3*q + 1
    """

    __slots__ = ("_P", "_params", "_ensemble", "_seed", "_cache", "__weakref__")

    def __init__(self, polynomial, ensemble=None, *, _trusted=False, _seed=None,
                 _normalized=False):
        if _normalized and isinstance(polynomial, Poly) and polynomial.gens[:2] == (g, z):
            P = polynomial
        else:
            expr = polynomial.as_expr() if isinstance(polynomial, Poly) else sympy.sympify(polynomial)
            num, _ = sympy.fraction(sympy.together(expr))
            try:
                P = _poly.to_poly(sympy.expand(num), (g, z))
            except sympy.PolynomialError as exc:
                raise ParameterError("polynomial", f"must be a polynomial in g and z: {exc}") from None
            _normalized = False
        if P.degree(g) < 1:
            raise ParameterError("polynomial", "must involve g")
        seed = tuple(sympy.sympify(m) for m in _seed) if _seed is not None else None
        if not _trusted:
            P = _select_physical_factor(P, seed)
        if not (_trusted and _normalized):
            P = normalize(P)
        object.__setattr__(self, "_P", P)
        object.__setattr__(self, "_params", tuple(P.gens[2:]))
        object.__setattr__(self, "_ensemble", copy.deepcopy(ensemble))
        object.__setattr__(self, "_seed", seed)
        object.__setattr__(self, "_cache", {})
        if not _trusted:
            self._moments(2)  # checks that a branch 1/z + ... exists and continues

    def __setattr__(self, name, value):
        raise AttributeError("Law objects are immutable")

    def __reduce__(self):
        return (_rebuild, (self.polynomial, self._ensemble, self._seed))

    # -- basic attributes -----------------------------------------------------------------
    @property
    def polynomial(self):
        """:math:`P(g, z)`: irreducible over :math:`\\mathbb{Q}(\\text{parameters})`,
        primitive with integer coefficients, positive leading coefficient (lex in
        ``g, z, *parameters``)."""
        return self._P.as_expr()

    @property
    def parameters(self):
        """The free symbols of :attr:`polynomial` other than ``g, z``, sorted by name."""
        return self._params

    @property
    def degree(self):
        """Degree of :attr:`polynomial` in ``g`` (number of branches)."""
        return self._P.degree(g)

    @property
    def ensemble(self):
        """A plain dict recipe of the random matrix this law describes (``None`` for a law
        built from a bare polynomial); see the package docstring for the kinds."""
        return copy.deepcopy(self._ensemble)

    @property
    def is_numeric(self):
        return not self._params

    def __eq__(self, other):
        if not isinstance(other, Law):
            return NotImplemented
        return self._P.gens == other._P.gens and self._P == other._P

    def __hash__(self):
        return hash(("Law", self._P.as_expr()))

    def __repr__(self):
        kind = (self._ensemble or {}).get("kind", "polynomial")
        return f"Law({self.polynomial}, kind={kind!r})"

    # -- internal views ---------------------------------------------------------------------
    @property
    def _K(self):
        if "K" not in self._cache:
            self._cache["K"] = _series.domain_for(self._params)
        return self._cache["K"]

    def _coeffs_in_g(self):
        """[A_0, ..., A_d]: the coefficients of g^k as expressions in z."""
        pg = Poly(self.polynomial, g)
        d = pg.degree()
        out = [sympy.S.Zero] * (d + 1)
        for (k,), c in pg.terms():
            out[k] = sympy.expand(c)
        return out

    def _qdict(self):
        """``Q(h, t) = t^N P(t h, 1/t)``: the physical branch is ``h = z g = 1 + m_1 t + ...``."""
        if "Q" not in self._cache:
            D = _poly.domain_dict(self._P, 2, self._K)
            N = max(j - k for (k, j) in D)
            self._cache["Q"] = {(k, k - j + N): c for (k, j), c in D.items()}
        return self._cache["Q"]

    def _moments(self, n):
        """``[m_0, ..., m_{n-1}]`` in the domain ``QQ(params)``."""
        ms = self._cache.get("moments")
        if ms is not None and len(ms) >= n:
            return ms[:n]
        K = self._K
        Q = self._qdict()
        if ms is None:
            if self._seed is not None:
                prefix = [K.from_sympy(sympy.sympify(m)) for m in self._seed]
            else:
                prefix = [K.one]
            if prefix[0] != K.one:
                raise ParameterError("polynomial", "seed must start with m_0 = 1")
            if any(_series.evaluate(Q, prefix[:1], 1, K)):
                raise ParameterError("polynomial", "has no branch g = 1/z + O(1/z^2) at infinity "
                                     "(not the Stieltjes transform of a probability law)")
            if len(prefix) > 1 and not _series.check_branch(Q, prefix, len(prefix), K):
                raise ParameterError("polynomial", "is not satisfied by the given moments")
        else:
            prefix = ms
        ms = _series.branch_series(Q, prefix, max(n, len(prefix)), K)
        self._cache["moments"] = ms
        return ms[:n]

    def _cumulants(self, n):
        """``[*, kappa_1, ..., kappa_{n-1}]`` in ``QQ(params)``: the series of ``R(w)`` lifted
        through :attr:`r_polynomial` from ``R(0) = m_1`` (Hensel), or, if that branch is
        degenerate, from the moments by the moment-cumulant recursion."""
        c = self._cache.get("kappa")
        if c is None or len(c) < n:
            K = self._K
            try:
                F = _poly.domain_dict(self._r_poly, 2, K)
                ser = _series.branch_series(F, [self._moments(2)[1]], n - 1, K)
                c = [K.zero] + ser
            except DerivationError:
                c = _series.cumulants_from_moments(self._moments(n), K)
            self._cache["kappa"] = c
        return c[:n]

    def _s_series(self, n):
        """``[S_0, ..., S_{n-1}]``: the series of ``S(w)`` lifted through :attr:`s_polynomial`
        from ``S(0) = 1/m_1`` (Hensel), or by series reversion of ``psi`` if degenerate."""
        c = self._cache.get("sser")
        if c is None or len(c) < n:
            K = self._K
            m1 = self._moments(2)[1]
            if not m1:
                raise DerivationError("the S-transform is not a power series when the mean is 0")
            try:
                F = _poly.domain_dict(self._s_poly, 2, K)
                c = _series.branch_series(F, [K.one / m1], n, K)
            except DerivationError:
                c = _series.s_series_from_moments(self._moments(n + 1), K)
            self._cache["sser"] = c
        return c[:n]

    def _to_sympy(self, x):
        return sympy.factor_terms(self._K.to_sympy(x)) if self._params else self._K.to_sympy(x)

    def _constant(self):
        """``c`` if the law is the point mass at ``c`` (P = (z - c) g - 1), else None."""
        if "const" not in self._cache:
            c = None
            A = self._coeffs_in_g()
            if len(A) == 2 and Poly(A[1], z).degree() == 1:
                lead = Poly(A[1], z).LC()
                root = sympy.solve(A[1], z)[0]
                if _is_zero(A[0] + lead):
                    c = root
            self._cache["const"] = c
        return self._cache["const"]

    # -- moments and cumulants ------------------------------------------------------------
    def moment(self, k):
        r"""The moment :math:`m_k = \int x^k d\mu`, exact, from the series of :math:`g` at
        infinity (:math:`g = \sum_k m_k z^{-k-1}`), lifted through :attr:`polynomial`
        (a polynomial in the parameters for MP, semicircle, free Poisson; a rational function
        in general)."""
        k = _index(k, "k", 0)
        return self._to_sympy(self._moments(k + 1)[k])

    def moments(self, n):
        """``[m_0, ..., m_{n-1}]`` (see :meth:`moment`)."""
        n = _index(n, "n", 1)
        return [self._to_sympy(m) for m in self._moments(n)]

    def free_cumulant(self, k):
        r"""The free cumulant :math:`\kappa_k` (:math:`R(w) = \sum_k \kappa_k w^{k-1}`), from
        the moments by :math:`M(z) = 1 + \sum_s \kappa_s z^s M(z)^s` (Nica & Speicher,
        Lecture 16)."""
        k = _index(k, "k", 1)
        return self._to_sympy(self._cumulants(k + 1)[k])

    def mean(self):
        return self.moment(1)

    def variance(self):
        return sympy.factor(self.free_cumulant(2)) if self._params else self.free_cumulant(2)

    # -- implicit transforms ------------------------------------------------------------------
    @property
    def _r_poly(self):
        if "rpoly" not in self._cache:
            F = substitute(self._P, 2, [(w, 1), (r * w + 1, w)], (r, w))
            F = strip(F, [w])
            self._cache["rpoly"] = normalize(F)
        return self._cache["rpoly"]

    @property
    def _s_poly(self):
        if "spoly" not in self._cache:
            F = substitute(self._P, 2, [(s * w, 1), (1 + w, s * w)], (s, w))
            F = strip(F, [s, w])
            self._cache["spoly"] = normalize(F)
        return self._cache["spoly"]

    @property
    def r_polynomial(self):
        r"""The implicit R-transform: a polynomial in ``r, w`` vanishing at ``r = R(w)``.

        From :math:`g = w`, :math:`z = R + 1/w` (the definition
        :math:`g^{-1}(w) = R(w) + 1/w`) substituted in :attr:`polynomial`, denominators and
        the spurious factor :math:`w` removed."""
        return self._r_poly.as_expr()

    @property
    def s_polynomial(self):
        r"""The implicit S-transform: a polynomial in ``s, w`` vanishing at ``s = S(w)``.

        From :math:`g = S w` and :math:`z = (1 + w)/(S w)` (i.e. :math:`\psi(1/z) = w`),
        denominators and the spurious factors ``s``, ``w`` removed."""
        return self._s_poly.as_expr()

    def _quadratic_branch(self, F, yvar, series, arg, name):
        """Closed form of the branch of ``F(y, x) = 0`` analytic at ``x = 0`` with
        ``y(0) = series[0]``: degree 1 or 2 in ``y`` only."""
        x = w
        pf = Poly(F.as_expr(), yvar)
        d = pf.degree()
        coeff = [sympy.S.Zero] * (d + 1)
        for (k,), c in pf.terms():
            coeff[k] = c
        if d == 1:
            res = -coeff[0] / coeff[1]
        elif d == 2:
            a, b, c = coeff[2], coeff[1], coeff[0]
            D = sympy.expand(b ** 2 - 4 * a * c)
            D0 = D.subs(x, 0)
            if _is_zero(D0):
                raise DerivationError(f"{name} has a branch point at w = 0; no closed form")
            L0 = sympy.cancel(2 * a.subs(x, 0) * series + b.subs(x, 0))
            res = (-b + L0 * sympy.sqrt(sympy.expand(sympy.cancel(D / D0)))) / (2 * a)
        else:
            raise DerivationError(
                f"{name} solves a polynomial of degree {d} in the transform; only degrees <= 2 "
                f"have a closed form here (use {name.split('-')[0].lower()}_polynomial)")
        res = sympy.cancel(res) if d == 1 else res
        return res.subs(x, arg) if arg is not x else res

    def r_transform(self, ww=w):
        r"""The R-transform :math:`R(w)` in closed form (:math:`g^{-1}(w) = R(w) + 1/w`), the
        branch analytic at :math:`w = 0` with :math:`R(0) = \kappa_1`. Degree <= 2 in ``r``
        only (else :class:`DerivationError`; :attr:`r_polynomial` is always available)."""
        kappa1 = self._to_sympy(self._cumulants(2)[1])
        return self._quadratic_branch(self._r_poly, r, kappa1, sympy.sympify(ww), "R-transform")

    def s_transform(self, ww=w):
        r"""The S-transform :math:`S(w) = \chi(w)(1+w)/w` in closed form, the branch analytic
        at 0 with :math:`S(0) = 1/m_1`. Needs :math:`m_1 \ne 0` and degree <= 2 in ``s``
        (else :class:`DerivationError`; :attr:`s_polynomial` is always available)."""
        m1 = self._moments(2)[1]
        if not m1:
            raise DerivationError("the S-transform is not a power series when the mean is 0")
        S0 = self._to_sympy(self._K.one / m1)
        return self._quadratic_branch(self._s_poly, s, S0, sympy.sympify(ww), "S-transform")

    # -- Stieltjes transform ------------------------------------------------------------------
    def _closed_form(self):
        """(A, B, k, E, roots) with g = (-B + k E prod sqrt(z - r_j)) / (2 A), degree 2."""
        if "closed" in self._cache:
            return self._cache["closed"]
        A2, B, C = self._coeffs_in_g()[::-1]
        D = sympy.expand(B ** 2 - 4 * A2 * C)
        pd = Poly(D, z, *self._params)
        const, facs = pd.factor_list()
        E = sympy.S.One
        roots = []
        for f, e in facs:
            fe = f.as_expr()
            if Poly(fe, z).degree() == 0:
                continue
            E *= fe ** (e // 2)
            if e % 2:
                rts = sympy.roots(Poly(fe, z))
                if sum(rts.values()) != Poly(fe, z).degree():
                    raise DerivationError(f"cannot solve the branch-point equation {fe} = 0 in radicals")
                for rt, mult in rts.items():
                    roots.extend([rt] * mult)
        if len(roots) % 2:
            raise DerivationError("odd number of branch points: no single-valued branch at infinity")
        # k from the series at infinity of L = 2 A g + B  (L^2 = D)
        K = self._K
        nterm = 4 + Poly(D, z).degree()
        h = self._moments(nterm)
        pa, pb = Poly(A2, z), Poly(B, z)
        M = max(pa.degree() - 1, pb.degree())
        Lser = [K.zero] * nterm
        for (i,), c in pa.terms():
            cK = K.from_sympy(2 * c)
            off = M - i + 1
            for k2 in range(nterm - off):
                Lser[off + k2] += cK * h[k2]
        for (i,), c in pb.terms():
            off = M - i
            if off < nterm:
                Lser[off] += K.from_sympy(c)
        nu = next((i for i, c in enumerate(Lser) if c), None)
        pE = Poly(E, z)
        if nu is None or M - nu != pE.degree() + len(roots) // 2:
            raise DerivationError("inconsistent behaviour of the branch at infinity")
        kcoef = sympy.cancel(K.to_sympy(Lser[nu]) / pE.LC())
        self._cache["closed"] = (A2, B, kcoef, E, roots)
        return self._cache["closed"]

    def stieltjes(self, zz=z):
        r"""The physical branch :math:`g(z) = \int d\mu(x)/(z - x)` as a SymPy expression.

        Degree 1 in ``g``: the rational function. Degree 2: writing
        :math:`P = A g^2 + B g + C` and :math:`B^2 - 4AC = c\,E(z)^2 \prod_j (z - r_j)`,
        :math:`g = \bigl(-B + k E(z) \prod_j \sqrt{z - r_j}\bigr)/(2A)` with principal square
        roots: the product has its cuts exactly on the support (for real branch points) and
        behaves as :math:`z^{n/2}` in every direction, and ``k`` is fixed by the series at
        infinity, so this is the physical branch on all of
        :math:`\mathbb{C} \setminus \operatorname{supp}\mu`, and at real ``x`` it gives the
        boundary value :math:`g(x + i0)`. Degree >= 3: :class:`DerivationError` (use
        :meth:`stieltjes_numeric`).
        """
        zz = sympy.sympify(zz)
        d = self.degree
        if d == 1:
            A1, C = self._coeffs_in_g()[::-1]
            return sympy.cancel(-C / A1).subs(z, zz)
        if d == 2:
            A2, B, k, E, roots = self._closed_form()
            prod = sympy.Mul(*[sympy.sqrt(zz - rt) for rt in roots])
            return (-B.subs(z, zz) + k * E.subs(z, zz) * prod) / (2 * A2.subs(z, zz))
        raise DerivationError(
            f"the Stieltjes transform solves a degree-{d} polynomial; no closed form in "
            "radicals is attempted for degree > 2 (use stieltjes_numeric)")

    # -- numeric side (implemented in saddlepoint.solvers.free_numeric) ----------------------
    def coefficients(self):
        """``P`` as nested lists: ``coefficients()[k][j]`` is the coefficient of
        ``z^j g^k`` (SymPy rationals). Numeric laws only."""
        if self._params:
            raise ParameterError(str(self._params[0]), "is symbolic; substitute a number first "
                                 "(law.subs({...}))")
        pg = Poly(self.polynomial, g, z)
        dg, dz = pg.degree(g), pg.degree(z)
        out = [[sympy.S.Zero] * (dz + 1) for _ in range(dg + 1)]
        for (k, j), c in pg.terms():
            out[k][j] = sympy.Rational(c)
        for row in out:  # trim trailing zeros per row, keep at least one entry
            while len(row) > 1 and row[-1] == 0:
                row.pop()
        return out

    def density(self, x):
        """Density of the absolutely continuous part, ``-Im g(x + i0)/pi`` (numpy in, numpy
        out; atoms are reported by :meth:`atoms`). Delegates to
        :mod:`saddlepoint.solvers.free_numeric`."""
        from saddlepoint.solvers import free_numeric

        return free_numeric.density(self, x)

    def stieltjes_numeric(self, zz):
        """The physical branch at numeric ``zz`` (delegates to
        :mod:`saddlepoint.solvers.free_numeric`)."""
        from saddlepoint.solvers import free_numeric

        return free_numeric.stieltjes(self, zz)

    # -- support and atoms --------------------------------------------------------------------
    def discriminant(self):
        """The discriminant of :attr:`polynomial` in ``g`` (a polynomial in ``z``): the branch
        points of the curve are among its roots."""
        if self.degree == 1:
            return sympy.S.One
        return sympy.factor(sympy.discriminant(self.polynomial, g))

    def _tracker(self):
        if "tracker" not in self._cache:
            from ._branch import Tracker

            rows = self.coefficients()
            ms = [sympy.Rational(self._K.to_sympy(m)) for m in self._moments(_TRACK_MOMENTS)]
            bps = self._breakpoints()
            radius = max([abs(float(b)) for b in bps] + [1.0])
            self._cache["tracker"] = Tracker(rows, ms, radius)
        return self._cache["tracker"]

    def _breakpoints(self):
        """Sorted exact real roots of the discriminant and of the leading coefficient in g
        (numeric laws)."""
        if "bps" not in self._cache:
            polys = [Poly(self._coeffs_in_g()[-1], z)]
            if self.degree >= 2:
                polys.append(Poly(sympy.discriminant(self.polynomial, g), z))
            pts = []
            for p in polys:
                if p.degree() < 1:
                    continue
                for f, _ in p.factor_list()[1]:
                    pts.extend(_real_roots(f))
            uniq = []
            for p_ in sorted(pts, key=lambda v: float(v)):
                if not uniq or not _is_zero(p_ - uniq[-1]):
                    uniq.append(p_)
            self._cache["bps"] = uniq
        return self._cache["bps"]

    def support(self):
        r"""The edges of the support of the absolutely continuous part, sorted.

        Numeric laws: the real roots of the discriminant of :math:`P` in ``g`` at which the
        boundary value :math:`g(x + i0)` of the physical branch switches between real and
        non-real (decided by following the physical branch numerically from infinity); exact
        SymPy numbers (radicals or ``CRootOf``). ``[]`` for purely atomic laws. Numeric laws
        whose discriminant may exceed degree 60 in z (bound ``(2K - 1) deg_z P``; e.g. the
        degree-23 law (SC ⊞ 3 atoms) ⊞ (MP ⊠ 3 atoms), discriminant of degree 148, whose exact
        elimination and root isolation took over a minute) get ``Float`` edges instead: located
        by :func:`saddlepoint.solvers.free_numeric.support` (singular points from the Sylvester
        pencil of P and P_g, the physical branch followed to decide which are edges), then
        refined by Newton's method on :math:`P = \partial_g P = 0` in ``(g, z)`` at 40 digits,
        quadratically convergent at a square-root edge: 30 correct digits (a failure of that
        refinement, e.g. at a cusp, leaves the double-precision edge as a 15-digit Float).
        Symbolic laws: the branch points, i.e. the roots of the odd-multiplicity factors of
        the discriminant, as SymPy expressions (sorted when SymPy can compare them); the
        caller must know which are edges for the parameter values of interest.
        """
        if self.degree == 1:
            return []
        if self._params:
            D = Poly(sympy.discriminant(self.polynomial, g), z, *self._params)
            pts = []
            for f, e in D.factor_list()[1]:
                fz = Poly(f.as_expr(), z)
                if fz.degree() < 1 or e % 2 == 0:
                    continue
                rts = sympy.roots(fz)
                if sum(rts.values()) != fz.degree():
                    raise DerivationError(f"cannot solve {f.as_expr()} = 0 for the edges")
                pts.extend(rts)
            return _try_sort(pts)
        if "support" in self._cache:
            return list(self._cache["support"])
        if (2 * self.degree - 1) * Poly(self.polynomial, z).degree() > _EXACT_EDGES_MAX:
            self._cache["support"] = self._numeric_edges()
            return list(self._cache["support"])
        bps = self._breakpoints()
        tr = self._tracker()
        inside = []
        for a, b in zip(bps[:-1], bps[1:]):
            fa, fb = float(a), float(b)
            v = tr.boundary((fa + fb) / 2, (fb - fa) / 2)
            inside.append(abs(v.imag) > 1e-9 * (1 + abs(v)))
        status = [False] + inside + [False]
        edges = [bp for i, bp in enumerate(bps) if status[i] != status[i + 1]]
        self._cache["support"] = edges
        return list(edges)

    def _numeric_edges(self):
        """Edges of a numeric law too large for the exact discriminant (see :meth:`support`)."""
        import mpmath

        from saddlepoint.solvers import free_numeric

        rows = [[int(c.p) if c.q == 1 else sympy.Rational(c) for c in row] for row in self.coefficients()]
        edges = []
        for left, right in free_numeric.support(self):
            edges += [left, right]
        out = []
        with mpmath.workdps(_EDGE_DPS + 10):
            C = [[mpmath.mpf(c.p) / c.q if isinstance(c, sympy.Rational) else mpmath.mpf(c) for c in row]
                 for row in rows]

            def system(gg, zz):
                A = [mpmath.polyval(row[::-1], zz) for row in C]
                dA = [mpmath.polyval([j * c for j, c in enumerate(row)][:0:-1], zz) if len(row) > 1 else 0
                      for row in C]
                p = pg = pz = pgz = mpmath.mpf(0)
                for k in range(len(A) - 1, -1, -1):
                    pg = pg * gg + p
                    pgz = pgz * gg + pz
                    p = p * gg + A[k]
                    pz = pz * gg + dA[k]
                pgg = mpmath.fsum(k * (k - 1) * A[k] * gg ** (k - 2) for k in range(2, len(A)))
                return p, pg, pz, pgg, pgz
            for x0 in edges:
                out.append(self._refine_edge(system, x0))
        return out

    def _refine_edge(self, system, x0):
        """Newton on P = P_g = 0 in (g, z) at _EDGE_DPS + 10 digits from a double-precision edge
        ``x0`` (g from the closest pair of roots of P(., x0)); ``Float(x0)`` if it fails."""
        import mpmath
        import numpy as np

        rows = self.coefficients()
        A = [float(sum(float(c) * x0 ** j for j, c in enumerate(row))) for row in rows]
        rts = np.roots(A[::-1])
        dist = np.where(np.eye(rts.size, dtype=bool), np.inf, np.abs(rts[:, None] - rts[None, :]))
        a, b = np.unravel_index(np.argmin(dist), dist.shape)
        gg, zz = mpmath.mpf(float((rts[a] + rts[b]).real) / 2), mpmath.mpf(x0)
        for _ in range(60):
            p, pg, pz, pgg, pgz = system(gg, zz)
            det = pg * pgz - pz * pgg
            if det == 0:
                break
            dg = (p * pgz - pz * pg) / det
            dz = (pg * pg - pgg * p) / det
            gg, zz = gg - dg, zz - dz
            if abs(dz) <= mpmath.mpf(10) ** (-_EDGE_DPS - 5) * (1 + abs(zz)):
                if abs(zz - x0) <= 1e-6 * (1 + abs(x0)):
                    return sympy.Float(zz, _EDGE_DPS)
                break
        return sympy.Float(x0, 15)

    def _residue_candidates(self, z0):
        """Residues u of the branches with a simple pole at ``z0`` (Newton polygon)."""
        eps, u = sympy.Dummy("eps"), sympy.Dummy("u")
        A = self._coeffs_in_g()
        d = len(A) - 1
        orders, shifted = [], []
        for k, Ak in enumerate(A):
            pk = Poly(sympy.expand(Ak.subs(z, z0 + eps)), eps)
            cs = {m[0]: c for m, c in pk.terms() if not _is_zero(c)}
            o = min(cs) if cs else None
            orders.append(o)
            shifted.append(cs)
        lows = [(o + d - k) for k, o in enumerate(orders) if o is not None]
        M = min(lows)
        rho = sum(shifted[k][orders[k]] * u ** k for k in range(d + 1)
                  if orders[k] is not None and orders[k] + d - k == M)
        rho = sympy.expand(rho)
        sols = sympy.roots(Poly(rho, u)) if Poly(rho, u).degree() > 0 else {}
        return [c for c in sols if not _is_zero(c)]

    def atoms(self):
        r"""Point masses ``[(location, weight), ...]``, sorted by location; weights exact.

        Atoms sit at real roots ``z0`` of the leading coefficient :math:`A_d(z)` of
        :math:`P` in ``g``; the candidate weights are the residues of the branches with a simple
        pole there (Newton polygon of :math:`P(u/\epsilon, z_0 + \epsilon)`). Numeric laws:
        the physical one is picked by following the physical branch to :math:`z_0 + i0`
        (a candidate, never a fitted number, is returned). Symbolic laws: degree 1 exactly;
        degree 2 through the closed form of :meth:`stieltjes` (the weight may contain
        square roots, e.g. ``(q - 1 + |q - 1|)/(2q)``-type expressions); degree >= 3
        :class:`DerivationError`. MP(q > 1): ``[(0, 1 - 1/q)]``.
        """
        if "atoms" in self._cache:
            return list(self._cache["atoms"])
        A = self._coeffs_in_g()
        lead = Poly(A[-1], z)
        out = []
        if lead.degree() >= 1:
            if self._params:
                locs = list(sympy.roots(lead))
                if sum(sympy.roots(lead).values()) != lead.degree():
                    raise DerivationError("cannot locate the poles in radicals")
            else:
                locs = [x for f, _ in lead.factor_list()[1] for x in _real_roots(f)]
            for z0 in locs:
                wt = self._atom_weight(z0, A)
                if wt is not None and not _is_zero(wt):
                    out.append((z0, wt))
        out = _try_sort_pairs(out)
        self._cache["atoms"] = out
        return list(out)

    def _atom_weight(self, z0, A):
        d = self.degree
        if d == 1:
            return sympy.cancel(-A[0].subs(z, z0) / sympy.diff(A[1], z).subs(z, z0)) \
                if _is_zero(A[1].subs(z, z0)) and not _is_zero(sympy.diff(A[1], z).subs(z, z0)) \
                else None
        cands = self._residue_candidates(z0)
        if not cands:
            return None
        if self._params:
            if d != 2:
                raise DerivationError(
                    "cannot decide the physical branch at a pole for a symbolic law of degree "
                    f"{d}; substitute numbers first")
            A2, B, k, E, roots = self._closed_form()
            dA = sympy.diff(A2, z)
            if _is_zero(dA.subs(z, z0)):
                raise DerivationError("pole of higher order in the leading coefficient")
            # factor each radicand so that sqrt(-(1 - sqrt(q))**2) becomes I*|1 - sqrt(q)|
            # when the parameters are declared real/positive
            prod = sympy.Mul(*[sympy.sqrt(sympy.factor(z0 - rt)) for rt in roots])
            wt = (-B.subs(z, z0) + k * E.subs(z, z0) * prod) / (2 * dA.subs(z, z0))
            clean = _clean_weight(wt, -B.subs(z, z0) / (2 * dA.subs(z, z0)),
                                  k * E.subs(z, z0) / (2 * dA.subs(z, z0)),
                                  sympy.Mul(*[z0 - rt for rt in roots]), self._params)
            return clean if clean is not None else sympy.simplify(wt)
        # numeric: follow the physical branch down to z0 + i*y
        bps = self._breakpoints()
        f0 = float(z0)
        others = [abs(float(b) - f0) for b in bps if abs(float(b) - f0) > 1e-12]
        scale = min(others + [1.0])
        # follow the physical branch towards z0: i y g(z0 + i y) -> weight; stop as soon as
        # one candidate is clearly the nearest at two consecutive heights
        pool = cands + [sympy.S.Zero]
        cpool = [complex(c) for c in pool]
        last = None
        ys = [scale * 10.0 ** (-k) for k in range(2, 11)]
        for y, val, _ in self._tracker().sweep(f0, ys):
            est = complex(val) * 1j * y
            ds = sorted((abs(c - est), i) for i, c in enumerate(cpool))
            d1 = ds[0][0]
            d2 = ds[1][0] if len(ds) > 1 else float("inf")
            pick = ds[0][1] if d1 < 0.1 * d2 else None
            if pick is not None and pick == last:
                best = pool[pick]
                return best if not _is_zero(best) else None
            last = pick
        raise DerivationError(f"could not match the residue at {z0} to one of {cands}")

    # -- affine maps and inverse ----------------------------------------------------------------
    def affine(self, scale=1, shift=0):
        r"""The law of :math:`aX + b`: :math:`g_{aX+b}(z) = \frac1a g_X\bigl(\frac{z - b}{a}\bigr)`,
        i.e. :math:`P(a g, (z - b)/a)` with denominators cleared. ``scale = 0`` gives the point
        mass at ``shift``."""
        a = exact_value(scale, "scale", _RESERVED)
        b = exact_value(shift, "shift", _RESERVED)
        if a == 1 and b == 0:
            return self
        if a.is_zero:
            return Atoms([b], [1])
        an, ad = sympy.fraction(sympy.together(a))
        bn, bd = sympy.fraction(sympy.together(b))
        P2 = substitute(self._P, 2, [(an * g, ad), ((z * bd - bn) * ad, bd * an)], (g, z))
        P2 = normalize(P2)
        base = self._ensemble
        if base is not None and base.get("kind") == "affine":
            ens = {"kind": "affine", "scale": sympy.cancel(a * base["scale"]),
                   "shift": sympy.cancel(a * base["shift"] + b), "base": base["base"]}
        elif base is not None and base.get("kind") == "atoms":
            ens = {"kind": "atoms", "points": [sympy.cancel(a * p + b) for p in base["points"]],
                   "weights": list(base["weights"])}
        else:
            ens = {"kind": "affine", "scale": a, "shift": b, "base": base}
        seed = None
        if self._seed is not None:
            seed = _affine_moments([self._to_sympy(m) for m in self._moments(len(self._seed))], a, b)
        return Law(P2, ens, _trusted=True, _seed=seed)

    def __add__(self, other):
        if isinstance(other, Law):
            raise TypeError("use free_add(a, b) for the free additive convolution of two laws")
        return self.affine(1, other)

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Law):
            return NotImplemented
        return self.affine(1, -exact_value(other, "shift", _RESERVED))

    def __rsub__(self, other):
        return self.affine(-1, other)

    def __neg__(self):
        return self.affine(-1, 0)

    def __mul__(self, other):
        if isinstance(other, Law):
            raise TypeError("use free_mul(a, b) for the free multiplicative convolution of two laws")
        return self.affine(other, 0)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Law):
            return NotImplemented
        a = exact_value(other, "scale", _RESERVED)
        if a.is_zero:
            raise ParameterError("scale", "division by zero")
        return self.affine(1 / a, 0)

    def inverse(self):
        r"""The law of :math:`1/X`: :math:`g_{1/X}(z) = \frac1z - \frac1{z^2} g_X(\frac1z)`,
        i.e. :math:`P_X(z - z^2 g, 1/z)` with denominators cleared (a birational map, so the
        result stays irreducible). ``ParameterError`` when ``X`` has an atom at 0 or (numeric
        laws) when 0 lies in the closed support. For symbolic laws the caller must ensure the
        law has no mass at 0 (e.g. MP(q) needs q < 1)."""
        if not self._params:
            for loc, _ in self.atoms():
                if _is_zero(loc):
                    raise ParameterError("law", "has an atom at 0; 1/X is not defined")
            edges = self.support()
            for lo, hi in zip(edges[::2], edges[1::2]):
                if float(lo) <= 0 <= float(hi):
                    raise ParameterError("law", "has 0 in its support; 1/X has no moments")
        else:
            A = self._coeffs_in_g()[-1]
            if _is_zero(A.subs(z, 0)) and self.degree == 1:
                raise ParameterError("law", "has an atom at 0; 1/X is not defined")
        P2 = substitute(self._P, 2, [(z - z ** 2 * g, 1), (1, z)], (g, z))
        P2 = normalize(strip(P2, [z]))
        return Law(P2, {"kind": "inverse", "base": self._ensemble}, _trusted=True)

    def subs(self, *args, **kwargs):
        """The law with parameters substituted (``sympy.Basic.subs`` arguments). The recipe is
        validated again and, if the polynomial factors at these values, the factor carrying
        the physical branch is kept."""
        P2 = sympy.expand(self.polynomial.subs(*args, **kwargs))
        ens = _subs_recipe(self._ensemble, args, kwargs)
        if ens is not None:
            _validate_recipe(ens)
        n = max(len(self._seed) if self._seed else 0, _SELECT_TERMS)
        ms = [sympy.sympify(m).subs(*args, **kwargs) for m in self.moments(n)]
        if any(m.has(sympy.zoo, sympy.nan, sympy.oo) for m in ms):
            ms = None
        floats = P2.atoms(sympy.Float)
        if floats:
            P2 = P2.xreplace({f: exact_value(f, "value") for f in floats})
            if ms is not None:
                ms = [m.xreplace({f: exact_value(f, "value") for f in m.atoms(sympy.Float)})
                      for m in ms]
        P = _poly.to_poly(P2, (g, z))
        P = _select_physical_factor(P, ms)
        return Law(P, ens, _trusted=True, _seed=ms)

    # -- LaTeX ------------------------------------------------------------------------------------
    def latex(self):
        r"""The defining polynomial and the transforms, as an amsmath ``align*`` environment
        (closed forms where available, implicit equations otherwise)."""
        G = sympy.Function("g")(z)
        Rw = sympy.Function("R")(w)
        Sw = sympy.Function("S")(w)
        lines = [r"P(g, z) &= " + sympy.latex(self.polynomial) + r" = 0"]
        try:
            lines.append(r"g(z) &= " + sympy.latex(self.stieltjes(z)))
        except DerivationError:
            lines.append(r"0 &= " + sympy.latex(self.polynomial.subs(g, G)))
        try:
            lines.append(r"R(w) &= " + sympy.latex(self.r_transform(w)))
        except DerivationError:
            lines.append(r"0 &= " + sympy.latex(self.r_polynomial.subs(r, Rw)))
        try:
            lines.append(r"S(w) &= " + sympy.latex(self.s_transform(w)))
        except DerivationError:
            lines.append(r"0 &= " + sympy.latex(self.s_polynomial.subs(s, Sw)))
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def _repr_latex_(self):
        return self.latex()


# -- helpers ------------------------------------------------------------------------------------

def _rebuild(expr, ensemble, seed):
    return Law(expr, ensemble, _trusted=True, _seed=seed)


def _index(k, name, lo):
    if isinstance(k, bool) or not isinstance(k, (int, sympy.Integer)) or int(k) < lo:
        raise ParameterError(name, f"must be an integer >= {lo}, got {k!r}")
    return int(k)


def _real_roots(f):
    """Exact real roots of an irreducible polynomial in z (radicals up to degree 2)."""
    f = Poly(f.as_expr(), z)
    if f.degree() < 1:
        return []
    if f.degree() <= 2:
        return [rt for rt in sympy.roots(f) if rt.is_real]
    return list(sympy.real_roots(f))


def _try_sort(items):
    try:
        return sorted(items, key=lambda v: float(v))
    except TypeError:
        pass
    items = list(items)
    try:
        items.sort(key=functools.cmp_to_key(_cmp))
    except TypeError:
        pass
    return items


def _cmp(a, b):
    d = a - b
    if d.is_positive:
        return 1
    if d.is_negative:
        return -1
    if _is_zero(d):
        return 0
    raise TypeError("undecidable")


def _try_sort_pairs(pairs):
    try:
        return sorted(pairs, key=lambda p: float(p[0]))
    except TypeError:
        return pairs


def _clean_weight(wt, c0, c1, square, params):
    r"""The weight ``wt = c0 + c1 sqrt(z0 - r_1) ... sqrt(z0 - r_n)`` of a degree-2 law without
    nested radicals, when possible.

    The product of square roots squares to ``square`` = :math:`\prod_j (z_0 - r_j)`; when that
    is a perfect square :math:`F^2` of a rational function, the product is :math:`\pm|F|`
    (principal roots), so ``wt`` is ``c0 + c1 |F|`` or ``c0 - c1 |F|``; with
    :math:`c_1 = \pm c_0/F` this is :math:`2 c_0 \max(0, F)/F` (e.g. MP(q):
    :math:`\max(0, q - 1)/q = \max(0, 1 - 1/q)`). The sign is read off by comparing with
    ``wt`` at sample parameter values 1/7, 1/3, 4/5, 5/4, 3, 7 (both sides of 1, equal and
    mixed across parameters; 30 digits): a sample check, not a proof, so the parameters are
    assumed positive, as for every constructor here with a sign condition. None if no candidate
    matches them all (``wt`` is then kept)."""
    if not params:
        return None
    num, den = sympy.fraction(sympy.cancel(square))
    F = sympy.S.One
    for part, power in ((num, 1), (den, -1)):
        const, facs = Poly(part, *params).factor_list()
        rc = sympy.sqrt(sympy.Rational(const))
        if not rc.is_Rational or any(e % 2 for _, e in facs):
            return None  # not a perfect square: the radicals stay
        F *= (rc * sympy.Mul(*[f.as_expr() ** (e // 2) for f, e in facs])) ** power
    samples = [sympy.Rational(1, 7), sympy.Rational(1, 3), sympy.Rational(4, 5), sympy.Rational(5, 4),
               3, 7]
    points = [{p: v for p in params} for v in samples]
    points += [{p: samples[(i + j) % len(samples)] for j, p in enumerate(params)} for i in range(len(samples))]

    def same(a, b):
        for pt in points:
            try:
                va, vb = complex(a.subs(pt).evalf(30)), complex(b.subs(pt).evalf(30))
            except (TypeError, ValueError):
                return False
            if abs(va - vb) > 1e-20 * (1 + abs(va)):
                return False
        return True
    for sign in (1, -1):
        cand = c0 + sign * c1 * sympy.Abs(F)
        if not same(cand, wt):
            continue
        for G in (F, -F):  # c0 + c0 |G|/G = 2 c0 max(0, G)/G
            if _is_zero(sympy.cancel(sign * c1 * G - c0)):
                tidy = sympy.factor(2 * c0 / G) * sympy.Max(0, sympy.factor(G))
                if same(tidy, wt):
                    return tidy
        return cand
    return None


def _affine_moments(ms, a, b):
    """Moments of aX + b from those of X (binomial)."""
    out = []
    for k in range(len(ms)):
        out.append(sympy.expand(sum(sympy.binomial(k, i) * a ** i * ms[i] * b ** (k - i)
                                    for i in range(k + 1))))
    return out


def _select_physical_factor(P, seed):
    """The irreducible factor of ``P`` (a Poly in g, z, *params) carrying the branch
    ``g = 1/z + m_1/z^2 + ...``; ``seed`` = known moments [1, m_1, ...] or None."""
    params = tuple(P.gens[2:])
    _, facs = P.factor_list()
    facs = [f for f, _ in facs if f.degree(g) > 0]
    if len(facs) == 1:
        return facs[0]
    K = _series.domain_for(params)
    cands = []
    for f in facs:
        probe = Law.__new__(Law)
        object.__setattr__(probe, "_P", normalize(f))
        object.__setattr__(probe, "_params", tuple(probe._P.gens[2:]))
        object.__setattr__(probe, "_cache", {"K": K})
        Q = probe._qdict()
        if any(_series.evaluate(Q, [K.one], 1, K)):
            continue
        cands.append((f, Q))
    if seed is not None and len(cands) > 1:
        ser = [K.from_sympy(sympy.sympify(m)) for m in seed]
        cands = [(f, Q) for f, Q in cands if _series.check_branch(Q, ser, len(ser), K)]
    if len(cands) != 1:
        raise ParameterError(
            "polynomial", f"has {len(cands)} irreducible factors with a branch 1/z at infinity; "
            "cannot tell which is the Stieltjes transform (give the moments or a single factor)")
    return cands[0][0]


# -- recipes and validation ---------------------------------------------------------------------

def _subs_recipe(rec, args, kwargs):
    if rec is None:
        return None
    out = {}
    for k, v in rec.items():
        if isinstance(v, dict):
            out[k] = _subs_recipe(v, args, kwargs)
        elif isinstance(v, list):
            out[k] = [sympy.sympify(x).subs(*args, **kwargs) for x in v]
        elif isinstance(v, sympy.Basic):
            out[k] = v.subs(*args, **kwargs)
        else:
            out[k] = v
    return out


def _validate_recipe(rec):
    if rec is None:
        return
    kind = rec.get("kind")
    if kind == "semicircle":
        _check_positive(rec["variance"], "var")
    elif kind == "marchenko_pastur":
        _check_positive(rec["ratio"], "q")
    elif kind == "free_poisson":
        _check_positive(rec["rate"], "rate")
        _check_nonzero(rec["jump"], "jump")
    elif kind == "atoms":
        _check_weights(rec["weights"])
    for key in ("base", "left", "right"):
        if isinstance(rec.get(key), dict):
            _validate_recipe(rec[key])


def _check_positive(v, name):
    v = exact_value(v, name, _RESERVED)
    if v.is_number:
        if not v > 0:
            raise ParameterError(name, f"must be positive, got {v}")
    elif v.is_positive is False:
        raise ParameterError(name, f"must be positive, got {v} (known to be <= 0 or not real)")
    return v


def _check_nonzero(v, name):
    v = exact_value(v, name, _RESERVED)
    if v.is_zero:
        raise ParameterError(name, "must be nonzero")
    return v


def _check_weights(weights):
    ws = [exact_value(x, "weights", _RESERVED) for x in weights]
    for x in ws:
        if x.is_number and x < 0 or (not x.is_number and x.is_negative):
            raise ParameterError("weights", f"must be nonnegative, got {x}")
    total = sympy.expand(sympy.Add(*ws))
    if total != 1:
        if total.is_number:
            raise ParameterError("weights", f"must sum to 1 exactly, got sum {total}")
        if not _is_zero(total - 1):
            raise ParameterError("weights", f"must sum to 1 (symbolically), got {total}")
    return ws


# -- constructors ---------------------------------------------------------------------------------

def Semicircle(var=1):
    r"""Wigner's semicircle law with mean 0 and variance ``var`` (GOE/Wigner matrices
    :math:`W/\sqrt{d}` with entries of variance ``var``).

    :math:`P = v g^2 - z g + 1`, :math:`g(z) = (z - \sqrt{z-2\sqrt v}\sqrt{z+2\sqrt v})/(2v)`,
    :math:`R(w) = v w`, edges :math:`\pm 2\sqrt v`, moments :math:`m_{2k} = C_k v^k` (Catalan).
    ``var <= 0`` raises ``ParameterError``; a symbol stays symbolic.
    """
    v = _check_positive(var, "var")
    return Law(v * g ** 2 - z * g + 1, {"kind": "semicircle", "variance": v}, _trusted=True)


def MarchenkoPastur(q):
    r"""Marchenko-Pastur law with ratio :math:`q = d/n`: the eigenvalues of :math:`X^\top X/n`
    (``d x d``, ``X`` is ``n x d`` with i.i.d. unit-variance entries).

    :math:`P = q z g^2 + (1 - q - z) g + 1` (Rao & Edelman 2008, Table 1, with
    :math:`g = -m`), :math:`R(w) = 1/(1 - qw)`, :math:`S(w) = 1/(1 + qw)`, mean 1, second
    moment :math:`1 + q`, moments :math:`m_k = \sum_j N(k, j) q^{j-1}` (Narayana), edges
    :math:`(1 \pm \sqrt q)^2`, atom :math:`1 - 1/q` at 0 when :math:`q > 1`.
    ``q <= 0`` raises ``ParameterError``.
    """
    qq = _check_positive(q, "q")
    return Law(qq * z * g ** 2 + (1 - qq - z) * g + 1, {"kind": "marchenko_pastur", "ratio": qq},
               _trusted=True)


def FreePoisson(rate=1, jump=1):
    r"""Free Poisson law with rate :math:`\lambda` and jump size :math:`\alpha`:
    :math:`R(w) = \lambda\alpha/(1 - \alpha w)` (all free cumulants :math:`\lambda\alpha^k`;
    Mingo & Speicher 2017, Sec. 2.7). ``MarchenkoPastur(q) == FreePoisson(1/q, q)``.

    :math:`P = \alpha z g^2 + (\alpha(\lambda - 1) - z) g + 1`; atom :math:`1 - \lambda` at 0
    when :math:`\lambda < 1`. ``rate <= 0`` or ``jump == 0`` raise ``ParameterError``.
    """
    lam = _check_positive(rate, "rate")
    a = _check_nonzero(jump, "jump")
    return Law(a * z * g ** 2 + (a * (lam - 1) - z) * g + 1,
               {"kind": "free_poisson", "rate": lam, "jump": a}, _trusted=True)


def Atoms(points, weights=None):
    r"""A discrete law :math:`\sum_i w_i \delta_{a_i}` (equal weights if ``weights`` is None):
    :math:`g = \sum_i w_i/(z - a_i)`, i.e. :math:`P = \prod_i (z - a_i)\, g -
    \sum_i w_i \prod_{j\ne i}(z - a_j)`. Repeated numeric points are merged, zero weights
    dropped. Weights must be nonnegative and sum to 1 (exactly for numbers; symbolically
    for symbols). One point is a constant: ``free_add`` shifts and ``free_mul`` scales by it.
    """
    pts = list(points)
    if not pts:
        raise ParameterError("points", "must not be empty")
    pts = [exact_value(p, "points", _RESERVED) for p in pts]
    if weights is None:
        weights = [sympy.Rational(1, len(pts))] * len(pts)
    weights = list(weights)
    if len(weights) != len(pts):
        raise ParameterError("weights", f"must have one entry per point ({len(pts)}), got {len(weights)}")
    ws = _check_weights(weights)
    merged = {}
    order = []
    for p, x in zip(pts, ws):
        key = p
        for k in order:
            if _is_zero(k - p):
                key = k
                break
        if key not in merged:
            merged[key] = sympy.S.Zero
            order.append(key)
        merged[key] += x
    order = [p for p in order if not (merged[p].is_number and merged[p] == 0)]
    if not order:
        raise ParameterError("weights", "all weights are zero")
    prod = sympy.Mul(*[(z - p) for p in order])
    C = sympy.Add(*[merged[p] * sympy.Mul(*[(z - q_) for q_ in order if q_ is not p]) for p in order])
    P = sympy.expand(prod * g - C)
    ens = {"kind": "atoms", "points": list(order), "weights": [merged[p] for p in order]}
    return Law(P, ens, _trusted=True)
