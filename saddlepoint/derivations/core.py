r"""The Derivation: a derivation trail, saddle-point equations and observables, in SymPy.

Modelled on ``sympy.physics.mechanics.KanesMethod`` (the symbolic object, kept apart from the
code that compiles it: see :mod:`saddlepoint.solvers`) and on symfit's ``Model`` (lazy, cached
compilation, keyword-callable, ``_repr_latex_``).

A Derivation is immutable. ``subs``, ``limit`` and ``series`` return new Derivations whose
trail records what was done. ``solver()`` compiles it (once per set of options).
"""

from typing import NamedTuple, Union

import sympy

from ..errors import DerivationError, ParameterError
from .symbols import keyword_of, symbol_of

__all__ = ["Step", "Derivation", "Difference", "Quotient"]


class _KeptApart(sympy.Function):
    """A binary operation evaluated on its own, not merged into the expression around it.

    Numeric forms use these where SymPy's canonical forms would cost floating-point accuracy.
    They evaluate when both arguments are numbers; ``doit()`` returns the plain operation.
    """

    nargs = 2
    is_real = True
    _symbol = None

    @staticmethod
    def _apply(a, b):
        raise NotImplementedError

    @classmethod
    def eval(cls, a, b):
        if a.is_Number and b.is_Number and not (cls._symbol == "/" and b == 0):
            return cls._apply(a, b)

    def doit(self, deep=True, **hints):
        return self._apply(*(x.doit(deep=deep, **hints) if deep else x for x in self.args))

    def _eval_evalf(self, prec):
        return self.doit()._eval_evalf(prec)

    def _print_code(self, printer):
        a, b = (printer._print(x) for x in self.args)
        return f"({a} {self._symbol} {b})"

    _numpycode = _mpmathcode = _pythoncode = _lambdacode = _print_code

    def _latex(self, printer, exp=None):
        tex = printer._print(self.doit())
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class Quotient(_KeptApart):
    """``a / b`` as one division: ``(lam/kappa)**2`` would otherwise be evaluated as
    ``lam**2 / kappa**2``, which underflows to 0/0 for tiny lam and kappa."""

    _symbol = "/"
    _apply = staticmethod(lambda a, b: a / b)


class Difference(_KeptApart):
    """``a - b`` as one subtraction: exact for integer sizes (``n - d``), whereas SymPy's
    flattening of ``a - b + c`` would evaluate ``(c - b) + a`` and cancel."""

    _symbol = "-"
    _apply = staticmethod(lambda a, b: a - b)


class Step(NamedTuple):
    """One line of a derivation trail: a sentence and (optionally) the relation it produces.

    ``expr`` is a SymPy ``Eq``/expression, a raw LaTeX string (for matrix statements), or None.
    """

    text: str
    expr: Union[sympy.Basic, str, None] = None

    def latex(self, names=None):
        if self.expr is None:
            return None
        if isinstance(self.expr, str):
            return self.expr
        return _latex_relation(self.expr, names)


def _latex(expr, names=None):
    return sympy.latex(expr, symbol_names=names or {})


_RELATION_TEX = {"==": "=", ">=": r"\geq", "<=": r"\leq", ">": ">", "<": "<", "!=": r"\neq"}


def _latex_relation(expr, names=None):
    """``lhs &= rhs`` for an Eq (``&\\geq`` etc. for other relations), ``&expr`` otherwise."""
    if isinstance(expr, sympy.core.relational.Relational):
        op = _RELATION_TEX[expr.rel_op]
        return _latex(expr.lhs, names) + f" &{op} " + _latex(expr.rhs, names)
    return "&" + _latex(expr, names)


def _default_domain(sym):
    if sym.is_positive:
        return sympy.Interval.open(0, sympy.oo)
    if sym.is_nonnegative:
        return sympy.Interval(0, sympy.oo)
    return sympy.Interval(-sympy.oo, sympy.oo)


class Derivation:
    """Saddle-point equations with their observables and the trail that produced them.

    Parameters
    ----------
    name : str
        Short model name (``"ridge"``).
    parameters : sequence of Symbol
        What the user supplies, in a fixed order (the compiled functions' argument order).
    unknowns : sequence of Symbol
        The order parameters solved for, in a fixed order.
    equations : sequence of sympy.Eq
        The self-consistent equations, as displayed (one per unknown).
    observables : dict name -> expression
        In terms of parameters and unknowns.
    steps : sequence of Step
        The derivation trail.
    residuals : sequence of expressions, optional
        The form of the equations the numeric solver drives to zero, equivalent to
        ``equations`` on the physical branch (e.g. divided by a positive unknown). Defaults to
        ``lhs - rhs``. Convergence is always judged on ``equations`` themselves.
    numeric_observables : dict name -> expression, optional
        Forms of the observables that the compiled solver evaluates, equal to ``observables``
        on the solution but arranged to avoid cancellation in floating point (e.g.
        ``1 - df2/n`` rewritten so that it does not lose digits at the interpolation
        threshold). Defaults to ``observables``.
    closed_form : dict unknown -> expression, optional
        The physical-branch solution, when SymPy found one.
    domains : dict Symbol -> sympy.Interval, optional
        Valid ranges of parameters and unknowns (default from the symbols' assumptions).
    bracket : dict unknown -> (lower, upper) expressions, optional
        An interval in parameters that contains the physical root and in which it is the only
        root (lets the solver bracket instead of guess).
    initial : dict unknown -> expression, optional
        A starting point on the physical branch, in terms of parameters.
    latex_names : dict
        LaTeX for observable names and symbols (``{"test_error": "E_{\\mathrm{test}}"}``).
    conventions : str
        Plain-text statement of the normalisations; copied into generated code.
    """

    def __init__(self, name, parameters, unknowns, equations, observables, steps=(), *,
                 residuals=None, numeric_observables=None, closed_form=None, domains=None,
                 bracket=None, initial=None, latex_names=None, conventions="", references=()):
        self._name = str(name)
        self._parameters = tuple(parameters)
        self._unknowns = tuple(unknowns)
        self._equations = tuple(equations)
        if len(self._equations) != len(self._unknowns):
            raise DerivationError(
                f"{len(self._equations)} equations for {len(self._unknowns)} unknowns")
        self._observables = dict(observables)
        self._numeric = dict(numeric_observables) if numeric_observables is not None else None
        if self._numeric is not None and set(self._numeric) != set(self._observables):
            raise DerivationError("numeric_observables must have the same names as observables")
        self._steps = tuple(s if isinstance(s, Step) else Step(*s) for s in steps)
        self._residuals = tuple(residuals) if residuals is not None else tuple(
            eq.lhs - eq.rhs for eq in self._equations)
        self._closed_form = dict(closed_form or {})
        doms = {s: _default_domain(s) for s in self._parameters + self._unknowns}
        doms.update(domains or {})
        self._domains = doms
        self._bracket = dict(bracket or {})
        self._initial = dict(initial or {})
        self._latex_names = dict(latex_names or {})
        self._conventions = conventions
        self._references = tuple(references)
        self._solvers = {}
        for sym in self._parameters:
            keyword_of(sym)  # every parameter must be callable by keyword
        free = set().union(*(e.free_symbols for e in self._residuals + tuple(self._observables.values())
                             + tuple((self._numeric or {}).values())))
        stray = free - set(self._parameters) - set(self._unknowns)
        if stray:
            raise DerivationError(f"symbols {sorted(map(str, stray))} are neither parameters nor unknowns")

    # --- the data --------------------------------------------------------------
    name = property(lambda self: self._name)
    parameters = property(lambda self: self._parameters, doc="Ordered tuple of parameter Symbols.")
    unknowns = property(lambda self: self._unknowns, doc="Ordered tuple of unknown Symbols.")
    equations = property(lambda self: list(self._equations), doc="The saddle-point equations (sympy.Eq).")
    observables = property(lambda self: dict(self._observables), doc="name -> SymPy expression.")

    @property
    def numeric_observables(self):
        """The forms the compiled solver evaluates (equal to ``observables`` on the solution)."""
        return dict(self._numeric if self._numeric is not None else self._observables)
    steps = property(lambda self: self._steps, doc="The derivation trail (tuple of Step).")
    residuals = property(lambda self: self._residuals)
    closed_form = property(lambda self: dict(self._closed_form))
    domains = property(lambda self: dict(self._domains))
    bracket = property(lambda self: dict(self._bracket))
    initial = property(lambda self: dict(self._initial))
    conventions = property(lambda self: self._conventions)
    references = property(lambda self: self._references)
    latex_names = property(lambda self: dict(self._latex_names))

    @property
    def parameter_names(self):
        """Keyword names of the parameters, in order (``('lam', 'n', 'd', 'sigma2')``)."""
        return tuple(keyword_of(s) for s in self._parameters)

    @property
    def unknown_names(self):
        return tuple(keyword_of(s) for s in self._unknowns)

    def __repr__(self):
        return (f"Derivation({self._name!r}, parameters={self.parameter_names}, "
                f"unknowns={self.unknown_names}, observables={tuple(self._observables)})")

    def _replace(self, **changes):
        fields = dict(name=self._name, parameters=self._parameters, unknowns=self._unknowns,
                      equations=self._equations, observables=self._observables, steps=self._steps,
                      residuals=self._residuals, numeric_observables=self._numeric,
                      closed_form=self._closed_form, domains=self._domains,
                      bracket=self._bracket, initial=self._initial, latex_names=self._latex_names,
                      conventions=self._conventions, references=self._references)
        fields.update(changes)
        pos = [fields.pop(k) for k in ("name", "parameters", "unknowns", "equations", "observables", "steps")]
        return Derivation(*pos, **fields)

    def _symbol(self, name):
        try:
            return symbol_of(name, self._parameters + self._unknowns)
        except KeyError:
            raise ParameterError(str(name), f"is not a parameter of {self._name}; parameters are "
                                 + ", ".join(self.parameter_names)) from None

    def _map(self, f):
        """Apply ``f`` to every expression the derivation holds (not the trail)."""
        return dict(
            equations=tuple(sympy.Eq(f(e.lhs), f(e.rhs)) for e in self._equations),
            residuals=tuple(f(r) for r in self._residuals),
            observables={k: f(v) for k, v in self._observables.items()},
            numeric_observables=None if self._numeric is None else {k: f(v) for k, v in self._numeric.items()},
            closed_form={k: f(v) for k, v in self._closed_form.items()},
            bracket={k: (f(lo), f(hi)) for k, (lo, hi) in self._bracket.items()},
            initial={k: f(v) for k, v in self._initial.items()},
        )

    # --- transformations -------------------------------------------------------
    def subs(self, **values):
        """A new Derivation with parameters fixed: ``de.subs(d=100, sigma2=0)``.

        Values may be numbers or SymPy expressions (whose symbols become parameters).
        """
        mapping = {}
        for key, value in values.items():
            sym = self._symbol(key)
            if sym not in self._parameters:
                raise ParameterError(key, "is an unknown, not a parameter; only parameters can be substituted")
            val = sympy.sympify(value)
            if not val.free_symbols:
                _check_in_domain(key, val, self._domains[sym])
            mapping[sym] = val
        f = lambda e: e.xreplace(mapping) if isinstance(e, sympy.Basic) else e
        new_params = [p for p in self._parameters if p not in mapping]
        for val in mapping.values():
            for s in sorted(val.free_symbols - set(new_params) - set(self._unknowns), key=str):
                new_params.append(s)
        text = "Substitute " + ", ".join(f"{keyword_of(s)} = {v}" for s, v in mapping.items()) + "."
        return self._replace(parameters=tuple(new_params),
                             steps=self._steps + (Step(text),),
                             **self._map(f))

    def limit(self, symbol, point, direction="+"):
        """A new Derivation in the limit ``symbol -> point``.

        With a closed form, the unknowns' limits are taken on the physical branch (cases
        that depend on the sign of a parameter combination become a ``Piecewise``, e.g.
        ``d < n`` and ``d > n`` in the ridgeless limit); observables, which are written
        without 0/0 forms, are then evaluated there. Without a closed form the point is
        substituted into the equations (valid where they are continuous in ``symbol``).
        """
        sym = self._symbol(symbol)
        pt = sympy.sympify(point)
        if sym not in self._parameters:
            raise ParameterError(str(symbol), "must be a parameter")
        if self._closed_form:
            limits = {}
            for u, expr in self._closed_form.items():
                lim = sympy.limit(expr, sym, pt, dir=direction)
                limits[u] = _cases(lim)
            singular = pt.is_infinite or any(v.has(sympy.oo, -sympy.oo, sympy.zoo) for v in limits.values())

            numeric = self.numeric_observables

            def f_obs(name):
                e = self._observables[name]
                # the numeric forms are the ones written to stay defined at boundary points
                # (e.g. kappa = 0); the displayed forms may be 0/0 there
                direct = numeric[name].subs(sym, pt).subs(limits).doit()
                if singular or direct.has(sympy.nan, sympy.zoo):
                    # not continuous there: take the limit of the observable itself, on the
                    # branch where the unknowns are positive (as the closed form is on the way)
                    pos = {u: sympy.Dummy(positive=True) for u in self._unknowns}
                    e = e.xreplace(pos).xreplace({v: u for u, v in pos.items()})
                    return _cases(sympy.limit(e.subs(self._closed_form), sym, pt, dir=direction))
                return _cases(sympy.piecewise_fold(direct))

            if pt.is_infinite:
                # the equations have no finite form at an infinite point: keep the limits
                changes = {"equations": tuple(sympy.Eq(u, v) for u, v in limits.items()),
                           "residuals": tuple(u - v for u, v in limits.items()),
                           "bracket": {}, "initial": {}}
            else:
                changes = self._map(lambda e: e.subs(sym, pt))
            changes["closed_form"] = limits
            changes["observables"] = {k: f_obs(k) for k in self._observables}
            undefined = [k for k, v in changes["observables"].items() if v.has(sympy.nan)]
            if undefined:
                raise DerivationError(f"the limit {keyword_of(sym)} -> {pt} of {', '.join(undefined)} "
                                      "could not be determined (SymPy returned nan)")
            changes["numeric_observables"] = None  # the limits are exact closed forms
        else:
            changes = self._map(lambda e: e.subs(sym, pt))
        rows = [Step(f"Limit ${_latex(sym)} \\to {_latex(pt)}$ on the physical branch:")]
        for u, v in changes["closed_form"].items():
            rows.append(Step("", sympy.Eq(u, v)))
        params = tuple(p for p in self._parameters if p != sym)
        return self._replace(parameters=params, steps=self._steps + tuple(rows), **changes)

    def series(self, symbol, point=0, order=2):
        """A new Derivation whose closed form and observables are expanded in ``symbol`` at ``point``
        (terms up to, not including, ``(symbol - point)**order``). Needs a closed form."""
        if not self._closed_form:
            raise DerivationError("series needs a closed-form solution; this derivation has none")
        sym = self._symbol(symbol)
        full = {k: v.subs(self._closed_form) for k, v in self._observables.items()}
        exp = lambda e: sympy.series(e, sym, point, order).removeO()
        closed = {u: sympy.simplify(exp(v)) for u, v in self._closed_form.items()}
        obs = {k: sympy.simplify(exp(v)) for k, v in full.items()}
        step = Step(f"Expand in ${_latex(sym)}$ about ${_latex(sympy.sympify(point))}$ to order {order}.")
        return self._replace(closed_form=closed, observables=obs, numeric_observables=None,
                             steps=self._steps + (step,))

    def solve_closed_form(self):
        """The closed form (dict unknown -> expression), or raise DerivationError."""
        if not self._closed_form:
            raise DerivationError(f"SymPy found no closed form for {self._name}")
        return dict(self._closed_form)

    def evaluate(self, observable, **values):
        """Exact/symbolic value of an observable with the closed form substituted."""
        expr = self._observables[observable] if observable in self._observables else self._symbol(observable)
        expr = expr.subs(self._closed_form)
        mapping = {self._symbol(k): sympy.sympify(v) for k, v in values.items()}
        return expr.subs(mapping)

    # --- LaTeX -----------------------------------------------------------------
    def _names(self):
        return {s: n for s, n in self._latex_names.items() if isinstance(s, sympy.Symbol)}

    def latex(self):
        r"""The trail and the result as an amsmath ``align*`` block (``\intertext`` for sentences)."""
        names = self._names()
        rows = []
        for step in self._steps:
            if step.text:
                rows.append(r"\intertext{%s}" % step.text)
            rel = step.latex(names)
            if rel is not None:
                rows.append(rel + r" \\")
        rows.append(r"\intertext{Result: the saddle-point equations}")
        for eq in self._equations:
            rows.append(_latex_relation(eq, names) + r" \\")
        rows.append(r"\intertext{and the observables}")
        for key, expr in self._observables.items():
            head = self._latex_names.get(key, r"\mathrm{%s}" % key.replace("_", r"\_"))
            rows.append(head + " &= " + _latex(expr, names) + r" \\")
        if self._closed_form:
            rows.append(r"\intertext{Closed form on the physical branch}")
            for u, v in self._closed_form.items():
                rows.append(_latex(u, names) + " &= " + _latex(v, names) + r" \\")
        rows[-1] = rows[-1].removesuffix(r" \\")
        return "\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}"

    def _repr_latex_(self):
        return self.latex()

    # --- numerics --------------------------------------------------------------
    def solver(self, backend="numpy", **options):
        """The compiled :class:`~saddlepoint.solvers.Solver` (built once per backend and options).

        ``backend="numpy"`` (vectorised, float64) or ``"mpmath"`` (any precision: ``dps=50``).
        Options: ``method`` ("auto", "bracket", "newton", "anderson"), ``tol``, ``maxiter``.
        """
        key = (backend, tuple(sorted(options.items())))
        solver = self._solvers.get(key)
        if solver is None:
            from ..solvers import Solver
            solver = Solver(self, backend=backend, **options)
            self._solvers[key] = solver
        return solver

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_solvers"] = {}  # compiled code is rebuilt on demand
        return state


def _check_in_domain(name, value, domain):
    if value.is_real is False or value.is_finite is False:
        raise ParameterError(name, f"must be a finite real number, got {value}")
    if domain.contains(value) == sympy.false:
        raise ParameterError(name, f"must lie in {domain}, got {value}")


def _cases(expr):
    """Turn Abs/Max/Min/sign of real expressions into Piecewise and simplify each branch."""
    expr = sympy.sympify(expr)
    expr = expr.replace(lambda e: e.is_Pow and e.exp == sympy.Rational(1, 2),
                        lambda e: sympy.sqrt(sympy.factor(e.base)))
    expr = expr.rewrite(sympy.Piecewise)
    expr = sympy.piecewise_fold(expr)
    if not isinstance(expr, sympy.Piecewise):
        expr = sympy.piecewise_fold(sympy.simplify(expr))
    if isinstance(expr, sympy.Piecewise):
        pieces = [(sympy.factor(sympy.simplify(e)), _tidy_condition(c)) for e, c in expr.args]
        expr = sympy.Piecewise(*pieces)
        if isinstance(expr, sympy.Piecewise):  # branches that became equal were merged: tidy again
            expr = sympy.Piecewise(*[(e, _tidy_condition(c)) for e, c in expr.args])
    return expr


def _tidy_condition(cond):
    """``d - n >= 0`` -> ``d >= n`` (a difference of two terms compared with zero)."""
    if isinstance(cond, (sympy.And, sympy.Or, sympy.Not)):
        cond = sympy.simplify(cond)
    if isinstance(cond, sympy.core.relational.Relational) and cond.rhs == 0 and cond.lhs.is_Add \
            and len(cond.lhs.args) == 2:
        a, b = cond.lhs.args
        if b.could_extract_minus_sign():
            return cond.func(a, -b)
        if a.could_extract_minus_sign():
            return cond.func(b, -a)
    return cond
