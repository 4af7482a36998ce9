"""The match index is built when a cassette is loaded, from keys cached with the parse: a warm
load canonicalises no recorded body, the first request costs what later ones do, and cached
keys are exactly the ones a fresh parse computes (or the cache is ignored)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

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
    assert list(disk_cache.glob("cassette-v*-*.json"))

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
    for entry in disk_cache.glob("*.json"):
        data = json.loads(entry.read_text())
        data["keys"] = data["keys"][:1]  # misaligned
        entry.write_text(json.dumps(data))
    _cache._MEMORY.clear()
    assert load_parsed(raw, "c") == fresh
    for entry in disk_cache.glob("*.json"):
        data = json.loads(entry.read_text())
        data["keys"][0][2][0] = "pickle"  # an unknown kind
        entry.write_text(json.dumps(data))
    _cache._MEMORY.clear()
    assert load_parsed(raw, "c") == fresh


@needs_corpus
def test_corpus_keys_survive_the_cache(tmp_path: Path, disk_cache: Path) -> None:
    for path in CORPUS_FILES:
        raw = path.read_bytes()
        fresh = load_parsed(raw, str(path))
        _cache._MEMORY.clear()
        assert load_parsed(raw, str(path)) == fresh, path
