"""The fast YAML path (built from libyaml's events) reads every document exactly as PyYAML's
safe constructor does, or declines and lets the constructor decide: real-world files, YAML 1.1
typing traps, tags, anchors, malformed input and generated documents in every scalar style."""

from __future__ import annotations

import gc
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS_FILES, needs_corpus
from openai_responses._cassette import _yaml
from openai_responses._cassette._yaml import dump_yaml, load_yaml


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 vs True vs 1.0 count as different)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def reference(data: bytes) -> Any:
    return _yaml._load_with_constructor(data)


def fast_or_declined(data: bytes) -> tuple[bool, Any]:
    try:
        return True, _yaml._build_from_events(data)
    except _yaml._Unusual:
        return False, None


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_reads_identically(path: Path) -> None:
    data = path.read_bytes()
    fast, built = fast_or_declined(data)
    if fast:
        assert same(built, reference(data))
    else:  # only the python-tagged (dd-trace istr) files need the full constructor
        assert b"!!python/" in data
    assert same(load_yaml(data), reference(data))


@needs_corpus
def test_most_of_the_corpus_takes_the_fast_path() -> None:
    fast = [p for p in CORPUS_FILES if fast_or_declined(p.read_bytes())[0]]
    assert len(fast) >= len(CORPUS_FILES) - 2


# YAML 1.1 typing (PyYAML) that YAML 1.2 parsers read differently, and constructs that only
# the full constructor handles.
TRAPS = [
    "a: yes\nb: on\nc: Off\nd: y\ne: NO",
    "a: 012\nb: 0o12\nc: 0x1F\nd: 0b101\ne: 1_000\nf: 1:20\ng: +1\nh: -0",
    "a: 1e3\nb: 1.0e+3\nc: .5\nd: 1.\ne: .inf\nf: -.INF\ng: .NaN\nh: 0.1e1\ni: 1e400",
    "a: 2024-01-01\nb: 2001-12-14t21:59:43.10-05:00\nc: '2024-01-01'",
    "a: ~\nb: Null\nc:\nd: ''\ne: null",
    "a: !!binary aGk=\nb: !!str 12\nc: !!int '7'\nd: !!float '1'\ne: !!null ''",
    "a: !!python/str x",
    "a: !!python/object/apply:os.system [echo]",
    "a: &x 1\nb: *x",
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2",
    "a: =",
    "? [1, 2]\n: x",
    "? {a: 1}\n: x",
    "{a: 1, a: 2}",
    "a: 1\n---\nb: 2",
    "--- 1\n...\n",
    "",
    "# only a comment\n",
    "a: 'it''s'\nb: \"t\\tb\\N\\x85\"\nc: |\n  x\n  y\nd: |-\n  x\n\ne: |+\n  x\n\n",
    'a: b\n  c\nd: "l1\n\n  l2"',
    "[1, {a: [2, 3]}, yes]",
    "a: [unclosed",
    "a: b: c",
    "a:\n\t- tab",
    "%YAML 1.1\n---\na: 1",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1",
    "a: !custom 1",
    "a: !!omap [{x: 1}]",
    "a: !!set {x}",
    "[" * 300 + "]" * 300,
]


@pytest.mark.parametrize("text", TRAPS)
def test_traps_read_as_pyyaml_reads_them(text: str) -> None:
    data = text.encode()
    try:
        expected: Any = reference(data)
    except Exception as exc:  # the same error, raised by the same code, whichever path
        with pytest.raises(type(exc)):
            load_yaml(data)
        return
    assert same(load_yaml(data), expected)
    fast, built = fast_or_declined(data)
    if fast:
        assert same(built, expected)


def test_the_garbage_collector_is_paused_only_during_the_load() -> None:
    enabled: list[bool] = []
    original = _yaml._build

    def spy(*args: Any) -> Any:
        enabled.append(gc.isenabled())
        return original(*args)

    _yaml._build = spy  # type: ignore[assignment]
    try:
        assert gc.isenabled()
        load_yaml(b"a: 1")
        assert enabled == [False]
        assert gc.isenabled()
        with pytest.raises(yaml.YAMLError):
            load_yaml(b"a: [")
        assert gc.isenabled()
        gc.disable()
        load_yaml(b"a: 1")
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()
        _yaml._build = original  # type: ignore[assignment]


# Strings that look like other types to YAML 1.1 or 1.2, and characters that styles must escape.
TRICKY = st.sampled_from(
    [
        "yes", "No", "on", "012", "0o7", "1_000", "1:20", "1e3", ".inf", "~", "null", "",
        "2024-01-01", "<<", "=", "-", "- x", "a: b", "#c", "!tag", "&a", "*a", "'", '"',
        " lead", "trail ", "\t", "\r\n", "\x85", "\u2028", "😀", "\ud800", "a\n\nb\n",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.binary(max_size=20),
    TRICKY,
    st.text(max_size=30),
    st.lists(TRICKY, max_size=4).map("\n".join),
)
KEYS = st.one_of(TRICKY, st.text(max_size=10), st.integers(), st.booleans(), st.none())
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=25,
)
STYLES = st.sampled_from([None, "'", '"', "|", ">"])


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, STYLES, st.booleans())
def test_generated_documents_read_as_pyyaml_reads_them(
    value: Any, style: str | None, flow: bool
) -> None:
    try:
        text = yaml.safe_dump(value, default_style=style, default_flow_style=flow)
    except yaml.YAMLError:
        return  # e.g. a lone surrogate: not writable
    data = text.encode("utf-8", "surrogatepass")
    try:
        expected: Any = reference(data)
    except yaml.YAMLError:
        return
    assert same(load_yaml(data), expected)


@settings(max_examples=100, deadline=None)
@given(DOCUMENTS)
def test_documents_our_dumper_writes_take_the_fast_path(value: Any) -> None:
    try:
        data = dump_yaml(value).encode("utf-8")
        expected = reference(data)
    except (yaml.YAMLError, UnicodeEncodeError):
        return  # e.g. an escaped lone surrogate, which no YAML reader takes back
    fast, built = fast_or_declined(data)
    assert fast
    assert same(built, expected)


def streamed(path: Path) -> Any:
    from openai_responses._cassette import _cache
    from openai_responses._cassette._merge import Snapshot

    _cache._MEMORY.clear()
    return Snapshot.load(path)[1].interactions


@needs_corpus
def test_corpus_files_stream_as_they_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a replaying session reads (streamed from the file) is what the bytes give."""
    from openai_responses._cassette import _cache, load_cassette

    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", "off")
    for path in CORPUS_FILES:
        _cache._MEMORY.clear()
        assert streamed(path) == load_cassette(path), path


@pytest.mark.parametrize(
    "text",
    [
        "interactions:\n- request: {method: GET}\n",
        "version: 1\ninteractions:\n- request:\n    method: GET\n    uri: [unclosed\n",
        "version: 2\ninteractions: []\n",
        "interactions: &a [*a]\n",
        "- just a list\n",
        "interactions:\n- !!python/object/apply:os.system [echo]\n",
    ],
)
def test_defects_stream_to_the_same_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    from openai_responses._cassette import CassetteFormatError, load_cassette

    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", "off")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CassetteFormatError) as from_bytes:
        load_cassette(path)
    with pytest.raises(CassetteFormatError) as from_stream:
        streamed(path)
    assert str(from_stream.value) == str(from_bytes.value)
