"""Several stationary points: solve from each branch's start and keep the equilibrium.

A replica free entropy can have several stationary points at the same parameters (a
first-order transition: the Bayes-optimal binary perceptron's uninformed and exact-recovery
states, Györgyi 1990, Barbier et al. 2019). The physical one is chosen deliberately, not
left to wherever Newton happens to land: a derivation names its branches by their starting
points (``hints["branches"] = {name: {unknown: start expression}}``) and its boundary states
that are not finite fixed points (``hints["states"] = {name: ({unknown: value}, free
entropy)}``); the solver solves from every start and, at each point, keeps the converged
candidate of largest free entropy. Ties (two starts reaching the same fixed point) go to the
earlier branch, then to interior fixed points before boundary states. A start may land on a
stationary point that is no maximum at all (the binary perceptron's informed start finds the
barrier between its two states, q close to 1 at finite q_hat): it is a candidate like any
other and loses on free entropy.

``expressions`` adds the compiled starts and states to a solver's expressions;
``solve_branches`` is pure numpy (it is copied into generated modules).
"""

import sympy

from .roots import _observables_at

__all__ = ["expressions", "solve_branches"]


def expressions(derivation, observable_names, branches, states):
    """``initial_<branch>`` (parameters -> start of each unknown) and ``state_<state>``
    (parameters -> the state's unknowns, then its observables, the free entropy replaced by
    the state's own) for :func:`~saddlepoint.solvers.compile.compile_function`."""
    P, U = list(derivation.parameters), list(derivation.unknowns)
    hints = derivation.hints
    out = {}
    for name in branches:
        start = hints["branches"][name]
        out[f"initial_{name}"] = (P, [start[u] for u in U])
    for name in states:
        values, phi = hints["states"][name]
        observed = []
        for key in observable_names:
            if key == "free_entropy":
                observed.append(phi)
                continue
            expr = derivation.numeric_observables[key].subs(values)
            observed.append(sympy.nan if expr.has(sympy.zoo) else expr)
        out[f"state_{name}"] = (P, [values[u] for u in U] + observed)
    return out


def solve_branches(fns, p, branches, states, phi_index, solve):
    """Solve from each branch's start with ``solve(fns, branch name) -> (u, converged,
    residual, iterations, quadrature level)`` and keep, point by point, the candidate of largest free entropy
    (observable number ``phi_index``). Returns ``(u, converged, residual, iterations,
    observables, label)``; ``label`` indexes ``branches + states`` (-1: nothing converged,
    the first branch's unconverged values are returned)."""
    import numpy
    n_pts = numpy.shape(p[0])[0]
    best = numpy.full(n_pts, -numpy.inf)
    label = numpy.full(n_pts, -1)
    chosen = None
    total_its = numpy.zeros(n_pts, dtype=int)

    def better(phi, ok):
        # strictly larger free entropy (beyond rounding): the earlier candidate wins a tie
        margin = numpy.where(numpy.isfinite(best), 1e-12 * (1.0 + numpy.abs(best)), 0.0)
        return ok & numpy.isfinite(phi) & ((phi > best + margin) | ~numpy.isfinite(best))

    def keep(k, take, u, conv, res, obs, phi):
        for i in range(len(u)):
            chosen[0][i][take] = u[i][take]
        for i in range(len(obs)):
            chosen[3][i][take] = obs[i][take]
        chosen[1][take], chosen[2][take] = conv[take], res[take]
        best[take], label[take] = phi[take], k

    for k, name in enumerate(branches):
        f = dict(fns)
        f["initial"] = fns[f"initial_{name}"]
        u, conv, res, its, level = solve(f, name)
        total_its += its
        obs = _observables_at(fns, p, u, level)
        if chosen is None:
            chosen = ([numpy.array(x, dtype=float) for x in u], numpy.array(conv), numpy.array(res),
                      [numpy.array(o) for o in obs])
        phi = obs[phi_index]
        keep(k, better(phi, conv), u, conv, res, obs, phi)
    m = len(chosen[0])
    for j, name in enumerate(states):
        with numpy.errstate(all="ignore"):
            vals = [numpy.asarray(v, dtype=float) * numpy.ones(n_pts) for v in fns[f"state_{name}"](*p)]
        phi = vals[m + phi_index]
        ok = numpy.ones(n_pts, dtype=bool)
        keep(len(branches) + j, better(phi, ok), vals[:m], ok, numpy.zeros(n_pts), vals[m:], phi)
    return chosen[0], chosen[1], chosen[2], total_its, chosen[3], label
