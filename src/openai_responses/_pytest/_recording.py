"""pytest-recording's interface (markers, fixtures, options), for suites that drop it.

Registered by ``openai_responses._plugin`` only when pytest-recording is not active, so the
two never both define a fixture, a marker or an option. Fixture names, scopes and the order
in which settings win follow pytest-recording, so ``vcr_config`` overrides (session,
conftest, module, class) resolve exactly as they did.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._names import default_cassette_name as _cassette_name
from ._names import with_suffix
from ._network import blocked_network

if TYPE_CHECKING:
    from ._vcr import VcrCassette

# The vcr adapter (``_vcr``, ``_urllib3``) and the cassette machinery behind it are imported by
# the first vcr-marked test: every suite loads this plugin, most never use a cassette.

__all__ = ["VCR_MOCK", "add_options"]

# The mock of a vcr-marked test; the ``openai_mock`` fixture hands out the same one.
VCR_MOCK = pytest.StashKey[Any]()
_MOCK_OPTIONS = ("base_url", "state")

_MARKERS = (
    "vcr: replay (or record) the test's HTTP traffic from its cassette",
    "block_network: block network access except for recording",
    "default_cassette: override the default cassette name",
    "allowed_hosts: regexes of hosts to which connections stay allowed",
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("openai_responses")
    group.addoption(
        "--block-network",
        action="store_true",
        default=False,
        help="Block network access except for recording.",
    )
    group.addoption(
        "--allowed-hosts",
        action="store",
        default=None,
        help="Regexes of hosts, separated by commas, to which connections stay allowed.",
    )
    group.addoption(
        "--disable-recording",
        action="store_true",
        default=False,
        help="Run vcr-marked tests without cassettes.",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in _MARKERS:
        config.addinivalue_line("markers", line)


@pytest.fixture(scope="session")
def record_mode(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("record_mode", default=None) or "none"


@pytest.fixture(scope="session")
def disable_recording(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("disable_recording", default=False))


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    """vcrpy options for every vcr-marked test; override it at any fixture level."""
    return {}


@pytest.fixture
def vcr_markers(request: pytest.FixtureRequest) -> list[pytest.Mark]:
    return list(request.node.iter_markers(name="vcr"))


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``cassettes/<module name>`` beside the test module."""
    module = Path(str(request.node.path))
    return str(module.parent / "cassettes" / module.stem)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("default_cassette")
    if marker is not None:
        assert marker.args, "pass the cassette name to @pytest.mark.default_cassette(name)"
        return str(marker.args[0])
    return _cassette_name(request.cls.__name__ if request.cls else None, request.node.name)


@pytest.fixture
def allowed_hosts(request: pytest.FixtureRequest) -> list[str] | None:
    marker = request.node.get_closest_marker("block_network")
    config = request.getfixturevalue("vcr_config")
    hosts = (
        (marker.kwargs.get("allowed_hosts") if marker else None)
        or request.config.getoption("allowed_hosts", default=None)
        or config.get("allowed_hosts")
    )
    return hosts.split(",") if isinstance(hosts, str) else hosts


@pytest.fixture(autouse=True)
def block_network(
    request: pytest.FixtureRequest, record_mode: str, vcr_markers: list[pytest.Mark]
) -> Iterator[None]:
    """Under ``--block-network`` (or the marker) sockets fail, unless the test records."""
    marker = request.node.get_closest_marker("block_network")
    if marker is not None and (marker.args or set(marker.kwargs) - {"allowed_hosts"}):
        raise pytest.UsageError(
            "block_network accepts only the keyword argument allowed_hosts; "
            f"got args {marker.args!r}, kwargs {marker.kwargs!r}"
        )
    mode = record_mode
    if vcr_markers and request.config.getoption("record_mode", default=None) is None:
        from ._vcr import merge_config

        merged = merge_config(request.getfixturevalue("vcr_config"), vcr_markers)
        mode = merged.get("record_mode", "none")
    wanted = marker is not None or request.config.getoption("block_network", default=False)
    if wanted and (not vcr_markers or mode == "none"):
        with blocked_network(request.getfixturevalue("allowed_hosts")):
            yield
    else:
        yield


@pytest.fixture(autouse=True)
def vcr(
    request: pytest.FixtureRequest,
    vcr_markers: list[pytest.Mark],
    vcr_cassette_dir: str,
    record_mode: str,
    disable_recording: bool,
) -> Iterator[VcrCassette | None]:
    """A vcr-marked test runs inside an OpenAIMock replaying its cassette (every host)."""
    if disable_recording or not vcr_markers:
        yield None
        return
    from ._urllib3 import urllib3_routed
    from ._vcr import VcrCassette, merge_config, resolve_record_mode, vcr_mock

    config: dict[str, Any] = merge_config(request.getfixturevalue("vcr_config"), vcr_markers)
    directory = Path(config.pop("cassette_library_dir", None) or vcr_cassette_dir)
    suffix = f".{config['serializer']}" if "serializer" in config else ".yaml"
    name = with_suffix(request.getfixturevalue("default_cassette_name"), suffix)
    extras = [directory / path for marker in vcr_markers for path in marker.args]
    mode = resolve_record_mode(request.config.getoption("record_mode", default=None), config)
    # An openai_mock marker may still give the mock its base URL and state.
    marker = request.node.get_closest_marker("openai_mock")
    kept = {k: v for k, v in (marker.kwargs if marker else {}).items() if k in _MOCK_OPTIONS}
    openai_mock = vcr_mock(directory / name, config, mode, extras, **kept)
    request.node.stash[VCR_MOCK] = openai_mock
    assert openai_mock.cassette is not None
    with openai_mock, urllib3_routed(openai_mock.router):  # `requests` users record too
        yield VcrCassette(openai_mock.cassette, mode)
