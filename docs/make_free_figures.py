"""Draw the free-probability tutorial figures: law densities (lines) against histograms of the
eigenvalues of the random matrices they describe.

    python docs/make_free_figures.py [--d D] [--seeds N] [--out DIR]

writes, into ``docs/img/`` by default:

* ``free-deformed-wigner.png`` -- the deformed Wigner law Semicircle(1/10) ⊞ Atoms([-1, 1]),
  a two-cut density, against the spectrum of D + W (D = diag(±1), W a GOE matrix of variance
  1/10: ``free.simulate.spectrum``);
* ``free-sample-covariance.png`` -- the sample-covariance law MP(q) ⊠ Atoms([2, 1/2]) (population
  eigenvalues 2 and 1/2, half each) for q = 1/4 (two cuts) and q = 2 (one cut and an atom
  1/2 at 0), against the spectrum of Σ^½ (XᵀX/n) Σ^½ with n = d/q.

Conventions: g(z) = ∫ dμ(x)/(z - x), density -Im g(x + i0)/π; MP(q) with q = d/n is the law of
XᵀX/n (X is n x d). The densities come from ``law.density`` (the physical branch of the
polynomial P(g, z), followed numerically), the edges from ``law.support()`` and the atoms from
``law.atoms()``; the histograms are normalised by *all* eigenvalues
(``SpectrumSample.histogram``), so they estimate the density of the absolutely continuous part
even when an atom is left out of the range. Needs matplotlib; seeds are fixed, so the figures
are reproducible; a run takes a few seconds on two cores.

Nothing runs at import (pytest imports this file when it collects doctests under docs/).
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _hist(ax, sample, lo, hi, bins, label):
    dens, edges = sample.histogram(bins=bins, range=(lo, hi))
    ax.stairs(dens, edges, fill=True, color="0.82", label=label)
    ax.stairs(dens, edges, color="0.55", lw=0.6)


def deformed_wigner(free, np, plt, sympy, d, seeds):
    half = sympy.Rational(1, 2)
    law = free.free_add(free.Semicircle(sympy.Rational(1, 10)), free.Atoms([-1, 1], [half, half]))
    sample = free.simulate.spectrum(law, d=d, seeds=seeds, seed=0)
    edges = [float(e) for e in law.support()]
    lo, hi = edges[0] - 0.25, edges[-1] + 0.25
    x = np.linspace(lo, hi, 2000)
    fig, ax = plt.subplots(figsize=(6.4, 3.9))
    _hist(ax, sample, lo, hi, 90, f"eigenvalues of $D + W$, $d = {d}$, {seeds} draws")
    ax.plot(x, law.density(x), color="C0", lw=2,
            label=r"$\mathrm{SC}(1/10) \boxplus \frac{1}{2}(\delta_{-1} + \delta_{1})$")
    for e in edges:
        ax.axvline(e, color="C0", lw=0.7, ls=":")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, None)
    ax.set_xlabel(r"eigenvalue $x$")
    ax.set_ylabel(r"density $-\frac{1}{\pi}\,\mathrm{Im}\, g(x + i0)$")
    ax.set_title("Deformed Wigner: two cuts (edges from the discriminant, dotted)", fontsize=10)
    ax.legend(frameon=False, fontsize=8.5, loc="upper center")
    fig.tight_layout()
    return fig


def sample_covariance(free, np, plt, sympy, d, seeds):
    half = sympy.Rational(1, 2)
    population = free.Atoms([2, half], [half, half])
    fig, axes = plt.subplots(1, 2, figsize=(9.2, 3.9))
    for ax, q, color in zip(axes, (sympy.Rational(1, 4), sympy.Integer(2)), ("C1", "C2")):
        law = free.free_mul(free.MarchenkoPastur(q), population)
        sample = free.simulate.spectrum(law, d=d, seeds=seeds, seed=1)
        edges = [float(e) for e in law.support()]
        atoms = [(float(a), float(w)) for a, w in law.atoms()]
        lo = min(0.0, edges[0]) - 0.15
        hi = edges[-1] + 0.3
        x = np.linspace(lo, hi, 2000)
        _hist(ax, sample, max(lo, 1e-9) if atoms else lo, hi, 90,
              f"eigenvalues, $d = {d}$, $n = {int(d / q)}$, {seeds} draws")
        ax.plot(x, law.density(x), color=color, lw=2,
                label=rf"$\mathrm{{MP}}({sympy.latex(q)}) \boxtimes "
                      r"\frac{1}{2}(\delta_{2} + \delta_{1/2})$")
        for p in (0.5, 2.0):
            ax.axvline(p, color="k", lw=0.7, ls="--")
        top = 1.15 * float(np.max(law.density(x)))
        for a, w in atoms:
            frac = float(np.mean(sample.eigenvalues == 0.0)) if a == 0 else float("nan")
            ax.annotate(f"atom of mass {w:g} at {a:g} (bar not to scale)\n"
                        f"fraction of exact zeros in the simulation: {frac:.3f}",
                        xy=(a + 0.03, 0.5 * top), xytext=(0.28 * hi, 0.62 * top), fontsize=8,
                        arrowprops=dict(arrowstyle="->", lw=0.8))
            ax.plot([a, a], [0, 0.55 * top], color=color, lw=2.5)
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, top)
        ax.set_xlabel(r"eigenvalue $x$   (population: dashed)")
        ax.set_title(rf"$q = d/n = {sympy.latex(q)}$: {len(edges) // 2} cut"
                     + ("s" if len(edges) > 2 else "") + (", atom at 0" if atoms else ""),
                     fontsize=10)
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    axes[0].set_ylabel("density")
    fig.suptitle(r"Sample covariance $\Sigma^{1/2}(X^\top X/n)\Sigma^{1/2}$, "
                 r"$\Sigma$ with eigenvalues 2 and 1/2", fontsize=10)
    fig.tight_layout()
    return fig


FIGURES = {
    "free-deformed-wigner.png": deformed_wigner,
    "free-sample-covariance.png": sample_covariance,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=1000, help="matrix size (default 1000)")
    ap.add_argument("--seeds", type=int, default=8, help="independent draws (default 8)")
    ap.add_argument("--out", type=Path, default=HERE / "img")
    args = ap.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("make_free_figures.py needs matplotlib: pip install -e '.[plot]'", file=sys.stderr)
        return 1
    import numpy as np
    import sympy

    sys.path.insert(0, str(HERE.parent))
    from saddlepoint import free

    args.out.mkdir(parents=True, exist_ok=True)
    for name, make in FIGURES.items():
        fig = make(free, np, plt, sympy, args.d, args.seeds)
        fig.savefig(args.out / name, dpi=130)
        plt.close(fig)
        print("wrote", args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
