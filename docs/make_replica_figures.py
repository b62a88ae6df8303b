"""Draw the replica tutorial's figures: theory curves with simulation points.

    python docs/make_replica_figures.py [--seeds N] [--out DIR] [--only NAME ...]

writes, by default into ``docs/img/``:

* ``replica_teacher_student.png``: the teacher-student perceptron's generalisation error
  eps_g(alpha) for Gibbs (T = 0, version-space sampling) and Bayes-optimal learning
  (``replica.teacher_student_perceptron``), their large-alpha laws c/alpha
  (``replica.teacher_student_asymptote``: c = 0.6247 and 0.4417), and the finite-size
  simulation (``saddlepoint.simulate.teacher_student_perceptron``; Bayes as the version
  space's centre of mass, measured as in ``saddlepoint.models``), mean +- 2 standard errors;
* ``replica_hopfield.png``: the T = 0 Hopfield retrieval overlap m(alpha) (``replica.hopfield``)
  up to its spinodal alpha_c (``critical("alpha")``), with the overlap of the fixed point the
  zero-temperature dynamics reaches from the pattern (``saddlepoint.simulate.hopfield``);
* ``replica_binary.png``: the Bayes-optimal binary-weight perceptron
  (``glm(priors.Ising(), channels.Sign(), "bayes")``): free entropy and teacher overlap q against
  alpha, the equilibrium with its first-order jump to perfect learning at alpha_IT = 1.2447
  (Györgyi 1990), the metastable uninformed branch up to its spinodal 1.4926 (Barbier et al.
  2019) and the unstable stationary point between them, with exact enumeration of all 2^N
  students at N = 12 and 20 (``saddlepoint.simulate.binary_teacher_student``; fixed instance
  counts, not ``--seeds``).

``--only teacher_student hopfield binary`` draws only the named figures (default: all).
Needs matplotlib; seeds are fixed so the figures are reproducible; a run takes one to two
minutes on two cores (the Gibbs sampler dominates; the binary figure alone takes about 30 s).
Nothing runs at import (pytest imports docs/ files when it collects doctests).
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


# binary perceptron enumeration: N -> (instances per alpha, root seed); P = alpha N is an integer
# for alpha in multiples of 1/4 at both sizes
BINARY_SIZES = {12: (2000, 412), 20: (400, 420)}
BINARY_POINTS = tuple(0.25 * k for k in range(1, 11))


def binary(axes, np, simulate):
    """Left: free entropy phi(alpha) = lim (1/N) E ln P(y | X); right: q = E w.w*/N."""
    from saddlepoint.derivations.replica import channels, glm, priors

    ax_phi, ax_q = axes
    model = glm(priors.Ising(), channels.Sign(), "bayes")
    uninformed = model.solver(branch="uninformed")
    a_it = float(uninformed.solve_for("alpha", free_entropy=-np.log(2), bracket=(1.0, 1.45)))
    fold = uninformed.critical("alpha", start=1.0)
    a_sp, q_sp, phi_sp = float(fold), float(fold.q), float(fold.free_entropy)
    ln2 = np.log(2)

    # equilibrium: the solver's choice point by point (alpha_IT added so the kink / jump is exact)
    alphas = np.union1d(np.linspace(0.05, 2.5, 50), [a_it])
    eq = model.solver()(alpha=alphas)
    below = alphas <= a_it
    # metastable uninformed branch and the unstable (barrier) point, alpha_IT < alpha < spinodal
    between = np.linspace(a_it, a_sp, 22)[:-1]
    meta = uninformed(alpha=between, on_failure="mark")
    barrier_alphas = np.linspace(0.2, a_sp, 40)[:-1]
    mid = model.solver(branch="informed")(alpha=barrier_alphas, on_failure="mark")
    meta_ok = np.asarray(meta.converged, bool)
    # keep the barrier only where it converged to a point distinct from the uninformed one
    mid_ok = np.asarray(mid.converged, bool) & (np.asarray(mid.q) > 0.9)

    # the metastable window is small on the full scale: zoom into it in an inset
    zoom = ax_phi.inset_axes([0.56, 0.50, 0.42, 0.46])
    panels = ((ax_phi, "free_entropy", -ln2, phi_sp), (zoom, "free_entropy", -ln2, phi_sp), (ax_q, "q", 1.0, q_sp))
    for ax, key, recovery, end in panels:
        y_eq = np.asarray(eq[key], float)
        ax.plot(alphas[below], y_eq[below], color="k", lw=1.7, label="equilibrium (replica)")
        ax.plot(alphas[~below], y_eq[~below], color="k", lw=1.7)
        if key == "q":   # the first-order jump at alpha_IT
            ax.plot([a_it, a_it], [y_eq[below][-1], 1.0], color="k", lw=0.9, ls=(0, (1, 1.5)))
        ax.plot(np.append(between[meta_ok], a_sp), np.append(np.asarray(meta[key])[meta_ok], end),
                "--", color="C0", lw=1.5, label="metastable uninformed branch (up to its spinodal)")
        ax.plot(np.append(barrier_alphas[mid_ok], a_sp), np.append(np.asarray(mid[key])[mid_ok], end),
                ":", color="C1", lw=1.5, label="unstable stationary point (barrier)")
        ax.plot([a_sp], [end], "v", color="C0", ms=5)
        ax.axhline(recovery, color="0.6", lw=0.7)
        ax.axvline(a_it, color="0.45", ls="-.", lw=0.8)
        ax.axvline(a_sp, color="C0", ls="-.", lw=0.8)

    for N, colour, marker in ((12, "C2", "s"), (20, "C3", "o")):
        instances, seed = BINARY_SIZES[N]
        res = [simulate.binary_teacher_student(a, N, seeds=instances, seed=seed) for a in BINARY_POINTS]
        for ax, key in ((ax_phi, "free_entropy"), (zoom, "free_entropy"), (ax_q, "q")):
            ax.errorbar(BINARY_POINTS, [float(r[key].mean) for r in res],
                        yerr=[2 * float(r[key].stderr) for r in res], fmt=marker, ms=3.5, color=colour,
                        capsize=2, lw=0.8,
                        label=f"exact enumeration, N = {N}, mean $\\pm$ 2 s.e. ({instances} instances)")

    ax_phi.text(0.08, -ln2 - 0.035, r"recovery: $-\ln 2$", fontsize=7.5, color="0.35")
    ax_phi.text(a_it - 0.03, -0.845, fr"$\alpha_{{IT}} = {a_it:.4f}$", fontsize=7.5, ha="right")
    ax_phi.text(a_sp + 0.03, -0.845, fr"spinodal $\alpha_{{sp}} = {a_sp:.4f}$", fontsize=7.5, color="C0")
    ax_phi.set_ylim(-0.86, 0.01)
    ax_phi.set_ylabel(r"free entropy $\phi = \lim\, N^{-1}\, \mathbb{E} \ln P(y \mid X)$")
    zoom.set_xlim(0.95, 1.62)
    zoom.set_ylim(-0.80, -0.55)
    zoom.tick_params(labelsize=7)
    ax_phi.indicate_inset_zoom(zoom, edgecolor="0.5")
    ax_q.set_ylim(0, 1.04)
    ax_q.set_ylabel(r"overlap with the teacher $q = \mathbb{E}\, w \cdot w^* / N$")
    ax_q.legend(fontsize=7, frameon=False, loc="lower right")
    for ax in axes:
        ax.set_xlim(0, 2.55)
        ax.set_xlabel(r"$\alpha = P/N$")
    ax_phi.set_title("binary-weight perceptron, Bayes-optimal: free entropy", fontsize=9)
    ax_q.set_title("overlap with the teacher (jumps to 1 at $\\alpha_{IT}$)", fontsize=9)


FIGURES = ("teacher_student", "hopfield", "binary")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument("--out", type=Path, default=HERE / "img")
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=list(FIGURES),
                        help="draw only these figures (default: all)")
    args = parser.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from saddlepoint import replica, simulate
    from saddlepoint.models import _centre_of_mass

    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    if "teacher_student" in args.only:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        teacher_student(ax, np, replica, simulate, _centre_of_mass, args.seeds)
        fig.tight_layout()
        fig.savefig(args.out / "replica_teacher_student.png", dpi=130)
        plt.close(fig)
        written.append(args.out / "replica_teacher_student.png")
    if "hopfield" in args.only:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        hopfield(ax, np, replica, simulate, args.seeds)
        fig.tight_layout()
        fig.savefig(args.out / "replica_hopfield.png", dpi=130)
        plt.close(fig)
        written.append(args.out / "replica_hopfield.png")
    if "binary" in args.only:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
        binary(axes, np, simulate)
        fig.tight_layout()
        fig.savefig(args.out / "replica_binary.png", dpi=130)
        plt.close(fig)
        written.append(args.out / "replica_binary.png")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
