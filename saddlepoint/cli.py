"""The ``saddlepoint`` command.

    saddlepoint list
    saddlepoint show MODEL [--latex] [option=value ...]
    saddlepoint solve MODEL key=value ... [--json]
    saddlepoint codegen MODEL [option=value ...] -o FILE
    saddlepoint check MODEL [--seeds N] [option=value ...]
    saddlepoint tour

Values are parsed as numbers, never evaluated: ``0.1``, ``1e-3``, ``inf`` (spectrum ``d``),
a list ``100,200,400`` or a grid ``START:STOP:N`` (linear) / ``START:STOP:logN`` (log-spaced).
Several grid-valued parameters form an outer product, in the order given.
"""

import argparse
import inspect
import json
import math
import re
import sys
import time

import numpy as np

from . import models
from .errors import ParameterError, SaddlepointError

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text, name="value"):
    """A float (or ``inf``) from text; anything else is a ParameterError. Never evaluates code."""
    t = text.strip()
    if t.lower() in ("inf", "infinity", "oo"):
        return math.inf
    if not _NUMBER.match(t):
        raise ParameterError(name, f"must be a number, got {text!r}")
    value = float(t)
    return int(value) if re.match(r"^[+-]?\d+$", t) else value


def parse_value(text, name="value"):
    """A number, a comma list, or a grid ``a:b:N`` / ``a:b:logN``."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ParameterError(name, f"grid must be START:STOP:N or START:STOP:logN, got {text!r}")
        start, stop = parse_number(parts[0], name), parse_number(parts[1], name)
        spec = parts[2].strip()
        log = spec.lower().startswith("log")
        count = parse_number(spec[3:] if log else spec, name)
        if not isinstance(count, int) or count < 1:
            raise ParameterError(name, f"grid size must be a positive integer, got {spec!r}")
        if log:
            if start <= 0 or stop <= 0:
                raise ParameterError(name, "log grid needs positive end points")
            return np.geomspace(start, stop, count)
        return np.linspace(start, stop, count)
    if "," in text:
        return np.array([parse_number(p, name) for p in text.split(",")], dtype=float)
    return parse_number(text, name)


def parse_assignments(items):
    out = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(item, "expected key=value")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key.isidentifier():
            raise ParameterError(key, "is not a valid parameter name")
        out[key] = parse_value(value, key)
    return out


def _split(model, assignments):
    """Separate spectrum options from solver parameters."""
    option_names = set(inspect.signature(model.spectrum).parameters)
    options = {k: v for k, v in assignments.items() if k in option_names}
    params = {k: v for k, v in assignments.items() if k not in option_names}
    for k, v in options.items():
        if isinstance(v, np.ndarray):
            raise ParameterError(k, "is a spectrum option and takes a single number")
        if v == math.inf:
            options[k] = None
    return options, params


def _outer(params):
    """Give each array-valued parameter its own axis (outer product in the order given)."""
    arrays = [k for k, v in params.items() if isinstance(v, np.ndarray)]
    out = dict(params)
    for i, k in enumerate(arrays):
        shape = [1] * len(arrays)
        shape[i] = -1
        out[k] = params[k].reshape(shape)
    return out


def _progress(i, total, label, stream=sys.stderr):
    width = 24
    done = int(width * i / total)
    stream.write(f"\r[{'#' * done}{'.' * (width - done)}] {i}/{total} {label:<40}")
    stream.flush()
    if i == total:
        stream.write("\n")


def _model_and_derivation(args):
    """The model named on the command line, its derivation (spectrum options applied) and the
    remaining key=value parameters."""
    m = models.get(args.model)
    options, params = _split(m, parse_assignments(args.assign))
    return m, m.derivation(**options), params


def cmd_list(args):
    width = max(16, *(len(name) for name in models.MODELS))
    for name, m in models.MODELS.items():
        print(f"{name:<{width}} {m.description}")
    return 0


def cmd_show(args):
    m, de, _ = _model_and_derivation(args)
    if args.latex:
        print(de.latex())
        return 0
    print(f"{m.name}: {m.description}")
    print("parameters:", ", ".join(de.parameter_names))
    print("unknowns:  ", ", ".join(de.unknown_names))
    print("equations:")
    for eq in de.equations:
        print(f"    {eq.lhs} = {eq.rhs}")
    print("observables:")
    _print_mapping(de.observables)
    if de.closed_form:
        print("closed form:")
        _print_mapping(de.closed_form)
    return 0


def _print_mapping(mapping):
    for k, v in mapping.items():
        print(f"    {k} = {v}")


def cmd_solve(args):
    m, de, params = _model_and_derivation(args)
    point = {k: v for k, v in m.defaults.items() if k in de.parameter_names}
    point.update(params)
    sol = de.solver()(**_outer(point), on_failure="mark")
    fields = {**{k: np.broadcast_to(np.asarray(v, dtype=float), sol.shape) for k, v in _outer(point).items()},
              **{k: np.asarray(sol[k], dtype=float) for k in sol.keys()},
              "converged": np.asarray(sol.converged)}
    if sol.branch is not None:   # which stationary point each point took
        fields["branch"] = np.broadcast_to(np.asarray(sol.branch, dtype=object), sol.shape)
    if args.json:
        # strict JSON has no Infinity/NaN (e.g. q_hat = inf at exact recovery): those as strings
        print(json.dumps({k: _json_ready(np.asarray(v).tolist()) for k, v in fields.items()}, indent=1,
                         allow_nan=False))
        return 0 if np.all(sol.converged) else 1
    names = list(fields)
    print("  ".join(f"{k:>12}" for k in names))
    flat = {k: np.ravel(v) for k, v in fields.items()}
    for i in range(np.size(sol.converged)):
        print("  ".join(f"{flat[k][i]:>12.6g}" if k not in ("converged", "branch") else f"{str(flat[k][i]):>12}"
                        for k in names))
    return 0 if np.all(sol.converged) else 1


def _json_ready(value):
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)   # "inf", "-inf", "nan" (float() reads them back)
    return value


def cmd_codegen(args):
    _, de, _ = _model_and_derivation(args)
    source = de.solver().to_source()
    if args.output in (None, "-"):
        sys.stdout.write(source)
    else:
        with open(args.output, "w") as fh:
            fh.write(source)
        print(f"wrote {args.output} ({len(source.splitlines())} lines); use: from <module> import solve")
    return 0


def cmd_check(args):
    from .agreement import FINITE_SIZE, check
    m = models.get(args.model)
    options, params = _split(m, parse_assignments(args.assign))
    grid = [dict(p, **params) for p in (m.check_grid or (m.defaults,))]
    results = []
    t0 = time.time()
    for i, point in enumerate(grid):
        _progress(i, len(grid), ", ".join(f"{k}={v:g}" for k, v in point.items()))
        results.append(check(m.name, seeds=args.seeds, options=options or None, **point))
    _progress(len(grid), len(grid), f"done in {time.time() - t0:.1f} s")
    worst = 0.0
    for a in results:
        print(a)
        print()
        worst = max(worst, a.max_abs_z)
    ok = all(a.passed(args.bound) for a in results)
    print(f"largest |z| = {worst:.2f}; {'all agree' if ok else 'DISAGREEMENT'} "
          f"(|z| <= {args.bound:g} or relative gap <= {FINITE_SIZE:g}/{m.size})")
    return 0 if ok else 1


def cmd_tour(args):
    from .tour import run
    return run()


def build_parser():
    p = argparse.ArgumentParser(prog="saddlepoint", description="Derive, typeset, solve and check "
                                "statistical-physics results of learning theory.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the models").set_defaults(func=cmd_list)
    s = sub.add_parser("show", help="show a model's equations and observables")
    s.add_argument("model")
    s.add_argument("assign", nargs="*", metavar="option=value")
    s.add_argument("--latex", action="store_true", help="print the derivation as a LaTeX align block")
    s.set_defaults(func=cmd_show)
    s = sub.add_parser("solve", help="solve a model at a point or on a grid")
    s.add_argument("model")
    s.add_argument("assign", nargs="*", metavar="key=value")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_solve)
    s = sub.add_parser("codegen", help="write a standalone numpy solver module")
    s.add_argument("model")
    s.add_argument("assign", nargs="*", metavar="option=value")
    s.add_argument("-o", "--output", default="-")
    s.set_defaults(func=cmd_codegen)
    s = sub.add_parser("check", help="theory against simulation table")
    s.add_argument("model")
    s.add_argument("assign", nargs="*", metavar="key=value")
    s.add_argument("--seeds", type=int, default=64)
    s.add_argument("--bound", type=float, default=4.0)
    s.set_defaults(func=cmd_check)
    sub.add_parser("tour", help="a one-minute tour: derive, typeset, solve, simulate").set_defaults(func=cmd_tour)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SaddlepointError as exc:
        print(f"saddlepoint: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `saddlepoint show ridge | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
