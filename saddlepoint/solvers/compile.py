"""Compile SymPy expressions into numpy or mpmath functions, and into standalone source.

Like ``sympy.lambdify(..., modules=..., cse=True)``, but the function is built from a source
text that is kept: the same text is executed here and written by ``Solver.to_source()``, so
generated code reproduces the solver's numbers exactly. Printing is fully qualified
(``numpy.sqrt``, ``mpmath.sqrt``). Spectral functionals are printed as calls to functions
named after their class (``trace_1_1(kappa)``) and bound by :func:`spectral_bindings`. The
resolvent moments of a law without a closed form (``law_resolvent_m(kappa)``, see
:class:`~saddlepoint.derivations.spectra.LawSpectrum`) are bound to
:func:`~saddlepoint.solvers.spectral.law_resolvents` with the law's polynomial coefficients
and a certified anchor point written into the generated text.
"""

import weakref

import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter

from ..derivations.spectra import SpectralSum
from ..derivations.symbols import keyword_of
from . import proximal, quadrature

__all__ = ["compile_function", "spectral_bindings", "functionals_in", "law_anchor", "law_resolvent_mp"]

_PRINTER_SETTINGS = {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": True}


class _NumPyPrinter(NumPyPrinter):
    """NumPyPrinter with vectorised error functions (bound from solvers.quadrature)."""

    def _print_erf(self, expr):
        return f"_erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr):
        return f"_erfc({self._print(expr.args[0])})"

    def _print_log(self, expr):
        # ln(c cosh x) = ln c + ln cosh x, with ln cosh evaluated without overflow (cosh
        # overflows for |x| > 710: the T -> 0 Hopfield free energy at the outer nodes)
        coefficient, rest = expr.args[0].as_coeff_Mul()
        if isinstance(rest, sympy.cosh) and coefficient > 0:
            shift = "" if coefficient == 1 else f"{self._print(sympy.log(coefficient))} + "
            return f"({shift}_log_cosh({self._print(rest.args[0])}))"
        # ln(1 + e^x) (the logistic loss) as logaddexp(0, x): e^x overflows for x > 709, and a
        # vanishing weight times the resulting inf was 0 * inf = nan
        one, term = expr.args[0].as_coeff_Add()
        if one == 1 and isinstance(term, sympy.exp):
            return f"numpy.logaddexp(0, {self._print(term.args[0])})"
        return super()._print_log(expr)


def _printer(backend):
    if backend == "numpy":
        return _NumPyPrinter(dict(_PRINTER_SETTINGS))
    if backend == "mpmath":
        return MpmathPrinter(dict(_PRINTER_SETTINGS))
    raise ValueError(f"unknown backend {backend!r}")


def functionals_in(exprs):
    """The spectral-functional classes appearing in ``exprs`` (nested lists allowed)."""
    found = set()
    for e in _flatten(exprs):
        for f in sympy.sympify(e).atoms(SpectralSum):
            found.add(type(f))
    return sorted(found, key=lambda c: c.__name__)


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flatten(item)
    else:
        yield x


def _structure(x, leaves):
    """Replace leaves by their printed text, keeping list structure."""
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_structure(i, leaves) for i in x) + "]"
    return leaves.pop(0)


def compile_function(name, args, exprs, backend="numpy", namespace=None):
    """Return ``(function, source)`` computing ``exprs`` from the Symbols ``args``.

    The function's parameters are the keywords of ``args`` (``lam, n, d, sigma2, kappa``).
    ``namespace`` supplies the spectral-functional implementations.
    """
    printer = _printer(backend)
    rename = {a: sympy.Symbol(keyword_of(a)) for a in args}
    flat = [sympy.sympify(e).xreplace(rename) for e in _flatten(exprs)]
    # Gaussian averages (replica free entropies) become quadrature calls computed first
    flat, average_lines = quadrature.lift_averages(flat, printer)
    tmp = sympy.numbered_symbols("_t")
    replacements, reduced = sympy.cse(flat, symbols=tmp, optimizations="basic")
    lines = [f"def {name}({', '.join(keyword_of(a) for a in args)}):"] + average_lines
    for sym, val in replacements:
        lines.append(f"    {sym} = {printer.doprint(val)}")
    leaves = [printer.doprint(e) for e in reduced]
    body = _structure(exprs, leaves) if isinstance(exprs, (list, tuple)) else leaves[0]
    lines.append(f"    return {body}")
    source = "\n".join(lines) + "\n"
    ns = {"numpy": __import__("numpy"), "mpmath": __import__("mpmath")}
    ns.update(quadrature.numpy_namespace() if backend == "numpy" else quadrature.mpmath_namespace())
    # implicit functions of the ERM losses (the logistic prox), printed as _logistic_prox(...)
    ns.update(proximal.numpy_namespace() if backend == "numpy" else proximal.mpmath_namespace())
    ns.update(namespace or {})
    exec(compile(source, f"<saddlepoint:{name}>", "exec"), ns)  # source printed from SymPy, never user text
    return ns[name], source


def _atoms_arrays(spec, weighted):
    import numpy as np
    omega = np.array([float(w) for w in spec.eigenvalues])
    weight = np.array([float(m) * (float(t) if weighted else 1.0)
                       for t, m in zip(spec.target, spec.multiplicity)])
    return omega, weight


def spectral_bindings(classes, backend="numpy"):
    """Numeric implementations of spectral-functional classes.

    Returns ``(namespace, source)``: ``namespace`` maps each class name to a function of kappa.
    For numpy, ``source`` is the text those functions were executed from (generated modules
    contain the same text). A sum that diverges at kappa = 0 (e.g. df1 of an infinite power
    law) evaluates to +inf there, which the bracketing root finder steps away from.
    """
    ns, src = {}, []
    if not classes:
        return ns, ""
    from . import spectral
    laws = []
    for cls in classes:
        spec, a, b, w = cls.spectrum, cls.a, cls.b, cls.weighted
        name = cls.__name__
        if spec.kind == "atoms":
            if backend == "numpy":
                omega, weight = _atoms_arrays(spec, w)
                src.append(f"_OMEGA_{name} = numpy.array({omega.tolist()!r})\n"
                           f"_WEIGHT_{name} = numpy.array({weight.tolist()!r})\n\n\n"
                           f"def {name}(kappa):\n"
                           f"    return atoms_sum(kappa, _OMEGA_{name}, _WEIGHT_{name}, {a!r}, {b!r})\n")
            else:
                ns[name] = _bind_atoms_mp(spec, a, b, w)
        elif spec.kind == "law":
            laws.append(cls)
            continue
        elif spec.kind == "powerlaw":
            p, alpha = float(spec.exponent(a, w)), float(spec.alpha)
            diverges_at_zero = spec.d is None and p - alpha * b <= 1
            if backend == "numpy":
                if diverges_at_zero:
                    body = (f"    kappa = numpy.asarray(kappa, dtype=float)\n"
                            f"    zero = kappa == 0\n"
                            f"    value = powerlaw_sum(numpy.where(zero, 1.0, kappa), {p!r}, {alpha!r}, {b!r}, None)\n"
                            f"    return numpy.where(zero, numpy.inf, value)\n")
                else:
                    body = f"    return powerlaw_sum(kappa, {p!r}, {alpha!r}, {b!r}, {spec.d!r})\n"
                src.append(f"def {name}(kappa):\n" + body)
            else:
                ns[name] = _bind_powerlaw_mp(spectral.powerlaw_sum_mp, p, alpha, b, spec.d, diverges_at_zero)
        else:
            raise ValueError(f"no numeric binding for spectra of kind {spec.kind!r}")
    if laws:
        text = _bind_law(laws, backend, ns)
        if text:
            src.append(text)
    source = "\n\n".join(src)
    if backend == "numpy" and source:
        import numpy
        kernels = {k: getattr(spectral, k) for k in spectral.NUMPY_KERNELS}
        exec_ns = {"numpy": numpy, **kernels}
        exec(compile(source, "<saddlepoint:spectral bindings>", "exec"), exec_ns)  # text built above
        ns.update({cls.__name__: exec_ns[cls.__name__] for cls in classes})
    return ns, source


# --- laws given by their polynomial P(g, z) = 0 (LawSpectrum without a closed form) ------------

_LAW_ANCHORS = weakref.WeakKeyDictionary()


def law_anchor(spec):
    """Numeric data of a LawSpectrum's law for :func:`~.spectral.law_resolvents`:
    ``(coeffs, exact_rows, (kappa0, g0), shift)``.

    ``coeffs[k][j]`` (floats, rectangular) is the coefficient of z^j g^k; ``shift`` is the left
    end of the law's support including atoms (the branch on the negative axis is analytic for
    kappa > -shift); ``g0 = g(-kappa0)`` at ``kappa0 = 4 (1 + right end)`` comes from the
    certified continuation of :func:`saddlepoint.solvers.free_numeric.stieltjes`. A law with
    mass on the negative axis is not a covariance spectrum: ``DerivationError``.
    """
    data = _LAW_ANCHORS.get(spec)
    if data is None:
        from ..errors import DerivationError
        from . import free_numeric

        law = spec.law
        rows = law.coefficients()
        width = max(len(r) for r in rows)
        coeffs = [[float(r[j]) if j < len(r) else 0.0 for j in range(width)] for r in rows]
        cuts = free_numeric.support(law)
        points = [x for ab in cuts for x in ab] + [x for x, _ in free_numeric.atoms(law)]
        left, right = min(points), max(points)
        if left < -1e-12 * (1.0 + abs(right)):
            raise DerivationError(f"a population law must live on [0, oo) (eigenvalues of a "
                                  f"covariance); this one has mass down to {left!r}")
        shift = max(left, 0.0)
        kappa0 = 4.0 * (1.0 + right)
        g0 = float(free_numeric.stieltjes(law, -kappa0).real)
        data = (coeffs, rows, (kappa0, g0), shift)
        _LAW_ANCHORS[spec] = data
    return data


def _bind_law(classes, backend, ns):
    """Bindings of the ``law_resolvent_m`` classes of one LawSpectrum (numpy: source text)."""
    specs = {cls.spectrum for cls in classes}
    if len(specs) != 1:
        raise ValueError("one law spectrum per compiled derivation is supported")
    spec = specs.pop()
    coeffs, _, anchor, shift = law_anchor(spec)
    order = max(cls.b for cls in classes)
    if backend != "numpy":
        for cls in classes:
            ns[cls.__name__] = law_resolvent_mp(spec, cls.b)
        return ""
    lines = [f"_LAW_COEFFS = numpy.array({coeffs!r})",
             f"_LAW_ANCHOR = ({anchor[0]!r}, {anchor[1]!r})   # (kappa0, g(-kappa0)) on the physical branch",
             f"_LAW_SHIFT = {shift!r}   # left end of the support: the branch is analytic for kappa > -shift",
             f"_LAW_ORDER = {order!r}",
             "_LAW_MEMO = []",
             "",
             "",
             "def _law_values(kappa):",
             "    # the root of P(g, -kappa) is followed once per kappa array, for all R_m together",
             "    kappa = numpy.asarray(kappa, dtype=float)",
             "    if _LAW_MEMO and _LAW_MEMO[0].shape == kappa.shape and numpy.array_equal(_LAW_MEMO[0], kappa):",
             "        return _LAW_MEMO[1]",
             "    values = law_resolvents(kappa, _LAW_COEFFS, _LAW_ANCHOR, _LAW_SHIFT, _LAW_ORDER)",
             "    _LAW_MEMO[:] = [kappa.copy(), values]",
             "    return values"]
    for cls in sorted(classes, key=lambda c: c.b):
        lines += ["", "", f"def {cls.__name__}(kappa):", f"    return _law_values(kappa)[{cls.b - 1}]"]
    return "\n".join(lines) + "\n"


def law_resolvent_mp(spec, m):
    """mpmath implementation of R_m(kappa) for a LawSpectrum at the current precision: the
    double-precision branch of :func:`~.spectral.law_resolvents` polished by
    :func:`~.spectral.law_resolvents_mp`."""
    import mpmath

    from . import spectral

    def resolvent(kappa):
        coeffs, rows, anchor, shift = law_anchor(spec)
        k = float(kappa)
        if k + shift == 0:
            return mpmath.inf
        g_start = -float(spectral.law_resolvents(k, coeffs, anchor, shift, 1)[0])
        return spectral.law_resolvents_mp(kappa, rows, g_start, m)[m - 1]
    return resolvent


def _bind_atoms_mp(spec, a, b, weighted):
    import mpmath

    def functional(kappa):
        prec = mpmath.mp.prec + 20
        total = []
        for w, t, m in zip(spec.eigenvalues, spec.target, spec.multiplicity):
            w_ = mpmath.mpf(w._to_mpmath(prec))
            c = m._to_mpmath(prec) * (t._to_mpmath(prec) if weighted else 1)
            total.append(c * w_**a / (w_ + kappa) ** b)
        return mpmath.fsum(total)
    return functional


def _bind_powerlaw_mp(fn, p, alpha, b, d, diverges_at_zero):
    import mpmath

    def functional(kappa):
        if diverges_at_zero and kappa == 0:
            return mpmath.inf
        return fn(kappa, p, alpha, b, d)
    return functional
