r"""Gaussian averages :math:`\int Dz\, f(z)` for the compiled solvers, numpy and mpmath.

``Dz = exp(-z^2/2) dz / sqrt(2 pi)`` throughout (Engel & Van den Broeck 2001, appendix 1).

numpy
    :func:`gaussian_average` evaluates ``f`` at all nodes and all grid points at once: the
    nodes have shape ``(K, 1)`` (or ``(K, N)`` when the rule is centred per grid point) and
    broadcast against the flattened 1-D parameter arrays the Solver passes (length N); the
    sum over nodes returns shape ``(N,)``. The default rule is *composite Gauss–Legendre*
    on panels that refine geometrically towards a centre ``c`` -- the kink of the integrand
    (``sign(a z + b)``, ``|a z + b|``, ``ln H(a z)``, ``tanh(beta (a z + b))`` at large beta), found
    symbolically by :func:`kink_of` -- and reach 18 standard deviations. Zero-temperature
    limits have integrands with kinks or with features of width ``1/a``; Gauss–Hermite
    converges only algebraically there, the panel rule to machine precision. Where the
    feature is narrower than 0.01 (``width`` from :func:`kink_and_width`, e.g.
    ``sqrt((1 - R)/R)`` ~ 1e-4 for the teacher-student perceptron at alpha ~ 1e4; the fixed
    panels integrate a Gaussian spike of width 0.01 to 2e-12, a step of width 0.002 to 1e-13),
    the panels within 0.15 of the kink are replaced by geometric ones (16-point) from a tenth of
    that width.
    ``rule="hermite"`` selects probabilists' Gauss–Hermite (smooth integrands).
mpmath
    :func:`gaussian_average_mp`: ``mpmath.quad`` (tanh-sinh) split at the kink, at the
    working precision of the caller's ``mpmath.workdps`` context.

Compiled code (:func:`lift_averages`) computes the averages that share a rule -- the same
kink or the same lower limit, as the averages of one free entropy and its derivatives do --
in one :func:`gaussian_average` call whose integrand function returns them all, each special
function of the nodes evaluated once (the Jacobian of the Gibbs perceptron: four averages,
one call, one ``_mills`` and one ``_log_H``; 2.4 times faster than one call per average).

The numpy part is kept as source text (:data:`NUMPY_SOURCE`), executed here and copied by
:mod:`saddlepoint.solvers.codegen` into generated modules, so both give the same numbers.
Special functions ``_erf``, ``_erfc``, ``_erfcx`` (:math:`e^{x^2}\operatorname{erfc} x`),
``_log_H`` (:math:`\ln H(x)`, scipy's ``log_ndtr(-x)``) and ``_mills``
(:math:`e^{-x^2/2}/(\sqrt{2\pi}H(x)) = \sqrt{2/\pi}/\operatorname{erfcx}(x/\sqrt2)`) are part of
that text and need only numpy: W. J. Cody's rational Chebyshev approximations (Math. Comp. 23
(1969) 631-637; the coefficient sets of his SPECFUN routine CALERF) on ``|x| <= 0.46875``,
``(0.46875, 4]`` and ``> 4``, with ``exp(-x^2)`` split so that it keeps full relative accuracy.
Against mpmath (tests/test_special_functions.py) erf, erfc and erfcx are within 1e-15
relative wherever the value is a normal double, ln H within 1e-15 max(1, |ln H|), the Mills
ratio within 2e-15; the limits at +-inf are exact and NaN comes only from NaN.
"""

import sympy

__all__ = ["NUMPY_SOURCE", "numpy_namespace", "mpmath_namespace", "gaussian_average_mp",
           "kink_of", "kink_and_width", "lift_averages", "uses_quadrature"]

NUMPY_SOURCE = r'''
def _hermite_rule(order=80):
    """Probabilists' Gauss-Hermite nodes and weights, normalised to the measure Dz."""
    nodes, weights = numpy.polynomial.hermite_e.hermegauss(order)
    return nodes, weights / numpy.sqrt(2.0 * numpy.pi)


_GL10 = numpy.polynomial.legendre.leggauss(10)
_GL16 = numpy.polynomial.legendre.leggauss(16)
# fixed panels from the kink outwards (to 18 standard deviations; to 36 above a lower limit)
_OUTER_EDGES = numpy.array([0.15, 0.35, 0.7, 1.2, 2.0, 3.0, 4.5, 6.5, 9.0, 12.5, 18.0])
_HALF_OUTER_EDGES = numpy.concatenate([_OUTER_EDGES, [26.0, 36.0]])
_INNER_EDGES = numpy.array([0.0, 0.005, 0.02, 0.06])
# refinement at a narrow feature: [0, _JOIN] is split geometrically into _FINE_PANELS panels
# (16-point) from a tenth of the feature's width; the fixed panels continue from _JOIN
_JOIN, _FINE_PANELS, _FINE_WIDTH = 0.15, 10, 0.01
# the a-posteriori check (roots._verify_quadrature) sets _LEVEL[0] = L: every panel is then
# split into 2^L equal ones, an independent finer rule for the same integrals
_LEVEL = [0]


def _subdivide(edges, level):
    """Edges (E, ...) with every panel split into 2**level equal panels."""
    if level <= 0:
        return edges
    k = 2 ** level
    a, b = edges[:-1], edges[1:]
    t = (numpy.arange(k) / k).reshape((1, k) + (1,) * (edges.ndim - 1))
    inner = (a[:, None] + t * (b - a)[:, None]).reshape((-1,) + edges.shape[1:])
    return numpy.concatenate([inner, edges[-1:]])


def _composite(edges, rule):
    """Composite Gauss-Legendre nodes and weights on panel edges (E,) or per point (E, N)."""
    x, w = rule
    if edges.ndim == 1:
        a, b = edges[:-1, None], edges[1:, None]
        return (0.5 * (b - a) * x + 0.5 * (b + a)).ravel(), (0.5 * (b - a) * w).ravel()
    a, b = edges[:-1][:, None, :], edges[1:][:, None, :]
    n = edges.shape[1]
    return (0.5 * (b - a) * x[None, :, None] + 0.5 * (b + a)).reshape(-1, n), (0.5 * (b - a) * w[None, :, None]).reshape(-1, n)


def _symmetric(nodes, weights):
    return numpy.concatenate([-nodes, nodes]), numpy.concatenate([weights, weights])


def _fixed_rule(half, level=0):
    """The fixed composite rule: 10-point panels refined towards 0 on [-18, 18], or 16-point
    ones on [0, 36] (truncated averages), each panel split into 2**level."""
    outer = _HALF_OUTER_EDGES if half else _OUTER_EDGES
    edges = _subdivide(numpy.concatenate([_INNER_EDGES, outer]), level)
    if half:
        return _composite(edges, _GL16)
    return _symmetric(*_composite(edges, _GL10))


_PANEL_NODES, _PANEL_WEIGHTS = _fixed_rule(False)
_HALF_NODES, _HALF_WEIGHTS = _fixed_rule(True)
_HERMITE_NODES, _HERMITE_WEIGHTS = _hermite_rule()
_CENTRE_CLIP = 5.0  # a kink outside the Gaussian bulk: centre the panels at the bulk's edge


def _fine_edges(width):
    """Edges (_FINE_PANELS + 2, N) from 0 to _JOIN: 0, then geometric from a tenth of
    ``width`` (per grid point; ratio below 2.3 for widths down to 1e-5)."""
    width = numpy.atleast_1d(numpy.asarray(width, dtype=float))
    fmin = numpy.clip(numpy.where(numpy.isfinite(width), 0.1 * width, _JOIN), 1e-12, _JOIN)
    k = numpy.arange(_FINE_PANELS + 1)[:, None] / _FINE_PANELS
    return numpy.concatenate([numpy.zeros((1, width.shape[0])), fmin[None, :] * (_JOIN / fmin[None, :]) ** k])


def _refined(width, half, level=0):
    """The fixed rule with [0, 0.15] (both sides of the kink, or above the lower limit)
    replaced by geometric 16-point panels from a tenth of ``width`` (the scale of the
    integrand's steepest feature there, per grid point): nodes and weights (K, N). Against
    closed forms (tests/test_quadrature_rules.py): a spike of width 1e-5 to 1e-15 relative."""
    fine = _subdivide(_fine_edges(width), level)
    n = fine.shape[1]
    outer = _subdivide(_HALF_OUTER_EDGES if half else _OUTER_EDGES, level)
    near = _composite(fine, _GL16)
    far = _composite(numpy.broadcast_to(outer[:, None], (outer.size, n)), _GL16 if half else _GL10)
    nodes, weights = numpy.concatenate([near[0], far[0]]), numpy.concatenate([near[1], far[1]])
    return (nodes, weights) if half else _symmetric(nodes, weights)


def gaussian_average(f, center=0.0, lower=None, rule="panel", width=None):
    """Int Dz f(z), Dz = exp(-z^2/2) dz/sqrt(2 pi), vectorised over flattened parameter grids.

    f maps an array of nodes (shape (K, 1) or (K, N)) to values broadcasting to (K, N), or
    to a tuple of such values (several integrands sharing one rule and their common
    subexpressions), when the result is the tuple of their averages; center is the kink
    (scalar or shape (N,)); lower truncates to z > lower; width (scalar or (N,)) is the scale
    of the steepest feature at the kink (1/|a| for H(a z + b)): where some grid point has one
    below 0.01, the inner panels are refined down to a tenth of it (_refined), so
    features of width 1e-4 (the teacher-student perceptron at alpha ~ 1e4) are integrated to
    machine precision too.
    """
    narrow = width is not None and bool(numpy.any(numpy.asarray(width, dtype=float) < _FINE_WIDTH))
    level = _LEVEL[0]
    if lower is not None:
        # the half-line rule spans [lower, lower + 36]: below -20 it would miss the Gaussian
        # bulk, while the measure there is below 1e-87
        origin = numpy.maximum(numpy.asarray(lower, dtype=float), -20.0)
        half = True
        fixed = (_HALF_NODES, _HALF_WEIGHTS) if level == 0 else _fixed_rule(True, level)
    elif rule == "hermite":   # weights already carry the measure Dz
        values = f(_HERMITE_NODES[:, None])
        if isinstance(values, tuple):
            return tuple(_weighted_sum(_HERMITE_WEIGHTS[:, None], v) for v in values)
        return _weighted_sum(_HERMITE_WEIGHTS[:, None], values)
    else:
        origin = numpy.clip(numpy.asarray(center, dtype=float), -_CENTRE_CLIP, _CENTRE_CLIP)
        half = False
        fixed = (_PANEL_NODES, _PANEL_WEIGHTS) if level == 0 else _fixed_rule(False, level)
    if narrow:   # nodes per grid point
        shape = numpy.broadcast_shapes(numpy.shape(origin), numpy.shape(width))
        nodes, weights = _refined(numpy.broadcast_to(numpy.asarray(width, dtype=float), shape).ravel(), half, level)
        z = numpy.broadcast_to(origin, shape).ravel()[None, :] + nodes
    else:
        expand = (-1,) + (1,) * max(origin.ndim, 1)
        z = origin[None, ...] + fixed[0].reshape(expand)
        weights = fixed[1].reshape(expand)
    w = weights * numpy.exp(-0.5 * z * z) / numpy.sqrt(2.0 * numpy.pi)
    values = f(z)
    if isinstance(values, tuple):
        return tuple(_weighted_sum(w, v) for v in values)
    return _weighted_sum(w, values)


def _weighted_sum(w, values):
    """sum_k w_k f(z_k) over the nodes (axis 0)."""
    values = numpy.asarray(values, dtype=float)
    values = numpy.broadcast_to(values, numpy.broadcast_shapes(values.shape, w.shape))
    # far tails: the measure underflows to 0 where an integrand may overflow; 0 * inf is 0 here
    terms = numpy.where(w > 0, w * values, 0.0)
    return terms.sum(axis=0)


# --- error functions: numpy only (generated modules must not import scipy) ---
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-637: near-minimax rational approximations good to at least 18 significant
# digits, with the coefficient sets and range split of Cody's SPECFUN routine CALERF (1990):
#   |y| <= 0.46875      erf(y)   = y R_A(y^2)
#   0.46875 < y <= 4    erfcx(y) = R_C(y)
#   y > 4               erfcx(y) = (1/sqrt(pi) - y^-2 R_P(y^-2)) / y
# Polynomial coefficients are listed in decreasing powers; the denominators are monic.
# Arrays are updated in place where possible: fresh element-sized temporaries cost page
# faults, which dominate the arithmetic at the sizes the quadrature passes (~10^4 points).
_ERF_NUM = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
            3.77485237685302021e02, 3.20937758913846947e03)
_ERF_DEN = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03)
_ERFCX_MID_NUM = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
                  6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
                  1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_ERFCX_MID_DEN = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
                  1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
                  3.43936767414372164e03, 1.23033935480374942e03)
_ERFCX_TAIL_NUM = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
                   1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_ERFCX_TAIL_DEN = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                   6.05183413124413191e-2, 2.33520497626869185e-3)
_ERF_RATIONAL = numpy.array([_ERF_NUM, _ERF_DEN]).T[:, :, None]
_ERFCX_MID_RATIONAL = numpy.array([_ERFCX_MID_NUM, _ERFCX_MID_DEN]).T[:, :, None]
_ERFCX_TAIL_RATIONAL = numpy.array([_ERFCX_TAIL_NUM, _ERFCX_TAIL_DEN]).T[:, :, None]
_SMALL, _MID = 0.46875, 4.0
_INV_SQRT_PI = 0.56418958354775628695
_SQRT_2_OVER_PI = 0.79788456080286535588
_SQRT_HALF = 0.70710678118654752440
_LN_2 = 0.69314718055994530942
# numpy's exp, and arithmetic that underflows to a subnormal or to 0, take slow paths (tens of
# times slower): exp(scale v^2) is computed directly only where |scale| v^2 <= _EXP_NORMAL;
# beyond _EXP_CUTOFF it is 0 or inf (exp(-745.2) < 2^-1075), and the few points in between
# (subnormal or overflowing results) take the slow path
_EXP_NORMAL = 700.0
_EXP_CUTOFF = 745.2


def _rational(coefficients, s, inverse=False):
    """numerator(s)/denominator(s) (or its inverse) for 1-D s, both by Horner's rule.

    coefficients[k] = (numerator, denominator) coefficient of s^(degree - k), shape (2, 1):
    the two polynomials are evaluated together on a (2, n) array (half the numpy calls, the
    same operations element by element).
    """
    acc = coefficients[0] * s
    acc += coefficients[1]
    for c in coefficients[2:]:
        acc *= s
        acc += c
    return acc[1] / acc[0] if inverse else acc[0] / acc[1]


def _exp_split(v, scale, clip=False):
    """exp(scale v^2) for 1-D v >= 0 (not overwritten).

    v^2 rounded once would carry a relative error v^2 2^-53 into the exponent (1e-13 at
    v = 27); as in CALERF, v = u + e with u = trunc(256 v)/256 (v < 40 here): scale u^2 is
    exact and the remainder scale (v - u)(v + u), below v/128, loses nothing that matters.
    """
    u = v * 256.0
    numpy.trunc(u, out=u)
    u /= 256.0
    rest = v - u
    rest *= v + u
    rest *= scale
    u *= u
    u *= scale
    if clip:
        # keep each exp's result normal; u - bulk is exact (multiples of 2^-17 below 2^11)
        bulk = numpy.clip(u, -_EXP_NORMAL, _EXP_NORMAL)
        u -= bulk
        rest += u
        u = bulk
    numpy.exp(u, out=u)
    numpy.exp(rest, out=rest)
    with numpy.errstate(over="ignore"):
        u *= rest
    return u


def _exp_of_square(v, scale):
    """exp(scale v^2) for scale = 1, -1 or -1/2 and 1-D v >= 0 (or nan), to about an ulp."""
    normal = v <= (_EXP_NORMAL / abs(scale)) ** 0.5
    if normal.all():
        return _exp_split(v, scale)
    out = numpy.empty_like(v)
    out[normal] = _exp_split(v[normal], scale)
    far = v >= (_EXP_CUTOFF / abs(scale)) ** 0.5
    out[far] = 0.0 if scale < 0 else numpy.inf
    between = ~(normal | far)  # nan included
    if between.any():
        out[between] = _exp_split(v[between], scale, clip=True)
    return out


def _erfcx_tail_times_y(y):
    """y erfcx(y) for 1-D y > 4: finite up to y = inf, where it is 1/sqrt(pi)."""
    with numpy.errstate(over="ignore"):
        s = y * y
    numpy.divide(1.0, s, out=s)
    ratio = _rational(_ERFCX_TAIL_RATIONAL, s)
    ratio *= s
    return numpy.subtract(_INV_SQRT_PI, ratio, out=ratio)


def _erfcx_positive(y):
    """erfcx(y) = exp(y^2) erfc(y) for 1-D y > 0.46875 (nan and inf included).

    Finite without warnings for 0 <= y <= 0.46875 too, where callers overwrite it.
    """
    mid = y <= _MID
    if mid.all():
        return _rational(_ERFCX_MID_RATIONAL, y)
    out = numpy.empty_like(y)
    out[mid] = _rational(_ERFCX_MID_RATIONAL, y[mid])
    tail = ~mid
    yt = y[tail]
    scaled = _erfcx_tail_times_y(yt)
    scaled /= yt
    out[tail] = scaled
    return out


def _erf_small(x):
    """erf(x) for 1-D |x| <= 0.46875."""
    ratio = _rational(_ERF_RATIONAL, x * x)
    ratio *= x
    return ratio


def _error_functions(x, kind):
    """erf, erfc or erfcx of x (any shape) by Cody's approximations; see the comment above.

    The |x| > 0.46875 formulas are evaluated everywhere (harmless below) and the few small
    |x| patched: fewer temporaries than splitting the array.
    """
    x = numpy.asarray(x, dtype=float)
    flat = x.ravel()
    y = numpy.abs(flat)
    values = _erfcx_positive(y)  # nan propagates
    negative = flat < 0
    if kind == "erfcx":
        # erfcx(-y) = 2 exp(y^2) - erfcx(y): overflows to inf below x = -26.6, as it must
        growth = _exp_of_square(y[negative], 1.0)
        with numpy.errstate(over="ignore"):
            growth *= 2.0
        growth -= values[negative]
        values[negative] = growth
    else:
        values *= _exp_of_square(y, -1.0)  # erfc(|x|)
        if kind == "erfc":
            numpy.subtract(2.0, values, out=values, where=negative)
        else:
            numpy.subtract(0.5, values, out=values)
            values += 0.5
            numpy.negative(values, out=values, where=negative)
    small = y <= _SMALL
    if small.any():
        xs = flat[small]
        erf_small = _erf_small(xs)
        if kind != "erf":
            numpy.subtract(1.0, erf_small, out=erf_small)
        if kind == "erfcx":
            xs *= xs
            erf_small *= numpy.exp(xs, out=xs)
        values[small] = erf_small
    return values.reshape(x.shape)


def _erf(x):
    """erf(x), to a few ulps (Cody 1969); erf(-0) = -0."""
    return _error_functions(x, "erf")


def _erfc(x):
    """erfc(x) = 1 - erf(x), to a few ulps while normal (x < 26.55), subnormal then 0 beyond 27.23."""
    return _error_functions(x, "erfc")


def _erfcx(x):
    """erfcx(x) = exp(x^2) erfc(x), the scaled complementary error function (inf below -26.63)."""
    return _error_functions(x, "erfcx")


def _log_H(x):
    """ln H(x) = ln(erfc(x/sqrt 2)/2) (scipy's log_ndtr(-x)), absolute error ~ 1e-16 max(1, |ln H|).

    For x >= 0 ln H = ln(erfcx(x/sqrt 2)/2) - x^2/2, finite up to x = 1.9e154 (beyond,
    ln H < -1.8e308 is -inf); for x < 0 ln H = log1p(-H(-x)) -> 0 as x -> -inf.
    """
    x = numpy.asarray(x, dtype=float)
    flat = x.ravel()
    y = flat * _SQRT_HALF
    numpy.abs(y, out=y)
    scaled = _erfcx_positive(y)
    down = flat < 0
    lower = _exp_of_square(-flat[down], -0.5)  # H(-x) = exp(-x^2/2) erfcx(|x|/sqrt 2)/2
    lower *= scaled[down]
    lower *= -0.5
    numpy.log1p(lower, out=lower)
    values = scaled
    values *= 0.5
    with numpy.errstate(divide="ignore", over="ignore"):  # -inf beyond x = 1.9e154
        numpy.log(values, out=values)
        square = flat * 0.5
        square *= flat
    values -= square
    values[down] = lower
    small = y <= _SMALL
    if small.any():
        erf_small = _erf_small(flat[small] * _SQRT_HALF)
        numpy.negative(erf_small, out=erf_small)
        numpy.log1p(erf_small, out=erf_small)
        erf_small -= _LN_2
        values[small] = erf_small
    return values.reshape(x.shape)


def _log_cosh(x):
    """ln cosh x = |x| + ln(1 + e^{-2|x|}) - ln 2: no overflow for large |x|."""
    a = numpy.abs(numpy.asarray(x, dtype=float))
    return a + numpy.log1p(numpy.exp(-2.0 * a)) - _LN_2


def _mills(x):
    """Inverse Mills ratio exp(-x^2/2)/(sqrt(2 pi) H(x)) = sqrt(2/pi)/erfcx(x/sqrt 2), to a few ulps.

    ~ x + 1/x as x -> inf (inf at inf), -> 0 as x -> -inf, without overflow or 0/0.
    """
    x = numpy.asarray(x, dtype=float)
    flat = x.ravel()
    y = flat * _SQRT_HALF
    numpy.abs(y, out=y)
    values = numpy.empty_like(flat)
    up = flat > 0
    up_tail = y > _MID
    up_tail &= up
    # sqrt(2/pi) / erfcx(y) = x / (sqrt(pi) y erfcx(y)) for y = x/sqrt 2: finite up to inf
    ratio = _erfcx_tail_times_y(y[up_tail])
    numpy.divide(_INV_SQRT_PI, ratio, out=ratio)
    ratio *= flat[up_tail]
    values[up_tail] = ratio
    up_mid = up & ~up_tail
    ratio = _rational(_ERFCX_MID_RATIONAL, y[up_mid], inverse=True)
    ratio *= _SQRT_2_OVER_PI
    values[up_mid] = ratio
    # x <= 0: sqrt(2/pi) e^{-x^2/2} / (2 - e^{-x^2/2} erfcx(|x|/sqrt 2))
    down = ~up  # nan included
    yd = y[down]
    gauss = _exp_of_square(-flat[down], -0.5)
    denominator = _erfcx_positive(yd)
    denominator *= gauss
    numpy.subtract(2.0, denominator, out=denominator)
    gauss *= _SQRT_2_OVER_PI
    gauss /= denominator
    values[down] = gauss
    small = y <= _SMALL
    if small.any():
        erf_small = _erf_small(flat[small] * _SQRT_HALF)
        numpy.subtract(1.0, erf_small, out=erf_small)
        gauss = _exp_of_square(numpy.abs(flat[small]), -0.5)
        gauss *= _SQRT_2_OVER_PI
        gauss /= erf_small
        values[small] = gauss
    return values.reshape(x.shape)
'''

_NUMPY_NAMES = ("gaussian_average", "_erf", "_erfc", "_erfcx", "_log_H", "_mills", "_log_cosh", "_LEVEL")
_numpy_ns = None


def numpy_namespace():
    """The numpy implementations (executed from :data:`NUMPY_SOURCE`)."""
    global _numpy_ns
    if _numpy_ns is None:
        import numpy
        ns = {"numpy": numpy}
        exec(compile(NUMPY_SOURCE, "<saddlepoint:quadrature>", "exec"), ns)  # our own text
        _numpy_ns = {k: ns[k] for k in _NUMPY_NAMES}
    return dict(_numpy_ns)


def gaussian_average_mp(f, center=0, lower=None, width=None):
    r""":math:`\int Dz\, f(z)` by ``mpmath.quad`` (tanh-sinh) at the current precision, split at
    ``center`` (and truncated to ``z > lower`` when given), over |z| <= L where the Gaussian
    measure is below 10^-(dps + 5) (exact to that precision for integrands growing slower
    than exp(z^2/2), as all free-entropy integrands do)."""
    import mpmath
    # the measure is below 10^-(dps + 5) beyond |z| = L: finite intervals converge much faster
    # under tanh-sinh than the mapped infinite ones
    L = mpmath.sqrt(2 * (mpmath.mp.dps + 5) * mpmath.log(10)) + 1
    c = mpmath.mpf(center)
    lo = -L if lower is None else max(mpmath.mpf(lower), -L)
    hi = L
    if hi <= lo:
        return mpmath.mpf(0)
    points = [lo, c, hi] if lo < c < hi else [lo, hi]
    if width is not None and mpmath.isfinite(width) and 0 < width < 1:
        # a steep feature at the kink: split at a few of its widths as well
        extra = [c + sign * k * mpmath.mpf(width) for k in (1, 4, 16) for sign in (-1, 1)]
        points = sorted(set(points + [x for x in extra if lo < x < hi]))
    with mpmath.workdps(mpmath.mp.dps + 5):
        value = mpmath.quad(lambda z: f(z) * mpmath.exp(-z * z / 2), points)
        return value / mpmath.sqrt(2 * mpmath.pi)


def _log_H_mp(x):
    import mpmath
    return mpmath.log(mpmath.erfc(x / mpmath.sqrt(2)) / 2)


def _mills_mp(x):
    import mpmath
    return mpmath.sqrt(2 / mpmath.pi) / (mpmath.erfc(x / mpmath.sqrt(2)) * mpmath.exp(x * x / 2))


def mpmath_namespace():
    import mpmath
    return {"gaussian_average": gaussian_average_mp, "_log_H": _log_H_mp, "_mills": _mills_mp,
            "_erf": mpmath.erf, "_erfc": mpmath.erfc}


def kink_of(integrand, z):
    """Where the integrand is least smooth in ``z``: the root of the first argument, linear in
    ``z``, of sign/Abs/Heaviside/Piecewise/ln H/tanh/cosh/erfc (0 when there is none)."""
    return kink_and_width(integrand, z)[0]


def kink_and_width(integrand, z):
    """``(kink, widths)``: the kink of :func:`kink_of` and the scales 1/|a| of the arguments
    ``a z + b`` with the same root whose slope depends on the parameters (the smallest is the
    steepest feature's width; empty when there is none)."""
    center, slopes = None, []
    primary, secondary = _kink_arguments(integrand)
    for arg in primary + secondary:
        poly = sympy.Poly(sympy.expand(arg), z) if arg.is_polynomial(z) else None
        if poly is None or poly.degree() != 1:
            continue
        a, b = poly.all_coeffs()
        root = sympy.simplify(-b / a)
        if center is None:
            center = root
        if root == center or sympy.simplify(root - center) == 0:
            slopes.append(a)
    if center is None:
        return sympy.S.Zero, []
    # constant slopes set no scale that could shrink: the fixed panels resolve them
    return center, [1 / sympy.Abs(a) for a in dict.fromkeys(slopes) if a.free_symbols]


def _kink_arguments(integrand):
    """Arguments whose root may be a kink: ``(primary, secondary)``; the secondary ones (the
    teacher's Gaussian tail and density, smooth on the scale of their slope) place the kink
    only when there is no primary one, and set widths like the others."""
    from ..derivations.replica.erm import GaussDensity, TeacherTail
    from ..derivations.replica.gaussian import LogH, MillsRatio
    kinds = (sympy.sign, sympy.Abs, sympy.Heaviside, LogH, MillsRatio, sympy.tanh, sympy.cosh, sympy.erfc, sympy.erf)
    primary, secondary = [], []
    for node in sympy.preorder_traversal(integrand):
        if isinstance(node, kinds):
            primary.append(node.args[0])
        elif isinstance(node, (TeacherTail, GaussDensity)):
            secondary.append(node.args[0])
        elif isinstance(node, sympy.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sympy.core.relational.Relational):
                    primary.append(cond.lhs - cond.rhs)
    return primary, secondary


def uses_quadrature(source):
    """Whether compiled source calls the numpy names of :data:`NUMPY_SOURCE`."""
    return any(name + "(" in source for name in _NUMPY_NAMES)


def lift_averages(exprs, printer):
    """Replace every GaussianAverage in ``exprs`` by a temporary symbol.

    Returns ``(new_exprs, lines)``: ``lines`` compute the temporaries and go before the common
    subexpressions, which must not reach inside the integrands. For numpy, the averages that
    share a rule (the same kink, or the same lower limit) are computed by one quadrature call
    whose integrand function returns them all as a tuple, with their common subexpressions
    (the special functions of the same argument, above all) computed once; for mpmath, each
    average is one ``mpmath.quad`` call with the integrand printed as a lambda of ``_z``.
    """
    from sympy.printing.pycode import MpmathPrinter
    from ..derivations.replica.gaussian import GaussianAverage
    averages = []
    for e in exprs:
        for a in sympy.sympify(e).atoms(GaussianAverage):
            if a not in averages:
                averages.append(a)
    if not averages:
        return list(exprs), []
    averages.sort(key=sympy.default_sort_key)
    zsym = sympy.Symbol("_z")
    groups = {}  # rule (centre or lower limit, printed) -> [(temporary, integrand in _z)]
    widths = {}  # rule -> the feature widths of its members (the rule resolves the smallest)
    mapping = {}
    for i, avg in enumerate(averages):
        f, z, lower = avg.args
        if f.has(GaussianAverage):
            raise NotImplementedError("nested Gaussian averages are not compiled")
        tmp = sympy.Symbol(f"_avg{i}")
        center, scales = kink_and_width(f, z)
        if lower == sympy.S.NegativeInfinity:
            rule = f"{printer.doprint(center)}"
        else:
            rule = f"lower={printer.doprint(lower)}"
        widths.setdefault(rule, {}).update(dict.fromkeys(printer.doprint(w) for w in scales))
        groups.setdefault(rule, []).append((tmp, f.xreplace({z: zsym})))
        mapping[avg] = tmp
    for rule in list(groups):
        printed = list(widths.get(rule, ()))
        if printed:
            smallest = printed[0]
            for w in printed[1:]:
                smallest = (f"min({smallest}, {w})" if isinstance(printer, MpmathPrinter)
                            else f"numpy.minimum({smallest}, {w})")
            groups[f"{rule}, width={smallest}"] = groups.pop(rule)
    lines = []
    if isinstance(printer, MpmathPrinter):
        for rule, members in groups.items():
            for tmp, f in members:
                lines.append(f"    {tmp} = gaussian_average(lambda _z: {printer.doprint(f)}, {rule})")
    else:
        for j, (rule, members) in enumerate(groups.items()):
            lines += _integrand_function(f"_integrands{j}", [f for _, f in members], printer)
            targets = ", ".join(str(tmp) for tmp, _ in members)
            lines.append(f"    {targets}, = gaussian_average(_integrands{j}, {rule})")
    return [sympy.sympify(e).xreplace(mapping) for e in exprs], lines


def _integrand_function(name, integrands, printer):
    """Source lines (indented for a function body) of ``def name(_z)`` returning the tuple of
    ``integrands``, each subexpression that calls a function of the nodes (``exp``, ``_erfc``,
    ``_mills``, ...) evaluated once however often it occurs, and those free of ``_z`` once.

    Arithmetic on node-sized arrays stays inline: named, its temporaries would all stay alive
    until the return, and fresh memory (page faults) costs more than the arithmetic saved.
    """
    zsym = sympy.Symbol("_z")
    replacements, reduced = sympy.cse(integrands, symbols=sympy.numbered_symbols(f"{name}_"))
    kept, inline = [], {}
    for sym, value in replacements:
        value = value.xreplace(inline)
        if not value.has(zsym) or any(fn.has(zsym) for fn in value.atoms(sympy.Function)):
            kept.append((sym, value))
        else:
            inline[sym] = value
    lines = [f"    def {name}(_z):"]
    lines += [f"        {sym} = {printer.doprint(value)}" for sym, value in kept]
    body = "".join(printer.doprint(e.xreplace(inline)) + ", " for e in reduced)
    lines.append(f"        return ({body})")
    return lines
