r"""Covariance spectra and the spectral functionals of deterministic equivalents.

A spectrum fixes the population covariance :math:`\Sigma` (eigenvalues :math:`\omega_i`) and the
teacher's power in each mode, :math:`t_i = \omega_i (w^*_i)^2` (the convention of Atanasov,
Zavatone-Veth & Pehlevan 2024, *Scaling and renormalization in high-dimensional regression*).
Every functional used by a derivation is one of the sums

.. math::

    S_{a,b}(\kappa) = \sum_i \omega_i^{a} (\omega_i + \kappa)^{-b}, \qquad
    T_{a,b}(\kappa) = \sum_i t_i\, \omega_i^{a} (\omega_i + \kappa)^{-b}

(``weighted=False`` and ``weighted=True``), so that

* ``df1(kappa)`` = :math:`S_{1,1} = \operatorname{tr}[\Sigma(\Sigma+\kappa)^{-1}]`,
* ``df2(kappa)`` = :math:`S_{2,2} = \operatorname{tr}[\Sigma^2(\Sigma+\kappa)^{-2}]`,
* ``tf1(kappa)`` = :math:`T_{0,1} = \bar w^\top \Sigma (\Sigma+\kappa)^{-1} \bar w`,
* ``tf2(kappa)`` = :math:`T_{1,2} = \bar w^\top \Sigma^2 (\Sigma+\kappa)^{-2} \bar w`.

Each functional is a SymPy ``Function`` class bound to its spectrum. It differentiates
itself (:math:`\partial_\kappa S_{a,b} = -b\, S_{a,b+1}`), evaluates to a closed form where the
spectrum has one (``Isotropic``; ``Atoms`` with symbolic entries), and otherwise stays an
unevaluated atom that the numeric solver binds to a fast kernel
(:mod:`saddlepoint.solvers.spectral`). ``.doit()`` always returns the explicit sum
(a finite sum, or a SymPy ``Sum`` for power laws), which is what ``evalf`` evaluates.
"""

import sympy

from ..errors import ParameterError
from . import symbols as _s

__all__ = ["Spectrum", "Generic", "Isotropic", "Atoms", "PowerLaw", "LawSpectrum", "LawResolvent", "SpectralSum",
           "specialise"]


class SpectralSum(sympy.Function):
    """Base class of the functionals S_{a,b} / T_{a,b}(kappa) of one spectrum.

    Subclasses are made by :meth:`Spectrum.functional`; they carry the class attributes
    ``spectrum``, ``a``, ``b`` and ``weighted``.
    """

    nargs = 1
    spectrum = None
    a = b = 0
    weighted = False
    is_real = True

    @classmethod
    def eval(cls, kappa):
        return cls.spectrum._closed_form(cls.a, cls.b, cls.weighted, kappa)

    def fdiff(self, argindex=1):
        cls = type(self)
        if cls.b == 0:
            return sympy.S.Zero
        return -cls.b * cls.spectrum.functional(cls.a, cls.b + 1, cls.weighted)(self.args[0])

    def doit(self, deep=True, **hints):
        kappa = self.args[0].doit(deep=deep, **hints) if deep else self.args[0]
        cls = type(self)
        return cls.spectrum._explicit_sum(cls.a, cls.b, cls.weighted, kappa)

    def _eval_evalf(self, prec):
        if type(self).spectrum.kind == "generic":
            return None
        return self.doit()._eval_evalf(prec)

    def _eval_is_positive(self):
        return True if self.args[0].is_nonnegative else None

    def __reduce_ex__(self, protocol):
        # the class is made per spectrum at run time: pickle the recipe, not the class
        cls = type(self)
        return (_rebuild_functional, (cls.spectrum, cls.a, cls.b, cls.weighted, self.args[0]))

    def _latex(self, printer, exp=None):
        cls = type(self)
        arg = printer._print(self.args[0])
        name = _FUNCTIONAL_NAMES.get((cls.a, cls.b, cls.weighted))
        if name is not None:
            head = name
        elif cls.weighted:
            head = r"\mathrm{T}_{%s,%s}" % (cls.a, cls.b)
        else:
            head = r"\mathrm{S}_{%s,%s}" % (cls.a, cls.b)
        tex = r"%s\left(%s\right)" % (head, arg)
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        cls = type(self)
        name = _FUNCTIONAL_PLAIN.get((cls.a, cls.b, cls.weighted), cls.__name__)
        return f"{name}({printer._print(self.args[0])})"


def _rebuild_functional(spectrum, a, b, weighted, kappa):
    return spectrum.functional(a, b, weighted)(kappa)


_FUNCTIONAL_NAMES = {
    (1, 1, False): r"\mathrm{df}_{1}",
    (2, 2, False): r"\mathrm{df}_{2}",
    (0, 1, True): r"\mathrm{tf}_{1}",
    (1, 2, True): r"\mathrm{tf}_{2}",
}
_FUNCTIONAL_PLAIN = {
    (1, 1, False): "df1",
    (2, 2, False): "df2",
    (0, 1, True): "tf1",
    (1, 2, True): "tf2",
}


def _number(name, value, *, positive=False, nonnegative=False, allow_symbol=True):
    """Sympify a spectrum entry and check its sign when it is a number."""
    if isinstance(value, bool):
        raise ParameterError(name, f"must be a number, not {value!r}")
    try:
        x = sympy.sympify(value, strict=True)
    except (sympy.SympifyError, TypeError):
        raise ParameterError(name, f"must be a number or a SymPy expression, not {value!r}")
    if x.free_symbols:
        if not allow_symbol:
            raise ParameterError(name, f"must be a number, not the expression {x}")
        return x
    if not (x.is_real and x.is_finite):
        raise ParameterError(name, f"must be a finite real number, got {value!r}")
    if positive and not x.is_positive:
        raise ParameterError(name, f"must be > 0, got {value!r}")
    if nonnegative and not x.is_nonnegative:
        raise ParameterError(name, f"must be >= 0, got {value!r}")
    return x


class Spectrum:
    """A population spectrum: eigenvalues omega_i and target powers t_i = omega_i (w*_i)^2.

    Subclasses define ``kind``, ``parameters`` (the symbols the spectrum brings into a
    derivation), ``_closed_form`` (or None), ``_explicit_sum`` and ``trace``.
    """

    kind = None

    def __init__(self):
        self._functionals = {}

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_functionals"] = {}  # rebuilt on demand (run-time classes do not pickle)
        return state

    @property
    def parameters(self):
        return ()

    def functional(self, a, b, weighted=False):
        """The SymPy Function class of S_{a,b} (or T_{a,b} when ``weighted``) bound to this spectrum."""
        key = (int(a), int(b), bool(weighted))
        cls = self._functionals.get(key)
        if cls is None:
            name = ("target" if weighted else "trace") + f"_{key[0]}_{key[1]}"
            cls = type(name, (SpectralSum,), {"spectrum": self, "a": key[0], "b": key[1], "weighted": key[2]})
            self._functionals[key] = cls
        return cls

    def df1(self, kappa):
        """tr[Sigma (Sigma + kappa)^-1]."""
        return self.functional(1, 1)(kappa)

    def df2(self, kappa):
        """tr[Sigma^2 (Sigma + kappa)^-2]."""
        return self.functional(2, 2)(kappa)

    def tf1(self, kappa):
        """w*^T Sigma (Sigma + kappa)^-1 w* = sum_i t_i / (omega_i + kappa)."""
        return self.functional(0, 1, True)(kappa)

    def tf2(self, kappa):
        """w*^T Sigma^2 (Sigma + kappa)^-2 w* = sum_i t_i omega_i / (omega_i + kappa)^2."""
        return self.functional(1, 2, True)(kappa)

    def _closed_form(self, a, b, weighted, kappa):
        return None

    def trace(self):
        """tr Sigma (a SymPy number or expression)."""
        raise NotImplementedError

    def dimension(self):
        """The number of modes d (a SymPy expression), or None for an infinite spectrum."""
        return None

    def total_signal(self):
        """sum_i t_i = w*^T Sigma w*, the variance of the noiseless label."""
        raise NotImplementedError

    def latex(self):
        raise NotImplementedError


class Generic(Spectrum):
    """An unspecified spectrum: its functionals stay symbolic (for the general form of a result)."""

    kind = "generic"

    def _explicit_sum(self, a, b, weighted, kappa):
        return self.functional(a, b, weighted)(kappa)

    def latex(self):
        return r"\Sigma"

    def __repr__(self):
        return "Generic()"


def specialise(expr, generic, spectrum):
    """Replace the functionals of ``generic`` in ``expr`` by those of ``spectrum``."""
    return expr.replace(
        lambda e: isinstance(e, SpectralSum) and type(e).spectrum is generic,
        lambda e: spectrum.functional(type(e).a, type(e).b, type(e).weighted)(e.args[0]))


class LawSpectrum(Spectrum):
    r"""A population covariance whose d eigenvalues follow a free-probability law ``law``.

    The bridge from :mod:`saddlepoint.derivations.free` to deterministic equivalents:
    ``spt.ridge(law)`` uses it. ``law`` is the law of the eigenvalues of :math:`\Sigma` (it
    must live on :math:`[0, \infty)`; a sample-covariance law such as
    ``free_mul(MarchenkoPastur(q), Atoms(...))`` is a valid population too). The teacher is
    isotropic with total power ``signal`` = ||w*||^2, so the target power per mode is
    t_i = omega_i signal / d. Conventions: :math:`g(z) = \int d\mu(\omega)/(z - \omega)`
    (Mingo & Speicher 2017), the resolvent moments

    .. math::

        R_m(\kappa) = \int \frac{d\mu(\omega)}{(\omega+\kappa)^{m}}
                    = \frac{(-1)^{m-1}}{(m-1)!}\, h^{(m-1)}(\kappa),
        \qquad h(\kappa) = R_1(\kappa) = -g(-\kappa),

    i.e. :math:`R_{n+1}(\kappa) = -[t^n]\, g(-\kappa + t)`, and, expanding
    :math:`\omega^a = \sum_j \binom{a}{j} (\omega+\kappa)^j (-\kappa)^{a-j}` (non-negative
    powers of :math:`\omega+\kappa` integrate to binomial sums of moments :math:`m_i`),

    .. math::

        S_{a,b}(\kappa) = d \sum_{j=0}^{a} \binom{a}{j} (-\kappa)^{a-j} R_{b-j}(\kappa),
        \qquad T_{a,b} = \mathrm{signal}\, S_{a+1,b}/d,

    e.g. :math:`\mathrm{df}_1 = S_{1,1} = d\,(1 - \kappa R_1)` and
    :math:`\mathrm{df}_2 = S_{2,2} = d\,(1 - 2\kappa R_1 + \kappa^2 R_2)`.

    ``closed_form=None`` (default) writes :math:`h` in closed form when the law has degree <= 2
    in ``g`` (Marchenko-Pastur, free Poisson, one or two atoms: symbolic parameters allowed) and
    otherwise keeps each :math:`R_m` as an unevaluated function (:meth:`resolvent`, printed
    ``law_resolvent_m``) that the solver binds to a numeric kernel following the physical root
    of :math:`P(g, -\kappa) = 0` (:func:`saddlepoint.solvers.spectral.law_resolvents`; needs
    numeric coefficients). ``closed_form=False`` forces the numeric path, ``True`` the closed
    form (``DerivationError`` if there is none). Accuracy of the numeric path: see the kernel
    (Newton to rounding, ~1e-15 relative for R_1 away from atoms; large kappa loses
    ~kappa^2/m_2 eps in df2 by cancellation). Limitation of the numeric path: for a law with
    an atom at 0 (rank-deficient population, e.g. MP(q > 1) ⊠ atoms) the roots of
    P(., -kappa) are ill-conditioned as kappa -> 0 (~eps/kappa^K), so the ridgeless limit
    lam = 0 with d (1 - atom) < n raises ``ArithmeticError`` (kernel) instead of returning
    kappa = 0; lam > 0 (kappa >= lam) and laws whose support starts above 0 are unaffected.
    """

    kind = "law"

    def __init__(self, law, signal=1, d=None, closed_form=None):
        super().__init__()
        from ..errors import DerivationError
        degree = getattr(law, "degree", None)
        if degree is None or not hasattr(law, "polynomial"):
            raise ParameterError("law", f"must be a free-probability Law, not {law!r}")
        if closed_form is None:
            closed_form = degree <= 2 or not law.is_numeric
        self.law = law
        self.signal = _number("signal", signal, nonnegative=True)
        self.d = _s.d if d is None else _number("d", d, positive=True)
        self._k = sympy.Dummy("kappa", positive=True)
        self._resolvents = {}
        self.closed_form = bool(closed_form)
        if not self.closed_form:
            if not law.is_numeric:
                raise DerivationError("the numeric bridge needs a law with numeric coefficients "
                                      f"(substitute the parameters {law.parameters} first)")
            self._h = None
            return
        if degree > 2:
            raise DerivationError("the Stieltjes transform has no closed form for laws of degree "
                                  f"{degree} > 2 in g (use closed_form=None or False: numeric bridge)")
        # on the negative real axis sqrt(-kappa - r) = i sqrt(kappa + r) (r >= 0 a support
        # edge of a covariance law): make h manifestly real
        self._h = sympy.expand((-law.stieltjes(-self._k)).replace(
            lambda e: e.is_Pow and e.exp == sympy.S.Half and self._left_of_support(e.base),
            lambda e: sympy.I * sympy.sqrt(sympy.expand(-e.base))))
        if self._h.has(sympy.I):
            raise DerivationError("could not write the Stieltjes transform on the negative axis in real form "
                                  "(is the law supported on [0, oo)?)")

    def __getstate__(self):
        state = super().__getstate__()
        state["_resolvents"] = {}
        return state

    def resolvent(self, m):
        r"""The SymPy Function class of :math:`R_m(\kappa) = \int d\mu(\omega)(\omega+\kappa)^{-m}`
        (``m >= 1``), unevaluated; ``evalf`` and the solver evaluate it numerically."""
        m = int(m)
        if m < 1:
            raise ParameterError("m", f"must be >= 1, got {m}")
        cls = self._resolvents.get(m)
        if cls is None:
            cls = type(f"law_resolvent_{m}", (LawResolvent,), {"spectrum": self, "a": 0, "b": m})
            self._resolvents[m] = cls
        return cls

    def _left_of_support(self, base):
        """``base`` = -kappa - r with r >= 0: the radicand is negative for every kappa > 0."""
        k = self._k
        if not base.has(k) or sympy.diff(base, k) != -1:
            return False
        r0 = -base.subs(k, 0)
        if r0.is_nonnegative or (r0.is_number and bool(r0.evalf() >= 0)):
            return True
        # edges like q - 2 sqrt(q) + 1: write q = s^2 so that factor() sees (s - 1)^2
        roots = {p: sympy.Dummy(positive=True) for p in r0.free_symbols if p.is_positive}
        squared = r0.subs({sympy.sqrt(p): s for p, s in roots.items()}).subs({p: s**2 for p, s in roots.items()})
        return bool(sympy.factor(squared).is_nonnegative)

    @property
    def parameters(self):
        free = self.signal.free_symbols | sympy.sympify(self.d).free_symbols | set(self.law.parameters)
        return tuple(sorted(free, key=str))

    def _per_mode(self, a, b, kappa):
        k = self._k
        total = 0
        for j in range(a + 1):
            m = b - j
            if m >= 1 and self._h is None:
                inv = self.resolvent(m)(k)
            elif m >= 1:
                inv = (-1) ** (m - 1) * sympy.diff(self._h, k, m - 1) / sympy.factorial(m - 1)
            else:
                inv = sum(sympy.binomial(-m, i) * k ** (-m - i) * (self.law.moment(i) if i else 1)
                          for i in range(-m + 1))
            total += sympy.binomial(a, j) * (-k) ** (a - j) * inv
        return total.subs(k, kappa)

    def _closed_form(self, a, b, weighted, kappa):
        if weighted:
            return self.signal * self._per_mode(a + 1, b, kappa)
        return self.d * self._per_mode(a, b, kappa)

    _explicit_sum = _closed_form

    def trace(self):
        return self.d * self.law.moment(1)

    def dimension(self):
        return self.d

    def total_signal(self):
        return self.signal * self.law.moment(1)

    def latex(self):
        return r"\operatorname{spec}\Sigma \sim \mu,\ P_\mu(g, z) = %s = 0" % sympy.latex(self.law.polynomial)

    def __repr__(self):
        return f"LawSpectrum({self.law!r}, signal={self.signal})"


class LawResolvent(SpectralSum):
    r""":math:`R_m(\kappa) = \int d\mu(\omega)\,(\omega+\kappa)^{-m}` of a :class:`LawSpectrum`'s
    law (``m = b``), one mode's share: kept unevaluated (no closed form), differentiated as
    :math:`R_m' = -m R_{m+1}`, evaluated numerically by ``evalf`` (mpmath, at the requested
    precision) and by the solver's bindings."""

    @classmethod
    def eval(cls, kappa):
        return None

    def fdiff(self, argindex=1):
        cls = type(self)
        return -cls.b * cls.spectrum.resolvent(cls.b + 1)(self.args[0])

    def doit(self, deep=True, **hints):
        kappa = self.args[0].doit(deep=deep, **hints) if deep else self.args[0]
        return self.func(kappa)

    def _eval_evalf(self, prec):
        kappa = self.args[0]
        if not kappa.is_number:
            return None
        import mpmath

        from ..solvers.compile import law_resolvent_mp  # lazy: numeric evaluation on request
        with mpmath.workprec(prec):
            value = law_resolvent_mp(type(self).spectrum, type(self).b)(mpmath.mpf(kappa.evalf(prec)._to_mpmath(prec)))
        return sympy.Float(value, precision=prec)

    def __reduce_ex__(self, protocol):
        cls = type(self)
        return (_rebuild_resolvent, (cls.spectrum, cls.b, self.args[0]))

    def _latex(self, printer, exp=None):
        tex = r"\left\langle \left(\omega + %s\right)^{-%d} \right\rangle_{\mu}" % (
            printer._print(self.args[0]), type(self).b)
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        return f"{type(self).__name__}({printer._print(self.args[0])})"


def _rebuild_resolvent(spectrum, m, kappa):
    return spectrum.resolvent(m)(kappa)


class Isotropic(Spectrum):
    r"""Sigma = I_d with a teacher of total power ``signal`` = ||w*||^2 spread evenly over the modes.

    ``d`` is the symbol :data:`saddlepoint.derivations.symbols.d` unless a number is given.
    Every functional has a closed form, :math:`S_{a,b} = d/(1+\kappa)^b` and
    :math:`T_{a,b} = \mathrm{signal}/(1+\kappa)^b`, so SymPy can solve the equations exactly.
    """

    kind = "isotropic"

    def __init__(self, signal=1, d=None):
        super().__init__()
        self.signal = _number("signal", signal, nonnegative=True)
        self.d = _s.d if d is None else _number("d", d, positive=True)

    @property
    def parameters(self):
        return tuple(sorted(self.signal.free_symbols | sympy.sympify(self.d).free_symbols, key=str))

    def _closed_form(self, a, b, weighted, kappa):
        return (self.signal if weighted else self.d) / (1 + kappa) ** b

    _explicit_sum = _closed_form

    def trace(self):
        return self.d

    def dimension(self):
        return self.d

    def total_signal(self):
        return self.signal

    def latex(self):
        return r"\Sigma = I_{%s},\ \|w^*\|^2 = %s" % (sympy.latex(self.d), sympy.latex(self.signal))

    def __repr__(self):
        d = "" if self.d == _s.d else f", d={self.d}"
        return f"Isotropic(signal={self.signal}{d})"


class Atoms(Spectrum):
    r"""A finite spectrum: eigenvalue ``eigenvalues[j]`` repeated ``multiplicity[j]`` times.

    ``target[j]`` is the teacher's power :math:`t = \omega (w^*)^2` in *each single mode* of
    atom j (so atom j contributes ``multiplicity[j] * target[j]`` to the total signal).
    With numeric entries the functionals stay unevaluated and are summed by a vectorised
    numeric kernel; with symbolic entries they expand to explicit finite sums.
    """

    kind = "atoms"

    def __init__(self, eigenvalues, target=None, multiplicity=None):
        super().__init__()
        eig = tuple(_number(f"eigenvalues[{i}]", v, positive=True) for i, v in enumerate(eigenvalues))
        if not eig:
            raise ParameterError("eigenvalues", "must contain at least one eigenvalue")
        k = len(eig)
        target = [0] * k if target is None else list(target)
        multiplicity = [1] * k if multiplicity is None else list(multiplicity)
        if len(target) != k:
            raise ParameterError("target", f"must have one entry per eigenvalue ({k}), got {len(target)}")
        if len(multiplicity) != k:
            raise ParameterError("multiplicity", f"must have one entry per eigenvalue ({k}), got {len(multiplicity)}")
        tgt = tuple(_number(f"target[{i}]", v, nonnegative=True) for i, v in enumerate(target))
        mult = []
        for i, m in enumerate(multiplicity):
            mm = _number(f"multiplicity[{i}]", m, positive=True)
            if not mm.free_symbols and not mm.is_integer:
                raise ParameterError(f"multiplicity[{i}]", f"must be a positive integer, got {m!r}")
            mult.append(mm)
        self.eigenvalues, self.target, self.multiplicity = eig, tgt, tuple(mult)
        self.symbolic = any(x.free_symbols for x in eig + tgt + self.multiplicity)

    @property
    def d(self):
        return sympy.Add(*self.multiplicity)

    @property
    def parameters(self):
        free = set()
        for x in self.eigenvalues + self.target + self.multiplicity:
            free |= x.free_symbols
        return tuple(sorted(free, key=str))

    def _explicit_sum(self, a, b, weighted, kappa):
        terms = []
        for w, t, m in zip(self.eigenvalues, self.target, self.multiplicity):
            terms.append(m * (t if weighted else 1) * w**a / (w + kappa) ** b)
        return sympy.Add(*terms)

    def _closed_form(self, a, b, weighted, kappa):
        return self._explicit_sum(a, b, weighted, kappa) if self.symbolic else None

    def trace(self):
        return sympy.Add(*[m * w for w, m in zip(self.eigenvalues, self.multiplicity)])

    def dimension(self):
        return self.d

    def total_signal(self):
        return sympy.Add(*[m * t for t, m in zip(self.target, self.multiplicity)])

    def latex(self):
        parts = [r"%s\times %s" % (sympy.latex(m), sympy.latex(w)) for w, m in zip(self.eigenvalues, self.multiplicity)]
        return r"\operatorname{spec}\Sigma = \{%s\}" % ", ".join(parts)

    def __repr__(self):
        f = lambda xs: "[" + ", ".join(str(x) for x in xs) + "]"
        return f"Atoms({f(self.eigenvalues)}, target={f(self.target)}, multiplicity={f(self.multiplicity)})"


class PowerLaw(Spectrum):
    r"""Power-law spectrum :math:`\omega_k = k^{-\alpha}`, target power :math:`t_k = k^{-\beta}`, k = 1..d.

    ``d=None`` is the infinite-dimensional spectrum (needs alpha > 1 so that tr Sigma is
    finite and beta > 1 so that the signal is finite). Its sums are never truncated: the
    solver evaluates them by Euler–Maclaurin tails (:func:`saddlepoint.solvers.spectral.powerlaw_sum`).
    In capacity/source notation (Cui et al. 2021) ``beta = 1 + 2 alpha r``.
    """

    kind = "powerlaw"

    def __init__(self, alpha, beta, d=None):
        super().__init__()
        self.alpha = _number("alpha", alpha, positive=True, allow_symbol=False)
        self.beta = _number("beta", beta, allow_symbol=False)
        if d is None or d == sympy.oo:
            self.d = None
            if not self.alpha > 1:
                raise ParameterError("alpha", f"must be > 1 for d = infinity (tr Sigma finite), got {alpha!r}")
            if not self.beta > 1:
                raise ParameterError("beta", f"must be > 1 for d = infinity (finite signal), got {beta!r}")
        else:
            dd = _number("d", d, positive=True, allow_symbol=False)
            if not dd.is_integer:
                raise ParameterError("d", f"must be a positive integer or None (infinity), got {d!r}")
            self.d = int(dd)

    def exponent(self, a, weighted):
        """p such that t_k^c omega_k^a = k^-p."""
        return self.alpha * a + (self.beta if weighted else 0)

    def _explicit_sum(self, a, b, weighted, kappa):
        k = sympy.Symbol("k", positive=True, integer=True)
        upper = sympy.oo if self.d is None else self.d
        return sympy.Sum(k ** (-self.exponent(a, weighted)) / (k ** (-self.alpha) + kappa) ** b, (k, 1, upper))

    def _power_sum(self, s):
        """sum_{k=1}^{d} k^-s as a 30-digit Float (zeta(s) - zeta(s, d+1); digamma at s = 1):
        SymPy's ``harmonic(d, s)`` would add all d terms."""
        if self.d is None:
            return sympy.zeta(s).evalf(30)
        if sympy.Eq(s, 1) == sympy.true or float(s) == 1.0:
            return (sympy.digamma(self.d + 1) + sympy.EulerGamma).evalf(30)
        return (sympy.zeta(s) - sympy.zeta(s, self.d + 1)).evalf(30)

    def trace(self):
        return self._power_sum(self.alpha)

    def dimension(self):
        return None if self.d is None else sympy.Integer(self.d)

    def total_signal(self):
        return self._power_sum(self.beta)

    def latex(self):
        d = r"\infty" if self.d is None else sympy.latex(self.d)
        return r"\omega_k = k^{-%s},\ t_k = k^{-%s},\ k = 1,\dots,%s" % (
            sympy.latex(self.alpha), sympy.latex(self.beta), d)

    def __repr__(self):
        d = "" if self.d is None else f", d={self.d}"
        return f"PowerLaw(alpha={self.alpha}, beta={self.beta}{d})"
