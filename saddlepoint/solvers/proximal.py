r"""Numeric proximal operators of losses without a closed-form prox (the logistic loss).

The logistic loss :math:`\ell(y, x) = \ln(1 + e^{-yx})` depends on :math:`u = y\omega` only.
Its proximal operator at scale :math:`V > 0`,

.. math:: p(u, V) = \operatorname{argmin}_x \big[\ln(1 + e^{-x}) + (x - u)^2/(2V)\big],

is the unique root of :math:`g(x) = x - u - V\sigma(-x)` with :math:`\sigma(t) = 1/(1+e^{-t})`;
:math:`g' = 1 + V\sigma(x)\sigma(-x) \ge 1`, and the root lies in :math:`[u, u + V]` because
:math:`0 < \sigma(-x) < 1`. Both backends run Newton's method safeguarded by that bracket
(bisection when a step leaves it). The Moreau envelope is
:math:`M(u, V) = \ln(1 + e^{-p}) + (p - u)^2/(2V)` (Aubin, Krzakala, Lu & Zdeborová 2020,
*Generalization error in high-dimensional perceptrons*, NeurIPS 33, sec. 2: the ERM free
entropy is written with the Moreau envelope; the logistic proximal operator has no closed form).

numpy: :func:`logistic_prox` is vectorised over arrays of any broadcastable shapes (the
quadrature nodes times the parameter grid). mpmath: :func:`logistic_prox_mp` works at the
caller's precision (``mpmath.workdps``). :func:`numpy_namespace` / :func:`mpmath_namespace`
give the names the compiled solvers bind (``_logistic_prox``, ``_logistic_moreau``), printed by
:class:`saddlepoint.derivations.replica.losses.LogisticProx` and ``LogisticMoreau``.
"""

import numpy as np

__all__ = ["NUMPY_SOURCE", "logistic_prox", "logistic_moreau", "logistic_prox_mp", "logistic_moreau_mp",
           "numpy_namespace", "mpmath_namespace", "uses_proximal"]

# Kept as source text, executed below and copied by saddlepoint.solvers.codegen into generated
# modules (like saddlepoint.solvers.quadrature.NUMPY_SOURCE), so both give the same numbers.
NUMPY_SOURCE = r'''
def _expit(x):
    """The logistic sigmoid 1/(1 + e^-x), with full relative accuracy in both tails."""
    e = numpy.exp(-numpy.abs(x))
    return numpy.where(x >= 0, 1.0, e) / (1.0 + e)


_PROX_MAX_NEWTON = 100
_PROX_MEMO = []      # (u, V, prox) of the last call


def _logistic_prox(u, V):
    """The logistic proximal operator argmin_x ln(1 + e^-x) + (x - u)^2/(2V), vectorised.

    Bisection of the bracket [u, u + V] (the root of x - u - V sigma(-x)) down to width <= 1/16
    (at most 12 halvings), then Newton kept inside the bracket (bisecting when a step leaves
    it): on such a bracket Newton is in its quadratic regime. One compiled residual evaluates
    several Gaussian averages on the same nodes, so the last call's roots are reused.
    """
    u, V = numpy.asarray(u, dtype=float), numpy.asarray(V, dtype=float)
    if _PROX_MEMO and _PROX_MEMO[0].shape == u.shape and _PROX_MEMO[1].shape == V.shape \
            and numpy.array_equal(_PROX_MEMO[0], u) and numpy.array_equal(_PROX_MEMO[1], V):
        return _PROX_MEMO[2].copy()
    x = _logistic_prox_solve(*numpy.broadcast_arrays(u, V))
    _PROX_MEMO[:] = [u.copy(), V.copy(), x.copy()]
    return x


def _logistic_prox_solve(u, V):
    lo, hi = u.copy(), u + V
    widest = float(numpy.max(numpy.where(numpy.isfinite(V), V, 0.0), initial=0.0))
    halvings = int(numpy.clip(numpy.ceil(numpy.log2(max(widest, 1e-300) * 16.0)), 0, 12))
    for _ in range(halvings):
        x = 0.5 * (lo + hi)
        g = x - u - V * _expit(-x)
        lo = numpy.where(g < 0, x, lo)
        hi = numpy.where(g > 0, x, hi)
    x = 0.5 * (lo + hi)
    for _ in range(_PROX_MAX_NEWTON):
        sm = _expit(-x)
        g = x - u - V * sm
        lo = numpy.where(g < 0, x, lo)
        hi = numpy.where(g > 0, x, hi)
        newton = x - g / (1.0 + V * sm * (1.0 - sm))
        # converged: the Newton step is below rounding (kept even when it touches the bracket)
        done = (numpy.abs(newton - x) <= 2e-15 * (1.0 + numpy.abs(x))) | (g == 0)
        outside = (newton < lo) | (newton > hi)
        x = numpy.where(done, x, numpy.where(outside, 0.5 * (lo + hi), newton))
        if done.all():
            break
    return x


def _logistic_moreau(u, V):
    """The Moreau envelope ln(1 + e^-p) + (p - u)^2/(2V), p = _logistic_prox(u, V)."""
    p = _logistic_prox(u, V)
    softplus = numpy.maximum(-p, 0.0) + numpy.log1p(numpy.exp(-numpy.abs(p)))
    return softplus + (p - u) ** 2 / (2.0 * numpy.asarray(V, dtype=float))
'''

_NAMES = ("_logistic_prox", "_logistic_moreau")
_ns = {"numpy": np}
exec(compile(NUMPY_SOURCE, "<saddlepoint:proximal>", "exec"), _ns)  # our own text, never user input
logistic_prox = _ns["_logistic_prox"]
logistic_moreau = _ns["_logistic_moreau"]


def uses_proximal(source):
    """Whether compiled source calls the functions of :data:`NUMPY_SOURCE`."""
    return any(name + "(" in source for name in _NAMES)


def logistic_prox_mp(u, V):
    """The logistic proximal operator at the current mpmath precision (safeguarded Newton)."""
    import mpmath
    u, V = mpmath.mpf(u), mpmath.mpf(V)
    lo, hi = u, u + V
    # the double-precision root is a start from which Newton doubles the digits per step
    x = mpmath.mpf(float(logistic_prox(float(u), float(V))))
    if not lo <= x <= hi:
        x = u + V / 2
    tol = mpmath.mpf(2) ** (-mpmath.mp.prec + 4)
    for _ in range(10 * mpmath.mp.prec):
        sm = 1 / (1 + mpmath.exp(x))
        g = x - u - V * sm
        if g == 0:
            return x
        if g < 0:
            lo = x
        else:
            hi = x
        new = x - g / (1 + V * sm * (1 - sm))
        if abs(new - x) <= tol * (1 + abs(x)):
            return new
        x = new if lo <= new <= hi else (lo + hi) / 2
    from ..errors import ConvergenceError
    raise ConvergenceError("the logistic proximal operator did not converge",
                           point={"u": float(u), "V": float(V)}, residual=float(abs(g)),
                           iterations=10 * mpmath.mp.prec)


def logistic_moreau_mp(u, V):
    """The logistic Moreau envelope at the current mpmath precision."""
    import mpmath
    u, V = mpmath.mpf(u), mpmath.mpf(V)
    p = logistic_prox_mp(u, V)
    return mpmath.log1p(mpmath.exp(-p)) + (p - u) ** 2 / (2 * V)


def numpy_namespace():
    """Names bound into numpy-compiled solvers."""
    return {"_logistic_prox": logistic_prox, "_logistic_moreau": logistic_moreau}


def mpmath_namespace():
    """Names bound into mpmath-compiled solvers (scalar arguments)."""
    return {"_logistic_prox": logistic_prox_mp, "_logistic_moreau": logistic_moreau_mp}
