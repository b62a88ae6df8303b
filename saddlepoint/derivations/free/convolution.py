r"""Free additive and multiplicative convolution by resultants (the polynomial method).

Rao & Edelman 2008 (*The polynomial method for random matrices*, Sec. 6): if
:math:`R_a(w)` and :math:`R_b(w)` are algebraic, so is
:math:`R_{a\boxplus b} = R_a + R_b` (Voiculescu 1986), and its polynomial is obtained by
eliminating :math:`Y` between :math:`F_a(Y, w) = 0` and :math:`F_b(r - Y, w) = 0` with a
resultant; likewise :math:`S_{a\boxtimes b} = S_a S_b` (Voiculescu 1987) eliminates :math:`Y`
between :math:`G_a(Y, w)` and :math:`Y^{\deg} G_b(s/Y, w)`. The resultant vanishes on *every*
combination of branches, so it usually factors: the minimal polynomial is the irreducible
factor satisfied by the physical branch, selected here by plugging in the power series of
the transform of the result, known independently (free cumulants add under ⊞; S-transforms
multiply under ⊠, or, when a mean vanishes, the moments of the product come from the
non-crossing formula :math:`m_n(ab) = \sum_{\pi\in NC(n)} \kappa_\pi[a]\, m_{K(\pi)}[b]`,
Nica & Speicher 2006, Thm 14.4). Two distinct irreducible curves share a power-series branch
only to finite order, so adding terms until exactly one factor survives is a sound test.

Conventions are those of :mod:`.laws`: :math:`g(z) = \int d\mu/(z - x)`,
:math:`g^{-1}(w) = R(w) + 1/w`, :math:`S(t) = \chi(t)(1 + t)/t`.
"""

import sympy
from sympy import Poly, QQ

from ...errors import DerivationError, ParameterError
from . import _poly, _series
from ._poly import normalize, substitute, strip
from .laws import Law, g, r, s, w, z

__all__ = ["free_add", "free_mul"]

_MAX_TERMS = 48


def _as_law(x, name):
    if isinstance(x, Law):
        return x
    raise ParameterError(name, f"must be a Law (use law + c or law * c for numbers), got {x!r}")


def _numeric_dispatch(op, a, b):
    """If either argument is a numeric law (``saddlepoint.solvers.free_subordination``; laws
    that are not algebraic), the convolution is done numerically by subordination there.
    Imported lazily: this package never imports numpy at module level."""
    if getattr(a, "_is_numeric_law", False) or getattr(b, "_is_numeric_law", False):
        from saddlepoint.solvers import free_subordination

        return getattr(free_subordination, op)(a, b)
    return None


def _select(factors, y, x, series_fn, K, start=8):
    """The unique factor ``F(y, x)`` with ``F(y(x), x) = O(x^N)`` for the series
    ``series_fn(N)``, increasing ``N`` until only one factor is left."""
    dicts = []
    for f in factors:
        if f.degree(y) < 1:
            continue
        dicts.append((f, _poly.domain_dict(f if f.gens[:2] == (y, x) else Poly(f.as_expr(), y, x, *f.gens[2:]), 2, K)))
    n = start
    while True:
        ser = series_fn(n)
        n = len(ser)
        alive = [(f, D) for f, D in dicts if _series.check_branch(D, ser, n, K)]
        if len(alive) == 1:
            return alive[0][0], ser
        if not alive:
            raise DerivationError("no factor of the eliminant carries the physical branch "
                                  "(internal error)")
        if n >= _MAX_TERMS:
            raise DerivationError(f"{len(alive)} factors agree with the physical branch to "
                                  f"order {n}; cannot select the minimal polynomial")
        dicts = alive
        n = 2 * n


def _lift(xs, src, K):
    """Move domain elements from ``src`` (a law's own field) into the joint field ``K``."""
    if src == K:
        return list(xs)
    out = []
    for x in xs:
        try:
            out.append(K.convert_from(x, src))
        except Exception:  # noqa: BLE001 - fall back through SymPy
            out.append(K.from_sympy(src.to_sympy(x)))
    return out


def _joint_gens(*polys):
    params = set()
    for p in polys:
        params |= set(p.gens[2:])
    return _poly.sorted_params(params)


def _resultant(A, B):
    """Resultant of ``A`` and ``B`` in their first generator: the determinant of the
    Sylvester matrix, by fraction-free (Bareiss) elimination in a sparse polynomial ring
    ``ZZ[other generators]`` (``DomainMatrix``). For the small degrees met here this is
    one to two orders of magnitude faster than the subresultant PRS of ``Poly.resultant``
    on dense recursive polynomials when there are parameters."""
    from sympy.polys.matrices import DomainMatrix

    A = A.clear_denoms(convert=True)[1]
    B = B.clear_denoms(convert=True)[1]
    Y, rest = A.gens[0], A.gens[1:]
    dom = sympy.ZZ[rest] if rest else sympy.ZZ
    ring = dom.ring if rest else None

    def coeffs(P):
        m = P.degree(Y)
        rows = [dict() for _ in range(m + 1)]
        for mon, c in P.terms():
            rows[m - mon[0]][mon[1:]] = int(c)
        if ring is None:
            return [sympy.ZZ(d.get((), 0)) for d in rows]
        return [ring.from_dict(d) if d else ring.zero for d in rows]

    ca, cb = coeffs(A), coeffs(B)
    m, n = len(ca) - 1, len(cb) - 1
    if m == 0 or n == 0:  # pragma: no cover - curves always involve the eliminated variable
        return Poly(A.as_expr() ** n * B.as_expr() ** m, *rest, domain=QQ)
    N = m + n
    zero = dom.zero
    rows = [[zero] * i + ca + [zero] * (N - m - 1 - i) for i in range(n)]
    rows += [[zero] * i + cb + [zero] * (N - n - 1 - i) for i in range(m)]
    det = DomainMatrix(rows, (N, N), dom).det()
    if ring is None:  # pragma: no cover
        return Poly(int(det), *rest, domain=QQ)
    return Poly.from_dict(dict(det) or {(0,) * len(rest): 0}, *rest, domain=QQ)


def free_add(a, b):
    r"""Free additive convolution :math:`a \boxplus b` (law of :math:`A + B`, ``A``, ``B``
    asymptotically free), by eliminating :math:`Y` from :math:`F_a(Y, w)` and
    :math:`F_b(r - Y, w)` (resultant), keeping the factor that carries
    :math:`R(w) = \sum_k (\kappa_k^a + \kappa_k^b) w^{k-1}`, mapped back by
    :math:`r = z - 1/g`, :math:`w = g`. A point mass ``c`` (one-point :func:`~.Atoms`) shifts
    the other law. Conventions: see :mod:`.laws`.

    >>> from saddlepoint.derivations.free import Semicircle, free_add
    >>> free_add(Semicircle(1), Semicircle(2)) == Semicircle(3)
    True
    """
    numeric = _numeric_dispatch("free_add", a, b)
    if numeric is not None:
        return numeric
    a, b = _as_law(a, "a"), _as_law(b, "b")
    ca, cb = a._constant(), b._constant()
    if ca is not None:
        return b.affine(1, ca)
    if cb is not None:
        return a.affine(1, cb)
    Y = sympy.Dummy("Y")
    params = _joint_gens(a._r_poly, b._r_poly)
    gens = (Y, r, w) + params
    Fa = Poly(a._r_poly.as_expr().subs(r, Y), *gens, domain=QQ)
    Fb = substitute(b._r_poly, 2, [(r - Y, 1), (w, 1)], (Y, r, w))
    Fb = Poly(Fb.as_expr(), *gens, domain=QQ)
    res = _resultant(Fa, Fb)
    res = Poly(res.as_expr(), r, w, *params, domain=QQ)
    facs = [f for f, _ in res.factor_list()[1]]
    K = _series.domain_for(params)

    def kappa_series(n):
        ka = _lift(a._cumulants(n + 1), a._K, K)
        kb = _lift(b._cumulants(n + 1), b._K, K)
        return [ka[k + 1] + kb[k + 1] for k in range(n)]

    F, _ = _select(facs, r, w, kappa_series, K)
    P = substitute(normalize(F), 2, [(z * g - 1, g), (g, 1)], (g, z))
    P = normalize(strip(P, [g]))
    seed = None
    if _degenerate(P, K):
        kap = [K.zero] + kappa_series(_series_len_for(P))
        seed = [K.to_sympy(m) for m in _series.moments_from_cumulants(kap, K)]
    ens = {"kind": "free_add", "left": a.ensemble, "right": b.ensemble}
    return Law(P, ens, _trusted=True, _seed=seed, _normalized=True)


def _degenerate(P, K):
    """True when the branch h = 1 + ... of Q(h, t) is not simple at t = 0 (then the law
    needs seed moments to continue its series)."""
    probe = Law(P, None, _trusted=True, _normalized=True)
    Q = probe._qdict()
    Kp = probe._K
    return not any(_series.evaluate(_series.derivative_y(Q), [Kp.one], 1, Kp))


def _series_len_for(P):
    return 2 * P.degree(g) + 4


def free_mul(a, b):
    r"""Free multiplicative convolution :math:`a \boxtimes b` (law of :math:`A^{1/2} B A^{1/2}`,
    ``A``, ``B`` asymptotically free), by eliminating :math:`Y` from :math:`G_a(Y, w)` and
    :math:`Y^{\deg} G_b(s/Y, w)` (:math:`S_{a\boxtimes b} = S_a S_b`), mapped back by
    :math:`s = g/(zg - 1)`, :math:`w = zg - 1`. The physical factor is selected with the
    product S-series when both means are nonzero, else with the moments of the product from
    the non-crossing formula. A point mass ``c`` scales the other law.
    Conventions: see :mod:`.laws`.

    >>> from saddlepoint.derivations.free import MarchenkoPastur, free_mul
    >>> [free_mul(MarchenkoPastur(1), MarchenkoPastur(1)).moment(k) for k in range(1, 5)]
    [1, 3, 12, 55]
    """
    numeric = _numeric_dispatch("free_mul", a, b)
    if numeric is not None:
        return numeric
    a, b = _as_law(a, "a"), _as_law(b, "b")
    ca, cb = a._constant(), b._constant()
    if ca is not None:
        return b.affine(ca, 0)
    if cb is not None:
        return a.affine(cb, 0)
    Y = sympy.Dummy("Y")
    params = _joint_gens(a._s_poly, b._s_poly)
    gens = (Y, s, w) + params
    Ga = Poly(a._s_poly.as_expr().subs(s, Y), *gens, domain=QQ)
    Gb = substitute(b._s_poly, 2, [(s, Y), (w, 1)], (Y, s, w))
    Gb = Poly(Gb.as_expr(), *gens, domain=QQ)
    res = _resultant(Ga, Gb)
    res = Poly(res.as_expr(), s, w, *params, domain=QQ)
    facs = [f for f, _ in res.factor_list()[1] if f.degree(s) > 0]
    K = _series.domain_for(params)
    ma, mb = a._moments(2)[1], b._moments(2)[1]
    if not ma and not mb:
        raise DerivationError(
            "free_mul needs one law with nonzero mean (a law on [0, oo) other than the point "
            "mass at 0): when both means vanish, S-transforms do not exist and a ⊠ b is not "
            "the law of a self-adjoint A^(1/2) B A^(1/2)")
    ens = {"kind": "free_mul", "left": a.ensemble, "right": b.ensemble}
    if ma and mb:
        def s_series(n):
            return _series.mul(_lift(a._s_series(n), a._K, K), _lift(b._s_series(n), b._K, K), n, K)

        F, _ = _select(facs, s, w, s_series, K)
        P = _s_to_p(F)
        seed = None
        if _degenerate(P, K):
            seed = [K.to_sympy(m) for m in
                    _series.moments_from_s_series(s_series(_series_len_for(P)), K)]
        return Law(P, ens, _trusted=True, _seed=seed, _normalized=True)
    # a mean vanishes: map every factor to P-space and select with the moments of a ⊠ b
    cands = []
    for f in facs:
        P = _s_to_p(f)
        if P.degree(g) > 0:
            cands.append(P)
    # identical images are possible only for spurious factors; dedupe
    uniq = []
    for P in cands:
        if not any(P == Q for Q in uniq):
            uniq.append(P)

    def moment_series(n):
        n = min(n, 11)  # NC(n) enumeration grows like 4^n
        return _series.product_moments(_lift(a._cumulants(n), a._K, K),
                                       _lift(b._moments(n), b._K, K), n, K)

    qd = []
    for P in uniq:
        probe = Law(P, None, _trusted=True, _normalized=True)
        qd.append((P, probe._qdict()))
    n = 6
    while True:
        ms = moment_series(n)
        alive = [(P, Q) for P, Q in qd if _series.check_branch(Q, ms, len(ms), K)]
        if len(alive) == 1:
            break
        if not alive or len(ms) < n:
            raise DerivationError(f"could not single out the physical factor of a ⊠ b "
                                  f"({len(alive)} candidates)")
        qd = alive
        n += 3
    P = alive[0][0]
    seed = [K.to_sympy(m) for m in ms]
    return Law(P, ens, _trusted=True, _seed=seed, _normalized=True)


def _s_to_p(F):
    """Map an S-curve F(s, w) to P(g, z): s = g/(zg - 1), w = zg - 1, i.e.
    ``sum f_ab s^a w^b -> sum f_ab g^a U^(b - a + A)`` with ``U = zg - 1``; the common power
    of ``U`` is divided out before ``U`` is expanded, then the units ``g``, ``zg - 1`` are
    stripped."""
    F = normalize(F)
    U = sympy.Dummy("U")
    A = F.degree(s)
    terms = F.terms()
    e_min = min(mon[1] - mon[0] + A for mon, _ in terms)
    d = {}
    for mon, c in terms:
        a, b = mon[0], mon[1]
        d[(a, b - a + A - e_min) + mon[2:]] = c
    H = Poly.from_dict(d, g, U, *F.gens[2:], domain=F.domain)
    P = substitute(H, 2, [(g, 1), (z * g - 1, 1)], (g, z))
    return normalize(strip(P, [g, z * g - 1]))
