"""What a test run tells about its cassettes: a section of pytest's terminal summary (per
cassette: replayed, recorded, unplayed, drift findings, verify results) and the index of the
cassettes it opened, under pytest's cache directory, that ``openai-responses cassette
orphans DIR`` reads.

Sessions report to ``_freshness`` when they close; this plugin takes the reports after each
test. Under pytest-xdist each worker sends its totals to the controller when it finishes
(``workeroutput``), where the summary and the index are made.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .. import _freshness
from .._freshness import CassetteUsage

__all__ = ["INDEX_KEY", "CassetteReport", "add_options"]

INDEX_KEY = "openai_responses/opened"
_WORKER_KEY = "openai_responses_cassettes"


def add_options(parser: pytest.Parser) -> None:
    parser.addini(
        "openai_cassette_max_age",
        "Recordings older than this ('30d', '12h') are expired (see on_expiry)",
        default=None,
    )
    parser.addini(
        "openai_check_drift",
        "Read replayed cassettes against the installed openai SDK's types (default true)",
        type="bool",
        default=True,
    )
    parser.getgroup("openai_responses").addoption(
        "--openai-unplayed",
        action="store",
        default=None,
        choices=("ignore", "warn", "fail"),
        dest="openai_unplayed",
        help="What a test that leaves recorded interactions unplayed gets (beats unplayed=).",
    )


class CassetteReport:
    """Registered once per pytest run; collects the cassette usage of every test."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.usage: dict[str, CassetteUsage] = {}
        _freshness.reset()

    def _take(self, reports: list[CassetteUsage]) -> None:
        for report in reports:
            known = self.usage.setdefault(report.path, CassetteUsage(report.path))
            known.add(report)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self._take(_freshness.drain())

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._take(_freshness.drain())
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller reports
            workeroutput[_WORKER_KEY] = [usage.as_dict() for usage in self.usage.values()]
            return
        cache = getattr(self.config, "cache", None)
        if cache is not None and self.usage:
            root = str(self.config.rootpath)
            cache.set(INDEX_KEY, {"root": root, "opened": sorted(self.usage)})

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self._take([CassetteUsage.from_dict(item) for item in output.get(_WORKER_KEY, ())])

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.usage:
            return
        write = terminalreporter.write_line
        terminalreporter.write_sep("-", "openai_responses cassettes")
        root = self.config.rootpath
        shown = sorted(self.usage.items())
        if len(shown) > _ALL_UP_TO and terminalreporter.verbosity <= 0:
            shown = [(path, usage) for path, usage in shown if _noteworthy(usage)]
            write("(cassettes with unplayed, drifted or differing answers; -v lists all)")
        for path, usage in shown:
            write(f"{_relative(path, root)}: {_counts(usage)}")
        total = {
            name: sum(getattr(usage, name) for usage in self.usage.values())
            for name in ("replayed", "recorded", "unplayed", "drift")
        }
        write(
            f"{len(self.usage)} cassette(s): {total['replayed']} replayed, {total['recorded']} "
            f"recorded, {total['unplayed']} unplayed, {total['drift']} drift finding(s)"
        )


# Beyond this many cassettes, only those worth a look are listed (unless -v).
_ALL_UP_TO = 30


def _noteworthy(usage: CassetteUsage) -> bool:
    return bool(usage.unplayed or usage.drift or usage.differed)


def _counts(usage: CassetteUsage) -> str:
    parts = [
        f"{usage.replayed} replayed",
        f"{usage.recorded} recorded",
        f"{usage.unplayed} unplayed",
        f"{usage.drift} drift",
    ]
    if usage.verified:
        parts.append(f"{usage.verified} verified, {usage.differed} differed")
    return ", ".join(parts)


def _relative(path: str, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:  # another drive (Windows)
        return path
