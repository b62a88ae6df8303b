r"""From a replica-symmetric free entropy to saddle-point equations, by ``sympy.diff``.

:func:`saddle_point` differentiates the free entropy :math:`\Phi` in every order parameter,
records each derivative in the trail, uses linearity and Gaussian integration by parts on the
averages (:mod:`.gaussian`), evaluates the averages SymPy can integrate, and returns a
:class:`ReplicaDerivation`: a :class:`~saddlepoint.derivations.core.Derivation` that also
holds ``free_entropy`` and solver hints (where to start continuation for critical points).
"""

import sympy

from ...errors import DerivationError
from ..core import Derivation, Step
from .gaussian import GaussianAverage, expand_average, stein

__all__ = ["saddle_point", "ReplicaDerivation", "split_sides", "tidy", "is_zero"]


class ReplicaDerivation(Derivation):
    """A Derivation with the free entropy it came from.

    Extra attributes: ``free_entropy`` (SymPy expression with ``GaussianAverage``\\ s),
    ``extremum`` (``"max"``/``"min"``/``"saddle"``: which stationary point is physical),
    ``hints`` (dict: ``"critical"`` -> {parameter: (start value, direction)}, ``"scan"`` ->
    {parameter: (lo, hi)} used by :meth:`Solver.solve_for` when no bracket is given).
    """

    def __init__(self, *args, free_entropy=None, extremum="saddle", hints=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._free_entropy = free_entropy
        self._extremum = extremum
        self._hints = dict(hints or {})

    free_entropy = property(lambda self: self._free_entropy)
    extremum = property(lambda self: self._extremum)
    hints = property(lambda self: dict(self._hints))

    def _replace(self, **changes):
        base = super()._replace(**changes)
        new = ReplicaDerivation.__new__(ReplicaDerivation)
        new.__dict__.update(base.__dict__)
        new._free_entropy, new._extremum, new._hints = self._free_entropy, self._extremum, dict(self._hints)
        return new

    def limit(self, symbol, point, direction="+"):
        """As :meth:`Derivation.limit`; a limit the model has derived itself (``hints["limits"]``,
        e.g. Hopfield's T -> 0 with C = beta (1 - q) fixed, where the equations are singular and
        substituting T = 0 is meaningless) returns that model's Derivation."""
        key = (str(symbol), sympy.sympify(point))
        derived = self._hints.get("limits", {}).get(key)
        if derived is None:
            return super().limit(symbol, point, direction)
        target = derived()
        pointwise = self.limit_free_entropy(symbol, point, direction)
        head = f"Limit ${sympy.latex(self._symbol(symbol))} \\to {sympy.latex(sympy.sympify(point))}$"
        if pointwise is not None:
            step = Step(head + " of the free entropy, inside the averages (dominated convergence):",
                        sympy.Eq(sympy.Symbol("Phi"), pointwise))
        else:
            step = Step(head + ": not a pointwise limit of the free entropy; the model's own "
                        "limiting free entropy follows.")
        new = target._replace(steps=(step,) + target.steps)
        new._limit_of = self
        return new

    def limit_free_entropy(self, symbol, point, direction="+"):
        """The free entropy's limit taken term by term and inside the Gaussian averages
        (pointwise: valid under dominated convergence), or None if SymPy cannot take it."""
        if self._free_entropy is None:
            return None
        sym, pt = self._symbol(symbol), sympy.sympify(point)

        def inside(avg):
            f, z, lower = avg.args
            value = sympy.limit(f, sym, pt, dir=direction)
            tidy_value = sympy.simplify(sympy.powsimp(value, force=True))
            return GaussianAverage(tidy_value.rewrite(sympy.erfc), z, lower)
        try:
            outer = self._free_entropy.replace(lambda e: isinstance(e, GaussianAverage), inside)
            value = sympy.limit(outer, sym, pt, dir=direction) if outer.has(sym) else outer
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            return None
        # (an average's own lower limit is -oo: look at the integrands instead)
        probe = value.replace(lambda e: isinstance(e, GaussianAverage), lambda avg: avg.integrand)
        if probe.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan, sympy.Limit):
            return None
        return value

    def subs(self, **values):
        new = super().subs(**values)
        if self._free_entropy is not None:
            mapping = {self._symbol(k): sympy.sympify(v) for k, v in values.items()}
            new._free_entropy = self._free_entropy.xreplace(mapping)
        return new


def _tanh(expr):
    """sinh(x)/cosh(x) -> tanh(x) (which the numeric backends evaluate without overflow)."""
    def rule(mul):
        factors = list(mul.args)
        for s in [f for f in factors if isinstance(f, sympy.sinh)]:
            inv = sympy.cosh(s.args[0]) ** -1
            if inv in factors:
                factors.remove(s)
                factors.remove(inv)
                factors.append(sympy.tanh(s.args[0]))
        return sympy.Mul(*factors)
    return expr.replace(lambda e: e.is_Mul and e.has(sympy.sinh), rule)


def tidy(expr):
    """Linearity on averages, then evaluation of the averages SymPy integrates in closed form."""
    expr = expand_average(_tanh(expr))
    return expr.replace(lambda e: isinstance(e, GaussianAverage), lambda e: e.doit())


def is_zero(expr):
    """Whether SymPy proves ``expr == 0`` (trying erf and erfc normal forms: SymPy's simplify
    does not use erf + erfc = 1 by itself)."""
    if sympy.expand(expr) == 0 or sympy.simplify(expr) == 0:   # expand first: often enough, and fast
        return True
    return any(sympy.simplify(expr.rewrite(f)) == 0 for f in (sympy.erf, sympy.erfc))


def split_sides(expr):
    """``expr = 0`` as ``Eq(elementary terms, -averaged terms)`` (else positive against
    negated negative terms) so that the relative residual ``|lhs - rhs| / (|lhs| + |rhs|)``
    is meaningful."""
    terms = sympy.Add.make_args(sympy.expand(expr, deep=False))
    # averages (of unknown sign) on the right, the elementary terms on the left
    plain = [t for t in terms if not t.has(GaussianAverage)]
    averaged = [t for t in terms if t.has(GaussianAverage)]
    if plain and averaged:
        return sympy.Eq(sympy.factor(sympy.Add(*plain)), -sympy.Add(*averaged))
    pos = [t for t in terms if not t.could_extract_minus_sign()]
    neg = [t for t in terms if t.could_extract_minus_sign()]
    if not pos or not neg:
        return sympy.Eq(expr, 0)
    return sympy.Eq(sympy.Add(*pos), -sympy.Add(*neg))


def saddle_point(name, free_entropy, order_parameters, parameters, observables, *,
                 free_entropy_symbol=None, integrate_by_parts=False, textbook=None,
                 residuals=None, extremum="saddle", description="", **derivation_options):
    r"""Stationarity of ``free_entropy`` in every order parameter, derived with ``sympy.diff``.

    Parameters
    ----------
    name : str
    free_entropy : SymPy expression
        The replica-symmetric free entropy (Gaussian averages as :class:`GaussianAverage`).
    order_parameters : sequence of Symbol
        The unknowns, in order; one equation :math:`\partial\Phi/\partial x = 0` each.
    parameters : sequence of Symbol
        What the user supplies.
    observables : dict
        name -> expression in parameters and order parameters (``"free_entropy"`` is added).
    integrate_by_parts : bool
        Apply Stein's lemma :math:`\int Dz\, z g(z) = \int Dz\, g'(z)` to the derivatives.
    textbook : dict unknown -> (Eq, factor), optional
        The equation for that unknown as a textbook writes it, with the nonzero factor such
        that ``factor * (lhs - rhs)`` equals the derivative; the equivalence is checked
        symbolically (``DerivationError`` otherwise) and the textbook form is displayed. Its
        left side may be another order parameter (state evolution: dPhi/dq = 0 written as
        q_hat = ...); when the left sides are a permutation of the unknowns, the equations
        are ordered by them (so the solver's fixed-point map is u = rhs).
    residuals : dict unknown -> expression or callable, optional
        What the numeric solver drives to zero instead of the displayed equation (e.g. the
        equation divided by the unknown, which removes a trivial branch); a callable gets
        ``lhs - rhs`` of the displayed equation.
    extremum : "max", "min" or "saddle"
        Which stationary point is the physical one (documentation for the user).
    Other keywords (domains, initial, bracket, latex_names, conventions, references,
    numeric_observables, hints) go to :class:`ReplicaDerivation`.
    """
    textbook = dict(textbook or {})
    phi_sym = free_entropy_symbol if free_entropy_symbol is not None else sympy.Symbol("Phi")
    steps = [Step(description or "Replica-symmetric free entropy:"),
             Step("", sympy.Eq(phi_sym, free_entropy))]
    equations, residual_list = [], []
    for x in order_parameters:
        derivative = sympy.diff(free_entropy, x)
        steps.append(Step(f"Stationarity in ${sympy.latex(x)}$:",
                          sympy.Eq(sympy.Derivative(phi_sym, x), derivative)))
        if integrate_by_parts and derivative.has(GaussianAverage):
            parts = stein(expand_average(derivative))
            if parts != derivative:
                steps.append(Step(r"Gaussian integration by parts, $\int Dz\, z\, g(z) = \int Dz\, g'(z)$:",
                                  sympy.Eq(sympy.Derivative(phi_sym, x), parts)))
            derivative = parts
        evaluated = tidy(derivative)
        if evaluated != derivative:
            steps.append(Step("Gaussian averages in closed form:",
                              sympy.Eq(sympy.Derivative(phi_sym, x), evaluated)))
        derivative = evaluated
        if x in textbook:
            eq, factor = textbook[x]
            diff = tidy(stein(expand_average(factor * (eq.lhs - eq.rhs) - derivative)))
            if not is_zero(diff):
                raise DerivationError(f"the stated equation for {x} does not follow from the free entropy: "
                                      f"difference {diff}")
            steps.append(Step(f"Equivalently (the factor ${sympy.latex(factor)}$ removed):", eq))
            equations.append(eq)
        else:
            equations.append(split_sides(derivative))
        stated = equations[-1].lhs - equations[-1].rhs
        form = (residuals or {}).get(x, stated)
        residual_list.append(form(stated) if callable(form) else form)
    # a textbook equation may be solved for another order parameter (the conjugate pairs of
    # state evolution: dPhi/dq = 0 gives q_hat = ..., dPhi/dq_hat = 0 gives q = ...): order the
    # equations by the unknown on their left-hand side when those form a permutation
    lhs = [eq.lhs for eq in equations]
    if sorted(lhs, key=str) == sorted(order_parameters, key=str) and lhs != list(order_parameters):
        order = [lhs.index(x) for x in order_parameters]
        equations = [equations[i] for i in order]
        residual_list = [residual_list[i] for i in order]
    obs = dict(observables)
    obs.setdefault("free_entropy", free_entropy)
    numeric = derivation_options.pop("numeric_observables", None)
    if numeric is not None:
        numeric = dict(numeric)
        numeric.setdefault("free_entropy", free_entropy)
    hints = derivation_options.pop("hints", None)
    return ReplicaDerivation(name, parameters, order_parameters, equations, obs, steps,
                             residuals=residual_list, numeric_observables=numeric,
                             free_entropy=free_entropy, extremum=extremum, hints=hints,
                             **derivation_options)
