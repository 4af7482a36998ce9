"""The match index is built when a cassette is loaded, from keys cached with the parse: a warm
load canonicalises no recorded body, the first request costs what later ones do, and cached
keys are exactly the ones a fresh parse computes (or the cache is ignored)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS_FILES, needs_corpus
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    _cache,
    _canonical,
    _index,
    _keys,
    save_cassette,
)
from openai_responses._cassette._keys import Parsed
from openai_responses._cassette._load import load_parsed
from openai_responses._session import CassetteOptions, CassetteSession

URL = "https://api.openai.com/v1/chat/completions"


def chat(prompt: str) -> Interaction:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": prompt}]})
    return Interaction(
        RecordedRequest("POST", URL, (("content-type", "application/json"),), body.encode()),
        RecordedResponse(200, "OK", (), json.dumps({"answer": prompt}).encode()),
    )


def live(prompt: str) -> httpx.Request:
    body = {"messages": [{"content": prompt, "role": "user"}], "model": "m"}  # other key order
    return httpx.Request("POST", URL, json=body)


@pytest.fixture
def disk_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(directory))
    monkeypatch.setattr(_cache, "MIN_SIZE", 0)
    monkeypatch.setattr(_cache, "_MEMORY", type(_cache._MEMORY)())
    return directory


@pytest.fixture
def canonicalised(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every body canonicalised from now on, wherever (loader keys, index, live requests)."""
    bodies: list[bytes] = []
    original = _canonical.canonical_body

    def counting(body: bytes, *args: Any, **kwargs: Any) -> Any:
        bodies.append(body)
        return original(body, *args, **kwargs)

    for module in (_keys, _index):
        monkeypatch.setattr(module, "canonical_body", counting)
    yield bodies


def test_a_warm_load_canonicalises_no_recorded_body(
    tmp_path: Path, disk_cache: Path, canonicalised: list[bytes]
) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, [chat(f"filler {n}") for n in range(200)] + [chat("wanted")])
    load_parsed(path.read_bytes(), str(path))  # cold: parse and keys, now on disk
    assert len(canonicalised) == 201
    assert list(disk_cache.glob("cassette-v*-*.bin"))

    _cache._MEMORY.clear()  # a new process: only the disk cache is left
    canonicalised.clear()
    session = CassetteSession(path, CassetteOptions())
    assert canonicalised == []  # index built, from cached keys
    answer = session.replay(live("wanted"))
    assert answer is not None and answer.json() == {"answer": "wanted"}
    assert len(canonicalised) == 1  # the live request's own key, nothing recorded


def test_the_first_request_does_not_build_the_index(
    tmp_path: Path, canonicalised: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", "off")
    path = tmp_path / "c.yaml"
    save_cassette(path, [chat(f"filler {n}") for n in range(50)] + [chat("wanted")])
    # Ignored JSON paths change the keys: the index computes its own, at construction.
    session = CassetteSession(path, CassetteOptions(ignore_json_paths=("model",)))
    canonicalised.clear()
    assert session.replay(live("wanted")) is not None
    assert len(canonicalised) == 1


BODIES = [
    b"",
    b"   ",
    b'{"b": 1, "a": [1, 2.5, null, "\\u00e9"]}',
    b'{"model": "text-embedding-3-small", "input": "x", "encoding_format": "base64"}',
    b"[" * 3000 + b"]" * 3000,  # deeper than JSON parses: compared as bytes
    b"plain text \xff\xfe not utf-8",
    b'--b0\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
    b'--b0\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n\x00\xff{}\r\n--b0--\r\n",
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
@pytest.mark.parametrize("url", [URL, "https://example.com:8443/v1/embeddings?b=2&a=1&a=0"])
def test_cached_keys_are_the_computed_keys(
    tmp_path: Path, disk_cache: Path, body: bytes, url: str
) -> None:
    interaction = Interaction(
        RecordedRequest("POST", url, (), body), RecordedResponse(200, "OK", (), b"{}")
    )
    path = tmp_path / "c.yaml"
    save_cassette(path, [interaction, chat("x")])
    raw = path.read_bytes()
    fresh = load_parsed(raw, "c")
    _cache._MEMORY.clear()
    cached = load_parsed(raw, "c")
    assert cached == fresh
    assert cached.keys == [_keys.match_keys(i) for i in cached.interactions]


def test_a_cache_entry_with_bad_keys_is_ignored(tmp_path: Path, disk_cache: Path) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, [chat("a"), chat("b")])
    raw = path.read_bytes()
    fresh = load_parsed(raw, "c")
    for entry in disk_cache.glob("*.bin"):
        data, bodies = _cache.split(entry.read_bytes())
        data["keys"] = data["keys"][:1]  # misaligned
        entry.write_bytes(_cache.joined(data, bodies))
    _cache._MEMORY.clear()
    assert load_parsed(raw, "c") == fresh
    for entry in disk_cache.glob("*.bin"):
        data, bodies = _cache.split(entry.read_bytes())
        data["keys"][0][2][0] = "pickle"  # an unknown kind
        entry.write_bytes(_cache.joined(data, bodies))
    _cache._MEMORY.clear()
    assert load_parsed(raw, "c") == fresh


# Each way an entry's parts can stop agreeing; the cassette then reads as parsed from YAML.
_TAMPERINGS = {
    "a negative header set index": lambda data, bodies: (_row(data, 2, -1), bodies),
    "a header set index past the end": lambda data, bodies: (_row(data, 6, 99), bodies),
    "a body longer than the bytes": lambda data, bodies: (_row(data, 7, 10**9), bodies),
    "a negative body length": lambda data, bodies: (_row(data, 3, -1), bodies),
    "a fractional body length": lambda data, bodies: (_row(data, 3, 1.5), bodies),
    "bytes left over": lambda data, bodies: (data, bodies + b"x"),
    "bytes missing": lambda data, bodies: (data, bodies[:-1]),
    "a header row of three": lambda data, bodies: (_headers(data, [["a", "b", "c"]]), bodies),
    "a header name that is a number": lambda data, bodies: (_headers(data, [[1, "b"]]), bodies),
}


def _row(data: dict[str, Any], field: int, value: Any) -> dict[str, Any]:
    data["interactions"][0][field] = value
    return data


def _headers(data: dict[str, Any], rows: list[list[Any]]) -> dict[str, Any]:
    data["headers"][0] = rows
    return data


@pytest.mark.parametrize("tamper", _TAMPERINGS.values(), ids=list(_TAMPERINGS))
def test_an_entry_whose_parts_disagree_is_ignored(
    tmp_path: Path, disk_cache: Path, tamper: Any
) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, [chat("a"), chat("b")])
    raw = path.read_bytes()
    fresh = load_parsed(raw, "c")
    (entry,) = disk_cache.glob("*.bin")
    entry.write_bytes(_cache.joined(*tamper(*_cache.split(entry.read_bytes()))))
    _cache._MEMORY.clear()
    assert load_parsed(raw, "c") == fresh


def test_a_truncated_entry_is_ignored(tmp_path: Path, disk_cache: Path) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, [chat("a"), chat("b")])
    raw = path.read_bytes()
    fresh = load_parsed(raw, "c")
    (entry,) = disk_cache.glob("*.bin")
    whole = entry.read_bytes()
    for size in (0, 10, len(whole) // 2, len(whole) - 1):
        entry.write_bytes(whole[:size])
        _cache._MEMORY.clear()
        assert load_parsed(raw, "c") == fresh, size


@needs_corpus
def test_corpus_keys_survive_the_cache(tmp_path: Path, disk_cache: Path) -> None:
    for path in CORPUS_FILES:
        raw = path.read_bytes()
        fresh = load_parsed(raw, str(path))
        _cache._MEMORY.clear()
        assert load_parsed(raw, str(path)) == fresh, path


_TEXT = st.text(st.characters(), max_size=12)  # any code point, lone surrogates included
_HEADER_SETS = st.lists(st.tuples(_TEXT, _TEXT), max_size=3).map(tuple)
_INTERACTIONS = st.builds(
    Interaction,
    st.builds(
        RecordedRequest,
        st.sampled_from(["GET", "POST"]),
        st.sampled_from([URL, "https://example.com:8443/v1/files?b=%C3%A9&a=1"]),
        _HEADER_SETS,
        st.binary(),
    ),
    st.builds(RecordedResponse, st.integers(100, 599), _TEXT, _HEADER_SETS, st.binary()),
    st.none() | st.datetimes(timezones=st.just(timezone.utc)),
    st.none() | st.lists(st.floats(0, 1e6), max_size=4).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_INTERACTIONS, max_size=6))
def test_any_parse_comes_back_from_its_entry_exactly(interactions: list[Interaction]) -> None:
    # Bodies of any bytes, shared and distinct header sets, text JSON escapes must carry.
    keys = [_keys.match_keys(i) for i in interactions]
    entry = _cache._written(Parsed(interactions, keys))
    assert _cache._read(entry) == Parsed(interactions, keys)
