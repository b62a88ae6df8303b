"""ERM on the replica engine: losses, the Gaussian covariate model, the max-margin perceptron.

Checked three ways: symbolically (envelope identities, implicit-function derivatives), numerically
(square loss against the independent deterministic equivalent ``spt.ridge``; max margin against
an mpmath solution of the textbook maximal-stability equations; the logistic prox against scipy;
numpy against mpmath backends) and against the independent simulations of
``saddlepoint.simulate`` (z-scores printed with ``pytest -s``).
"""

import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import saddlepoint as spt
from saddlepoint import replica
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.replica import erm, losses
from saddlepoint.errors import ParameterError
from saddlepoint.simulate import gaussian_covariate_erm, teacher_student_perceptron
from saddlepoint.solvers import proximal

Z_BOUND = 4.0


def _z(theory, estimate):
    return (estimate.mean - theory) / estimate.stderr


@pytest.fixture(scope="module")
def square():
    return replica.gaussian_covariate("square", noise=S.noise).solver()


@pytest.fixture(scope="module")
def ridge():
    return spt.ridge(spt.Isotropic(signal=1)).solver()


@pytest.fixture(scope="module")
def hinge():
    return replica.gaussian_covariate("hinge", noise=S.noise)


@pytest.fixture(scope="module")
def logistic():
    return replica.gaussian_covariate("logistic", noise=S.noise)


@pytest.fixture(scope="module")
def max_margin():
    return replica.max_margin_perceptron().solver()


# --- symbolic ------------------------------------------------------------------------------

def test_hinge_envelope_pieces_are_the_minimum_and_join_continuously():
    u = sympy.Symbol("u", real=True)
    V = sympy.Symbol("V", positive=True)
    hinge_loss = losses.Hinge()
    (low, _, _), (mid, _, _), (top, _, _) = hinge_loss.pieces(u, V)
    # on each piece: envelope = loss(prox) + (prox - u)^2/(2V) with prox = u + V, 1, u
    assert sympy.simplify(low - ((1 - (u + V)) + V ** 2 / (2 * V))) == 0
    assert sympy.simplify(mid - (0 + (1 - u) ** 2 / (2 * V))) == 0
    assert top == 0
    # the envelope is C^1: values and slopes agree at u = 1 - V and u = 1
    for left, right, at in ((low, mid, 1 - V), (mid, top, 1)):
        assert sympy.simplify((left - right).subs(u, at)) == 0
        assert sympy.simplify(sympy.diff(left - right, u).subs(u, at)) == 0


def test_logistic_prox_derivatives_follow_from_its_defining_equation():
    u = sympy.Symbol("u", real=True)
    V = sympy.Symbol("V", positive=True)
    p = losses.LogisticProx(u, V)
    defining = p - u - V / (1 + sympy.exp(p))          # = 0 identically in (u, V)
    for s in (u, V):
        assert sympy.simplify(sympy.diff(defining, s)) == 0
    # the envelope theorem matches differentiating the explicit envelope (using the root at 30 digits)
    envelope = losses.LogisticMoreau(u, V)
    explicit = envelope.rewrite(losses.LogisticProx)
    point = {u: sympy.Rational(-3, 7), V: sympy.Rational(5, 4)}
    for s in (u, V):
        a = sympy.diff(envelope, s).subs(point).evalf(30)
        b = sympy.diff(explicit, s).subs(point).evalf(30)
        assert abs(a - b) < 1e-25


def test_free_entropy_equations_are_displayed_in_fixed_point_form():
    de = replica.gaussian_covariate("square", lam=S.lam, noise=S.noise)
    m, q, V = S.m, S.q, erm.V
    eq_m, eq_q, eq_V = de.equations
    # square loss: m = alpha rho V/(1+V), 1/V = lam + alpha/(1+V), q = m^2 + alpha V^2 mse/(1+V)^2
    assert sympy.simplify(eq_m.rhs - S.alpha * V / (1 + V)) == 0
    assert sympy.simplify(eq_q.rhs - (S.lam + S.alpha / (1 + V))) == 0
    mse = 1 - 2 * m + q + S.noise
    assert sympy.simplify(eq_V.rhs - (m ** 2 + S.alpha * V ** 2 * mse / (1 + V) ** 2)) == 0


# --- square loss = ridge ---------------------------------------------------------------------

def _ridge_point(ridge, alpha, lam, noise, d=100):
    # ERM: sum_mu (y - w.x/sqrt d)^2/2 + (lam/2)|w|^2 ; ridge: (1/n)|y - X u|^2 + lam_r |u|^2
    # with w = sqrt(d) u: multiply the ridge objective by n/2, so lam_r = lam d/n = lam/alpha
    return ridge(lam=lam / alpha, n=alpha * d, d=d, sigma2=noise)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_square_loss_equals_ridge_on_a_grid(square, ridge, noise):
    alphas = np.array([0.3, 0.8, 1.5, 3.0, 8.0])[:, None]
    lams = np.array([1e-3, 0.05, 0.4, 2.0])[None, :]
    erm = square(alpha=alphas, lam=lams, noise=noise)
    ref = _ridge_point(ridge, alphas, lams, noise)
    # relative 1e-10, or 1e-14 absolute where the test MSE rho - 2m + q + noise cancels to ~1e-7
    np.testing.assert_allclose(erm.test_error, ref.test_error, rtol=1e-10, atol=1e-14)
    # train_loss is the mean of (y - z)^2/2, ridge's train_error the mean of (y - z)^2
    np.testing.assert_allclose(2 * erm.train_loss, ref.train_error, rtol=1e-10, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(alpha=st.floats(0.05, 20.0), lam=st.floats(1e-3, 10.0), noise=st.floats(0.0, 2.0))
def test_square_loss_equals_ridge_property(square, ridge, alpha, lam, noise):
    erm = square(alpha=alpha, lam=lam, noise=noise)
    ref = _ridge_point(ridge, alpha, lam, noise)
    assert math.isclose(float(erm.test_error), float(ref.test_error), rel_tol=1e-10, abs_tol=1e-14)
    assert math.isclose(2 * float(erm.train_loss), float(ref.train_error), rel_tol=1e-10, abs_tol=1e-14)


def test_glm_front_door_square_regression_matches_gaussian_covariate(square):
    de = replica.glm(prior=replica.priors.Gaussian(), channel=replica.channels.GaussianNoise(0.25),
                     learning=replica.learning.ERM(loss="square", lam=0.3))
    a = de.solver()(alpha=[0.5, 2.0])
    b = square(alpha=[0.5, 2.0], lam=0.3, noise=0.25)
    np.testing.assert_allclose(a.test_error, b.test_error, rtol=1e-12)


def test_glm_front_door_hinge_sign_teacher_matches_gaussian_covariate(hinge):
    de = replica.glm(prior=replica.priors.Spherical(), channel=replica.channels.Sign(),
                     learning=replica.learning.ERM(loss="hinge", lam=S.lam))
    a = de.solver()(alpha=[0.5, 2.0], lam=0.3)
    b = hinge.solver()(alpha=[0.5, 2.0], lam=0.3, noise=0.0)
    np.testing.assert_allclose(a.generalization_error, b.generalization_error, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(alpha=st.floats(0.1, 9.0), lam=st.floats(0.02, 5.0), noise=st.floats(0.0, 1.0),
       which=st.sampled_from(["hinge", "logistic"]))
def test_classification_erm_converges_on_its_domain(hinge, logistic, alpha, lam, noise, which):
    # solved along a lam-grid ending at the drawn lam (the solver continues from converged
    # neighbours): cold starts of the hinge fail in part of the noiseless hard-margin regime
    lams = np.geomspace(5.0, lam, 8)
    path = {"hinge": hinge, "logistic": logistic}[which].solver()(alpha=alpha, lam=lams, noise=noise)
    sol = {k: path[k][-1] for k in ("generalization_error", "q", "V", "train_loss")}
    # a converged point (else ConvergenceError) with a non-trivial estimator: 0 < eps_g < 1/2,
    # and the error never below the noise's own floor arccos(1/sqrt(1 + noise))/pi
    floor = math.acos(1 / math.sqrt(1 + noise)) / math.pi
    assert floor - 1e-12 <= float(sol["generalization_error"]) < 0.5
    assert sol["q"] > 0 and sol["V"] > 0 and sol["train_loss"] >= 0


TWO_ATOMS = [(2.0, 0.5), (0.5, 0.5)]      # Sigma: eigenvalue 2 on half the directions, 1/2 on the rest


def test_spectral_square_loss_equals_ridge_with_atoms():
    de = replica.gaussian_covariate("square", noise=S.noise, covariance=TWO_ATOMS)
    alphas = np.array([0.3, 1.0, 2.5, 6.0])[:, None]
    lams = np.array([0.01, 0.2, 3.0])[None, :]
    erm_sol = de.solver()(alpha=alphas, lam=lams, noise=0.3)
    # ridge on the same data: w* = theta*/sqrt(d), so each mode carries t = omega/d (d = 100)
    ridge = spt.ridge(spt.Atoms(eigenvalues=(2.0, 0.5), target=(0.02, 0.005), multiplicity=(50, 50))).solver()
    ref = ridge(lam=lams / alphas, n=alphas * 100, sigma2=0.3)
    np.testing.assert_allclose(erm_sol.test_error, ref.test_error, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(2 * erm_sol.train_loss, ref.train_error, rtol=1e-10, atol=1e-14)


def test_spectral_isotropic_limit_equals_the_scalar_equations(hinge):
    # one atom at eigenvalue 1: the conjugates' closed-form elimination must give the same point
    a = replica.gaussian_covariate("hinge", noise=S.noise, covariance=[1]).solver()(alpha=1.7, lam=0.3, noise=0.2)
    b = hinge.solver()(alpha=1.7, lam=0.3, noise=0.2)
    for k in ("m", "q", "V", "generalization_error"):
        assert abs(float(a[k]) - float(b[k])) < 1e-11, k


def test_spectral_logistic_agrees_with_simulation():
    alpha, d, lam = 2.0, 200, 0.1
    th = replica.gaussian_covariate("logistic", noise=0.0, covariance=TWO_ATOMS).solver()(alpha=alpha, lam=lam)
    eigenvalues = np.repeat([2.0, 0.5], d // 2)
    sim = gaussian_covariate_erm("logistic", alpha=alpha, d=d, lam=lam, noise=0.0, covariance=eigenvalues,
                                 seeds=8, seed=2, test_points=0)
    zs = {k: _z(float(th[k]), getattr(sim, k)) for k in ("test_error", "m", "q", "train_loss")}
    print(f"\nlogistic, two-atom covariance (alpha={alpha}, d={d}, lam={lam}) z-scores:",
          {k: round(v, 2) for k, v in zs.items()})
    assert all(abs(v) <= Z_BOUND for v in zs.values()), zs


# --- max margin ------------------------------------------------------------------------------

def textbook_max_stability(alpha, dps=20):
    r"""Gardner's maximal stability with a teacher, solved independently in mpmath:
    C(R, kappa) = 1 - R^2 - 2 alpha int_{-oo}^{kappa} Dt H(-R t/s) (kappa - t)^2 = 0 and dC/dR = 0,
    i.e. R = -(alpha/(2 pi s^3)) int_{-oo}^{kappa} t (kappa - t)^2 exp(-t^2/(2 s^2)) dt, s = sqrt(1 - R^2)
    (the q -> 1 limit of the Gardner volume with a teacher: Gardner 1988, J. Phys. A 21, 271;
    Opper, Kinzel, Kleinz & Nehl 1990, J. Phys. A 23, L581; Engel & Van den Broeck 2001, sec. 3.5)."""
    with mpmath.workdps(dps):
        a = mpmath.mpf(alpha)
        H = lambda x: mpmath.erfc(x / mpmath.sqrt(2)) / 2
        Dt = lambda t: mpmath.exp(-t * t / 2) / mpmath.sqrt(2 * mpmath.pi)

        def equations(R, k):
            s = mpmath.sqrt(1 - R * R)
            c = 1 - R * R - 2 * a * mpmath.quad(lambda t: Dt(t) * H(-R * t / s) * (k - t) ** 2, [-mpmath.inf, 0, k])
            r = R + a / (2 * mpmath.pi * s ** 3) * mpmath.quad(
                lambda t: t * (k - t) ** 2 * mpmath.exp(-t * t / (2 * s * s)), [-mpmath.inf, 0, k])
            return c, r
        R0 = 1 - (1 + 0.6 * alpha) ** -2
        R, k = mpmath.findroot(equations, (mpmath.mpf(R0), mpmath.mpf(1) / mpmath.sqrt(1 + a)))
        return float(R), float(k)


@pytest.mark.parametrize("alpha", [0.5, 2.0, 6.0])
def test_max_margin_matches_textbook_max_stability(max_margin, alpha):
    R, kappa = textbook_max_stability(alpha)
    sol = max_margin(alpha=alpha)
    assert abs(float(sol.R) - R) < 1e-10
    assert abs(float(sol.kappa) - kappa) < 1e-10
    assert abs(float(sol.generalization_error) - math.acos(R) / math.pi) < 1e-10


def test_max_margin_large_alpha_law(max_margin):
    # Opper, Kinzel, Kleinz & Nehl (1990): eps_g ~ 0.5005/alpha for the maximally stable perceptron
    alphas = np.array([10.0, 40.0, 120.0])
    product = max_margin(alpha=alphas).generalization_error * alphas
    gaps = np.abs(product - 0.5005)
    assert gaps[-1] < 2e-4 and np.all(np.diff(gaps) < 0), product


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_hinge_as_lam_to_zero_reaches_the_max_margin(hinge, max_margin, alpha):
    mm = max_margin(alpha=alpha)
    solve = hinge.solver()
    gaps = []
    for lam in (1.0, 0.1, 1e-3):
        h = solve(alpha=alpha, lam=lam, noise=0.0)
        gaps.append(abs(float(h.R) - float(mm.R)) + abs(1 / math.sqrt(float(h.q)) - float(mm.kappa)))
    # the hinge minimiser is the hard-margin SVM once lam is below a threshold (all multipliers
    # a_mu <= 1 in the dual), so the gap closes to rounding, not just to O(lam)
    assert gaps[0] > 1e-3 and gaps[2] < 1e-9 and gaps == sorted(gaps, reverse=True)


# --- logistic prox ---------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(u=st.floats(-30.0, 30.0), V=st.floats(1e-3, 50.0))
def test_logistic_prox_is_the_minimiser(u, V):
    objective = lambda x: math.log1p(math.exp(-x)) + (x - u) ** 2 / (2 * V) if x > -700 else -x + (x - u) ** 2 / (2 * V)
    ref = minimize_scalar(objective, bracket=(u, u + V), tol=1e-12).x
    p = float(proximal.logistic_prox(u, V))
    assert abs(p - ref) <= 1e-6 * (1 + abs(ref))
    assert proximal.logistic_moreau(u, V) <= objective(ref) + 1e-12
    with mpmath.workdps(40):
        p_mp = proximal.logistic_prox_mp(u, V)
        # the defining equation holds to the working precision, and numpy to double rounding
        assert abs(p_mp - u - V / (1 + mpmath.exp(p_mp))) < mpmath.mpf(10) ** -35 * (1 + abs(p_mp))
        assert abs(float(p_mp) - p) <= 4e-15 * (1 + abs(p))


def test_logistic_prox_vectorised_shapes():
    u = np.linspace(-5, 5, 7)[:, None]
    V = np.array([0.1, 1.0, 10.0])[None, :]
    p = proximal.logistic_prox(u, V)
    assert p.shape == (7, 3)
    assert np.all((p >= u) & (p <= u + V))


def test_generated_source_reproduces_the_logistic_solver(logistic):
    solve = logistic.solver()
    namespace = {}
    exec(compile(solve.to_source(), "<generated logistic ERM>", "exec"), namespace)  # our generated text
    generated = namespace["solve"](alpha=[0.7, 3.0], lam=0.2, noise=0.1)
    np.testing.assert_array_equal(generated["q"], solve(alpha=[0.7, 3.0], lam=0.2, noise=0.1).q)


# --- numpy against mpmath -----------------------------------------------------------------------

@pytest.mark.parametrize("which", ["hinge", "logistic"])
def test_numpy_solution_solves_the_mpmath_equations(hinge, logistic, which):
    """The numpy solution (panel Gauss-Legendre quadrature, vectorised Newton prox) satisfies the
    equations compiled for mpmath (tanh-sinh quadrature, mpmath prox) at 20 digits. A full mpmath
    solve agrees too (measured: hinge at dps=15 to 1e-16 in m, q, V) but costs 6-200 s."""
    de = {"hinge": hinge, "logistic": logistic}[which]
    n = de.solver()(alpha=1.5, lam=0.2, noise=0.1)
    fns = de.solver(backend="mpmath", dps=15)._mp["fns"]
    with mpmath.workdps(20):
        args = [mpmath.mpf(x) for x in (1.5, 0.2, 0.1)] + [mpmath.mpf(float(n[k])) for k in ("m", "q", "V")]
        diff, scale = fns["stated"](*args)
    assert max(abs(d / s) for d, s in zip(diff, scale)) < 1e-12


# --- against simulations -------------------------------------------------------------------------

@pytest.mark.parametrize("loss, lam, noise", [("square", 0.5, 0.25), ("hinge", 0.1, 0.0), ("logistic", 0.1, 0.1)])
def test_gaussian_covariate_agrees_with_simulation(loss, lam, noise):
    alpha, d = 2.0, 200
    th = replica.gaussian_covariate(loss, noise=noise).solver()(alpha=alpha, lam=lam)
    sim = gaussian_covariate_erm(loss, alpha=alpha, d=d, lam=lam, noise=noise, seeds=8, seed=1, test_points=0)
    zs = {k: _z(float(th[k]), getattr(sim, k)) for k in ("test_error", "m", "q", "train_loss")}
    print(f"\n{loss} (alpha={alpha}, d={d}, lam={lam}, noise={noise}) z-scores:",
          {k: round(v, 2) for k, v in zs.items()})
    assert all(abs(v) <= Z_BOUND for v in zs.values()), zs


def test_max_margin_agrees_with_simulation(max_margin):
    th = max_margin(alpha=2.0)
    sim = teacher_student_perceptron(2.0, 150, learning="max_margin", seeds=16, seed=1)
    zs = {k: _z(float(th[k]), getattr(sim, k)) for k in ("R", "generalization_error", "kappa")}
    print("\nmax margin (alpha=2, N=150) z-scores:", {k: round(v, 2) for k, v in zs.items()})
    assert all(abs(v) <= Z_BOUND for v in zs.values()), zs


# --- invalid parameters --------------------------------------------------------------------------

def test_parameter_errors(square):
    with pytest.raises(ParameterError, match="lam"):
        replica.learning.ERM("hinge", lam=-0.1)
    with pytest.raises(ParameterError, match="lam"):
        replica.gaussian_covariate("hinge", lam=-1)
    with pytest.raises(ParameterError, match="lam"):
        square(alpha=1.0, lam=-0.5, noise=0.0)
    with pytest.raises(ParameterError, match="alpha"):
        square(alpha=0.0, lam=0.5, noise=0.0)
    with pytest.raises(ParameterError, match="alpha"):
        square(alpha=-1.0, lam=0.5, noise=0.0)
    with pytest.raises(ParameterError, match="loss"):
        replica.gaussian_covariate("cubic")
    with pytest.raises(ParameterError, match="loss"):
        replica.learning.ERM("cubic")
    with pytest.raises(ParameterError, match="covariance"):
        replica.gaussian_covariate("square", covariance=[(1.0, 0.5), (2.0, 0.4)])
    with pytest.raises(ParameterError, match="covariance"):
        replica.gaussian_covariate("square", covariance=[-1.0, 2.0])
    with pytest.raises(ParameterError, match="loss"):
        # a classification loss needs +-1 labels
        replica.glm(replica.priors.Gaussian(), replica.channels.GaussianNoise(0.1), learning="hinge")


def test_hinge_needs_positive_lam(hinge):
    with pytest.raises(ParameterError, match="lam"):
        hinge.solver()(alpha=1.0, lam=0.0, noise=0.0)


def test_logistic_train_loss_where_the_loss_term_overflows():
    """Noiseless labels, lam = 1e-4, alpha = 20: at the far nodes ln(1 + e^{-prox}) overflowed
    while the teacher's weight underflowed to 0, and 0 * inf = nan made the solver refuse the
    point as singular. Now ln(1 + e^x) is logaddexp(0, x); the train loss against the mpmath
    backend's observables at the same saddle point."""
    import mpmath
    de = replica.gaussian_covariate("logistic", noise=0)
    sol = de.solver()(alpha=20.0, lam=1e-4)
    mp = de.solver(backend="mpmath", dps=20)
    with mpmath.workdps(25):
        values = [mpmath.mpf(float(sol[k])) for k in de.unknown_names]
        ref = mp._mp["fns"]["observables"](mpmath.mpf(20), mpmath.mpf("1e-4"), *values)
    index = list(de.observables).index("train_loss")
    assert np.isfinite(float(sol.train_loss))
    assert abs(float(sol.train_loss) - float(ref[index])) < 1e-10 * abs(float(ref[index]))
