"""The pytest plugin (entry point ``pytest11``): the ``openai_mock`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._mock import OpenAIMock

__all__ = ["openai_mock"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "openai_mock(base_url=None, **options): options of the openai_mock fixture",
    )


@pytest.fixture
def openai_mock(request: pytest.FixtureRequest) -> Iterator[OpenAIMock]:
    """An entered OpenAIMock; options come from ``@pytest.mark.openai_mock(...)``."""
    marker = request.node.get_closest_marker("openai_mock")
    options = dict(marker.kwargs) if marker else {}
    with OpenAIMock(**options) as mock:
        yield mock
