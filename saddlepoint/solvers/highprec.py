r"""High-precision numerics with mpmath: quadrature, extrapolation of sequences, asymptotic coefficients.

Every function takes the number of significant decimal digits wanted as ``dps`` and works
inside ``mpmath.workdps(dps + guard)`` (the global mpmath precision is never changed). Each
result carries an error estimate obtained independently of the method's own bookkeeping:

- :func:`quad` evaluates the integral at two working precisions (``dps + guard`` and
  ``dps + 2 guard``) and compares, besides mpmath's own quadrature error estimate;
- :func:`richardson` (polynomial extrapolation to h = 0 from arbitrary nodes) compares the
  extrapolants built on all nodes and on all but the coarsest one;
- :func:`levin` (mpmath's Levin u/t/v transform of a sequence) compares the transform of the
  whole sequence with the transform of the sequence without its last element;
- :func:`asymptotic_coefficients` reads the coefficients of a_k ~ k^{-p} (c_0 + c_1/k + ...)
  from Richardson on k^p a_k.

When the estimated relative error exceeds ``10**-dps`` they raise
:class:`~saddlepoint.errors.ConvergenceError` (with the point, the residual = estimated
relative error, and the iteration count); pass ``check=False`` to get the estimate back
instead. Results are :class:`Extrapolated` ``(value, error, terms)`` tuples of mpmath numbers
rounded to ``dps`` digits (``quad`` returns the bare value).

The methods are textbook: tanh-sinh quadrature (Takahasi & Mori 1974, as implemented in
mpmath), Richardson extrapolation (Richardson 1911; Neville's scheme), the Levin
transformation (Levin 1973; mpmath's implementation). They serve the extreme-value
asymptotics of best-of-k sampling (Halder & Pehlevan 2025, *Demystifying LLM-as-a-Judge:
Analytically Tractable Model for Inference-Time Scaling*, arXiv:2512.19905).

>>> import mpmath
>>> from saddlepoint.solvers import highprec
>>> v = highprec.quad(lambda x: mpmath.exp(-x * x), [0, mpmath.inf], dps=30)
>>> with mpmath.workdps(40):
...     abs(v / (mpmath.sqrt(mpmath.pi) / 2) - 1) < mpmath.mpf(10)**-29
True
>>> ks = [10 * 2**i for i in range(8)]                 # a_k = 1/(k + 1) = k^-1 (1 - 1/k + ...)
>>> c = highprec.asymptotic_coefficients([mpmath.mpf(1) / (k + 1) for k in ks], ks, power=1,
...                                      count=2, dps=8)
>>> [mpmath.nstr(x.value, 8) for x in c]
['1.0', '-1.0']
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import mpmath

from ..errors import ConvergenceError, ParameterError

__all__ = ["Extrapolated", "check_dps", "quad", "two_precision", "richardson", "levin",
           "asymptotic_coefficients"]

#: extra decimal digits carried beyond the requested ``dps``
GUARD = 10


class Extrapolated(NamedTuple):
    """An extrapolated value: ``value`` and ``error`` (absolute error estimate) as mpmath numbers,
    ``terms`` = how many sequence elements (or polynomial terms) were used."""

    value: object
    error: object
    terms: int


def check_dps(dps, name="dps"):
    """``dps`` as an int >= 1, else ``ParameterError`` naming the argument."""
    if isinstance(dps, bool):
        raise ParameterError(name, f"must be an integer >= 1, got {dps!r}")
    try:
        value = operator.index(dps)
    except TypeError:
        raise ParameterError(name, f"must be an integer >= 1, got {dps!r}") from None
    if value < 1:
        raise ParameterError(name, f"must be an integer >= 1, got {dps!r}")
    return int(value)


def _check_guard(guard):
    g = check_dps(guard, "guard")
    return g


def _relative(err, value):
    scale = abs(value)
    return err / scale if scale > 0 else err


def _fail(what, dps, rel, iterations, point=None):
    point = dict(point or {})
    point.setdefault("dps", dps)
    raise ConvergenceError(f"{what} did not reach {dps} significant digits", point=point,
                           residual=float(rel), iterations=iterations)


def two_precision(compute, dps=15, *, guard=GUARD, check=True, what="evaluation"):
    """Evaluate ``compute()`` at ``dps + guard`` and at ``dps + 2*guard`` digits and compare.

    ``compute`` is a callable of no argument returning an mpmath number (it reads the current
    mpmath precision). Returns ``Extrapolated(value, error, 2)`` with the higher-precision value
    rounded to ``dps`` digits and ``error`` = |difference|; raises ``ConvergenceError`` when the
    relative difference exceeds ``10**-dps`` (unless ``check=False``). The check catches
    cancellation and precision-dependent truncation inside ``compute``; it cannot catch an error
    that does not depend on the working precision (a wrong formula).

    >>> r = two_precision(lambda: mpmath.exp(1), dps=25)
    >>> mpmath.nstr(r.value, 25), r.error < mpmath.mpf(10)**-25
    ('2.718281828459045235360287', True)
    """
    dps = check_dps(dps)
    guard = _check_guard(guard)
    with mpmath.workdps(dps + guard):
        low = compute()
    with mpmath.workdps(dps + 2 * guard):
        high = compute()
        err = abs(high - low)
        rel = _relative(err, high)
    if check and rel > mpmath.mpf(10) ** -dps:
        _fail(what, dps, rel, 2)
    with mpmath.workdps(dps):
        return Extrapolated(+high, +err, 2)


def _refined(points):
    """Every interval of ``points`` cut in two (an infinite one at a finite point beyond its end),
    so that a second quadrature uses a genuinely different set of nodes."""
    out = [points[0]]
    for a, b in zip(points, points[1:]):
        if mpmath.isinf(a) and mpmath.isinf(b):
            mid = 0
        elif mpmath.isinf(b):
            mid = a + max(1, abs(a))
        elif mpmath.isinf(a):
            mid = b - max(1, abs(b))
        else:
            mid = (a + b) / 2
        out += [mid, b]
    return out


def quad(f, points, dps=15, *, guard=GUARD, maxdegree=None, check=True):
    """Integral of ``f`` over the piecewise interval ``points`` (mpmath tanh-sinh), to ``dps`` digits.

    ``points`` = [a, b, c, ...] integrates over [a, b] + [b, c] + ...: put the break points where
    the integrand changes scale (split where it decays), infinite ends allowed. ``f`` takes and
    returns mpmath numbers and must compute at the current precision. The integral is evaluated
    twice: at ``dps + guard`` digits on ``points``, and at ``dps + 2*guard`` digits with every
    interval cut in two (different nodes, so under-resolution shows up as a difference even where
    mpmath's own error estimate is blind, e.g. at ``maxdegree=1``). ``ConvergenceError`` is raised
    when the two disagree, or mpmath's own estimate exceeds, ``10**-dps`` relative (unless
    ``check=False``). ``maxdegree`` is mpmath.quad's refinement limit. An integrable endpoint
    singularity like x^(-1/2) costs about half the digits (tanh-sinh nodes stop at 10^-dps from
    the end): split there or substitute. Returns an mpmath number rounded to ``dps`` digits.

    >>> mpmath.nstr(quad(lambda x: 1 / (1 + x * x), [0, 1, mpmath.inf], dps=20), 20)
    '1.5707963267948966192'
    """
    dps = check_dps(dps)
    guard = _check_guard(guard)
    options = {} if maxdegree is None else {"maxdegree": maxdegree}
    points = list(points)
    if len(points) < 2:
        raise ParameterError("points", f"must hold at least 2 points, got {len(points)}")
    values = []
    for work, nodes in ((dps + guard, points), (dps + 2 * guard, _refined(points))):
        with mpmath.workdps(work):
            values.append(mpmath.quad(f, nodes, error=True, **options))
    with mpmath.workdps(dps + 2 * guard):
        (low, _), (high, err) = values
        diff = abs(high - low)
        rel = _relative(max(diff, abs(err)), high)
    if check and not rel <= mpmath.mpf(10) ** -dps:
        _fail("quadrature", dps, rel, maxdegree, {"interval": (points[0], points[-1])})
    with mpmath.workdps(dps):
        return +high


def _neville_at_zero(h, v):
    """Values at 0 of the interpolating polynomials through (h[i:], v[i:]) for the last node set
    of every size: returns list p[m] = extrapolant on the m+1 nodes h[-m-1:]."""
    n = len(h)
    table = list(v)
    diagonal = [table[-1]]
    # table[i] after pass m is the interpolant through nodes i..i+m evaluated at 0
    for m in range(1, n):
        for i in range(n - m):
            table[i] = (h[i + m] * table[i] - h[i] * table[i + 1]) / (h[i + m] - h[i])
        diagonal.append(table[n - m - 1])
    return diagonal


def _as_mpf_list(values):
    return [mpmath.mpmathify(x) for x in values]


def richardson(values, h, dps=15, *, guard=GUARD, check=True):
    r"""Extrapolate a sequence v(h_i) = v_0 + a_1 h_i + a_2 h_i^2 + ... to h = 0.

    Richardson extrapolation with arbitrary nodes (Neville's scheme for the interpolating
    polynomial in h, evaluated at 0). Put the finest node (smallest |h|) last. Returns
    ``Extrapolated(value, error, terms)``: ``value`` from all nodes, ``error`` = its difference
    with the extrapolant that leaves out the coarsest node. ``ConvergenceError`` when the relative
    error estimate exceeds ``10**-dps`` (unless ``check=False``). The values must be accurate to
    more than ``dps`` digits: extrapolation amplifies their errors.

    >>> ks = [8, 16, 32, 64, 128, 256]
    >>> r = richardson([(1 + mpmath.mpf(1) / k) ** k for k in ks], [mpmath.mpf(1) / k for k in ks],
    ...                dps=8)
    >>> mpmath.nstr(r.value, 8)        # (1 + 1/k)^k -> e, a power series in 1/k
    '2.7182818'
    """
    dps = check_dps(dps)
    guard = _check_guard(guard)
    if len(values) != len(h):
        raise ParameterError("h", f"must have one node per value ({len(values)}), got {len(h)}")
    if len(values) < 2:
        raise ParameterError("values", f"must hold at least 2 elements, got {len(values)}")
    with mpmath.workdps(dps + guard + len(values)):
        v = _as_mpf_list(values)
        nodes = _as_mpf_list(h)
        if len(set(nodes)) != len(nodes):
            raise ParameterError("h", "must be distinct nodes")
        diagonal = _neville_at_zero(nodes, v)
        value = diagonal[-1]
        # the extrapolant without the coarsest node (first entry) sits on nodes[1:]
        without_coarsest = _neville_at_zero(nodes[1:], v[1:])[-1]
        err = abs(value - without_coarsest)
        rel = _relative(err, value)
    if check and rel > mpmath.mpf(10) ** -dps:
        _fail("Richardson extrapolation", dps, rel, len(values))
    with mpmath.workdps(dps):
        return Extrapolated(+value, +err, len(values))


_LEVIN_VARIANTS = ("u", "t", "v")


def levin(sequence, dps=15, *, variant="u", guard=GUARD, check=True):
    r"""Limit of a sequence s_0, s_1, ... by the Levin transformation (wraps ``mpmath.levin``).

    ``variant`` "u" (also for logarithmic convergence, s_n - s ~ n^-p), "t" or "v" (Levin 1973;
    mpmath's ``levin(method="levin", variant=...)``). The sequence is read as partial sums; its
    successive differences must not vanish. Works at ``dps + guard`` digits plus a digit per
    element (the transform cancels heavily). ``error`` is the difference with the transform of
    the sequence without its last element.
    ``ConvergenceError`` when the relative error estimate exceeds ``10**-dps``.

    >>> with mpmath.workdps(40):      # the input must carry more digits than the output
    ...     s = [sum(mpmath.mpf(1) / j**2 for j in range(1, n + 1)) for n in range(1, 25)]
    >>> mpmath.nstr(levin(s, dps=15).value, 15)          # zeta(2) = pi^2/6
    '1.64493406684823'
    """
    dps = check_dps(dps)
    guard = _check_guard(guard)
    if variant not in _LEVIN_VARIANTS:
        raise ParameterError("variant", f"must be one of {_LEVIN_VARIANTS}, got {variant!r}")
    if len(sequence) < 4:
        raise ParameterError("sequence", f"must hold at least 4 elements, got {len(sequence)}")
    with mpmath.workdps(dps + guard + len(sequence)):
        s = _as_mpf_list(sequence)
        if any(b == a for a, b in zip(s, s[1:])):
            raise ParameterError("sequence", "must have non-vanishing successive differences")
        # one update_psum call per transform: its own "error" is only the change since the
        # previous call, so the estimate comes from the transform of the shorter sequence
        value, _ = mpmath.levin(method="levin", variant=variant).update_psum(s)
        shorter, _ = mpmath.levin(method="levin", variant=variant).update_psum(s[:-1])
        err = abs(value - shorter)
        rel = _relative(err, value)
    if check and not rel <= mpmath.mpf(10) ** -dps:
        _fail(f"Levin-{variant} transformation", dps, rel, len(sequence))
    with mpmath.workdps(dps):
        return Extrapolated(+value, +err, len(sequence))


def asymptotic_coefficients(values, k, power, count=1, dps=15, *, guard=GUARD, check=True):
    r"""Coefficients c_0, ..., c_{count-1} of a_k ~ k^{-power} (c_0 + c_1/k + c_2/k^2 + ...).

    ``values`` are a_k at the integers (or reals) ``k`` (increasing). The sequence k^power a_k is
    extrapolated to 1/k = 0 by :func:`richardson`; the next coefficient is extrapolated from
    k (k^power a_k - c_0), and so on, each with one node fewer of polynomial freedom lost. Each
    coefficient loses digits to the one before, so ``count`` > 2 needs very accurate data.
    Returns a list of :class:`Extrapolated`; the ``10**-dps`` check (relative to each coefficient)
    applies to c_0 only, the others carry their error estimates.

    Convention: the expansion is in powers of 1/k exactly (not 1/(k+1)); ``power`` is the decay
    exponent p of a_k ~ c_0 k^-p (2 for best-of-k, Halder & Pehlevan 2025).

    >>> ks = [20 * 2**i for i in range(10)]
    >>> a = [mpmath.mpf(2) / ((k + 1) * (k + 2)) for k in ks]    # 2/k^2 (1 - 3/k + 7/k^2 ...)
    >>> c = asymptotic_coefficients(a, ks, power=2, count=3, dps=10)
    >>> [mpmath.nstr(x.value, 6) for x in c]
    ['2.0', '-6.0', '14.0']
    """
    dps = check_dps(dps)
    guard = _check_guard(guard)
    count = check_dps(count, "count")
    if len(values) != len(k):
        raise ParameterError("k", f"must have one entry per value ({len(values)}), got {len(k)}")
    if len(values) < count + 1:
        raise ParameterError("values", f"must hold at least count + 1 = {count + 1} elements")
    work = dps + guard + 2 * len(values)
    with mpmath.workdps(work):
        ks = _as_mpf_list(k)
        if any(x <= 0 for x in ks):
            raise ParameterError("k", "must be positive")
        p = mpmath.mpmathify(power)
        scaled = [x ** p * mpmath.mpmathify(a) for x, a in zip(ks, values)]
        h = [1 / x for x in ks]
        out = []
        remainder = scaled
        for j in range(count):
            r = richardson(remainder, h, dps=work - guard, guard=guard, check=False)
            if j == 0 and check:
                rel = _relative(r.error, r.value)
                if rel > mpmath.mpf(10) ** -dps:
                    _fail("asymptotic coefficient extraction", dps, rel, len(values))
            out.append(r)
            remainder = [(x - r.value) / hh for x, hh in zip(remainder, h)]
    with mpmath.workdps(dps):
        return [Extrapolated(+r.value, +r.error, r.terms) for r in out]
