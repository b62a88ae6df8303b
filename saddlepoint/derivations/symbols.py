"""The shared symbols of saddlepoint and the keyword each one is called by.

Every derivation uses these objects (never look-alikes built with ``Symbol("lambda")``
elsewhere), so that two derivations can be combined, substituted into one another and
compiled with one fixed argument order.

========  =================  ===========================================================
keyword   symbol (LaTeX)     convention
========  =================  ===========================================================
``lam``   :math:`\\lambda`   ridge, normalised by 1/n: loss (1/n)||y - Xw||^2 + lam ||w||^2
``n``     :math:`n`          number of training samples
``d``     :math:`d`          number of features (dimension); ``oo`` for power laws
``sigma2`` :math:`\\sigma^2` variance of the label noise eps ~ N(0, sigma2)
``kappa`` :math:`\\kappa`    renormalised ridge: kappa = lam + (kappa/n) tr[S (S + kappa)^-1]
========  =================  ===========================================================
"""

import keyword as _keyword

import sympy

__all__ = ["lam", "n", "d", "sigma2", "kappa", "alpha", "T", "margin", "q", "q_hat", "R", "R_hat",
           "m", "r", "C", "noise", "rho", "keyword_of", "symbol_of", "register"]

lam = sympy.Symbol("lambda", nonnegative=True, real=True)
n = sympy.Symbol("n", positive=True, real=True)
d = sympy.Symbol("d", positive=True, real=True)
sigma2 = sympy.Symbol("sigma^2", nonnegative=True, real=True)
kappa = sympy.Symbol("kappa", nonnegative=True, real=True)

_KEYWORDS = {}
_SYMBOLS = {}


def register(symbol, keyword):
    """Declare the Python keyword by which ``symbol`` is passed to solvers and the CLI."""
    if not keyword.isidentifier() or _keyword.iskeyword(keyword):
        raise ValueError(f"{keyword!r} is not a valid Python identifier")
    _KEYWORDS[symbol] = keyword
    _SYMBOLS[keyword] = symbol
    return symbol


for _sym, _kw in ((lam, "lam"), (n, "n"), (d, "d"), (sigma2, "sigma2"), (kappa, "kappa")):
    register(_sym, _kw)

# Replica order parameters and parameters (saddlepoint.derivations.replica; conventions in
# its module docstring): sample complexity alpha = n/d (= P/N), temperature T, margin
# (the stability kappa of Gardner 1988, keyword ``margin`` so it is not the ridge's kappa),
# overlaps q (student-student), R (teacher-student), conjugates q_hat, R_hat, Mattis
# overlap m and the AGS quantities r (noise variance) and C = beta (1 - q) of Hopfield.
alpha = register(sympy.Symbol("alpha", positive=True), "alpha")
T = register(sympy.Symbol("T", nonnegative=True), "T")
margin = register(sympy.Symbol("kappa", real=True), "margin")
q = register(sympy.Symbol("q", nonnegative=True), "q")
q_hat = register(sympy.Symbol("\\hat{q}", nonnegative=True), "q_hat")
R = register(sympy.Symbol("R", nonnegative=True), "R")
R_hat = register(sympy.Symbol("\\hat{R}", nonnegative=True), "R_hat")
m = register(sympy.Symbol("m", nonnegative=True), "m")
r = register(sympy.Symbol("r", positive=True), "r")
C = register(sympy.Symbol("C", nonnegative=True), "C")
noise = register(sympy.Symbol("Delta", nonnegative=True), "noise")
rho = register(sympy.Symbol("rho", positive=True), "rho")


def keyword_of(symbol):
    """The keyword name of ``symbol`` (its registered keyword, else its own name).

    >>> keyword_of(lam), keyword_of(sigma2), keyword_of(sympy.Symbol("r2"))
    ('lam', 'sigma2', 'r2')
    """
    name = _KEYWORDS.get(symbol)
    if name is not None:
        return name
    name = symbol.name
    if name.isidentifier() and not _keyword.iskeyword(name):
        return name
    raise ValueError(
        f"symbol {symbol} has no keyword: register it with saddlepoint.derivations.symbols.register"
    )


def symbol_of(name, candidates=()):
    """The symbol a keyword (or a Symbol) refers to, looked up among ``candidates`` first."""
    if isinstance(name, sympy.Symbol):
        return name
    for sym in candidates:
        if keyword_of(sym) == name or sym.name == name:
            return sym
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    raise KeyError(name)
