"""Tests of saddlepoint.simulate.ridge against a naive per-seed implementation of the definition."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from saddlepoint.errors import ParameterError
from saddlepoint.simulate import Estimate, SimulationResult, ridge

OBS = ("excess_risk", "test_error", "train_error", "bias", "variance", "df1", "df2", "kappa", "gcv")

ATOMS = SimpleNamespace(kind="atoms", eigenvalues=(2.0, 0.5), target=(0.02, 0.005), multiplicity=(5, 7))
ISO = SimpleNamespace(kind="isotropic", signal=1.5)
POW = SimpleNamespace(kind="powerlaw", alpha=1.5, beta=2.0, d=None)


def spectrum_arrays(spec, d):
    if spec.kind == "isotropic":
        return np.ones(d), np.full(d, float(spec.signal) / d)
    if spec.kind == "atoms":
        om = np.concatenate([[float(e)] * m for e, m in zip(spec.eigenvalues, spec.multiplicity)])
        t = np.concatenate([[float(x)] * m for x, m in zip(spec.target, spec.multiplicity)])
        return om, t
    k = np.arange(1.0, d + 1)
    return k ** -float(spec.alpha), k ** -float(spec.beta)


def naive(spec, lam, n, d, sigma2, seeds, seed):
    """Direct implementation: explicit X, solve/lstsq, explicit inverses. Returns {obs: (seeds,)}."""
    omega, t = spectrum_arrays(spec, d)
    Sigma = np.diag(omega)
    out = {k: np.empty(seeds) for k in OBS}
    for k, child in enumerate(np.random.SeedSequence(seed).spawn(seeds)):
        rng = np.random.default_rng(child)
        Z = rng.standard_normal((n, d))
        signs = 1 - 2 * rng.integers(0, 2, size=d)
        g = rng.standard_normal(n)
        X = Z * np.sqrt(omega)
        w_star = signs * np.sqrt(t / omega)
        y0 = X @ w_star
        y = y0 + math.sqrt(sigma2) * g
        Sh = X.T @ X / n
        K = X @ X.T / n

        def fit(yy):
            if lam == 0:
                return np.linalg.lstsq(X, yy, rcond=None)[0]
            return np.linalg.solve(Sh + lam * np.eye(d), X.T @ yy / n)

        def risk(w):
            e = w - w_star
            return e @ Sigma @ e

        w = fit(y)
        A = np.linalg.pinv(Sh) if lam == 0 else np.linalg.inv(Sh + lam * np.eye(d))
        v = np.trace(Sigma @ A @ X.T @ X @ A) / n**2
        out["excess_risk"][k] = risk(w)
        out["test_error"][k] = risk(w) + sigma2
        out["train_error"][k] = np.mean((y - X @ w) ** 2)
        out["bias"][k] = risk(fit(y0))
        out["variance"][k] = sigma2 * v
        out["df2"][k] = n * v / (1 + v)
        if lam == 0:
            rank = np.linalg.matrix_rank(X)
            out["df1"][k] = rank
            if rank == n:
                Ki = np.linalg.inv(K)
                out["kappa"][k] = n / np.trace(Ki)
                out["gcv"][k] = n * np.sum((Ki @ y) ** 2) / np.trace(Ki) ** 2
            else:
                out["kappa"][k] = 0.0
                out["gcv"][k] = out["train_error"][k] / (1 - rank / n) ** 2
        else:
            df1 = np.trace(Sh @ np.linalg.inv(Sh + lam * np.eye(d)))
            out["df1"][k] = df1
            out["kappa"][k] = n / np.trace(np.linalg.inv(K + lam * np.eye(n)))
            out["gcv"][k] = out["train_error"][k] / (1 - df1 / n) ** 2
    return out


@pytest.mark.parametrize(
    "spec,n,d",
    [(ATOMS, 30, 12), (ATOMS, 9, 12), (ISO, 25, 40), (ISO, 20, 20), (POW, 15, 35), (POW, 50, 20)],
)
def test_fast_path_matches_naive(spec, n, d):
    lams = np.array([0.0, 1e-3, 0.05, 1.0, 30.0])
    sigma2 = 0.3
    seeds = 5
    res = ridge(spec, lams, n, d=d, sigma2=sigma2, seeds=seeds, seed=7)
    for j, lam in enumerate(lams):
        if lam == 0 and n == d:
            continue  # square X: lam = 0 is legitimate but too ill-conditioned for a tight comparison
        ref = naive(spec, lam, n, d, sigma2, seeds, 7)
        for name in OBS:
            got = res.samples[name][:, j]
            np.testing.assert_allclose(got, ref[name], rtol=1e-7, atol=1e-11, err_msg=f"{name} lam={lam}")


def test_square_lam0_matches_naive_loosely():
    res = ridge(ISO, 0.0, 20, d=20, sigma2=0.3, seeds=4, seed=3)
    ref = naive(ISO, 0.0, 20, 20, 0.3, 4, 3)
    for name in OBS:
        np.testing.assert_allclose(res.samples[name], ref[name], rtol=1e-5, atol=1e-20, err_msg=name)


@pytest.mark.parametrize("n", [20, 8])
def test_numerically_rank_deficient_design_matches_lstsq(n):
    # modes of variance 1e-40 make X numerically rank 5: at lam = 0 the pseudo-inverse cut-off
    # must drop them (as lstsq / matrix_rank do), also when d > n where K is then singular.
    spec = SimpleNamespace(kind="atoms", eigenvalues=(1.0, 1e-40), target=(0.1, 0.0), multiplicity=(5, 10))
    lams = [0.0, 0.01, 1.0]
    res = ridge(spec, lams, n, sigma2=0.2, seeds=4, seed=9)
    for j, lam in enumerate(lams):
        ref = naive(spec, lam, n, 15, 0.2, 4, 9)
        for name in OBS:
            np.testing.assert_allclose(res.samples[name][:, j], ref[name], rtol=1e-7, atol=1e-12,
                                       err_msg=f"{name} lam={lam}")
    np.testing.assert_array_equal(res.samples["df1"][:, 0], 5.0)
    np.testing.assert_array_equal(res.samples["kappa"][:, 0], 0.0)


def test_sigma2_grid_matches_separate_calls():
    lam = np.array([[0.0], [0.1], [2.0]])
    sig = np.array([0.0, 0.5, 2.0, 0.5])
    res = ridge(ATOMS, lam, 20, sigma2=sig, seeds=6, seed=1)
    assert res.shape == (3, 4)
    for name in OBS:
        assert res[name].mean.shape == (3, 4)
        assert res[name].stderr.shape == (3, 4)
        assert res.samples[name].shape == (6, 3, 4)
    for i in range(3):
        for j in range(4):
            one = ridge(ATOMS, float(lam[i, 0]), 20, sigma2=float(sig[j]), seeds=6, seed=1)
            for name in OBS:
                np.testing.assert_allclose(res.samples[name][:, i, j], one.samples[name],
                                           rtol=1e-10, atol=1e-14)
    # duplicated grid points (sigma2 = 0.5 twice) are identical
    np.testing.assert_array_equal(res.samples["excess_risk"][:, :, 1], res.samples["excess_risk"][:, :, 3])


def test_scalar_result_and_containers():
    res = ridge(ISO, 0.2, 30, d=10, sigma2=0.1, seeds=8, seed=2)
    assert isinstance(res, SimulationResult)
    assert res.observables == OBS
    assert res.shape == ()
    est = res.excess_risk
    assert isinstance(est, Estimate) and est is res["excess_risk"]
    assert np.ndim(est.mean) == 0 and est.n == 8
    s = res.samples["excess_risk"]
    assert s.shape == (8,)
    assert est.mean == pytest.approx(s.mean(), rel=1e-14)
    assert est.stderr == pytest.approx(s.std(ddof=1) / math.sqrt(8), rel=1e-12)
    assert res.mean["gcv"] == res.gcv.mean and res.stderr["gcv"] == res.gcv.stderr
    assert res.parameters == {"lam": 0.2, "n": 30, "d": 10, "sigma2": 0.1, "seeds": 8, "seed": 2}
    text = repr(res)
    for name in OBS:
        assert name in text
    with pytest.raises(AttributeError):
        res.not_an_observable
    with pytest.raises(KeyError):
        res["not_an_observable"]
    assert "grid shape (3,)" in repr(ridge(ISO, [0.1, 1.0, 2.0], 30, d=10, seeds=2))


def test_single_seed_has_nan_stderr():
    res = ridge(ISO, 0.2, 30, d=10, seeds=1)
    assert np.isnan(res.bias.stderr) and np.isfinite(res.bias.mean)


def test_reproducible_and_prefix_property():
    lams = [0.0, 0.3]
    a = ridge(ATOMS, lams, 15, sigma2=0.2, seeds=32, seed=11)
    b = ridge(ATOMS, lams, 15, sigma2=0.2, seeds=32, seed=11)
    c = ridge(ATOMS, lams, 15, sigma2=0.2, seeds=64, seed=11)
    other = ridge(ATOMS, lams, 15, sigma2=0.2, seeds=32, seed=12)
    for name in OBS:
        np.testing.assert_array_equal(a.samples[name], b.samples[name])
        np.testing.assert_allclose(c.samples[name][:32], a.samples[name], rtol=1e-12, atol=1e-15)
    assert not np.allclose(a.samples["excess_risk"], other.samples["excess_risk"])
    assert not np.allclose(c.samples["excess_risk"][32:], a.samples["excess_risk"])


def test_large_lam_limit():
    # w_hat -> 0 as lam -> infinity: excess risk -> sum_i t_i = ||w*||_Sigma^2, df1 -> 0,
    # kappa -> lam, train error -> ||y||^2/n.
    total = 5 * 0.02 + 7 * 0.005
    res = ridge(ATOMS, 1e9, 20, sigma2=0.4, seeds=6)
    np.testing.assert_allclose(res.samples["excess_risk"], total, rtol=1e-6)
    np.testing.assert_allclose(res.samples["bias"], total, rtol=1e-6)
    assert np.all(res.samples["variance"] < 1e-15)
    assert np.all(res.samples["df1"] < 1e-6)
    np.testing.assert_allclose(res.samples["kappa"], 1e9, rtol=1e-6)


def test_interpolation_underparameterised_noiseless():
    # lam = 0 and d < n: least squares recovers w* exactly without noise.
    res = ridge(ATOMS, 0.0, 40, seeds=8)
    assert np.all(res.samples["excess_risk"] < 1e-20)
    assert np.all(res.samples["bias"] < 1e-20)
    assert np.all(res.samples["train_error"] < 1e-20)
    np.testing.assert_array_equal(res.samples["df1"], 12.0)
    np.testing.assert_array_equal(res.samples["kappa"], 0.0)


def test_overparameterised_lam0_interpolates():
    res = ridge(POW, 0.0, 15, d=60, sigma2=0.5, seeds=6)
    assert np.all(res.samples["train_error"] < 1e-20)
    np.testing.assert_array_equal(res.samples["df1"], 15.0)
    assert np.all(np.isfinite(res.samples["gcv"])) and np.all(res.samples["gcv"] > 0)
    assert np.all(res.samples["kappa"] > 0)
    # gcv / kappa are continuous at lam = 0 from above
    near = ridge(POW, 1e-10, 15, d=60, sigma2=0.5, seeds=6)
    np.testing.assert_allclose(near.samples["gcv"], res.samples["gcv"], rtol=1e-6)
    np.testing.assert_allclose(near.samples["kappa"], res.samples["kappa"], rtol=1e-6)


def test_exact_identities_per_draw():
    lams = np.array([0.0, 0.01, 0.1, 1.0, 10.0])
    sigma2 = 0.7
    for spec, n, d in [(ISO, 30, 18), (ISO, 18, 30)]:
        res = ridge(spec, lams, n, d=d, sigma2=sigma2, seeds=5)
        S = res.samples
        np.testing.assert_allclose(S["test_error"] - S["excess_risk"], sigma2, rtol=1e-12)
        gamma = S["df2"] / n
        np.testing.assert_allclose(S["variance"], sigma2 * gamma / (1 - gamma), rtol=1e-10)
        pos = lams > 0
        np.testing.assert_allclose(S["kappa"][:, pos], lams[pos] / (1 - S["df1"][:, pos] / n), rtol=1e-10)
        gcv = S["train_error"][:, pos] / (1 - S["df1"][:, pos] / n) ** 2
        np.testing.assert_allclose(S["gcv"][:, pos], gcv, rtol=1e-10)
        # df1 and the variance decrease strictly with lam for each draw
        assert np.all(np.diff(S["df1"], axis=1) < 0)
        assert np.all(np.diff(S["variance"], axis=1) < 0)
        # noiseless excess risk equals the bias; bias does not depend on sigma2
        clean = ridge(spec, lams, n, d=d, sigma2=0.0, seeds=5)
        np.testing.assert_allclose(clean.samples["excess_risk"], S["bias"], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(clean.samples["bias"], S["bias"], rtol=1e-12, atol=1e-16)


def test_least_squares_exact_moments():
    # lam = 0, Sigma = I, d < n: train error = sigma2 ||P_perp g||^2 / n with E = sigma2 (n-d)/n,
    # and the variance is sigma2 tr((X^T X)^-1) with E = sigma2 d / (n - d - 1) (inverse Wishart).
    n, d, sigma2 = 40, 10, 0.5
    res = ridge(ISO, 0.0, n, d=d, sigma2=sigma2, seeds=400, seed=5)
    tr = res.train_error
    assert abs(tr.mean - sigma2 * (n - d) / n) < 4 * tr.stderr
    var = res.variance
    assert abs(var.mean - sigma2 * d / (n - d - 1)) < 4 * var.stderr
    # eps-average of the excess risk at fixed X is bias + variance (bias = 0 here)
    ex = res.excess_risk
    assert abs(ex.mean - var.mean) < 4 * ex.stderr


def test_spectrum_dimensions():
    assert ridge(ATOMS, 0.1, 10, seeds=2).parameters["d"] == 12
    assert ridge(ATOMS, 0.1, 10, d=12, seeds=2).parameters["d"] == 12
    fin = SimpleNamespace(kind="powerlaw", alpha=1.0, beta=1.0, d=9)
    assert ridge(fin, 0.1, 10, seeds=2).parameters["d"] == 9
    assert ridge(fin, 0.1, 10, d=9, seeds=2).parameters["d"] == 9
    iso_d = SimpleNamespace(kind="isotropic", signal=1.0, d=7)
    assert ridge(iso_d, 0.1, 10, seeds=2).parameters["d"] == 7
    with pytest.raises(ParameterError, match="`d`"):
        ridge(iso_d, 0.1, 10, d=8, seeds=2)
    # same draws whether d comes from the spectrum or from the argument
    inf = SimpleNamespace(kind="powerlaw", alpha=1.0, beta=1.0, d=None)
    np.testing.assert_array_equal(ridge(fin, 0.1, 10, seeds=2).samples["gcv"],
                                  ridge(inf, 0.1, 10, d=9, seeds=2).samples["gcv"])


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(n=0), "n"), (dict(n=-3), "n"), (dict(n=2.5), "n"), (dict(n=True), "n"),
        (dict(n=float("nan")), "n"), (dict(n="10"), "n"),
        (dict(d=11), "d"), (dict(d=12.5), "d"),
        (dict(seeds=0), "seeds"), (dict(seeds=1.5), "seeds"), (dict(seeds=False), "seeds"),
        (dict(seed=-1), "seed"),
        (dict(lam=-0.1), "lam"), (dict(lam=float("nan")), "lam"), (dict(lam=float("inf")), "lam"),
        (dict(lam=[0.1, -1.0]), "lam"), (dict(lam=True), "lam"), (dict(lam="x"), "lam"),
        (dict(sigma2=-1e-3), "sigma2"), (dict(sigma2=float("inf")), "sigma2"),
        (dict(lam=[0.1, 0.2], sigma2=[0.1, 0.2, 0.3]), "sigma2"),
        (dict(spectrum=SimpleNamespace(kind="wishart")), "spectrum"),
        (dict(spectrum=ISO), "d"),
        (dict(spectrum=POW), "d"),
        (dict(spectrum=SimpleNamespace(kind="powerlaw", alpha=1, beta=1, d=9), d=10), "d"),
        (dict(spectrum=SimpleNamespace(kind="atoms", eigenvalues=(1.0, -1.0), target=(1.0, 1.0),
                                       multiplicity=(2, 2))), "spectrum"),
        (dict(spectrum=ISO, d=30_000), "d"),
        (dict(spectrum=ISO, d=10_000, n=10_000), "n"),
        (dict(spectrum=ISO, d=10_000, n=2_000, seeds=1000), "d"),
        (dict(spectrum=ISO, d=10, n=10, lam=np.ones(10**5), seeds=100), "seeds"),
    ],
)
def test_invalid_inputs_name_the_argument(kwargs, name):
    args = dict(spectrum=ATOMS, lam=0.1, n=10, seeds=2)
    args.update(kwargs)
    with pytest.raises(ParameterError) as info:
        ridge(**args)
    assert info.value.parameter == name
    assert str(info.value).startswith(f"`{name}`")


def test_integral_and_sympy_like_numbers_accepted():
    res = ridge(ATOMS, np.float64(0.1), 10.0, d=np.int64(12), seeds=2.0, sigma2=np.array(0.2))
    assert res.parameters["n"] == 10 and res.parameters["seeds"] == 2
    sympy = pytest.importorskip("sympy")
    spec = SimpleNamespace(kind="atoms", eigenvalues=(sympy.Integer(2), sympy.Rational(1, 2)),
                           target=(sympy.Rational(1, 50), sympy.Rational(1, 200)),
                           multiplicity=(sympy.Integer(5), sympy.Integer(7)))
    a = ridge(spec, sympy.Rational(1, 10), sympy.Integer(10), seeds=3)
    b = ridge(ATOMS, 0.1, 10, seeds=3)
    np.testing.assert_allclose(a.samples["excess_risk"], b.samples["excess_risk"], rtol=1e-14)
