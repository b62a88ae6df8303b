r"""Classic replica models: Gardner capacity, Ising perceptron, teacher-student perceptron, Hopfield.

Conventions: N weights/neurons, P = alpha N patterns (alpha = P/N), inputs with i.i.d.
unit-variance entries, :math:`Dz = e^{-z^2/2}dz/\sqrt{2\pi}`, :math:`H(x) = \int_x^\infty Dz`.
"""

import functools

import sympy

from ...errors import DerivationError, ParameterError
from .. import symbols as S
from ..core import Step
from .builder import UNIT, glm
from .channels import Margin, Sign, _real_number_or_symbol
from .free_entropy import saddle_point
from .gaussian import GaussianAverage, H, gauss_measure
from .priors import Ising, Spherical

__all__ = ["gardner", "ising_perceptron", "teacher_student_perceptron", "hopfield",
           "gardner_capacity", "teacher_student_asymptote", "evaluate_integrals"]

_t = sympy.Symbol("t", real=True)
_z = sympy.Symbol("z", real=True)


def gardner_capacity(margin=S.margin):
    r"""Gardner's capacity :math:`\alpha_c(\kappa) = 1/\int_{-\kappa}^\infty Dt\,(t+\kappa)^2`
    (Gardner 1988, *The space of interactions in neural network models*, J. Phys. A 21, 257,
    eq. (27)) as a SymPy expression in closed form (with erfc).

    >>> gardner_capacity(0)
    2
    """
    kappa = sympy.sympify(margin)
    return sympy.simplify(1 / GaussianAverage((_t + kappa) ** 2, _t, -kappa).doit())


def gardner(margin=None):
    r"""The spherical perceptron storing random labels with stability ``margin`` (Gardner 1988).

    Free entropy (the log-volume of couplings, Engel & Van den Broeck eq. (6.13)):
    :math:`\tfrac12\ln(1-q) + \tfrac{q}{2(1-q)} + \alpha\int Dt \ln H\big((\kappa - \sqrt q t)/\sqrt{1-q}\big)`;
    unknown q (the overlap of two solutions), parameters alpha (and ``margin`` when None).
    Observable ``alpha_c``: the capacity, where q -> 1, derived in the trail in closed form.

    Observable ``at_stability``: the de Almeida-Thouless (replicon) condition of Gardner &
    Derrida (1988), *Optimal storage properties of neural network models*, J. Phys. A 21, 271
    (also Engel & Van den Broeck 2001, ch. 6), in the normalisation of
    :func:`ising_perceptron`:
    :math:`\lambda_{AT} = 1 - \alpha\, \mathbb E_t[(\partial^2_\omega \ln Z_{out})^2]\,
    (\partial^2_B \ln Z_{in})^2` with :math:`Z_{out}(\omega) = H((\kappa-\omega)/\sqrt{1-q})` at
    :math:`\omega = \sqrt q\, t` and the spherical weights' thermal variance
    :math:`\partial^2_B \ln Z_{in} = 1 - q`; that is
    :math:`1 - \alpha\int Dt\, [\mathcal G(x)(\mathcal G(x) - x)]^2`,
    :math:`x = (\kappa - \sqrt q t)/\sqrt{1-q}`, :math:`\mathcal G` the inverse Mills ratio.
    Positive: the RS saddle point is stable. As q -> 1 it tends to
    :math:`1 - \alpha_c H(-\kappa)`: zero at kappa = 0 (marginal at capacity), positive for
    kappa > 0, negative for kappa < 0, where RS breaks before the capacity (at kappa = -1/2,
    near alpha ~ 3.95 < alpha_c ~ 4.77).

    >>> de = gardner(margin=0)
    >>> de.observables["alpha_c"]
    2
    >>> sorted(de.observables)
    ['alpha_c', 'at_stability', 'entropy', 'free_entropy']
    """
    kappa = S.margin if margin is None else _real_number_or_symbol("margin", margin)
    channel = Margin(kappa)
    de = glm(Spherical(), channel, learning="gibbs", name="gardner")
    # de Almeida-Thouless, from the same channel term as the free entropy: its integrand is
    # ln Z_out(omega) at omega = sqrt(q) t, so write it in omega, differentiate, and put back
    energetic = channel.storage(S.q)
    log_Z_out, t = energetic.args[0], energetic.args[1]
    omega = sympy.Symbol("omega", real=True)
    out_curvature = sympy.diff(log_Z_out.subs(t, omega / sympy.sqrt(S.q)), omega, 2).subs(omega, sympy.sqrt(S.q) * t)
    # the spherical prior is Gaussian at the saddle point, weight variance v = 1 - q
    w, field, v = sympy.Symbol("w", real=True), sympy.Symbol("B", real=True), sympy.Symbol("v", positive=True)
    Z_in = sympy.integrate(sympy.exp(-w ** 2 / (2 * v) + field * w), (w, -sympy.oo, sympy.oo))
    in_curvature = sympy.simplify(sympy.diff(sympy.log(Z_in), field, 2)).subs(v, 1 - S.q)
    at_stability = 1 - S.alpha * GaussianAverage(sympy.simplify(in_curvature * out_curvature) ** 2, t)
    eps = sympy.Symbol("epsilon", positive=True)
    alpha_c = gardner_capacity(kappa)
    steps = [
        Step(r"Capacity: as $q \to 1$ set $q = 1 - \epsilon$; for $x > 0$, "
             r"$\ln H(x/\sqrt{\epsilon}) = -x^2/(2\epsilon) + O(\ln\epsilon)$, and $\to 0$ for $x < 0$, so"),
        Step("", sympy.Eq(sympy.Symbol("Phi"), (1 - S.alpha * GaussianAverage((_t + kappa) ** 2, _t, -kappa))
                          / (2 * eps) + sympy.Order(sympy.log(eps), (eps, 0)))),
        Step(r"(with $t \to -t$). The volume shrinks to a point when the coefficient of $1/\epsilon$ vanishes:"),
        Step("", sympy.Eq(sympy.Symbol(r"\alpha_c"), 1 / GaussianAverage((_t + kappa) ** 2, _t, -kappa))),
        Step("In closed form:", sympy.Eq(sympy.Symbol(r"\alpha_c"), alpha_c)),
    ]
    obs = dict(de.observables)
    obs["alpha_c"] = alpha_c
    obs["at_stability"] = at_stability
    # start at q0 = sqrt(alpha/alpha_c): q -> 1 at the capacity, and q = 0 (a spurious root of
    # the kappa = 0 equation for larger alpha) is kept at a distance
    initial = {S.q: sympy.Rational(999, 1000) * sympy.sqrt(S.alpha / alpha_c)}
    return de._replace(observables=obs, numeric_observables=None, steps=de.steps + tuple(steps), initial=initial,
                       references=("Gardner (1988), J. Phys. A 21, 257",
                                   "Gardner & Derrida (1988), J. Phys. A 21, 271",
                                   "Engel & Van den Broeck (2001), ch. 6"))


def ising_perceptron(margin=0):
    r"""The perceptron with binary weights w = ±1 storing random labels, replica symmetric.

    Free entropy (Gardner & Derrida 1988, J. Phys. A 21, 271; Krauth & Mézard 1989,
    J. Phys. France 50, 3057, eq. (3)):
    :math:`-\hat q(1-q)/2 + \int Dz\ln 2\cosh(\sqrt{\hat q} z) + \alpha\int Dt \ln H\big((\kappa-\sqrt q t)/\sqrt{1-q}\big)`.
    Observable ``entropy``: the RS entropy per weight (in nats); it vanishes at
    alpha ~ 0.833 for kappa = 0, Krauth & Mézard's capacity. Observable ``at_stability``:
    :math:`1 - \alpha\, \mathbb E_t[(\partial^2_\omega \ln Z_{out})^2]\, \mathbb E_z[(1 - \tanh^2)^2]`,
    positive where the RS saddle point is stable (de Almeida-Thouless condition).
    """
    kappa = _real_number_or_symbol("margin", margin)
    de = glm(Ising(), Margin(kappa), learning="gibbs", name="ising_perceptron")
    # de Almeida-Thouless: the RS saddle point is locally stable while
    # alpha E_t[(d^2 ln Z_out/d omega^2)^2] E_z[(d^2 ln Z_in/dB^2)^2] < 1 (Gardner & Derrida 1988),
    # Z_out = H((kappa - omega)/sqrt(1 - q)), Z_in = 2 cosh(B), omega = sqrt(q) t, B = sqrt(q_hat) z
    from .gaussian import MillsRatio
    x = (kappa - sympy.sqrt(S.q) * _t) / sympy.sqrt(1 - S.q)
    out2 = GaussianAverage((MillsRatio(x) * (MillsRatio(x) - x)) ** 2, _t) / (1 - S.q) ** 2
    in2 = GaussianAverage((1 - sympy.tanh(sympy.sqrt(S.q_hat) * _z) ** 2) ** 2, _z)
    obs = dict(de.observables)
    obs["at_stability"] = 1 - S.alpha * out2 * in2
    new = de._replace(references=("Gardner & Derrida (1988), J. Phys. A 21, 271",
                                  "Krauth & Mezard (1989), J. Phys. France 50, 3057"),
                      observables=obs, numeric_observables=None,
                      initial={S.q: S.alpha / (1 + S.alpha), S.q_hat: 2 * S.alpha})
    new._hints = {"scan": {"alpha": (0.3, 1.2)}}
    return new


def teacher_student_perceptron(learning="gibbs"):
    r"""A spherical student learning a sign teacher y = sign(w*.x) from alpha N examples.

    ``"gibbs"`` (T = 0: a student drawn from the version space) and ``"bayes"`` (the
    Bayes-optimal estimator). Observables ``R`` (the student-teacher overlap) and
    ``generalization_error`` = arccos(R)/pi (Engel & Van den Broeck 2001, eq. (2.3), (2.41),
    (2.42) and sec. 3.6). Large-alpha asymptotes: :func:`teacher_student_asymptote`.
    """
    if learning not in ("gibbs", "bayes"):
        raise ParameterError("learning", f"must be 'gibbs' or 'bayes', got {learning!r}")
    de = glm(Spherical(), Sign(), learning=learning, name=f"teacher_student_perceptron({learning})")
    if learning == "bayes":
        # start on the Gibbs curve (Nishimori: Bayes q equals Gibbs R), q_hat = q/(1 - q)
        q0 = 1 - (1 + 3 * S.alpha / 5) ** -2
        de = de._replace(initial={S.q: q0, S.q_hat: q0 / (1 - q0)},
                         residuals=(de.residuals[0] / sympy.sqrt(S.q), de.residuals[1]))
    return de


def evaluate_integrals(expr, dps=15):
    """``expr`` with every definite ``Integral`` replaced by its value from ``mpmath.quad``
    (split at 0) at ``dps`` digits: much faster than ``Integral.evalf`` for erfc integrands."""
    import mpmath

    def value(integral):
        (var, lo, hi), = integral.limits
        fn = sympy.lambdify(var, integral.function, modules="mpmath")
        with mpmath.workdps(dps + 10):
            conv = lambda b: mpmath.inf if b == sympy.oo else -mpmath.inf if b == -sympy.oo else mpmath.mpf(sympy.Float(b, dps + 10))
            points = [conv(lo), 0, conv(hi)] if (lo < 0) == True and (hi > 0) == True else [conv(lo), conv(hi)]  # noqa: E712
            return sympy.Float(mpmath.quad(fn, points), dps + 5)
    return sympy.sympify(expr).replace(lambda e: isinstance(e, sympy.Integral), value).evalf(dps)


def teacher_student_asymptote(learning="gibbs"):
    r"""The large-alpha law eps ~ c/alpha of the teacher-student perceptron, derived in SymPy.

    With :math:`R = 1 - \epsilon` and :math:`s = \sqrt{R/\epsilon} \to \infty`, substitute
    :math:`u = s t`: :math:`\int Dt\, H(-st)\ln H(-st) = s^{-1}\int \frac{du}{\sqrt{2\pi}} H(u)\ln H(u) + o(s^{-1})`,
    so :math:`\Phi \simeq \tfrac12\ln\epsilon + \tfrac12 + 2\alpha\sqrt{\epsilon}\, I/\sqrt{2\pi}`,
    :math:`I = \int du\, H(u)\ln H(u) < 0`. Stationarity gives :math:`\epsilon = \pi/(2\alpha^2 I^2)`;
    Gibbs :math:`\epsilon_g = \arccos(R)/\pi \simeq \sqrt{2\epsilon}/\pi`, Bayes
    :math:`\arccos(\sqrt R)/\pi \simeq \sqrt{\epsilon}/\pi` (Engel & Van den Broeck 2001, eq. (2.50)
    and (3.29): 0.625/alpha and 0.442/alpha).

    Returns ``(coefficient, steps)``: c as a SymPy expression (with the definite integral
    I kept as an ``Integral``; :func:`evaluate_integrals` evaluates it) and the derivation trail.
    """
    if learning not in ("gibbs", "bayes"):
        raise ParameterError("learning", f"must be 'gibbs' or 'bayes', got {learning!r}")
    eps, alpha = sympy.Symbol("epsilon", positive=True), S.alpha
    u = sympy.Symbol("u", real=True)
    I_sym = sympy.Symbol("I", negative=True)
    I_val = sympy.Integral(H(u) * sympy.log(H(u)), (u, -sympy.oo, sympy.oo))
    phi = sympy.log(eps) / 2 + sympy.Rational(1, 2) + 2 * alpha * sympy.sqrt(eps) * I_sym / sympy.sqrt(2 * sympy.pi)
    stationary = sympy.solve(sympy.diff(phi, eps), eps)
    if len(stationary) != 1:
        raise DerivationError(f"expected one stationary point, got {stationary}")
    eps_star = sympy.simplify(stationary[0])
    small = sympy.Symbol("delta", positive=True)
    if learning == "gibbs":
        err = sympy.acos(1 - small) / sympy.pi
    else:
        err = sympy.acos(sympy.sqrt(1 - small)) / sympy.pi
    # leading term in delta = 1 - R -> 0
    lead = sympy.series(err, small, 0, 1).removeO()
    lead = sympy.simplify(sympy.series(err, small, 0, 2).removeO()) if lead == 0 else lead
    leading = sympy.simplify(sympy.powsimp(lead.subs(small, eps_star), force=True))
    coefficient = sympy.simplify(leading * alpha)
    steps = [Step(r"Large $\alpha$: $R = 1 - \epsilon$, $u = \sqrt{R/\epsilon}\, t$:", sympy.Eq(sympy.Symbol("Phi"), phi)),
             Step("", sympy.Eq(I_sym, I_val)),
             Step("Stationarity in $\\epsilon$:", sympy.Eq(eps, eps_star)),
             Step("Generalisation error to leading order:", sympy.Eq(sympy.Symbol(r"\epsilon_g"), leading))]
    return coefficient.subs(I_sym, I_val), steps


_HOPFIELD_MIN_T = sympy.Rational(1, 10**4)


def hopfield(temperature=0):
    r"""The Hopfield model's retrieval phase, replica symmetric (Amit, Gutfreund & Sompolinsky).

    ``temperature=0``: the T = 0 limit, unknowns (m, C, r), free energy (Amit, Gutfreund &
    Sompolinsky 1987, Ann. Phys. 173, 30, eq. (4.8)-(4.10), their beta -> infinity with
    C = beta (1 - q) fixed)
    :math:`f = m^2/2 - \alpha/(2(1-C)) + \alpha r C/2 - \int Dz\, |m + \sqrt{\alpha r} z|`,
    whose stationarity gives AGS's :math:`m = \operatorname{erf}(m/\sqrt{2\alpha r})`,
    :math:`C = \sqrt{2/(\pi\alpha r)}\, e^{-m^2/(2\alpha r)}`, :math:`r = (1-C)^{-2}`.
    ``temperature=None``: T is a parameter; unknowns (m, q, r),
    :math:`f = m^2/2 + \tfrac{\alpha}{2\beta}[\ln(1-\beta+\beta q) - \tfrac{\beta q}{1-\beta+\beta q}]
    + \tfrac{\alpha\beta r(1-q)}{2} - \tfrac1\beta\int Dz \ln 2\cosh\beta(m + \sqrt{\alpha r}z)` (AGS 1987 eq. (2.20)).
    The physical branch is retrieval, m > 0 (the residual of the m-equation is divided by m).
    ``hopfield(None).limit("T", 0)`` is the T = 0 derivation (the limit taken at fixed
    C = beta (1 - q), where q -> 1; substituting T = 0 in the finite-T equations is singular).
    ``critical("alpha")`` finds the retrieval spinodal (alpha_c ~ 0.138 at T = 0, AGS 1985,
    Phys. Rev. Lett. 55, 1530); at T > 0 it traces T_M(alpha).

    Observable ``at_stability`` (de Almeida-Thouless stability of the RS retrieval state; AGS
    1987, their line T_R(alpha) below which retrieval breaks replica symmetry). At T > 0
    it is the replicon eigenvalue in the normalisation of :func:`ising_perceptron`,
    :math:`\lambda_{AT} = 1 - \alpha\, \frac{\beta^2}{(1-\beta+\beta q)^2}\int Dz\,
    \big(\partial^2_B \ln 2\cosh B\big)^2_{B = \beta(m + \sqrt{\alpha r} z)}
    = 1 - \frac{\alpha\beta^2}{(1-\beta+\beta q)^2}\int Dz\, \operatorname{sech}^4\beta(m + \sqrt{\alpha r} z)`:
    the neurons' squared local susceptibility times the replicon curvature
    :math:`\beta^2/(1-\beta+\beta q)^2` of the pattern-noise term
    :math:`\tfrac{\alpha}{2\beta}\operatorname{Tr}\ln[(1-\beta)I - \beta Q]`. Positive: RS stable.
    At T = 0, :math:`\lambda_{AT} \to -\infty` (the sech^4 average is O(T)), so the T = 0
    observable is the finite limit :math:`\lim_{T\to0} T\lambda_{AT}
    = -\alpha\, \frac{e^{-m^2/(2\alpha r)}}{\sqrt{2\pi\alpha r}}\, \frac{\int du\, \operatorname{sech}^4 u}{(1-C)^2}
    = -\tfrac23 \alpha C/(1-C)^2` (on the saddle point): negative for every alpha, so the RS
    retrieval state is AT-unstable at T = 0, and :math:`T_R(\alpha) \simeq -` ``at_stability`` to
    leading order; it is exponentially small, :math:`\sqrt{8\alpha/(9\pi)}\, e^{-1/(2\alpha)}` as
    alpha -> 0: the instability is confined to very low T and is weak.
    """
    alpha, m, r = S.alpha, S.m, S.r
    # de Almeida-Thouless: the single-neuron term ln 2 cosh(B) at the local field B gives the
    # squared susceptibility (d^2 ln 2cosh/dB^2)^2 = sech^4; the pattern-noise term, the
    # replicon curvature beta^2 (-d^2 ln x/dx^2) at x = 1 - beta + beta q
    local_field, u, x = sympy.Symbol("B", real=True), sympy.Symbol("u", real=True), sympy.Symbol("x", positive=True)
    neuron_curvature = sympy.diff(sympy.simplify(sympy.diff(sympy.log(2 * sympy.cosh(local_field)), local_field)), local_field)
    noise_curvature = -sympy.diff(sympy.log(x), x, 2)
    names = {"error_fraction": r"\epsilon", "free_energy": "f"}
    refs = ("Amit, Gutfreund & Sompolinsky (1985), Phys. Rev. Lett. 55, 1530",
            "Amit, Gutfreund & Sompolinsky (1987), Ann. Phys. 173, 30")
    if temperature is not None and sympy.sympify(temperature) == 0:
        C = S.C
        a = sympy.sqrt(alpha * r)
        f = m ** 2 / 2 - alpha / (2 * (1 - C)) + alpha * r * C / 2 - GaussianAverage(sympy.Abs(m + a * _z), _z)
        textbook = {
            m: (sympy.Eq(m, sympy.erf(m / sympy.sqrt(2 * alpha * r))), -1),
            r: (sympy.Eq(C, sympy.sqrt(2 / (sympy.pi * alpha * r)) * sympy.exp(-m ** 2 / (2 * alpha * r))), -alpha / 2),
            C: (sympy.Eq(r, 1 / (1 - C) ** 2), -alpha / 2),
        }
        # T lambda_AT as T -> 0 at fixed C: with u = beta (m + a z), beta * int Dz sech^4(...)
        # = int du sech^4(u) e^{-(u T - m)^2/(2 a^2)}/(sqrt(2 pi) a) -> (the density of the local
        # field at 0) * int du sech^4(u); the T in T * 1 vanishes
        T_ = sympy.Symbol("T", positive=True)
        field_density_at_zero = (gauss_measure((u * T_ - m) / a) / a).subs(T_, 0)
        sech4 = sympy.integrate(neuron_curvature.subs(local_field, u) ** 2, (u, -sympy.oo, sympy.oo))
        at_stability = -alpha * noise_curvature.subs(x, 1 - C) * field_density_at_zero * sech4
        return saddle_point(
            "hopfield(T=0)", -f, (m, C, r), (alpha,),
            {"error_fraction": (1 - m) / 2, "free_energy": f, "at_stability": at_stability},
            free_entropy_symbol=sympy.Symbol("Phi"), textbook=textbook,
            residuals={m: lambda stated: stated / m},
            domains={m: sympy.Interval.Lopen(0, 1), C: UNIT, r: sympy.Interval(1, sympy.oo)},
            initial={m: 1, C: 0, r: 1}, hints={"critical": {"alpha": (0.05, 1)}},
            description=r"$\Phi = -f$, minus the AGS free energy at $T = 0$ ($C = \beta(1 - q)$ fixed):",
            latex_names=names, references=refs,
            conventions="Hopfield, Hebbian couplings J_ij = (1/N) sum_mu xi_i^mu xi_j^mu, P = alpha N "
                        "patterns; m = Mattis overlap with the retrieved pattern; T = 0.")
    T = S.T if temperature is None else sympy.sympify(temperature)
    if not isinstance(T, sympy.Symbol) and not (T.is_number and T.is_real and T > 0):
        raise ParameterError("temperature", f"must be 0, a positive number or None (a parameter), got {temperature!r}")
    # below T ~ 1e-5, 1 - q ~ C T is lost to rounding in q and the float solve lands on q = 1
    # with equations that still hold to rounding (a wrong "converged" answer): the finite-T
    # equations are solved for T >= _HOPFIELD_MIN_T; below it use temperature=0 (AGS's T -> 0
    # limit at fixed C = beta (1 - q)), whose at_stability also gives T_R ~ -at_stability.
    if not isinstance(T, sympy.Symbol) and T < _HOPFIELD_MIN_T:
        raise ParameterError("temperature", f"must be 0 or >= {_HOPFIELD_MIN_T} (use temperature=0 below: "
                             f"the finite-T equations lose 1 - q to rounding), got {temperature!r}")
    q = S.q
    beta = 1 / T
    D = 1 - beta + beta * q
    arg = beta * (m + sympy.sqrt(alpha * r) * _z)
    f = (m ** 2 / 2 + alpha / (2 * beta) * (sympy.log(D) - beta * q / D) + alpha * beta * r * (1 - q) / 2
         - GaussianAverage(sympy.log(2 * sympy.cosh(arg)), _z) / beta)
    # the factors relate each textbook equation to dPhi/dx with Phi = -f (as at T = 0)
    textbook = {
        m: (sympy.Eq(m, GaussianAverage(sympy.tanh(arg), _z)), -1),
        r: (sympy.Eq(q, GaussianAverage(sympy.tanh(arg) ** 2, _z)), alpha * beta / 2),
        q: (sympy.Eq(r, q / D ** 2), alpha * beta / 2),
    }
    params = (alpha,) + ((T,) if isinstance(T, sympy.Symbol) else ())
    domains = {m: sympy.Interval.Lopen(0, 1), q: UNIT, r: sympy.Interval.open(0, sympy.oo)}
    if isinstance(T, sympy.Symbol):
        domains[T] = sympy.Interval(_HOPFIELD_MIN_T, sympy.oo)
    at_stability = 1 - alpha * beta ** 2 * noise_curvature.subs(x, D) * GaussianAverage(
        neuron_curvature.subs(local_field, arg) ** 2, _z)
    return saddle_point(
        "hopfield", -f, (m, q, r), params,
        {"error_fraction": (1 - m) / 2, "free_energy": f, "at_stability": at_stability},
        free_entropy_symbol=sympy.Symbol("Phi"), textbook=textbook, integrate_by_parts=True,
        residuals={m: lambda stated: stated / m},
        domains=domains, initial={m: 1, q: 1, r: 1},
        hints={"critical": {"alpha": (0.02, 1), "T": (0.05, 1)},
               # T -> 0 at fixed C = beta (1 - q): AGS's zero-temperature free energy
               "limits": {("T", sympy.S.Zero): functools.partial(hopfield, temperature=0)}
               if isinstance(T, sympy.Symbol) else {}},
        description=r"$\Phi = -f$, minus the AGS replica-symmetric free energy f (stationarity below):",
        latex_names=names, references=refs,
        conventions="Hopfield, Hebbian couplings J_ij = (1/N) sum_mu xi_i^mu xi_j^mu, P = alpha N "
                    "patterns; m = Mattis overlap; q = Edwards-Anderson order parameter; r = noise "
                    "variance from the uncondensed patterns; temperature T = 1/beta.")
