"""Draw the replica tutorial's figures: theory curves with simulation points.

    python docs/make_replica_figures.py [--seeds N] [--out DIR]

writes, by default into ``docs/img/``:

* ``replica_teacher_student.png``: the teacher-student perceptron's generalisation error
  eps_g(alpha) for Gibbs (T = 0, version-space sampling) and Bayes-optimal learning
  (``replica.teacher_student_perceptron``), their large-alpha laws c/alpha
  (``replica.teacher_student_asymptote``: c = 0.6247 and 0.4417), and the finite-size
  simulation (``saddlepoint.simulate.teacher_student_perceptron``; Bayes as the version
  space's centre of mass, measured as in ``saddlepoint.models``), mean +- 2 standard errors;
* ``replica_hopfield.png``: the T = 0 Hopfield retrieval overlap m(alpha) (``replica.hopfield``)
  up to its spinodal alpha_c (``critical("alpha")``), with the overlap of the fixed point the
  zero-temperature dynamics reaches from the pattern (``saddlepoint.simulate.hopfield``).

Needs matplotlib; seeds are fixed so the figures are reproducible; a run takes one to two
minutes on two cores (the Gibbs sampler dominates). Nothing runs at import (pytest imports
docs/ files when it collects doctests).
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def steps(alpha):
    """Elliptical-slice moves per chain: the version space narrows as alpha grows, and the
    chains (started together) need longer to decorrelate (simulate.teacher_student_perceptron)."""
    return int(1500 * max(2.0, alpha))


def teacher_student(ax, np, replica, simulate, centre_of_mass, seeds):
    alphas = np.geomspace(0.1, 12, 80)
    for learning, colour in (("gibbs", "C0"), ("bayes", "C3")):
        theory = replica.teacher_student_perceptron(learning).solver()(alpha=alphas)
        c = float(replica.evaluate_integrals(replica.teacher_student_asymptote(learning)[0]))
        ax.plot(alphas, theory.generalization_error, color=colour, lw=1.6, label=f"{learning} (replica)")
        ax.plot(alphas[alphas > 1.5], c / alphas[alphas > 1.5], ":", color=colour, lw=1.2,
                label=fr"{learning}: ${c:.4f}/\alpha$")
        points = (0.5, 1.0, 2.0, 4.0, 8.0)
        means, errors = [], []
        for a in points:
            if learning == "gibbs":
                res = simulate.teacher_student_perceptron(a, 30, "gibbs", seeds=seeds, seed=1, steps=steps(a),
                                                          test_points=10)
            else:
                res = centre_of_mass(simulate.teacher_student_perceptron(
                    a, 20, "bayes", seeds=seeds, seed=1, steps=steps(a), samples=8, test_points=10))
            means.append(float(res.generalization_error.mean))
            errors.append(2 * float(res.generalization_error.stderr))
        size = 30 if learning == "gibbs" else 20
        ax.errorbar(points, means, yerr=errors, fmt="o", ms=4, color=colour, capsize=2, lw=0.8,
                    label=f"{learning}, simulation N = {size}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha = P/N$")
    ax.set_ylabel(r"generalisation error $\epsilon_g$")
    ax.set_title("teacher-student perceptron (lines: replica theory, dots: simulation)", fontsize=9)
    ax.legend(fontsize=7.5, frameon=False)


def hopfield(ax, np, replica, simulate, seeds):
    solver = replica.hopfield(temperature=0).solver()
    fold = solver.critical("alpha")
    alpha_c = float(fold)
    alphas = np.linspace(0.02, alpha_c, 120)[:-1]
    m = solver(alpha=alphas).m
    ax.plot(np.append(alphas, alpha_c), np.append(m, float(fold.m)), color="C0", lw=1.6,
            label="retrieval overlap m (replica, T = 0)")
    ax.axvline(alpha_c, color="0.5", ls="--", lw=1)
    ax.plot([alpha_c], [float(fold.m)], "v", color="k", ms=6,
            label=fr"spinodal $\alpha_c = {alpha_c:.4f}$, $m_c = {float(fold.m):.3f}$")
    for N, colour in ((500, "C2"), (2000, "C3")):
        points = np.array([0.06, 0.08, 0.1, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18])
        res = [simulate.hopfield(a, N, seeds=seeds, seed=2, sweeps=400) for a in points]
        ax.errorbar(points, [float(r.m.mean) for r in res], yerr=[2 * float(r.m.stderr) for r in res],
                    fmt="o", ms=4, color=colour, capsize=2, lw=0.8,
                    label=f"T = 0 dynamics from the pattern, N = {N}")
    ax.set_xlabel(r"$\alpha = P/N$")
    ax.set_ylabel("overlap $m$ with the stored pattern")
    ax.set_title("Hopfield network at T = 0", fontsize=9)
    ax.legend(fontsize=7.5, frameon=False, loc="lower left")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument("--out", type=Path, default=HERE / "img")
    args = parser.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from saddlepoint import replica, simulate
    from saddlepoint.models import _centre_of_mass

    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    teacher_student(ax, np, replica, simulate, _centre_of_mass, args.seeds)
    fig.tight_layout()
    fig.savefig(args.out / "replica_teacher_student.png", dpi=130)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    hopfield(ax, np, replica, simulate, args.seeds)
    fig.tight_layout()
    fig.savefig(args.out / "replica_hopfield.png", dpi=130)
    plt.close(fig)
    print(f"wrote {args.out / 'replica_teacher_student.png'} and {args.out / 'replica_hopfield.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
