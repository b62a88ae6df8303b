"""``saddlepoint tour``: derive ridge, print its LaTeX, solve a grid, check against a simulation."""

import sys
import time

import numpy as np


def _say(title):
    print("\n" + title + "\n" + "=" * len(title))


def run(out=sys.stdout):
    import saddlepoint as spt
    t0 = time.time()

    _say("1. Derive: the deterministic equivalent of ridge regression (isotropic covariates)")
    de = spt.ridge(spt.Isotropic(signal=1))
    print(">>> de = spt.ridge(spt.Isotropic(signal=1))")
    print("equation:   ", de.equations[0])
    print("closed form:", de.closed_form[spt.symbols.kappa])
    ridgeless = de.limit("lam", 0)
    print("ridgeless excess risk (Hastie et al. 2022):", ridgeless.observables["excess_risk"])
    print("optimal ridge:", spt.optimal_ridge(de))

    _say("2. Typeset: de.latex()")
    print(de.latex())

    _say("3. Solve: a (lam, n) grid, vectorised and warm-started")
    solve = de.solver()
    lam = np.logspace(-3, 1, 5)[:, None]
    n = np.array([50, 100, 200, 400])
    sol = solve(lam=lam, n=n, d=100, sigma2=0.25)
    print(">>> solve(lam=np.logspace(-3, 1, 5)[:, None], n=[50, 100, 200, 400], d=100, sigma2=0.25).test_error")
    print("lam \\ n " + "".join(f"{v:>10d}" for v in n))
    for i, l in enumerate(lam[:, 0]):
        print(f"{l:<8.3g}" + "".join(f"{v:>10.4f}" for v in sol.test_error[i]))
    print(f"all converged: {bool(np.all(sol.converged))}; largest residual {float(np.max(sol.residual)):.1e}")

    pl = spt.ridge(spt.PowerLaw(alpha=1.5, beta=2.0)).solver()(lam=1e-3, n=1000, sigma2=0.1)
    print(f"power law, d = infinity (no truncation): kappa = {float(pl.kappa):.6g}, "
          f"excess risk = {float(pl.excess_risk):.6g}")

    _say("4. Check: theory against a finite-size simulation (64 seeds)")
    agreement = spt.check("ridge", lam=0.1, n=200, d=100, sigma2=0.25, seeds=64)
    print(agreement)

    print(f"\nTour done in {time.time() - t0:.1f} s. Next: `saddlepoint list`, "
          "`saddlepoint solve ridge-powerlaw lam=1e-4:1:log5 n=1000`, `saddlepoint codegen ridge -o ridge_solver.py`.")
    return 0 if agreement.passed() else 1
