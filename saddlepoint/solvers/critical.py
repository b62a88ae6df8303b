r"""Critical points of a Derivation's saddle-point equations, for any Derivation.

``critical(solver, param, **fixed)``
    the *fold* (spinodal) of a branch: the parameter value where the branch being followed
    ceases to exist, i.e. where :math:`\det J = 0` (J the Jacobian of the residuals in the
    unknowns). A continuation along the parameter (the bracketed, robust part: steps are
    halved whenever Newton fails, leaves the branch or flips the sign of det J) brings the
    point close; Newton with the SymPy Jacobian then solves the augmented square system in
    its Moore-Spence form (Moore & Spence 1980, SIAM J. Numer. Anal. 17, 567):
    :math:`F(u, p) = 0,\ J(u, p)\,v = 0,\ v\cdot v = 1` in (u, v, p) -- equivalent to
    adding det J = 0, but needing only second derivatives, which keeps the compiled system
    small when the residuals contain Gaussian averages.
``solve_for(solver, param, observable=value, **fixed)``
    the parameter value where an observable reaches a target: a vectorised scan over a
    bracket finds a sign change, then Newton on the system augmented with
    ``observable - target = 0`` refines it.

Both polish in mpmath (``mpmath.workdps(dps + guard)``) when the solver's backend is
"mpmath". Failures raise :class:`~saddlepoint.errors.ConvergenceError` with the point, the
residual and the iteration count.
"""

import numpy as np
import sympy

from ..errors import ConvergenceError, ParameterError
from . import roots
from .compile import compile_function
from .solver import NamedValues

__all__ = ["CriticalPoint", "critical", "solve_for"]

_TARGET = sympy.Symbol("_target")


class CriticalPoint(NamedValues):
    """A parameter value with the branch's unknowns and observables there.

    ``float(point)`` is the parameter value; ``point.alpha`` (the parameter by name),
    ``point.m`` etc. the unknowns and observables; ``residual`` is the largest relative
    residual of the augmented system, ``iterations`` the Newton iterations of the refinement.
    """

    def __init__(self, parameter, value, values, residual, iterations, converged=True):
        self.parameter = parameter
        self.value = value
        self._values = dict(values)
        self._values[parameter] = value
        self.residual = residual
        self.iterations = iterations
        self.converged = converged

    def __float__(self):
        return float(self.value)

    def __repr__(self):
        body = ", ".join(f"{k}={float(v):.10g}" for k, v in self._values.items())
        return f"CriticalPoint({self.parameter}: {body}, residual={self.residual:.2e})"


def _split_parameters(solver, param, fixed):
    names = solver.parameter_names
    if param not in names:
        raise ParameterError(str(param), "is not a parameter of this model; parameters are " + ", ".join(names))
    missing = [k for k in names if k != param and k not in fixed]
    if missing:
        raise ParameterError(missing[0], f"is required (fix every parameter except {param!r})")
    extra = set(fixed) - set(names)
    if extra:
        raise ParameterError(sorted(extra)[0], "is not a parameter of this model")
    if param in fixed:
        raise ParameterError(param, "is the parameter searched for; do not fix it")
    for k, v in fixed.items():
        if np.ndim(v) != 0:
            raise ParameterError(k, f"must be a scalar for critical/solve_for, got shape {np.shape(v)}")
        lo, lo_open, hi, hi_open = solver._bounds[names.index(k)]
        x = float(np.asarray(_real(k, v)))
        if not np.isfinite(x) or (x <= lo if lo_open else x < lo) or (x >= hi if hi_open else x > hi):
            raise ParameterError(k, f"must lie in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}, got {v!r}")
    return names.index(param)


def _real(name, v):
    from .solver import _as_real_array
    return _as_real_array(name, v)


def _augmented(solver, param, extra, backend, key):
    """Compile an augmented system in (unknowns, [null vector,] param) and its Jacobian.

    ``extra="fold"``: the Moore-Spence system F(u, p) = 0, J(u, p) v = 0, v.v = 1 (a fold
    is where J has a null vector v; second derivatives only, unlike d(det J)).
    Otherwise ``extra`` is an expression (with ``_target``) appended to F = 0.
    """
    cache = solver.__dict__.setdefault("_augmented_cache", {})
    if (key, backend) in cache:
        return cache[(key, backend)]
    de = solver.derivation
    P, U = list(de.parameters), list(de.unknowns)
    p_sym = P[solver.parameter_names.index(param)]
    res = list(de.residuals)
    if isinstance(extra, str) and extra == "fold":
        V = [sympy.Symbol(f"_v{i}") for i in range(len(U))]
        jac_u = sympy.Matrix(res).jacobian(U)
        aug = res + list(jac_u * sympy.Matrix(V)) + [sum(v ** 2 for v in V) - 1]
        X = U + V
    else:
        aug = res + [extra]
        X = list(U)
    jac = sympy.Matrix(aug).jacobian(X + [p_sym])
    n = len(aug)
    args = P + X + [_TARGET]
    from .compile import functionals_in, spectral_bindings
    ns, _ = spectral_bindings(functionals_in([aug]), backend)
    f, _ = compile_function("_augmented", args, aug, backend, ns)
    J, _ = compile_function("_augmented_jacobian", args, [[jac[i, j] for j in range(n)] for i in range(n)], backend, ns)
    cache[(key, backend)] = (f, J, None)
    return f, J, None


def _scalar_entries(values):
    """Nested lists of numbers or 1-element arrays -> float array of the same nesting."""
    if isinstance(values, (list, tuple)):
        return np.array([_scalar_entries(v) for v in values], dtype=float)
    return float(np.ravel(np.asarray(values, dtype=float))[0])


def _newton_augmented(f, J, x0, build_args, lower, maxiter=60, tol=1e-13):
    """Damped Newton on the augmented system (numpy, one point)."""
    x = np.array(x0, dtype=float)
    f0, J0 = f, J
    f = lambda *a: _scalar_entries(f0(*[np.array([v], dtype=float) for v in a]))
    J = lambda *a: _scalar_entries(J0(*[np.array([v], dtype=float) for v in a]))
    norm = lambda r: float(np.linalg.norm(r))
    r = np.array(f(*build_args(x)), dtype=float)
    for k in range(1, maxiter + 1):
        Jx = np.array(J(*build_args(x)), dtype=float)
        if not (np.isfinite(Jx).all() and np.isfinite(r).all()):
            return x, r, k, False
        try:
            step = np.linalg.solve(Jx, -r)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(Jx, -r, rcond=None)[0]
        t = 1.0
        for _ in range(40):
            trial = x + t * step
            if all(trial[i] >= lo for i, lo in enumerate(lower)):
                with np.errstate(all="ignore"):
                    rt = np.array(f(*build_args(trial)), dtype=float)
                if np.isfinite(rt).all() and norm(rt) <= (1 - 1e-4 * t) * norm(r) + 1e-300:
                    break
            t *= 0.5
        else:  # no decrease possible: converged only if already at rounding level
            return x, r, k, norm(r) <= 1e-12
        x, r = trial, rt
        if np.max(np.abs(t * step) / np.maximum(np.abs(x), 1e-300)) <= tol:
            return x, r, k, True
    return x, r, maxiter, False


def _point_solve(solver, params, u0):
    """Newton at one parameter point from ``u0``; returns (u, converged)."""
    fns = solver._numpy["fns"]
    p = [np.array([float(v)]) for v in params]
    # from a nearby branch point Newton converges in a few steps; past the fold it would
    # only backtrack, so the iteration count is kept small
    u, _ = roots._newton_solve(fns, p, [np.array([float(v)]) for v in u0], solver.tol, min(solver.maxiter, 20),
                               solver._unknown_lower)
    res = roots._stated_residual(fns, p, u)
    return np.array([ui[0] for ui in u]), bool(res[0] <= solver.residual_tol)


def _refine_mp(solver, f_mp, J_mp, x, build_args_mp, lower):
    import mpmath
    guard = 10
    with mpmath.workdps(solver.dps + guard):
        xm = [mpmath.mpf(float(v)) for v in x]
        target = mpmath.mpf(10) ** (-(solver.dps + guard // 2))
        k = 0
        for k in range(1, solver.maxiter + 1):
            r = f_mp(*build_args_mp(xm))
            Jm = mpmath.matrix(J_mp(*build_args_mp(xm)))
            step = mpmath.lu_solve(Jm, mpmath.matrix([-ri for ri in r]))
            xm = [xi + step[i] for i, xi in enumerate(xm)]
            if max(abs(step[i]) / max(abs(xm[i]), target) for i in range(len(xm))) <= target:
                break
        r = f_mp(*build_args_mp(xm))
        resid = max(abs(ri) for ri in r)
        return xm, resid, k


def _finish(solver, param, idx, fixed, x, resid, its, kind, target=None):
    names = solver.parameter_names
    m = len(solver.unknown_names)
    u, value = x[:m], x[m]
    params = [value if i == idx else fixed[k] for i, k in enumerate(names)]
    if solver.backend == "mpmath":
        import mpmath
        with mpmath.workdps(solver.dps + 10):
            pm = [mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v for v in params]
            obs = solver._mp["fns"]["observables"](*pm, *u)
    else:
        with np.errstate(all="ignore"):
            obs = solver._numpy["fns"]["observables"](*[np.array([float(v)]) for v in params],
                                                       *[np.array([float(v)]) for v in u])
        obs = [float(np.ravel(np.asarray(o, dtype=float) * np.ones(1))[0]) for o in obs]
        u = [float(v) for v in u]
        value = float(value)
    values = dict(zip(solver.unknown_names, u))
    values.update(dict(zip(solver.observable_names, obs)))
    return CriticalPoint(param, value, values, float(resid), its)


def critical(solver, param, *, start=None, direction=None, step=None, **fixed):
    """The fold of the branch followed from ``start`` along ``param`` (see the module docstring).

    ``start``: a parameter value on the branch (default from the derivation's hints);
    ``direction``: +1 or -1 (default from the hints, else +1); ``step``: the first
    continuation step (default 5% of ``start``). Every other parameter is fixed by keyword.
    """
    idx = _split_parameters(solver, param, fixed)
    hint = getattr(solver.derivation, "hints", {}).get("critical", {}).get(param)
    if start is None:
        if hint is None:
            raise ParameterError("start", f"is required: no default start for a fold in {param!r}")
        start = hint[0]
    if direction is None:
        direction = hint[1] if hint is not None else 1
    if direction not in (1, -1):
        raise ParameterError("direction", f"must be +1 or -1, got {direction!r}")
    names = solver.parameter_names
    params_at = lambda p: [p if i == idx else float(fixed[k]) for i, k in enumerate(names)]
    first = solver(**{k: v for k, v in zip(names, params_at(float(start)))}, on_failure="mark")
    if not bool(first.converged):
        raise ConvergenceError(f"critical({param!r}): no solution on the branch at the start",
                               point={param: start, **fixed}, residual=float(first.residual),
                               iterations=int(first.iterations))
    u = np.array([float(first[k]) for k in solver.unknown_names])
    jac_fn = solver._numpy["fns"]["jacobian"]

    def jacobian(p, v):
        return _scalar_entries(jac_fn(*[np.array([x]) for x in params_at(p)], *[np.array([x]) for x in v]))

    det = lambda p, v: float(np.linalg.det(jacobian(p, v)))
    p = float(start)
    sign0 = np.sign(det(p, u))
    h = float(step) if step is not None else 0.05 * max(abs(p), 1e-3)
    lower = solver._unknown_lower
    steps = 0
    while h > 1e-10 * max(1.0, abs(p)) and steps < 2000:
        steps += 1
        p_try = p + direction * h
        v, ok = _point_solve(solver, params_at(p_try), u)
        if ok:
            with np.errstate(all="ignore"):
                d = det(p_try, v)
            ok = (np.isfinite(d) and np.sign(d) == sign0
                  and np.max(np.abs(v - u) / np.maximum(np.abs(u), 1e-3)) < 0.5)
        if ok:
            p, u = p_try, v
            h *= 1.5
        else:
            h *= 0.5
    # Newton on the Moore-Spence system in (unknowns, null vector, parameter), started from
    # the last point of the branch and the singular vector of its smallest singular value
    m = len(u)
    null = np.linalg.svd(jacobian(p, u))[2][-1]
    f, J, _ = _augmented(solver, param, "fold", "numpy", ("critical", param))
    build = lambda x: [*params_at(x[-1]), *x[:-1], 0.0]
    x0 = np.concatenate([u, null, [p]])
    x, r, its, conv = _newton_augmented(f, J, x0, build, list(lower) + [-np.inf] * (m + 1))
    if not conv or not np.all(np.abs(r) <= 1e-8 * (1 + np.abs(x).max())):
        raise ConvergenceError(f"critical({param!r}): Newton on the augmented system did not converge",
                               point={param: float(x[-1]), **fixed}, residual=float(np.max(np.abs(r))),
                               iterations=its)
    resid = float(np.max(np.abs(r)))
    if solver.backend == "mpmath":
        import mpmath
        fm, Jm, _ = _augmented(solver, param, "fold", "mpmath", ("critical", param))
        fixed_mp = {k: mpmath.mpmathify(v) for k, v in fixed.items()}
        build_mp = lambda xm: [xm[-1] if i == idx else fixed_mp[k] for i, k in enumerate(names)] + list(xm[:-1]) + [0]
        x, resid, k = _refine_mp(solver, fm, Jm, x, build_mp, lower)
        its += k
    x = list(x[:m]) + [x[-1]]
    return _finish(solver, param, idx, fixed, x, resid, its, "critical")


def solve_for(solver, param, *, bracket=None, points=41, **kwargs):
    """The value of ``param`` where one observable (or unknown) reaches a target.

    ``solve_for("alpha", entropy=0, bracket=(0.5, 1.5), **fixed)``: exactly one keyword
    names an observable or unknown; the others fix the remaining parameters. ``bracket``
    defaults to the derivation's hints; ``points`` grid points are scanned for a sign change.
    """
    targets = {k: v for k, v in kwargs.items() if k in solver.observable_names or k in solver.unknown_names}
    fixed = {k: v for k, v in kwargs.items() if k not in targets}
    if len(targets) != 1:
        raise ParameterError("target", "name exactly one observable or unknown with its target value, e.g. entropy=0; "
                             "observables: " + ", ".join(solver.observable_names))
    (obs_name, target), = targets.items()
    target = float(target)
    idx = _split_parameters(solver, param, fixed)
    if bracket is None:
        bracket = getattr(solver.derivation, "hints", {}).get("scan", {}).get(param)
        if bracket is None:
            raise ParameterError("bracket", f"is required: no default range for {param!r}")
    lo, hi = (float(b) for b in bracket)
    if not lo < hi:
        raise ParameterError("bracket", f"must be (lo, hi) with lo < hi, got {bracket!r}")
    names = solver.parameter_names
    grid = np.geomspace(lo, hi, points) if lo > 0 and hi / lo > 10 else np.linspace(lo, hi, points)
    call = {k: (grid if k == param else float(fixed[k])) for k in names}
    scan = solver(**call, on_failure="mark") if solver.backend == "numpy" else solver.derivation.solver()(**call, on_failure="mark")
    values = np.asarray(scan[obs_name], dtype=float) - target
    conv = np.asarray(scan.converged) & np.isfinite(values)
    change = np.nonzero(conv[:-1] & conv[1:] & (np.sign(values[:-1]) != np.sign(values[1:])))[0]
    if change.size == 0:
        raise ConvergenceError(f"solve_for({param!r}, {obs_name}={target}): no sign change of "
                               f"{obs_name} - target on the converged points of {bracket}",
                               point={**fixed}, residual=float(np.nanmin(np.abs(np.where(conv, values, np.nan))))
                               if conv.any() else None, iterations=points)
    i = int(change[0])
    w = values[i] / (values[i] - values[i + 1])
    p0 = grid[i] + w * (grid[i + 1] - grid[i])
    u0 = [float(np.asarray(scan[k])[i] + w * (np.asarray(scan[k])[i + 1] - np.asarray(scan[k])[i]))
          for k in solver.unknown_names]
    de = solver.derivation
    expr = de.numeric_observables[obs_name] if obs_name in de.observables else de._symbol(obs_name)
    extra = expr - _TARGET
    f, J, _ = _augmented(solver, param, extra, "numpy", ("solve_for", param, obs_name))
    params_at = lambda p: [p if j == idx else float(fixed[k]) for j, k in enumerate(names)]
    build = lambda x: [*params_at(x[-1]), *x[:-1], target]
    x, r, its, ok = _newton_augmented(f, J, np.array(u0 + [p0]), build, list(solver._unknown_lower) + [-np.inf])
    if not ok or not np.all(np.abs(r) <= 1e-8 * (1 + np.abs(x).max())):
        raise ConvergenceError(f"solve_for({param!r}, {obs_name}={target}): Newton did not converge",
                               point={param: float(x[-1]), **fixed}, residual=float(np.max(np.abs(r))), iterations=its)
    resid = float(np.max(np.abs(r)))
    if solver.backend == "mpmath":
        import mpmath
        fm, Jm, _ = _augmented(solver, param, extra, "mpmath", ("solve_for", param, obs_name))
        fixed_mp = {k: mpmath.mpmathify(v) for k, v in fixed.items()}
        tgt = mpmath.mpmathify(kwargs[obs_name])
        build_mp = lambda xm: [xm[-1] if j == idx else fixed_mp[k] for j, k in enumerate(names)] + list(xm[:-1]) + [tgt]
        x, resid, k = _refine_mp(solver, fm, Jm, x, build_mp, solver._unknown_lower)
        its += k
    return _finish(solver, param, idx, fixed, x, resid, its, "solve_for")
