"""The README's examples run as written: every ```python block, and every ``saddlepoint`` line
of the shell block (through ``saddlepoint.cli.main``, in a temporary directory)."""

import re
import shlex
from pathlib import Path

import pytest

from saddlepoint.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
SHELL_LINES = [line.split("#")[0].strip()
               for block in re.findall(r"```bash\n(.*?)```", README, re.S)
               for line in block.splitlines()]
CLI_LINES = [line for line in SHELL_LINES if line.startswith("saddlepoint ")]


def test_readme_has_examples():
    assert len(PYTHON_BLOCKS) >= 4, "README python examples went missing"
    assert {shlex.split(line)[1] for line in CLI_LINES} >= {"list", "show", "solve", "codegen", "check"}


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_readme_python_block_runs(index, capsys):
    # each block stands alone after the tour's imports, as a reader would paste it
    namespace = {}
    exec(compile("import numpy as np\nimport sympy\nimport saddlepoint as spt\n", "preamble", "exec"), namespace)
    exec(compile(PYTHON_BLOCKS[index], f"README python block {index}", "exec"), namespace)
    if index == 0:   # what the tour block's comments promise
        assert namespace["grid"].test_error.shape == (50, 2)
        assert bool(namespace["sol"].converged)


@pytest.mark.parametrize("line", CLI_LINES)
def test_readme_cli_line_runs(line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # `codegen -o FILE` writes here
    assert main(shlex.split(line)[1:]) == 0
    out, _ = capsys.readouterr()
    assert out.strip()
