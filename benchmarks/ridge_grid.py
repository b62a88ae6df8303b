"""Benchmark: the ridge deterministic equivalent on a (lam, n) grid, saddlepoint vs paper code.

What is solved
--------------
kappa = lam + (kappa/n) tr[Sigma (Sigma + kappa)^-1] for the power-law spectrum
omega_k = k^-1.5 with target power t_k = k^-2 (``spt.PowerLaw(alpha=1.5, beta=2.0, d=...)``),
and from kappa the excess risk

    excess_risk = [kappa^2 T(kappa) + sigma2 df2(kappa)/n] / (1 - df2(kappa)/n),
    T = sum_k t_k (omega_k + kappa)^-2,   df2 = sum_k omega_k^2 (omega_k + kappa)^-2,

with sigma2 = 0.1, on the grid lam = logspace(-4, 0, 200) x n = logspace(2, 4, 200)
(n is NOT rounded to integers; 40,000 points; ``--quick`` uses 40 x 40), for two spectra:
d = 10^5 atoms and d = infinity.

What is timed (time.perf_counter; best of a few repeats where cheap)
--------------------------------------------------------------------
* saddlepoint: ``solve = spt.ridge(spt.PowerLaw(alpha=1.5, beta=2.0, d=d)).solver()`` is built
  once, outside the timing (its one-off cost -- derivation + compilation -- is reported
  separately); the timed call is ``solve(lam=lam[:, None], n=n[None, :], sigma2=0.1)``, which
  computes kappa AND every observable (excess_risk, test_error, train_error, bias, variance,
  df1, df2, gcv). saddlepoint never truncates the spectrum: finite and infinite d are both
  summed by Euler--Maclaurin tails.
* (a) paper code, vectorised numpy Newton: Newton on h(kappa) = kappa (1 - df1/n) - lam
  (convex, increasing on the physical branch; started at lam + tr(Sigma)/n, above the root,
  so it converges monotonically), for all grid points at once, with the sums over the
  eigenvalues done as dense (points, d) arrays processed in cache-sized chunks of points;
  then excess_risk from kappa with the same dense sums. For d = infinity the sum is
  truncated at CUTOFF = 10^5 terms (the usual paper-code practice; 10^6 would take ~10x
  longer on the full grid); its difference from saddlepoint is then the truncation error,
  which for this slowly decaying spectrum (alpha = 1.5) is NOT small. As a check, the
  truncation is also repeated at 10^6 terms on the random subset used for (b).
* (b) paper code, per point: one ``scipy.optimize.brentq`` per grid point on the same h, with
  the numpy sum re-evaluated inside the objective, then excess_risk from kappa. It is timed on
  a fixed random subset (40 points, seed 0) and the per-point time is EXTRAPOLATED to the full
  grid.

Targets: saddlepoint/(a) <= 1.5 (no slower than hand-vectorised numpy), and
(b)/saddlepoint >= 20 (much faster than the per-point loop). The maximum relative
differences in kappa and excess_risk against (a) and (b) are printed so the comparison is
seen to be of the same numbers.

Run:  python benchmarks/ridge_grid.py [--quick]   (about 1-2 minutes on 2 cores)
"""

import argparse
import os
import sys
import time

import numpy as np
from scipy.optimize import brentq

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import saddlepoint as spt  # noqa: E402

ALPHA, BETA, SIGMA2 = 1.5, 2.0, 0.1
D_FINITE = 100_000
CUTOFF = 100_000            # truncation of the d = infinity sum in the baselines
CUTOFF_CHECK = 1_000_000    # larger truncation, on the (b) subset only
CHUNK_ELEMS = 400_000       # (points x d) elements per chunk (~3 MB: stays in cache)
SUBSET = 40                 # points for the per-point brentq baseline
SEED = 0


def best_of(fn, repeats):
    """(best wall time, result of the last call)."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def spectrum_arrays(d):
    k = np.arange(1, d + 1, dtype=float)
    omega = k ** -ALPHA
    target = k ** -BETA
    return omega, target, target / omega**2   # t_k/(omega_k+kappa)^2 = (t_k/omega_k^2) q_k^2


# ---------------------------------------------------------------------------------------------
# (a) vectorised numpy Newton over the whole grid, dense sums in chunks
# ---------------------------------------------------------------------------------------------
def baseline_numpy(lam, n, d, sigma2=SIGMA2, tol=1e-13, maxiter=60):
    """kappa and excess_risk on flat arrays lam, n; dense sums over d eigenvalues."""
    omega, _, c = spectrum_arrays(d)
    trace = omega.sum()
    lam, n = np.asarray(lam, float).ravel(), np.asarray(n, float).ravel()
    kappa = np.empty(lam.size)
    excess = np.empty(lam.size)
    step = max(1, CHUNK_ELEMS // d)
    buf = np.empty((step, d))
    for s in range(0, lam.size, step):
        la, nn = lam[s:s + step], n[s:s + step]
        Q = buf[:la.size]
        kap = la + trace / nn                      # above the root: h(kap) >= 0
        for _ in range(maxiter):
            np.add(kap[:, None], omega, out=Q)
            np.divide(omega, Q, out=Q)             # q = omega/(omega+kappa)
            df1 = Q.sum(axis=1)
            df2 = np.einsum("ij,ij->i", Q, Q)
            h = kap * (1.0 - df1 / nn) - la
            dh = 1.0 - df2 / nn
            delta = h / dh
            kap = kap - delta
            if np.all(np.abs(delta) <= tol * kap):
                break
        np.add(kap[:, None], omega, out=Q)
        np.divide(omega, Q, out=Q)
        np.multiply(Q, Q, out=Q)                   # q^2
        df2 = Q.sum(axis=1)
        T = Q @ c                                  # sum t/(omega+kappa)^2
        g = df2 / nn
        kappa[s:s + step] = kap
        excess[s:s + step] = (kap**2 * T + sigma2 * g) / (1.0 - g)
    return kappa, excess


# ---------------------------------------------------------------------------------------------
# (b) one brentq per grid point, numpy sum inside the objective
# ---------------------------------------------------------------------------------------------
def baseline_brentq(lam, n, d, sigma2=SIGMA2):
    omega, target, _ = spectrum_arrays(d)
    trace = omega.sum()
    kappa = np.empty(len(lam))
    excess = np.empty(len(lam))
    for i, (la, nn) in enumerate(zip(lam, n)):
        h = lambda k: k - la - k * np.sum(omega / (omega + k)) / nn
        kap = brentq(h, la, la + trace / nn, xtol=1e-16 * la, rtol=1e-14)
        r = 1.0 / (omega + kap)
        df2 = np.sum((omega * r) ** 2)
        T = np.sum(target * r * r)
        g = df2 / nn
        kappa[i] = kap
        excess[i] = (kap**2 * T + sigma2 * g) / (1.0 - g)
    return kappa, excess


def maxrel(a, b):
    return float(np.max(np.abs(a - b) / np.abs(b)))


def run_case(label, d_spt, d_base, lam_g, n_g, subset, repeats, base_repeats):
    print(f"\n=== {label} ===")
    t0 = time.perf_counter()
    de = spt.ridge(spt.PowerLaw(alpha=ALPHA, beta=BETA, d=d_spt))
    t1 = time.perf_counter()
    solve = de.solver()
    t2 = time.perf_counter()
    print(f"saddlepoint one-off: derivation {t1 - t0:.3f} s + solver compile {t2 - t1:.3f} s "
          f"= {t2 - t0:.3f} s (not in the timings below)")

    call = lambda: solve(lam=lam_g[:, None], n=n_g[None, :], sigma2=SIGMA2)
    solve(lam=lam_g[:3, None], n=n_g[None, :3], sigma2=SIGMA2)   # warm-up
    t_spt, sol = best_of(call, repeats)
    k_spt, r_spt = sol.kappa.ravel(), sol.excess_risk.ravel()
    assert sol.status == 0, sol.message
    npts = k_spt.size
    print(f"saddlepoint  : {t_spt:8.3f} s  ({npts} points, kappa + 8 observables, best of {repeats}; "
          f"iterations mean {sol.iterations.mean():.1f}, max {sol.iterations.max()})")

    L, N = np.meshgrid(lam_g, n_g, indexing="ij")
    L, N = L.ravel(), N.ravel()
    t_a, (k_a, r_a) = best_of(lambda: baseline_numpy(L, N, d_base), base_repeats)
    trunc = "" if d_spt is not None else f", sum truncated at {d_base:.0e} terms"
    print(f"(a) numpy    : {t_a:8.3f} s  (dense Newton, chunks of {max(1, CHUNK_ELEMS // d_base)} points x {d_base}{trunc}, "
          f"best of {base_repeats})")

    t_b, (k_b, r_b) = best_of(lambda: baseline_brentq(L[subset], N[subset], d_base), 3)
    per_pt = t_b / subset.size
    t_b_full = per_pt * npts
    print(f"(b) brentq   : {t_b_full:8.1f} s  EXTRAPOLATED from {subset.size} random points "
          f"({t_b:.3f} s best of 3, {1e3 * per_pt:.2f} ms/point) x {npts}{trunc}")

    print(f"ratio saddlepoint/(a)  = {t_spt / t_a:8.4f}   (target <= 1.5)  "
          f"{'OK' if t_spt / t_a <= 1.5 else 'MISSED'}")
    print(f"ratio (b)/saddlepoint  = {t_b_full / t_spt:8.1f}   (target >= 20, (b) extrapolated)  "
          f"{'OK' if t_b_full / t_spt >= 20 else 'MISSED'}")
    what = "difference" if d_spt is not None else "difference = truncation error of the baseline"
    print(f"max rel {what}:")
    print(f"  vs (a), full grid : kappa {maxrel(k_a, k_spt):.2e}   excess_risk {maxrel(r_a, r_spt):.2e}")
    print(f"  vs (b), subset    : kappa {maxrel(k_b, k_spt[subset]):.2e}   "
          f"excess_risk {maxrel(r_b, r_spt[subset]):.2e}")
    print(f"  (a) vs (b), subset: kappa {maxrel(k_b, k_a[subset]):.2e}   "
          f"excess_risk {maxrel(r_b, r_a[subset]):.2e}   (the two baselines agree)")
    if d_spt is None:
        t_c, (k_c, r_c) = best_of(lambda: baseline_numpy(L[subset], N[subset], CUTOFF_CHECK), 1)
        print(f"  truncation at {CUTOFF_CHECK:.0e} terms, subset ({t_c:.2f} s): kappa "
              f"{maxrel(k_c, k_spt[subset]):.2e}   excess_risk {maxrel(r_c, r_spt[subset]):.2e}   "
              f"(shrinks ~ cutoff^-1/2)")
    return dict(spt=t_spt, a=t_a, b=t_b_full)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="40 x 40 grid instead of 200 x 200")
    args = ap.parse_args()
    m = 40 if args.quick else 200
    lam_g = np.logspace(-4, 0, m)
    n_g = np.logspace(2, 4, m)          # not rounded: n enters the theory as a real number
    rng = np.random.default_rng(SEED)
    subset = np.sort(rng.choice(m * m, size=min(SUBSET, m * m), replace=False))
    print(f"ridge deterministic equivalent, omega_k = k^-{ALPHA}, t_k = k^-{BETA}, sigma2 = {SIGMA2}; "
          f"grid lam = logspace(-4, 0, {m}) x n = logspace(2, 4, {m}) (n not rounded) = {m * m} points")
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs")
    out = {}
    out["d=1e5"] = run_case("d = 10^5", D_FINITE, D_FINITE, lam_g, n_g, subset, repeats=5,
                            base_repeats=3 if args.quick else 1)
    out["d=inf"] = run_case("d = infinity", None, CUTOFF, lam_g, n_g, subset, repeats=5,
                            base_repeats=3 if args.quick else 1)
    print("\nsummary (seconds)      saddlepoint      (a)   (b, extrap.)   spt/(a)   (b)/spt")
    for k, v in out.items():
        print(f"  {k:<20} {v['spt']:11.3f} {v['a']:9.2f} {v['b']:12.1f} {v['spt'] / v['a']:9.4f} "
              f"{v['b'] / v['spt']:9.0f}")


if __name__ == "__main__":
    main()
