"""The bridge from free probability to deterministic equivalents (issue 3, item 4)."""

import numpy as np
import pytest
import sympy as sp

import saddlepoint as spt
from saddlepoint import free
from saddlepoint.derivations import symbols as S
from saddlepoint.errors import DerivationError


def test_ridge_kappa_equation_is_the_s_transform_of_marchenko_pastur():
    """Atanasov, Zavatone-Veth & Pehlevan (2024): the sample covariance is Sigma^1/2 W Sigma^1/2
    with W ~ MP(q), q = d/n, and the renormalised ridge is kappa = lam * S_W(-df1(kappa)/d)
    with S_W(t) = 1/(1 + q t) (the S-transform product rule). Substituting the ridge's own
    equation solved for lam must give an identity, for an unspecified spectrum (df1 a symbol)."""
    t, df1 = sp.symbols("t df1", positive=True)
    lam, kappa, n, d = S.lam, S.kappa, S.n, S.d
    s_mp = free.MarchenkoPastur(d / n).s_transform(t)
    assert sp.simplify(s_mp - 1 / (1 + d / n * t)) == 0
    generic = spt.ridge(spt.Isotropic(signal=1))  # its equation, with df1 = d/(1+kappa)
    lam_from_ridge = sp.solve(generic.equations[0], lam)[0]
    # the same relation for a generic df1: kappa = lam + kappa df1/n  <=>  lam = kappa (1 - df1/n)
    assert sp.simplify(lam_from_ridge - kappa * (1 - d / (n * (1 + kappa)))) == 0
    identity = lam * s_mp.subs(t, -df1 / d) - kappa
    assert sp.simplify(identity.subs(lam, kappa * (1 - df1 / n))) == 0


def test_atoms_law_matches_the_atoms_spectrum_exactly():
    half = sp.Rational(1, 2)
    via_law = spt.ridge(free.Atoms([2, half], [half, half])).solver()(lam=0.1, n=200, d=100, sigma2=0.25)
    # isotropic teacher of unit power: t_i = omega_i / d
    direct = spt.ridge(spt.Atoms([2, half], target=[sp.Rational(2, 100), sp.Rational(1, 200)],
                                 multiplicity=[50, 50])).solver()(lam=0.1, n=200, sigma2=0.25)
    for name in ("kappa", "excess_risk", "train_error", "df1", "df2"):
        assert float(via_law[name]) == pytest.approx(float(direct[name]), rel=1e-12), name


def test_marchenko_pastur_population_against_a_sampled_population():
    """A population covariance with MP(1/2) eigenvalues: the law's closed form against the
    same ridge on d = 3000 eigenvalues drawn from the Wishart ensemble (agreement to O(1/d))."""
    law = free.MarchenkoPastur(sp.Rational(1, 2))
    theory = spt.ridge(law).solver()(lam=0.1, n=6000, d=3000, sigma2=0.25)
    ev = free.simulate.spectrum(law, d=3000, seeds=1, seed=5).eigenvalues[0]
    sampled = spt.ridge(spt.Atoms(list(ev), target=list(ev / 3000), multiplicity=[1] * 3000))
    sol = sampled.solver()(lam=0.1, n=6000, sigma2=0.25)
    for name in ("kappa", "excess_risk", "bias", "variance"):
        assert float(sol[name]) == pytest.approx(float(theory[name]), rel=2e-3), name


def test_symbolic_ratio_stays_a_parameter():
    q = sp.Symbol("q", positive=True)
    de = spt.ridge(free.MarchenkoPastur(q))
    assert de.parameter_names == ("lam", "n", "d", "sigma2", "q")
    numeric = spt.ridge(free.MarchenkoPastur(sp.Rational(1, 2))).solver()(lam=0.1, n=400, d=200, sigma2=0.25)
    symbolic = de.solver()(lam=0.1, n=400, d=200, sigma2=0.25, q=0.5)
    assert float(symbolic.kappa) == pytest.approx(float(numeric.kappa), rel=1e-12)


def test_laws_without_closed_form_are_refused():
    cubic = free.free_mul(free.MarchenkoPastur(sp.Rational(1, 2)), free.Atoms([2, sp.Rational(1, 2)]))
    with pytest.raises(DerivationError):
        spt.ridge(cubic)
