"""Vectorised root finding for saddle-point equations on parameter grids.

Every function here takes flattened grids (1-D arrays, one entry per grid point) and works on
all points at once. They depend on numpy only and are plain module-level functions, because
:meth:`saddlepoint.solvers.Solver.to_source` copies them verbatim into generated code (so the
generated module reproduces the solver's numbers exactly).

Methods (the registry ``METHODS``, in the style of ``scipy.integrate.solve_ivp``):

``"bracket"``
    one unknown with a bracket [lo, hi] in which the residual increases through its only root:
    safeguarded Newton (Newton steps, bisection whenever a step leaves the bracket; geometric
    bisection for brackets spanning decades). The lower end is searched downwards toward the
    domain boundary when the residual is not negative there; a root *at* the boundary is
    accepted when the stated equation holds there (e.g. kappa = 0 in ridgeless regression).
``"newton"``
    damped Newton with the SymPy Jacobian (backtracking on the residual norm).
``"anderson"``
    Anderson-accelerated damped fixed-point iteration on u = G(u).
``"auto"``
    "bracket" when available, else "newton"; points that fail are retried by Anderson and then
    by Newton warm-started from the nearest converged grid point (continuation).

Continuation in a parameter (``continuation=(index, start)`` of :func:`solve_grid`, any method
but "bracket"): points still failing are solved at the parameter value ``start``, where the
model's initial guess is good, and walked to their own value by Newton along a path
(geometric when both ends are positive), with a secant predictor and adaptive steps.
"""

import numpy as np

METHODS = ("auto", "bracket", "newton", "anderson")


def _stated_residual(fns, p, u):
    """Relative residual of the stated equations, max over equations: |lhs - rhs| / (|lhs| + |rhs|)."""
    diff, scale = fns["stated"](*p, *u)
    worst = np.zeros(np.shape(u[0]))
    for dv, sv in zip(diff, scale):
        dv = np.abs(np.asarray(dv, dtype=float)) * np.ones_like(worst)
        sv = np.abs(np.asarray(sv, dtype=float)) * np.ones_like(worst)
        rel = np.where(dv == 0, 0.0, dv / np.where(sv > 0, sv, 1.0))
        worst = np.maximum(worst, np.where(np.isfinite(rel), rel, np.inf))
    return worst


def _take(p, idx):
    return [np.asarray(x)[idx] for x in p]


def _bracket_solve(fns, p, tol, maxiter, lower_bound):
    """Safeguarded Newton on one unknown within a bracket; returns (u, iterations)."""
    lo = np.asarray(fns["bracket_lo"](*p), dtype=float) * np.ones(np.shape(p[0]))
    hi = np.asarray(fns["bracket_hi"](*p), dtype=float) * np.ones(np.shape(p[0]))
    f = lambda x, q: np.asarray(fns["residual"](*q, x)[0], dtype=float) * np.ones(np.shape(x))
    df = lambda x, q: np.asarray(fns["jacobian"](*q, x)[0][0], dtype=float) * np.ones(np.shape(x))
    its = np.zeros(lo.shape, dtype=int)
    # make sure the residual is >= 0 at hi (expand upwards)
    fhi = f(hi, p)
    for _ in range(60):
        bad = ~(fhi >= 0)
        if not bad.any():
            break
        hi = np.where(bad, np.where(hi > 0, hi * 4.0, 1.0), hi)
        fhi = np.where(bad, f(hi, p), fhi)
    # make sure the residual is < 0 at lo (search downwards toward the boundary)
    flo = f(lo, p)
    need = ~(flo < 0)
    at_boundary = np.zeros(lo.shape, dtype=bool)
    if need.any():
        idx = np.nonzero(need)[0]
        q = _take(p, idx)
        top = np.minimum(hi[idx], np.where(lo[idx] > lower_bound, lo[idx], hi[idx]))
        found = np.zeros(idx.size, dtype=bool)
        newlo = lo[idx].copy()
        for k in range(1, 160):
            trial = lower_bound + (top - lower_bound) * 0.25 ** k
            ft = f(trial, q)
            hit = (~found) & (ft < 0)
            newlo = np.where(hit, trial, newlo)
            found |= hit
            if found.all() or not (trial > lower_bound).any():
                break
        lo[idx] = newlo
        at_boundary[idx] = ~found
    # Newton from the lower end (for the concave increasing residuals of saddle-point
    # equations it then approaches the root monotonically); a Newton step that leaves the
    # bracket or does not halve the previous step is replaced by an Illinois regula-falsi
    # step, taken in log(x) when the bracket spans decades.
    x = np.where(at_boundary, lower_bound, lo)
    flo, fhi = f(lo, p), f(hi, p)
    last = np.zeros(lo.shape, dtype=int)  # which end moved last: -1 lower, +1 upper
    dxold = hi - lo
    active = ~at_boundary
    for _ in range(maxiter):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        q = _take(p, idx)
        xi, li, hi_, fl, fh, lst = x[idx], lo[idx], hi[idx], flo[idx], fhi[idx], last[idx]
        fx = f(xi, q)
        its[idx] += 1
        below, above = fx < 0, fx > 0
        fh = np.where(below & (lst == -1), 0.5 * fh, fh)  # Illinois: the stale end loses weight
        fl = np.where(above & (lst == 1), 0.5 * fl, fl)
        li, fl = np.where(below, xi, li), np.where(below, fx, fl)
        hi_, fh = np.where(above, xi, hi_), np.where(above, fx, fh)
        lst = np.where(below, -1, np.where(above, 1, lst))
        xn = xi - fx / df(xi, q)
        newton_ok = np.isfinite(xn) & (xn > li) & (xn < hi_) & (np.abs(xn - xi) <= 0.5 * np.abs(dxold[idx]))
        geometric = (li > 0) & (hi_ > 4 * li)
        t = np.clip(fl / (fl - fh), 0.02, 0.98)
        t = np.where(np.isfinite(t), t, 0.5)
        # interpolate log(x) as a difference of logs: hi/lo overflows for subnormal lo
        log_lo = np.log(np.where(li > 0, li, 1.0))
        falsi = np.where(geometric, np.exp(log_lo + t * (np.log(np.where(hi_ > 0, hi_, 1.0)) - log_lo)),
                         li + t * (hi_ - li))
        xn = np.where(newton_ok, xn, falsi)
        done = (fx == 0) | (np.abs(xn - xi) <= tol * np.abs(xi)) | (hi_ - li <= tol * np.abs(hi_))
        xn = np.where(fx == 0, xi, xn)
        dxold[idx] = xn - xi
        x[idx], lo[idx], hi[idx], flo[idx], fhi[idx], last[idx] = xn, li, hi_, fl, fh, lst
        active[idx] = ~done
    return [x], its


def _in_domain(v, lower):
    """Every unknown at or above its domain's lower end (the physical branch lives there)."""
    ok = np.ones(np.shape(v[0]), dtype=bool)
    for vi, lo in zip(v, lower):
        ok &= vi >= lo
    return ok


def _newton_solve(fns, p, u0, tol, maxiter, lower, halvings=30):
    """Damped Newton on m unknowns with backtracking (at most ``halvings`` step halvings) that
    keeps the unknowns in their domain; returns (u, iterations)."""
    m = len(u0)
    u = [np.array(v, dtype=float) for v in u0]
    n_pts = u[0].shape[0]
    its = np.zeros(n_pts, dtype=int)
    active = np.ones(n_pts, dtype=bool)

    def resid(q, v):
        r = fns["residual"](*q, *v)
        return np.stack([np.asarray(ri, dtype=float) * np.ones(np.shape(v[0])) for ri in r], axis=-1)

    for _ in range(maxiter):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        q = _take(p, idx)
        v = [ui[idx] for ui in u]
        r = resid(q, v)
        jac = fns["jacobian"](*q, *v)
        J = np.empty((idx.size, m, m))
        for i in range(m):
            for j in range(m):
                J[:, i, j] = np.asarray(jac[i][j], dtype=float) * np.ones(idx.size)
        its[idx] += 1
        ok = np.isfinite(J).all(axis=(1, 2)) & np.isfinite(r).all(axis=1)
        J[~ok] = np.eye(m)
        try:
            step = np.linalg.solve(J, -r[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(Ji, -ri, rcond=None)[0] for Ji, ri in zip(J, r)])
        # a component within 1e-6 of its domain's lower end whose full step would cross it goes
        # 90% of the way there instead (the other components keep their Newton step): an order
        # parameter that is exponentially small at the root (an almost inactive constraint)
        # otherwise makes the common step length, and Newton, stall. Only there: changing the
        # step's direction elsewhere can walk to another fixed point (a metastable branch).
        for i in range(m):
            room = v[i] - lower[i]
            cross = (v[i] + step[:, i] < lower[i]) & (room > 0) & (room < 1e-6 * (1.0 + np.abs(v[i])))
            step[:, i] = np.where(cross, -0.9 * room, step[:, i])
        norm0 = np.linalg.norm(r, axis=1)
        t = np.ones(idx.size)
        # a full step already below tol is taken as it is: the residual is at rounding level
        # there and cannot decrease, and backtracking would cost 30 evaluations for nothing
        full = [vi + step[:, i] for i, vi in enumerate(v)]
        accepted = ok & _in_domain(full, lower) & (
            np.max(np.abs(step) / np.maximum(np.abs(np.stack(v, axis=1)), 1e-300), axis=1) <= tol)
        for i in range(m):
            v[i] = np.where(accepted, full[i], v[i])
        for _ls in range(halvings):
            if accepted.all():
                break
            # only the points still searching are evaluated
            sub = np.nonzero(~accepted)[0]
            vs = [vi[sub] for vi in v]
            trial = [vi + t[sub] * step[sub, i] for i, vi in enumerate(vs)]
            inside = _in_domain(trial, lower)
            # points outside the domain are never evaluated (kernels may reject them)
            rt = resid(_take(q, sub), [np.where(inside, ti, vi) for ti, vi in zip(trial, vs)])
            good = (inside & np.isfinite(rt).all(axis=1)
                    & (np.linalg.norm(rt, axis=1) <= (1 - 1e-4 * t[sub]) * norm0[sub]))
            for i in range(m):
                v[i][sub] = np.where(good, trial[i], vs[i])
            accepted[sub] = good
            t[sub] = np.where(good, t[sub], t[sub] * 0.5)
        small = np.max(np.abs(t[:, None] * step) / np.maximum(np.abs(np.stack(v, axis=1)), 1e-300), axis=1) <= tol
        done = (norm0 == 0) | (accepted & small) | ~ok | ~accepted
        for i in range(m):
            u[i][idx] = v[i]
        active[idx] = ~done
    return u, its


def _anderson_solve(fns, p, u0, tol, maxiter, lower, memory=5, damping=0.5):
    """Anderson-accelerated damped fixed-point iteration u <- G(u), an accelerated step that
    leaves the domain falling back to the plain damped step; returns (u, iterations)."""
    m = len(u0)
    u = np.stack([np.array(v, dtype=float) for v in u0], axis=-1)
    n_pts = u.shape[0]

    def G(v, idx):
        """G at the active points; converged points are fixed (G = identity there)."""
        out = v.copy()
        q = _take(p, idx)
        g = fns["fixed_point"](*q, *[v[idx, i] for i in range(m)])
        for i, gi in enumerate(g):
            out[idx, i] = np.asarray(gi, dtype=float) * np.ones(idx.size)
        return out

    hist_x, hist_f = [], []
    its = np.zeros(n_pts, dtype=int)
    active = np.ones(n_pts, dtype=bool)
    for _ in range(maxiter):
        g = G(u, np.nonzero(active)[0])
        f = g - u
        its += active
        hist_x.append(u.copy())
        hist_f.append(f.copy())
        hist_x, hist_f = hist_x[-(memory + 1):], hist_f[-(memory + 1):]
        new = u + damping * f
        if len(hist_f) > 1:
            dF = np.stack([hist_f[i + 1] - hist_f[i] for i in range(len(hist_f) - 1)], axis=-1)
            dX = np.stack([hist_x[i + 1] - hist_x[i] for i in range(len(hist_x) - 1)], axis=-1)
            A = np.einsum("nik,nil->nkl", dF, dF) + 1e-14 * np.eye(dF.shape[-1])
            b = np.einsum("nik,ni->nk", dF, f)
            try:
                with np.errstate(all="ignore"):
                    gamma = np.linalg.solve(A, b[..., None])[..., 0]
            except np.linalg.LinAlgError:  # a degenerate history: take the plain damped step
                gamma = np.zeros(b.shape)
            cand = new - np.einsum("nik,nk->ni", dX + damping * dF, gamma)
            usable = np.isfinite(cand).all(axis=1) & _in_domain([cand[:, i] for i in range(m)], lower)
            new = np.where(usable[:, None], cand, new)
        new = np.maximum(new, np.asarray(lower, dtype=float)[None, :])  # stay in the domain
        done = np.max(np.abs(new - u) / np.maximum(np.abs(u), 1e-300), axis=1) <= tol
        u = np.where(active[:, None], new, u)
        active &= ~done
        if not active.any():
            break
    return [u[:, i] for i in range(m)], its


def _continuation_solve(fns, p, index, start, tol, maxiter, lower, residual_tol, min_step=2.0 ** -12):
    """Natural-parameter continuation in parameter ``p[index]`` from ``start`` to each point's value.

    Newton from the initial guess at ``start``, then steps in s in [0, 1] along
    start * (target/start)**s (both positive; else start + s (target - start)), each step
    warm-started by a secant predictor (in log u for positive unknowns: the order parameters of
    zero-temperature limits scale as powers of the parameter), doubled after a success and
    halved after a failure, down to ``min_step``. Returns (u, converged, iterations).
    """
    n_pts = np.shape(p[0])[0]
    target = np.asarray(p[index], dtype=float)
    begin = np.full(n_pts, float(start))
    geometric = (target > 0) & (begin > 0)

    def at(s, idx):
        s = np.asarray(s, dtype=float)
        b, t = begin[idx], target[idx]
        with np.errstate(all="ignore"):
            path = np.where(geometric[idx], b * np.abs(t / b) ** s, b + s * (t - b))
        return np.where(s >= 1, t, path)

    def newton(idx, s, u0):
        q = _take(p, idx)
        q[index] = at(s, idx)
        # from a secant predictor a step that needs t < 2^-8 means the continuation step was
        # too long (or the branch ends): shrink that instead of searching further
        u, its = _newton_solve(fns, q, u0, tol, steps, lower, halvings=8)
        return u, _stated_residual(fns, q, u) <= residual_tol, its

    its = np.zeros(n_pts, dtype=int)
    idx = np.arange(n_pts)
    steps = maxiter
    q0 = list(p)
    q0[index] = begin
    init = fns["initial"](*q0)
    u0 = [np.asarray(v, dtype=float) * np.ones(n_pts) for v in init]
    u, ok, its0 = newton(idx, np.zeros(n_pts), u0)
    its += its0
    # from a predictor Newton converges in a few steps or not at all: a failing step is
    # cut short and retried closer
    steps = min(maxiter, 12)
    u = np.stack(u, axis=1)
    s, ds = np.zeros(n_pts), np.full(n_pts, 0.125)
    u_prev, s_prev = u.copy(), np.full(n_pts, np.nan)
    active = ok & (s < 1)
    while active.any():
        a = np.nonzero(active)[0]
        s_try = np.minimum(s[a] + ds[a], 1.0)
        # secant predictor from the last two accepted points (log scale where both are positive)
        frac = np.where(np.isfinite(s_prev[a]), (s_try - s[a]) / (s[a] - s_prev[a]), 0.0)[:, None]
        cur, old = u[a], u_prev[a]
        positive = (cur > 0) & (old > 0)
        with np.errstate(all="ignore"):
            logged = np.exp(np.log(np.where(positive, cur, 1.0)) * (1 + frac)
                            - np.log(np.where(positive, old, 1.0)) * frac)
        guess = np.where(positive, logged, cur + frac * (cur - old))
        guess = np.where(np.isfinite(guess) & (guess >= np.asarray(lower)[None, :]), guess, cur)
        ub, good, itb = newton(a, s_try, [guess[:, i] for i in range(u.shape[1])])
        its[a] += itb
        ub = np.stack(ub, axis=1)
        acc = a[good]
        u_prev[acc], s_prev[acc] = u[acc], s[acc]
        u[acc], s[acc] = ub[good], s_try[good]
        ds[acc] = np.minimum(2 * ds[acc], 0.5)
        ds[a[~good]] *= 0.5
        active = ok & (s < 1) & (ds >= min_step)
    return [u[:, i] for i in range(u.shape[1])], ok & (s >= 1), its


def _verify_quadrature(fns, p, u, conv, res, its, tol, maxiter, lower, residual_tol, max_level=3):
    """A posteriori check of converged points whose equations contain Gaussian averages.

    ``fns["quadrature_level"]`` (a one-element list read by the quadrature) set to L splits
    every panel into 2^L: an independent, finer rule for the same integrals. A point solved at
    level L whose stated residual at level L + 1 exceeds the one it reached (times 100, at
    least 1e-12; at most ``residual_tol``) was solved on an under-resolved integrand: it is re-solved at L + 1 (Newton from where it is) and checked at
    L + 2, up to ``max_level``; a point that still fails is marked not converged (residual:
    its check residual). Returns ``(u, conv, res, its, level)``, ``level`` the finest level at
    which some point was solved (the observables are evaluated there).
    """
    box = fns.get("quadrature_level")
    idx = np.nonzero(conv)[0]
    if box is None or idx.size == 0:
        return u, conv, res, its, 0
    solved_at = 0
    try:
        for level in range(1, max_level + 1):
            box[0] = level
            checked = _stated_residual(fns, _take(p, idx), [ui[idx] for ui in u])
            # the finer rule must reproduce the residual reached, not merely the tolerance: an
            # observable such as rho - q cancels most of q's digits (to 1e-4 relative at 1e-10)
            bad = ~(checked <= np.minimum(residual_tol, np.maximum(1e-12, 100.0 * res[idx])))
            if not bad.any():
                return u, conv, res, its, solved_at
            sub = idx[bad]
            if level == max_level:
                conv[sub], res[sub] = False, checked[bad]
                return u, conv, res, its, solved_at
            ub, itb = _newton_solve(fns, _take(p, sub), [ui[sub] for ui in u], tol, maxiter, lower)
            rb = _stated_residual(fns, _take(p, sub), ub)
            ok = rb <= residual_tol
            for i in range(len(u)):
                u[i][sub] = np.where(ok, ub[i], u[i][sub])
            its[sub] += itb
            conv[sub] = ok
            res[sub] = np.where(ok, rb, checked[bad])
            idx, solved_at = sub[ok], level
            if idx.size == 0:
                return u, conv, res, its, solved_at
    finally:
        box[0] = 0
    return u, conv, res, its, solved_at


def _observables_at(fns, p, u, level=0):
    """The observables at ``u``, with the Gaussian averages at the quadrature ``level`` the
    points were solved at (see :func:`_verify_quadrature`); arrays of the grid's length."""
    box = fns.get("quadrature_level")
    n_pts = np.shape(p[0])[0] if p else 1
    try:
        if box is not None:
            box[0] = level
        with np.errstate(all="ignore"):
            return [np.asarray(o, dtype=float) * np.ones(n_pts) for o in fns["observables"](*p, *u)]
    finally:
        if box is not None:
            box[0] = 0


def solve_grid(fns, p, method, tol, maxiter, lower_bounds, residual_tol, continuation=None):
    """Solve the equations at every point of a flattened grid.

    ``fns``: compiled functions ``residual``, ``jacobian``, ``stated`` (and where available
    ``bracket_lo``/``bracket_hi``, ``initial``, ``fixed_point``); ``p``: list of 1-D parameter
    arrays; ``lower_bounds``: the lower end of each unknown's domain; ``continuation``: None
    or ``(index, start)``, a parameter and a value of it where the initial guess is good, from
    which points that still fail are continued (:func:`_continuation_solve`).
    Returns ``(u, converged, residual, iterations)``.
    """
    n_pts = np.shape(p[0])[0]
    with np.errstate(all="ignore"):
        if method in ("auto", "bracket") and "bracket_lo" in fns:
            u, its = _bracket_solve(fns, p, tol, maxiter, lower_bounds[0])
        elif method == "bracket":
            raise ValueError("method='bracket' needs one unknown and a bracket")
        else:
            init = fns["initial"](*p)
            u0 = [np.asarray(v, dtype=float) * np.ones(n_pts) for v in init]
            # with a continuation to fall back on, a cold start that stalls is cut short
            cold = maxiter if continuation is None else min(maxiter, 30)
            if method == "anderson":
                u, its = _anderson_solve(fns, p, u0, tol, cold, lower_bounds)
            else:
                u, its = _newton_solve(fns, p, u0, tol, cold, lower_bounds)
        res = _stated_residual(fns, p, u)
        conv = res <= residual_tol
        if method == "auto" and not conv.all() and conv.any():
            # continuation: restart failed points from the nearest converged grid point
            bad = np.nonzero(~conv)[0]
            good = np.nonzero(conv)[0]
            pos = np.clip(np.searchsorted(good, bad), 1, good.size) - 1
            left, right = good[pos], good[np.minimum(pos + 1, good.size - 1)]
            near = np.where(np.abs(right - bad) < np.abs(left - bad), right, left)
            q = _take(p, bad)
            u0 = [ui[near] for ui in u]
            for solver in (_newton_solve, _anderson_solve):
                if "fixed_point" not in fns and solver is _anderson_solve:
                    continue
                ub, itb = solver(fns, q, u0, tol, maxiter, lower_bounds)
                rb = _stated_residual(fns, q, ub)
                fixed = rb <= residual_tol
                for i in range(len(u)):
                    u[i][bad] = np.where(fixed, ub[i], u[i][bad])
                res[bad] = np.where(fixed, rb, res[bad])
                its[bad] += itb
                conv = res <= residual_tol
                bad_left = ~fixed
                if not bad_left.any():
                    break
        if continuation is not None and method != "bracket" and not conv.all():
            bad = np.nonzero(~conv)[0]
            ub, fixed, itb = _continuation_solve(fns, _take(p, bad), continuation[0], continuation[1],
                                                 tol, maxiter, lower_bounds, residual_tol)
            rb = _stated_residual(fns, _take(p, bad), ub)
            fixed &= rb <= residual_tol
            for i in range(len(u)):
                u[i][bad] = np.where(fixed, ub[i], u[i][bad])
            res[bad] = np.where(fixed, rb, res[bad])
            its[bad] += itb
            conv = res <= residual_tol
    return u, conv, res, its
