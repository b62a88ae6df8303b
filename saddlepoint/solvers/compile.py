"""Compile SymPy expressions into numpy or mpmath functions, and into standalone source.

Like ``sympy.lambdify(..., modules=..., cse=True)``, but the function is built from a source
text that is kept: the same text is executed here and written by ``Solver.to_source()``, so
generated code reproduces the solver's numbers exactly. Printing is fully qualified
(``numpy.sqrt``, ``mpmath.sqrt``). Spectral functionals are printed as calls to functions
named after their class (``trace_1_1(kappa)``) and bound by :func:`spectral_bindings`.
"""

import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter

from ..derivations.spectra import SpectralSum
from ..derivations.symbols import keyword_of

__all__ = ["compile_function", "spectral_bindings", "functionals_in"]

_PRINTER_SETTINGS = {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": True}


def _printer(backend):
    if backend == "numpy":
        return NumPyPrinter(dict(_PRINTER_SETTINGS))
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
    tmp = sympy.numbered_symbols("_t")
    replacements, reduced = sympy.cse(flat, symbols=tmp, optimizations="basic")
    lines = [f"def {name}({', '.join(keyword_of(a) for a in args)}):"]
    for sym, val in replacements:
        lines.append(f"    {sym} = {printer.doprint(val)}")
    leaves = [printer.doprint(e) for e in reduced]
    body = _structure(exprs, leaves) if isinstance(exprs, (list, tuple)) else leaves[0]
    lines.append(f"    return {body}")
    source = "\n".join(lines) + "\n"
    ns = {"numpy": __import__("numpy"), "mpmath": __import__("mpmath")}
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
    source = "\n\n".join(src)
    if backend == "numpy" and source:
        import numpy
        kernels = {k: getattr(spectral, k) for k in spectral.NUMPY_KERNELS}
        exec_ns = {"numpy": numpy, **kernels}
        exec(compile(source, "<saddlepoint:spectral bindings>", "exec"), exec_ns)  # text built above
        ns.update({cls.__name__: exec_ns[cls.__name__] for cls in classes})
    return ns, source


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
