"""Shared, session-scoped derivations for the derivation / solver / codegen / CLI tests.

Building a Derivation runs SymPy (solve + limit for the closed form, about a second), and its
compiled solvers are cached on the object, so the tests share one object per spectrum.
"""

import pytest
import sympy

import saddlepoint as spt

#: the teacher power of the two-atom test spectrum is given per mode (t = omega (w*)^2)
ATOMS_SPEC = dict(eigenvalues=(2.0, 0.5), target=(0.02, 0.005), multiplicity=(50, 50))
POWERLAW_SPEC = dict(alpha=1.5, beta=2.0)


@pytest.fixture(scope="session")
def iso():
    """Isotropic spectrum, unit signal: parameters (lam, n, d, sigma2)."""
    return spt.ridge(spt.Isotropic(signal=1))


@pytest.fixture(scope="session")
def r2():
    return sympy.Symbol("r2", positive=True)


@pytest.fixture(scope="session")
def iso_r2(r2):
    """Isotropic spectrum with a symbolic signal r2 = ||w*||^2: parameters (lam, n, d, sigma2, r2)."""
    return spt.ridge(spt.Isotropic(signal=r2))


@pytest.fixture(scope="session")
def atoms():
    """Two numeric atoms (no closed form): parameters (lam, n, sigma2); d = 100."""
    s = ATOMS_SPEC
    return spt.ridge(spt.Atoms(s["eigenvalues"], target=s["target"], multiplicity=s["multiplicity"]))


@pytest.fixture(scope="session")
def powerlaw():
    """omega_k = k^-1.5, t_k = k^-2, d = infinity: parameters (lam, n, sigma2)."""
    return spt.ridge(spt.PowerLaw(**POWERLAW_SPEC))


@pytest.fixture(scope="session")
def powerlaw_d():
    """The same power law truncated at d = 400 (a finite spectrum)."""
    return spt.ridge(spt.PowerLaw(**POWERLAW_SPEC, d=400))
