"""Exact bivariate polynomial plumbing for the polynomial method (private; pure SymPy).

Every algebraic curve is a ``Poly`` over ``ZZ`` whose first two generators are the curve's
variables (``(g, z)``, ``(r, w)``, ``(s, w)``) and whose remaining generators are the free
parameters, sorted by name. :func:`normalize` makes the representative unique: integer and
parameter content removed (primitive over ``ZZ[params]``), leading coefficient positive.
"""

from fractions import Fraction

import sympy
from sympy import Poly, QQ

from ...errors import ParameterError

__all__ = ["param_key", "sorted_params", "to_poly", "normalize", "substitute", "strip",
           "exact_value", "domain_dict"]


def param_key(sym):
    return (sym.name, sympy.default_sort_key(sym))


def sorted_params(symbols):
    return tuple(sorted(symbols, key=param_key))


def to_poly(expr, main, params=None):
    """``expr`` (a polynomial in ``main`` and parameters, rational coefficients) as a
    ``Poly`` over ``QQ`` with generators ``main + params``."""
    expr = sympy.sympify(expr)
    if params is None:
        params = sorted_params(expr.free_symbols - set(main))
    return Poly(expr, *main, *params, domain=QQ)


def normalize(p, nmain=2):
    """Unique representative of ``p`` up to a unit of ``QQ(params)``: clear denominators,
    remove the content in ``ZZ[params]``, drop unused parameter generators, make the leading
    coefficient positive."""
    main = p.gens[:nmain]
    if p.is_zero:
        raise ValueError("zero polynomial")
    rest = p.gens[nmain:]
    if all(isinstance(x, sympy.Symbol) for x in rest) and tuple(sorted_params(rest)) == tuple(rest):
        # fast path: drop unused parameter generators without going through expressions
        terms = p.terms()
        used = [i for i in range(len(rest)) if any(mon[nmain + i] for mon, _ in terms)]
        params = tuple(rest[i] for i in used)
        d = {mon[:nmain] + tuple(mon[nmain + i] for i in used): c for mon, c in terms}
        p = Poly.from_dict(d, *main, *params, domain=p.domain)
        if p.domain != QQ and p.domain != sympy.ZZ:
            p = Poly(p.as_expr(), *main, *params, domain=QQ)
        elif p.domain == sympy.ZZ:
            p = p.set_domain(QQ)
    else:
        expr = p.as_expr()
        params = sorted_params(expr.free_symbols - set(main))
        p = Poly(expr, *main, *params, domain=QQ)
    _, p = p.clear_denoms(convert=True)
    p = p.primitive()[1]
    if params:
        # content in ZZ[params]: running gcd of the coefficient polynomials, smallest first,
        # stopping as soon as it is 1 (the usual case)
        groups = {}
        for mon, c in p.terms():
            groups.setdefault(mon[:nmain], {})[mon[nmain:]] = c
        ring = sympy.ZZ[params].ring
        polys = sorted((ring.from_dict({k: int(v) for k, v in d.items()}) for d in groups.values()),
                       key=len)
        content = polys[0]
        for c in polys[1:]:
            if content.is_ground:
                break
            content = content.gcd(c)
        if not content.is_ground:
            e = p.eject(*params)
            _, prim = e.primitive()
            p = prim.inject()
            p = Poly(p.as_expr(), *main, *params, domain=QQ).clear_denoms(convert=True)[1]
    if p.LC() < 0:
        p = -p
    return p


def _split_const(expr):
    num, den = sympy.fraction(sympy.together(sympy.sympify(expr)))
    return sympy.expand(num), sympy.expand(den)


def substitute(p, nmain, images, out_main):
    r"""Numerator of ``p(x_1 = N_1/D_1, x_2 = N_2/D_2)`` times ``D_1^{deg_1 p} D_2^{deg_2 p}``.

    ``p`` has ``nmain = 2`` curve generators followed by parameters; ``images`` gives, for each
    curve generator, a pair ``(N_i, D_i)`` of SymPy expressions polynomial in ``out_main``
    and parameters. Returns a ``Poly`` in ``out_main + params`` (params = the union of all
    free symbols other than ``out_main``), over ``ZZ`` when everything is integral.
    Evaluated by a homogeneous Horner scheme in each variable (the images are short
    polynomials, so every step multiplies the large accumulator by a few terms only).
    """
    if nmain != 2:  # pragma: no cover - only bivariate curves are used
        raise ValueError("substitute handles bivariate curves only")
    main = p.gens[:nmain]
    pgens = p.gens[nmain:]
    syms = set(pgens)
    for n_, d_ in images:
        syms |= sympy.sympify(n_).free_symbols | sympy.sympify(d_).free_symbols
    params = sorted_params(syms - set(out_main))
    gens = tuple(out_main) + params
    dom = sympy.ZZ if all(c.is_integer for c in p.coeffs()) else QQ
    ring = sympy.polys.rings.PolyRing(gens, dom)
    K1, K2 = p.degree(main[0]), p.degree(main[1])
    (N1, D1), (N2, D2) = [(ring.from_expr(sympy.sympify(n_)), ring.from_expr(sympy.sympify(d_)))
                          for n_, d_ in images]
    # coefficient rows: c_{kj}(params) as ring elements
    pidx = [gens.index(x) for x in pgens]
    nout = len(gens)
    rows = {}
    for monom, coeff in p.terms():
        k, j = monom[0], monom[1]
        exps = [0] * nout
        for i, e in zip(pidx, monom[nmain:]):
            exps[i] += e
        rows.setdefault(k, {}).setdefault(j, {})[tuple(exps)] = dom.convert(coeff)
    rows = {k: {j: ring.from_dict(d) for j, d in r_.items()} for k, r_ in rows.items()}
    pow1, pow2 = [ring.one], [ring.one]
    for _ in range(K1):
        pow1.append(pow1[-1] * D1)
    for _ in range(K2):
        pow2.append(pow2[-1] * D2)

    def inner(row):
        acc = row.get(K2, ring.zero)
        for j in range(K2 - 1, -1, -1):
            acc = acc * N2
            c = row.get(j)
            if c is not None:
                acc = acc + c * pow2[K2 - j]
        return acc

    acc = inner(rows.get(K1, {}))
    for k in range(K1 - 1, -1, -1):
        acc = acc * N1
        if k in rows:
            acc = acc + inner(rows[k]) * pow1[K1 - k]
    return Poly.from_dict(dict(acc) or {(0,) * nout: 0}, *gens, domain=dom)


def strip(p, factors):
    """Divide ``p`` by each polynomial in ``factors`` as long as it divides exactly
    (generators by an exponent shift, other factors by repeated exact division)."""
    for f in factors:
        f = sympy.sympify(f)
        if f in p.gens:
            i = p.gens.index(f)
            terms = p.terms()
            m = min(mon[i] for mon, _ in terms)
            if m:
                d = {mon[:i] + (mon[i] - m,) + mon[i + 1:]: c for mon, c in terms}
                p = Poly.from_dict(d, *p.gens, domain=p.domain)
            continue
        f = Poly(f, *p.gens, domain=p.domain)
        while True:
            quo, rem = p.div(f)
            if not rem.is_zero:
                break
            p = quo
    return p


def domain_dict(p, nmain, K):
    """``{(i, j): c}`` with ``c`` in the domain ``K`` (``QQ`` or ``QQ(params)``, whose
    generators are ``p.gens[nmain:]`` in that order)."""
    params = p.gens[nmain:]
    groups = {}
    for mon, c in p.terms():
        groups.setdefault(mon[:nmain], {})[mon[nmain:]] = c
    if not params:
        return {k: K.convert(d[()]) for k, d in groups.items()}
    field = K.field
    if tuple(field.symbols) != tuple(params):
        # different generator sets: go through SymPy (rare)
        main = p.gens[:nmain]
        return Poly(p.as_expr(), *main, domain=K).as_dict(native=True)
    ring = field.ring
    return {k: field.new(ring.from_dict({m: QQ.convert(c) for m, c in d.items()}))
            for k, d in groups.items()}


# -- exact parameter values -----------------------------------------------------------------

def _float_to_rational(x):
    """The simplest rational that rounds to the float ``x`` (0.1 -> 1/10, 1/3. -> 1/3)."""
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("not finite")
    exact = Fraction(x)
    for k in range(1, 19):
        fr = exact.limit_denominator(10 ** k)
        if float(fr) == x:
            return sympy.Rational(fr.numerator, fr.denominator)
    return sympy.Rational(exact.numerator, exact.denominator)


def exact_value(value, name, reserved=()):
    """An exact SymPy value for a law parameter: Python/SymPy integers and rationals as they
    are, floats as the simplest rational that rounds to them, symbolic expressions (rational
    functions of symbols with rational coefficients; floats inside are converted) as they are.
    Irrational constants (``sqrt(2)``, ``pi``) and complex numbers raise ``ParameterError``."""
    if isinstance(value, bool):
        raise ParameterError(name, f"must be a number or a symbolic expression, got {value!r}")
    if isinstance(value, float):
        try:
            return _float_to_rational(value)
        except ValueError:
            raise ParameterError(name, f"must be finite, got {value!r}") from None
    if isinstance(value, complex):
        raise ParameterError(name, f"must be real, got {value!r}")
    try:
        v = sympy.sympify(value)
    except (sympy.SympifyError, TypeError):
        raise ParameterError(name, f"must be a number or a symbolic expression, got {value!r}") from None
    if not isinstance(v, sympy.Expr):
        raise ParameterError(name, f"must be a number or a symbolic expression, got {value!r}")
    floats = v.atoms(sympy.Float)
    if floats:
        try:
            v = v.xreplace({f: _float_to_rational(f) for f in floats})
        except ValueError:
            raise ParameterError(name, f"must be finite, got {value!r}") from None
    bad = v.free_symbols & set(reserved)
    if bad:
        raise ParameterError(name, "must not contain the reserved symbols "
                             + ", ".join(sorted(str(b) for b in bad)))
    num, den = sympy.fraction(sympy.together(v))
    syms = sorted_params(v.free_symbols)
    try:
        Poly(num, *syms, domain=QQ) if syms else QQ.from_sympy(sympy.expand(num))
        Poly(den, *syms, domain=QQ) if syms else QQ.from_sympy(sympy.expand(den))
    except Exception:  # noqa: BLE001 - sympy raises several types here
        raise ParameterError(
            name, f"must be rational, a float or a rational function of symbols, got {value!r} "
            "(irrational or complex constants are not supported)") from None
    if v.is_number and v.is_real is False:
        raise ParameterError(name, f"must be real, got {value!r}")
    return v
