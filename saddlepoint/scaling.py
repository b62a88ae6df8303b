r"""Power-law scaling laws: the kernel-ridge-regression phase diagram and compute-optimal allocation.

Conventions (those of :func:`saddlepoint.ridge`, see docs/conventions.md):

* spectrum :math:`\omega_k = k^{-\alpha}` (capacity :math:`\alpha > 1`), k = 1, 2, ... (d = infinity);
  target power per mode :math:`t_k = \omega_k (w^*_k)^2 = k^{-(1 + 2\alpha r)}` (source exponent
  :math:`r > 0`), i.e. ``PowerLaw(alpha, beta=1 + 2*alpha*r)``;
* ridge normalised by 1/n, :math:`\hat w = \arg\min \tfrac1n\|y - Xw\|^2 + \lambda\|w\|^2`, with
  :math:`\lambda = n^{-\ell}` (:math:`\ell \ge 0`; ``ell = sympy.oo`` is the ridgeless limit);
* the **excess risk** :math:`E_x[(x\cdot(\hat w - w^*))^2]` (no test-label noise) = bias + variance,
  with label noise of variance :math:`\sigma^2 > 0` when ``noisy=True`` and :math:`\sigma^2 = 0`
  otherwise; a rate e means excess risk :math:`\propto n^{-e}` as :math:`n\to\infty`.

These follow Cui, Loureiro, Krzakala & Zdeborová (2021), *Generalization error rates in kernel
regression: the crossover from the noiseless to noisy regime* (NeurIPS 2021): their capacity
:math:`\alpha`, source :math:`r` and regularisation decay :math:`\lambda \sim n^{-\ell}` are ours
(their Fig. 1: the crossover line sits at :math:`\ell = \alpha/(1 + 2\alpha\min(r, 1))` and the
effective regularisation stops following :math:`\lambda` at :math:`\ell = \alpha`, which places
their :math:`\lambda` on our 1/n-normalised scale).

Nothing here is typed in: :func:`ridge_scaling` derives the exponents in SymPy from the
small-:math:`\kappa` asymptotics of the spectral sums
(:func:`saddlepoint.derivations.asymptotics.powerlaw_sum_asymptotics`) and a dominant balance in
the :math:`\kappa` equation :math:`\kappa = \lambda + (\kappa/n)\,\mathrm{df}_1(\kappa)`.
"""

import functools
from typing import NamedTuple

import sympy

from .derivations import symbols as _s
from .derivations.asymptotics import _exact, _ordered_piecewise, power_tail_asymptotics, powerlaw_sum_asymptotics
from .derivations.core import Step
from .errors import DerivationError, ParameterError

__all__ = ["RidgeScaling", "ridge_scaling", "krr_rate", "optimal_ridge_exponent", "phase_diagram",
           "Region", "crossover", "Crossover", "compute_optimal", "ComputeOptimal",
           "numeric_compute_optimal", "ridge_compute_optimal"]

# the symbols of the phase diagram (alpha > 1 cannot be an assumption; it is checked on numbers)
alpha_sym = sympy.Symbol("alpha", positive=True)
r_sym = sympy.Symbol("r", positive=True)
ell_sym = sympy.Symbol("ell", nonnegative=True)


class RidgeScaling(NamedTuple):
    r"""Large-n asymptotics of the power-law ridge (see :func:`ridge_scaling`).

    :math:`\kappa \simeq c\,n^{-x}`; bias :math:`\simeq B\,n^{-e_b}`; variance
    :math:`\simeq \sigma^2 V n^{-e_v}`; ``bias_log`` marks a :math:`\log n` factor in the bias
    (r = 1). Piecewise when the inputs are symbolic.
    """

    kappa_exponent: sympy.Expr
    kappa_coefficient: sympy.Expr
    bias_exponent: sympy.Expr
    bias_coefficient: sympy.Expr
    bias_log: sympy.Basic
    variance_exponent: sympy.Expr
    variance_coefficient: sympy.Expr
    steps: tuple
    regimes: tuple = ()


class KappaRegime(NamedTuple):
    """One branch of the dominant balance: ``name`` (``"ridge"``: kappa ~ lam; ``"samples"``:
    kappa set by n alone; ``"boundary"``: ell = alpha, both), ``condition`` (on ell),
    kappa ~ c n^-x, and the bias/variance exponents and coefficients there (Piecewise in r when
    r is symbolic)."""

    name: str
    condition: sympy.Basic
    x: sympy.Expr
    c: sympy.Expr
    bias_exponent: sympy.Expr
    bias_coefficient: sympy.Expr
    variance_exponent: sympy.Expr
    variance_coefficient: sympy.Expr


def _inputs(alpha, r, ell):
    alpha, r, ell = _exact(alpha, "alpha"), _exact(r, "r"), _exact(ell, "ell")
    for name, value, cond, text in (("alpha", alpha, sympy.Gt(alpha, 1), "> 1 (tr Sigma = zeta(alpha) must be finite)"),
                                    ("r", r, sympy.Gt(r, 0), "> 0 (the signal zeta(1 + 2 alpha r) must be finite)"),
                                    ("ell", ell, sympy.Ge(ell, 0), ">= 0 (lam = n^-ell; sympy.oo is ridgeless)")):
        if not isinstance(value, sympy.Expr) or value.is_extended_real is False or value in (sympy.nan, sympy.zoo) \
                or (value.is_infinite and name != "ell") or cond == sympy.false:
            raise ParameterError(name, f"must be {text}, got {value}")
    return alpha, r, ell


def _solve_for(condition, variable):
    """A relation solved for ``variable`` when SymPy can (else simplified as it stands)."""
    condition = sympy.sympify(condition)
    if condition in (sympy.true, sympy.false):
        return condition
    if isinstance(variable, sympy.Symbol) and variable in condition.free_symbols:
        try:
            return sympy.solve(condition, variable)
        except (NotImplementedError, TypeError, ValueError):
            pass
    return sympy.simplify(condition)


def _branches(expr):
    """(value, condition) pairs of a Piecewise with mutually exclusive conditions."""
    if not isinstance(expr, sympy.Piecewise):
        return [(expr, sympy.true)]
    out, before = [], sympy.false
    for value, cond in expr.args:
        out.append((value, sympy.simplify(sympy.And(cond, sympy.Not(before)))))
        before = sympy.Or(before, cond)
    return [(v, c) for v, c in out if c != sympy.false]


def _dominant_balance(x, lhs, rhs, ell):
    r"""Dominant balance of :math:`n^{l(x)} = \sum_j C_j n^{r_j(x)}` (all terms positive).

    The left side must balance one term j (same power of n) while every other term is
    smaller; returns the ordered ``[(x_j, condition_j, terms_j)]``, conditions solved for
    ``ell`` and ``terms_j`` the indices of the right-side terms of leading order there (more
    than one on a boundary between regimes, reached only for numbers).
    """
    def candidates(relation):
        out = []
        for j, (_, power) in enumerate(rhs):
            roots = sympy.solve(sympy.Eq(lhs, power), x)
            if len(roots) != 1:
                continue
            xj = roots[0]
            cond = sympy.And(*[relation(p.subs(x, xj), lhs.subs(x, xj)) for i, (_, p) in enumerate(rhs) if i != j])
            cond = _solve_for(cond, ell)
            if cond == sympy.false or any(sympy.simplify(xj - o[0]) == 0 for o in out):
                continue
            terms = tuple(i for i, (_, p) in enumerate(rhs)
                          if i == j or sympy.simplify(p.subs(x, xj) - lhs.subs(x, xj)) == 0)
            out.append((xj, cond, terms))
        return out

    # strict dominance first; a numeric point on a boundary has none, and balances all terms
    found = candidates(sympy.Lt) or candidates(sympy.Le)
    if not found:
        raise DerivationError("no dominant balance found for the kappa equation")
    return found


def _positive_root(equation, c, guess):
    """The positive root of ``equation`` in c (SymPy's solve, else nsolve from ``guess``)."""
    try:
        roots = [v for v in sympy.solve(equation, c) if v.is_positive is not False]
    except NotImplementedError:
        roots = []
    if len(roots) == 1:
        return sympy.simplify(roots[0])
    if equation.free_symbols != {c}:
        raise DerivationError(f"no unique positive root of {equation} in {c}: {roots}")
    return sympy.nsolve(equation.lhs - equation.rhs, c, float(guess))


@functools.lru_cache(maxsize=128)
def _ridge_scaling(alpha, r, ell):
    beta = 1 + 2 * alpha * r
    df1 = powerlaw_sum_asymptotics(alpha, alpha, 1)           # tr S(S+kappa)^-1
    df2 = powerlaw_sum_asymptotics(2 * alpha, alpha, 2)       # tr S^2(S+kappa)^-2
    tsum = powerlaw_sum_asymptotics(beta, alpha, 2)           # sum_k t_k (omega_k+kappa)^-2
    e1, D = df1.exponent, df1.coefficient                      # s = 1/alpha > 0: one regime
    e2, C2 = df2.exponent, df2.coefficient

    # kappa = c n^-x; lam = n^-ell; (kappa/n) df1 ~ D c^(1+e1) n^(-x(1+e1)-1)
    x, c = sympy.Symbol("x", nonnegative=True), sympy.Symbol("c", positive=True)
    rhs = [] if ell == sympy.oo else [(sympy.Integer(1), -ell)]
    rhs.append((D * c ** (1 + e1), -x * (1 + e1) - 1))
    balances = _dominant_balance(x, -x, rhs, ell)
    xs, cs, conds, names = [], [], [], []
    for xj, cond, terms in balances:
        xs.append(sympy.simplify(xj))
        cs.append(_positive_root(sympy.Eq(c, sum(rhs[i][0] for i in terms)), c, sympy.Max(1, D ** alpha)))
        conds.append(cond)
        sample_term = len(rhs) - 1
        names.append("boundary" if len(terms) > 1 else "samples" if terms == (sample_term,) else "ridge")
    x_pw = _ordered_piecewise(xs, conds)
    c_pw = _ordered_piecewise(cs, conds)

    # gamma = df2/n ~ C2 c^e2 n^(-x e2 - 1): vanishes unless x = -1/e2 (= alpha)
    gamma_power = -x * e2 - 1
    g_lim = [sympy.Piecewise((C2 * cj ** e2, sympy.Eq(gamma_power.subs(x, xj), 0)), (0, True)) for xj, cj in zip(xs, cs)]
    eb, B, vb, V, blog, regimes = [], [], [], [], [], []
    for name, cond, xj_s, cj, gj in zip(names, conds, xs, cs, g_lim):
        # bias = kappa^2 T(kappa)/(1 - gamma), variance = sigma2 gamma/(1 - gamma)
        eb.append(_flatten(sympy.simplify(sympy.piecewise_fold(xj_s * (2 + tsum.exponent)))))
        B.append(_flatten(sympy.simplify(sympy.piecewise_fold(tsum.coefficient * cj ** (2 + tsum.exponent) / (1 - gj)))))
        vb.append(sympy.simplify(-gamma_power.subs(x, xj_s)))
        V.append(sympy.simplify(C2 * cj ** e2 / (1 - gj)))
        blog.append(tsum.log)
        regimes.append(KappaRegime(name, cond, xj_s, cj, eb[-1], B[-1], vb[-1], V[-1]))
    pw = lambda vals: _flatten(_ordered_piecewise(vals, conds))
    steps = (
        Step("Small-kappa asymptotics of the spectral sums (Mellin transform):",
             sympy.Eq(sympy.Symbol(r"\mathrm{df}_1"), df1.leading)),
        Step("", sympy.Eq(sympy.Symbol(r"\mathrm{df}_2"), df2.leading)),
        Step("", sympy.Eq(sympy.Symbol(r"T_{0,2}"), tsum.leading)),
        Step(r"Dominant balance in $\kappa = n^{-\ell} + (\kappa/n)\mathrm{df}_1(\kappa)$ with $\kappa = c n^{-x}$:",
             sympy.Eq(sympy.Symbol("x"), x_pw)),
        Step("", sympy.Eq(sympy.Symbol("c"), c_pw)),
        Step(r"Bias $\kappa^2 T_{0,2}/(1-\gamma) \propto n^{-e_b}$:", sympy.Eq(sympy.Symbol("e_b"), pw(eb))),
        Step(r"Variance $\sigma^2\gamma/(1-\gamma) \propto n^{-e_v}$, $\gamma = \mathrm{df}_2/n$:",
             sympy.Eq(sympy.Symbol("e_v"), pw(vb))),
    )
    return RidgeScaling(x_pw, c_pw, pw(eb), pw(B), pw(blog), pw(vb), pw(V), steps, tuple(regimes))


def _flatten(expr):
    """Fold nested Piecewise into one (a number when every condition is decided)."""
    return sympy.piecewise_fold(expr) if isinstance(expr, sympy.Piecewise) else expr


def ridge_scaling(alpha, r, ell):
    r"""Derive the large-n asymptotics of the excess risk of power-law ridge regression.

    Model and conventions: module docstring (capacity ``alpha`` > 1, source ``r`` > 0,
    ``lam = n**-ell``, ridge normalised by 1/n, d = infinity; Cui et al. 2021 notation).
    Steps, all in SymPy: (1) the spectral sums df1, df2 and the bias sum
    :math:`T_{0,2} = \sum_k t_k(\omega_k+\kappa)^{-2}` as :math:`\kappa\to0`
    (:func:`~saddlepoint.derivations.asymptotics.powerlaw_sum_asymptotics`); (2) the dominant
    balance in :math:`\kappa = \lambda + (\kappa/n)\mathrm{df}_1(\kappa)`, giving
    :math:`\kappa \simeq c\,n^{-\min(\ell,\alpha)}`; (3) the bias
    :math:`\kappa^2 T_{0,2}/(1-\gamma)` and variance :math:`\sigma^2\gamma/(1-\gamma)`,
    :math:`\gamma = \mathrm{df}_2/n`. Returns a :class:`RidgeScaling`; its coefficients are
    the leading constants (:math:`\kappa \to 0` needs :math:`\ell > 0`: at ``ell = 0`` only
    the exponents are meaningful).

    >>> import saddlepoint as spt
    >>> sc = spt.scaling.ridge_scaling(2, 0.5, sympy.oo)     # ridgeless
    >>> sc.kappa_exponent, sc.kappa_coefficient, sc.bias_exponent, sc.variance_exponent
    (2, pi**2/4, 2, 0)
    """
    return _ridge_scaling(*_inputs(alpha, r, ell))


def krr_rate(alpha, r, ell, noisy=True):
    r"""Exponent e of the excess-risk decay :math:`\propto n^{-e}` of kernel ridge regression.

    Kernel eigenvalues :math:`k^{-\alpha}` (``alpha`` > 1), target power per mode
    :math:`k^{-(1+2\alpha r)}` (``r`` > 0), ridge :math:`\lambda = n^{-\ell}` normalised by 1/n
    (``ell`` >= 0; ``sympy.oo`` is ridgeless); ``noisy=True`` has label noise
    :math:`\sigma^2 > 0` in the training labels (the excess risk then includes the variance),
    ``noisy=False`` has :math:`\sigma^2 = 0`. Derived by :func:`ridge_scaling`; it reproduces
    Cui, Loureiro, Krzakala & Zdeborová (2021): noiseless
    :math:`2\min(\ell,\alpha)\min(r,1)`, noisy :math:`\min(2\ell\min(r,1), 1 - \ell/\alpha)`
    for :math:`\ell < \alpha` and 0 for :math:`\ell \ge \alpha`. Numbers give a SymPy number,
    symbols a Piecewise.

    >>> import saddlepoint as spt, sympy
    >>> spt.scaling.krr_rate(2, sympy.Rational(1, 4), sympy.oo, noisy=False)
    1
    >>> spt.scaling.krr_rate(2, sympy.Rational(1, 4), 1)      # min(2*1/4, 1 - 1/2)
    1/2
    >>> spt.scaling.krr_rate(2, 3, 1, noisy=False)          # r > 1 saturates: 2*1*min(3, 1)
    2
    """
    sc = ridge_scaling(alpha, r, ell)
    if not noisy:
        return sc.bias_exponent
    rate = sympy.Min(sc.bias_exponent, sc.variance_exponent)
    return _flatten(rate) if rate.free_symbols else sympy.simplify(rate)


class OptimalRidge(NamedTuple):
    """The ridge decay ``ell`` maximising the rate, the ``rate`` there, and whether the
    maximiser is ``unique`` (noiseless: every ell >= alpha is optimal; ``ell`` is the smallest)."""

    ell: sympy.Expr
    rate: sympy.Expr
    unique: bool


def optimal_ridge_exponent(alpha, r, noisy=True):
    r"""The ridge decay :math:`\ell^*` (:math:`\lambda = n^{-\ell^*}`) maximising :func:`krr_rate`.

    Derived from the branches of :func:`ridge_scaling`: on :math:`\ell < \alpha` the bias rate
    increases and the variance rate decreases with :math:`\ell`, so the noisy optimum solves
    bias rate = variance rate, giving :math:`\ell^* = \alpha/(1 + 2\alpha\min(r,1))` and the
    classical rate :math:`2\alpha\min(r,1)/(1 + 2\alpha\min(r,1))` (Caponnetto & De Vito 2007;
    Cui et al. 2021, the noisy optimally-regularised case). Noiseless, the rate grows up to
    :math:`\ell = \alpha` and is flat beyond: every :math:`\ell \ge \alpha` (including ridgeless)
    gives :math:`2\alpha\min(r,1)`; ``ell = alpha`` is returned with ``unique=False``.
    Conventions: :func:`krr_rate`.

    >>> import saddlepoint as spt, sympy
    >>> spt.scaling.optimal_ridge_exponent(2, sympy.Rational(1, 2))
    OptimalRidge(ell=2/3, rate=2/3, unique=True)
    """
    alpha, r, _ = _inputs(alpha, r, 0)
    ell = ell_sym            # shares the cache with krr_rate on symbols
    sc = _ridge_scaling(alpha, r, ell)
    ridge = sc.regimes[0]
    if ridge.name != "ridge" or ridge.x != ell:
        raise DerivationError("the first kappa regime is not kappa ~ lam")
    bias, var = ridge.bias_exponent, ridge.variance_exponent
    for b_val, _ in _branches(bias):
        if sympy.simplify(sympy.diff(b_val, ell)).is_negative or sympy.simplify(sympy.diff(var, ell)).is_positive:
            raise DerivationError("unexpected monotonicity of the rates in ell")
    if not noisy:
        return OptimalRidge(alpha, _flatten(bias.subs(ell, alpha)), False)
    bias_by_r = _branches(_flatten(bias))
    stars, rates, conds = [], [], []
    for b_val, b_cond in bias_by_r:
        root = sympy.solve(sympy.Eq(b_val, var), ell)
        if len(root) != 1:
            raise DerivationError(f"no unique crossing of the bias and variance rates: {root}")
        stars.append(sympy.simplify(root[0]))
        rates.append(sympy.simplify(var.subs(ell, root[0])))
        conds.append(b_cond)
    return OptimalRidge(_ordered_piecewise(stars, conds), _ordered_piecewise(rates, conds), True)


class Region(NamedTuple):
    """One region of the phase diagram: where it is (``condition`` on ell, r, alpha), the
    ``rate``, which term of the excess risk dominates (``"bias"``/``"variance"``) and the
    ``kappa`` regime (``"ridge"``: kappa ~ lam; ``"samples"``: kappa ~ n^-alpha, as if ridgeless;
    the boundary ell = alpha, where both terms balance, is counted with ``"samples"``)."""

    condition: sympy.Basic
    rate: sympy.Expr
    dominant: str
    kappa: str


def phase_diagram(noisy=True, alpha=None):
    r"""The phase diagram of :func:`krr_rate` as data: a list of :class:`Region`.

    Coordinates are the symbols ``ell`` (ridge decay, :math:`\lambda = n^{-\ell}`), ``r``
    (source) and ``alpha`` (capacity; pass a number to fix it). Regions come from the branches
    of :func:`ridge_scaling`: the two :math:`\kappa` regimes times the two bias regimes
    (:math:`r < 1`; :math:`r \ge 1`, saturated) and, when ``noisy``, whichever of bias and
    variance decays more slowly. Boundaries carry log corrections (r = 1) or changes of
    constants (ell = alpha). Cui et al. (2021), Fig. 1 and Sec. 3, draw the same diagram.

    >>> import saddlepoint as spt
    >>> for reg in spt.scaling.phase_diagram(noisy=True, alpha=2):
    ...     print(reg.dominant, reg.kappa, reg.condition, "->", reg.rate)
    bias ridge (r < 1) & (ell < 2/(4*r + 1)) -> 2*ell*r
    variance ridge (ell < 2) & (r < 1) & (ell > 2/(4*r + 1)) -> 1 - ell/2
    bias ridge (r >= 1) & (ell < 2/5) -> 2*ell
    variance ridge (r >= 1) & (ell > 2/5) & (ell < 2) -> 1 - ell/2
    variance samples ell >= 2 -> 0
    """
    a = alpha_sym if alpha is None else _inputs(alpha, 1, 0)[0]
    ell, r = ell_sym, r_sym
    sc = _ridge_scaling(a, r, ell)
    regions = []
    for regime in sc.regimes:
        # the boundary ell = alpha goes with the samples regime (the ordered Piecewise's choice)
        k_cond = regime.condition if regime.name == "ridge" else sympy.Not(sympy.Or(
            *[o.condition for o in sc.regimes if o.name == "ridge"]))
        var_here = regime.variance_exponent
        for b_val, b_cond in _branches(regime.bias_exponent):
            cond = sympy.And(k_cond, b_cond)
            if not noisy:
                regions.append(Region(sympy.simplify(cond), b_val, "bias", regime.name))
                continue
            for dominant, rate, other in (("bias", b_val, var_here), ("variance", var_here, b_val)):
                where = _solve_for(sympy.Lt(rate, other), ell)
                full = sympy.simplify(sympy.And(cond, where))
                if full != sympy.false:
                    regions.append(Region(full, rate, dominant, regime.name))
    return _merge_regions(regions)


def _merge_regions(regions):
    """Regions with the same r-independent rate, dominant term and kappa regime are merged
    when the union no longer depends on r (the r branches only split them)."""
    out = []
    for reg in regions:
        for i, old in enumerate(out):
            if (old.rate, old.dominant, old.kappa) == (reg.rate, reg.dominant, reg.kappa) and not reg.rate.has(r_sym):
                merged = sympy.simplify(sympy.Or(old.condition, reg.condition))
                if not merged.has(r_sym):
                    out[i] = Region(merged, reg.rate, reg.dominant, reg.kappa)
                    break
        else:
            out.append(reg)
    return out


class Crossover(NamedTuple):
    r"""The noise-induced crossover: for :math:`n \ll n^*` the excess risk decays at the
    noiseless rate ``noiseless_rate``, for :math:`n \gg n^*` at ``noisy_rate``;
    :math:`n^* \simeq` ``n_star`` (an expression in ``sigma2``) :math:`\propto \sigma^{\text{sigma\_exponent}}`."""

    n_star: sympy.Expr
    sigma_exponent: sympy.Expr
    noiseless_rate: sympy.Expr
    noisy_rate: sympy.Expr


def crossover(alpha, r, ell, sigma2=None):
    r"""Where the noiseless rate gives way to the noisy one (small label noise :math:`\sigma^2`).

    From :func:`ridge_scaling`, bias :math:`\simeq B n^{-e_b}` and variance
    :math:`\simeq \sigma^2 V n^{-e_v}`; when :math:`e_b > e_v` they cross at
    :math:`n^* = (B/(V\sigma^2))^{1/(e_b - e_v)} \propto \sigma^{-2/(e_b - e_v)}`. This
    happens iff :math:`\ell > \alpha/(1 + 2\alpha\min(r,1))` (Cui et al. 2021, Fig. 1: the
    crossover line), e.g. ridgeless: :math:`n^* \propto \sigma^{-1/(\alpha\min(r,1))}`.
    ``sigma2`` is the noise variance (a number or symbol; default the symbol sigma^2).
    Leading order only: at r = 1 the bias has a log(n) factor and there is no power-law
    crossover (ParameterError), nor where the bias never decays faster than the variance.
    Conventions: :func:`krr_rate`.

    >>> import saddlepoint as spt, sympy
    >>> c = spt.scaling.crossover(2, sympy.Rational(1, 2), sympy.oo)
    >>> c.sigma_exponent, c.noiseless_rate, c.noisy_rate
    (-1, 2, 0)
    """
    alpha, r, ell = _inputs(alpha, r, ell)
    sigma2 = _s.sigma2 if sigma2 is None else _exact(sigma2, "sigma2")
    if sympy.Gt(sigma2, 0) == sympy.false:
        raise ParameterError("sigma2", f"must be > 0, got {sigma2}")
    if r == 1:
        raise ParameterError("r", "must not be 1: the bias has a log(n) factor there, no power-law crossover")
    sc = _ridge_scaling(alpha, r, ell)
    eb, ev = sc.bias_exponent, sc.variance_exponent
    gap = sympy.simplify(eb - ev)
    if gap.is_positive is False or gap == 0:
        raise ParameterError("ell", f"gives no crossover: the bias rate {eb} does not exceed the variance rate {ev} "
                                    f"(needs ell > alpha/(1 + 2 alpha min(r, 1)))")
    n_star = (sc.bias_coefficient / (sc.variance_coefficient * sigma2)) ** (1 / gap)
    return Crossover(sympy.simplify(n_star), sympy.simplify(-2 / gap), eb, ev)


# ---------------------------------------------------------------------------------------------
# compute-optimal allocation
# ---------------------------------------------------------------------------------------------

class ComputeOptimal(NamedTuple):
    r"""The compute-optimal split of a budget C = N t: ``N_opt``, ``t_opt``, ``loss_opt`` as
    expressions in C, and the exponents :math:`N^* \propto C^{a}`, :math:`t^* \propto C^{b}`,
    :math:`L^* - L_\infty \propto C^{-e}` (``N_exponent`` a, ``t_exponent`` b, ``loss_exponent`` e)."""

    N_opt: sympy.Expr
    t_opt: sympy.Expr
    loss_opt: sympy.Expr
    N_exponent: sympy.Expr
    t_exponent: sympy.Expr
    loss_exponent: sympy.Expr
    irreducible: sympy.Expr
    steps: tuple


def _power_law_terms(loss, N, t):
    """Split a sum of power laws into its N-term, t-term and constant."""
    n_terms, t_terms, const = [], [], sympy.Integer(0)
    for term in sympy.Add.make_args(sympy.expand(loss)):
        has_n, has_t = term.has(N), term.has(t)
        if has_n and has_t:
            raise DerivationError(f"the loss must be a sum of power laws in N and t separately; {term} mixes them")
        var = N if has_n else t if has_t else None
        if var is None:
            const += term
            continue
        power = sympy.simplify(var * sympy.diff(term, var) / term)
        if power.has(var):
            raise DerivationError(f"{term} is not a power law in {var}")
        (n_terms if var is N else t_terms).append(term)
    if len(n_terms) != 1 or len(t_terms) != 1:
        raise DerivationError("compute_optimal needs exactly one power-law term in N and one in t "
                              "(keep the dominant ones: the smallest exponents)")
    return n_terms[0], t_terms[0], const


def compute_optimal(loss, N, t, C):
    r"""Minimise a loss :math:`L = a N^{-p} + b t^{-s} + c` at fixed compute :math:`C = N t`.

    ``loss`` is a SymPy expression in the symbols ``N`` (model size) and ``t`` (data / steps);
    ``C`` is the budget symbol. Substituting :math:`t = C/N` and solving
    :math:`\partial_N L = 0` (the Lagrange condition) in SymPy gives
    :math:`N^* = (pa/(sb))^{1/(p+s)} C^{s/(p+s)}`, :math:`t^* \propto C^{p/(p+s)}` and
    :math:`L^* - c \propto C^{-ps/(p+s)}` (the compute-optimal exponents of Hoffmann et al.
    2022, *Training compute-optimal large language models*, Sec. 3.3, there fitted, here
    derived). Coefficients and exponents must be positive (assumed for symbols).

    >>> import sympy
    >>> from saddlepoint.scaling import compute_optimal
    >>> N, t, C, a, b, p, s = sympy.symbols("N t C a b p s", positive=True)
    >>> res = compute_optimal(a * N**-p + b * t**-s + 1, N, t, C)
    >>> res.N_exponent, res.t_exponent, res.loss_exponent
    (s/(p + s), p/(p + s), p*s/(p + s))
    """
    loss = sympy.sympify(loss)
    Np, tp, Cp = (sympy.Dummy(str(v), positive=True) for v in (N, t, C))
    L = loss.subs({N: Np, t: tp})
    n_term, t_term, const = _power_law_terms(L, Np, tp)
    on_budget = (n_term + t_term.subs(tp, Cp / Np))
    # dL/dN = 0 balances two monomials in N: solved in log N, where it is linear (solving the
    # polynomial form would have degree ~ the denominators of rational exponents)
    gain, cost = sympy.Add.make_args(sympy.expand(sympy.diff(on_budget, Np)))
    u = sympy.Symbol("u", real=True)
    log_balance = sympy.expand_log(sympy.log(gain) - sympy.log(-cost), force=True).subs(sympy.log(Np), u)
    stationary = sympy.solve(log_balance, u)
    if len(stationary) != 1 or log_balance.has(Np):
        raise DerivationError(f"expected one stationary model size, found {stationary}")
    N_opt = sympy.simplify(sympy.exp(stationary[0]))
    t_opt = sympy.simplify(Cp / N_opt)
    reducible = sympy.simplify(sympy.powsimp(sympy.expand_power_base(on_budget.subs(Np, N_opt), force=True), force=True))
    exponent = lambda e: sympy.simplify(sympy.powsimp(sympy.expand_log(
        Cp * sympy.diff(sympy.log(e), Cp), force=True), force=True))
    aN, at, aL = exponent(N_opt), exponent(t_opt), -exponent(reducible)
    back = {Np: N, tp: t, Cp: C}
    steps = (
        Step("Loss on the budget t = C/N:", sympy.Eq(sympy.Symbol("L"), (on_budget + const).subs(back))),
        Step("Stationary model size (dL/dN = 0):", sympy.Eq(sympy.Symbol("N^*"), N_opt.subs(back))),
        Step("Compute-optimal loss:", sympy.Eq(sympy.Symbol("L^*"), (reducible + const).subs(back))),
    )
    return ComputeOptimal(N_opt.subs(back), t_opt.subs(back), (reducible + const).subs(back),
                          aN.subs(back), at.subs(back), aL.subs(back), const.subs(back), steps)


def numeric_compute_optimal(loss, N, t, budgets, grid=4001):
    r"""Brute-force check of :func:`compute_optimal`: minimise ``loss`` (numbers only besides
    ``N`` and ``t``) over a log-spaced grid of N at each budget C = N t in ``budgets``, refined
    by a bounded scalar minimisation in log N; returns ``(N_opt, loss_opt, slopes)`` with
    ``slopes = (N_exponent, loss_exponent)`` fitted by least squares on log-log axes (the loss
    exponent of :math:`L^* - L_\infty`, :math:`L_\infty` the loss at N, t = infinity).
    """
    import numpy as np
    from scipy.optimize import minimize_scalar

    loss = sympy.sympify(loss)
    if loss.free_symbols - {N, t}:
        raise ParameterError("loss", f"must have no free symbols besides N and t, got {loss.free_symbols - {N, t}}")
    f = sympy.lambdify((N, t), loss, modules="numpy")
    floor = float(sympy.limit(sympy.limit(loss, N, sympy.oo), t, sympy.oo))
    budgets = np.asarray(budgets, dtype=float)
    n_best, l_best = [], []
    for C in budgets:
        logN = np.linspace(0.0, np.log(C), grid)
        vals = f(np.exp(logN), C / np.exp(logN))
        i = int(np.argmin(vals))
        lo, hi = logN[max(i - 1, 0)], logN[min(i + 1, grid - 1)]
        res = minimize_scalar(lambda u: float(f(np.exp(u), C / np.exp(u))), bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-12})
        n_best.append(np.exp(res.x))
        l_best.append(res.fun)
    n_best, l_best = np.array(n_best), np.array(l_best)
    logC = np.log(budgets)
    slope_n = np.polyfit(logC, np.log(n_best), 1)[0]
    slope_l = -np.polyfit(logC, np.log(l_best - floor), 1)[0]
    return n_best, l_best, (slope_n, slope_l)


def ridge_compute_optimal(alpha, r, ell=sympy.oo):
    r"""Compute-optimal allocation for power-law ridge regression with a model of d features.

    A model that keeps only the first d modes of the power law (features k > d unseen) misses
    the target power :math:`\sum_{k>d} t_k \simeq d^{-2\alpha r}/(2\alpha r)`
    (:func:`~saddlepoint.derivations.asymptotics.power_tail_asymptotics`), while n samples leave
    the noiseless excess risk :math:`\propto n^{-e}` with e = ``krr_rate(alpha, r, ell,
    noisy=False)`` (for Gaussian features the unseen modes act as extra label noise of that
    variance, which only changes the constants of the d-term). So
    :math:`L \simeq A d^{-2\alpha r} + B n^{-e}` with compute C = n d, and
    :func:`compute_optimal` gives the split (N = d, t = n). Leading power laws only: the
    interpolation peak at d ~ n (ridgeless) is not a power law and is not modelled.

    >>> import saddlepoint as spt, sympy
    >>> res = spt.scaling.ridge_compute_optimal(2, sympy.Rational(1, 2))
    >>> res.N_exponent, res.loss_exponent                    # equal split, L ~ C^-(alpha r)
    (1/2, 1)
    """
    alpha, r, ell = _inputs(alpha, r, ell)
    d_, n_, C = sympy.symbols("d n C", positive=True)
    A, B = sympy.symbols("A B", positive=True)
    beta = 1 + 2 * alpha * r
    tail = power_tail_asymptotics(beta, d_)
    p = sympy.simplify(-d_ * sympy.diff(tail, d_) / tail)
    s = krr_rate(alpha, r, ell, noisy=False)
    if not s.is_positive and s.free_symbols == set():
        raise ParameterError("ell", f"gives no decay in n (rate {s})")
    return compute_optimal(A * d_ ** -p + B * n_ ** -s, d_, n_, C)
