"""Draw the kernel-ridge-regression phase diagram and the noise-induced crossover.

    python docs/make_scaling_figures.py [--out DIR]

writes ``krr_phase_diagram.png`` into ``docs/img/`` by default: the exponent e of the
excess-risk decay (excess risk ~ n^-e) over the (r, ell) plane at alpha = 2, noiseless and noisy
panels, from ``spt.scaling.krr_rate`` on symbols (one Piecewise, evaluated on the grid), with the
lines ell = alpha and ell = alpha/(1 + 2 alpha min(r, 1)) (Cui, Loureiro, Krzakala & Zdeborova
2021, Fig. 1); and a third panel with learning curves of the d = infinity ridge solver at small
noise, the crossover n* of ``spt.scaling.crossover`` marked.

Conventions: capacity alpha (omega_k = k^-alpha), source r (target power k^-(1 + 2 alpha r)),
lam = n^-ell with the ridge normalised by 1/n; excess risk without the test-label noise.
Needs matplotlib (``pip install -e ".[plot]"``); without it the script exits with status 1.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "img")
    args = parser.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is needed for the figures: pip install -e '.[plot]'", file=sys.stderr)
        return 1
    import numpy as np
    import sympy

    sys.path.insert(0, str(HERE.parent))
    import saddlepoint as spt
    from saddlepoint import scaling

    alpha = 2
    r_grid = np.linspace(0.02, 2.0, 300)
    ell_grid = np.linspace(0.0, 3.0, 300)
    R, L = np.meshgrid(r_grid, ell_grid)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), constrained_layout=True)
    for ax, noisy in zip(axes[:2], (False, True)):
        rate = spt.scaling.krr_rate(alpha, scaling.r_sym, scaling.ell_sym, noisy=noisy)
        f = sympy.lambdify((scaling.r_sym, scaling.ell_sym), rate, modules="numpy")
        E = np.broadcast_to(f(R, L), R.shape)
        top, step = (1.0, 0.1) if noisy else (2.0 * alpha, 0.25)
        im = ax.pcolormesh(R, L, E, shading="auto", cmap="viridis", vmin=0, vmax=top)
        ax.contour(R, L, E, levels=np.arange(step, top, step), colors="white", linewidths=0.5, alpha=0.6)
        ax.axhline(alpha, color="w", ls="--", lw=1.2)
        ax.axvline(1, color="w", ls=":", lw=1.2)
        ax.plot(r_grid, alpha / (1 + 2 * alpha * np.minimum(r_grid, 1)), color="tab:red", lw=1.5,
                label=r"$\ell = \alpha/(1+2\alpha\min(r,1))$")
        ax.set_xlabel("source $r$")
        ax.set_ylabel(r"ridge decay $\ell$ ($\lambda = n^{-\ell}$)")
        ax.set_title(("noisy" if noisy else "noiseless") + r" ($\alpha = 2$): excess risk $\propto n^{-e}$")
        fig.colorbar(im, ax=ax, label="exponent $e$")
        ax.legend(loc="upper right", fontsize=8)

    # learning curves at small noise: noiseless rate, then the noisy one after n*
    ax = axes[2]
    r, ell = 0.5, 1.5
    solve = spt.ridge(spt.PowerLaw(alpha, 1 + 2 * alpha * r)).solver()
    n = np.logspace(1, 9, 200)
    for sigma2, color in ((1e-4, "tab:blue"), (1e-6, "tab:orange"), (1e-8, "tab:green")):
        sol = solve(lam=n ** -ell, n=n, sigma2=sigma2)
        ax.loglog(n, sol.excess_risk, color=color, label=rf"$\sigma^2 = 10^{{{int(np.log10(sigma2))}}}$")
        n_star = float(spt.scaling.crossover(alpha, r, ell).n_star.subs(spt.symbols.sigma2, sigma2))
        ax.axvline(n_star, color=color, ls=":", lw=1)
    sc = spt.scaling.ridge_scaling(alpha, r, ell)
    ax.loglog(n, float(sc.bias_coefficient) * n ** -float(sc.bias_exponent), "k--", lw=0.8,
              label=rf"$n^{{-{float(sc.bias_exponent):g}}}$ (noiseless)")
    ax.set_ylim(1e-12, 1)
    ax.set_xlabel("$n$")
    ax.set_ylabel("excess risk")
    ax.set_title(rf"$\alpha = 2$, $r = {r}$, $\ell = {ell}$; dotted: $n^*$")
    ax.legend(fontsize=8)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "krr_phase_diagram.png"
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
