r"""Convex losses for empirical risk minimisation, through their Moreau envelopes (pure SymPy).

The replica free entropy of ERM at zero temperature contains the loss only through its Moreau
envelope and proximal operator at scale :math:`V > 0` (Aubin, Krzakala, Lu & Zdeborová 2020,
*Generalization error in high-dimensional perceptrons: approaching Bayes error with convex
optimization*, NeurIPS 33, eq. (9)-(10); Loureiro et al. 2021, NeurIPS 34, eq. (2.9)):

.. math::
    \mathcal M_V(y, \omega) = \min_x \Big[\ell(y, x) + \frac{(x - \omega)^2}{2V}\Big], \qquad
    \operatorname{prox}_{V\ell(y, \cdot)}(\omega) = \operatorname{argmin}_x \big[\cdots\big].

Losses (the normalisation of :mod:`saddlepoint.simulate.gcm`):

``Square``     :math:`\ell = (y - x)^2/2`: :math:`\mathcal M = (y - \omega)^2/(2(1+V))`,
               prox :math:`(\omega + V y)/(1 + V)`.
``Hinge``      :math:`\ell = \max(0, 1 - yx)`, y = ±1; with :math:`u = y\omega`:
               :math:`\mathcal M = 0` (u ≥ 1), :math:`(1-u)^2/(2V)` (1 - V ≤ u < 1),
               :math:`1 - u - V/2` (u < 1 - V).
``Logistic``   :math:`\ell = \ln(1 + e^{-yx})`: no closed-form prox; :class:`LogisticProx`
               is the implicit function :math:`p = u + V/(1 + e^{p})` whose derivatives come
               from the implicit function theorem, and :class:`LogisticMoreau` the envelope
               whose derivatives come from the envelope theorem. Their numeric values are
               bound by :mod:`saddlepoint.solvers.proximal` (vectorised Newton in numpy,
               mpmath at any precision).

A loss provides ``moreau(y, omega, V)``, ``proximal(y, omega, V)`` and ``value(y, x)``; a
classification loss (depending on :math:`u = y\omega` only) also provides
``pieces(u, V)``: the envelope as ``[(expression in u, lower, upper), ...]`` over the
intervals of u on which it is smooth, so that Gaussian averages can be split where the
envelope is not analytic, and ``train_pieces(u, V)``: the loss at the prox, likewise.
``average_forms(u, V)``/``average_train_forms(u, V)`` give the exact forms the Gaussian
averages are computed from (default: the pieces; the hinge rewrites them as a linear term plus
tails, see :meth:`Hinge.average_forms`), chosen by :class:`Indicator` selectors.

>>> import sympy
>>> y, w, x = sympy.symbols("y omega x", real=True)
>>> V = sympy.Symbol("V", positive=True)
>>> square = Square()
>>> envelope = square.value(y, x) + (x - w) ** 2 / (2 * V)
>>> sympy.simplify(envelope.subs(x, square.proximal(y, w, V)) - square.moreau(y, w, V))
0
"""

import sympy

from ...errors import ParameterError

__all__ = ["Indicator", "Loss", "Square", "Hinge", "Logistic", "LogisticProx", "LogisticMoreau", "get_loss", "LOSSES"]

LOSSES = ("square", "hinge", "logistic")


def _sigmoid(t):
    return 1 / (1 + sympy.exp(-t))


class LogisticProx(sympy.Function):
    r"""The logistic proximal operator :math:`p(u, V) = \operatorname{argmin}_x[\ln(1+e^{-x}) + (x-u)^2/(2V)]`,
    the root of :math:`x - u - V\sigma(-x) = 0` (no closed form). Derivatives by the implicit
    function theorem: :math:`\partial_u p = 1/(1 + V\sigma(p)\sigma(-p))`,
    :math:`\partial_V p = \sigma(-p)/(1 + V\sigma(p)\sigma(-p))`."""

    nargs = 2
    is_real = True

    def fdiff(self, argindex=1):
        u, V = self.args
        p = self
        denominator = 1 + V * _sigmoid(p) * _sigmoid(-p)
        if argindex == 1:
            return 1 / denominator
        if argindex == 2:
            return _sigmoid(-p) / denominator
        raise sympy.ArgumentIndexError(self, argindex)

    def _print_code(self, printer):
        return "_logistic_prox(%s, %s)" % tuple(printer._print(a) for a in self.args)

    _numpycode = _mpmathcode = _print_code

    def _eval_evalf(self, prec):
        import mpmath
        u, V = self.args
        if not (u.is_number and V.is_number):
            return None
        with mpmath.workprec(prec + 20):
            uu, vv = mpmath.mpf(u._to_mpmath(prec + 20)), mpmath.mpf(V._to_mpmath(prec + 20))
            root = mpmath.findroot(lambda x: x - uu - vv / (1 + mpmath.exp(x)), (uu, uu + vv),
                                   solver="anderson")
        return sympy.Float(root, mpmath.libmp.prec_to_dps(prec))

    def _latex(self, printer, exp=None):
        tex = r"\mathrm{prox}^{\log}_{%s}\left(%s\right)" % (printer._print(self.args[1]), printer._print(self.args[0]))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class LogisticMoreau(sympy.Function):
    r"""The logistic Moreau envelope :math:`\mathcal M(u, V) = \ln(1 + e^{-p}) + (p - u)^2/(2V)`,
    :math:`p = ` :class:`LogisticProx` ``(u, V)``. Envelope theorem:
    :math:`\partial_u\mathcal M = (u - p)/V`, :math:`\partial_V\mathcal M = -(p - u)^2/(2V^2)`."""

    nargs = 2
    is_real = True

    def fdiff(self, argindex=1):
        u, V = self.args
        p = LogisticProx(u, V)
        if argindex == 1:
            return (u - p) / V
        if argindex == 2:
            return -(p - u) ** 2 / (2 * V ** 2)
        raise sympy.ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_LogisticProx(self, u, V, **kwargs):
        p = LogisticProx(u, V)
        return sympy.log(1 + sympy.exp(-p)) + (p - u) ** 2 / (2 * V)

    def _print_code(self, printer):
        return "_logistic_moreau(%s, %s)" % tuple(printer._print(a) for a in self.args)

    _numpycode = _mpmathcode = _print_code

    def _eval_evalf(self, prec):
        import mpmath
        if not all(a.is_number for a in self.args):
            return None
        return sympy.N(self._eval_rewrite_as_LogisticProx(*self.args), mpmath.libmp.prec_to_dps(prec))

    def _latex(self, printer, exp=None):
        tex = r"\mathcal{M}^{\log}_{%s}\left(%s\right)" % (printer._print(self.args[1]), printer._print(self.args[0]))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class Indicator(sympy.Function):
    r"""1 where the argument is >= 0, else 0, with derivative 0.

    Used only to choose between two exact forms of the same quantity (they agree where it
    jumps, so the choice is continuous and the zero derivative is exact); compiled to
    ``numpy.where``/a conditional, so both forms are evaluated and one is kept."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.S.One if x >= 0 else sympy.S.Zero
        return None

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _numpycode(self, printer):
        return "numpy.where((%s) >= 0, 1.0, 0.0)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "(1 if (%s) >= 0 else 0)" % printer._print(self.args[0])

    def _latex(self, printer, exp=None):
        tex = r"\mathbb{1}\left[%s \geq 0\right]" % printer._print(self.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class Loss:
    """Base class: ``name``, ``classification`` (depends on y*omega only, y = ±1)."""

    name = "loss"
    classification = True

    def value(self, y, x):
        raise NotImplementedError

    def moreau(self, y, omega, V):
        raise NotImplementedError

    def proximal(self, y, omega, V):
        raise NotImplementedError

    def pieces(self, u, V):
        """The envelope at y = 1 as ``[(expression, lower, upper)]`` in u (smooth pieces)."""
        return [(self.moreau(1, u, V), -sympy.oo, sympy.oo)]

    def train_pieces(self, u, V):
        """The loss at the prox, ``l(1, prox(u))``, as pieces like :meth:`pieces`."""
        return [(self.value(1, self.proximal(1, u, V)), -sympy.oo, sympy.oo)]

    def average_forms(self, u, V):
        """The envelope as ``[(selector, pieces), ...]``: exact alternative forms, each a list of
        terms ``(expression, lower, upper)`` to be averaged over that interval of u, and
        selectors (expressions in V that sum to 1, see :class:`Indicator`) choosing the form
        the Gaussian averages are computed from. Default: :meth:`pieces` alone. A loss may give
        forms in which every term is linear on the whole line (averaged in closed form) or a
        tail that vanishes with its derivative at its end, so that exponentially small
        saddle-point quantities keep their relative accuracy."""
        return [(sympy.S.One, self.pieces(u, V))]

    def average_train_forms(self, u, V):
        """:meth:`train_pieces` in the form of :meth:`average_forms`."""
        return [(sympy.S.One, self.train_pieces(u, V))]

    def __repr__(self):
        return f"{type(self).__name__}()"


class Square(Loss):
    r""":math:`\ell(y, x) = (y - x)^2/2`; :math:`\mathcal M_V = (y-\omega)^2/(2(1+V))` (closed form)."""

    name = "square"
    classification = False

    def value(self, y, x):
        return (y - x) ** 2 / 2

    def moreau(self, y, omega, V):
        return (y - omega) ** 2 / (2 * (1 + V))

    def proximal(self, y, omega, V):
        return (omega + V * y) / (1 + V)


class Hinge(Loss):
    r""":math:`\ell(y, x) = \max(0, 1 - yx)` for y = ±1; the envelope is piecewise (module docstring)."""

    name = "hinge"

    def value(self, y, x):
        return sympy.Max(0, 1 - y * x)

    def pieces(self, u, V):
        return [(1 - u - V / 2, -sympy.oo, 1 - V), ((1 - u) ** 2 / (2 * V), 1 - V, 1), (sympy.S.Zero, 1, sympy.oo)]

    def train_pieces(self, u, V):
        # prox = u + V below 1 - V (loss 1 - u - V), 1 in the middle (loss 0), u above 1 (loss 0)
        return [(1 - u - V, -sympy.oo, 1 - V)]

    def average_forms(self, u, V):
        r"""For V < 1 the envelope as :math:`1 - u - V/2 + (u - 1 + V)_+^2/(2V) - (u - 1)_+^2/(2V)`:
        at large penalty almost every sample is on the linear piece, and the q-derivative is then
        a tail average instead of a cancellation of O(1) averages. For V >= 1 (small penalty) as
        :math:`(1 - u)_+^2/(2V) - (1 - V - u)_+^2/(2V)`, free of the O(V) terms that the first form
        cancels there. Both equal :meth:`pieces` on every interval."""
        small = Indicator(1 - V)
        return [(small, [(1 - u - V / 2, -sympy.oo, sympy.oo), ((u - 1 + V) ** 2 / (2 * V), 1 - V, sympy.oo),
                         (-(u - 1) ** 2 / (2 * V), 1, sympy.oo)]),
                (1 - small, [((1 - u) ** 2 / (2 * V), -sympy.oo, 1), (-(1 - V - u) ** 2 / (2 * V), -sympy.oo, 1 - V)])]

    def average_train_forms(self, u, V):
        """The train loss :math:`(1 - u - V)_+` as :math:`1 - u - V + (u - 1 + V)_+` for V < 1."""
        small = Indicator(1 - V)
        return [(small, [(1 - u - V, -sympy.oo, sympy.oo), (u - 1 + V, 1 - V, sympy.oo)]),
                (1 - small, self.train_pieces(u, V))]

    def moreau(self, y, omega, V):
        u = y * omega
        return sympy.Piecewise((0, u >= 1), ((1 - u) ** 2 / (2 * V), u >= 1 - V), (1 - u - V / 2, True))

    def proximal(self, y, omega, V):
        u = y * omega
        return y * sympy.Piecewise((u, u >= 1), (1, u >= 1 - V), (u + V, True))


class Logistic(Loss):
    r""":math:`\ell(y, x) = \ln(1 + e^{-yx})`; prox and envelope are the implicit functions
    :class:`LogisticProx` and :class:`LogisticMoreau` of :math:`u = y\omega`."""

    name = "logistic"

    def value(self, y, x):
        return sympy.log(1 + sympy.exp(-y * x))

    def moreau(self, y, omega, V):
        return LogisticMoreau(y * omega, V)

    def proximal(self, y, omega, V):
        return y * LogisticProx(y * omega, V)


_BY_NAME = {"square": Square, "hinge": Hinge, "logistic": Logistic}


def get_loss(loss):
    """A loss object from its name ("square", "hinge", "logistic") or a :class:`Loss` instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss.lower() in _BY_NAME:
        return _BY_NAME[loss.lower()]()
    raise ParameterError("loss", f"must be one of {', '.join(map(repr, LOSSES))} or a Loss, got {loss!r}")
