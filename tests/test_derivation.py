"""The Derivation API: order of parameters and unknowns, immutability, subs/limit, LaTeX, caching."""

import pickle
import re
import shutil
import subprocess

import pytest
import sympy as sp

import saddlepoint as spt
from saddlepoint.derivations import symbols as S
from saddlepoint.errors import ParameterError

lam, n, d, sigma2, kappa = S.lam, S.n, S.d, S.sigma2, S.kappa


# --------------------------------------------------------------------------- parameters


def test_parameters_and_unknowns_order(iso, iso_r2, atoms, powerlaw, powerlaw_d):
    assert iso.parameters == (lam, n, d, sigma2)
    assert iso.parameter_names == ("lam", "n", "d", "sigma2")
    assert iso.unknowns == (kappa,) and iso.unknown_names == ("kappa",)
    # spectrum symbols come after the shared ones
    assert iso_r2.parameter_names == ("lam", "n", "d", "sigma2", "r2")
    # numeric spectra fix d: it is no parameter
    for de in (atoms, powerlaw, powerlaw_d, spt.ridge(spt.Isotropic(signal=1, d=100))):
        assert de.parameter_names == ("lam", "n", "sigma2")
    # the keywords of the names are the registered ones
    assert tuple(S.keyword_of(p) for p in iso.parameters) == iso.parameter_names
    # the solver's call signature follows the same order
    import inspect
    sig = inspect.signature(iso.solver())
    assert tuple(sig.parameters)[:4] == iso.parameter_names


def test_equations_observables_and_closed_form_shape(iso, atoms):
    assert len(iso.equations) == len(iso.unknowns) == 1
    assert isinstance(iso.equations[0], sp.Eq)
    assert tuple(iso.observables) == ("excess_risk", "test_error", "train_error", "bias", "variance",
                                      "df1", "df2", "gcv")
    assert set(iso.closed_form) == {kappa}
    assert atoms.closed_form == {}
    free = set().union(*(e.free_symbols for e in iso.observables.values()))
    assert free <= set(iso.parameters) | set(iso.unknowns)


# --------------------------------------------------------------------------- immutability


def test_returned_containers_are_copies(iso):
    before = (iso.latex(), dict(iso.observables), list(iso.equations), dict(iso.closed_form))
    iso.observables["test_error"] = sp.Integer(0)
    iso.observables.clear()
    iso.equations.append(sp.Eq(kappa, 0))
    iso.closed_form.clear()
    iso.domains.clear()
    assert (iso.latex(), dict(iso.observables), list(iso.equations), dict(iso.closed_form)) == before
    with pytest.raises(AttributeError):
        iso.parameters = ()
    with pytest.raises(AttributeError):
        iso.observables = {}


def test_subs_returns_a_new_derivation_and_leaves_the_original_unchanged(iso):
    names, obs, latex, steps = iso.parameter_names, iso.observables, iso.latex(), iso.steps
    new = iso.subs(d=100)
    assert new is not iso
    assert (iso.parameter_names, iso.observables, iso.latex(), iso.steps) == (names, obs, latex, steps)
    assert new.parameter_names == ("lam", "n", "sigma2")
    assert d not in set().union(*(e.free_symbols for e in new.observables.values()))
    assert d not in new.closed_form[kappa].free_symbols
    assert new.observables["df1"] == 100 / (1 + kappa)
    assert len(new.steps) == len(iso.steps) + 1 and "d = 100" in new.steps[-1].text
    # the substituted derivation is the same function of the remaining parameters
    for name, e in iso.observables.items():
        assert sp.simplify(new.observables[name] - e.subs(d, 100)) == 0


def test_subs_with_an_expression_adds_its_symbols_as_parameters(iso):
    m = sp.Symbol("m", positive=True)
    new = iso.subs(d=2 * m)
    assert new.parameter_names == ("lam", "n", "sigma2", "m")
    assert new.observables["df2"] == 2 * m / (1 + kappa) ** 2


@pytest.mark.parametrize("kw,name", [(dict(d=-1), "d"), (dict(d=0), "d"), (dict(n=0), "n"), (dict(n=-5), "n"),
                                     (dict(lam=-1), "lam"), (dict(sigma2=-0.5), "sigma2"), (dict(d=sp.oo), "d"),
                                     (dict(d=sp.I), "d"), (dict(d=float("nan")), "d"),
                                     (dict(foo=1), "foo"), (dict(kappa=1), "kappa")])
def test_subs_invalid_values_raise_parameter_error_naming_the_parameter(iso, kw, name):
    with pytest.raises(ParameterError) as info:
        iso.subs(**kw)
    assert info.value.parameter == name
    assert f"`{name}`" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_limit_removes_the_parameter_and_records_the_step(iso):
    L = iso.limit("lam", 0)
    assert L.parameter_names == ("n", "d", "sigma2")
    assert iso.parameter_names == ("lam", "n", "d", "sigma2")
    assert len(L.steps) > len(iso.steps)
    with pytest.raises(ParameterError):
        iso.limit("kappa", 0)
    with pytest.raises(ParameterError):
        iso.limit("nope", 0)


def test_no_property_depends_on_call_order():
    a = spt.ridge(spt.Isotropic(signal=1))
    b = spt.ridge(spt.Isotropic(signal=1))
    a.solver()
    a.limit("lam", 0)
    a.subs(d=3)
    la = a.latex()
    lb = b.latex()
    b.solver()
    assert la == lb == b.latex()
    assert a.observables == b.observables and a.equations == b.equations and a.closed_form == b.closed_form


def test_pickle_round_trip_drops_compiled_solvers(iso):
    iso.solver()
    clone = pickle.loads(pickle.dumps(iso))
    assert clone.latex() == iso.latex()
    assert clone.solver()(lam=0.1, n=200, d=100, sigma2=0.25).kappa == iso.solver()(lam=0.1, n=200, d=100, sigma2=0.25).kappa


# ---------------------------------------------------------------------------------- LaTeX


def test_latex_block_contains_the_equation_and_every_observable(iso, atoms):
    for de in (iso, atoms):
        tex = de.latex()
        assert tex.startswith("\\begin{align*}") and tex.rstrip().endswith("\\end{align*}")
        assert tex.count("\\begin{align*}") == 1
        eq = de.equations[0]
        names = {s: v for s, v in de.latex_names.items() if isinstance(s, sp.Symbol)}
        assert sp.latex(eq.rhs, symbol_names=names) in tex
        for key, expr in de.observables.items():
            head = de.latex_names.get(key, r"\mathrm{%s}" % key.replace("_", r"\_"))
            assert f"{head} &= {sp.latex(expr, symbol_names=names)}" in tex, key
        # a row per observable, and no empty or doubled row ends
        assert "\\\\ \\\\" not in tex and not tex.rstrip()[:-len("\\end{align*}")].rstrip().endswith("\\\\")
    assert iso._repr_latex_() == iso.latex()
    assert r"\kappa" in iso.latex() and r"\lambda" in iso.latex()
    assert "kappa" not in re.sub(r"\\kappa", "", iso.latex())   # every kappa is typeset


def _tex_document(bodies):
    return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
            + "\n\n".join(bodies) + "\n\\end{document}\n")


def test_latex_compiles_with_pdflatex(tmp_path, iso, atoms, powerlaw, powerlaw_d):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed")
    a, b = sp.symbols("a b", positive=True)
    sym = spt.ridge(spt.Atoms([a], target=[b], multiplicity=[3]))
    des = [iso, iso.limit("lam", 0), iso.subs(d=100), atoms, powerlaw, powerlaw_d, sym]
    (tmp_path / "doc.tex").write_text(_tex_document([de.latex() for de in des]))
    run = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
    # the check can fail: a broken block does not compile
    (tmp_path / "bad.tex").write_text(_tex_document([iso.latex().replace("\\end{align*}", "")]))
    bad = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "bad.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0


# ------------------------------------------------------------------------------- solver()


def test_solver_is_cached(iso):
    assert iso.solver() is iso.solver()
    assert iso.solver(backend="mpmath", dps=40) is iso.solver(backend="mpmath", dps=40)
    assert iso.solver(backend="mpmath", dps=40) is not iso.solver(backend="mpmath", dps=50)
    assert iso.solver(method="bracket") is not iso.solver()
    # a new derivation (from subs) compiles its own solver
    assert iso.subs(sigma2=0).solver() is not iso.solver()
    assert iso.solver().derivation is iso


def test_solver_options_are_checked(iso):
    for kw, name in ((dict(backend="fortran"), "backend"), (dict(method="magic"), "method"),
                     (dict(maxiter=0), "maxiter"), (dict(tol=2.0), "tol"), (dict(dps=0), "dps")):
        with pytest.raises(ParameterError) as info:
            iso.solver(**kw)
        assert info.value.parameter == name
