"""The three errors saddlepoint raises.

``ParameterError`` is a ``ValueError`` so that code written against NumPy/SciPy conventions
keeps working; its message always names the offending parameter and its valid range.
"""

__all__ = ["SaddlepointError", "ParameterError", "ConvergenceError", "DerivationError"]


class SaddlepointError(Exception):
    """Base class of every error raised on purpose by saddlepoint."""


class ParameterError(SaddlepointError, ValueError):
    """An argument is outside its valid range (the message names it and the range)."""

    def __init__(self, name, message):
        self.parameter = name
        super().__init__(f"`{name}` {message}")


class ConvergenceError(SaddlepointError, ArithmeticError):
    """A solver did not reach its tolerance.

    Attributes: ``point`` (dict parameter -> value of the first failing point), ``residual``
    (its residual norm), ``iterations`` and ``n_failed`` (how many grid points failed).
    """

    def __init__(self, message, point=None, residual=None, iterations=None, n_failed=1):
        self.point = dict(point or {})
        self.residual = residual
        self.iterations = iterations
        self.n_failed = n_failed
        detail = []
        if self.point:
            detail.append("at " + ", ".join(f"{k}={v!r}" for k, v in self.point.items()))
        if residual is not None:
            detail.append(f"residual={residual:.3e}")
        if iterations is not None:
            detail.append(f"after {iterations} iterations")
        if n_failed > 1:
            detail.append(f"({n_failed} grid points failed)")
        super().__init__(message + (": " + "; ".join(detail) if detail else ""))


class DerivationError(SaddlepointError):
    """A symbolic step could not be carried out (e.g. SymPy found no closed form)."""
