r"""Small-:math:`\kappa` asymptotics of power-law spectral sums (pure SymPy).

The sums are those of a power-law spectrum at :math:`d = \infty` (the conventions of
:class:`~saddlepoint.derivations.spectra.PowerLaw`: :math:`\omega_k = k^{-\alpha}`, k = 1, 2, ...),

.. math:: S_{a,b}(\kappa) = \sum_{k\ge1} \frac{k^{-a}}{(k^{-\alpha} + \kappa)^{b}},

so that :math:`\mathrm{df}_1 = S_{\alpha,1}`, :math:`\mathrm{df}_2 = S_{2\alpha,2}` and the bias
sum :math:`\sum_k t_k(\omega_k+\kappa)^{-2} = S_{\beta,2}` (target power :math:`t_k = k^{-\beta}`).

Derivation (a Mellin-transform argument; Flajolet, Gourdon & Dumas (1995), *Mellin transforms
and asymptotics: harmonic sums*, Theor. Comput. Sci. 144, Sec. 3 and 5). Write the summand as
:math:`k^{-(a-\alpha b)}(1+\kappa k^{\alpha})^{-b}`. Its Mellin transform in :math:`\kappa` is
:math:`\zeta(a - \alpha b + \alpha z)\,B(z, b-z)`, on the strip :math:`\max(0, s) < \mathrm{Re}\,z < b`
with

.. math:: s = \frac{1 - a + \alpha b}{\alpha}.

Shifting the contour left picks up the pole of :math:`\zeta` at :math:`z = s` (residue
:math:`B(s, b-s)/\alpha`) and those of :math:`\Gamma(z)` at :math:`z = 0, -1, \dots`, so for
non-integer :math:`s`

.. math:: S_{a,b}(\kappa) \sim \frac{B(s, b-s)}{\alpha}\,\kappa^{-s}
          + \sum_{j\ge0} \binom{-b}{j}\,\zeta(a - \alpha b - \alpha j)\,\kappa^{j}.

The first term is the integral approximation (substituting :math:`k = \kappa^{-1/\alpha}u`); it
leads when :math:`s > 0` (the sum diverges as :math:`\kappa\to0`). When :math:`s < 0` the sum
converges at :math:`\kappa = 0` to :math:`\zeta(a-\alpha b)`. At :math:`s = 0` the two poles
merge and :math:`S \sim \alpha^{-1}\log(1/\kappa)` (the marginal case).
The infinite sum needs :math:`a > 1` (for :math:`\kappa > 0`), :math:`\alpha > 0`, :math:`b \ge 0`.
"""

import functools
from typing import NamedTuple

import sympy

from ..errors import ParameterError
from . import symbols as _s
from .core import Step

__all__ = ["SumAsymptotics", "powerlaw_sum_asymptotics", "power_tail_asymptotics"]


class SumAsymptotics(NamedTuple):
    r"""The small-:math:`\kappa` behaviour of :math:`S_{a,b}(\kappa)`.

    ``exponent`` e and ``coefficient`` C give :math:`S \sim C\kappa^{e}` (e = 0 with C the
    finite limit when the sum converges at :math:`\kappa = 0`); ``log`` is true (a SymPy
    boolean for symbolic inputs) in the marginal case, where :math:`S \sim C\log(1/\kappa)`.
    ``leading`` is the leading term and ``next_term`` the next one of the expansion, both as
    expressions in ``kappa``; ``relative_order`` is the power of :math:`\kappa` of the relative
    correction (next_term/leading), ``s`` the critical exponent, ``steps`` the derivation.
    All are Piecewise over the regimes ``s > 0``, ``s = 0``, ``s < 0`` when the inputs are
    symbolic.
    """

    a: sympy.Expr
    alpha: sympy.Expr
    b: sympy.Expr
    s: sympy.Expr
    exponent: sympy.Expr
    coefficient: sympy.Expr
    log: sympy.Basic
    leading: sympy.Expr
    next_term: sympy.Expr
    relative_order: sympy.Expr
    steps: tuple

    def latex(self):
        """The derivation trail as an ``align*`` block."""
        lines = [r"\text{%s}\\ %s" % (st.text, st.latex()) if st.expr is not None else r"\text{%s}" % st.text
                 for st in self.steps]
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _exact(value, name):
    """SymPy form of a number (floats become exact rationals of their decimal repr) or symbol."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            if value == float("inf"):
                return sympy.oo
            raise ParameterError(name, f"must be a number, got {value!r}")
        return sympy.Rational(repr(float(value)))
    if isinstance(value, (str, bytes)):   # never parsed: strings are not evaluated as code
        raise ParameterError(name, f"must be a number or a SymPy expression, got {value!r}")
    try:
        return sympy.sympify(value, strict=True)
    except (sympy.SympifyError, TypeError):
        raise ParameterError(name, f"must be a number or a SymPy expression, got {value!r}") from None


def _check(condition, name, message):
    """Raise ParameterError when ``condition`` is definitely false (symbols may leave it open)."""
    if sympy.sympify(condition) == sympy.false:
        raise ParameterError(name, message)


def powerlaw_sum_asymptotics(a, alpha, b, kappa=None):
    r"""Leading and next-order behaviour of :math:`\sum_{k\ge1} k^{-a}(k^{-\alpha}+\kappa)^{-b}`
    as :math:`\kappa \to 0^+` (d = infinity, k from 1, as in
    :func:`saddlepoint.solvers.spectral.powerlaw_sum` with ``p = a``).

    Derived in SymPy from the Mellin transform of the sum (module docstring; Flajolet, Gourdon
    & Dumas 1995): the exponent is :math:`-\max(s, 0)` with :math:`s = (1 - a + \alpha b)/\alpha`,
    the divergent constant is :math:`B(s, b - s)/\alpha` (the integral approximation), the
    convergent one :math:`\zeta(a - \alpha b)`, and :math:`s = 0` is logarithmic.
    Needs ``a > 1``, ``alpha > 0``, ``b >= 0`` (ParameterError otherwise). Arguments may be
    numbers or SymPy symbols; symbolic inputs give Piecewise results.

    >>> from saddlepoint.derivations.asymptotics import powerlaw_sum_asymptotics
    >>> df1 = powerlaw_sum_asymptotics(2, 2, 1)          # sum k^-2/(k^-2 + kappa)
    >>> df1.exponent, df1.coefficient
    (-1/2, pi/2)
    >>> powerlaw_sum_asymptotics(5, 2, 1).leading        # converges: zeta(5 - 2)
    zeta(3)
    >>> powerlaw_sum_asymptotics(3, 2, 1).leading        # marginal: log
    log(1/kappa)/2
    """
    kappa = _s.kappa if kappa is None else kappa
    return _powerlaw_sum_asymptotics(_exact(a, "a"), _exact(alpha, "alpha"), _exact(b, "b"), kappa)


@functools.lru_cache(maxsize=256)
def _powerlaw_sum_asymptotics(a, alpha, b, kappa):
    # cached: the scaling module asks for the same sums many times
    _check(sympy.Gt(alpha, 0), "alpha", f"must be > 0, got {alpha}")
    _check(sympy.Ge(b, 0), "b", f"must be >= 0, got {b}")
    _check(sympy.Gt(a, 1), "a", f"must be > 1 (the infinite sum diverges otherwise), got {a}")

    z, w = sympy.symbols("z w")
    t = sympy.Symbol("t", positive=True)
    zeta_arg = a - alpha * b + alpha * z
    s = sympy.solve(sympy.Eq(zeta_arg, 1), z)[0]           # the pole of zeta
    mellin = sympy.zeta(zeta_arg) * sympy.gamma(z) * sympy.gamma(b - z) / sympy.gamma(b)

    def term(pole, merge=None):
        """The term of the expansion from the pole of kappa^(-z) M(z) at z = ``pole``;
        ``merge`` = (symbol, value) imposes the coincidence of two poles (a log term)."""
        m = mellin
        if merge is not None:  # impose s = merge through one of the free symbols
            free = sorted(s.free_symbols, key=lambda x: (x not in a.free_symbols, x.name))
            root = sympy.solve(sympy.Eq(s, merge), free[0])
            if len(root) != 1:
                return None
            m = mellin.subs(free[0], root[0])
        # kappa^(-z) = kappa^(-pole) e^(w log(1/kappa)): log(1/kappa) only from the e^(...) factor
        shifted = _laurent_zeta(m.subs(z, pole + w), w) * sympy.exp(w * log_k)
        res = sympy.expand(_residue_at_zero(shifted, w))
        res = sum(sympy.simplify(res.coeff(log_k, j)) * log_k**j for j in range(3))
        return kappa ** (-pole) * res.subs(log_k, sympy.log(1 / kappa))

    log_k = sympy.Symbol("L", positive=True)                # stands for log(1/kappa)
    symbolic = bool(s.free_symbols)
    regimes = [  # (condition, leading-term pole, next-term pole, merged-pole substitution)
        (s > 0, s, 0, None),
        (sympy.Eq(s, 0), 0, None, 0),
        (sympy.And(s < 0, s > -1), 0, s, None),
        (sympy.Eq(s, -1), 0, -1, -1),
        (s < -1, 0, -1, None),
    ]
    pieces = []
    for cond, lead_pole, next_pole, merge in regimes:
        cond = sympy.simplify(cond) if not symbolic else cond
        if cond == sympy.false:
            continue
        if merge is not None and not symbolic:
            merge = None  # the numbers already coincide
        if next_pole is None:  # s = 0: the double pole holds both the log and the constant
            both = term(0, merge)
            if both is None:
                continue
            lead = sympy.expand(both).coeff(sympy.log(1 / kappa), 1) * sympy.log(1 / kappa)
            nxt = sympy.simplify(both - lead)
        else:
            lead, nxt = term(lead_pole, merge), term(next_pole, merge)
            if lead is None or nxt is None:
                continue
        pieces.append((cond, lead, nxt))
        if cond == sympy.true:
            break

    # the residue at z = s is the integral approximation (k = kappa^(-1/alpha) u, t = u^alpha),
    # shown unevaluated (tests check that SymPy's integrate gives the same constant)
    beta_integral = sympy.Integral(t ** (s - 1) * (1 + t) ** (-b), (t, 0, sympy.oo)) / alpha

    def pw(values):
        return _ordered_piecewise(values, [c for c, _, _ in pieces])

    leads = [p[1] for p in pieces]
    nexts = [p[2] for p in pieces]
    exponents, coefficients, logs, orders = [], [], [], []
    for cond, lead, nxt in pieces:
        if lead.has(sympy.log(1 / kappa)):
            exponents.append(sympy.Integer(0))
            coefficients.append(lead.coeff(sympy.log(1 / kappa)))
            logs.append(sympy.true)
        else:
            e = sympy.simplify(kappa * sympy.diff(lead, kappa) / lead)
            exponents.append(e)
            coefficients.append(sympy.simplify(lead / kappa ** e))
            logs.append(sympy.false)
        ratio = sympy.powsimp(sympy.expand_power_base(nxt / lead, force=True), force=True)
        orders.append(_power_of(ratio, kappa))
    steps = (
        Step(r"Summand as a function of kappa: $k^{-(a-\alpha b)}(1 + \kappa k^{\alpha})^{-b}$; "
             r"Mellin transform of the sum:", sympy.Eq(sympy.Symbol(r"\mathcal{M}[S](z)"), mellin)),
        Step("Pole of zeta (the critical exponent s):", sympy.Eq(sympy.Symbol("s"), s)),
        Step(r"For s > 0 the residue at z = s is the integral approximation ($k = \kappa^{-1/\alpha}u$, "
             r"$t = u^{\alpha}$): $S \sim C\kappa^{-s}$ with",
             sympy.Eq(sympy.Symbol("C"), beta_integral)),
        Step("Poles of Gamma(z) at z = 0, -1, ... give the regular part; the leading term by regime:",
             pw(leads)),
        Step("and the next term:", pw(nexts)),
    )
    return SumAsymptotics(
        a=a, alpha=alpha, b=b, s=s, exponent=pw(exponents), coefficient=pw(coefficients),
        log=pw(logs), leading=pw(leads), next_term=pw(nexts), relative_order=pw(orders),
        steps=steps,
    )


def _ordered_piecewise(values, conditions):
    """Piecewise over exhaustive, ordered regimes: the last condition becomes True and runs of
    equal values are merged (so that a regime-independent value is not split)."""
    pairs = []
    for v, c in zip(values, conditions):
        if pairs and pairs[-1][0] == v:
            pairs[-1] = (v, sympy.Or(pairs[-1][1], c))
        else:
            pairs.append((v, c))
    pairs[-1] = (pairs[-1][0], sympy.true)
    return sympy.Piecewise(*pairs)


def _power_of(expr, x):
    """The exponent e with expr ~ x^e (log factors ignored): the relative order of a correction."""
    expr = expr.replace(sympy.log, lambda *args: sympy.Integer(1))
    return sympy.simplify(x * sympy.diff(expr, x) / expr)


def _laurent_zeta(expr, z):
    """Replace zeta(1 + c z) by its Laurent polynomial 1/(c z) + gamma_0 - gamma_1 c z
    (DLMF 25.2.4, Stieltjes constants), which SymPy's series cannot expand at the pole."""
    def laurent(arg):
        w = sympy.expand(arg - 1)
        if w.has(z) and sympy.simplify(w.subs(z, 0)) == 0:
            return 1 / w + sympy.EulerGamma - sympy.stieltjes(1) * w
        return sympy.zeta(arg)
    return expr.replace(sympy.zeta, laurent)


def _residue_at_zero(expr, z):
    """Coefficient of 1/z in the Laurent series of ``expr`` at z = 0.

    The poles here are at most double, so each factor is expanded on its own to O(z^2)
    (Taylor by differentiation where it is analytic, SymPy's series at a pole) and the
    truncated Laurent coefficients are multiplied as lists: expanding the product
    symbolically would be far slower.
    """
    lo, hi = -4, 1
    product = {0: sympy.Integer(1)}
    for factor in sympy.Mul.make_args(expr):
        if not factor.has(z):
            coeffs = {0: factor}
        else:
            at0 = factor.subs(z, 0)
            if at0.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):   # a pole: SymPy's series
                ser = sympy.expand(sympy.series(factor, z, 0, 2).removeO())
                coeffs = {k: ser.coeff(z, k) for k in range(-2, 2)}
            else:                                                     # analytic: Taylor
                d1 = sympy.diff(factor, z)
                coeffs = {0: at0, 1: d1.subs(z, 0), 2: sympy.diff(d1, z).subs(z, 0) / 2}
        out = {}
        for i, ci in product.items():
            for j, cj in coeffs.items():
                if lo <= i + j <= hi and ci != 0 and cj != 0:
                    out[i + j] = out.get(i + j, 0) + ci * cj
        product = out
    return sympy.expand(product.get(-1, sympy.Integer(0)))


def power_tail_asymptotics(p, x=None):
    r"""Leading term of the tail :math:`\sum_{k > x} k^{-p}` as :math:`x \to \infty` (p > 1).

    By the Euler--Maclaurin formula (Abramowitz & Stegun 23.1.30) the tail is
    :math:`\int_x^\infty u^{-p}du + O(x^{-p}) = x^{1-p}/(p-1) + O(x^{-p})`; SymPy does the
    integral. For a power-law target :math:`t_k = k^{-\beta}` this is the power a model that
    keeps only the first x features cannot see.

    >>> power_tail_asymptotics(3)
    1/(2*x**2)
    """
    p = _exact(p, "p")
    _check(sympy.Gt(p, 1), "p", f"must be > 1 (the tail diverges otherwise), got {p}")
    x = sympy.Symbol("x", positive=True) if x is None else x
    u = sympy.Symbol("u", positive=True)
    return sympy.integrate(u ** (-p), (u, x, sympy.oo), conds="none")
