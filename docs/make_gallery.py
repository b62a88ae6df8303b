"""Draw the gallery figures: theory curves (lines) with simulation points (mean +- stderr).

    python docs/make_gallery.py [--seeds N] [--out DIR] [NAME ...]

writes, into ``docs/img/`` by default:

* ``ridge-vs-lambda.png``  -- isotropic ridge, test error against lam for several n;
* ``double-descent.png``   -- test error against n for several d at lam ~ 0 (and at the
  optimal lam), the interpolation peak at n = d;
* ``powerlaw-learning-curve.png`` -- excess risk against n for a power-law spectrum at
  d = infinity, simulated at a finite d.

Conventions: ridge normalised by 1/n (w_hat = argmin (1/n)||y - Xw||^2 + lam||w||^2);
test_error = excess_risk + sigma2. Needs matplotlib (``pip install -e ".[plot]"``); without
it the script prints a message and exits with status 1. Seeds are fixed, so the figures are
reproducible; a run takes about a minute on two cores.
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _errorbar(ax, x, est, color, marker="o", label=None):
    ax.errorbar(x, est.mean, yerr=est.stderr, fmt=marker, color=color, ms=4.5, capsize=2,
                elinewidth=1, mfc="white", mew=1.2, label=label, zorder=3)


def ridge_vs_lambda(spt, np, plt, seeds):
    """Test error against lam, isotropic covariates, d = 100, sigma2 = 1/4, ||w*||^2 = 1."""
    d, sigma2 = 100, 0.25
    spectrum = spt.Isotropic(signal=1)
    solve = spt.ridge(spectrum).solver()
    ns = [50, 100, 200, 400]
    lam_curve = np.geomspace(1e-3, 10, 300)
    lam_sim = np.geomspace(1e-3, 10, 9)
    theory = solve(lam=lam_curve[:, None], n=ns, d=d, sigma2=sigma2)
    fig, ax = plt.subplots(figsize=(6.4, 4.3))
    for j, n in enumerate(ns):
        c = f"C{j}"
        ax.plot(lam_curve, theory.test_error[:, j], color=c, lw=1.8, label=f"n = {n}")
        sim = spt.simulate.ridge(spectrum, lam=lam_sim, n=n, d=d, sigma2=sigma2, seeds=seeds, seed=j)
        _errorbar(ax, lam_sim, sim.test_error, c)
        lam_star = sigma2 * d / n  # spt.optimal_ridge: sigma2 d / (n ||w*||^2)
        best = solve(lam=lam_star, n=n, d=d, sigma2=sigma2).test_error
        ax.plot([lam_star], [best], marker="*", ms=11, color=c, mec="k", mew=0.6, zorder=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"ridge $\lambda$  (loss $\frac{1}{n}\|y-Xw\|^2+\lambda\|w\|^2$)")
    ax.set_ylabel(r"test error $= \mathcal{R} + \sigma^2$")
    ax.set_title(rf"Isotropic ridge, $d={d}$, $\sigma^2={sigma2}$, $\|w^*\|^2=1$")
    ax.plot([], [], "o", color="gray", mfc="white", label=f"simulation ({seeds} seeds)")
    ax.plot([], [], "*", color="gray", mec="k", ms=10, label=r"$\lambda^* = \sigma^2 d/n$")
    ax.legend(frameon=False, fontsize=9, ncol=2)
    fig.tight_layout()
    return fig


def double_descent(spt, np, plt, seeds):
    """Test error against n for d in {50, 100, 200} at lam = 1e-3 (points: simulation)."""
    lam, sigma2 = 1e-3, 0.25
    spectrum = spt.Isotropic(signal=1)
    solve = spt.ridge(spectrum).solver()
    ds = [50, 100, 200]
    n_curve = np.geomspace(10, 2000, 400)
    n_sim = np.unique(np.round(np.geomspace(10, 2000, 15)).astype(int))
    fig, ax = plt.subplots(figsize=(6.4, 4.3))
    for j, d in enumerate(ds):
        c = f"C{j}"
        ridgeless = solve(lam=lam, n=n_curve, d=d, sigma2=sigma2)
        tuned = solve(lam=sigma2 * d / n_curve, n=n_curve, d=d, sigma2=sigma2)
        ax.plot(n_curve, ridgeless.test_error, color=c, lw=1.8, label=f"d = {d}")
        ax.plot(n_curve, tuned.test_error, color=c, lw=1.2, ls="--")
        mean, err = [], []
        for i, n in enumerate(n_sim):
            sim = spt.simulate.ridge(spectrum, lam=lam, n=int(n), d=d, sigma2=sigma2, seeds=seeds, seed=100 * j + i)
            mean.append(float(sim.test_error.mean))
            err.append(float(sim.test_error.stderr))
        ax.errorbar(n_sim, mean, yerr=err, fmt="o", color=c, ms=4.5, capsize=2, elinewidth=1,
                    mfc="white", mew=1.2, zorder=3)
        ax.axvline(d, color=c, lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of samples $n$")
    ax.set_ylabel(r"test error $= \mathcal{R} + \sigma^2$")
    ax.set_title(rf"Double descent: isotropic ridge, $\sigma^2={sigma2}$, $\|w^*\|^2=1$")
    ax.plot([], [], "-", color="gray", label=rf"$\lambda = 10^{{-3}}$ (theory)")
    ax.plot([], [], "o", color="gray", mfc="white", label=rf"$\lambda = 10^{{-3}}$ (simulation, {seeds} seeds)")
    ax.plot([], [], "--", color="gray", label=r"optimal $\lambda^* = \sigma^2 d/n$")
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def powerlaw_learning_curve(spt, np, plt, seeds):
    """Excess risk against n, omega_k = k^-1.5, t_k = k^-2; theory at d = oo and at the simulated d."""
    alpha, beta, d_sim = 1.5, 2.0, 2000
    inf_solver = spt.ridge(spt.PowerLaw(alpha=alpha, beta=beta)).solver()
    finite = spt.PowerLaw(alpha=alpha, beta=beta, d=d_sim)
    fin_solver = spt.ridge(finite).solver()
    n_curve = np.geomspace(10, 1e5, 300)
    n_sim = np.array([10, 20, 40, 80, 160, 320, 640])
    lam_grid = np.geomspace(1e-7, 1, 141)[:, None]
    fig, ax = plt.subplots(figsize=(6.4, 4.3))
    cases = [(0.0, "C0", r"$\sigma^2 = 0$, $\lambda = 0$"), (0.1, "C3", r"$\sigma^2 = 0.1$, $\lambda = 0$")]
    for k, (sigma2, c, label) in enumerate(cases):
        ax.plot(n_curve, inf_solver(lam=0.0, n=n_curve, sigma2=sigma2).excess_risk, color=c, lw=1.8, label=label)
        ax.plot(n_curve[n_curve <= 1000], fin_solver(lam=0.0, n=n_curve[n_curve <= 1000], sigma2=sigma2).excess_risk,
                color=c, lw=1.0, ls=":")
        mean, err = [], []
        for i, n in enumerate(n_sim):
            sim = spt.simulate.ridge(finite, lam=0.0, n=int(n), sigma2=sigma2, seeds=seeds, seed=1000 * k + i)
            mean.append(float(sim.excess_risk.mean))
            err.append(float(sim.excess_risk.stderr))
        ax.errorbar(n_sim, mean, yerr=err, fmt="o", color=c, ms=4.5, capsize=2, elinewidth=1,
                    mfc="white", mew=1.2, zorder=3)
    # noisy, lam tuned per n: the broadcast (lam, n) grid, minimised over lam
    tuned = inf_solver(lam=lam_grid, n=n_curve, sigma2=0.1).excess_risk.min(axis=0)
    ax.plot(n_curve, tuned, color="C2", lw=1.8, ls="--", label=r"$\sigma^2 = 0.1$, $\lambda$ tuned")
    ref = 0.6 * n_curve ** -(beta - 1)
    ax.plot(n_curve, ref, color="k", lw=0.8, ls="-.", label=rf"$n^{{-(\beta-1)}} = n^{{-{beta - 1:g}}}$")
    ax.axhline(0.1 * (alpha - 1), color="C3", lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of samples $n$")
    ax.set_ylabel(r"excess risk $\mathcal{R}$")
    ax.set_title(rf"Power law $\omega_k = k^{{-{alpha:g}}}$, $t_k = k^{{-{beta:g}}}$; solid and dashed: $d=\infty$",
                 fontsize=10)
    ax.plot([], [], ":", color="gray", label=f"theory at d = {d_sim}")
    ax.plot([], [], "o", color="gray", mfc="white", label=f"simulation at d = {d_sim} ({seeds} seeds)")
    ax.legend(frameon=False, fontsize=8.5, loc="lower left")
    fig.tight_layout()
    return fig


FIGURES = {
    "ridge-vs-lambda.png": ridge_vs_lambda,
    "double-descent.png": double_descent,
    "powerlaw-learning-curve.png": powerlaw_learning_curve,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Draw docs/img/*.png: theory curves with simulation points.")
    parser.add_argument("--seeds", type=int, default=32, help="simulation draws per point (default 32)")
    parser.add_argument("--out", default=str(HERE / "img"), help="output folder (default docs/img)")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="figures to draw (default all): " + ", ".join(FIGURES))
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("make_gallery.py needs matplotlib: pip install matplotlib (or pip install -e \".[plot]\")",
              file=sys.stderr)
        return 1
    import numpy as np
    try:
        import saddlepoint as spt
    except ImportError:  # run from a clone without installing: use the repository root
        sys.path.insert(0, str(HERE.parent))
        import saddlepoint as spt
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        if args.names and name not in args.names:
            continue
        t0 = time.time()
        fig = draw(spt, np, plt, args.seeds)
        fig.savefig(out / name, dpi=130)
        plt.close(fig)
        print(f"wrote {out / name} ({time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
