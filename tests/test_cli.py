"""The ``saddlepoint`` command, run in-process through ``saddlepoint.cli.main``."""

import ast
import json
import os

import numpy as np
import pytest

from saddlepoint import models
from saddlepoint.cli import main, parse_value


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert [l.split()[0] for l in lines] == list(models.MODELS)
    assert {"ridge", "ridge-atoms", "ridge-powerlaw"} <= set(models.MODELS)
    for line, m in zip(lines, models.MODELS.values()):
        assert m.description in line


def test_show_ridge(capsys, iso):
    code, out, _ = run(capsys, "show", "ridge")
    assert code == 0
    assert "parameters: lam, n, d, sigma2" in out
    assert "unknowns:   kappa" in out
    assert f"kappa = {iso.equations[0].rhs}" in out
    for name, expr in iso.observables.items():
        assert f"{name} = {expr}" in out
    assert "closed form:" in out


def test_show_ridge_latex(capsys, iso):
    code, out, _ = run(capsys, "show", "ridge", "--latex")
    assert code == 0
    assert out.strip() == iso.latex()


def test_show_with_a_spectrum_option(capsys):
    code, out, _ = run(capsys, "show", "ridge-powerlaw", "alpha=2", "beta=3")
    assert code == 0 and "parameters: lam, n, sigma2" in out


def test_solve_json_matches_the_solver(capsys, iso):
    code, out, _ = run(capsys, "solve", "ridge", "lam=0.1", "n=200", "d=100", "sigma2=0.25", "--json")
    assert code == 0
    data = json.loads(out)
    sol = iso.solver()(lam=0.1, n=200, d=100, sigma2=0.25)
    assert data["converged"] is True
    assert (data["lam"], data["n"], data["d"], data["sigma2"]) == (0.1, 200, 100, 0.25)
    for k in sol.keys():
        assert data[k] == float(sol[k]), k     # JSON floats round-trip exactly


def test_solve_uses_model_defaults(capsys, iso):
    code, out, _ = run(capsys, "solve", "ridge", "--json")
    assert code == 0
    data = json.loads(out)
    d = models.get("ridge").defaults
    assert data["kappa"] == float(iso.solver()(**d).kappa)


def test_grid_syntax(capsys, iso):
    assert np.array_equal(parse_value("100:10000:log5"), np.geomspace(100, 10000, 5))
    assert np.array_equal(parse_value("0:1:3"), np.array([0.0, 0.5, 1.0]))
    assert np.array_equal(parse_value("1,2,4"), np.array([1.0, 2.0, 4.0]))
    code, out, _ = run(capsys, "solve", "ridge", "n=100:10000:log5", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["n"] == pytest.approx([100, 316.227766, 1000, 3162.27766, 10000], rel=1e-9)
    assert len(data["kappa"]) == 5
    sol = iso.solver()(lam=0.1, n=np.geomspace(100, 10000, 5), d=100, sigma2=0.25)
    assert data["kappa"] == [float(v) for v in sol.kappa]
    # two grids form an outer product in the order given
    code, out, _ = run(capsys, "solve", "ridge", "lam=0.01,0.1,1", "n=100:400:2", "--json")
    assert code == 0
    data = json.loads(out)
    assert np.shape(data["kappa"]) == (3, 2)
    assert np.shape(data["lam"]) == (3, 2) and data["lam"][2][0] == 1.0 and data["n"][0][1] == 400.0


def test_solve_table_output(capsys):
    code, out, _ = run(capsys, "solve", "ridge", "n=100:10000:log5")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:5] == ["lam", "n", "d", "sigma2", "kappa"]
    assert len(lines) == 1 + 5


@pytest.mark.parametrize("arg", ["n=100:10:log0", "n=1:2", "n=-1:10:log3", "n=1:10:log2.5", "n=a:b:3"])
def test_bad_grids_exit_2_naming_the_parameter(capsys, arg):
    code, _, err = run(capsys, "solve", "ridge", arg)
    assert code == 2
    assert "`n`" in err


def test_codegen_to_file(capsys, tmp_path, iso):
    target = tmp_path / "ridge_solver.py"
    code, out, _ = run(capsys, "codegen", "ridge", "-o", str(target))
    assert code == 0
    assert str(target) in out
    text = target.read_text()
    assert text == iso.solver().to_source()
    ast.parse(text)
    ns = {}
    exec(compile(text, str(target), "exec"), ns)
    assert float(ns["solve"](lam=0.1, n=200, d=100, sigma2=0.25)["kappa"]) == float(
        iso.solver()(lam=0.1, n=200, d=100, sigma2=0.25).kappa)


def test_codegen_to_stdout(capsys, iso):
    code, out, _ = run(capsys, "codegen", "ridge")
    assert code == 0 and out == iso.solver().to_source()


def test_check_ridge_atoms(capsys):
    code, out, err = run(capsys, "check", "ridge-atoms", "--seeds", "16")
    assert code == 0, out + err
    m = models.get("ridge-atoms")
    head = f"{'observable':<12} {'theory':>12} {'simulation':>12} {'stderr':>10} {'z':>7}"
    assert out.count(head) == len(m.check_grid)
    assert "(16 seeds" in out
    assert "all agree" in out
    for name in ("excess_risk", "test_error", "train_error"):
        assert name in out


def test_values_are_never_evaluated(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    for arg in ("lam=__import__('os').getcwd()", f"lam=open({str(marker)!r},'w')", "lam=1+1", "lam=0x10",
                "lam=1_000", "lam=[0.1]"):
        code, out, err = run(capsys, "solve", "ridge", arg)
        assert code == 2, arg
        assert "`lam`" in err and "number" in err, err
        assert out == ""
    assert not marker.exists()
    assert os.getcwd() == str(tmp_path)


def test_unknown_model_and_parameter(capsys):
    code, _, err = run(capsys, "solve", "nonesuch")
    assert code == 2 and "`model`" in err and "ridge" in err
    code, _, err = run(capsys, "solve", "ridge", "alpha=1")
    assert code == 2 and "`alpha`" in err
    code, _, err = run(capsys, "solve", "ridge", "lam=-1")
    assert code == 2 and "`lam`" in err
    with pytest.raises(SystemExit):
        main(["solve"])      # argparse: missing model
    capsys.readouterr()


def test_tour_runs_and_agrees(capsys):
    """`saddlepoint tour` (the README's first command): derive, typeset, solve, check."""
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    assert "\\begin{align*}" in out and "max |z|" in out and "all converged: True" in out


def test_solve_json_is_strict_and_names_the_branch(capsys):
    """Exact recovery has q_hat = inf: strict JSON (no bare Infinity), inf as a string that
    float() reads back; the stationary point each row took is reported."""
    code, out, _ = run(capsys, "solve", "perceptron-binary-bayes", "alpha=0.5,2", "--json")
    assert code == 0
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert data["branch"] == ["uninformed", "recovery"]
    assert data["q_hat"][1] == "inf" and float(data["q_hat"][1]) == float("inf")
    assert data["q"][1] == 1.0 and 0 < data["q"][0] < 1
    code, out, _ = run(capsys, "solve", "perceptron-binary-bayes", "alpha=0.5,2")
    assert out.splitlines()[0].split()[-1] == "branch" and out.splitlines()[2].split()[-1] == "recovery"
