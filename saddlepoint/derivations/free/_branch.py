r"""Follow the physical branch of ``P(g, z) = 0`` numerically (private helper of :mod:`.laws`).

Used only to *decide* exact questions for numeric laws -- which discriminant roots are edges
of the support, which candidate residue is the weight of an atom -- never to report a
number. Pure Python complex arithmetic (mpmath, shipped with SymPy, for the start value and
as a fallback root finder); the fast vectorised density is
:mod:`saddlepoint.solvers.free_numeric`.

Method: at ``x + iY`` with ``|x + iY|`` well outside the support, the physical branch is the
root of ``P(., z)`` nearest to the (convergent) moment series ``sum_k m_k z^{-k-1}``; it is then
continued down the vertical line to ``x + i y`` by a predictor (linear extrapolation in ``y``
of ``g``, or of ``1/g`` near a pole) and nearest-root matching in the chordal metric, halving
the step whenever the match is not clearly unique. The roots at each step come from Aberth's
iteration warm-started at the previous step's roots. The physical branch is analytic in the
upper half plane (it is a Stieltjes transform), so no branch point is ever crossed.
"""

import cmath
import math

import mpmath

from ...errors import DerivationError

__all__ = ["Tracker", "aberth"]


def aberth(coeffs, init=None, tol=1e-13, maxit=300, accept=1e-7):
    """All roots of ``sum_k coeffs[k] x^k`` (complex, ``coeffs[-1] != 0``) by Aberth's
    method; ``init`` warm-starts the iteration. Clustered roots limit the attainable
    accuracy in double precision: after ``maxit`` sweeps the roots are returned if the last
    relative correction is below ``accept``, else None."""
    d = len(coeffs) - 1
    lead = coeffs[-1]
    a = [c / lead for c in coeffs]
    if init is None or len(init) != d:
        rad = 2 * max((abs(a[k]) ** (1.0 / (d - k)) for k in range(d)), default=1.0) or 1.0
        init = [rad * cmath.exp(2j * math.pi * (k + 0.3) / d) for k in range(d)]
    zs = [complex(x) for x in init]
    # separate coincident starting points
    for i in range(d):
        for j in range(i):
            if zs[i] == zs[j]:
                zs[i] += 1e-8 * (1 + abs(zs[i])) * cmath.exp(1j * (i + 1))
    for _ in range(maxit):
        worst = 0.0
        for i in range(d):
            zi = zs[i]
            p, dp = 1.0 + 0j, 0j
            for c in reversed(a[:-1]):
                dp = dp * zi + p
                p = p * zi + c
            if p == 0:
                continue
            if dp == 0:
                corr = 1e-8 * (1 + abs(zi))
            else:
                ratio = p / dp
                acc = 0j
                for j in range(d):
                    if j != i:
                        diff = zi - zs[j]
                        if diff != 0:
                            acc += 1 / diff
                den = 1 - ratio * acc
                corr = ratio / den if den != 0 else ratio
            zs[i] = zi - corr
            worst = max(worst, abs(corr) / (1 + abs(zi)))
        if worst < tol:
            return zs
    return zs if worst < accept else None


class Tracker:
    """Numeric continuation of the physical branch of one numeric law.

    ``rows[k]`` lists the coefficients (ascending powers of z, rationals) of ``g^k`` in
    ``P``; ``moments`` are ``m_0 = 1, m_1, ...`` (rationals); ``radius`` bounds the support
    and the atoms.
    """

    def __init__(self, rows, moments, radius):
        self.rows = [[_as_float(c) for c in row] for row in rows]
        self.exact_rows = rows
        self.moments = list(moments)
        self.radius = max(float(radius), 1.0)

    # -- roots of P(., z) ----------------------------------------------------------------
    def _coeffs(self, zz):
        out = []
        for row in self.rows:
            acc = 0j
            for c in reversed(row):
                acc = acc * zz + c
            out.append(acc)
        while len(out) > 1 and out[-1] == 0:
            out.pop()
        return out

    def roots(self, zz, init=None):
        coeffs = self._coeffs(complex(zz))
        if len(coeffs) <= 1:
            return []
        if len(coeffs) == 2:
            return [-coeffs[0] / coeffs[1]]
        big = max(abs(c) for c in coeffs)
        # near a pole of the curve the leading coefficient is tiny and one root is huge:
        # solve for u = 1/g there
        if abs(coeffs[-1]) < 1e-6 * big and coeffs[0] != 0:
            rev_init = [1 / x for x in init if x != 0] if init else None
            us = aberth(list(reversed(coeffs)), rev_init)
            if us is not None and all(u != 0 for u in us):
                return [1 / u for u in us]
        zs = aberth(coeffs, init)
        if zs is not None:
            return zs
        try:  # pragma: no cover - fallback for hard cases
            with mpmath.workdps(30):
                return [complex(x) for x in mpmath.polyroots(
                    list(reversed([mpmath.mpc(c) for c in coeffs])), maxsteps=2000, extraprec=60)]
        except mpmath.libmp.NoConvergence as exc:  # pragma: no cover
            raise DerivationError(f"root finding failed at z = {zz}: {exc}") from exc

    def _series(self, zz):
        with mpmath.workdps(30):
            zm = mpmath.mpc(zz)
            acc = mpmath.mpf(0)
            for m in reversed(self.moments):
                acc = acc / zm + mpmath.mpf(m.p) / m.q
            return complex(acc / zm)

    @staticmethod
    def _chordal(a, b):
        """Distance on the Riemann sphere (so that roots near a pole compare sensibly)."""
        return abs(a - b) / math.sqrt((1 + abs(a) ** 2) * (1 + abs(b) ** 2))

    @classmethod
    def _nearest(cls, roots, target, chordal=False):
        dist = cls._chordal if chordal else (lambda u, v: abs(u - v))
        ds = sorted((dist(x, target), i) for i, x in enumerate(roots))
        d1 = ds[0][0]
        d2 = ds[1][0] if len(ds) > 1 else math.inf
        return roots[ds[0][1]], d1, d2

    # -- continuation ---------------------------------------------------------------------
    def value(self, x, y_end, _return_roots=False):
        """The physical branch at ``x + i y_end`` (``y_end > 0``), by vertical continuation."""
        for y, v, rts in self.sweep(x, [y_end]):
            return (v, rts) if _return_roots else v

    def sweep(self, x, checkpoints):
        """Continue down the vertical line through ``x``, yielding ``(y, g(x + iy), roots)``
        at each of the decreasing ``checkpoints`` (the caller may stop early)."""
        x = float(x)
        Y = 4 * (self.radius + abs(x)) + 1
        for _ in range(8):
            zz = complex(x, Y)
            guess = self._series(zz)
            rts = self.roots(zz)
            v, d1, d2 = self._nearest(rts, guess)
            if d1 < 0.05 * d2 and d1 < 1e-6 * abs(guess):
                break
            Y *= 4
        else:
            raise DerivationError("could not identify the physical branch at infinity")
        prev = None
        cur = (Y, v)
        logy = math.log(Y)
        step = 0.5
        for y_end in checkpoints:
            log_end = math.log(float(y_end))
            while logy > log_end:
                new_log = max(logy - step, log_end)
                new_y = math.exp(new_log)
                pred = self._predict(prev, cur, new_y)
                new_rts = self.roots(complex(x, new_y), rts)
                r, d1, d2 = self._nearest(new_rts, pred, chordal=True)
                if d1 < 0.25 * d2:
                    prev, cur, logy, rts = cur, (new_y, r), new_log, new_rts
                    step = min(step * 1.5, 1.0)
                else:
                    step /= 2
                    if step < 1e-9:
                        raise DerivationError(
                            f"lost the physical branch near z = {complex(x, new_y)}")
            yield cur[0], cur[1], rts

    @staticmethod
    def _predict(prev, cur, new_y):
        """Linear extrapolation in y of g, or of 1/g where |g| > 1 (1/g is analytic and
        nearly linear next to a pole)."""
        if prev is None:
            return cur[1]
        (y0, v0), (y1, v1) = prev, cur
        if abs(v1) > 1 and v0 != 0 and v1 != 0:
            a0, a1 = 1 / v0, 1 / v1
            p = a1 + (a1 - a0) * (new_y - y1) / (y1 - y0)
            return 1 / p if p != 0 else complex(1e300)
        return v1 + (v1 - v0) * (new_y - y1) / (y1 - y0)

    def boundary(self, x, scale):
        """The boundary value ``g(x + i0)`` at a real ``x`` that is not a branch point,
        ``scale`` being the distance from ``x`` to the nearest branch point or pole."""
        v, rts = self.value(x, float(scale) * 1e-6, _return_roots=True)
        r, d1, d2 = self._nearest(self.roots(complex(float(x), 0.0), rts), v)
        if not d1 < 0.25 * d2:
            raise DerivationError(f"ambiguous boundary value of the physical branch at x = {x}")
        return r


def _as_float(c):
    if hasattr(c, "p") and hasattr(c, "q"):
        return int(c.p) / int(c.q)
    return float(c)
