"""Several stationary points: the Bayes-optimal perceptron with binary weights.

Theory: teacher and student weights in {+-1}^N, sign channel (Gardner & Derrida 1989; Györgyi
1990, Phys. Rev. A 41, 7097; Barbier, Krzakala, Macris, Miolane & Zdeborová 2019, PNAS 116,
5451). The RS free entropy has an uninformed stationary point (q < 1) and the exact-recovery
state q = 1, free entropy -ln 2 (the evidence of the teacher alone, 2^-N); the equilibrium
jumps to recovery at the first-order transition alpha_IT (Györgyi: 1.245) and the uninformed
branch ends at its spinodal alpha_alg (Barbier et al.: 1.493, where approximate message passing
stops). The finite-size check by exact enumeration is tests/test_replica_binary_teacher.py.
"""

import math
import types

import mpmath
import numpy as np
import pytest
import sympy

import saddlepoint as spt
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.replica import GaussianAverage, channels, glm, priors
from saddlepoint.errors import ParameterError

LN2 = math.log(2)


@pytest.fixture(scope="module")
def binary():
    return glm(priors.Ising(), channels.Sign(), "bayes")


def _mp_avg(f):
    return mpmath.quad(lambda z: f(z) * mpmath.npdf(z), [-mpmath.inf, -5, 0, 5, mpmath.inf])


def test_recovery_state_free_entropy_is_minus_the_prior_entropy(binary):
    values, phi = binary.hints["states"]["recovery"]
    assert values[S.q] == 1 and values[S.q_hat] == sympy.oo
    assert sympy.simplify(phi + sympy.log(2)) == 0       # -H(prior) + alpha * 0, exactly
    # independently: the free entropy's prior term at q = 1 tends to -ln 2 as q_hat -> oo
    # (-q_hat + E ln cosh(sqrt(q_hat) z + q_hat); the gap falls like e^{-q_hat/2}), and the
    # channel term 2 E[H ln H](-sqrt(q/(1-q)) t) tends to 0 as q -> 1
    with mpmath.workdps(30):
        prior_term = lambda qh: -qh + _mp_avg(lambda z: mpmath.log(mpmath.cosh(mpmath.sqrt(qh) * z + qh)))
        gaps = [prior_term(mpmath.mpf(qh)) + mpmath.log(2) for qh in (5, 10, 20)]
        assert all(g > 0 for g in gaps) and gaps[2] < 1e-3 and gaps[1] < gaps[0] / 4
        H = lambda x: mpmath.erfc(x / mpmath.sqrt(2)) / 2
        channel = lambda q: 2 * _mp_avg(lambda t: H(-mpmath.sqrt(q / (1 - q)) * t)
                                        * mpmath.log(H(-mpmath.sqrt(q / (1 - q)) * t)))
        assert channel(mpmath.mpf("0.5")) < -0.1 and abs(channel(1 - mpmath.mpf(10) ** -8)) < 1e-3


def test_gaussian_priors_have_one_stationary_point():
    de = glm(priors.Spherical(), channels.Sign(), "bayes")
    assert "branches" not in de.hints
    sol = de.solver()(alpha=1.0)
    assert sol.branch is None
    with pytest.raises(ParameterError, match="branch"):
        de.solver(branch="equilibrium")


def test_transition_and_spinodal(binary):
    """alpha_IT: the uninformed branch's free entropy reaches -ln 2; alpha_alg: its fold."""
    uninformed = binary.solver(branch="uninformed")
    it = uninformed.solve_for("alpha", free_entropy=-LN2, bracket=(1.0, 1.45))
    spinodal = uninformed.critical("alpha", start=1.0)
    assert abs(it.value - 1.245) < 1e-3, it            # Györgyi (1990): 1.245
    assert abs(spinodal.value - 1.493) < 1e-3, spinodal  # Barbier et al. (2019): 1.493
    # the transition point checked with mpmath: both RS equations and the free entropy
    # (Barbier et al. eq. (5)-(7) with the Ising prior), from the formulas, not the solver
    with mpmath.workdps(25):
        a, q, qh = (mpmath.mpf(float(x)) for x in (it.value, it.q, it.q_hat))
        H = lambda x: mpmath.erfc(x / mpmath.sqrt(2)) / 2
        w = lambda t: -mpmath.sqrt(q / (1 - q)) * t
        psi_out = 2 * _mp_avg(lambda t: H(w(t)) * mpmath.log(H(w(t))))
        phi = -q * qh / 2 - qh / 2 + _mp_avg(lambda z: mpmath.log(mpmath.cosh(mpmath.sqrt(qh) * z + qh))) + a * psi_out
        q_eq = _mp_avg(lambda z: mpmath.tanh(mpmath.sqrt(qh) * z + qh)) - q
        # dPhi/dq = 0: q_hat = 2 alpha dPsi_out/dq, by a central difference at 25 digits
        eps = mpmath.mpf(10) ** -8
        out = lambda x: 2 * _mp_avg(lambda t: H(-mpmath.sqrt(x / (1 - x)) * t) * mpmath.log(H(-mpmath.sqrt(x / (1 - x)) * t)))
        qh_eq = 2 * a * (out(q + eps) - out(q - eps)) / (2 * eps) - qh
    assert abs(phi + mpmath.log(2)) < 1e-9 and abs(q_eq) < 1e-9 and abs(qh_eq) < 1e-6, (phi, q_eq, qh_eq)


def test_equilibrium_jumps_once_at_the_transition(binary):
    alphas = np.array([0.3, 0.7, 1.0, 1.2, 1.3, 1.4, 1.45, 1.6, 2.0, 2.5])
    eq = binary.solver()(alpha=alphas)
    unin = binary.solver(branch="uninformed")(alpha=alphas, on_failure="mark")
    jump = np.nonzero(eq.branch == "recovery")[0]
    assert jump.size and np.all(np.diff(jump) == 1) and jump[-1] == alphas.size - 1
    a_jump = alphas[jump[0]]
    assert alphas[jump[0] - 1] < 1.2447 < a_jump                 # between the grid points around alpha_IT
    below = eq.branch == "uninformed"
    assert set(eq.branch) == {"uninformed", "recovery"}
    np.testing.assert_array_equal(eq.q[below], unin.q[below])   # the same fixed point, same numbers
    assert np.all(eq.generalization_error[~below] == 0) and np.all(eq.q[~below] == 1)
    assert np.all(eq.generalization_error[below] > 0.18)        # a first-order jump, not a crossover
    # coexistence: the uninformed branch still converges above alpha_IT (metastable) with
    # a lower free entropy, and stops at the spinodal
    metastable = (alphas > 1.25) & (alphas < 1.49)
    assert np.all(unin.converged[metastable]) and np.all(unin.free_entropy[metastable] < -LN2)
    assert not np.any(unin.converged[alphas > 1.5])
    # the equilibrium free entropy is the larger of the two, continuous at the jump
    best = np.maximum(np.where(unin.converged, unin.free_entropy, -np.inf), -LN2)
    np.testing.assert_allclose(eq.free_entropy, best, rtol=0, atol=1e-15)


def test_generated_module_and_mpmath_take_the_same_branches(binary):
    solve = binary.solver()
    alphas = np.array([0.7, 1.2, 1.3, 2.0])
    sol = solve(alpha=alphas)
    module = types.ModuleType("generated")
    exec(compile(solve.to_source(), "generated", "exec"), module.__dict__)
    out = module.solve(alpha=alphas)
    assert list(out["branch"]) == list(sol.branch) == ["uninformed", "uninformed", "recovery", "recovery"]
    for key in ("q", "q_hat", "free_entropy", "generalization_error"):
        np.testing.assert_array_equal(out[key], sol[key])
    # (the mpmath refinement of interior points is the unchanged single-branch path; here the
    # boundary state, which mpmath takes from its closed form)
    mp = binary.solver(backend="mpmath", dps=20)(alpha=[2.0])
    assert list(mp.branch) == ["recovery"]
    with mpmath.workdps(30):
        assert abs(mp.free_entropy[0] + mpmath.log(2)) < mpmath.mpf(10) ** -19 and mp.q[0] == 1


def test_branch_argument_is_checked(binary):
    with pytest.raises(ParameterError, match="branch"):
        binary.solver(branch="recovered")
    with pytest.raises(ParameterError, match="branch"):
        spt.ridge(spt.Isotropic(signal=1)).solver(branch="equilibrium")


z = sympy.Symbol("z", real=True)


class SparseBinary(priors.Prior):
    """w = +-1 with probability density/2 each, 0 otherwise (docs/adding-a-replica-ingredient.md);
    no ``entropy`` declared, so no recovery state: only interior fixed points compete."""
    name = "sparse-binary"

    def __init__(self, density):
        self.rho = sympy.nsimplify(density)

    def bayes(self, q, q_hat):
        rho = self.rho
        Z = lambda B: 1 - rho + rho * sympy.exp(-q_hat / 2) * sympy.cosh(B)
        psi = ((1 - rho) * GaussianAverage(sympy.log(Z(sympy.sqrt(q_hat) * z)), z)
               + rho * GaussianAverage(sympy.log(Z(sympy.sqrt(q_hat) * z + q_hat)), z))
        return -q * q_hat / 2 + psi, (q_hat,)


def test_two_interior_fixed_points_the_larger_free_entropy_wins():
    """At density 1/2, alpha = 2 the informed start finds a second fixed point (q = 0.4934,
    free entropy -1.0985) below the equilibrium one (q = 0.3869, -1.0154); a general Newton
    damping once walked the default start onto the wrong one."""
    de = glm(SparseBinary(0.5), channels.Sign(), "bayes")
    assert "states" not in de.hints
    eq = de.solver()(alpha=2.0)
    informed = de.solver(branch="informed")(alpha=2.0)
    assert abs(float(eq.q) - 0.3869) < 1e-4 and eq.branch == "uninformed"
    assert abs(float(informed.q) - 0.4934) < 1e-4
    assert float(informed.free_entropy) < float(eq.free_entropy) - 0.05


def test_binary_informed_start_finds_the_unstable_intermediate_point(binary):
    """Below the spinodal the binary model has a third stationary point between the two
    (q close to 1, finite q_hat): the barrier, a minimum of the free entropy along the path,
    below both the uninformed state and recovery; it is never the equilibrium."""
    alphas = np.array([0.5, 1.0])
    mid = binary.solver(branch="informed")(alpha=alphas)
    eq = binary.solver()(alpha=alphas)
    assert np.all(mid.q > 0.99) and np.all(np.isfinite(mid.q_hat))
    assert np.all(mid.free_entropy < -LN2) and np.all(mid.free_entropy < eq.free_entropy)
    assert list(eq.branch) == ["uninformed", "uninformed"]


def test_noisy_labels_approach_recovery_from_inside():
    """Probit labels (noise sigma = 0.1): the recovery state exists as a candidate, free entropy
    -ln 2 + alpha Psi_out(1) with the channel's term evaluated at q = 1, but with noise the
    posterior never collapses at finite alpha; the interior fixed point (q just below 1) has
    the larger free entropy, approaching the recovery value from above."""
    de = glm(priors.Ising(), channels.Probit(0.1), "bayes")
    _, phi = de.hints["states"]["recovery"]
    sol = de.solver()(alpha=[2.0, 3.0])
    recovery = np.array([float(phi.subs(S.alpha, a).evalf()) for a in (2.0, 3.0)])
    assert "recovery" not in list(sol.branch) and np.all(sol.q < 1) and sol.q[1] > 0.99999
    gaps = sol.free_entropy - recovery
    assert np.all(gaps > 0) and gaps[1] < gaps[0] and gaps[1] < 1e-4, gaps
