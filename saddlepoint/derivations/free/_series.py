r"""Truncated power series over an exact field (private helpers of :mod:`.laws`).

A series is a Python list ``[c_0, c_1, ..., c_{N-1}]`` of elements of a SymPy domain ``K``
(``QQ`` for numeric laws, ``QQ(params)`` for symbolic ones); arithmetic is done in ``K``,
which is much faster than on SymPy expressions. A bivariate polynomial is a dict
``{(i, j): c}`` meaning ``sum c y^i x^j``.

What lives here:

* :func:`branch_series` -- the power-series branch ``y(x)`` of ``F(y, x) = 0`` through a known
  prefix (Hensel / Newton lifting, also when ``F_y`` vanishes to some order on the branch);
* :func:`cumulants_from_moments`, :func:`moments_from_cumulants` -- the free moment-cumulant
  relation ``M(z) = 1 + sum_s kappa_s z^s M(z)^s`` (Nica & Speicher, Lectures on the
  Combinatorics of Free Probability, Lecture 16);
* :func:`s_series_from_moments`, :func:`moments_from_s_series` -- Voiculescu's S-transform
  ``S(t) = chi(t) (1 + t) / t``, ``chi = psi^{-1}``, ``psi(z) = sum_{k>=1} m_k z^k``;
* :func:`product_moments` -- moments of ``a ⊠ b`` by the non-crossing formula
  ``m_n(ab) = sum_{pi in NC(n)} kappa_pi[a] m_{K(pi)}[b]`` (Nica & Speicher, Theorem 14.4),
  valid also when a mean vanishes (where the S-transform is not a power series).
"""

from functools import lru_cache

from sympy.polys.domains import QQ

from ...errors import DerivationError

__all__ = ["domain_for", "mul", "add", "scale", "evaluate", "branch_series",
           "cumulants_from_moments", "moments_from_cumulants", "reversion",
           "s_series_from_moments", "moments_from_s_series", "product_moments"]


def domain_for(params):
    """``QQ`` for numeric laws, the rational function field ``QQ(params)`` otherwise."""
    return QQ.frac_field(*params) if params else QQ


def mul(a, b, n, K):
    """Product of two truncated series, to ``n`` terms."""
    out = [K.zero] * n
    for i in range(min(len(a), n)):
        ai = a[i]
        if not ai:
            continue
        for j in range(min(len(b), n - i)):
            bj = b[j]
            if bj:
                out[i + j] += ai * bj
    return out


def add(a, b, n, K):
    out = [K.zero] * n
    for i in range(min(len(a), n)):
        out[i] += a[i]
    for i in range(min(len(b), n)):
        out[i] += b[i]
    return out


def scale(a, c):
    return [c * ai for ai in a]


def _rows(F):
    """{(i, j): c} -> {i: {j: c}} (coefficient of y^i as a polynomial in x)."""
    rows = {}
    for (i, j), c in F.items():
        rows.setdefault(i, {})[j] = c
    return rows


def evaluate(F, y, n, K):
    """``F(y(x), x)`` modulo ``x^n`` (Horner in ``y``)."""
    rows = _rows(F)
    if not rows:
        return [K.zero] * n
    top = max(rows)
    res = [K.zero] * n
    for i in range(top, -1, -1):
        res = mul(res, y, n, K)
        for j, c in rows.get(i, {}).items():
            if j < n:
                res[j] += c
    return res


def derivative_y(F):
    return {(i - 1, j): i * c for (i, j), c in F.items() if i > 0}


def branch_series(F, prefix, n, K):
    r"""The branch ``y(x) = sum_k c_k x^k`` of ``F(y, x) = 0`` that starts with ``prefix``.

    Let ``nu`` be the order of ``F_y(y(x), x)`` at ``x = 0`` (``nu = 0`` for a simple root).
    Once ``k > nu`` terms are known, the next one enters the coefficient of ``x^{k+nu}`` of
    ``F`` linearly with the factor ``[x^nu] F_y``, so it is found by one division. ``nu`` is
    read off the prefix; a prefix too short to see it raises :class:`DerivationError`.
    """
    prefix = list(prefix)
    L = len(prefix)
    Fy = derivative_y(F)
    dfy = evaluate(Fy, prefix, L, K)
    nu = next((i for i, c in enumerate(dfy) if c), None)
    if nu is None:
        raise DerivationError(
            "the branch is degenerate at the expansion point (F_y vanishes to order "
            f">= {L} along it); cannot continue its series from {L} known terms")
    if L < nu + 1:  # pragma: no cover - excluded by the definition of nu
        raise DerivationError("prefix too short to continue the series")
    lead = dfy[nu]
    ys = prefix + [K.zero] * max(0, n - L)
    for k in range(L, n):
        # F(y_{<k}) = O(x^{k+nu}); the x^{k+nu} coefficient fixes c_k
        val = evaluate(F, ys[:k], k + nu + 1, K)
        ys[k] = -val[k + nu] / lead
    return ys[:n]


def check_branch(F, y, n, K):
    """True when ``F(y(x), x) = O(x^n)``."""
    return not any(evaluate(F, y, n, K))


def cumulants_from_moments(m, K):
    r"""Free cumulants ``[kappa_1, ...]`` from moments ``[m_0 = 1, m_1, ...]``.

    Uses ``m_n = sum_{s=1}^n kappa_s [z^{n-s}] M(z)^s`` with ``M = sum_k m_k z^k``.
    """
    n = len(m)
    kappa = [K.zero] * n  # kappa[0] unused
    powers = [[K.one] + [K.zero] * (n - 1)]  # M^0
    for s in range(1, n):
        powers.append(mul(powers[-1], m, n, K))
    for k in range(1, n):
        acc = m[k]
        for s in range(1, k):
            acc -= kappa[s] * powers[s][k - s]
        kappa[k] = acc  # powers[k][0] = 1
    return kappa


def moments_from_cumulants(kappa, K):
    """Inverse of :func:`cumulants_from_moments` (``kappa[0]`` ignored); returns ``[1, m_1, ...]``."""
    n = len(kappa)
    m = [K.one] + [K.zero] * (n - 1)
    for k in range(1, n):
        # [z^k] sum_s kappa_s z^s M^s uses m_j, j < k only
        acc = K.zero
        pw = [K.one] + [K.zero] * (k)  # M^0 truncated to k+1 terms, built with known m
        mk = m[:k] + [K.zero]
        for s in range(1, k + 1):
            pw = mul(pw, mk, k + 1, K)
            acc += kappa[s] * pw[k - s]
        m[k] = acc
    return m


def reversion(f, n, K):
    """Compositional inverse of ``f = f_1 x + f_2 x^2 + ...`` (``f_1 != 0``), to ``n`` terms."""
    if len(f) < 2 or not f[1]:
        raise DerivationError("series reversion needs a nonzero linear coefficient")
    inv1 = K.one / f[1]
    g = [K.zero, inv1] + [K.zero] * (n - 2)
    for k in range(2, n):
        comp = _compose(f, g[:k], k + 1, K)
        g[k] = -comp[k] * inv1
    return g[:n]


def _compose(f, g, n, K):
    """``f(g(x))`` modulo ``x^n`` for ``g(0) = 0``."""
    res = [K.zero] * n
    for c in reversed(f[:n]):
        res = mul(res, g, n, K)
        res[0] += c
    return res


def s_series_from_moments(m, K):
    r"""``S(t) = chi(t)(1 + t)/t`` from moments ``[1, m_1, ...]`` (``m_1 != 0``); returns
    ``len(m) - 1`` terms."""
    n = len(m)
    psi = [K.zero] + list(m[1:])
    chi = reversion(psi, n, K)
    over = chi[1:] + [K.zero]  # chi/t
    S = [over[0]] + [over[k] + over[k - 1] for k in range(1, n)]
    return S[:n - 1]


def moments_from_s_series(S, K):
    """Inverse of :func:`s_series_from_moments`: ``[1, m_1, ..., m_len(S)]``."""
    n = len(S) + 1
    # chi(t) = t S(t) / (1 + t)
    over = [K.zero] * (n - 1)
    for k in range(n - 1):
        over[k] = S[k] - (over[k - 1] if k else K.zero)
    chi = [K.zero] + over
    psi = reversion(chi, n, K)
    return [K.one] + psi[1:n]


@lru_cache(maxsize=None)
def _nc_table(n):
    """{(block sizes of pi, block sizes of K(pi)): count} over the non-crossing partitions
    pi of {0..n-1}; K(pi) = pi^{-1} gamma (Kreweras complement, gamma the long cycle)."""
    table = {}
    for blocks in _nc_partitions(tuple(range(n))):
        perm = {}
        for b in blocks:
            for i, x in enumerate(b):
                perm[x] = b[(i + 1) % len(b)]
        inv = {v: k for k, v in perm.items()}
        kp = {x: inv[(x + 1) % n] for x in range(n)}
        seen, sizes = set(), []
        for x in range(n):
            if x in seen:
                continue
            c, y = 0, x
            while y not in seen:
                seen.add(y)
                y = kp[y]
                c += 1
            sizes.append(c)
        key = (tuple(sorted(len(b) for b in blocks)), tuple(sorted(sizes)))
        table[key] = table.get(key, 0) + 1
    return table


def _nc_partitions(elems):
    if not elems:
        yield ()
        return
    first, rest = elems[0], elems[1:]
    # the block of `first` is {first} U chosen subset; gaps between chosen are independent
    m = len(rest)
    for mask in range(1 << m):
        chosen = [i for i in range(m) if mask >> i & 1]
        block = (first,) + tuple(rest[i] for i in chosen)
        gaps, prev = [], -1
        for i in chosen + [m]:
            gaps.append(rest[prev + 1:i])
            prev = i
        yield from _combine(block, gaps)


def _combine(block, gaps):
    if not gaps:
        yield (block,)
        return
    for part in _nc_partitions(gaps[0]):
        for tail in _combine(block, gaps[1:]):
            yield part + tail


def product_moments(kappa_a, m_b, n, K):
    """Moments ``[1, m_1(ab), ..., m_{n-1}(ab)]`` of ``a ⊠ b`` (non-crossing formula)."""
    out = [K.one]
    for k in range(1, n):
        acc = K.zero
        for (pa, pb), cnt in _nc_table(k).items():
            term = K(cnt)
            for s in pa:
                term *= kappa_a[s]
            for s in pb:
                term *= m_b[s]
            acc += term
        out.append(acc)
    return out
