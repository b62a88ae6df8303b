"""Gaussian averages in compiled replica code (saddlepoint.solvers.quadrature): averages that share
a rule are computed by one call whose integrand function evaluates each special function once;
the grouped code gives the numbers of separate calls, and the compiled Jacobian of the Gibbs
perceptron agrees with the mpmath backend (tanh-sinh quadrature per average, an independent
code path) and with a finite difference of the compiled residual."""

import mpmath
import numpy as np
import pytest
import sympy

from saddlepoint import replica
from saddlepoint.derivations.replica.gaussian import GaussianAverage, LogH, MillsRatio
from saddlepoint.solvers import quadrature
from saddlepoint.solvers.compile import _printer, compile_function

NS = quadrature.numpy_namespace()


def test_tuple_integrand_gives_the_averages_of_separate_calls_exactly():
    avg, mills, log_H = NS["gaussian_average"], NS["_mills"], NS["_log_H"]
    a = np.array([0.3, 7.0, 120.0])
    centre = np.array([0.0, 0.4, -2.0])
    f1 = lambda z: z * mills(-a * (z - centre))
    f2 = lambda z: np.exp(-0.5 * z * z) * log_H(-a * (z - centre))
    together = avg(lambda z: (f1(z), f2(z)), centre)
    assert isinstance(together, tuple) and len(together) == 2
    assert np.array_equal(together[0], avg(f1, centre))
    assert np.array_equal(together[1], avg(f2, centre))
    # the truncated rule too (lower limit), with a constant integrand among the members
    low = np.array([-1.0, 0.5, 3.0])
    pair = avg(lambda z: (z * z, 2.0), lower=low)
    assert np.array_equal(pair[0], avg(lambda z: z * z, lower=low))
    assert np.array_equal(pair[1], avg(lambda z: 2.0, lower=low))


def _lifted(exprs, backend="numpy"):
    return quadrature.lift_averages(exprs, _printer(backend))


def test_averages_sharing_a_kink_share_one_call_and_their_special_functions():
    z, R, b = sympy.symbols("z R b", real=True)
    x = sympy.sqrt(R / (1 - R)) * z
    first = GaussianAverage(z * MillsRatio(-x), z)
    second = GaussianAverage(z ** 2 * MillsRatio(-x) * LogH(-x), z)
    shifted = GaussianAverage(LogH(z - b), z)            # kink at z = b: a rule of its own
    exprs, lines = _lifted([first + second, shifted])
    source = "\n".join(lines)
    calls = [line for line in lines if "gaussian_average(" in line]
    assert len(calls) == 2
    assert source.count("_mills(") == 1 and source.count("_log_H(") == 2
    assert all(not e.has(GaussianAverage) for e in exprs)
    # the mpmath backend keeps one tanh-sinh quadrature per average
    _, mp_lines = _lifted([first + second, shifted], "mpmath")
    assert sum("gaussian_average(lambda _z:" in line for line in mp_lines) == 3


def test_grouped_averages_compile_to_the_separate_values():
    """The compiled function (one call, shared subexpressions) against each average computed on
    its own by gaussian_average, for integrands with a kink at 0 and at a parameter."""
    z, a, c = sympy.symbols("z a c", real=True)
    averages = [GaussianAverage(z * MillsRatio(-a * z), z),
                GaussianAverage(sympy.exp(-a * z ** 2 / 2) * LogH(-a * z), z),
                GaussianAverage(MillsRatio(-a * z) * LogH(-a * z) * (1 + z ** 2), z),
                GaussianAverage(sympy.Abs(z - c) * sympy.erfc(a * (z - c)), z)]
    fn, _ = compile_function("_f", [a, c], averages)
    av, ac = np.array([0.5, 6.0, 80.0]), np.array([0.0, 0.3, -1.5])
    got = fn(av, ac)
    mills, log_H, erfc, avg = NS["_mills"], NS["_log_H"], NS["_erfc"], NS["gaussian_average"]
    separate = [avg(lambda t: t * mills(-av * t), 0.0),
                avg(lambda t: np.exp(-av * t ** 2 / 2) * log_H(-av * t), 0.0),
                avg(lambda t: mills(-av * t) * log_H(-av * t) * (1 + t ** 2), 0.0),
                avg(lambda t: np.abs(t - ac) * erfc(av * (t - ac)), ac)]
    for g, s in zip(got, separate):
        assert np.allclose(g, s, rtol=1e-14, atol=1e-300)


def test_gibbs_jacobian_against_mpmath_and_finite_differences():
    """Engel & Van den Broeck (2001) eq. (2.42) in the replica engine's form: the Jacobian
    (four averages, one grouped call) against the mpmath backend's (tanh-sinh per average at
    25 digits) and against a central difference of the compiled residual; slopes
    sqrt(R/(1 - R)) from 0.1 to 32 probe the panel rule's refinement at the kink."""
    solver = replica.teacher_student_perceptron("gibbs").solver()
    exprs = solver._expressions()
    args, residual = exprs["residual"]
    _, jacobian = exprs["jacobian"]
    res_np, _ = compile_function("_residual", args, residual)
    jac_np, source = compile_function("_jacobian", args, jacobian)
    assert source.count("gaussian_average(") == 1
    jac_mp, _ = compile_function("_jacobian", args, jacobian, backend="mpmath")
    alpha = np.array([0.7, 3.0, 20.0, 50.0])
    R = np.array([0.01, 0.6, 0.97, 0.999])
    # the 10-point panels' relative accuracy on the Jacobian (measured against 16- and 24-point
    # panels, which agree with mpmath to 1e-15): better than 1e-13 up to slope 6, 5.6e-9 at
    # slope 32 (R = 0.999); that of the residual's averages stays below 5e-13 up to slope 300
    bound = np.array([1e-11, 1e-11, 1e-11, 1e-8])
    got = np.asarray(jac_np(alpha, R)[0][0], dtype=float)
    for al, r, g, tol in zip(alpha, R, got, bound):
        with mpmath.workdps(25):
            ref = jac_mp(mpmath.mpf(al), mpmath.mpf(r))[0][0]
        assert abs(g - float(ref)) <= tol * abs(float(ref)), (r, g, ref)
    h = 1e-6 * np.minimum(R, 1 - R)
    diff = (np.asarray(res_np(alpha, R + h)[0]) - np.asarray(res_np(alpha, R - h)[0])) / (2 * h)
    assert np.allclose(diff, got, rtol=1e-6, atol=0)


@pytest.mark.parametrize("learning", ["gibbs", "bayes"])
def test_large_alpha_features_are_resolved(learning):
    """At alpha ~ 1e4 the integrands' feature at the kink has width sqrt((1 - R)/R) ~ 1e-4,
    far below the fixed panels' innermost 0.005: the rule refines down to it (width=...). The
    solution then follows eps ~ c/alpha with the constant derived in SymPy
    (replica.teacher_student_asymptote; Engel & Van den Broeck sec. 2.3, 3.6) to the size of the
    O(1/alpha^2) correction: the mpmath backend (25 digits, tanh-sinh) gives for Gibbs
    eps*alpha - c = -1.08e-7 at alpha = 3000 and -9.7e-9 at 1e4. Without the refinement the
    numpy solver reported converged points with eps*alpha = 0.6241 and 0.651 (Gibbs)."""
    c = float(replica.evaluate_integrals(replica.teacher_student_asymptote(learning)[0]))
    alpha = np.array([3000.0, 10000.0])
    sol = replica.teacher_student_perceptron(learning).solver()(alpha=alpha)
    gap = np.abs(sol.generalization_error * alpha - c)
    assert np.all(gap < 3e-7), gap


def test_rules_integrate_known_averages():
    """Every rule against closed forms: Gaussian moments (1, 3); with a feature of width
    down to 1e-5 at the kink, int Dz z^2 H(a z) = 1/2 (H(x) + H(-x) = 1) and a unit spike;
    the truncated int_{l}^{oo} Dz z^2 = H(l) + l phi(l) (integration by parts)."""
    ns = quadrature.numpy_namespace()
    average, erfc = ns["gaussian_average"], ns["_erfc"]
    H = lambda x: 0.5 * erfc(x / np.sqrt(2.0))
    for rule in ("hermite", "panel"):
        m2, m4 = average(lambda z: (z ** 2, z ** 4), rule=rule)
        assert abs(m2 - 1) < 1e-13 and abs(m4 - 3) < 1e-12, (rule, m2, m4)
    a = np.array([2.0, 1e3, 1e5])
    got = average(lambda z: z ** 2 * H(a * z), center=0.0, width=1 / a)
    np.testing.assert_allclose(got, 0.5, rtol=0, atol=1e-14)
    # a spike of unit mass and width 1/a: int Dz a phi(a z) = a / sqrt(2 pi (1 + a^2)) exactly
    spike = lambda z: a * np.exp(-0.5 * (a * z) ** 2) / np.sqrt(2 * np.pi)
    exact = a / np.sqrt(2 * np.pi * (1 + a ** 2))
    fine = average(spike, center=0.0, width=1 / a)
    coarse = average(spike, center=0.0)   # the fixed panels (innermost 0.005)
    assert np.max(np.abs(fine / exact - 1)) < 1e-13, fine / exact - 1
    assert abs(coarse[2] / exact[2] - 1) > 1e-3   # what the refinement is for
    lower = np.array([-1.0, 0.3])
    for width in (None, np.array([1e-4, 1e-4])):
        got = average(lambda z: z ** 2, lower=lower, width=width)
        np.testing.assert_allclose(got, H(lower) + lower * np.exp(-lower ** 2 / 2) / np.sqrt(2 * np.pi), rtol=1e-13)


def test_unresolved_integrands_are_caught_and_refined():
    """The sparse (Gauss-Bernoulli) prior's posterior weight switches from spike to slab at
    |z| = sqrt(2 ln(9 sqrt(1 + q_hat))/q_hat), over a width ~ 1/(q_hat |z*|): 3e-3 at q_hat = 1e4,
    no kink the symbolic finder can see. The fixed rule then gave mse = rho - q with relative
    errors 5.5e-8 (alpha = 0.6) ... 1.3e-4 (alpha = 1000), marked converged. The a-posteriori
    check (roots._verify_quadrature: the residual again on panels split in 2, 4, 8) catches the
    points and re-solves them on the finer rule. References: the mpmath backend (dps = 20,
    tanh-sinh at 25 digits), agreeing to 16 digits with an independent mpmath solve."""
    from saddlepoint.derivations.replica import channels, glm, priors
    de = glm(priors.GaussBernoulli(0.1), channels.GaussianNoise(0.01), "bayes")
    alpha = np.array([0.6, 5.0, 100.0, 1000.0])
    reference = np.array([4.7032966473e-3, 2.940471507e-4, 1.13828624e-5, 1.05451820e-6])
    sol = de.solver()(alpha=alpha)
    np.testing.assert_allclose(sol.mse, reference, rtol=2e-9)
    from saddlepoint.solvers import Solver
    unchecked = Solver(de)                       # a separate instance, its check switched off
    unchecked._numpy["fns"].pop("quadrature_level")
    coarse = unchecked(alpha=alpha)
    assert np.all(coarse.converged) and np.abs(coarse.mse / reference - 1)[3] > 1e-5   # what the check is for
