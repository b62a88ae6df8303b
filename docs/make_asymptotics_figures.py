"""Draw the best-of-k figure of docs/asymptotics.md: k^2 E_k converging to its leading coefficient.

    python docs/make_asymptotics_figures.py [--out DIR]

writes ``best_of_k.png`` into ``docs/img/`` by default: for X_i ~ N(mean, std^2) with
(mean, std) = (0, 1) and (0.8, 1), the exact k^2 E[min_i X_i^2] (``expected_error``, float64
path) for k = 1 .. 10^4, the truncated expansions with 1, 2 and 3 terms (``series``), the
leading coefficient pi std^2 exp(mean^2/std^2) (``leading_coefficient``, derived symbolically),
and Monte Carlo points with 2-sigma error bars (``spt.simulate.best_of_k``, fixed seeds).
Model of Halder & Pehlevan (2025), arXiv:2512.19905. Needs matplotlib; a run takes ~10 s.

Nothing runs at import (pytest imports this file when it collects doctests under docs/).
"""

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import sympy

    import saddlepoint as spt

    ks = np.unique(np.round(np.logspace(0, 4, 60)).astype(int))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for ax, (mean, std) in zip(axes, [(0.0, 1.0), (0.8, 1.0)]):
        b = spt.best_of_k(mean, std)
        exact = np.array([float(b.expected_error(int(k), dps=10)) for k in ks]) * ks**2
        lead = float(b.leading_coefficient(dps=15))
        ax.plot(ks, exact, "k-", lw=2, label=r"exact $k^2\,\mathbb{E}_k$")
        k = b.k
        for order, style in [(1, ":"), (2, "--"), (3, "-.")]:
            f = sympy.lambdify(k, sympy.expand(b.series(order) * k**2), "numpy")
            ax.plot(ks, f(ks.astype(float)) * np.ones_like(ks, dtype=float), style,
                    label=f"series, {order} term{'s' if order > 1 else ''}")
        ax.axhline(lead, color="grey", lw=0.8)
        mc_k = np.array([2, 8, 32, 128, 512])
        sims = [spt.simulate.best_of_k(mean, std, int(kk), trials=2000, seeds=16, seed=int(kk)) for kk in mc_k]
        mean_mc = np.array([float(s.error.mean) for s in sims]) * mc_k**2
        err_mc = np.array([float(s.error.stderr) for s in sims]) * mc_k**2
        ax.errorbar(mc_k, mean_mc, yerr=2 * err_mc, fmt="o", color="C3", ms=4, label="Monte Carlo (±2σ)")
        ax.set_xscale("log")
        ax.set_ylim(0, 1.6 * lead)
        ax.set_xlabel("k (samples)")
        ax.set_title(rf"mean={mean}, std={std}: $\pi s^2 e^{{\mu^2/s^2}}$ = {lead:.4f}")
    axes[0].set_ylabel(r"$k^2\, \mathbb{E}[\min_i X_i^2]$")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "best_of_k.png"
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "img")
    main(parser.parse_args().out)
