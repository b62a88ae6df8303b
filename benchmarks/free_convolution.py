"""Benchmark: free convolutions by the polynomial method, and the density of the result.

What is timed (time.perf_counter)
---------------------------------
* ``free_mul`` (⊠) and ``free_add`` (⊞) of pairs of laws whose polynomials P(g, z) have degree
  <= 4 in g: the resultant elimination in SymPy, the factorisation, the selection of the
  physical factor by its power series, and the map back to P(g, z). The inputs are built
  afresh for every repeat (outside the timer), so the inputs' R- and S-polynomials -- cached on
  a Law after first use -- are computed inside the timed call, as a user's first call would.
  SymPy's global cache is cleared before every run (otherwise repeats would replay cached
  polynomial arithmetic). Reported: the median of ``--repeats`` runs. Target: < 1 s.
* ``law.density(x)`` of each (numeric) result on 10^4 points spanning the support plus 10% on
  both sides, on a freshly built law, so the one-off preparation (exact discriminant, support
  edges, branch tracker) is inside the timing; SymPy's cache and the numeric module's
  per-polynomial cache are cleared first. Reported: the first call; the second call (cached
  preparation) is shown in brackets. Target: < 0.5 s.

Also printed: the degree in g of both inputs and of the result (and the result's degree in z),
and, as a sanity check (not timed), the total mass of the result: the atoms' weights plus the
trapezoid integral of the density on each support interval, on a grid graded towards the edges
(x = a + (b - a) u^6/(u^6 + (1 - u)^6), u uniform; integrable edge singularities such as the
x^(-2/3) of MP(1) ⊠ MP(1) need it). A row also FAILs if that mass is off by more than 1e-4. Symbolic rows (parameters kept as symbols)
are timed too; they have no density.

The support used for the x range and the mass check comes from
``saddlepoint.solvers.free_numeric.support``. ``Law.support()`` is timed too (column
``support [s]``, first call on a fresh law): exact edges (radicals / ``CRootOf``) for laws whose
discriminant has degree <= 60 in z, 30-digit Floats refined by Newton on P = P_g = 0 above that
(the degree-23 law (SC ⊞ 3 atoms) ⊞ (MP ⊠ 3 atoms), discriminant of degree 148, took over a
minute with exact isolation). Target: < 1 s.

Run:  python benchmarks/free_convolution.py [--repeats N]   (about 15 s)
Exit status 1 if any row misses a target.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import sympy
from sympy.core.cache import clear_cache

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from saddlepoint import free  # noqa: E402
from saddlepoint.solvers import free_numeric  # noqa: E402

R = sympy.Rational
HALF = R(1, 2)
OP_TARGET = 1.0          # seconds per convolution
DENSITY_TARGET = 0.5     # seconds per density on 10^4 points
SUPPORT_TARGET = 1.0     # seconds per Law.support() on a fresh law
N_POINTS = 10_000

q, q1, q2, v, v1, v2 = sympy.symbols("q q1 q2 v v1 v2", positive=True)


def _mp_two_atoms():
    return free.free_mul(free.MarchenkoPastur(HALF), free.Atoms([2, HALF], [HALF, HALF]))


def _mp_mp():
    return free.free_mul(free.MarchenkoPastur(HALF), free.MarchenkoPastur(R(1, 3)))


def _mp_three_atoms():
    return free.free_mul(free.MarchenkoPastur(HALF), free.Atoms([1, 2, 4], [HALF, R(1, 4), R(1, 4)]))


def _sc_three_atoms():
    return free.free_add(free.Semicircle(1), free.Atoms([-2, 0, 1], [R(1, 4), HALF, R(1, 4)]))


def _deformed_wigner():
    return free.free_add(free.Semicircle(R(1, 10)), free.Atoms([-1, 1], [HALF, HALF]))


#: (label, operation, left factory, right factory); factories build fresh inputs
CASES = [
    ("MP(1/2) ⊠ MP(1/3)", free.free_mul,
     lambda: free.MarchenkoPastur(HALF), lambda: free.MarchenkoPastur(R(1, 3))),
    ("MP(1) ⊠ MP(1)", free.free_mul,
     lambda: free.MarchenkoPastur(1), lambda: free.MarchenkoPastur(1)),
    ("MP(1/4) ⊠ 2 atoms {2, 1/2}", free.free_mul,
     lambda: free.MarchenkoPastur(R(1, 4)), lambda: free.Atoms([2, HALF], [HALF, HALF])),
    ("MP(2) ⊠ 2 atoms {2, 1/2}", free.free_mul,
     lambda: free.MarchenkoPastur(2), lambda: free.Atoms([2, HALF], [HALF, HALF])),
    ("MP(1/2) ⊠ 3 atoms {1, 2, 4}", free.free_mul,
     lambda: free.MarchenkoPastur(HALF), lambda: free.Atoms([1, 2, 4], [HALF, R(1, 4), R(1, 4)])),
    ("SC(1/10) ⊞ 2 atoms {±1}", free.free_add,
     lambda: free.Semicircle(R(1, 10)), lambda: free.Atoms([-1, 1], [HALF, HALF])),
    ("SC(1) ⊞ 3 atoms {-2, 0, 1}", free.free_add,
     lambda: free.Semicircle(1), lambda: free.Atoms([-2, 0, 1], [R(1, 4), HALF, R(1, 4)])),
    ("SC(1) ⊞ MP(1/2)", free.free_add,
     lambda: free.Semicircle(1), lambda: free.MarchenkoPastur(HALF)),
    ("(MP ⊠ 2 atoms) ⊠ MP(1/3)", free.free_mul,
     _mp_two_atoms, lambda: free.MarchenkoPastur(R(1, 3))),
    ("(MP ⊠ MP) ⊠ MP(1/4)", free.free_mul,
     _mp_mp, lambda: free.MarchenkoPastur(R(1, 4))),
    ("(SC ⊞ 2 atoms) ⊞ SC(1)", free.free_add,
     _deformed_wigner, lambda: free.Semicircle(1)),
    ("(MP ⊠ 2 atoms) ⊞ SC(1)", free.free_add,
     _mp_two_atoms, lambda: free.Semicircle(1)),
    ("(MP ⊠ 2 atoms) ⊠ (MP ⊠ 2 atoms)", free.free_mul,
     _mp_two_atoms, _mp_two_atoms),
    # both inputs of degree 4 in g
    ("(MP ⊠ 3 atoms) ⊠ MP(1/3)", free.free_mul, _mp_three_atoms, lambda: free.MarchenkoPastur(R(1, 3))),
    ("(MP ⊠ 3 atoms) ⊠ (MP ⊠ 3 atoms)", free.free_mul, _mp_three_atoms, _mp_three_atoms),
    ("(SC ⊞ 3 atoms) ⊞ (SC ⊞ 3 atoms)", free.free_add, _sc_three_atoms, _sc_three_atoms),
    ("(SC ⊞ 3 atoms) ⊞ (MP ⊠ 3 atoms)", free.free_add, _sc_three_atoms, _mp_three_atoms),
    # symbolic parameters
    ("MP(q1) ⊠ MP(q2)  [symbolic]", free.free_mul,
     lambda: free.MarchenkoPastur(q1), lambda: free.MarchenkoPastur(q2)),
    ("SC(v1) ⊞ SC(v2)  [symbolic]", free.free_add,
     lambda: free.Semicircle(v1), lambda: free.Semicircle(v2)),
    ("MP(q) ⊠ 2 atoms  [symbolic]", free.free_mul,
     lambda: free.MarchenkoPastur(q), lambda: free.Atoms([2, HALF], [HALF, HALF])),
    ("SC(v) ⊞ 2 atoms  [symbolic]", free.free_add,
     lambda: free.Semicircle(v), lambda: free.Atoms([-1, 1], [HALF, HALF])),
]


def time_op(op, left, right, repeats):
    times, law = [], None
    for _ in range(repeats):
        a, b = left(), right()
        clear_cache()
        t0 = time.perf_counter()
        law = op(a, b)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), a, b, law


def graded_mass(law, n=4001, p=6):
    """Atoms' weights + trapezoid of the density on each support interval (graded grid)."""
    u = np.linspace(0.0, 1.0, n)
    s = u ** p / (u ** p + (1.0 - u) ** p)
    mass = sum(w for _, w in free_numeric.atoms(law))
    for a, b in free_numeric.support(law):
        x = a + (b - a) * s
        mass += float(np.trapezoid(law.density(x), x))
    return mass


def time_density(op, left, right):
    probe = op(left(), right())
    intervals = free_numeric.support(probe)      # numeric edges: Law.support() is exact and
    atoms = free_numeric.atoms(probe)            # slow for high degree (see the docstring)
    pts = [e for ab in intervals for e in ab] + [x for x, _ in atoms]
    lo, hi = min(pts), max(pts)
    pad = 0.1 * (hi - lo)
    x = np.linspace(lo - pad, hi + pad, N_POINTS)
    law = op(left(), right())                      # fresh: nothing cached on it
    clear_cache()
    free_numeric._CACHE.clear()                    # nor in the numeric module
    t0 = time.perf_counter()
    law.density(x)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    law.density(x)
    second = time.perf_counter() - t0
    law = op(left(), right())
    clear_cache()
    free_numeric._CACHE.clear()
    t0 = time.perf_counter()
    law.support()
    t_support = time.perf_counter() - t0
    return first, second, t_support, graded_mass(probe), len(intervals), atoms


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per convolution (median)")
    args = ap.parse_args(argv)

    free.Semicircle(1).density(np.zeros(3))         # import / warm-up, not timed
    head = (f"{'case':34s} {'deg in':>7s} {'deg out':>8s} {'op [s]':>7s} {'density [s]':>18s} "
            f"{'support [s]':>11s} {'cuts':>4s} {'atoms':>6s} {'mass':>7s}  verdict")
    print(f"targets: convolution < {OP_TARGET:g} s, density on {N_POINTS} points < "
          f"{DENSITY_TARGET:g} s (first call on a fresh law; second call in brackets), "
          f"Law.support() < {SUPPORT_TARGET:g} s\n")
    print(head)
    print("-" * len(head))
    failures = 0
    for label, op, left, right in CASES:
        t_op, a, b, law = time_op(op, left, right, args.repeats)
        assert a.degree <= 4 and b.degree <= 4, label
        deg_in = f"{a.degree},{b.degree}"
        deg_out = f"{law.degree} (z{sympy.Poly(law.polynomial, free.z).degree()})"
        ok = t_op < OP_TARGET
        if law.is_numeric:
            first, second, t_support, mass, cuts, atoms = time_density(op, left, right)
            ok = ok and first < DENSITY_TARGET and abs(mass - 1) < 1e-4 and t_support < SUPPORT_TARGET
            dens = f"{first:7.3f} [{second:6.3f}] {t_support:11.3f}"
            extra = f"{cuts:4d} {len(atoms):6d} {mass:7.4f}"
        else:
            dens = f"{'-':>18s} {'-':>11s}"
            extra = f"{'-':>4s} {'-':>6s} {'-':>7s}"
        failures += not ok
        print(f"{label:34s} {deg_in:>7s} {deg_out:>8s} {t_op:7.3f} {dens} {extra}  "
              f"{'PASS' if ok else 'FAIL'}")
    print(f"\n{len(CASES) - failures}/{len(CASES)} PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
