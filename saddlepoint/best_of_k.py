r"""Best-of-k sampling judged by squared error: exact finite-k values and the 1/k expansion.

X_1, ..., X_k are i.i.d. N(mean, std^2) (k answers sampled at inference time, each a scalar
prediction whose error to the target 0 is X_i), the judge keeps the one with the smallest squared
error, and the *expected error* is

    E_k = E[min_i X_i^2] = \int_0^oo (1 - F(t))^k dt,     F(t) = P(X^2 <= t).

This is the "best-of-k" limit of Halder & Pehlevan (2025), *Demystifying LLM-as-a-Judge:
Analytically Tractable Model for Inference-Time Scaling* (arXiv:2512.19905), with the teacher as
reward: the error decays as Theta(1/k^2), with the extreme-value coefficient

    lim_{k->oo} k^2 E_k = pi std^2 exp(mean^2/std^2),

which is *derived* here by :mod:`saddlepoint.derivations.extremes` (Watson's lemma on the series
of F from the Gaussian CDF), not typed in; the same derivation gives the higher terms of the
expansion in 1/k.

>>> import mpmath
>>> import saddlepoint as spt
>>> b = spt.best_of_k(mean=0, std=1)
>>> mpmath.nstr(b.leading_coefficient(dps=30), 30)   # pi for mean 0, std 1
'3.14159265358979323846264338328'
>>> float(b.expected_error(1))                  # E[X^2] = mean^2 + std^2
1.0
>>> b.series(order=3)
pi/k**2 - 3*pi/k**3 + pi*(2*pi + 7)/k**4
"""

from __future__ import annotations

import functools
import math
import numbers
import operator

import mpmath
import numpy as np
import sympy
from scipy.special import log_ndtr

from .derivations.extremes import best_of_k_squared_error
from .errors import ConvergenceError, ParameterError
from .solvers import highprec

__all__ = ["best_of_k", "BestOfK"]

_MU = sympy.Symbol("mu", real=True)
_S = sympy.Symbol("s", positive=True)
#: the number of samples, the variable of :meth:`BestOfK.series`
K = sympy.Symbol("k", positive=True)


@functools.lru_cache(maxsize=8)
def _expansion(terms):
    """The symbolic expansion in the generic parameters (mu, s); derived once per ``terms``."""
    return best_of_k_squared_error(_MU, _S, terms=terms, k=K)


@functools.lru_cache(maxsize=8)
def _leading_mpmath():
    return sympy.lambdify((_MU, _S), _expansion(1).leading, modules="mpmath")


def _check_k(k):
    if isinstance(k, (bool, str, bytes)) or k is None:
        raise ParameterError("k", f"must be an integer >= 1, got {k!r}")
    try:
        value = operator.index(k)
    except TypeError:
        try:
            f = float(k)
        except (TypeError, ValueError):
            raise ParameterError("k", f"must be an integer >= 1, got {k!r}") from None
        if not math.isfinite(f) or f != math.floor(f):
            raise ParameterError("k", f"must be an integer >= 1, got {k!r}")
        value = int(f)
    if value < 1:
        raise ParameterError("k", f"must be an integer >= 1, got {k!r}")
    return int(value)


def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_parameter(name, value, positive):
    if isinstance(value, sympy.Basic) and not value.is_number:
        if positive and value.is_positive is False:
            raise ParameterError(name, f"must be positive, got {value}")
        return value
    if isinstance(value, sympy.Basic):
        if not value.is_real:
            raise ParameterError(name, f"must be a real number, got {value}")
        value = float(value) if not value.is_Rational else value
    if isinstance(value, sympy.Rational):
        number = float(value)
    elif _is_number(value):
        number = float(value)
    else:
        raise ParameterError(name, f"must be a real number or a SymPy expression, got {value!r}")
    if not math.isfinite(number):
        raise ParameterError(name, f"must be finite, got {value!r}")
    if positive and not number > 0:
        raise ParameterError(name, f"must be positive, got {value!r}")
    return value


def _exact(x):
    """A parameter as an exact SymPy number: integers as integers, a float as the shortest decimal
    that rounds to it (0.7 means 7/10; the numerical methods read it the same way, see ``_mp``);
    expressions unchanged."""
    if isinstance(x, sympy.Basic) and not x.is_number:
        return x
    if isinstance(x, (numbers.Integral, sympy.Integer)):
        return sympy.Integer(int(x))
    if isinstance(x, sympy.Rational):
        return x
    return sympy.Rational(repr(float(x)))


class BestOfK:
    """Best of k samples from N(mean, std^2), judged by the squared distance to 0.

    Build it with :func:`best_of_k`. Methods: :meth:`expected_error` (exact, any k and precision),
    :meth:`leading_coefficient`, :meth:`series`, :meth:`latex`. ``mean`` and ``std`` may be SymPy
    expressions (then only the symbolic methods work). A float parameter means the shortest
    decimal that rounds to it (``0.7`` is 7/10 to every digit, in the numerics and in the formulas).
    """

    def __init__(self, mean, std):
        self.mean = _check_parameter("mean", mean, positive=False)
        self.std = _check_parameter("std", std, positive=True)
        self.k = K

    @property
    def numeric(self):
        """True when both parameters are numbers (numerical evaluation possible)."""
        return all(not isinstance(x, sympy.Basic) or x.is_number for x in (self.mean, self.std))

    def _require_numeric(self, method):
        for name in ("mean", "std"):
            x = getattr(self, name)
            if isinstance(x, sympy.Basic) and not x.is_number:
                raise ParameterError(name, f"must be a number for {method}(), got the expression {x}")

    def _substitute(self, expr):
        return expr.subs({_MU: _exact(self.mean), _S: _exact(self.std)})

    # --- exact finite k ------------------------------------------------------------------------
    def expected_error(self, k, dps=15):
        r"""E[min_{i<=k} X_i^2] for X_i i.i.d. N(mean, std^2), exact, to ``dps`` significant digits.

        Computed as \int_0^oo 2u Q(u)^k du (t = u^2), Q(u) = P(|X| > u), with the interval split
        where k(-log Q) crosses 1/4, 1, 4, 16, ... (the scales on which the integrand decays).
        For ``dps > 12`` or k > 10^(15 - dps): mpmath quadrature
        (:func:`saddlepoint.solvers.highprec.quad`: two working precisions and two node sets
        compared) with an infinite last piece. Otherwise a vectorised float64 path,
        Gauss-Legendre on the same pieces with 40 and 80 nodes compared (float64 loses about
        k * 1e-16 relative in Q^k, hence the limits). Returns an mpmath number; raises
        ``ConvergenceError`` if the digits are not reached. Convention of Halder & Pehlevan (2025),
        best-of-k with the teacher as reward; k = 1 gives mean^2 + std^2.

        >>> b = best_of_k(mean=0, std=1)
        >>> e2 = b.expected_error(2, dps=25)             # 1 - 2/pi (polar coordinates)
        >>> with mpmath.workdps(40):
        ...     abs(e2 - (1 - 2 / mpmath.pi)) < mpmath.mpf(10)**-24
        True
        """
        k = _check_k(k)
        dps = highprec.check_dps(dps)
        self._require_numeric("expected_error")
        if dps <= 12 and k <= 10 ** (15 - dps):
            return _expected_error_float64(float(self.mean), float(self.std), k, dps)
        return _expected_error(self.mean, self.std, k, dps)

    # --- the k -> oo expansion -----------------------------------------------------------------
    def leading_coefficient(self, dps=30, method="closed_form"):
        r"""lim_{k->oo} k^2 E_k = pi std^2 exp(mean^2/std^2) (Halder & Pehlevan 2025), to ``dps`` digits.

        ``method="closed_form"`` (default): the coefficient derived symbolically by
        :func:`saddlepoint.derivations.extremes.best_of_k_squared_error` (never typed in),
        evaluated with mpmath at two working precisions
        (:func:`saddlepoint.solvers.highprec.two_precision`). ``method="extrapolation"``: an
        independent numerical route, Richardson extrapolation of k^2 E_k from exact finite-k
        quadratures (:func:`saddlepoint.solvers.highprec.asymptotic_coefficients`); slower. Both
        raise ``ConvergenceError`` when the digits are not reached. With symbolic parameters the
        SymPy expression is returned (``dps`` ignored).

        >>> c = best_of_k(mean=1, std=2).leading_coefficient(dps=20)    # 4 pi e^(1/4)
        >>> mpmath.nstr(c, 20)
        '16.135539264355127001'
        """
        dps = highprec.check_dps(dps)
        if not self.numeric:
            return sympy.simplify(self._substitute(_expansion(1).leading))
        if method == "closed_form":
            f = _leading_mpmath()
            m, s = self.mean, self.std
            return highprec.two_precision(lambda: f(_mp(m), _mp(s)), dps,
                                          what="leading coefficient").value
        if method == "extrapolation":
            return self._extrapolated_coefficients(dps, count=1)[0].value
        raise ParameterError("method", f"must be 'closed_form' or 'extrapolation', got {method!r}")

    def _extrapolated_coefficients(self, dps, count=1):
        """Richardson on k^2 E_k over k = k0, 2 k0, ..., n k0, k0 = 200 exp(mean^2 / (2 std^2)).

        The asymptotic regime starts when k F(t) is small on the scale where F ~ A sqrt(t),
        A = 2 phi(mean/std)/std, hence k0 proportional to 1/(A std).
        About two digits per node (measured: 15 nodes give 31 digits of the leading coefficient
        at mean/std = 0.38); extrapolation amplifies the quadrature errors by roughly e^n, so the
        quadratures carry n/2 extra digits."""
        n = max(6, dps // 2 + 1) + 2 * (count - 1)
        z2 = (float(self.mean) / float(self.std)) ** 2
        if z2 > 60:
            raise ParameterError("mean", f"|mean/std| must be <= sqrt(60) for extrapolation (k would "
                                         f"exceed 1e15), got {float(self.mean) / float(self.std):g}")
        k0 = int(math.ceil(200 * math.exp(z2 / 2)))
        ks = [k0 * j for j in range(1, n + 1)]
        work = dps + 6 + n // 2 + 3 * count
        values = [self.expected_error(k, dps=work) for k in ks]
        return highprec.asymptotic_coefficients(values, ks, power=2, count=count, dps=dps)

    def series(self, order=3, remainder=False):
        r"""The expansion of E_k in 1/k: the first ``order`` terms, c_2/k^2 + c_3/k^3 + ..., as SymPy.

        Derived, not typed in: :func:`saddlepoint.derivations.extremes.best_of_k_squared_error`
        (Watson's lemma; Halder & Pehlevan 2025 give the leading term). The result is a plain sum
        in the Symbol ``self.k`` (positive); ``remainder=True`` adds O(k^-(order+2)) as k -> oo.
        It is an asymptotic series: exact finite-k values are :meth:`expected_error`.

        >>> import sympy
        >>> mu, s = sympy.symbols("mu s", positive=True)
        >>> best_of_k(mu, s).series(order=2)
        pi*s**2*exp(mu**2/s**2)/k**2 - 3*pi*s**2*exp(mu**2/s**2)/k**3
        """
        order = highprec.check_dps(order, "order")
        ex = _expansion(order)
        expr = sympy.Add(*(sympy.simplify(self._substitute(c)) * K ** (-e) for c, e in ex.terms))
        if remainder:
            expr += sympy.O(K ** -(order + 2), (K, sympy.oo))
        return expr

    def latex(self, order=3):
        r"""The derivation trail (Gaussian CDF -> series of F -> Watson's lemma) and the result in
        these parameters, as an amsmath ``align*`` block."""
        trail = _expansion(order).latex()
        result = sympy.latex(self.series(order))
        at = sympy.latex(sympy.Eq(sympy.Symbol(r"\mu"), self.mean)) + ", " + \
            sympy.latex(sympy.Eq(sympy.Symbol("s"), self.std))
        body = trail.replace("\\end{align*}", "")
        return (body + "\\intertext{At $%s$:}\n" % at + r"\mathbb{E}_k &= " + result
                + r" + O(k^{-%d}) \\" % (order + 2) + "\n\\end{align*}")

    def _repr_latex_(self):
        return "$\\displaystyle \\mathbb{E}_k = " + sympy.latex(self.series(3)) + r" + O(k^{-5})$"

    def __repr__(self):
        return f"best_of_k(mean={self.mean!r}, std={self.std!r})"


def _mp(x):
    """A numeric parameter as an mpmath number at the current precision: integers exactly, a float
    as the shortest decimal that rounds to it (0.7 means 7/10, to every digit), a SymPy number
    evaluated at the current precision. Never a Python float, whose arithmetic rounds to 53 bits."""
    if isinstance(x, (numbers.Integral, sympy.Integer)):
        return mpmath.mpf(int(x))
    if isinstance(x, sympy.Basic):
        return mpmath.mpf(sympy.Float(x, mpmath.mp.dps + 5)._mpf_)
    return mpmath.mpf(repr(float(x)))


def _tail(u, m, s=1):
    """Q(u) = P(|X| > u), X ~ N(m, s^2): a sum of erfc's, so no cancellation."""
    r = 1 / (s * mpmath.sqrt(2))
    return (mpmath.erfc((u - m) * r) + mpmath.erfc((u + m) * r)) / 2


def _level_points(m, k, top):
    """u where k(-log Q(u)) crosses 1/4, 1, 4, ..., top (found by bisection at 15 digits)."""
    points = []
    with mpmath.workdps(15):
        level = mpmath.mpf(0.25)
        lo = mpmath.mpf(0)
        hi = mpmath.mpf(1)
        kG = lambda u: -k * mpmath.log(_tail(u, m))
        while kG(hi) < top:
            hi *= 2
        upper = hi
        while level <= top:
            a, b = lo, upper
            for _ in range(48):
                mid = (a + b) / 2
                if kG(mid) < level:
                    a = mid
                else:
                    b = mid
            points.append(b)
            lo = b
            level *= 4
    return points


def _expected_error(mean, std, k, dps):
    r"""\int_0^oo 2u Q(u)^k du; the break points are found on the standardised scale u/std."""
    top = mpmath.log(10) * (dps + 2 * highprec.GUARD) + 8
    with mpmath.workdps(15):
        scaled = _level_points(_mp(mean) / _mp(std), k, top)
        # break points need no accuracy: rounding them to 15 digits only moves the split
        points = [0] + [p * _mp(std) for p in scaled] + [mpmath.inf]
    parameters = {}

    def integrand(u):
        prec = mpmath.mp.prec
        if prec not in parameters:            # the parameters at each working precision
            parameters[prec] = (_mp(mean), _mp(std))
        m, s = parameters[prec]
        return 2 * u * _tail(u, m, s) ** k

    return highprec.quad(integrand, points, dps=dps)


def _log_tail_float64(u, m, s):
    """log Q(u) in float64 for arrays u (log-sum of two Gaussian tails, never log of a difference)."""
    return np.logaddexp(log_ndtr((m - u) / s), log_ndtr((-m - u) / s))


def _expected_error_float64(mean, std, k, dps):
    top = math.log(10) * (dps + 6) + 8
    levels = np.array([0.25 * 4.0**j for j in range(int(math.log(top / 0.25, 4)) + 1)] + [top])
    kG = lambda u: -k * _log_tail_float64(u, mean, std)
    hi = std * (1.0 + abs(mean) / std)
    while kG(hi) < top:
        hi *= 2
    lo = np.zeros_like(levels)
    up = np.full_like(levels, hi)
    for _ in range(60):                       # bisection for all levels at once
        mid = (lo + up) / 2
        below = kG(mid) < levels
        lo = np.where(below, mid, lo)
        up = np.where(below, up, mid)
    edges = np.concatenate([[0.0], up])
    estimates = []
    for n in (40, 80):
        x, w = np.polynomial.legendre.leggauss(n)
        a, b = edges[:-1, None], edges[1:, None]
        u = (b - a) / 2 * x + (b + a) / 2
        f = 2 * u * np.exp(k * _log_tail_float64(u, mean, std))
        estimates.append(float(np.sum((b - a) / 2 * w * f)))
    coarse, fine = estimates
    rel = abs(fine - coarse) / abs(fine) if fine else abs(fine - coarse)
    if not rel <= 10.0 ** -dps:
        raise ConvergenceError(f"float64 quadrature of the best-of-k error did not reach {dps} digits",
                               point={"mean": mean, "std": std, "k": k, "dps": dps},
                               residual=rel, iterations=80)
    return mpmath.mpf(fine)


def best_of_k(mean, std):
    r"""Best of k samples X_i ~ N(mean, std^2), error = min_i X_i^2 (squared distance to the target 0).

    The model of Halder & Pehlevan (2025), *Demystifying LLM-as-a-Judge* (arXiv:2512.19905), in
    its best-of-k limit with the teacher as reward. ``std`` is a standard deviation (> 0), not a
    variance. Returns a :class:`BestOfK` with ``expected_error(k, dps)``,
    ``leading_coefficient(dps)``, ``series(order)``, ``latex()``. Invalid parameters raise
    ``ParameterError`` naming them.

    >>> best_of_k(0, -1)
    Traceback (most recent call last):
    ...
    saddlepoint.errors.ParameterError: `std` must be positive, got -1
    """
    return BestOfK(mean, std)
