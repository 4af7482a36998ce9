"""The README's generated parts stay true to the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import openai
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _coverage_script() -> object:
    spec = importlib.util.spec_from_file_location(
        "coverage_table", ROOT / "scripts" / "coverage_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_coverage_table_matches_the_endpoint_table() -> None:
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"<!-- coverage:start -->\n(.*?)\n<!-- coverage:end -->", readme, re.S)
    assert section is not None, "README lost its coverage markers"
    version = re.search(r"\(openai ([\d.]+)\)", section.group(1))
    if version is None or version.group(1) != openai.__version__:
        pytest.skip("README's table was generated for another openai release")
    generated = _coverage_script().table(brief=True)  # type: ignore[attr-defined]
    assert section.group(1) == generated, "run: python scripts/coverage_table.py --readme"


def test_readme_states_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert 'pip install -e ".[dev]" && python scripts/demo.py' in readme
    assert 'pip install -e ".[dev]" && pytest' in readme
