r"""Gaussian averages as unevaluated SymPy objects, and the H-function family.

``GaussianAverage(f, z)`` is :math:`\int Dz\, f(z)` with the standard Gaussian measure
:math:`Dz = e^{-z^2/2}\,dz/\sqrt{2\pi}` (optionally over ``z > lower``). It

* differentiates under the integral sign (``sympy.diff`` works on it),
* prints as ``\int Dz\, ...`` in LaTeX,
* is linear: :func:`expand_average` splits sums and pulls out factors free of ``z``,
* applies Gaussian integration by parts (Stein's lemma, :func:`stein`),
  :math:`\int Dz\, z\, g(z) = \int Dz\, g'(z)`,
* ``doit()``\ s to a closed form (usually with ``erfc``) when SymPy integrates it, and stays
  unevaluated otherwise (the numeric solvers then use quadrature,
  :mod:`saddlepoint.solvers.quadrature`).

The H-function is the Gaussian tail :math:`H(x) = \int_x^\infty Dz = \tfrac12\operatorname{erfc}(x/\sqrt2)`
(Engel & Van den Broeck, *Statistical Mechanics of Learning*, 2001, eq. (A1.7)); it is written
with ``erfc`` directly. :class:`LogH` (:math:`\ln H`) and :class:`MillsRatio`
(:math:`e^{-x^2/2}/(\sqrt{2\pi} H(x))`, the derivative of :math:`-\ln H`) are kept as functions
so that the numeric backends evaluate them without underflow for large arguments.

>>> import sympy
>>> z, q = sympy.Symbol("z", real=True), sympy.Symbol("q", positive=True)
>>> avg = GaussianAverage(sympy.exp(sympy.sqrt(q) * z), z)
>>> sympy.latex(avg)
'\\int Dz\\, e^{\\sqrt{q} z}'
>>> sympy.simplify(avg.doit() - sympy.exp(q / 2))
0
>>> stein(GaussianAverage(z * sympy.tanh(q * z), z))
-q*GaussianAverage(tanh(q*z)**2, z) + q
"""

import sympy

__all__ = ["GaussianAverage", "H", "LogH", "MillsRatio", "expand_average", "stein", "gauss_measure"]


def H(x):
    r"""The Gaussian tail :math:`H(x) = \tfrac12 \operatorname{erfc}(x/\sqrt2)` (a SymPy expression)."""
    return sympy.erfc(sympy.sympify(x) / sympy.sqrt(2)) / 2


def gauss_measure(z):
    r"""The density of :math:`Dz`: :math:`e^{-z^2/2}/\sqrt{2\pi}`."""
    return sympy.exp(-z ** 2 / 2) / sympy.sqrt(2 * sympy.pi)


class MillsRatio(sympy.Function):
    r"""Inverse Mills ratio :math:`\mathcal G(x) = e^{-x^2/2}/(\sqrt{2\pi}\,H(x)) = -\frac{d}{dx}\ln H(x)`.

    Kept unevaluated for symbolic arguments; numeric backends bind a form that does not
    underflow (``sqrt(2/pi)/erfcx(x/sqrt2)``).
    """

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return (gauss_measure(x) / H(x))

    def fdiff(self, argindex=1):
        x = self.args[0]
        return MillsRatio(x) * (MillsRatio(x) - x)

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return gauss_measure(x) / H(x)

    def _print_code(self, printer):
        return f"_mills({printer._print(self.args[0])})"

    _numpycode = _mpmathcode = _print_code

    def _eval_evalf(self, prec):
        return self.rewrite(sympy.erfc)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = r"\mathcal{G}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


class LogH(sympy.Function):
    r""":math:`\ln H(x) = \ln \tfrac12\operatorname{erfc}(x/\sqrt2)`; its derivative is :math:`-\mathcal G(x)`.

    Kept unevaluated for symbolic arguments (numerically, ``log_ndtr(-x)`` is exact where
    ``log(erfc)`` underflows).
    """

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return sympy.log(H(x))

    def fdiff(self, argindex=1):
        return -MillsRatio(self.args[0])

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sympy.log(H(x))

    def _print_code(self, printer):
        return f"_log_H({printer._print(self.args[0])})"

    _numpycode = _mpmathcode = _print_code

    def _eval_evalf(self, prec):
        return self.rewrite(sympy.erfc)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = r"\ln H\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class GaussianAverage(sympy.Expr):
    r"""The unevaluated Gaussian average :math:`\int Dz\, f(z)`, :math:`Dz = e^{-z^2/2} dz/\sqrt{2\pi}`.

    ``GaussianAverage(f, z)`` integrates over the real line; ``GaussianAverage(f, z, lower)``
    over ``z > lower`` (a truncated average, as in Gardner's capacity). ``z`` is a bound
    variable: it is not among ``free_symbols``.
    """

    is_real = True

    def __new__(cls, integrand, z, lower=None):
        integrand = sympy.sympify(integrand)
        lower = sympy.S.NegativeInfinity if lower is None else sympy.sympify(lower)
        if not isinstance(z, sympy.Symbol):
            raise TypeError("the integration variable must be a Symbol")
        if z in lower.free_symbols:
            raise ValueError("the lower limit may not depend on the integration variable")
        if z not in integrand.free_symbols:
            return integrand * (1 if lower == sympy.S.NegativeInfinity else H(lower))
        return super().__new__(cls, integrand, z, lower)

    integrand = property(lambda self: self.args[0])
    variable = property(lambda self: self.args[1])
    lower = property(lambda self: self.args[2])

    @property
    def free_symbols(self):
        return (self.integrand.free_symbols - {self.variable}) | self.lower.free_symbols

    def _eval_derivative(self, s):
        f, z, lower = self.args
        if s == z:
            return sympy.S.Zero
        inner = GaussianAverage(sympy.diff(f, s), z, lower)
        if lower.has(s) and lower != sympy.S.NegativeInfinity:
            # Leibniz rule for the moving lower limit
            inner -= f.subs(z, lower) * gauss_measure(lower) * sympy.diff(lower, s)
        return inner

    def _eval_subs(self, old, new):
        if old == self.variable:
            return self
        return None

    def _eval_is_real(self):
        return self.integrand.is_real

    def closed_form(self):
        """The average as SymPy integrates it, or None when no closed form is found.

        Only integrands built from polynomials, exponentials of polynomials of degree <= 2
        and sign/Abs/Heaviside of linear arguments are tried (SymPy integrates these against
        a Gaussian quickly, in erf/erfc); anything else stays an average for quadrature.
        """
        f, z, lower = self.args
        tail = _gaussian_tail_average(f, z, lower)
        if tail is not None:
            return tail
        if not _integrable(f, z):
            return None
        try:
            value = _integrate_split(f, z, lower)
        except (NotImplementedError, ValueError, TypeError):
            return None
        if value.has(sympy.Integral) or value.has(sympy.nan):
            return None
        return sympy.simplify(value)

    def doit(self, deep=True, **hints):
        inner = self.integrand.doit(deep=deep, **hints) if deep else self.integrand
        avg = GaussianAverage(inner, self.variable, self.lower)
        if not isinstance(avg, GaussianAverage):
            return avg
        value = avg.closed_form()
        return avg if value is None else value

    def _eval_evalf(self, prec):
        import mpmath
        f, z, lower = self.args
        if self.free_symbols:
            return None
        # ln H and the Mills ratio evaluated from erfc of their own argument: rewriting them
        # first lets SymPy turn erfc(-u) into 2 - erfc(u), which cancels to 0 in the far tail
        # (0 * log 0 = nan)
        tails = {"_log_H": lambda x: mpmath.log(mpmath.erfc(x / mpmath.sqrt(2)) / 2),
                 "_mills": lambda x: (mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi))
                 / (mpmath.erfc(x / mpmath.sqrt(2)) / 2)}
        fn = sympy.lambdify(z, f, modules=[tails, "mpmath"])
        dps = mpmath.libmp.prec_to_dps(prec)
        with mpmath.workdps(dps + 10):
            # |z| <= L, where the measure is below 10^-(dps + 15): avoids 0 * log(0) in far tails
            L = mpmath.sqrt(2 * (dps + 15) * mpmath.log(10)) + 1
            a = -L if lower == sympy.S.NegativeInfinity else max(mpmath.mpf(sympy.Float(lower, dps + 10)), -L)
            if a >= L:
                return sympy.Float(0)
            pts = [a, 0, L] if a < 0 else [a, L]
            val = mpmath.quad(lambda t: fn(t) * mpmath.exp(-t * t / 2), pts) / mpmath.sqrt(2 * mpmath.pi)
        return sympy.Float(val, dps)

    def _latex(self, printer, exp=None):
        f, z, lower = self.args
        lim = "" if lower == sympy.S.NegativeInfinity else r"_{%s}^{\infty}" % printer._print(lower)
        body = printer._print(f)
        if f.is_Add:
            body = r"\left(%s\right)" % body
        tex = r"\int%s D%s\, %s" % (lim, printer._print(z), body)
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        f, z, lower = self.args
        lim = "" if lower == sympy.S.NegativeInfinity else f", {printer._print(lower)}"
        return f"GaussianAverage({printer._print(f)}, {printer._print(z)}{lim})"


def _gaussian_tail_average(f, z, lower):
    r"""Closed form of a full-line average of erfc/erf of a linear argument:
    :math:`\int Dz\, H(az + b) = H(b/\sqrt{1 + a^2})` (Engel & Van den Broeck eq. (A1.11)),
    i.e. :math:`\int Dz \operatorname{erfc}(az + b) = \operatorname{erfc}(b/\sqrt{1 + 2a^2})`."""
    const, f = f.as_independent(z, as_Add=False)
    if lower != sympy.S.NegativeInfinity or not isinstance(f, (sympy.erfc, sympy.erf)):
        return None
    arg = f.args[0]
    if not (arg.is_polynomial(z) and sympy.degree(arg, z) == 1):
        return None
    a, b = sympy.diff(arg, z), arg.subs(z, 0)
    value = sympy.erfc(b / sympy.sqrt(1 + 2 * a ** 2))
    return const * (value if isinstance(f, sympy.erfc) else 1 - value)


def _upper_moment(k, c):
    r""":math:`\int_c^\infty z^k Dz` by the recursion
    :math:`M_k = c^{k-1}\varphi(c) + (k-1) M_{k-2}`, :math:`M_0 = H(c)`, :math:`M_1 = \varphi(c)`."""
    if c == sympy.S.NegativeInfinity:
        return sympy.factorial2(k - 1) if k % 2 == 0 else sympy.S.Zero
    if k == 0:
        return H(c)
    if k == 1:
        return gauss_measure(c)
    return c ** (k - 1) * gauss_measure(c) + (k - 1) * _upper_moment(k - 2, c)


def _integrate_poly(f, z, a, b):
    """``int_a^b f(z) Dz`` for a polynomial ``f`` (a may be -oo, b is oo or finite)."""
    poly = sympy.Poly(sympy.expand(f), z)
    total = sympy.S.Zero
    for (k,), coeff in poly.terms():
        upper = _upper_moment(k, a)
        if b != sympy.S.Infinity:
            upper -= _upper_moment(k, b)
        total += coeff * upper
    return total


def _integrate_split(f, z, lower):
    """Integrate ``f Dz`` over ``(lower, oo)``, first splitting at the root of a kink
    (sign/Abs/Heaviside of ``a z + b`` with the sign of ``a`` known): each side is then a
    polynomial times a Gaussian, which SymPy integrates quickly in erf/erfc."""
    kinks = [k for k in f.atoms(sympy.sign, sympy.Abs, sympy.Heaviside) if k.has(z)]
    measure = gauss_measure(z)
    if not kinks:
        if f.is_polynomial(z):
            return _integrate_poly(f, z, lower, sympy.oo)
        return sympy.integrate(f * measure, (z, lower, sympy.oo), heurisch=False, risch=False, conds="none")
    arg = kinks[0].args[0]
    a = sympy.diff(arg, z)
    if a.is_positive:
        up, down = 1, -1
    elif a.is_negative:
        up, down = -1, 1
    else:
        raise NotImplementedError("the sign of the kink's slope is not known")
    root = sympy.simplify(-arg.subs(z, 0) / a)

    def side(sgn):
        repl = {}
        for k in f.atoms(sympy.sign, sympy.Abs, sympy.Heaviside):
            if k.args[0] != arg:
                continue
            repl[k] = {sympy.sign: sgn, sympy.Abs: sgn * arg,
                       sympy.Heaviside: 1 if sgn > 0 else 0}[type(k)]
        return sympy.sympify(f).xreplace(repl)
    if lower != sympy.S.NegativeInfinity:
        raise NotImplementedError("kinks in truncated averages")
    hi_f, lo_f = sympy.sympify(side(up)), sympy.sympify(side(down))
    if hi_f.is_polynomial(z) and lo_f.is_polynomial(z):
        return _integrate_poly(hi_f, z, root, sympy.oo) + (_integrate_poly(lo_f, z, -sympy.oo, sympy.oo)
                                                          - _integrate_poly(lo_f, z, root, sympy.oo))
    above = sympy.integrate(hi_f * measure, (z, root, sympy.oo), heurisch=False, risch=False, conds="none")
    below = sympy.integrate(lo_f * measure, (z, -sympy.oo, root), heurisch=False, risch=False, conds="none")
    return above + below


def _integrable(f, z):
    """Whether ``f`` is in the class of integrands :meth:`GaussianAverage.closed_form` tries."""
    def linear(arg):
        return arg.is_polynomial(z) and sympy.degree(arg, z) <= 1
    for node in sympy.preorder_traversal(f):
        if node.is_Atom or not node.has(z) or node.is_Add or node.is_Mul:
            continue
        if node.is_Pow:
            if node.exp.has(z) or not (node.exp.is_Integer and node.exp > 0):
                return False
            continue
        if isinstance(node, sympy.exp):
            if not (node.args[0].is_polynomial(z) and sympy.degree(node.args[0], z) <= 2):
                return False
            continue
        if isinstance(node, (sympy.sign, sympy.Abs, sympy.Heaviside)):
            if not linear(node.args[0]):
                return False
            continue
        return False
    return True


def expand_average(expr):
    """Use linearity: split averages of sums and pull out factors that do not depend on ``z``."""
    def split(avg):
        f, z, lower = avg.args
        f = sympy.expand(f, deep=False, power_base=False, power_exp=False, log=False, multinomial=False)
        terms = sympy.Add.make_args(f)
        out = []
        for term in terms:
            const, dep = term.as_independent(z, as_Add=False)
            out.append(const * GaussianAverage(dep, z, lower))
        return sympy.Add(*out)
    return expr.replace(lambda e: isinstance(e, GaussianAverage), split)


def stein(expr):
    r"""Gaussian integration by parts on full-line averages:
    :math:`\int Dz\, z\, g(z) = \int Dz\, g'(z)` (Stein's lemma), term by term."""
    def rule(avg):
        f, z, lower = avg.args
        if lower != sympy.S.NegativeInfinity:
            return avg
        out = []
        for term in sympy.Add.make_args(sympy.expand(f, deep=False, power_base=False, power_exp=False,
                                                     log=False, multinomial=False)):
            coeff, rest = term.as_independent(z, as_Add=False)
            factors = sympy.Mul.make_args(rest)
            if z in factors:
                g = sympy.Mul(*[f_ for f_ in factors if f_ != z]) if factors.count(z) == 1 else rest / z
                out.append(coeff * GaussianAverage(sympy.diff(g, z), z))
            else:
                out.append(coeff * GaussianAverage(rest, z))
        return expand_average(sympy.Add(*out))
    return expr.replace(lambda e: isinstance(e, GaussianAverage), rule)
