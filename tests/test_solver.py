"""The compiled numeric solver (check 2 of "How a result is trusted").

References are computed in the tests, independently of the package:

* isotropic ridge: kappa is the positive root of n kappa^2 - X kappa - lam n = 0,
  X = d + lam n - n (the kappa equation kappa = lam + kappa d/(n (1 + kappa)) times
  n (1 + kappa)), evaluated with mpmath at 40 digits in the cancellation-free form
  (X + R)/(2n) for X >= 0 and 2 lam n/(R - X) for X < 0, R = sqrt(X^2 + 4 lam n^2);
  observables from their definitions (module docstring of saddlepoint.derivations.ridge),
  with 1 - gamma = ((n - d) + n kappa (2 + kappa))/(n (1 + kappa)^2) and
  1 - df1/n = lam/kappa (on the kappa equation), so no digits are lost;
* ridgeless limit: Hastie, Montanari, Rosset & Tibshirani (2022), Theorem 1.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import saddlepoint as spt
from saddlepoint.errors import ConvergenceError, ParameterError
from saddlepoint.solvers import METHODS, Solution

FIELDS = ("kappa", "excess_risk", "test_error", "train_error", "bias", "variance", "df1", "df2", "gcv")
EPS = 2.0**-52


# ------------------------------------------------------------------ independent reference


def ref_kappa(lam, n, d):
    X = d + lam * n - n
    R = mp.sqrt(X * X + 4 * lam * n * n)
    return (X + R) / (2 * n) if X >= 0 else 2 * n * lam / (R - X)


def ref_fields(lam, n, d, s2, k, signal=1, root=True, shift=0):
    """Observables at kappa = k from their definitions; ``root``: k solves the kappa equation
    exactly (then 1 - df1/n = lam/kappa, free of cancellation), else 1 - df1(k)/n is used as is."""
    den = (n - d) + n * k * (2 + k)            # n (1+k)^2 (1 - gamma)
    bias = signal * k**2 * n / den
    var = s2 * d / den
    excess = bias + var
    test = excess + s2
    if root and lam > 0:
        one_minus = lam / k                     # = 1 - df1/n on the kappa equation
    else:
        one_minus = ((n - d) + n * k) / (n * (1 + k))
    return dict(kappa=k, excess_risk=excess, test_error=test, train_error=(one_minus + shift) ** 2 * test,
                bias=bias, variance=var, df1=d / (1 + k), df2=d / (1 + k) ** 2, gcv=test)


def reference(lam, n, d, s2, dps=40):
    with mp.workdps(dps):
        x = [mp.mpf(v) for v in (lam, n, d, s2)]
        return ref_fields(*x, ref_kappa(*x[:3]))


def float64_spread(lam, n, d, s2, K=8, ktol=1e-13):
    """Reference values and how far they move under float64-sized perturbations.

    A float64 answer is accepted (mixed forward-backward stability, Higham 2002, sec. 1.5) when
    it is the exact answer for inputs within K ulps of the given ones, a kappa within the
    solver's relative tolerance ``ktol`` of the exact one, and 1 - df1/n rounded by K ulps of
    its O(1 + d/n) terms. Evaluated at 400 digits, so that 1 - df1(k)/n at a perturbed k
    (which cancels down to ~lam/kappa >= 1e-300) keeps its digits.
    Returns (reference dict, spread dict).
    """
    with mp.workdps(400):
        u = K * mp.mpf(EPS)
        x = [mp.mpf(v) for v in (lam, n, d, s2)]
        k = ref_kappa(*x[:3])
        base = ref_fields(*x, k)
        spread = {f: mp.mpf(0) for f in base}
        shifts = (0, u * (1 + x[2] / x[1]), -u * (1 + x[2] / x[1]))

        def widen(*args, **kw):
            for sh in shifts:
                r = ref_fields(*args, shift=sh, **kw)
                for f in spread:
                    spread[f] = max(spread[f], abs(r[f] - base[f]))

        kappas = [k * (1 + ktol), k * (1 - ktol)]
        for i in range(4):
            if x[i] == 0:
                continue
            for sign in (1, -1):
                y = list(x)
                y[i] = x[i] * (1 + sign * u)
                ky = ref_kappa(*y[:3])
                widen(*y, ky)
                kappas.append(ky)
        widen(*x, k)
        for ky in kappas:
            widen(*x, ky, root=False)
        return base, spread


def assert_close(sol, ref, spread=None, rtol=1e-10, atol=1e-300, fields=FIELDS):
    for f in fields:
        got, want = float(sol[f]), ref[f]
        tol = rtol * abs(want) + atol + (spread[f] if spread else 0)
        assert abs(got - want) <= tol, (f, got, float(want), float(tol))


sizes = st.one_of(st.integers(1, 100_000).map(float), st.floats(1, 1e5))
# lam in (0, 1e-300) is left to test_tiny_ridge_converges (a known bug: the bracket overflows)
ridges = st.one_of(st.just(0.0), st.floats(1e-300, 1e3))
noises = st.one_of(st.just(0.0), st.floats(0, 1e3))


# ------------------------------------------------------------------ isotropic vs closed form


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lam=ridges, n=sizes, d=st.one_of(st.none(), sizes), sigma2=noises)
def test_isotropic_solver_matches_the_closed_form(iso, lam, n, d, sigma2):
    d = n if d is None else d      # d == n drawn often: the critical line
    solve = iso.solver()
    if lam == 0 and d == n:
        # ridgeless at the interpolation threshold: the risk is infinite, kappa = 0 is a 0/0 point
        with pytest.raises(ParameterError) as info:
            solve(lam=lam, n=n, d=d, sigma2=sigma2)
        assert "lam" in str(info.value)
        return
    sol = solve(lam=lam, n=n, d=d, sigma2=sigma2)
    assert bool(sol.converged) and sol.status == 0
    for f in FIELDS:
        assert np.isfinite(sol[f]), f
    ref, spread = float64_spread(lam, n, d, sigma2)
    assert_close(sol, ref, spread)


@pytest.mark.parametrize("lam,n,d", [(0.1, 200, 100), (1e-3, 100, 200), (10.0, 1, 1e5), (1e-6, 1e5, 1),
                                     (0.0, 200, 100), (0.0, 100, 200), (1e3, 1e5, 1e5), (1e-9, 50, 50)])
def test_isotropic_well_conditioned_points_to_1e_10(iso, lam, n, d):
    sol = iso.solver()(lam=lam, n=n, d=d, sigma2=0.25)
    assert_close(sol, reference(lam, n, d, 0.25), rtol=1e-10)


def test_train_error_relative_accuracy_overparameterised_small_ridge(iso):
    lam, n, d = 1e-8, 10, 300
    sol = iso.solver()(lam=lam, n=n, d=d, sigma2=0.25)
    assert_close(sol, reference(lam, n, d, 0.25), rtol=1e-10, fields=("train_error",))


def test_kappa_relative_accuracy_at_the_threshold(iso):
    lam, n = 1e-24, 1e5      # exact answer kappa = 1e-12 (1 + O(1e-12))
    sol = iso.solver()(lam=lam, n=n, d=n, sigma2=0.25)
    assert bool(sol.converged)
    assert_close(sol, reference(lam, n, n, 0.25), rtol=1e-10, fields=("kappa",))


@pytest.mark.parametrize("lam,n,d", [(1e-310, 100, 50), (1e-310, 50, 100), (1e-308, 50, 100), (5e-324, 100, 100)])
def test_tiny_ridge_converges(iso, lam, n, d):
    sol = iso.solver()(lam=lam, n=n, d=d, sigma2=0.25, on_failure="mark")
    assert bool(sol.converged)
    ref, spread = float64_spread(lam, n, d, 0.25)
    assert_close(sol, ref, spread)


# ------------------------------------------------------------------------- mpmath backend


def test_mpmath_backend_dps50_matches_the_closed_form_to_1e_45(iso):
    solve = iso.solver(backend="mpmath", dps=50)
    for lam, n, d, s2 in [(mp.mpf("0.1"), 200, 100, mp.mpf("0.25")), (1e-8, 100, 200, 1.0), (1e-8, 200, 100, 1.0),
                          (0, 200, 100, 1.0), (0, 100, 200, 1.0), (1e3, 1, 1e5, 3.0), (1e-12, 100, 100, 1.0)]:
        sol = solve(lam=lam, n=n, d=d, sigma2=s2)
        assert bool(sol.converged)
        assert isinstance(sol.kappa, mp.mpf)
        ref = reference(lam, n, d, s2, dps=80)
        with mp.workdps(80):
            for f in FIELDS:
                got, want = sol[f], ref[f]
                assert abs(got - want) <= mp.mpf(10) ** -45 * abs(want) + mp.mpf(10) ** -300, (f, lam, n, d)
    # the global precision is left alone
    assert mp.mp.dps == 15


def _agree(a, b, rtol, atol=1e-300):
    for f in b.keys():
        x = np.asarray(a[f], dtype=float)
        y = np.asarray(b[f], dtype=object)
        for xi, yi in zip(x.ravel(), y.ravel()):
            assert abs(xi - yi) <= rtol * abs(yi) + atol, (f, xi, yi)


@pytest.mark.parametrize("name", ["iso", "atoms", "powerlaw", "powerlaw_d"])
def test_numpy_and_mpmath_backends_agree(request, name):
    de = request.getfixturevalue(name)
    # lam/kappa >= 1e-2 on these grids: train_error, computed as (1 - df1/n)^2 E_test, loses
    # log10(kappa/lam) digits (test_train_error_relative_accuracy_overparameterised_small_ridge)
    if name in ("powerlaw", "powerlaw_d"):   # the mpmath power-law sums cost ~0.1 s per call
        grid = dict(lam=np.array([1e-2, 10.0])[:, None], n=np.array([50.0, 5000.0]), sigma2=0.1)
    else:
        grid = dict(lam=np.array([1e-1, 1.0, 100.0])[:, None], n=np.array([10.0, 50.0, 5000.0]), sigma2=0.25)
    if "d" in de.parameter_names:
        grid["d"] = 300.0
    a = de.solver()(**grid)
    b = de.solver(backend="mpmath", dps=40)(**grid)
    assert a.shape == b.shape == (grid["lam"].shape[0], grid["n"].shape[0])
    assert np.all(a.converged) and np.all(b.converged)
    _agree(a, b, rtol=1e-12)


# ------------------------------------------------------------------------------ the Solution


def test_broadcasting_shapes(iso):
    sol = iso.solver()(lam=np.logspace(-4, 1, 50)[:, None], n=[100, 1000], d=100, sigma2=0.25)
    assert sol.shape == (50, 2)
    for f in FIELDS:
        assert np.shape(sol[f]) == (50, 2)
    assert sol.converged.shape == sol.residual.shape == sol.iterations.shape == (50, 2)
    # each entry is the scalar solve at that point
    single = iso.solver()(lam=np.logspace(-4, 1, 50)[17], n=1000, d=100, sigma2=0.25)
    assert sol.kappa[17, 1] == single.kappa and sol.test_error[17, 1] == single.test_error
    with pytest.raises(ValueError):
        iso.solver()(lam=np.ones(3), n=np.ones(4), d=100, sigma2=0.25)


def test_scalar_call_returns_numpy_scalars_and_status_fields(iso):
    sol = iso.solver()(lam=0.1, n=200, d=100, sigma2=0.25)
    assert isinstance(sol, Solution)
    assert sol.shape == ()
    for f in FIELDS:
        assert isinstance(sol[f], np.floating) and np.ndim(sol[f]) == 0
        assert sol[f] == getattr(sol, f)
    assert isinstance(sol.converged, np.bool_) and bool(sol.converged)
    assert 0 <= float(sol.residual) <= 1e-9
    assert 1 <= int(sol.iterations) <= 100
    assert sol.status == 0 and sol.message == "converged"
    assert set(FIELDS) <= set(sol.keys()) and "kappa" in sol
    d = sol.to_dict()
    assert {"converged", "residual", "iterations"} <= set(d)
    with pytest.raises(AttributeError):
        sol.not_a_field


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["iso", "atoms", "powerlaw", "powerlaw_d"])
def test_every_method_gives_the_same_answer(request, name, method):
    de = request.getfixturevalue(name)
    # away from the critical line d = n at small lam, where the equation is ill-conditioned
    grid = dict(lam=np.logspace(-3, 3, 7)[:, None], n=np.array([10.0, 1000.0]), sigma2=0.25)
    if "d" in de.parameter_names:
        grid["d"] = 300.0
    ref = de.solver(method="bracket")(**grid)
    sol = de.solver(method=method)(**grid, on_failure="mark")
    assert np.all(sol.converged), method
    for f in FIELDS:
        np.testing.assert_allclose(sol[f], ref[f], rtol=1e-10, atol=0, err_msg=f)


@settings(max_examples=60, deadline=None)
@given(n=sizes, d=sizes, sigma2=noises)
def test_ridgeless_numerics(iso, n, d, sigma2):
    assume(d != n)
    sol = iso.solver()(lam=0, n=n, d=d, sigma2=sigma2)
    q = d / n
    if d < n:
        assert sol.kappa == 0.0
        excess, train = sigma2 * q / (1 - q), sigma2 * (1 - q)
    else:
        assert math.isclose(sol.kappa, d / n - 1, rel_tol=8 * EPS * (1 + d / (d - n)))
        excess, train = (1 - 1 / q) + sigma2 / (q - 1), 0.0
    # Hastie et al. (2022) Thm 1; the risk is ill-conditioned near q = 1 (cond ~ 1/|1 - q|)
    cond = 1 + max(d, n) / abs(d - n)
    assert math.isclose(float(sol.excess_risk), excess, rel_tol=1e-12 * cond, abs_tol=1e-300)
    assert abs(float(sol.train_error) - train) <= 1e-12 * cond * (1 + sigma2)


# ---------------------------------------------------------------------------- bad inputs

GOOD = dict(lam=0.1, n=200, d=100, sigma2=0.25)


@pytest.mark.parametrize("name,value", [
    ("lam", -1e-3), ("lam", -np.inf), ("n", 0), ("n", 0.0), ("n", -3), ("d", 0), ("sigma2", -1),
    ("lam", np.nan), ("lam", np.inf), ("n", np.inf), ("sigma2", np.nan),
    ("lam", "0.1"), ("lam", b"0.1"), ("lam", True), ("n", np.bool_(True)), ("lam", [True, False]),
    ("lam", 1j), ("lam", np.array([0.1, 1 + 1j])), ("lam", None), ("lam", ["0.1"]), ("lam", object()),
    ("lam", np.array([0.1, -1.0])), ("n", [100, 0])])
def test_invalid_values_raise_parameter_error_naming_the_parameter(iso, name, value):
    with pytest.raises(ParameterError) as info:
        iso.solver()(**{**GOOD, name: value})
    assert info.value.parameter == name
    assert f"`{name}`" in str(info.value)


def test_out_of_range_messages_give_the_range(iso):
    with pytest.raises(ParameterError, match=r"`lam` must lie in \[0, inf\)"):
        iso.solver()(**{**GOOD, "lam": -1})
    with pytest.raises(ParameterError, match=r"`n` must lie in \(0, inf\)"):
        iso.solver()(**{**GOOD, "n": 0})


def test_missing_and_unknown_parameters(iso):
    with pytest.raises(ParameterError) as info:
        iso.solver()(lam=0.1, n=200, d=100)
    assert info.value.parameter == "sigma2" and "required" in str(info.value)
    with pytest.raises(ParameterError) as info:
        iso.solver()(**GOOD, alpha=1.0)
    assert info.value.parameter == "alpha"
    with pytest.raises(ParameterError) as info:
        iso.solver()(**GOOD, on_failure="ignore")
    assert info.value.parameter == "on_failure"
    with pytest.raises(TypeError):
        iso.solver()(0.1, 200, 100, 0.25)


# ---------------------------------------------------------------------------- convergence


def test_forced_non_convergence_raises_or_marks(iso, powerlaw):
    for de, point in ((iso, dict(lam=1e-3, n=200, d=100, sigma2=0.25)), (powerlaw, dict(lam=1e-6, n=1e4, sigma2=0.1))):
        solve = de.solver(maxiter=1)
        with pytest.raises(ConvergenceError) as info:
            solve(**point)
        err = info.value
        assert isinstance(err, ArithmeticError)
        assert err.point == {k: float(v) for k, v in point.items()}
        assert err.residual > solve.residual_tol and err.iterations == 1 and err.n_failed == 1
        assert "residual" in str(err) and "lam=" in str(err)
        sol = solve(**point, on_failure="mark")
        assert not bool(sol.converged) and sol.status == 1 and "did not converge" in sol.message
        assert float(sol.residual) == pytest.approx(err.residual)
        # the full solver converges at the same point
        assert bool(de.solver()(**point).converged)


def test_partial_failure_on_a_grid_is_marked_pointwise(iso):
    grid = dict(lam=np.logspace(-4, 3, 8), n=200, d=100, sigma2=0.25)
    solve = iso.solver(maxiter=3)
    sol = solve(**grid, on_failure="mark")
    failed = ~np.asarray(sol.converged)
    assert 0 < failed.sum() < failed.size, "grid chosen so that large lam converge in 3 iterations, small lam not"
    with pytest.raises(ConvergenceError) as info:
        solve(**grid)
    assert info.value.n_failed == failed.sum()
    assert info.value.point["lam"] == grid["lam"][np.argmax(failed)]
    full = iso.solver()(**grid)
    np.testing.assert_allclose(sol.kappa[~failed], full.kappa[~failed], rtol=1e-10)
    assert sol.status == 1 and f"{failed.sum()} point(s) did not converge" in sol.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(["atoms", "powerlaw", "powerlaw_d"]), lam=ridges, n=sizes, sigma2=noises)
def test_never_nan_in_a_converged_solution(atoms, powerlaw, powerlaw_d, which, lam, n, sigma2):
    de, dim = {"atoms": (atoms, 100), "powerlaw": (powerlaw, None), "powerlaw_d": (powerlaw_d, 400)}[which]
    try:
        sol = de.solver()(lam=lam, n=n, sigma2=sigma2, on_failure="mark")
    except ParameterError as exc:   # only the singular point of a finite spectrum: lam = 0, d = n
        assert lam == 0 and n == dim, exc
        return
    ok = np.asarray(sol.converged)
    for f in FIELDS:
        v = np.asarray(sol[f], dtype=float)
        assert not np.isnan(v[ok]).any(), f
    assert bool(sol.converged), (which, lam, n, sigma2)
    # kappa = lam + kappa df1/n >= lam; kappa = 0 only when lam = 0 below the threshold n > d
    assert float(sol.kappa) >= lam
    if float(sol.kappa) == 0:
        assert lam == 0 and dim is not None and n > dim


def test_singular_and_overflowing_points_are_reported_per_point():
    """Found by an audit at the domain's edges: kappa^2 overflows for lam > ~1e154 (the risks
    came back inf, marked converged); lam = 0 at d = n is the interpolation pole (the mpmath
    backend raised a bare ZeroDivisionError); and one such point took a whole grid down even
    with on_failure="mark". Now: ParameterError by default, that point alone marked otherwise;
    the mpmath backend evaluates the large-lam point (lam -> oo: all bias, test error
    signal + sigma2 = 1.5)."""
    import mpmath
    de = spt.ridge(spt.Isotropic(signal=1))
    solve = de.solver()
    with pytest.raises(ParameterError, match="infinite"):
        solve(lam=1e155, n=100, d=101, sigma2=0.5)
    with pytest.raises(ParameterError, match="undefined"):
        solve(lam=0.0, n=100, d=100, sigma2=0.0)
    grid = solve(lam=[0.0, 1.0, 1e200], n=100, d=[[100], [50]], sigma2=0.0, on_failure="mark")
    assert grid.converged.tolist() == [[False, True, False], [True, True, False]]
    assert np.all(np.isfinite(grid.test_error[grid.converged]))
    with pytest.raises(ParameterError, match="undefined"):
        de.solver(backend="mpmath", dps=20)(lam=0, n=100, d=100, sigma2=0.5)
    big = de.solver(backend="mpmath", dps=20)(lam=mpmath.mpf("1e155"), n=100, d=101, sigma2=0.5)
    assert abs(float(big.test_error) - 1.5) < 1e-12
