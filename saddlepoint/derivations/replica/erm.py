r"""Empirical risk minimisation on the replica engine: GLM / Gaussian covariate model, max margin.

Setting and normalisation (those of :mod:`saddlepoint.simulate.gcm`, i.e. Loureiro, Gerbelot,
Cui, Goldt, Krzakala, Mézard & Zdeborová 2021, *Learning curves of generic features maps for
realistic datasets with a teacher-student model*, NeurIPS 34, arXiv:2102.08127, eq. (1.3) and
(1.5), with isotropic features): inputs :math:`x_\mu \sim N(0, I_d)`, :math:`n = \alpha d`,
teacher with :math:`\rho = |\theta^*|^2/d`, teacher field :math:`z^* = \theta^*\cdot x/\sqrt d`;
labels :math:`y = z^* + \sqrt\Delta\,\xi` (square loss, regression) or
:math:`y = \operatorname{sign}(z^* + \sqrt\Delta\,\xi)` (classification);

.. math:: \hat w = \operatorname{argmin}_w \sum_\mu \ell(y_\mu, w\cdot x_\mu/\sqrt d) + \frac\lambda2 |w|^2 .

Overlaps :math:`m = \hat w\cdot\theta^*/d`, :math:`q = |\hat w|^2/d`, and the susceptibility
:math:`V` (the zero-temperature limit of :math:`\beta(Q - q)`).

Free entropy (Aubin, Krzakala, Lu & Zdeborová 2020, NeurIPS 33, eq. (9)-(12); Loureiro et al.
2021, eq. (2.8)-(2.10)): with the ridge penalty the prior-side extremisation over the conjugates
:math:`\hat m, \hat q, \hat V` is done in closed form (:math:`\hat V = 1/V - \lambda`,
:math:`\hat m = m/(\rho V)`, :math:`\hat q = q/V^2 - m^2/(\rho V^2)`), leaving

.. math::
    \Phi(m, q, V) = \frac{q - m^2/\rho}{2V} - \frac{\lambda q}{2} + \alpha\,\Psi_{out}(m, q, V),
    \qquad \Psi_{out} = -\mathbb E_{\xi, y}\, \mathcal M_V\big(y, \sqrt q\,\xi\big),

:math:`\mathcal M_V` the Moreau envelope of the loss (:mod:`.losses`). For classification,
:math:`\mathbb E_{\xi, y} = 2\int D\xi\, H(-m\xi/\sqrt{\rho q - m^2 + \Delta q})\,(\cdot)|_{y=1}`
(the teacher's probit channel given the student's field; the losses depend on :math:`y\omega`
only). For the square loss on regression labels the average is in closed form,
:math:`\Psi_{out} = -(\rho - 2m + q + \Delta)/(2(1+V))`. For classification the envelope is
averaged in the form its loss gives (:meth:`.losses.Loss.average_forms`): terms linear in
:math:`u = y\omega` in closed form (:math:`\mathbb E u = \sqrt{2/\pi}\, m/\sqrt{\rho + \Delta}`,
:math:`\mathbb E u^2 = q`), polynomial tails from whichever end lies outside the bulk, so that
exponentially small quantities (the hinge's :math:`\hat V` at large lam) keep their relative
accuracy. The equations are
:math:`\partial\Phi/\partial(m, q, V) = 0`; they are the GCM fixed-point equations
:math:`\hat V = -2\alpha\partial_q\Psi_{out}`, :math:`\hat m = \alpha\partial_m\Psi_{out}`,
:math:`\hat q = 2\alpha\partial_V\Psi_{out}` with the closed-form prior side above.

Max margin (:func:`max_margin_perceptron`): the hinge free entropy as :math:`\lambda \to 0`
with :math:`\chi = \lambda V` fixed; the envelope becomes :math:`(1-u)^2\theta(1-u)/(2V)` and
:math:`\Phi/\lambda \to [q - m^2 - \alpha G(m, q)]/(2\chi) - q/2`,
:math:`G = 2\int D\xi\, H(-m\xi/\sqrt{q - m^2})(1 - \sqrt q\xi)^2\theta(1 - \sqrt q\xi)`.
With :math:`R = m/\sqrt q` and the margin :math:`\kappa = 1/\sqrt q` of the normalised
student, stationarity in :math:`\chi` and m is Gardner's maximal-stability condition with a
teacher, :math:`1 - R^2 = 2\alpha\int_{-\infty}^{\kappa} Dt\, H(-Rt/\sqrt{1-R^2})(\kappa-t)^2`
and its R-derivative (Gardner 1988, J. Phys. A 21, 271; Opper, Kinzel, Kleinz & Nehl 1990,
J. Phys. A 23, L581; Engel & Van den Broeck 2001, sec. 3.5), the direction that gradient
descent on the logistic loss converges to on separable data (Soudry et al. 2018, JMLR 19).
"""

import sympy

from ...errors import ParameterError
from .. import symbols as S
from .free_entropy import saddle_point
from .gaussian import GaussianAverage, H
from .losses import Indicator, get_loss

__all__ = ["V", "chi", "erm_glm", "gaussian_covariate", "max_margin_perceptron"]

V = S.register(sympy.Symbol("V", positive=True), "V")
chi = S.register(sympy.Symbol("chi", positive=True), "chi")
m_hat = S.register(sympy.Symbol("\\hat{m}", nonnegative=True), "m_hat")
V_hat = S.register(sympy.Symbol("\\hat{V}", nonnegative=True), "V_hat")

_xi = sympy.Symbol("xi", real=True)
_POSITIVE = sympy.Interval.open(0, sympy.oo)
_NONNEG = sympy.Interval(0, sympy.oo)
LATEX_NAMES = {"generalization_error": r"\epsilon_g", "free_entropy": r"\Phi", "train_loss": r"e_t",
               "test_error": r"\epsilon_{test}", "kappa": r"\kappa"}
REFERENCES = ("Aubin, Krzakala, Lu & Zdeborova (2020), Generalization error in high-dimensional "
              "perceptrons: approaching Bayes error with convex optimization, NeurIPS 33",
              "Loureiro, Gerbelot, Cui, Goldt, Krzakala, Mezard & Zdeborova (2021), Learning curves of "
              "generic features maps for realistic datasets with a teacher-student model, NeurIPS 34")


def _number_or_symbol(name, value, nonnegative=True):
    v = sympy.sympify(value)
    if isinstance(v, sympy.Symbol):
        return v
    if not v.is_number or v.is_real is not True or not v.is_finite:
        raise ParameterError(name, f"must be a finite real number or a Symbol, got {value!r}")
    if nonnegative and v < 0:
        raise ParameterError(name, f"must be >= 0, got {value!r}")
    return v


def _piece(expr, lo, hi, weight, q, z):
    r""":math:`\int Dz\, w(z) f(\sqrt q z)` over the ``z`` with :math:`\sqrt q z \in` (lo, hi),
    as truncated :class:`GaussianAverage`\ s: :math:`\int_a^\infty`, or
    :math:`\int_{-\infty}^b f(z) = \int_{-b}^\infty f(-z)` (the quadrature then starts where the
    piece's mass is), or their difference; ``expr`` maps u to the piece's expression."""
    sq = sympy.sqrt(q)
    body = lambda t: weight.xreplace({z: t}) * expr(sq * t)
    if lo == -sympy.oo and hi == sympy.oo:
        return GaussianAverage(body(z), z)
    if hi == sympy.oo:
        return GaussianAverage(body(z), z, lo / sq)
    if lo == -sympy.oo:
        return GaussianAverage(body(-z), z, -hi / sq)
    return GaussianAverage(body(-z), z, -hi / sq) - GaussianAverage(body(-z), z, -lo / sq)


def _polynomial_average(expr, u, q, mean_u):
    """E[p(u)] for a polynomial p of degree <= 2 under the classification channel:
    E[u] = ``mean_u``, E[u^2] = q (u = y sqrt(q) xi with the weight summing to 1 over y)."""
    c = sympy.Poly(expr, u).all_coeffs()[::-1] + [0, 0]
    return c[0] + c[1] * mean_u + c[2] * q


def _averaged(forms_of, weight, q, Vsym, mean_u):
    """The average of a loss's ``average_forms``/``average_train_forms`` (selector-weighted sums
    of terms in u). A term linear in u on the whole line is averaged in closed form; a tail of
    a polynomial of degree <= 2 is integrated from its own end when that end is on the far side
    of the bulk, else as the whole-line average (closed form) minus the opposite tail, so that
    no average starts deep inside the Gaussian bulk's opposite tail."""
    u = sympy.Dummy("u", real=True)
    total = sympy.S.Zero
    for selector, pieces in forms_of(u, Vsym):
        for expr, lo, hi in pieces:
            total += selector * _term_average(sympy.sympify(expr), u, lo, hi, weight, q, mean_u)
    return total


def _term_average(expr, u, lo, hi, weight, q, mean_u):
    if expr == 0:
        return sympy.S.Zero
    degree = sympy.Poly(expr, u).degree() if expr.is_polynomial(u) else None
    f = lambda x: expr.xreplace({u: x})
    if degree is None or degree > 2 or (lo != -sympy.oo and hi != sympy.oo):
        return _piece(f, lo, hi, weight, q, _xi)
    if lo == -sympy.oo and hi == sympy.oo:
        if degree <= 2:
            return _polynomial_average(expr, u, q, mean_u)
        return _piece(f, lo, hi, weight, q, _xi)
    end = lo if hi == sympy.oo else hi
    tail = _piece(f, lo, hi, weight, q, _xi)
    rest = _piece(f, end, sympy.oo, weight, q, _xi) if hi != sympy.oo else _piece(f, -sympy.oo, end, weight, q, _xi)
    # upper tail: its own form when the end is >= 0; lower tail: when the end is <= 0
    own = Indicator(end) if hi == sympy.oo else Indicator(-end)
    return own * tail + (1 - own) * (_polynomial_average(expr, u, q, mean_u) - rest)


class GaussDensity(sympy.Function):
    r"""The standard normal density :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}`, kept as a function.

    The teacher's channel weight differentiates into it; kept unevaluated, SymPy does not try to
    integrate its products with piecewise envelopes in closed form on truncated domains (which
    takes minutes), and the compiled solvers evaluate those averages by quadrature."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return -self.args[0] * GaussDensity(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sympy.exp(-x ** 2 / 2) / sympy.sqrt(2 * sympy.pi)

    def _eval_evalf(self, prec):
        return self._eval_rewrite_as_exp(self.args[0])._eval_evalf(prec)

    def _numpycode(self, printer):
        return "(numpy.exp(-0.5 * (%s) ** 2) / 2.5066282746310002)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "(mpmath.exp(-(%s) ** 2 / 2) / mpmath.sqrt(2 * mpmath.pi))" % printer._print(self.args[0])

    def _latex(self, printer, exp=None):
        tex = r"\varphi\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"\varphi^{%s}\left(%s\right)" % (exp, printer._print(self.args[0]))


class TeacherTail(sympy.Function):
    r"""The Gaussian tail :math:`H(x) = \tfrac12\operatorname{erfc}(x/\sqrt2)` as a function whose
    derivative is :math:`-`:class:`GaussDensity` (Engel & Van den Broeck 2001, eq. (A1.7))."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return -GaussDensity(self.args[0])

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return H(x)

    def _eval_evalf(self, prec):
        return H(self.args[0])._eval_evalf(prec)

    def _numpycode(self, printer):
        return "(0.5 * _erfc((%s) / 1.4142135623730951))" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "(_erfc((%s) / mpmath.sqrt(2)) / 2)" % printer._print(self.args[0])

    def _latex(self, printer, exp=None):
        tex = r"H\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"H^{%s}\left(%s\right)" % (exp, printer._print(self.args[0]))


def _teacher_weight(m, q, rho, noise):
    r"""P(y = 1 | student field sqrt(q) xi) summed with y = -1 by symmetry: 2 H(-m xi / sqrt(rho q - m^2 + Delta q))."""
    return 2 * TeacherTail(-m * _xi / sympy.sqrt(rho * q - m ** 2 + noise * q))


def _channel(loss, rho, noise, classification):
    """The energetic term Psi_out(m, q, V) and the observables, for isotropic or spectral priors."""
    m, q = S.m, S.q
    if not classification and loss.classification:
        raise ParameterError("loss", f"the {loss.name} loss needs +-1 labels (a sign or probit channel)")
    if classification:
        weight = _teacher_weight(m, q, rho, noise)
        # E[u] = E[y sqrt(q) xi] = sqrt(2/pi) m/sqrt(rho + Delta) (Stein's lemma on the probit weight)
        mean_u = m * sympy.sqrt(2 / (sympy.pi * (rho + noise)))
        psi = -_averaged(loss.average_forms, weight, q, V, mean_u)
        train = _averaged(loss.average_train_forms, weight, q, V, mean_u)
        cosine = m / sympy.sqrt((rho + noise) * q)
        observables = {"R": m / sympy.sqrt(rho * q), "generalization_error": sympy.acos(cosine) / sympy.pi,
                       "test_error": sympy.acos(cosine) / sympy.pi, "train_loss": train}
    else:
        mse = rho - 2 * m + q + noise
        psi = -mse / (2 * (1 + V))
        observables = {"test_error": mse, "train_loss": mse / (2 * (1 + V) ** 2)}
    return psi, observables


# The penalty from which the solver continues points whose cold start fails: at lam = 3 the
# initial guesses below are within Newton's reach on the whole domain (alpha in (0, 20], noise in
# [0, 1]); towards lam -> 0 the noiseless hinge approaches the hard-margin SVM, whose V grows like
# 1/lam, out of reach of any fixed start (tests/test_replica_erm_domain.py).
CONTINUATION_START = 3


def _hints(loss, lam):
    """Solver hints: continuation in lam from CONTINUATION_START for the classification losses."""
    if loss.classification and isinstance(lam, sympy.Symbol):
        return {"continuation": {S.keyword_of(lam): CONTINUATION_START}}
    return {}


def _erm(loss, lam, rho, noise, classification, name, conventions):
    alpha, m, q = S.alpha, S.m, S.q
    loss = get_loss(loss)
    psi, observables = _channel(loss, rho, noise, classification)
    phi = (q - m ** 2 / rho) / (2 * V) - lam * q / 2 + alpha * psi
    # the GCM fixed-point form: m = rho V m_hat, 1/V = lam + V_hat, q = m^2/rho + V^2 q_hat with
    # m_hat = alpha dPsi/dm, V_hat = -2 alpha dPsi/dq, q_hat = 2 alpha dPsi/dV (Loureiro et al. eq. (2.10))
    textbook = {m: (sympy.Eq(m, rho * V * alpha * sympy.diff(psi, m)), -1 / (rho * V)),
                q: (sympy.Eq(1 / V, lam - 2 * alpha * sympy.diff(psi, q)), sympy.Rational(1, 2)),
                V: (sympy.Eq(q, m ** 2 / rho + 2 * alpha * V ** 2 * sympy.diff(psi, V)), -1 / (2 * V ** 2))}
    params = [alpha] + [s for s in (lam, noise) if isinstance(s, sympy.Symbol)]
    domains = {m: _NONNEG, q: _POSITIVE, V: _POSITIVE, alpha: _POSITIVE}
    if isinstance(lam, sympy.Symbol):
        domains[lam] = _NONNEG if loss.name == "square" else _POSITIVE
    if isinstance(noise, sympy.Symbol):
        domains[noise] = _NONNEG
    # start: the square-loss scales, q ~ m ~ alpha/(1 + lam + alpha) (a few Newton steps away)
    scale = alpha / (1 + lam + alpha)
    initial = {m: scale * rho, q: scale * rho * (1 + scale), V: 1 / (lam + alpha / 2 + sympy.Rational(1, 2))}
    # measured (Newton from this start, isotropic): logistic converges on the whole domain; hinge
    # fails in the noiseless hard-margin regime (lam < 0.1, alpha > 3.5), where V ~ chi/lam grows
    # without bound: those points are continued in lam from CONTINUATION_START (hints), and every
    # point of alpha in (0, 20], lam in [1e-3, 10], noise in [0, 1] converges from a cold call
    # (tests/test_replica_erm_domain.py)
    return saddle_point(name, phi, (m, q, V), tuple(params), observables, textbook=textbook,
                        domains=domains, initial=initial, extremum="saddle", hints=_hints(loss, lam),
                        description="Replica-symmetric ERM free entropy (prior-side conjugates eliminated):",
                        latex_names=dict(LATEX_NAMES), references=REFERENCES,
                        conventions=conventions)


_CONVENTIONS = ("ERM, Loureiro et al. (2021) normalisation: w_hat = argmin sum_mu loss(y_mu, w.x_mu/sqrt(d)) "
                "+ (lam/2)|w|^2, x ~ N(0, I_d), alpha = n/d; m = w_hat.theta*/d, q = |w_hat|^2/d, "
                "rho = |theta*|^2/d; V = susceptibility. Square loss on regression labels maps to "
                "spt.ridge with lam_ridge = lam/alpha, w_ridge = w_hat/sqrt(d).")


def erm_glm(prior, channel, rule):
    """The ERM branch of :func:`.builder.glm`: teacher second moment from the prior, label
    noise from the channel (Sign: 0; Probit(sigma): sigma^2; GaussianNoise(Delta): regression)."""
    from .channels import GaussianNoise, Probit, Sign
    if isinstance(channel, Sign):
        noise, classification = sympy.S.Zero, True
    elif isinstance(channel, Probit):
        noise, classification = channel.sigma ** 2, True
    elif isinstance(channel, GaussianNoise):
        noise, classification = channel.noise, False
    else:
        raise NotImplementedError(f"ERM with the {channel.name} channel is not implemented")
    lam = _number_or_symbol("lam", rule.lam)
    loss = get_loss(rule.loss)
    return _erm(loss, lam, prior.rho, noise, classification,
                f"glm({prior.name}, {channel.name}, ERM({loss.name}))", _CONVENTIONS)


def _spectral_erm(loss, lam, noise, atoms, name):
    r"""The GCM with a diagonal covariance given as atoms (eigenvalue omega_k, fraction f_k of the
    d directions), teacher theta* ~ N(0, I_d), student and teacher on the same features
    (Loureiro et al. 2021, eq. (2.8)-(2.10) with Psi = Phi = Omega = Sigma). The prior side
    keeps its conjugates: per mode the student solves
    min_w [lam w^2/2 + V_hat omega w^2/2 - w (m_hat omega theta + sqrt(q_hat omega) xi)], so
    Psi_w = sum_k f_k (m_hat^2 omega_k^2 + q_hat omega_k) / (2 (lam + V_hat omega_k)) and
    Phi = -m m_hat - q_hat V/2 + q V_hat/2 + Psi_w + alpha Psi_out(m, q, V; rho),
    rho = sum_k f_k omega_k."""
    alpha, m, q = S.alpha, S.m, S.q
    rho = sympy.Add(*[f * w for w, f in atoms])
    psi, observables = _channel(loss, rho, noise, loss.classification)
    psi_w = sympy.Add(*[f * (m_hat ** 2 * w ** 2 + S.q_hat * w) / (2 * (lam + V_hat * w)) for w, f in atoms])
    phi = -m * m_hat - S.q_hat * V / 2 + q * V_hat / 2 + psi_w + alpha * psi
    d = sympy.diff
    textbook = {m_hat: (sympy.Eq(m, d(psi_w, m_hat)), -1),
                S.q_hat: (sympy.Eq(V, 2 * d(psi_w, S.q_hat)), -sympy.Rational(1, 2)),
                V_hat: (sympy.Eq(q, -2 * d(psi_w, V_hat)), sympy.Rational(1, 2)),
                m: (sympy.Eq(m_hat, alpha * d(psi, m)), -1),
                q: (sympy.Eq(V_hat, -2 * alpha * d(psi, q)), sympy.Rational(1, 2)),
                V: (sympy.Eq(S.q_hat, 2 * alpha * d(psi, V)), -sympy.Rational(1, 2))}
    params = [alpha] + [s for s in (lam, noise) if isinstance(s, sympy.Symbol)]
    domains = {m: _NONNEG, q: _POSITIVE, V: _POSITIVE, m_hat: _NONNEG, S.q_hat: _NONNEG, V_hat: _NONNEG,
               alpha: _POSITIVE}
    if isinstance(lam, sympy.Symbol):
        domains[lam] = _NONNEG if loss.name == "square" else _POSITIVE
    if isinstance(noise, sympy.Symbol):
        domains[noise] = _NONNEG
    # start: the exact isotropic square-loss solution with the same rho (1/V = lam + alpha/(1+V),
    # m = alpha rho V/(1+V), q linear in itself) and its conjugates V_hat = 1/V - lam,
    # m_hat = m/(rho V), q_hat = (q - m^2/rho)/V^2 (the isotropic prior side)
    b = lam + alpha - 1
    V0 = 2 / (b + sympy.sqrt(b ** 2 + 4 * lam))
    m0 = alpha * rho * V0 / (1 + V0)
    gain = alpha * V0 ** 2 / (1 + V0) ** 2
    q0 = (m0 ** 2 / rho + gain * (rho - 2 * m0 + noise)) / (1 - gain)
    initial = {m: m0, q: q0, V: V0, m_hat: m0 / (rho * V0), V_hat: 1 / V0 - lam,
               S.q_hat: (q0 - m0 ** 2 / rho) / V0 ** 2}
    if loss.classification:
        # the classification start of the isotropic case, with square-loss-like conjugates there
        # (measured on the two-atom test spectrum: good at lam = CONTINUATION_START on the whole
        # domain; hinge at small lam and logistic at alpha = 20, lam = 1 need the continuation)
        scale = alpha / (1 + lam + alpha)
        m0, q0, V0 = scale * rho, scale * rho * (1 + scale), 1 / (lam + alpha / 2 + sympy.Rational(1, 2))
        initial = {m: m0, q: q0, V: V0, m_hat: alpha / (1 + V0), V_hat: alpha / (1 + V0),
                   S.q_hat: alpha * (rho - 2 * m0 + q0 + noise) / (1 + V0) ** 2}
    return saddle_point(name, phi, (m_hat, S.q_hat, V_hat, m, q, V), tuple(params), observables,
                        textbook=textbook, domains=domains, initial=initial, extremum="saddle",
                        hints=_hints(loss, lam),
                        description="Replica-symmetric ERM free entropy of the Gaussian covariate model:",
                        latex_names=dict(LATEX_NAMES), references=REFERENCES,
                        conventions=_CONVENTIONS + " Features x ~ N(0, Sigma), Sigma diagonal with "
                        "eigenvalue omega_k on a fraction f_k of the directions, theta* ~ N(0, I_d); "
                        "m = w_hat^T Sigma theta*/d, q = w_hat^T Sigma w_hat/d, rho = sum_k f_k omega_k.")


def _atoms(covariance):
    """``[(omega, fraction), ...]`` from eigenvalues (equal fractions) or (eigenvalue, fraction) pairs."""
    items = list(covariance)
    if not items:
        raise ParameterError("covariance", "must list at least one eigenvalue")
    if all(isinstance(x, (tuple, list)) for x in items):
        pairs = [tuple(x) for x in items]
        if any(len(x) != 2 for x in pairs):
            raise ParameterError("covariance", "pairs must be (eigenvalue, fraction)")
    else:
        pairs = [(x, sympy.Rational(1, len(items))) for x in items]
    atoms = []
    for w, f in pairs:
        w, f = sympy.nsimplify(w), sympy.nsimplify(f)
        if not (w.is_number and w.is_real and w > 0) or not (f.is_number and f.is_real and f > 0):
            raise ParameterError("covariance", f"eigenvalues and fractions must be positive numbers, got {(w, f)!r}")
        atoms.append((w, f))
    if sympy.Add(*[f for _, f in atoms]) != 1:
        raise ParameterError("covariance", "the fractions must add up to 1")
    return atoms


def gaussian_covariate(loss="square", lam=S.lam, noise=0, rho=1, covariance=None):
    r"""ERM on the Gaussian covariate model with isotropic features (Loureiro et al. 2021).

    Parameters
    ----------
    loss : "square" (regression labels y = z* + sqrt(noise) xi), "hinge" or "logistic"
        (labels sign(z* + sqrt(noise) xi)), or a :class:`.losses.Loss`.
    lam : the penalty (lam/2)|w|^2 with the loss summed over samples (a number or the Symbol
        ``symbols.lam``, then a solver parameter ``lam``; > 0 for hinge/logistic).
    noise : label-noise variance Delta (number or ``symbols.noise``).
    rho : teacher power |theta*|^2/d (1 for theta* ~ N(0, I_d)); isotropic features only.
    covariance : None (Sigma = I) or a diagonal covariance: eigenvalues (each on an equal
        fraction of the d directions) or ``(eigenvalue, fraction)`` pairs with fractions adding
        to 1. Then theta* ~ N(0, I_d), rho = sum fraction * eigenvalue, and the unknowns are
        (m_hat, q_hat, V_hat, m, q, V) (the conjugates cannot be eliminated in closed form).

    Returns a ReplicaDerivation in (m, q, V) with observables ``test_error`` (square: the
    test MSE rho - 2m + q + Delta; classification: arccos(m/sqrt((rho+Delta)q))/pi),
    ``train_loss`` (mean loss at the minimiser), and for classification ``R`` and
    ``generalization_error``. The module docstring states the free entropy; the square-loss case
    equals :func:`saddlepoint.ridge` with ``lam_ridge = lam/alpha`` (``tests/test_replica_erm.py``).

    >>> from saddlepoint import replica
    >>> sol = replica.gaussian_covariate("square", noise=0).solver()(alpha=2.0, lam=0.5)
    >>> round(float(sol.test_error), 6)
    0.106339
    """
    lam = _number_or_symbol("lam", lam)
    noise = _number_or_symbol("noise", noise)
    rho = _number_or_symbol("rho", rho)
    if rho.is_number and not rho > 0:
        raise ParameterError("rho", f"must be positive, got {rho!r}")
    loss = get_loss(loss)
    if covariance is not None:
        if rho != 1:
            raise ParameterError("rho", "is set by the covariance (theta* ~ N(0, I_d)); leave it at 1")
        return _spectral_erm(loss, lam, noise, _atoms(covariance), f"gaussian_covariate({loss.name}, spectral)")
    return _erm(loss, lam, rho, noise, loss.classification, f"gaussian_covariate({loss.name})", _CONVENTIONS)


def max_margin_perceptron():
    r"""The maximal-stability (max-margin) teacher-student perceptron, as the lam -> 0 hinge ERM.

    Teacher uniform on the sphere (rho = 1), noiseless labels, alpha = P/N. Unknowns (m, q, chi)
    of the rescaled free entropy :math:`[q - m^2 - \alpha G]/(2\chi) - q/2` (module docstring):
    (m, q) are the overlaps of the hard-margin SVM ``min |w|^2 s.t. y w.x/sqrt(N) >= 1``, and
    observables ``R`` = m/sqrt(q), ``kappa`` = 1/sqrt(q) (the margin of the student normalised
    to |w|^2 = N, i.e. :func:`saddlepoint.simulate.perceptron.max_stability`'s kappa),
    ``generalization_error`` = arccos(R)/pi. This is the direction gradient descent on the
    logistic loss converges to on separable data (Soudry, Hoffer, Nacson, Gunasekar & Srebro
    2018, JMLR 19) and the lam -> 0 limit of hinge ERM (Aubin et al. 2020, sec. 4); the
    equations are Gardner's maximal stability with a teacher (Opper et al. 1990; Engel & Van den
    Broeck 2001, sec. 3.5).

    >>> from saddlepoint import replica
    >>> sol = replica.max_margin_perceptron().solver()(alpha=2.0)
    >>> round(float(sol.generalization_error), 4), round(float(sol.kappa), 4)
    (0.1885, 0.4546)
    """
    alpha, m, q = S.alpha, S.m, S.q
    weight = 2 * TeacherTail(-m * _xi / sympy.sqrt(q - m ** 2))
    sq = sympy.sqrt(q)
    # G = int_{xi < 1/sqrt q} ...: reflected so that the truncated average starts at -1/sqrt(q)
    G = GaussianAverage(weight.xreplace({_xi: -_xi}) * (1 + sq * _xi) ** 2, _xi, -1 / sq)
    phi = (q - m ** 2 - alpha * G) / (2 * chi) - q / 2
    textbook = {m: (sympy.Eq(m, -alpha * sympy.diff(G, m) / 2), -1 / chi),
                q: (sympy.Eq(chi, 1 - alpha * sympy.diff(G, q)), -1 / (2 * chi)),
                chi: (sympy.Eq(q, m ** 2 + alpha * G), -1 / (2 * chi ** 2))}
    R = m / sq
    observables = {"R": R, "kappa": 1 / sq, "generalization_error": sympy.acos(R) / sympy.pi}
    # start near R ~ 1 - (1 + 0.9 alpha)^-2, q ~ alpha (alpha + 1/2), chi ~ 1.3/(1 + alpha)^2: fitted
    # by eye to solutions at alpha = 0.5 ... 25, with the large-alpha laws kappa ~ 1/alpha and
    # 1 - R ~ (pi eps)^2/2, eps ~ 0.5/alpha (Opper et al. 1990); Newton does the rest
    R0 = 1 - (1 + 9 * alpha / 10) ** -2
    q0 = alpha * (alpha + sympy.Rational(1, 2))
    return saddle_point("max_margin_perceptron", phi, (m, q, chi), (alpha,), observables, textbook=textbook,
                        domains={m: _NONNEG, q: _POSITIVE, chi: _POSITIVE, alpha: _POSITIVE},
                        initial={m: R0 * sympy.sqrt(q0), q: q0, chi: sympy.Rational(13, 10) / (1 + alpha) ** 2},
                        extremum="saddle",
                        description=r"Hinge ERM free entropy divided by $\lambda$, as $\lambda \to 0$ "
                                    r"with $\chi = \lambda V$ fixed (the hard-margin SVM):",
                        latex_names=dict(LATEX_NAMES), references=REFERENCES + (
                            "Gardner (1988), J. Phys. A 21, 271",
                            "Opper, Kinzel, Kleinz & Nehl (1990), J. Phys. A 23, L581"),
                        conventions="Max-margin teacher-student perceptron: teacher on the sphere, "
                                    "y = sign(w*.x), alpha = P/N; hard-margin SVM w (margin 1), "
                                    "m = w.w*/N, q = |w|^2/N; R = m/sqrt(q), kappa = 1/sqrt(q).")
