r"""Free probability by the polynomial method (pure SymPy).

A :class:`Law` is a spectral law stored as the polynomial :math:`P(g, z) = 0` of its
Stieltjes transform (Rao & Edelman 2008, *The polynomial method for random matrices*);
transforms, moments, free cumulants, support edges, atoms, affine maps, inverses and the free
convolutions :func:`free_add` (⊞) and :func:`free_mul` (⊠) are derived from it exactly.

Conventions (Mingo & Speicher 2017; Voiculescu 1986, 1987): :math:`g(z) = \int d\mu(x)/(z - x)`
(physical branch :math:`g \sim 1/z` at infinity, :math:`\operatorname{Im} g < 0` for
:math:`\operatorname{Im} z > 0`; Rao & Edelman and Bai & Silverstein write
:math:`m(z) = -g(z)`), :math:`g^{-1}(w) = R(w) + 1/w`, :math:`\psi(z) = \sum_{k\ge1} m_k z^k`,
:math:`\chi = \psi^{-1}`, :math:`S(t) = \chi(t)(1+t)/t`. Marchenko-Pastur with ratio
:math:`q = d/n` is the law of the eigenvalues of :math:`X^\top X/n` (mean 1, second moment
:math:`1 + q`).

Ensemble recipes (``Law.ensemble``, plain dicts for the simulation):
``{"kind": "semicircle", "variance": v}``, ``{"kind": "marchenko_pastur", "ratio": q}``,
``{"kind": "atoms", "points": [...], "weights": [...]}``,
``{"kind": "free_poisson", "rate": r, "jump": a}``,
``{"kind": "affine", "scale": a, "shift": b, "base": <recipe>}``,
``{"kind": "free_add", "left": <recipe>, "right": <recipe>}``,
``{"kind": "free_mul", "left": <recipe>, "right": <recipe>}``,
``{"kind": "inverse", "base": <recipe>}``. A law built from a bare polynomial has ``None``.
"""

from .convolution import free_add, free_mul
from .laws import Atoms, FreePoisson, Law, MarchenkoPastur, Semicircle, g, r, s, w, z

__all__ = ["g", "z", "w", "r", "s", "Law", "MarchenkoPastur", "Semicircle", "Atoms",
           "FreePoisson", "free_add", "free_mul"]
