"""The bridge from free probability to deterministic equivalents (issue 3, item 4)."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

import saddlepoint as spt
from saddlepoint import free
from saddlepoint.derivations import symbols as S
from saddlepoint.derivations.spectra import LawResolvent, LawSpectrum
from saddlepoint.errors import DerivationError
from saddlepoint.solvers import spectral
from saddlepoint.solvers.compile import law_anchor


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
    same ridge on d = 1000 eigenvalues drawn from the Wishart ensemble (agreement to O(1/d):
    measured gaps <= 8e-4 relative at this seed)."""
    law = free.MarchenkoPastur(sp.Rational(1, 2))
    theory = spt.ridge(law).solver()(lam=0.1, n=2000, d=1000, sigma2=0.25)
    ev = free.simulate.spectrum(law, d=1000, seeds=1, seed=5).eigenvalues[0]
    sampled = spt.ridge(spt.Atoms(list(ev), target=list(ev / 1000), multiplicity=[1] * 1000))
    sol = sampled.solver()(lam=0.1, n=2000, sigma2=0.25)
    for name in ("kappa", "excess_risk", "bias", "variance"):
        assert float(sol[name]) == pytest.approx(float(theory[name]), rel=2e-3), name


def test_symbolic_ratio_stays_a_parameter():
    q = sp.Symbol("q", positive=True)
    de = spt.ridge(free.MarchenkoPastur(q))
    assert de.parameter_names == ("lam", "n", "d", "sigma2", "q")
    numeric = spt.ridge(free.MarchenkoPastur(sp.Rational(1, 2))).solver()(lam=0.1, n=400, d=200, sigma2=0.25)
    symbolic = de.solver()(lam=0.1, n=400, d=200, sigma2=0.25, q=0.5)
    assert float(symbolic.kappa) == pytest.approx(float(numeric.kappa), rel=1e-12)


def test_symbolic_laws_without_closed_form_are_refused():
    q = sp.Symbol("q", positive=True)
    cubic = free.free_mul(free.MarchenkoPastur(q), free.Atoms([2, sp.Rational(1, 2)]))
    with pytest.raises(DerivationError):
        spt.ridge(cubic)
    numeric = free.free_mul(free.MarchenkoPastur(sp.Rational(1, 2)), free.Atoms([2, sp.Rational(1, 2)]))
    with pytest.raises(DerivationError):
        LawSpectrum(numeric, closed_form=True)


def test_a_law_with_negative_mass_is_not_a_population():
    law = free.free_add(free.Semicircle(1), free.Atoms([-1, 1]))     # degree 3, mass on x < 0
    with pytest.raises(DerivationError):
        spt.ridge(law).solver()


# ---------------------------------------------------------------------------------------------
# the numeric bridge: laws of degree >= 3 (no closed-form Stieltjes transform)
# ---------------------------------------------------------------------------------------------

HALF = sp.Rational(1, 2)
POP = [2.0, 0.5]               # population eigenvalues of the sample-covariance law, weights 1/2
Q_POP = 0.5                    # its ratio


def product_law():
    """Law of the sample covariance of a two-atom population, used as a ridge population."""
    return free.free_mul(free.MarchenkoPastur(HALF), free.Atoms([2, HALF], [HALF, HALF]))


def silverstein_resolvent(kappa, q, pop, dps=40):
    """R_1 and R_2 of the law of the sample covariance of population ``pop`` at ratio ``q``,
    independently of the polynomial: the deterministic equivalent of the resolvent
    (Silverstein 1995; in ridge form, Atanasov, Zavatone-Veth & Pehlevan 2024)
    (1/d) tr (Sigma_hat + kappa)^-1 = (tau/kappa) <1/(omega + tau)>, tau = kappa +
    tau q <omega/(omega + tau)>, solved and differentiated in mpmath at ``dps`` digits."""
    with mpmath.workdps(dps):
        pop = [mpmath.mpf(w) for w in pop]
        mean = lambda f: mpmath.fsum(f(w) for w in pop) / len(pop)

        def r1(k):
            tau = mpmath.findroot(lambda t: t - k - t * q * mean(lambda w: w / (w + t)), k + q)
            return tau / k * mean(lambda w: 1 / (w + tau))
        k = mpmath.mpf(kappa)
        return float(r1(k)), float(-mpmath.diff(r1, k))


@pytest.mark.parametrize("kappa", [1e-3, 0.05, 0.3, 2.0, 40.0])
def test_resolvent_kernel_against_the_silverstein_equation(kappa):
    spec = LawSpectrum(product_law())
    coeffs, _, anchor, shift = law_anchor(spec)
    R = spectral.law_resolvents(np.array([kappa]), coeffs, anchor, shift, 2)[:, 0]
    ref = silverstein_resolvent(kappa, Q_POP, POP)
    assert R[0] == pytest.approx(ref[0], rel=1e-12)
    assert R[1] == pytest.approx(ref[1], rel=1e-10)


def test_resolvent_kernel_at_a_rank_deficient_atom():
    """MP(2) ⊠ atoms has an atom 1/2 at 0 where two branches share the residue (they differ
    only at O(1) next to |g| ~ 1/kappa): the followed root must be the physical one down to
    kappa = 1e-5 (Silverstein's equation as the reference)."""
    law = free.free_mul(free.MarchenkoPastur(2), free.Atoms([2, HALF], [HALF, HALF]))
    coeffs, _, anchor, shift = law_anchor(LawSpectrum(law))
    assert shift == 0.0
    kap = np.array([1e-5, 1e-3, 0.0155, 0.3, 5.0])
    R = spectral.law_resolvents(kap, coeffs, anchor, shift, 1)[0]
    ref = np.array([silverstein_resolvent(k, 2.0, POP)[0] for k in kap])
    np.testing.assert_allclose(R, ref, rtol=1e-8)


def test_numeric_bridge_equals_the_closed_form_on_marchenko_pastur():
    """Degree 2: forcing the numeric path must reproduce the closed-form derivation."""
    law = free.MarchenkoPastur(sp.Rational(1, 3))
    lam = np.geomspace(1e-3, 10.0, 7)
    exact = spt.ridge(LawSpectrum(law)).solver()(lam=lam, n=300, d=100, sigma2=0.25)
    numeric = spt.ridge(LawSpectrum(law, closed_form=False)).solver()(lam=lam, n=300, d=100, sigma2=0.25)
    for name in ("kappa", "excess_risk", "train_error", "bias", "variance", "df1", "df2"):
        np.testing.assert_allclose(numeric[name], exact[name], rtol=1e-11, err_msg=name)


def test_ridge_on_a_degree_three_law_against_an_mpmath_reference():
    """kappa and the excess risk from the solver against the conventions table evaluated on the
    Silverstein resolvent (mpmath, 40 digits): kappa = lam + (kappa/n) d (1 - kappa R_1),
    bias = kappa^2 (R_1 - kappa R_2) signal / (1 - gamma), variance = sigma2 gamma/(1 - gamma),
    gamma = (d/n)(1 - 2 kappa R_1 + kappa^2 R_2), signal = ||w*||^2 = 1."""
    law = product_law()
    de = spt.ridge(law)
    assert law.degree == 3 and de.equations[0].rhs.atoms(LawResolvent)
    lam, n, d, sigma2 = 0.05, 300.0, 200.0, 0.25
    sol = de.solver()(lam=lam, n=n, d=d, sigma2=sigma2)
    kappa = brentq(lambda k: k - lam - k * d / n * (1 - k * silverstein_resolvent(k, Q_POP, POP)[0]),
                   lam, lam + 2 * d / n)
    r1, r2 = silverstein_resolvent(kappa, Q_POP, POP)
    gamma = d / n * (1 - 2 * kappa * r1 + kappa**2 * r2)
    excess = kappa**2 * (r1 - kappa * r2) / (1 - gamma) + sigma2 * gamma / (1 - gamma)
    assert float(sol.kappa) == pytest.approx(kappa, rel=1e-9)
    assert float(sol.excess_risk) == pytest.approx(excess, rel=1e-9)


def test_numpy_mpmath_and_generated_source_agree():
    de = spt.ridge(product_law())
    point = dict(lam=0.1, n=400, d=200, sigma2=0.25)
    num = de.solver()
    fast = num(**point)
    precise = de.solver(backend="mpmath", dps=30)(**point)
    for name in ("kappa", "excess_risk", "train_error", "df1", "df2"):
        assert float(fast[name]) == pytest.approx(float(precise[name]), rel=1e-12), name
    src = num.to_source()
    assert "law_resolvents" in src and "_LAW_COEFFS" in src and "import saddlepoint" not in src
    module = {}
    exec(compile(src, "<generated ridge>", "exec"), module)   # text generated by the solver above
    out = module["solve"](**point)
    for name in ("kappa", "excess_risk", "bias", "variance"):
        assert float(out[name]) == float(fast[name]), name


def test_resolvent_evalf_at_high_precision():
    """evalf of R_1 at 40 digits against the Silverstein resolvent at 50 digits."""
    spec = LawSpectrum(product_law())
    value = spec.resolvent(1)(sp.Rational(3, 10)).evalf(40)
    with mpmath.workdps(50):
        pop = [mpmath.mpf(2), mpmath.mpf(1) / 2]
        k = mpmath.mpf(3) / 10
        tau = mpmath.findroot(lambda t: t - k - t * mpmath.mpf(1) / 2 * sum(w / (w + t) for w in pop) / 2, k + 1)
        ref = tau / k * sum(1 / (w + tau) for w in pop) / 2
        assert abs(mpmath.mpf(str(value)) - ref) < mpmath.mpf(10) ** -35
    assert sp.diff(spec.resolvent(1)(S.kappa), S.kappa) == -spec.resolvent(2)(S.kappa)


def test_law_population_against_simulation():
    """How to simulate with a law population: draw the d population eigenvalues from the law's
    own random-matrix recipe (free.simulate.spectrum) and pass them as an Atoms spectrum with an
    isotropic teacher t_i = omega_i/d; the simulation never sees the theory. The theory on the
    law must agree within the Monte Carlo error (|z| < 4, noiseless labels, 64 seeds), and the
    test has power: the population of MP(2/3) ⊠ atoms (a wider spread) is rejected."""
    law = product_law()
    d, n, lam, sigma2 = 200, 200, 0.01, 0.0
    omega = free.simulate.spectrum(law, d=d, seeds=1, seed=11).eigenvalues[0]
    population = spt.Atoms(list(omega), target=list(omega / d), multiplicity=[1] * d)
    sim = spt.simulate.ridge(population, lam=lam, n=n, sigma2=sigma2, seeds=64, seed=3)

    def z_scores(population_law):
        theory = spt.ridge(population_law).solver()(lam=lam, n=n, d=d, sigma2=sigma2)
        return [(float(sim[k].mean) - float(theory[k])) / float(sim[k].stderr)
                for k in ("excess_risk", "train_error")]
    z = z_scores(law)
    assert max(abs(v) for v in z) < 4, z
    wider = free.free_mul(free.MarchenkoPastur(sp.Rational(2, 3)), free.Atoms([2, HALF], [HALF, HALF]))
    assert max(abs(v) for v in z_scores(wider)) > 4
