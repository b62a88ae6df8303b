"""Draw the LLM-as-a-judge tutorial figure: generalisation error versus the number of samples k.

    python docs/make_judge_figures.py [--seeds N] [--out DIR]

writes ``docs/img/judge_error_vs_k.png`` (by default), two panels for the model of Halder &
Pehlevan (2025), arXiv:2512.19905, at n = 200, d = 100, sigma2 = 0.5, prior_var = 0.01,
signal = 1 (``saddlepoint.judge.JudgeModel``):

* left: error(k, T) versus k for the teacher as judge (c = 0) and a misspecified judge (c = 2),
  at T = 0 (best of k) and T = s^2/2; lines are the theory, markers the finite-size simulation
  (``saddlepoint.simulate.judge``, mean +- 2 standard errors over seeds). With the teacher the
  error falls monotonically; the misspecified judge has a finite optimal k (marked).
* right: error versus T/s^2 at k = 64 for c = 2: an interior optimal temperature (marked), with
  the k -> oo closed form ``JudgeModel.infinite_k_error`` for reference.

Needs matplotlib; seeds are fixed so the figure is reproducible; a run takes about a minute on
two cores (the simulation dominates). Nothing runs at import (pytest imports this file when it
collects doctests under docs/).
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
POINT = dict(n=200, d=100, sigma2=0.5, prior_var=0.01, signal=1.0)


def error_vs_k(ax, np, JudgeModel, simulate, seeds):
    ks = np.unique(np.round(np.geomspace(1, 256, 40)).astype(int))
    sim_ks = [1, 2, 4, 8, 16, 32, 64, 128]
    styles = {0.0: "C0", 2.0: "C3"}
    for c, colour in styles.items():
        model = JudgeModel(**POINT, c=c)
        s2 = model.predictive_variance
        for T_rel, dash in ((0.0, "-"), (0.5, "--")):
            T = T_rel * s2
            theory = model.error(ks, T)
            label = f"c = {c:g}, " + ("T = 0 (best of k)" if T_rel == 0 else r"$T = s^2/2$")
            ax.plot(ks, theory, dash, color=colour, lw=1.6, label=label)
            res = simulate(**POINT, c=c, k=sim_ks, temperature=T, test_points=500, seeds=seeds, seed=3)
            ax.errorbar(sim_ks, res.error.mean, yerr=2 * res.error.stderr, fmt="o", ms=3.5,
                        color=colour, mfc="white" if T_rel else colour, capsize=2, lw=0.8)
            if c:
                best = model.optimal_k(T, k_max=256)
                ax.plot([best.k], [best.error], marker="v", color="k", ms=6, zorder=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of samples $k$")
    ax.set_ylabel(r"generalisation error $\delta(k, T)$")
    ax.set_title("error vs $k$ (lines: theory, dots: simulation $d = 100$)", fontsize=9)
    ax.legend(fontsize=7.5, frameon=False)


def error_vs_temperature(ax, np, JudgeModel):
    model = JudgeModel(**POINT, c=2.0)
    s2 = model.predictive_variance
    T_rel = np.geomspace(1e-3, 1e3, 31)
    k = 64
    ax.plot(T_rel, model.error(k, T_rel * s2), color="C3", lw=1.6, label=f"$k = {k}$, c = 2")
    ax.plot(T_rel, model.infinite_k_error(T_rel * s2), ":", color="0.3", lw=1.2, label=r"$k \to \infty$ (closed form)")
    best = model.optimal_temperature(k)
    ax.plot([best.temperature / s2], [best.error], marker="v", color="k", ms=6, label="optimal $T$")
    ax.axhline(model.posterior_predictive_error, color="0.6", lw=0.8, label="$k = 1$ (posterior predictive)")
    ax.set_xscale("log")
    ax.set_xlabel("temperature $T/s^2$")
    ax.set_ylabel(r"$\delta(k, T)$")
    ax.set_title("misspecified judge: an optimal temperature", fontsize=9)
    ax.legend(fontsize=7.5, frameon=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--out", type=Path, default=HERE / "img")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from saddlepoint.judge import JudgeModel
    from saddlepoint.simulate.judge import judge as simulate

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    error_vs_k(left, np, JudgeModel, simulate, args.seeds)
    error_vs_temperature(right, np, JudgeModel)
    fig.suptitle("LLM-as-a-judge model (Halder & Pehlevan 2025): n = 200, d = 100, "
                 r"$\sigma^2 = 0.5$, prior var $= 0.01$, $\|w^*\|^2 = 1$", fontsize=10)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "judge_error_vs_k.png"
    fig.savefig(path, dpi=130)
    print(path)


if __name__ == "__main__":
    main()
