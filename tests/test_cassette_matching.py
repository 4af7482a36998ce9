"""InteractionIndex: which recorded interaction answers a live request."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import CORPUS
from openai_responses._cassette import (
    Interaction,
    InteractionIndex,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    request_summary,
)

API = "https://api.openai.com/v1"


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def rec(
    method: str, url: str, body: bytes = b"", answer: str = "", headers: tuple = ()
) -> Interaction:
    return Interaction(
        RecordedRequest(method, url, headers, body),
        RecordedResponse(200, "OK", (), answer.encode()),
    )


def req(method: str, url: str, body: bytes = b"", **headers: str) -> httpx.Request:
    return httpx.Request(method, url, content=body, headers=headers)


def answer(interaction: Interaction | None) -> str | None:
    return None if interaction is None else interaction.response.body.decode()


def test_json_key_order_and_spacing_do_not_matter() -> None:
    index = InteractionIndex(
        [rec("POST", f"{API}/chat/completions", b'{"model": "a", "n": 1}', "A")]
    )
    assert answer(index.take(req("POST", f"{API}/chat/completions", b'{"n":1,"model":"a"}'))) == "A"


def test_pretty_printed_recorded_body_matches_compact_request() -> None:
    pretty = json.dumps({"model": "a", "input": ["x"]}, indent=2).encode()
    index = InteractionIndex([rec("POST", f"{API}/responses", pretty, "A")])
    assert (
        answer(index.take(req("POST", f"{API}/responses", b'{"input":["x"],"model":"a"}'))) == "A"
    )


def test_different_body_gets_its_own_answer_in_any_order() -> None:
    index = InteractionIndex(
        [
            rec("POST", f"{API}/chat/completions", b'{"prompt": "A"}', "answer A"),
            rec("POST", f"{API}/chat/completions", b'{"prompt": "B"}', "answer B"),
        ]
    )
    assert (
        answer(index.take(req("POST", f"{API}/chat/completions", b'{"prompt":"B"}'))) == "answer B"
    )
    assert (
        answer(index.take(req("POST", f"{API}/chat/completions", b'{"prompt":"A"}'))) == "answer A"
    )
    assert index.take(req("POST", f"{API}/chat/completions", b'{"prompt":"C"}')) is None


def test_method_host_path_must_match() -> None:
    index = InteractionIndex([rec("GET", f"{API}/models", answer="M")])
    assert index.take(req("POST", f"{API}/models")) is None
    assert index.take(req("GET", "https://other.example/v1/models")) is None
    assert index.take(req("GET", f"{API}/models/x")) is None
    assert answer(index.take(req("GET", f"{API}/models"))) == "M"


def test_headers_are_ignored() -> None:
    recorded = rec("GET", f"{API}/models", answer="M", headers=(("User-Agent", "a"),))
    index = InteractionIndex([recorded])
    assert (
        answer(
            index.take(
                req("GET", f"{API}/models", **{"user-agent": "b", "x-stainless-retry-count": "1"})
            )
        )
        == "M"
    )


def test_polling_identical_requests_answer_in_recorded_order() -> None:
    url = f"{API}/threads/t/runs/r"
    index = InteractionIndex([rec("GET", url, answer=f"poll {i}") for i in range(19)])
    answers = [answer(index.take(req("GET", url))) for _ in range(19)]
    assert answers == [f"poll {i}" for i in range(19)]
    assert index.take(req("GET", url)) is None
    assert index.unplayed() == []


def test_allow_playback_repeats_replays_the_last() -> None:
    url = f"{API}/threads/t/runs/r"
    index = InteractionIndex(
        [rec("GET", url, answer="1"), rec("GET", url, answer="2")], allow_playback_repeats=True
    )
    assert [answer(index.take(req("GET", url))) for _ in range(4)] == ["1", "2", "2", "2"]


def test_query_order_insensitive_but_values_matter() -> None:
    index = InteractionIndex([rec("GET", f"{API}/files?purpose=x&limit=2", answer="F")])
    assert index.take(req("GET", f"{API}/files?limit=3&purpose=x")) is None
    assert answer(index.take(req("GET", f"{API}/files?limit=2&purpose=x"))) == "F"


def test_ignore_json_paths() -> None:
    recorded = rec(
        "POST", f"{API}/responses", b'{"model":"m","metadata":{"run":"1","k":"v"},"user":"a"}', "R"
    )
    index = InteractionIndex([recorded], ignore_json_paths=["user", "metadata.run"])
    live = b'{"model":"m","metadata":{"run":"2","k":"v"},"user":"b"}'
    assert answer(index.take(req("POST", f"{API}/responses", live))) == "R"
    strict = InteractionIndex([recorded])
    assert strict.take(req("POST", f"{API}/responses", live)) is None


def test_match_on_replaces_body_comparison() -> None:
    recorded = rec("POST", f"{API}/responses", b'{"model":"m","seed":1}', "R")
    seen: list[RecordedRequest] = []

    def same_model(live: httpx.Request, recorded: RecordedRequest) -> bool:
        seen.append(recorded)
        return json.loads(live.content)["model"] == json.loads(recorded.body)["model"]

    index = InteractionIndex([recorded], match_on=same_model)
    assert index.take(req("POST", f"{API}/responses", b'{"model":"other"}')) is None
    assert answer(index.take(req("POST", f"{API}/responses", b'{"model":"m","seed":9}'))) == "R"
    assert seen


def _multipart_body(boundary: str, data: bytes = b"\x89PNG fake", name: str = "a.png") -> bytes:
    return httpx.Request(
        "POST",
        f"{API}/files",
        data={"purpose": "vision"},
        files={"file": (name, data, "image/png")},
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    ).read()


def test_multipart_with_different_boundaries_match() -> None:
    index = InteractionIndex([rec("POST", f"{API}/files", _multipart_body("aaaa1111"), "F")])
    live = httpx.Request(
        "POST",
        f"{API}/files",
        content=_multipart_body("bbbb2222"),
        headers={"content-type": "multipart/form-data; boundary=bbbb2222"},
    )
    assert b"aaaa1111" not in live.content
    assert answer(index.take(live)) == "F"


def test_multipart_different_file_bytes_or_name_do_not_match() -> None:
    index = InteractionIndex([rec("POST", f"{API}/files", _multipart_body("aaaa1111"), "F")])
    other = _multipart_body("cccc", data=b"other bytes")
    assert index.take(httpx.Request("POST", f"{API}/files", content=other)) is None
    renamed = _multipart_body("cccc", name="b.png")
    assert index.take(httpx.Request("POST", f"{API}/files", content=renamed)) is None


def test_crewai_style_base64_body_matches_real_multipart() -> None:
    stored = base64.b64encode(_multipart_body("e0c741e22d5bbf76")).decode()
    recorded = rec("POST", f"{API}/files", stored.encode(), "F")  # no headers: sniffed
    index = InteractionIndex([recorded])
    assert (
        answer(index.take(httpx.Request("POST", f"{API}/files", content=_multipart_body("zz99"))))
        == "F"
    )


def test_nearest_shows_diff_naming_the_field() -> None:
    index = InteractionIndex(
        [
            rec("POST", f"{API}/chat/completions", b'{"model":"gpt-4o","temperature":0}'),
            rec("GET", f"{API}/models"),
        ]
    )
    text = index.nearest(
        req("POST", f"{API}/chat/completions", b'{"model":"gpt-4o-mini","temperature":0}')
    )
    assert "nearest recorded request: #0 POST" in text
    assert '-  "model": "gpt-4o",' in text
    assert '+  "model": "gpt-4o-mini",' in text
    assert InteractionIndex([]).nearest(req("GET", f"{API}/models")) == ""


def test_nearest_explains_exhausted_copies() -> None:
    index = InteractionIndex([rec("GET", f"{API}/models")])
    index.take(req("GET", f"{API}/models"))
    assert "already played" in index.nearest(req("GET", f"{API}/models"))


def test_add_counts_as_played_and_feeds_repeats() -> None:
    index = InteractionIndex([rec("GET", f"{API}/a", answer="old")], allow_playback_repeats=True)
    assert answer(index.take(req("GET", f"{API}/a"))) == "old"
    index.add(rec("GET", f"{API}/a", answer="new"))
    assert index.unplayed() == []
    assert answer(index.take(req("GET", f"{API}/a"))) == "new"
    index.add(rec("GET", f"{API}/b", answer="b"))
    assert answer(index.take(req("GET", f"{API}/b"))) == "b"


def test_unplayed_in_recorded_order() -> None:
    items = [rec("GET", f"{API}/x{i}", answer=str(i)) for i in range(3)]
    index = InteractionIndex(items)
    index.take(req("GET", f"{API}/x1"))
    assert index.unplayed() == [items[0], items[2]]


def test_recorded_bodies_are_canonicalised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_responses._cassette import _index

    calls: list[bytes] = []
    real = _index.canonical_body

    def counting(body: bytes, *args: Any) -> object:
        calls.append(body)
        return real(body, *args)

    monkeypatch.setattr(_index, "canonical_body", counting)
    items = [rec("POST", f"{API}/embeddings", json.dumps({"input": i}).encode()) for i in range(50)]
    index = InteractionIndex(items)
    for i in range(50):
        assert index.take(req("POST", f"{API}/embeddings", json.dumps({"input": i}).encode()))
    assert len(calls) == 50 + 50  # each recorded body once, each live request once


def test_request_summary() -> None:
    line = request_summary("post", f"{API}/chat/completions", b'{"model":"gpt-4o","stream":true}')
    assert line.startswith(
        "POST https://api.openai.com/v1/chat/completions (model='gpt-4o', stream=True"
    )
    assert "\n" not in line
    assert request_summary("GET", f"{API}/models", b"") == f"GET {API}/models"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus absent")
def test_corpus_polling_cassette_replays_in_order() -> None:
    interactions = load_cassette(CORPUS / "openllmetry" / "test_new_assistant_with_polling.yaml")
    index = InteractionIndex(interactions)
    for interaction in interactions:
        live = httpx.Request(
            interaction.request.method, interaction.request.url, content=interaction.request.body
        )
        assert index.take(live) is interaction
    assert index.unplayed() == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus absent")
def test_corpus_every_interaction_matches_itself() -> None:
    for path in sorted(CORPUS.glob("*/*.yaml")):
        interactions = load_cassette(path)
        index = InteractionIndex(interactions)
        for interaction in interactions:
            live = httpx.Request(
                interaction.request.method,
                interaction.request.url,
                content=interaction.request.body,
            )
            assert index.take(live) is not None, (path, interaction.request.url)
