"""Cassette paths named after the test, in pytest-recording's layout:
``<test module's folder>/cassettes/<module name>/<Class.>test_name[id].yaml``."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["cassette_dir_for", "default_cassette_name", "named_cassette", "test_cassette_path"]

_FORBIDDEN = "<>?%*:|\"'/\\"
_SUFFIX = ".yaml"
_MAX_NAME = 255


def cassette_dir_for(module_file: str | Path) -> Path:
    module = Path(module_file)
    return module.parent / "cassettes" / module.stem


def default_cassette_name(class_name: str | None, test_name: str) -> str:
    """``Class.test_name[id]`` with characters a file name cannot hold replaced by ``-``."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    return "".join("-" if char in _FORBIDDEN else char for char in name)


def with_suffix(name: str, suffix: str = _SUFFIX) -> str:
    """``name`` ending in ``suffix``; a name too long for a file keeps a hash of the rest."""
    if len(name) + len(suffix) > _MAX_NAME:
        digest = hashlib.md5(name.encode()).hexdigest()
        name = f"{name[: _MAX_NAME - len(suffix) - len(digest) - 3]}...{digest}"
    return name if name.endswith(suffix) else name + suffix


def test_cassette_path(module_file: str | Path, class_name: str | None, test_name: str) -> Path:
    return cassette_dir_for(module_file) / with_suffix(default_cassette_name(class_name, test_name))


def named_cassette(func: Callable[..., Any]) -> Path:
    """The cassette of the running test ``func`` (``cassette=True`` in the decorator).

    The test's id (with its parameters) comes from pytest's ``PYTEST_CURRENT_TEST``; outside
    pytest the function's qualified name is used.
    """
    module_file = getattr(func, "__code__", None)
    path = Path(module_file.co_filename) if module_file is not None else Path.cwd() / "test"
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    parts = current.rsplit(" ", 1)[0].split("::") if current else []
    if len(parts) >= 2 and parts[-1].split("[")[0] == func.__name__:
        class_name = parts[-2] if len(parts) >= 3 else None
        return test_cassette_path(path, class_name, parts[-1])
    *outer, name = func.__qualname__.split(".")
    return test_cassette_path(path, outer[-1] if outer else None, name)
