"""Cassettes recorded by other SDK versions and tools: what matches, and what fails loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

import openai_responses
from openai_responses import CassetteFormatError, CassetteMismatchError, OpenAIMock
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    canonical_body,
    save_cassette,
)
from openai_responses._cassette._canonical import sdk_injected

BASE = "https://api.openai.com/v1"
FLOATS = [0.25, -0.5, 0.125]


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def _embeddings_cassette(tmp_path: Path, request_body: bytes) -> Path:
    """An embeddings recording as an SDK that sent `request_body` would have left it."""
    path = tmp_path / "embeddings.yaml"
    answer = (
        b'{"object": "list", "model": "text-embedding-ada-002", '
        b'"data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5, 0.125]}], '
        b'"usage": {"prompt_tokens": 1, "total_tokens": 1}}'
    )
    request = RecordedRequest("POST", f"{BASE}/embeddings", (), request_body)
    response = RecordedResponse(200, "OK", (("Content-Type", "application/json"),), answer)
    save_cassette(path, [Interaction(request, response)])
    return path


def _client() -> openai.OpenAI:
    # No retries: openai 2.x turns a cassette miss into a retried APIConnectionError.
    return openai.OpenAI(api_key="sk-test", base_url=BASE, max_retries=0)


def test_old_embeddings_recording_matches_todays_sdk_default(tmp_path: Path) -> None:
    # Recorded before the SDK added "encoding_format": "base64" to every embeddings request.
    path = _embeddings_cassette(tmp_path, b'{"input": "hi", "model": "text-embedding-ada-002"}')
    with OpenAIMock(cassette=path, unplayed="fail"):
        answer = _client().embeddings.create(model="text-embedding-ada-002", input="hi")
    assert answer.data[0].embedding == FLOATS


def test_an_explicit_format_is_not_an_sdk_default(tmp_path: Path) -> None:
    recorded = b'{"input": "hi", "model": "text-embedding-ada-002", "encoding_format": "float"}'
    path = _embeddings_cassette(tmp_path, recorded)
    with pytest.raises(CassetteMismatchError), OpenAIMock(cassette=path):
        _client().embeddings.create(model="text-embedding-ada-002", input="hi")


def test_sdk_injected_fields_only_for_their_endpoint() -> None:
    body = b'{"model": "m", "input": "x", "encoding_format": "base64"}'
    embeddings = sdk_injected("POST", "/api/v1/embeddings")  # any base URL
    assert canonical_body(body, (), embeddings) == canonical_body(b'{"model":"m","input":"x"}')
    assert sdk_injected("POST", "/v1/chat/completions") == {}
    assert sdk_injected("GET", "/v1/embeddings") == {}


UNREADABLE: dict[str, tuple[str, str]] = {
    "broken YAML": ("interactions: [\n", "invalid YAML"),
    "not a cassette": ("just: text\n", "no top-level 'interactions' key"),
    "interaction without request": ("interactions:\n- response: {}\n", "interaction 0"),
    # A python tag other than multidict's istr is refused, never instantiated.
    "python object tag": (
        "interactions:\n- !!python/object/apply:os.system ['true']\nversion: 1\n",
        "invalid YAML",
    ),
}


@pytest.mark.parametrize("record_mode", ["none", "new_episodes"])
@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_cassette_names_file_and_reason_and_stays_untouched(
    tmp_path: Path, case: str, record_mode: str
) -> None:
    text, reason = UNREADABLE[case]
    path = tmp_path / "theirs.yaml"
    path.write_text(text)

    @openai_responses.mock(cassette=str(path), record_mode=record_mode)
    def test() -> Any:
        raise AssertionError("the test must not run on an unreadable cassette")

    with pytest.raises(CassetteFormatError) as caught:
        test()
    assert str(path) in str(caught.value) and reason in str(caught.value)
    assert path.read_text() == text
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == ["theirs.yaml"]
