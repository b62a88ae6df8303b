"""Benchmark: 100-point alpha sweeps on the replica engine vs per-point paper code.

What is solved
--------------
1. The teacher-student perceptron, Gibbs learning at T = 0 (version space), spherical teacher
   and student: the overlap R(alpha) and eps_g = arccos(R)/pi (Engel & Van den Broeck 2001,
   eq. (2.41)-(2.42)), alpha = linspace(0.1, 10, 100).
2. Logistic ERM on the Gaussian covariate model with isotropic features (noiseless sign
   teacher, rho = 1, lam = 0.1 in the normalisation sum_mu loss + (lam/2)|w|^2), the overlaps
   (m, q, V) and eps_g = arccos(m/sqrt(q))/pi (Loureiro et al. 2021; Aubin et al. 2020),
   alpha = linspace(0.2, 10, 100).

What is timed (time.perf_counter)
---------------------------------
* saddlepoint: the derivation is built and compiled once, outside the timing (one-off cost
  printed); the timed call is one vectorised ``solve(alpha=alphas, ...)`` for all 100 points.
* baseline, written the way public replica code does it: for each alpha, a damped fixed-point
  iteration (damping 0.5, stop when the update is < 1e-10 for the perceptron, < 1e-8 for
  logistic ERM, started cold) whose right-hand
  sides are ``scipy.integrate.quad`` integrals over the Gaussian variable; for logistic ERM
  the proximal operator inside each integrand evaluation is a ``scipy.optimize.brentq`` root
  (the GCMProject pattern: quad over xi, a scalar prox solve per integrand call). Equations:
  (1) R/sqrt(1 - R) = (alpha/pi) int Dt exp(-R t^2/2)/H(sqrt(R) t) (Engel & Van den Broeck
  eq. (2.42)), iterated on the left-hand side; (2) the GCM hat-variable iteration V = 1/(lam + V_hat), m = m_hat/(lam + V_hat),
  q = (m_hat^2 + q_hat)/(lam + V_hat)^2 with
  m_hat = alpha sum_y int Dxi dZ*/domega f_out, q_hat = alpha sum_y int Dxi Z* f_out^2,
  V_hat = -alpha sum_y int Dxi Z* df_out/domega, f_out = (prox - omega)/V,
  Z*(y, omega*) = H(-y omega*/sqrt(1 - m^2/q)), omega* = m xi/sqrt(q), omega = sqrt(q) xi
  (Loureiro et al. 2021, eq. (2.10) and app. B). The logistic baseline is slow: it is timed on
  ``--subset`` evenly spaced points of the sweep and its per-point time EXTRAPOLATED to 100
  points (printed as such); the perceptron baseline runs the full sweep.

Printed: times, the ratio baseline/saddlepoint, and the largest |difference| in eps_g (and R
or m, q) between the two on the points both computed.

Run:  python benchmarks/replica_sweep.py [--subset 10]   (about 1 minute on one core)
"""

import argparse
import math
import os
import sys
import time

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import erfc, erfcx, expit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a clone
from saddlepoint import replica  # noqa: E402

SQRT2PI = math.sqrt(2 * math.pi)


def H(x):
    return 0.5 * erfc(x / math.sqrt(2))


def gauss(x):
    return math.exp(-0.5 * x * x) / SQRT2PI


# --- baseline 1: Gibbs teacher-student perceptron ---------------------------------------------

def gibbs_rhs(R, alpha):
    """Iterate the textbook form x = R/sqrt(1 - R) = (alpha/pi) int Dt exp(-R t^2/2)/H(sqrt(R) t)
    on x and map back, R = x (sqrt(x^2 + 4) - x)/2 (iterating R = sqrt(1 - R) x directly is
    unstable at large alpha, where d sqrt(1 - R)/dR blows up)."""
    # exp(-R t^2/2)/H(sqrt(R) t) = 2/erfcx(sqrt(R/2) t): the scaled form does not underflow
    c = math.sqrt(R / 2)
    x = alpha / math.pi * quad(lambda t: gauss(t) * 2.0 / erfcx(c * t), -np.inf, np.inf)[0]
    return x * (math.sqrt(x * x + 4) - x) / 2


def gibbs_baseline(alpha, damping=0.5, tol=1e-10, maxiter=10_000):
    R = 0.5
    for it in range(maxiter):
        new = min(max((1 - damping) * R + damping * gibbs_rhs(R, alpha), 1e-12), 1 - 1e-15)
        if abs(new - R) < tol:
            return new, it + 1
        R = new
    raise RuntimeError(f"Gibbs baseline did not converge at alpha={alpha}")


# --- baseline 2: logistic ERM, GCM hat-variable iteration -----------------------------------------

def prox_logistic(u, V):
    """argmin_x log(1 + e^{-x}) + (x - u)^2/(2V): the root of x - u - V sigma(-x) in [u, u + V]."""
    g = lambda x: x - u - V * expit(-x)
    if g(u) == 0.0:          # far tail: sigma(-u) underflowed, the prox is u
        return u
    pad = 1e-9 * (1.0 + abs(u) + V)     # rounding of u + V must not flip the bracket's signs
    return brentq(g, u - pad, u + V + pad, xtol=1e-14, rtol=1e-15)


def logistic_hats(m, q, V, alpha):
    Vstar = max(1.0 - m * m / q, 1e-300)
    sq = math.sqrt(q)

    def pieces(xi, y):
        omega = sq * xi
        p = y * prox_logistic(y * omega, V)              # prox of loss(y, .) at omega
        f = (p - omega) / V
        s = expit(p) * expit(-p)
        dprox = 1.0 / (1.0 + V * s)
        df = (dprox - 1.0) / V
        w = m / sq * xi
        Z = H(-y * w / math.sqrt(Vstar))
        dZ = y * gauss(y * w / math.sqrt(Vstar)) / math.sqrt(Vstar)
        return Z, dZ, f, df

    def integral(k):
        total = 0.0
        for y in (1.0, -1.0):
            def integrand(xi, y=y):
                Z, dZ, f, df = pieces(xi, y)
                return gauss(xi) * (dZ * f, Z * f * f, -Z * df)[k]
            # finite limits, as public code does (the Gaussian weight is < 1e-31 beyond |xi| = 12)
            total += quad(integrand, -12.0, 12.0, limit=100)[0]
        return alpha * total
    return integral(0), integral(1), integral(2)


def logistic_baseline(alpha, lam, damping=0.5, tol=1e-8, maxiter=5_000):
    m, q, V = 0.5, 1.0, 1.0
    for it in range(maxiter):
        mh, qh, Vh = logistic_hats(m, q, V, alpha)
        Vn = 1.0 / (lam + Vh)
        mn = mh / (lam + Vh)
        qn = (mh * mh + qh) / (lam + Vh) ** 2
        new = [(1 - damping) * a + damping * b for a, b in ((m, mn), (q, qn), (V, Vn))]
        if max(abs(a - b) for a, b in zip(new, (m, q, V))) < tol:
            return tuple(new), it + 1
        m, q, V = new
    raise RuntimeError(f"logistic baseline did not converge at alpha={alpha}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subset", type=int, default=10,
                        help="points of the logistic sweep the (slow) baseline is timed on")
    args = parser.parse_args()

    # 1. Gibbs perceptron
    alphas = np.linspace(0.1, 10, 100)
    t0 = time.perf_counter()
    solve = replica.teacher_student_perceptron("gibbs").solver()
    build = time.perf_counter() - t0
    solve(alpha=alphas)                                   # warm-up (first call allocates)
    t0 = time.perf_counter()
    ours = solve(alpha=alphas)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = np.array([gibbs_baseline(a)[0] for a in alphas])
    t_base = time.perf_counter() - t0
    eps_ours = np.arccos(ours.R) / np.pi
    eps_base = np.arccos(base) / np.pi
    print("teacher-student perceptron (Gibbs, T = 0), 100 points alpha in [0.1, 10]")
    print(f"  saddlepoint: build+compile {build:.2f} s (once), solve {t_ours * 1e3:.1f} ms")
    print(f"  baseline (damped iteration + quad per point): {t_base:.2f} s")
    print(f"  ratio baseline/saddlepoint = {t_base / t_ours:.0f}")
    print(f"  max |dR| = {np.max(np.abs(ours.R - base)):.2e}, max |d eps_g| = {np.max(np.abs(eps_ours - eps_base)):.2e}")

    # 2. logistic ERM
    lam = 0.1
    alphas = np.linspace(0.2, 10, 100)
    t0 = time.perf_counter()
    solve = replica.gaussian_covariate("logistic", noise=0).solver()
    build = time.perf_counter() - t0
    solve(alpha=alphas[:2], lam=lam)
    t0 = time.perf_counter()
    ours = solve(alpha=alphas, lam=lam)
    t_ours = time.perf_counter() - t0
    idx = np.linspace(0, len(alphas) - 1, args.subset).round().astype(int)
    t0 = time.perf_counter()
    base = np.array([logistic_baseline(alphas[i], lam)[0] for i in idx])
    t_sub = time.perf_counter() - t0
    t_base = t_sub / len(idx) * len(alphas)
    eps_base = np.arccos(base[:, 0] / np.sqrt(base[:, 1])) / np.pi
    print(f"\nlogistic ERM (GCM, isotropic, lam = {lam}, noiseless), 100 points alpha in [0.2, 10]")
    print(f"  saddlepoint: build+compile {build:.2f} s (once), solve {t_ours:.3f} s")
    print(f"  baseline (damped hat iteration + quad + brentq prox): {t_sub:.1f} s on {len(idx)} points, "
          f"EXTRAPOLATED to 100 points: {t_base:.0f} s")
    print(f"  ratio baseline/saddlepoint = {t_base / t_ours:.0f}")
    print(f"  max |d eps_g| = {np.max(np.abs(ours.generalization_error[idx] - eps_base)):.2e}, "
          f"max |dm| = {np.max(np.abs(ours.m[idx] - base[:, 0])):.2e}, "
          f"max |dq| = {np.max(np.abs(ours.q[idx] - base[:, 1])):.2e}")


if __name__ == "__main__":
    main()
