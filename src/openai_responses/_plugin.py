"""The pytest plugin (entry point ``pytest11``): the ``openai_mock`` fixture and the
``--record-mode`` / cassette options.

pytest-recording defines ``--record-mode`` too, and pytest refuses a second definition. Both
plugins read the same option (dest ``record_mode``, default None), so we define it only when
pytest-recording will not: the one flag then drives both, whichever plugin loads first.

Without pytest-recording (not installed, or ``-p no:recording``) we serve its interface
ourselves (``_pytest/_recording.py``: the ``vcr`` marker and fixtures, ``--block-network``…),
on our engine; with it active we define none of that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._pytest import _recording, _summary
from ._pytest._names import test_cassette_path
from ._settings import RECORD_MODES, SETTINGS, Settings

if TYPE_CHECKING:
    from ._mock import OpenAIMock

__all__ = ["openai_mock"]

_FLAG = "--record-mode"
_RECORDING_MODULE = "pytest_recording.plugin"
_PREVIOUS = pytest.StashKey[Settings]()
_VCR_PLUGIN = "openai_responses.recording"
_SUMMARY_PLUGIN = "openai_responses.cassette_report"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    parser.addini("openai_cassette_dir", "Directory of relative cassette paths", default=None)
    parser.addini("openai_record_mode", "Default cassette record mode", default=None)
    with contextlib.suppress(ValueError):  # registered already (a nested run): share them
        _summary.add_options(parser)
    _PARSERS[pluginmanager] = parser
    _accept_verify(parser)  # pytest-recording registered first: its flag learns "verify"
    if _recording_plugin_defines_flag(pluginmanager):
        return
    with contextlib.suppress(ValueError):  # registered by another plugin: share them
        _recording.add_options(parser)
    with contextlib.suppress(ValueError):  # another plugin registered it first: share it
        parser.getgroup("openai_responses").addoption(
            _FLAG,
            action="store",
            default=None,
            choices=[*RECORD_MODES, "rewrite"],
            dest="record_mode",
            help='Cassette record mode: "none" (default), "once", "new_episodes", "all" or '
            '"rewrite".',
        )


def _recording_plugin_defines_flag(pluginmanager: pytest.PytestPluginManager) -> bool:
    # Registered already (by entry point, or by `-p pytest_recording.plugin`): it has the flag.
    if pluginmanager.has_plugin("recording") or pluginmanager.has_plugin(_RECORDING_MODULE):
        return True
    # Not yet, but pytest will autoload it after us. (With autoloading disabled, a plugin
    # named later with `-p` cannot be foreseen: name pytest-recording first in that case.)
    autoloads = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    installed = importlib.util.find_spec("pytest_recording") is not None
    return autoloads and installed and not pluginmanager.is_blocked("recording")


_PARSERS: weakref.WeakKeyDictionary[pytest.PytestPluginManager, pytest.Parser] = (
    weakref.WeakKeyDictionary()
)


def pytest_plugin_registered(plugin: object, manager: pytest.PytestPluginManager) -> None:
    # pytest-recording registered after us: its --record-mode exists now, learn "verify" too.
    parser = _PARSERS.get(manager)
    if parser is not None and plugin is sys.modules.get(_RECORDING_MODULE):
        _accept_verify(parser)


def _accept_verify(parser: pytest.Parser) -> None:
    """Add our modes to pytest-recording's ``--record-mode`` choices (its own vcr fixture
    still knows vcrpy's modes only; our engine serves ``verify``)."""
    for group in getattr(parser, "_groups", ()):
        for option in getattr(group, "options", ()):
            action = getattr(option, "_action", None)
            choices = getattr(action, "choices", None)
            if getattr(option, "dest", None) == "record_mode" and choices is not None:
                missing = [mode for mode in RECORD_MODES if mode not in choices]
                with contextlib.suppress(AttributeError, TypeError):
                    action.choices = [*choices, *missing]  # type: ignore[union-attr]


def _recording_plugin_active(pluginmanager: pytest.PytestPluginManager) -> bool:
    return pluginmanager.has_plugin("recording") or pluginmanager.has_plugin(_RECORDING_MODULE)


def pytest_configure(config: pytest.Config) -> None:
    manager = config.pluginmanager
    if not _recording_plugin_active(manager) and not manager.has_plugin(_VCR_PLUGIN):
        manager.register(_recording, _VCR_PLUGIN)
    manager.register(_summary.CassetteReport(config), _SUMMARY_PLUGIN)
    config.addinivalue_line(
        "markers",
        "openai_mock(base_url=None, cassette=None, record_mode=None, on_miss='fail', "
        "**options): "
        "options of the openai_mock fixture",
    )
    config.stash[_PREVIOUS] = dataclasses.replace(SETTINGS)  # nested runs (pytester) restore it
    SETTINGS.cli_record_mode = config.getoption("record_mode", default=None)
    SETTINGS.ini_record_mode = config.getini("openai_record_mode") or None
    directory = config.getini("openai_cassette_dir")
    root = Path(str(config.rootpath))
    SETTINGS.cassette_dir = root / directory if directory else root / "cassettes"
    SETTINGS.ini_max_age = config.getini("openai_cassette_max_age") or None
    SETTINGS.cli_unplayed = config.getoption("openai_unplayed", default=None)
    SETTINGS.network_blocked = bool(config.getoption("block_network", default=False))
    SETTINGS.ini_check_drift = bool(config.getini("openai_check_drift"))


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_PREVIOUS, Settings())
    SETTINGS.__dict__.update(previous.__dict__)


@pytest.fixture
def openai_mock(request: pytest.FixtureRequest) -> Iterator[OpenAIMock]:
    """An entered OpenAIMock; options come from ``@pytest.mark.openai_mock(...)``.

    In a vcr-marked test it is the mock replaying the test's cassette. ``cassette=True``
    names the cassette after the test: ``cassettes/<module>/<test>.yaml`` beside the module.
    """
    vcr_mock = request.node.stash.get(_recording.VCR_MOCK, None)
    if vcr_mock is not None:
        yield vcr_mock
        return
    from ._mock import OpenAIMock  # not at plugin load: every pytest run would pay for it

    marker = request.node.get_closest_marker("openai_mock")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if options.get("cassette") is True:
        class_name = request.cls.__name__ if request.cls else None
        options["cassette"] = test_cassette_path(request.node.path, class_name, request.node.name)
    mock = OpenAIMock(**options).__enter__()
    try:
        yield mock
    finally:
        # A fixture does not see the test's exception; the mock must (record_on_exception,
        # and an ``all`` re-recording of a failed test never replaces the cassette).
        error = request.node.stash.get(_TEST_ERROR, None)
        mock.__exit__(type(error) if error else None, error, error and error.__traceback__)


_TEST_ERROR = pytest.StashKey[BaseException]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.when != "call" or call.excinfo is None:
        return
    if not call.excinfo.errisinstance(pytest.skip.Exception):
        item.stash[_TEST_ERROR] = call.excinfo.value
