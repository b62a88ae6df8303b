"""Pure SymPy: derivations, spectra and symbols. Never imports numpy or scipy."""

from . import symbols
from .core import Derivation, Step
from .ridge import optimal_ridge, ridge
from .spectra import Atoms, Isotropic, PowerLaw, SpectralSum, Spectrum

__all__ = ["symbols", "Derivation", "Step", "ridge", "optimal_ridge",
           "Spectrum", "Isotropic", "Atoms", "PowerLaw", "SpectralSum"]
