"""Accuracy and interface tests of the spectral kernels (saddlepoint.solvers.spectral).

References are computed independently of the kernels' method:

* finite ``d <= 3000``: the sum itself, term by term in mpmath;
* otherwise the first ``N - 1`` terms plus mpmath's Euler--Maclaurin summation
  (``mpmath.sumem``, derivatives by numerical differentiation) of the tail, with the tail
  integral in closed form -- a Gauss hypergeometric function,
  ``int_N^oo x^-p (x^-a + k)^-b dx = k^-b N^(1-p)/(p-1) 2F1(b, c; c+1; -N^-a/k)``,
  ``c = (p-1)/a`` -- or, for finite ``d`` with a divergent infinite sum, by ``mpmath.quad``.

``mpmath.nsum``'s default Richardson/Shanks acceleration is *not* used: it is wrong for
these sums (e.g. 1.93868 instead of 1.95202 for kappa = 1, p = alpha = 1.5, b = 1), and
``nsum(method='e')`` integrates the tail with ``quad`` on ``[N, oo)``, which is off by
percents when p is close to 1.
"""

import dis
import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from saddlepoint.solvers import spectral
from saddlepoint.solvers.spectral import atoms_sum, atoms_sum_mp, powerlaw_sum, powerlaw_sum_mp

TOL = 1e-12  # required: 1e-10; observed: a few 1e-14


def summand(kappa, p, alpha, b):
    """f(x) = x^-p (x^-alpha + kappa)^-b in mpmath (arguments taken exactly)."""
    kappa, p, alpha, b = (mpmath.mpf(v) for v in (kappa, p, alpha, b))
    return lambda x: x ** -p * (x ** -alpha + kappa) ** -b


def reference_sum(kappa, p, alpha, b, d=None, dps=30, N=300):
    """sum_{k=1}^d k^-p (k^-alpha + kappa)^-b, independent of the kernels (module docstring)."""
    with mpmath.workdps(dps):
        f = summand(kappa, p, alpha, b)
        if d is not None and d <= 3000:
            return mpmath.fsum(f(mpmath.mpf(k)) for k in range(1, d + 1))
        k, p, alpha, b = (mpmath.mpf(v) for v in (kappa, p, alpha, b))

        def tail(n):  # sum_{j >= n} f(j)
            n = mpmath.mpf(n)
            if k == 0:
                integral = n ** (1 + alpha * b - p) / (p - alpha * b - 1)
            else:
                c = (p - 1) / alpha
                integral = k ** -b * n ** (1 - p) / (p - 1) * mpmath.hyp2f1(b, c, c + 1, -n ** -alpha / k)
            return mpmath.sumem(f, [n, mpmath.inf], integral=integral)

        head = mpmath.fsum(f(mpmath.mpf(j)) for j in range(1, N))
        if d is None:
            return head + tail(N)
        if p > 1 and (k > 0 or p - alpha * b > 1):
            return head + tail(N) - tail(d + 1)
        points = [mpmath.mpf(N)]
        while 2 * points[-1] < d:
            points.append(2 * points[-1])
        integral = mpmath.quad(f, points + [mpmath.mpf(d)])
        return head + mpmath.sumem(f, [N, d], integral=integral)


def relerr(value, ref):
    return float(abs(mpmath.mpf(float(value)) - ref) / abs(ref))


def converges(kappa, p, alpha, b, d):
    return d is not None or (p > 1 and (kappa > 0 or p - alpha * b > 1))


# exponents as they arise: p = alpha*a + beta*c, a in 0..3, c in {0, 1}, beta in (1, 6]
@st.composite
def powerlaw_cases(draw, d_strategy):
    d = draw(d_strategy)
    alpha = draw(st.floats(0.1, 5.0) if d is None else st.floats(0.05, 12.0))
    a, c = draw(st.integers(0, 3)), draw(st.integers(0, 1))
    beta = draw(st.floats(1.0, 6.0, exclude_min=True))
    b = draw(st.one_of(st.integers(0, 4).map(float), st.floats(0.0, 4.0)))
    kappa = draw(st.one_of(st.just(0.0), st.floats(-12.0, 6.0).map(lambda e: 10.0 ** e)))
    return kappa, alpha * a + beta * c, alpha, b, d


ALL_D = st.one_of(st.none(), st.integers(1, 3000), st.integers(3001, 10 ** 6))
SLOW = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@settings(max_examples=70, **SLOW)
@given(powerlaw_cases(ALL_D).filter(lambda t: converges(*t)))
@example((1e-10, 2.5, 1.5, 3.0, None))
@example((1e-10, 4.5, 1.5, 2.0, 10 ** 6))
@example((0.0, 4.0, 1.0, 2.0, None))
@example((1e6, 1.0001, 1.2, 1.0, None))        # p -> 1: slowly convergent tail
@example((1e-3, 1.0, 1.0, 1.0, 10 ** 5))        # p = 1 with finite d: logarithmic integral
@example((1e-12, 0.0, 0.05, 4.0, 10 ** 6))      # small alpha, growing summand
@example((1e-12, 0.0, 10.0, 4.0, 10 ** 6))      # large alpha: singularity near the real axis
@example((3e-7, 1.5, 5.0, 4.0, None))
def test_powerlaw_sum_matches_reference(case):
    kappa, p, alpha, b, d = case
    assert relerr(powerlaw_sum(kappa, p, alpha, b, d), reference_sum(*case)) <= TOL


@pytest.mark.parametrize("p, alpha, b, d", [
    (2.0, 1.0, 0, None), (4.5, 1.5, 2, None), (1.7, 0.3, 2.0, None), (1.01, 2.0, 0, None),
    (0.0, 1.3, 2, 10 ** 4), (3.0, 1.0, 2, 10 ** 5), (2.5, 2.0, 0.75, 123457), (0.5, 1.0, 0, 7),
    (1.2, 1.0, 0, 10 ** 6),
])
def test_powerlaw_sum_at_kappa_zero_is_zeta(p, alpha, b, d):
    # kappa = 0: sum_k k^-s with s = p - alpha b, i.e. zeta(s) - zeta(s, d + 1) (harmonic if s = 1)
    with mpmath.workdps(30):
        s = mpmath.mpf(p) - mpmath.mpf(alpha) * b
        if s == 1:
            ref = mpmath.harmonic(d)
        else:
            ref = mpmath.zeta(s) - (0 if d is None else mpmath.zeta(s, d + 1))
    assert relerr(powerlaw_sum(0.0, p, alpha, b, d), ref) <= TOL


@settings(max_examples=150, deadline=None)
@given(powerlaw_cases(st.integers(1, 10 ** 4)))
def test_powerlaw_sum_finite_d_matches_direct_numpy_sum(case):
    kappa, p, alpha, b, d = case
    kappas = np.array([0.0, kappa, 1e-10, 1e-3, 1.0, 1e4])
    k = np.arange(1, d + 1, dtype=float)
    direct = [math.fsum(k ** -p * (k ** -alpha + x) ** -b) for x in kappas]
    got = powerlaw_sum(kappas, p, alpha, b, d)
    np.testing.assert_allclose(got, direct, rtol=TOL, atol=0)


@pytest.mark.parametrize("kappa, p, alpha, b, d", [
    (1.0, 1.5, 1.5, 1, None), ("1e-10", 2.5, 1.5, 3, None), (0, 4.0, 1.0, 2, None),
    ("0.3", 2.7, 0.8, 2, None), ("1e-3", 1.0, 1.0, 1, 10 ** 5), ("2", 0.3, 0.1, 2.5, 2500),
    ("1e-7", 6.0, 4.0, 4, 10 ** 6),
])
def test_powerlaw_sum_mp_to_40_digits(kappa, p, alpha, b, d):
    ref = reference_sum(kappa, p, alpha, b, d, dps=50)
    prec = mpmath.mp.prec
    with mpmath.workdps(40):
        got = powerlaw_sum_mp(mpmath.mpf(kappa), p, alpha, b, d)
        assert mpmath.mp.dps == 40
        assert got == +got                      # rounded to the caller's precision
        assert abs(got - ref) / ref <= mpmath.mpf("1e-38")
    assert mpmath.mp.prec == prec


@pytest.mark.parametrize("kappa, p, alpha, b, d, match", [
    (0.5, 1.0, 1.5, 1, None, "diverges"),
    (0.5, 0.7, 1.5, 1, None, "diverges"),
    (0.0, 3.0, 1.0, 2, None, "diverges"),        # p - alpha b = 1
    ([1.0, 0.0], 3.0, 1.5, 2, None, "diverges"),
    (-1.0, 2.0, 1.5, 1, None, "kappa must be"),
    (1.0, 2.0, 0.0, 1, None, "alpha must be"),
    (1.0, 2.0, 1.5, -1, None, "b must be"),
    (1.0, 2.0, 1.5, 1, 0, "d must be"),
    (1.0, 2.0, 1.5, 1, 2.5, "d must be"),
])
def test_invalid_or_divergent_sums_raise(kappa, p, alpha, b, d, match):
    with pytest.raises(ValueError, match=match):
        powerlaw_sum(kappa, p, alpha, b, d)
    if np.ndim(kappa) == 0:
        with pytest.raises(ValueError, match=match):
            powerlaw_sum_mp(mpmath.mpf(kappa), p, alpha, b, d)


@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3, 4)])
@pytest.mark.parametrize("d", [None, 10, 10 ** 5])
def test_shapes_are_preserved(shape, d):
    rng = np.random.default_rng(0)
    kappa = 10.0 ** rng.uniform(-8, 2, size=shape)
    for fn, args in ((powerlaw_sum, (2.5, 1.5, 2, d)),
                     (atoms_sum, (np.array([0.5, 2.0]), np.array([1.0, 3.0]), 1, 2))):
        out = fn(kappa, *args)
        assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == shape
        flat = [float(fn(float(x), *args)) for x in np.ravel(kappa)]
        np.testing.assert_allclose(np.ravel(out), flat, rtol=1e-14, atol=0)


@settings(max_examples=80, deadline=None)
@given(omega=st.lists(st.floats(1e-6, 1e3), min_size=1, max_size=30),
       a=st.one_of(st.integers(0, 3), st.floats(0.0, 3.0)),
       b=st.one_of(st.integers(0, 4), st.floats(0.0, 4.0)),
       kappa=st.lists(st.one_of(st.just(0.0), st.floats(1e-12, 1e6)), min_size=1, max_size=5),
       data=st.data())
def test_atoms_sum_matches_direct_loop(omega, a, b, kappa, data):
    weight = data.draw(st.lists(st.floats(1e-3, 10.0), min_size=len(omega), max_size=len(omega)))
    got = atoms_sum(np.array(kappa), np.array(omega), np.array(weight), a, b)
    direct = [math.fsum(w * om ** a * (om + x) ** -b for om, w in zip(omega, weight)) for x in kappa]
    np.testing.assert_allclose(got, direct, rtol=1e-13, atol=0)
    with mpmath.workdps(30):
        exact = mpmath.fsum(mpmath.mpf(w) * mpmath.mpf(om) ** a * (mpmath.mpf(om) + kappa[0]) ** -b
                            for om, w in zip(omega, weight))
        assert abs(atoms_sum_mp(mpmath.mpf(kappa[0]), omega, weight, a, b) - exact) <= 1e-28 * exact


def _global_names(code):
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= _global_names(const)
    return names


def test_numpy_kernels_are_self_contained():
    import builtins
    allowed = set(spectral.NUMPY_KERNELS) | {"np", "math"} | set(dir(builtins))
    for name in spectral.NUMPY_KERNELS:
        obj = getattr(spectral, name)
        if callable(obj):
            assert _global_names(obj.__code__) <= allowed, name
        else:
            assert isinstance(obj, (int, float, tuple)), name
    src = spectral.numpy_kernels_source()
    imports = [ln for ln in src.splitlines() if ln.startswith(("import", "from"))]
    assert imports == ["import math", "import numpy as np"]
    namespace = {}
    exec(compile(src, "<generated kernels>", "exec"), namespace)
    kappa = np.concatenate([[0.0], np.logspace(-12, 6, 200)])
    omega, weight = np.array([0.1, 1.0, 3.0]), np.array([2.0, 1.0, 0.5])
    for args in [(4.5, 1.5, 2, None), (5.2, 1.3, 2.5, None), (0.0, 1.3, 4, 10 ** 6),
                 (1.0, 0.7, 1, 10 ** 5), (2.0, 20.0, 1, 3000), (2.0, 1.5, 1, 30)]:
        np.testing.assert_array_equal(namespace["powerlaw_sum"](kappa, *args), powerlaw_sum(kappa, *args))
    np.testing.assert_array_equal(namespace["atoms_sum"](kappa, omega, weight, 1, 2),
                                  atoms_sum(kappa, omega, weight, 1, 2))


@pytest.mark.parametrize("kappa,p,alpha,b", [
    (1.0, 1.5, 1.5, 1), (0.1, 3.0, 1.5, 2), (1e-2, 2.0, 2.0, 1), (1e-3, 4.0, 1.5, 2),
    (1e-4, 3.0, 1.5, 2), (10.0, 2.5, 2.5, 1), (1e-6, 6.0, 3.0, 2),
])
def test_powerlaw_sum_matches_mpmath_nsum(kappa, p, alpha, b):
    """The issue's reference: ``mpmath.nsum`` with its Euler-Maclaurin method (the default
    Richardson/Shanks acceleration is wrong for these slowly converging sums: module docstring)."""
    with mpmath.workdps(30):
        f = summand(kappa, p, alpha, b)
        ref = mpmath.nsum(f, [1, mpmath.inf], method="euler-maclaurin")
    assert relerr(powerlaw_sum(np.array([kappa]), p, alpha, b)[0], ref) <= 1e-10
