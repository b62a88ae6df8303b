r"""Finite-size simulation of retrieval in the Hopfield model (the ground truth).

Written from the model's definition only; nothing here imports ``saddlepoint.derivations`` or
``saddlepoint.solvers``. References: Hopfield (1982), PNAS 79, 2554; Amit, Gutfreund &
Sompolinsky (1985), *Storing infinite numbers of patterns in a spin-glass model of neural
networks*, Phys. Rev. Lett. 55, 1530, and (1987), *Statistical mechanics of neural networks near
saturation*, Ann. Phys. 173, 30 (the replica theory this simulation is held against: retrieval
up to ``alpha_c ~ 0.138`` at ``T = 0``); Glauber (1963), J. Math. Phys. 4, 294 (the dynamics).

Model
-----
* ``P = round(alpha N)`` patterns ``xi^mu in {-1, +1}^N`` with i.i.d. fair entries.
* Hebbian couplings ``J_ij = (1/N) sum_mu xi_i^mu xi_j^mu`` for ``i != j`` and ``J_ii = 0``;
  energy ``E(s) = -(1/2) sum_{i != j} J_ij s_i s_j``; local field ``h_i = sum_j J_ij s_j``.
* Start: the first pattern ``xi^1`` with exactly ``round(N (1 - initial_overlap)/2)`` spins,
  chosen at random, flipped (so the initial overlap is ``initial_overlap`` up to rounding).
* Dynamics, random sequential (asynchronous): every sweep visits the ``N`` spins once in a fresh
  random order. At ``temperature = 0``: ``s_i <- sign(h_i)``, keeping ``s_i`` when ``h_i = 0``;
  every flip lowers ``E`` (symmetric ``J``, zero diagonal), so the run stops at a fixed point
  (the first sweep without a flip). At ``temperature = T > 0``: Glauber (heat-bath) updates
  ``s_i <- +1`` with probability ``(1 + tanh(h_i / T))/2`` (Boltzmann weight ``exp(-E/T)``,
  ``beta = 1/T`` as in Amit et al.) for ``sweeps`` sweeps.

Computation
-----------
The couplings are never formed: the simulation keeps the pattern overlaps
``M^mu = sum_j xi_j^mu s_j`` and uses ``N h_i = sum_mu xi_i^mu M^mu - P s_i`` (the ``-P s_i`` removes
the diagonal), an integer computed exactly in float64; a flip of ``s_i`` changes ``M`` by
``2 s_i xi_i``. One update costs ``O(P)`` per seed and is vectorised over seeds; a sweep is a Python
loop over the ``N`` sites. Memory ``seeds * N * P`` bytes (patterns stored as int8).

Random numbers
--------------
``seed`` seeds ``numpy.random.SeedSequence(seed)``, spawned into one child per seed index; child
``k`` is split into streams for the patterns, the initial flips and the dynamics (site orders and
Glauber uniforms), so ``seeds=4`` reproduces the first 4 draws of ``seeds=8``.
"""

from __future__ import annotations

import math

import numpy as np

from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.simulate._checks import as_int as _as_int, as_real
from saddlepoint.simulate._stats import SimulationResult

__all__ = ["hopfield", "MAX_STORED"]

MAX_STORED = 200_000_000   # seeds * N * P int8 pattern entries




def hopfield(alpha, N, temperature=0.0, initial_overlap=1.0, sweeps=None, seeds=16, seed=0):
    r"""Retrieval of a stored pattern by the Hopfield network (see the module docstring).

    Parameters
    ----------
    alpha
        load ``P/N >= 0`` (``P = round(alpha N)``, at least 1 pattern).
    N
        number of neurons (integer ``>= 2``).
    temperature
        ``T >= 0``; ``0`` runs the deterministic zero-temperature dynamics to a fixed point.
    initial_overlap
        overlap of the initial state with ``xi^1``, in ``[0, 1]``.
    sweeps
        at ``T = 0`` the largest number of sweeps allowed to reach a fixed point (default 200);
        at ``T > 0`` the number of Glauber sweeps (default 50).
    seeds, seed
        number of independent networks and the root seed.

    Returns
    -------
    SimulationResult
        per-seed observables (mean and standard error over seeds):

        ``m``
            retrieval overlap ``(1/N) sum_i xi_i^1 s_i`` at the end of the run (the fixed point at
            ``T = 0``);
        ``energy``
            ``E(s)/N`` at the end of the run;
        ``sweeps``
            ``T = 0``: the number of sweeps that flipped at least one spin;
        ``m_average``
            ``T > 0``: the overlap averaged over the states after each of the last
            ``ceil(sweeps/2)`` sweeps.

        ``parameters`` holds ``alpha, P, N, temperature, initial_overlap, sweeps, seeds, seed``.

    Raises
    ------
    ParameterError
        naming ``alpha``, ``N``, ``temperature``, ``initial_overlap``, ``sweeps``, ``seeds`` or
        ``seed`` (also ``seeds`` when ``seeds * N * P`` exceeds 2e8 stored pattern entries).
    ConvergenceError
        at ``T = 0`` if some network has not reached a fixed point within ``sweeps`` sweeps.

    Examples
    --------
    >>> res = hopfield(alpha=0.02, N=200, seeds=4)
    >>> bool(res.m.mean > 0.95)
    True
    """
    alpha = as_real("alpha", alpha, 0.0)
    N = _as_int("N", N, 2)
    temperature = as_real("temperature", temperature, 0.0)
    initial_overlap = as_real("initial_overlap", initial_overlap, 0.0, 1.0)
    zero_t = temperature == 0.0
    sweeps = (200 if zero_t else 50) if sweeps is None else _as_int("sweeps", sweeps, 1)
    seeds = _as_int("seeds", seeds, 1)
    seed = _as_int("seed", seed, 0)
    P = max(1, int(round(alpha * N)))
    if seeds * N * P > MAX_STORED:
        raise ParameterError("seeds", f"times N times P = {seeds * N * P} exceeds {MAX_STORED:g} "
                             f"stored pattern entries (N={N}, P={P}, seeds={seeds})")

    S = seeds
    xiT = np.empty((S, N, P), dtype=np.int8)       # xiT[s, i, mu] = xi_i^mu of network s
    state = np.empty((S, N))
    dyn = []
    n_flip = int(round(N * (1.0 - initial_overlap) / 2.0))
    for k, child in enumerate(np.random.SeedSequence(seed).spawn(seeds)):
        pat_ss, init_ss, dyn_ss = child.spawn(3)
        bits = np.random.default_rng(pat_ss).integers(0, 2, size=(P, N), dtype=np.int8)
        xiT[k] = (1 - 2 * bits).T
        state[k] = xiT[k, :, 0]
        flip = np.random.default_rng(init_ss).permutation(N)[:n_flip]
        state[k, flip] *= -1.0
        dyn.append(np.random.default_rng(dyn_ss))
    # pattern overlaps M[s, mu] = sum_j xi_j^mu s_j (exact integers in float64)
    M = np.stack([state[k] @ xiT[k].astype(np.float64) for k in range(S)])
    rows = np.arange(S)
    beta2 = 0.0 if zero_t else 2.0 / temperature

    flipped_sweeps = np.zeros(S)
    active = np.ones(S, dtype=bool)
    m_trace = []
    n_sweeps = sweeps if not zero_t else sweeps + 1   # T = 0: one more sweep to certify the fixed point
    for sweep in range(n_sweeps):
        order = np.stack([r.permutation(N) for r in dyn])                      # (S, N)
        uniforms = None if zero_t else np.stack([r.random(N) for r in dyn])   # (S, N)
        flips = np.zeros(S, dtype=bool)
        for t in range(N):
            site = order[:, t]
            xi_site = xiT[rows, site].astype(np.float64)                      # (S, P)
            s_old = state[rows, site]
            field = np.einsum("sp,sp->s", xi_site, M) - P * s_old           # N h_i, an integer
            if zero_t:
                s_new = np.where(field * s_old < 0, -s_old, s_old)
            else:
                # P(s = +1) = 1/(1 + exp(-2 beta h)); the logistic is evaluated stably
                p_up = 0.5 * (1.0 + np.tanh(0.5 * beta2 * field / N))
                s_new = np.where(uniforms[:, t] < p_up, 1.0, -1.0)
            change = s_new != s_old
            if change.any():
                flips |= change
                state[rows, site] = s_new
                M += (change * s_new * 2.0)[:, None] * xi_site
        if zero_t:
            flipped_sweeps += flips & active
            active &= flips
            if not active.any():
                break
        elif sweep >= sweeps - math.ceil(sweeps / 2):
            m_trace.append(M[:, 0] / N)
    if zero_t and active.any():
        k = int(np.argmax(active))
        raise ConvergenceError("zero-temperature dynamics did not reach a fixed point",
                               point={"alpha": alpha, "N": N, "seed_index": k}, iterations=sweeps)

    # E/N = -(1/2N) sum_{i != j} J_ij s_i s_j = -(|M|^2/N - P)/(2N)
    energy = -(np.einsum("sp,sp->s", M, M) / N - P) / (2.0 * N)
    samples = {"m": M[:, 0] / N, "energy": energy}
    if zero_t:
        samples["sweeps"] = flipped_sweeps
    else:
        samples["m_average"] = np.mean(m_trace, axis=0)
    parameters = {"alpha": alpha, "P": P, "N": N, "temperature": temperature,
                  "initial_overlap": initial_overlap, "sweeps": sweeps, "seeds": seeds, "seed": seed}
    return SimulationResult(samples, parameters, model="hopfield")
