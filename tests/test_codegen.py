"""Solver.to_source(): a standalone numpy module that reproduces the solver bit for bit."""

import ast
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from saddlepoint.derivations.ridge import CONVENTIONS

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NAMES = ["iso", "atoms", "powerlaw"]
STDLIB_OK = {"math"}


@pytest.fixture(scope="module")
def sources(request):
    return {name: request.getfixturevalue(name).solver().to_source() for name in NAMES}


def grid_for(solver):
    g = dict(lam=np.array([0.0, 1e-4, 0.05, 1.0, 300.0])[:, None], n=np.array([10.0, 150.0, 4000.0]),
             sigma2=np.array(0.25))
    if "d" in solver.parameter_names:
        g["d"] = np.array(300.0)
    return g


@pytest.mark.parametrize("name", NAMES)
def test_imports_only_numpy(sources, name):
    src = sources[name]
    tree = ast.parse(src)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "numpy" in imported
    assert imported <= {"numpy"} | STDLIB_OK, imported
    # no import statement anywhere (including lazy ones inside functions) names sympy or saddlepoint
    for line in src.splitlines():
        if re.match(r"\s*(import|from)\s", line):
            assert "sympy" not in line and "saddlepoint" not in line and "mpmath" not in line and "scipy" not in line, line
    # and nothing calls __import__ / importlib behind the import statements' back
    assert "__import__" not in src and "importlib" not in src


@pytest.mark.parametrize("name", NAMES)
def test_docstring_states_conventions_and_argument_order(request, sources, name):
    solver = request.getfixturevalue(name).solver()
    doc = ast.get_docstring(ast.parse(sources[name]))
    assert doc
    squash = lambda t: " ".join(t.split())
    for line in CONVENTIONS.splitlines():
        assert squash(line) in squash(doc), line
    assert f"Arguments (keyword, in this order): {', '.join(solver.parameter_names)}" in doc
    assert "Unknowns: kappa" in doc
    assert "Observables: " + ", ".join(solver.observable_names) in doc
    # the module's own record of the order agrees with the docstring and the solver
    ns = {}
    exec(compile(sources[name], f"<{name}>", "exec"), ns)
    assert tuple(ns["PARAMETERS"]) == solver.parameter_names
    assert tuple(ns["OBSERVABLES"]) == solver.observable_names
    assert tuple(ns["UNKNOWNS"]) == ("kappa",)


RUNNER = textwrap.dedent("""
    import os
    import sys
    # block every non-numpy dependency: importing them now raises ImportError
    for mod in ("sympy", "mpmath", "scipy", "saddlepoint"):
        sys.modules[mod] = None
    # the checkout itself must not be importable (its site-packages, e.g. a .venv inside it, stay)
    sys.path = [p for p in sys.path if os.path.realpath(p or ".") != os.path.realpath(sys.argv[4])]
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    try:
        import sympy
    except ImportError:
        pass
    else:
        raise SystemExit("sympy importable")
    import generated
    data = dict(np.load(sys.argv[2]))
    out = generated.solve(**data)
    np.savez(sys.argv[3], **out)
    bad = sorted(m for m in sys.modules if m.split(".")[0] in ("sympy", "mpmath", "scipy", "saddlepoint")
                 and sys.modules[m] is not None)
    print(bad)
""")


# The child inherits the environment (BLAS settings such as OPENBLAS_CORETYPE select kernels
# whose rounding differs) but not PYTHONPATH, so saddlepoint is not on its path.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _run_in_blocked_child_and_compare(solver, source, grid, tmp_path):
    """Run ``source``'s solve(**grid) in a child with sympy/mpmath/scipy/saddlepoint blocked and
    assert it reproduces ``solver`` bit for bit; returns the solver's Solution."""
    (tmp_path / "generated.py").write_text(source)
    np.savez(tmp_path / "grid.npz", **grid)
    run = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path), str(tmp_path / "grid.npz"),
                          str(tmp_path / "out.npz"), REPO_ROOT], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env=CHILD_ENV)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1].replace("'", '"')) == []
    got = np.load(tmp_path / "out.npz")
    sol = solver(**grid)
    expected = {k: np.asarray(sol[k]) for k in sol.keys()}
    expected.update(converged=np.asarray(sol.converged), residual=np.asarray(sol.residual),
                    iterations=np.asarray(sol.iterations))
    assert set(got.files) == set(expected)
    for k, v in expected.items():
        g = got[k]
        assert g.shape == v.shape, k
        if k == "iterations":
            assert np.array_equal(g, v), k
        else:
            assert g.dtype == v.dtype, k
            assert g.tobytes() == v.tobytes(), k      # bit for bit
    return sol


@pytest.mark.parametrize("name", NAMES)
def test_generated_module_reproduces_the_solver_bitwise_without_sympy(request, tmp_path, sources, name):
    solver = request.getfixturevalue(name).solver()
    sol = _run_in_blocked_child_and_compare(solver, sources[name], grid_for(solver), tmp_path)
    assert sol.shape == (5, 3)


def test_generated_module_checks_its_inputs(iso, tmp_path):
    ns = {}
    exec(compile(iso.solver().to_source(), "<iso>", "exec"), ns)
    solve = ns["solve"]
    for kw in (dict(lam=-1.0), dict(n=0.0), dict(lam=np.nan)):
        with pytest.raises(ValueError):
            solve(**{**dict(lam=0.1, n=200.0, d=100.0, sigma2=0.25), **kw})
    with pytest.raises(ValueError):
        solve(lam=0.1, n=200.0, d=100.0)
    with pytest.raises(ValueError):
        solve(lam=0.1, n=200.0, d=100.0, sigma2=0.25, alpha=1.0)
    out = solve(lam=0.1, n=200.0, d=100.0, sigma2=0.25)
    assert float(out["kappa"]) == float(iso.solver()(lam=0.1, n=200, d=100, sigma2=0.25).kappa)


def test_to_source_needs_the_numpy_backend(iso):
    with pytest.raises(ValueError):
        iso.solver(backend="mpmath", dps=30).to_source()


# Replica solvers: the generated module carries the numpy error functions of
# solvers.quadrature (Cody's approximations, no scipy.special) and the Gaussian quadrature.
REPLICA_GRIDS = {
    "hopfield_T0": dict(alpha=np.array([0.02, 0.05, 0.1, 0.13])),        # retrieval branch, alpha < 0.138
    "teacher_student_gibbs": dict(alpha=np.array([0.1, 0.5, 2.0, 10.0, 50.0])),
    # the logistic prox is a numeric kernel copied into the module (no scipy.special.expit)
    "gcm_logistic": dict(alpha=np.array([0.5, 2.0, 5.0]), lam=np.array([0.1, 0.1, 0.1])),
}


def _replica_solver(name):
    from saddlepoint import replica
    if name == "hopfield_T0":
        return replica.hopfield(temperature=0).solver()
    if name == "gcm_logistic":
        return replica.gaussian_covariate("logistic", noise=0.1).solver()
    return replica.teacher_student_perceptron("gibbs").solver()


@pytest.mark.parametrize("name", list(REPLICA_GRIDS))
def test_generated_replica_module_reproduces_the_solver_bitwise_without_scipy(tmp_path, name):
    solver = _replica_solver(name)
    source = solver.to_source()
    for line in source.splitlines():
        if re.match(r"\s*(import|from)\s", line):
            assert "scipy" not in line and "sympy" not in line and "mpmath" not in line, line
    sol = _run_in_blocked_child_and_compare(solver, source, REPLICA_GRIDS[name], tmp_path)
    assert bool(np.all(sol.converged))
