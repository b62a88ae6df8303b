"""Solver and Solution: a Derivation compiled into a vectorised numeric solver.

Modelled on ``scipy.integrate.solve_ivp`` (a method registry, a result object with a status,
argument checks that name the argument) and symfit (keyword-callable, compiled once).
"""

import inspect

import numpy as np
import sympy

from ..errors import ConvergenceError, ParameterError
from . import branches, quadrature, roots
from .compile import compile_function, functionals_in, spectral_bindings

__all__ = ["Solver", "Solution"]

_BACKENDS = ("numpy", "mpmath")


class NamedValues:
    """Values by attribute or item (``x.kappa``, ``x["kappa"]``), for result objects."""

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} has no {name!r}; it has {', '.join(values)}")

    def __getitem__(self, name):
        return self._values[name]

    def __contains__(self, name):
        return name in self._values

    def keys(self):
        return self._values.keys()


class Solution(NamedValues):
    """Unknowns and observables as arrays of the broadcast parameter shape.

    Access by attribute or item (``sol.kappa``, ``sol["test_error"]``). Also ``converged``
    (bool array), ``residual`` (relative residual of the stated equations), ``iterations``,
    ``status`` (0: all points converged, 1: some marked not converged), ``message`` and
    ``branch`` (which stationary point each point took, for solvers that choose among
    several; None otherwise).
    Scalar inputs give 0-d results (NumPy scalars).
    """

    def __init__(self, values, converged, residual, iterations, parameters, message="", branch=None):
        self._values = dict(values)
        self.branch = branch
        self.converged = converged
        self.residual = residual
        self.iterations = iterations
        self.parameters = dict(parameters)
        self.status = 0 if np.all(converged) else 1
        self.message = message or ("converged" if self.status == 0 else
                                   f"{int(np.size(converged) - np.count_nonzero(converged))} point(s) did not converge")

    def to_dict(self):
        """Every unknown and observable, plus converged/residual/iterations."""
        out = dict(self._values)
        out.update(converged=self.converged, residual=self.residual, iterations=self.iterations)
        if self.branch is not None:
            out["branch"] = self.branch
        return out

    @property
    def shape(self):
        return np.shape(self.converged)

    def __dir__(self):
        return list(super().__dir__()) + list(self._values)

    def __repr__(self):
        if self.shape == ():
            body = ", ".join(f"{k}={_fmt(v)}" for k, v in self._values.items())
            tail = "" if self.branch is None else f", branch={self.branch!r}"
            return f"Solution({body}, converged={bool(self.converged)}{tail})"
        return f"Solution(shape={self.shape}, fields={tuple(self._values)}, status={self.status}: {self.message})"


def _fmt(v):
    try:
        return f"{float(v):.6g}"
    except (TypeError, ValueError):
        return repr(v)


def _interval_bounds(interval):
    lo, hi = interval.inf, interval.sup
    return (float(lo), bool(interval.left_open), float(hi), bool(interval.right_open))


class Solver:
    """A compiled solver for a :class:`~saddlepoint.derivations.Derivation`.

    Call it with keyword parameters (numbers or arrays that broadcast together)::

        solve = de.solver()
        solve(lam=np.logspace(-4, 1, 50)[:, None], n=[100, 1000], d=100, sigma2=0.25)

    Parameters
    ----------
    backend : "numpy" or "mpmath"
        ``"mpmath"`` solves at ``dps`` significant digits (Newton refinement inside
        ``mpmath.workdps(dps + guard)``; the global precision is never changed).
    method : one of ``roots.METHODS``
    tol : float
        Relative step tolerance of the iteration (numpy backend).
    maxiter : int
    residual_tol : float
        A point is converged when the stated equations hold to this relative residual
        (default 1e-9 for numpy, 10**-dps for mpmath).
    continuation : None, False, ``{parameter_name: start}`` or ``(parameter_name, start)``
        Points that fail from the initial guess (and from converged grid neighbours) are solved
        at ``parameter_name = start``, where the initial guess is good, and continued in that
        parameter to their own value (``roots._continuation_solve``). None takes the
        derivation's ``hints["continuation"]`` when it names one of the parameters; False: off.
    branch : None, "equilibrium" or the name of one of the derivation's branches
        For derivations with several stationary points (``hints["branches"]``, e.g. the
        Bayes-optimal perceptron with binary weights): "equilibrium" (the default there)
        solves from every branch's start, adds the derivation's boundary states
        (``hints["states"]``, e.g. exact recovery) and keeps, point by point, the candidate of
        largest free entropy (:mod:`saddlepoint.solvers.branches`); a branch name follows
        that branch alone (a metastable state, its fold with :meth:`critical`). The Solution's
        ``branch`` says which candidate each point took: a state's name, or the name of the
        start from which the kept fixed point was reached (the earliest, when several starts
        reach the same point; a start named "uninformed" can reach an informed fixed point
        where the uninformed one no longer exists).
    """

    def __init__(self, derivation, backend="numpy", method="auto", tol=1e-13, maxiter=100,
                 dps=30, residual_tol=None, continuation=None, branch=None):
        if backend not in _BACKENDS:
            raise ParameterError("backend", f"must be one of {_BACKENDS}, got {backend!r}")
        if method not in roots.METHODS:
            raise ParameterError("method", f"must be one of {roots.METHODS}, got {method!r}")
        if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
            raise ParameterError("maxiter", f"must be a positive integer, got {maxiter!r}")
        if not (isinstance(tol, (int, float)) and 0 < tol < 1):
            raise ParameterError("tol", f"must be a number in (0, 1), got {tol!r}")
        if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 1:
            raise ParameterError("dps", f"must be a positive integer, got {dps!r}")
        if method == "bracket" and not (len(derivation.unknowns) == 1 and derivation.bracket):
            raise ParameterError("method", "'bracket' needs one unknown with a bracket in the derivation")
        self.derivation = derivation
        self.backend = backend
        self.method = method
        self.tol = float(tol)
        self.maxiter = int(maxiter)
        self.dps = int(dps)
        self.residual_tol = float(residual_tol) if residual_tol is not None else (
            1e-9 if backend == "numpy" else 10.0 ** (-self.dps))
        self.parameter_names = derivation.parameter_names
        self.unknown_names = derivation.unknown_names
        self.observable_names = tuple(derivation.observables)
        self._bounds = [_interval_bounds(derivation.domains[s]) for s in derivation.parameters]
        self._unknown_lower = [float(derivation.domains[u].inf) for u in derivation.unknowns]
        self.continuation = self._continuation(continuation)
        self.branch, self._branches, self._states = self._branch(branch)
        self._infinite_by_definition = {k for k, e in derivation.numeric_observables.items()
                                        if _may_be_infinite(e)}
        hinted = getattr(derivation, "hints", {}).get("branch_continuation", {})
        # per branch: its own continuation where the derivation names one (the branch's
        # defining path), else the solver's
        self._branch_continuation = {
            name: (self._continuation({str(k): v for k, v in hinted[name].items()})
                   if name in hinted and continuation is None else self.continuation)
            for name in self._branches}
        if self.branch not in (None, "equilibrium"):
            self.continuation = self._branch_continuation[self.branch]
        self._numpy = self._compile("numpy")
        self._mp = self._compile("mpmath") if backend == "mpmath" else None
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY) for k in self.parameter_names]
            + [inspect.Parameter("on_failure", inspect.Parameter.KEYWORD_ONLY, default="raise")])

    # --- compilation ------------------------------------------------------------
    def _expressions(self):
        de = self.derivation
        P, U = list(de.parameters), list(de.unknowns)
        res = list(de.residuals)
        jac = sympy.Matrix(res).jacobian(U)
        exprs = {
            "residual": (P + U, res),
            "jacobian": (P + U, [[jac[i, j] for j in range(len(U))] for i in range(len(U))]),
            "stated": (P + U, [[e.lhs - e.rhs for e in de.equations],
                               [sympy.Abs(e.lhs) + sympy.Abs(e.rhs) for e in de.equations]]),
            "observables": (P + U, [de.numeric_observables[k] for k in self.observable_names]),
        }
        fixed = []
        for u, eq, r in zip(U, de.equations, res):
            fixed.append(eq.rhs if eq.lhs == u else u - r)
        exprs["fixed_point"] = (P + U, fixed)
        if de.bracket and len(U) == 1:
            lo, hi = de.bracket[U[0]]
            exprs["bracket_lo"] = (P, lo)
            exprs["bracket_hi"] = (P, hi)
        init = [de.initial.get(u, de.bracket.get(u, (None, sympy.S.One))[1]) for u in U]
        exprs["initial"] = (P, init)
        if self.branch is not None:
            exprs.update(branches.expressions(de, self.observable_names, self._branches, self._states))
            if self.branch != "equilibrium":   # one branch: its start is the initial guess
                exprs["initial"] = exprs.pop(f"initial_{self.branch}")
        return exprs

    def _branch(self, option):
        """``(branch option, branches solved, states compared)`` from the option and the
        derivation's hints."""
        hints = getattr(self.derivation, "hints", {})
        names, states = tuple(hints.get("branches") or ()), tuple(hints.get("states") or ())
        if option is None:
            option = "equilibrium" if names else None
        if option is None:
            return None, (), ()
        if option == "equilibrium":
            if not names:
                raise ParameterError("branch", f"{self.derivation.name} declares no branches: "
                                     "it has one stationary point to follow (use branch=None)")
            return option, names, states
        if option not in names:
            raise ParameterError("branch", f"must be None, 'equilibrium' or one of {names}, got {option!r}")
        return option, (option,), ()

    def _continuation(self, option):
        """``(parameter index, start value)`` or None, from the option or the derivation's hint."""
        if option is False:
            return None
        if option is None:
            hint = dict(getattr(self.derivation, "hints", {}).get("continuation", {}))
            option = {str(k): v for k, v in hint.items() if str(k) in self.parameter_names}
            if not option:
                return None
        if isinstance(option, tuple) and len(option) == 2:  # hashable form, for Derivation.solver's cache
            option = {option[0]: option[1]}
        if not isinstance(option, dict) or len(option) != 1:
            raise ParameterError("continuation", f"must be None, False or {{parameter: start}}, got {option!r}")
        (name, start), = option.items()
        if name not in self.parameter_names:
            raise ParameterError("continuation", f"names {name!r}, not a parameter of this model "
                                 f"({', '.join(self.parameter_names)})")
        start = float(start)
        lo, lo_open, hi, hi_open = self._bounds[self.parameter_names.index(name)]
        if not (np.isfinite(start) and (start > lo if lo_open else start >= lo)
                and (start < hi if hi_open else start <= hi)):
            raise ParameterError("continuation", f"start {start!r} lies outside the domain of {name!r}")
        return (self.parameter_names.index(name), start)

    def _compile(self, backend):
        exprs = self._expressions()
        classes = functionals_in([e for _, e in exprs.values()])
        namespace, binding_source = spectral_bindings(classes, backend)
        fns, sources = {}, {}
        for key, (args, ex) in exprs.items():
            fns[key], sources[key] = compile_function(f"_{key}", args, ex, backend, namespace)
        if backend == "numpy" and any(quadrature.uses_quadrature(src) for src in sources.values()):
            # the switch of roots._verify_quadrature (the averages' panel subdivision level)
            fns["quadrature_level"] = quadrature.numpy_namespace()["_LEVEL"]
        return {"fns": fns, "sources": sources, "bindings": binding_source, "classes": classes}

    # --- calling ---------------------------------------------------------------
    def _validate(self, params):
        unknown = set(params) - set(self.parameter_names)
        if unknown:
            name = sorted(unknown)[0]
            raise ParameterError(name, "is not a parameter of this model; parameters are "
                                 + ", ".join(self.parameter_names))
        values = []
        for name, (lo, lo_open, hi, hi_open) in zip(self.parameter_names, self._bounds):
            if name not in params:
                raise ParameterError(name, "is required (parameters: " + ", ".join(self.parameter_names) + ")")
            v = params[name]
            arr = _as_real_array(name, v)
            bad = ~np.isfinite(arr)
            if bad.any():
                raise ParameterError(name, f"must be finite, got {arr[bad].flat[0].item()!r}")
            below = (arr <= lo) if lo_open else (arr < lo)
            above = (arr >= hi) if hi_open else (arr > hi)
            if below.any() or above.any():
                rng = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
                badv = arr[below | above].flat[0].item()
                raise ParameterError(name, f"must lie in {rng}, got {badv!r}")
            values.append(v if self.backend == "mpmath" else arr)
        return values

    def __call__(self, *, on_failure="raise", **params):
        if on_failure not in ("raise", "mark"):
            raise ParameterError("on_failure", f"must be 'raise' or 'mark', got {on_failure!r}")
        raw = self._validate(params)
        arrays = [np.asarray(_as_real_array(k, v)) for k, v in zip(self.parameter_names, raw)]
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
        flat = [np.broadcast_to(a, shape).ravel() for a in arrays]
        fns = self._numpy["fns"]
        tol = self.residual_tol if self.backend == "numpy" else 1e-9

        def solve(f, name=None):
            u, conv, res, its = roots.solve_grid(
                f, flat, self.method, self.tol, self.maxiter, self._unknown_lower, tol,
                continuation=self._branch_continuation[name] if name is not None else self.continuation)
            # points on under-resolved integrands are re-solved on finer rules, or marked
            return roots._verify_quadrature(f, flat, u, conv, res, its, self.tol, self.maxiter,
                                            self._unknown_lower, tol)

        label = None
        if self.branch == "equilibrium":
            u, conv, res, its, obs, label = branches.solve_branches(
                fns, flat, self._branches, self._states, self.observable_names.index("free_entropy"), solve)
        else:
            u, conv, res, its, level = solve(fns)
        if self.backend == "mpmath":
            return self._refine_mp(raw, shape, u, conv, res, its, on_failure, label)
        if label is None:
            obs = roots._observables_at(fns, flat, u, level)
        return self._finish(flat, shape, u, obs, conv, res, its, on_failure, label)

    def _labels(self, label, shape):
        """Branch names per point (None when the solver follows one stationary point)."""
        if self.branch is None:
            return None
        if label is None:
            return np.full(shape, self.branch, dtype=object) if shape else self.branch
        names = np.array(self._branches + self._states + ("none",), dtype=object)
        return _shaped(names[label], shape)

    def _finish(self, flat, shape, u, obs, conv, res, its, on_failure, label=None):
        point = lambda i: {k: _scalar(p[i]) for k, p in zip(self.parameter_names, flat)}
        if not conv.all() and on_failure == "raise":
            i = int(np.nonzero(~conv)[0][0])
            raise ConvergenceError(
                f"{self.derivation.name}: the saddle-point equations did not converge (method={self.method!r})",
                point=point(i), residual=float(res[i]), iterations=int(its[i]),
                n_failed=int(np.count_nonzero(~conv)))
        # an observable undefined (0/0) or infinite (a pole, or float overflow, e.g. kappa^2 for
        # kappa > 1e154) where the unknowns are finite: raised, or with on_failure="mark" that
        # point alone is marked not converged
        finite_unknowns = np.ones(conv.shape, dtype=bool)
        for v in u:
            finite_unknowns &= ~_isnan(np.asarray(v)) & ~_isinf(np.asarray(v))
        for name, o in zip(self.observable_names, obs):
            nan, inf = _isnan(o) & conv, _isinf(o) & conv & finite_unknowns
            if name in self._infinite_by_definition:   # e.g. a Piecewise with an oo branch
                inf[:] = False
            if not (nan.any() or inf.any()):
                continue
            if on_failure == "mark":
                conv = conv & ~nan & ~inf
                continue
            i = int(np.nonzero(nan | inf)[0][0])
            what = ("undefined (0/0, or 0 * inf beyond double precision)" if nan[i] else
                    "infinite (a pole, or beyond double precision: the mpmath backend has no such limit)")
            raise ParameterError(", ".join(self.parameter_names),
                                 f"lie on a singular point of {self.derivation.name}: observable "
                                 f"{name!r} is {what} at " +
                                 ", ".join(f"{k}={v!r}" for k, v in point(i).items()))
        values = {k: _shaped(v, shape) for k, v in zip(self.unknown_names, u)}
        values.update({k: _shaped(v, shape) for k, v in zip(self.observable_names, obs)})
        return Solution(values, _shaped(conv, shape), _shaped(res, shape), _shaped(its, shape),
                        {k: _shaped(p, shape) for k, p in zip(self.parameter_names, flat)},
                        branch=self._labels(label, shape))

    def _refine_mp(self, raw, shape, u, conv, res, its, on_failure, label=None):
        import mpmath
        fns = self._mp["fns"]
        objs = [np.broadcast_to(np.asarray(v, dtype=object), shape).ravel() for v in raw]
        m = len(u)
        n_pts = objs[0].shape[0] if objs else 1
        U = np.empty((m, n_pts), dtype=object)
        O = np.empty((len(self.observable_names), n_pts), dtype=object)
        mres = np.empty(n_pts, dtype=object)
        mconv = np.zeros(n_pts, dtype=bool)
        guard = 10
        with mpmath.workdps(self.dps + guard):
            for i in range(n_pts):
                p = [mpmath.mpmathify(_mp_input(o[i])) for o in objs]
                state = _state_of(label, i, len(self._branches), self._states)
                if state is not None:   # a boundary state is a closed form, not a root
                    vals = fns[f"state_{state}"](*p)
                    U[:, i] = [mpmath.mpmathify(v) for v in vals[:m]]
                    O[:, i] = [mpmath.mpmathify(v) for v in vals[m:]]
                    mres[i], mconv[i] = mpmath.mpf(0), True
                    continue
                x = [mpmath.mpf(float(ui[i])) for ui in u]
                x, k = _mp_newton(fns, p, x, self._unknown_lower, self.dps + guard // 2, self.maxiter)
                its[i] += k
                diff, scale = fns["stated"](*p, *x)
                r = max((abs(dv) / sv if sv else abs(dv)) for dv, sv in zip(diff, scale))
                mres[i] = r
                mconv[i] = bool(conv[i]) and r <= mpmath.mpf(10) ** (-self.dps)
                U[:, i] = x
                try:
                    O[:, i] = fns["observables"](*p, *x)
                except ZeroDivisionError:   # a singular point: reported like numpy's 0/0
                    O[:, i] = [mpmath.nan] * O.shape[0]
        flat = [o for o in objs]
        resf = np.array([float(r) for r in mres])
        return self._finish(flat, shape, list(U), list(O), mconv, resf, its, on_failure, label)

    # --- critical points ---------------------------------------------------------
    def critical(self, param, **options):
        """The fold (spinodal) in ``param`` of the branch this solver follows; every other
        parameter fixed by keyword. See :func:`saddlepoint.solvers.critical.critical`."""
        from .critical import critical
        return critical(self, param, **options)

    def solve_for(self, param, **options):
        """The value of ``param`` where an observable reaches a target (``entropy=0``).
        See :func:`saddlepoint.solvers.critical.solve_for`."""
        from .critical import solve_for
        return solve_for(self, param, **options)

    # --- code generation ---------------------------------------------------------
    def to_source(self):
        """A standalone Python module (numpy only) that defines ``solve(**parameters) -> dict``.

        It contains the compiled equations, the numeric spectral kernels and the root finder
        used by this solver, so it reproduces this solver's numbers exactly.
        """
        from .codegen import module_source
        return module_source(self)

    def __repr__(self):
        return (f"Solver({self.derivation.name!r}, backend={self.backend!r}, method={self.method!r}, "
                f"parameters={self.parameter_names})")


def _state_of(label, i, n_branches, states):
    """The boundary state point ``i`` took, or None (an interior fixed point)."""
    if label is None or label[i] < n_branches or label[i] >= n_branches + len(states):
        return None
    return states[label[i] - n_branches]


def _mp_input(v):
    """A parameter value for mpmath at the current precision: exact for ints, Fractions, SymPy
    numbers and mpf; a Python float is taken as the binary number it is (0.1 != 1/10)."""
    import fractions
    import mpmath
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, fractions.Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    if hasattr(v, "_to_mpmath"):  # a SymPy number
        return mpmath.mpf(v._to_mpmath(mpmath.mp.prec))
    return v


def _mp_newton(fns, p, x, lower, digits, maxiter):
    """Newton refinement at the current mpmath precision; keeps boundary roots exact."""
    import mpmath
    m = len(x)
    target = mpmath.mpf(10) ** (-digits)
    for k in range(1, maxiter + 1):
        diff, _ = fns["stated"](*p, *x)
        if all(dv == 0 for dv in diff):
            return x, k - 1
        if m == 1 and x[0] == lower[0]:
            # a boundary root: the stated equation decides (it is exact there)
            return x, k - 1
        r = fns["residual"](*p, *x)
        J = fns["jacobian"](*p, *x)
        step = mpmath.lu_solve(mpmath.matrix(J), mpmath.matrix([-ri for ri in r]))
        x = [xi + step[i] for i, xi in enumerate(x)]
        if max(abs(step[i]) / max(abs(x[i]), target) for i in range(m)) <= target:
            return x, k
    return x, maxiter


def _as_real_array(name, v):
    if isinstance(v, (str, bytes)) or v is None:
        raise ParameterError(name, f"must be a real number or an array of them, not {v!r}")
    if isinstance(v, (bool, np.bool_)):
        raise ParameterError(name, f"must be a real number, not the boolean {v!r}")
    try:
        arr = np.asarray(v)
        if arr.dtype == object:
            arr = np.vectorize(float, otypes=[float])(arr) if arr.size else arr.astype(float)
        if arr.dtype.kind == "b":
            raise ParameterError(name, "must be real numbers, not booleans")
        if arr.dtype.kind == "c":
            raise ParameterError(name, f"must be real, got the complex value {v!r}")
        if arr.dtype.kind not in "iuf":
            raise TypeError
        return arr.astype(float)
    except ParameterError:
        raise
    except (TypeError, ValueError):
        raise ParameterError(name, f"must be a real number or an array of them, not {v!r}") from None


def _may_be_infinite(expr):
    """Whether an observable's expression has an infinite value by definition (a Piecewise
    branch oo); a Gaussian average's own -oo limit does not count."""
    from ..derivations.replica.gaussian import GaussianAverage
    probe = sympy.sympify(expr).replace(lambda e: isinstance(e, GaussianAverage), lambda a: a.integrand)
    return probe.has(sympy.oo, -sympy.oo, sympy.zoo)


def _isnan(o):
    if o.dtype == object:
        import mpmath
        return np.array([mpmath.isnan(x) for x in np.ravel(o)], dtype=bool).reshape(np.shape(o))
    return np.isnan(o)


def _isinf(o):
    if o.dtype == object:
        import mpmath
        return np.array([mpmath.isinf(x) for x in np.ravel(o)], dtype=bool).reshape(np.shape(o))
    return np.isinf(o)


def _scalar(x):
    return x.item() if hasattr(x, "item") else x


def _shaped(arr, shape):
    arr = np.asarray(arr).reshape(shape)
    return arr[()] if shape == () else arr
