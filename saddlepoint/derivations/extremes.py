r"""Extreme-value asymptotics of the minimum of k i.i.d. losses, derived symbolically (pure SymPy).

Setting. L_1, ..., L_k are i.i.d. copies of a loss L >= L_min whose CDF F(l) = P(L <= l) is, near
its infimum, a power series in a variable v with l - L_min = v**power:

    F = A v^p (1 + b_1 v + b_2 v^2 + ...),      A > 0, p a positive integer.

So F(l) ~ A (l - L_min)^a with a = p/power. The expected best-of-k loss is

    E[min_i L_i] - L_min = \int_0^oo (1 - F(l))^k dl = \int_0^oo exp(-k G) dl,   G = -log(1 - F).

**Watson's lemma.** Take w = G as the integration variable. G = A v^p (1 + r(v)), so
z = w^(1/p) = A^(1/p) v (1 + r(v))^(1/p) is a power series in v with a linear leading term; it is
reverted (Lagrange inversion) to v as a series in y = z A^(-1/p), and l - L_min = v^power =
sum_j q_j y^(power + j). Integrating term by term, \int_0^oo e^{-kw} d(w^beta) = Gamma(1 + beta) k^-beta:

    E[min] - L_min ~ sum_{j >= 0} q_j A^{-(power+j)/p} Gamma(1 + (power+j)/p) k^{-(power+j)/p}.

The leading term is the classical extreme-value law Gamma(1 + 1/a) (A k)^(-1/a) (de Haan &
Ferreira 2006, *Extreme Value Theory*, the Weibull domain of attraction of minima). The
expansion is asymptotic in powers of k^(-1/p), not 1/(k + 1); corrections beyond all orders
(from where the series of F stops representing F) are not included.

**Best-of-k with squared error** (Halder & Pehlevan 2025, *Demystifying LLM-as-a-Judge:
Analytically Tractable Model for Inference-Time Scaling*, arXiv:2512.19905, the "best-of-k"
limit): X ~ N(mu, s^2), L = X^2, L_min = 0. In v = sqrt(l),
F(l) = Phi((v - mu)/s) - Phi((-v - mu)/s), an odd power series in v derived here from the
Gaussian CDF, with A = 2 phi(mu/s)/s, p = 1, power = 2. The leading term is
2/(A k)^2 = pi s^2 exp(mu^2/s^2) / k^2: the Theta(1/k^2) law with its coefficient.

>>> import sympy
>>> mu, s, k = sympy.symbols("mu s k", positive=True)
>>> ex = best_of_k_squared_error(mu, s, terms=2)
>>> sympy.simplify(ex.leading - sympy.pi * s**2 * sympy.exp(mu**2 / s**2))
0
>>> [e for _, e in ex.terms]                  # powers of 1/k
[2, 3]
>>> sympy.simplify(ex.terms[1][0] / ex.terms[0][0])
-3
"""

from __future__ import annotations

import sympy

from ..errors import DerivationError
from .core import Step

__all__ = ["MinimumExpansion", "minimum_expansion", "leading_minimum", "best_of_k_squared_error",
           "gaussian_square_cdf"]


# --- truncated power series: lists [c_0, c_1, ..., c_{n-1}] of SymPy coefficients ----------------

def _mul(a, b, n):
    out = [sympy.S.Zero] * n
    for i, ai in enumerate(a[:n]):
        if ai == 0:
            continue
        for j, bj in enumerate(b[: n - i]):
            out[i + j] += ai * bj
    return [sympy.expand(c) for c in out]


def _binomial_series(r, alpha, n):
    """(1 + r)^alpha truncated to n terms, for a series r without constant term."""
    if r and r[0] != 0:
        raise DerivationError("binomial series needs r(0) = 0")
    out = [sympy.S.One] + [sympy.S.Zero] * (n - 1)
    power = [sympy.S.One] + [sympy.S.Zero] * (n - 1)
    for m in range(1, n):
        power = _mul(power, r, n)
        coeff = sympy.binomial(alpha, m)
        out = [o + coeff * p for o, p in zip(out, power)]
    return [sympy.expand(c) for c in out]


def _taylor(expr, v, after_leading, max_leading=12):
    """Taylor coefficients of expr at v = 0, by differentiation (no O() bookkeeping): all of them
    up to the first non-zero one, c_p, and ``after_leading`` more. Returns (coefficients, p)."""
    out = []
    d = expr
    p = None
    m = 0
    while p is None or m < p + 1 + after_leading:
        if p is None and m > max_leading:
            raise DerivationError(f"the CDF has no non-zero Taylor coefficient up to v^{max_leading} at 0")
        c = d.subs(v, 0)
        if c.has(sympy.nan, sympy.zoo, sympy.oo):
            c = sympy.limit(d, v, 0, "+")
        c = sympy.simplify(c / sympy.factorial(m))
        out.append(c)
        if p is None and c != 0:
            p = m
        d = sympy.diff(d, v)
        m += 1
    return out, p


def leading_minimum(A, a, k):
    r"""Leading term Gamma(1 + 1/a) (A k)^(-1/a) of E[min of k draws] - L_min when F ~ A (l - L_min)^a.

    The classical extreme-value law for minima in the Weibull domain (de Haan & Ferreira 2006);
    used to check the general expansion, never by it.

    >>> A, k = sympy.symbols("A k", positive=True)
    >>> leading_minimum(A, 1, k)
    1/(A*k)
    """
    a = sympy.sympify(a)
    return sympy.gamma(1 + 1 / a) * (A * k) ** (-1 / a)


class MinimumExpansion:
    r"""The expansion E[min of k draws] - L_min ~ sum_j c_j k^(-e_j), with its derivation trail.

    Attributes: ``terms`` (tuple of (coefficient c_j, exponent e_j), increasing e_j, the zero
    coefficients included so that term j always has e_j = (power + j)/p), ``leading`` (c_0),
    ``amplitude`` (A), ``exponent`` (a = p/power), ``steps`` (the trail, a tuple of
    :class:`~saddlepoint.derivations.core.Step`), ``k`` (the symbol). ``expression(k)`` gives the
    truncated sum, ``latex()`` the trail as an amsmath ``align*`` block.
    """

    def __init__(self, terms, amplitude, exponent, steps, k):
        self.terms = tuple(terms)
        self.amplitude = amplitude
        self.exponent = exponent
        self.steps = tuple(steps)
        self.k = k

    @property
    def leading(self):
        return self.terms[0][0]

    def expression(self, k=None):
        """sum_j c_j k^(-e_j) over the stored terms (no O() term), in ``k`` (default ``self.k``)."""
        k = self.k if k is None else k
        return sympy.Add(*(c * k ** (-e) for c, e in self.terms))

    def latex(self):
        r"""The derivation trail as an amsmath ``align*`` block (``\intertext`` for sentences)."""
        rows = []
        for step in self.steps:
            if step.text:
                rows.append(r"\intertext{%s}" % step.text)
            rel = step.latex()
            if rel is not None:
                rows.append(rel + r" \\")
        return "\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}"

    def _repr_latex_(self):
        return "$\\displaystyle " + sympy.latex(self.expression()) + "$"

    def __repr__(self):
        return f"MinimumExpansion({self.expression()})"


def minimum_expansion(cdf, v, *, power=1, terms=3, k=None, steps=()):
    r"""Expansion of E[min of k i.i.d. draws] - L_min in powers of k^(-1/p), by Watson's lemma.

    Parameters
    ----------
    cdf : SymPy expression in ``v``
        F(l) = P(L <= l) written in the variable v, where l - L_min = v**power; near v = 0 it must
        be A v^p (1 + O(v)) with A > 0 and p a positive integer (analytic in v at 0).
    v : Symbol
    power : positive Rational
        l - L_min = v**power (e.g. 2 when F is a series in sqrt(l - L_min)).
    terms : int
        How many terms of the expansion to derive (the zero ones count).
    k : Symbol, optional
        The number of draws (default a positive Symbol ``k``).
    steps : sequence of Step
        Leading steps of the trail (how ``cdf`` was obtained), kept in front.

    Returns a :class:`MinimumExpansion` whose j-th term is
    q_j A^{-(power+j)/p} Gamma(1 + (power+j)/p) k^{-(power+j)/p} (see the module docstring;
    Watson's lemma applied to \int exp(-k G) dl, G = -log(1 - F)).

    >>> x, k = sympy.symbols("x k", positive=True)
    >>> minimum_expansion(x, x, terms=3, k=k).expression()   # uniform on [0, 1]: 1/(k+1)
    1/k - 1/k**2 + k**(-3)
    """
    if terms < 1:
        raise DerivationError("terms must be >= 1")
    k = sympy.Symbol("k", positive=True) if k is None else k
    power = sympy.nsimplify(power)
    trail = list(steps)

    # the leading exponent p and amplitude A of F at v = 0; relative orders needed:
    # F = A v^p (1 + b_1 v + ... + b_{terms-1} v^{terms-1})
    n = terms
    F, p = _taylor(cdf, v, n - 1)
    if p == 0:
        raise DerivationError("the CDF must vanish at v = 0 (F = A v^p with p >= 1)")
    A = F[p]
    if A.is_positive is False:
        raise DerivationError(f"the CDF's leading coefficient must be positive, got {A}")
    ell = sympy.Symbol(r"\ell")
    trail.append(Step(f"Near its infimum the CDF is a power series in $v$, with $\\ell - L_{{\\min}} = v^{{{sympy.latex(power)}}}$:",
                      sympy.Eq(sympy.Function("F")(ell),
                               sympy.Add(*(c * v ** i for i, c in enumerate(F) if c != 0))
                               + sympy.O(v ** (p + n)))))

    # G = -log(1 - F) = sum_m F^m / m, truncated at v^(p + n - 1)
    G = [sympy.S.Zero] * (p + n)
    Fm = [sympy.S.One] + [sympy.S.Zero] * (p + n - 1)
    for m in range(1, (p + n - 1) // p + 1):
        Fm = _mul(Fm, F, p + n)
        G = [g + f / m for g, f in zip(G, Fm)]
    G = [sympy.simplify(g) for g in G]
    w = sympy.Symbol("w", positive=True)
    trail.append(Step(r"Write $(1 - F)^k = e^{-k w}$ with $w = G = -\log(1 - F)$:",
                      sympy.Eq(w, sympy.Add(*(c * v ** i for i, c in enumerate(G) if c != 0))
                               + sympy.O(v ** (p + n)))))

    # G = A v^p (1 + r(v)); phi(v) = v / (y-series) = (1 + r)^(-1/p)
    r = [sympy.S.Zero] + [sympy.simplify(G[p + i] / A) for i in range(1, n)]
    phi = _binomial_series(r, sympy.Rational(-1, p), n)
    # Lagrange inversion of y = v (1 + r)^(1/p): [y^m] v = (1/m) [v^(m-1)] phi^m
    b = []
    phim = [sympy.S.One] + [sympy.S.Zero] * (n - 1)
    for m in range(1, n + 1):
        phim = _mul(phim, phi, n)
        b.append(sympy.simplify(phim[m - 1] / m))
    y = sympy.Symbol("y", positive=True)
    root = "" if p == 1 else f"^{{1/{p}}}"
    trail.append(Step(f"Revert $w{root} = A{root} v (1 + \\dots)$ (Lagrange inversion), in $y = (w/A){root}$:",
                      sympy.Eq(v, sympy.Add(*(c * y ** (i + 1) for i, c in enumerate(b)))
                               + sympy.O(y ** (n + 1)))))

    # l - L_min = v^power = y^power (1 + b_2/b_1 y + ...)^power, with b_1 = 1
    tail = [sympy.S.Zero] + [b[i] for i in range(1, n)]
    q = [sympy.simplify(c) for c in _binomial_series(tail, power, n)]
    trail.append(Step(r"so that $\ell - L_{\min}$ is a series in $y$:",
                      sympy.Eq(ell - sympy.Symbol("L_{min}"),
                               sympy.Add(*(c * y ** (power + j) for j, c in enumerate(q)))
                               + sympy.O(y ** (power + n)))))

    out = []
    for j, qj in enumerate(q):
        beta = (power + j) / p
        coeff = sympy.simplify(qj * A ** (-beta) * sympy.gamma(1 + beta))
        out.append((coeff, beta))
    expansion = MinimumExpansion(out, A, sympy.Rational(p) / power, trail, k)
    expr = expansion.expression()
    trail.append(Step(r"Watson's lemma, $\int_0^\infty e^{-kw}\, d(w^\beta) = \Gamma(1+\beta)\, k^{-\beta}$, "
                      r"term by term:",
                      sympy.Eq(sympy.Symbol(r"\mathbb{E}[\min_{i \le k} L_i] - L_{min}"), expr)))
    expansion.steps = tuple(trail)
    return expansion


def gaussian_square_cdf(mu, s, v):
    r"""P(X^2 <= v^2) for X ~ N(mu, s^2), v >= 0: Phi((v - mu)/s) - Phi((-v - mu)/s), with
    Phi(x) = (1 + erf(x/sqrt 2))/2 (the CDF of the squared error of one sample)."""
    root2 = sympy.sqrt(2)
    return (sympy.erf((v - mu) / (s * root2)) - sympy.erf((-v - mu) / (s * root2))) / 2


def best_of_k_squared_error(mu, s, terms=3, k=None):
    r"""Expansion of E[min_{i <= k} X_i^2], X_i i.i.d. N(mu, s^2), in powers of 1/k, derived symbolically.

    The best-of-k error with squared distance to the target 0 (Halder & Pehlevan 2025,
    arXiv:2512.19905, best-of-k limit with the teacher as reward). The CDF of X^2 is expanded
    from the Gaussian CDF in v = sqrt(l) (odd in v, :func:`gaussian_square_cdf`) and handed to
    :func:`minimum_expansion` with ``power=2``; the leading term is pi s^2 exp(mu^2/s^2)/k^2.
    ``mu`` and ``s`` may be numbers or Symbols (s > 0). Returns a :class:`MinimumExpansion` in
    ``k`` whose terms have exponents 2, 3, ..., terms + 1.
    """
    v = sympy.Symbol("v", positive=True)
    cdf = gaussian_square_cdf(mu, s, v)
    first = [
        Step(r"Best of $k$ draws $X_i \sim \mathcal{N}(\mu, s^2)$, judged by the squared error $L = X^2$; "
             r"its CDF, with $v = \sqrt{\ell}$:",
             sympy.Eq(sympy.Function("F")(v ** 2), cdf)),
        Step(r"and the expected best-of-$k$ error is $\int_0^\infty (1 - F(\ell))^k\, d\ell$.", None),
    ]
    return minimum_expansion(cdf, v, power=2, terms=terms, k=k, steps=first)
