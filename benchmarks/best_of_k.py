"""Benchmark: the best-of-k leading coefficient lim k^2 E_k to 30 and 50 digits.

Model (Halder & Pehlevan 2025, arXiv:2512.19905, best-of-k limit): X_1..X_k i.i.d. N(mean, std^2),
E_k = E[min_i X_i^2], k^2 E_k -> pi std^2 exp(mean^2/std^2); here mean = 0.7, std = 1.3.

What is timed (time.perf_counter, in one process):
* ``closed_form`` -- ``spt.best_of_k(mean, std).leading_coefficient(dps)``: the coefficient is
  DERIVED symbolically (Watson's lemma on the series of the CDF of X^2, obtained from the Gaussian
  CDF by SymPy; saddlepoint.derivations.extremes), compiled to an mpmath function and evaluated at
  two working precisions (dps + 10, dps + 20) whose agreement is required. The first call is
  "cold" (includes the SymPy derivation and compilation); later calls are "warm".
* ``extrapolation`` (30 digits only; skipped with --quick) -- the independent numerical route:
  exact finite-k quadratures E_k at k = k0..16 k0, each to ~45 digits, then Richardson
  extrapolation of k^2 E_k to 1/k = 0 (saddlepoint.solvers.highprec). Its agreement with the
  closed form is printed.

Targets: 30 digits < 2 s and 50 digits < 10 s (cold, i.e. including the derivation).

    python benchmarks/best_of_k.py           # ~20 s (most of it the extrapolation check)
    python benchmarks/best_of_k.py --quick   # ~2 s
"""

import sys
import os
import time

import mpmath

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a clone
import saddlepoint as spt  # noqa: E402

MEAN, STD = 0.7, 1.3
TARGETS = {30: 2.0, 50: 10.0}


def timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def main(quick=False):
    b = spt.best_of_k(MEAN, STD)
    print(f"best-of-k leading coefficient, mean={MEAN}, std={STD}")
    print(f"{'dps':>4}  {'method':<14} {'cold s':>8} {'warm s':>8} {'target s':>9} {'cold/target':>12}  value")
    results = {}
    module = sys.modules["saddlepoint.best_of_k"]
    for dps, target in TARGETS.items():
        module._expansion.cache_clear()          # each "cold" time includes the derivation
        module._leading_mpmath.cache_clear()
        value, cold = timed(lambda: b.leading_coefficient(dps=dps))
        _, warm = timed(lambda: b.leading_coefficient(dps=dps))
        results[dps] = value
        print(f"{dps:>4}  {'closed_form':<14} {cold:>8.3f} {warm:>8.4f} {target:>9.1f} {cold / target:>12.3f}  "
              f"{mpmath.nstr(value, dps)}")
    with mpmath.workdps(80):
        m, s = mpmath.mpf(str(MEAN)), mpmath.mpf(str(STD))     # float parameters mean their decimals
        exact = mpmath.pi * s**2 * mpmath.exp(m**2 / s**2)
        for dps, value in results.items():
            print(f"  {dps} digits: relative difference to pi std^2 exp(mean^2/std^2) typed by hand "
                  f"= {mpmath.nstr(abs(value / exact - 1), 3)}")
    if not quick:
        value, seconds = timed(lambda: b.leading_coefficient(dps=30, method="extrapolation"))
        with mpmath.workdps(60):
            rel = abs(value / results[30] - 1)
        print(f"{30:>4}  {'extrapolation':<14} {seconds:>8.3f} {'':>8} {'(none)':>9} {'':>12}  "
              f"{mpmath.nstr(value, 30)}")
        print(f"  extrapolation vs closed form: relative difference {mpmath.nstr(rel, 3)}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
