"""Cassette file format: lenient loading of the real-world corpus, saving, filters, secrets."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from vcr.request import Request as VcrRequest
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serialize import serialize as vcr_serialize
from vcr.serializers import yamlserializer

from conftest import CORPUS, CORPUS_FILES, corpus_dir, needs_corpus
from openai_responses._cassette import (
    CassetteFormatError,
    CassetteSecretError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    RecordFilters,
    _save,
    canonical_body,
    interaction_from_exchange,
    load_cassette,
    response_to_httpx,
    save_cassette,
)


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Keep the parsed-cassette cache out of the user's home during tests.
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file absent: {path}")
    return path


@needs_corpus
def test_corpus_has_61_files() -> None:
    assert len(CORPUS_FILES) == 61


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_loads(path: Path) -> None:
    interactions = load_cassette(path)
    expected = len(re.findall(rb"^- request:", path.read_bytes(), flags=re.MULTILINE))
    assert len(interactions) == expected > 0
    for interaction in interactions:
        response = interaction.response
        assert not response.body.startswith(b"\x1f\x8b"), "response body still gzip"
        assert response.header("content-encoding") is None
        assert interaction.request.method.isupper()
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in response.headers)
        assert all(isinstance(k, str) for k, _ in interaction.request.headers)


def test_corpus_directory_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CORPUS", str(tmp_path))
    assert corpus_dir() == tmp_path


@needs_corpus
def test_parsed_body_request_is_json() -> None:
    first = load_cassette(corpus("pydantic-ai/test_openai_native_output.yaml"))[0]
    assert json.loads(first.request.body)["model"] == "gpt-4o"
    assert json.loads(first.response.body)["object"] == "chat.completion"


@needs_corpus
def test_istr_header_keys_become_str() -> None:
    for name in ("openai_chat_completions_post_01c947d6", "openai_chat_completions_post_930afee9"):
        request = load_cassette(corpus(f"dd-trace-py/{name}.yaml"))[0].request
        assert all(type(key) is str for key, _ in request.headers)
        assert request.header("accept") == "application/json"
        assert request.header("CONTENT-TYPE") == "application/json"


@needs_corpus
def test_stale_gzip_header_dropped_body_kept() -> None:
    response = load_cassette(corpus("dd-trace-py/openai_chat_completions_post_930afee9.yaml"))[0]
    assert json.loads(response.response.body)["object"] == "chat.completion"


@needs_corpus
def test_otel_scalar_headers_become_pairs() -> None:
    interactions = load_cassette(corpus("otel-contrib/test_chat_completion_404.yaml"))
    headers = interactions[0].response.headers
    assert ("openai-organization", "test_openai_org_id") in headers
    assert all(isinstance(pair, tuple) and len(pair) == 2 for pair in headers)


@needs_corpus
def test_legacy_httpx_content_bodies() -> None:
    interaction = load_cassette(corpus("dd-trace-py/chat_completion.yaml"))[0]
    assert interaction.response.status == 200
    assert interaction.response.reason == "OK"
    assert json.loads(interaction.response.body)["object"] == "chat.completion"


@needs_corpus
def test_headerless_files_load() -> None:
    interactions = load_cassette(corpus("openinference/test_tool_calls.yaml"))
    assert interactions and all(i.request.headers == () for i in interactions)
    assert all(i.response.headers == () for i in interactions)


@needs_corpus
def test_gzip_binary_bodies_are_decoded() -> None:
    interaction = load_cassette(corpus("openllmetry/test_chat_tool_calls.yaml"))[0]
    assert json.loads(interaction.response.body)
    assert interaction.response.header("content-length") is None


@needs_corpus
def test_crewai_base64_multipart_request_decoded() -> None:
    name = "crewai/TestOpenAIResponsesFileUploadIntegration.test_describe_image_with_file_id.yaml"
    upload = load_cassette(corpus(name))[0].request
    assert upload.body.startswith(b"--e0c741e22d5bbf76053b261d04dce90e\r\n")
    assert b"\x89PNG" in upload.body


@needs_corpus
def test_binary_audio_response_kept() -> None:
    interactions = load_cassette(corpus("logfire/test_voice_pipeline.yaml"))
    assert any(len(i.response.body) == 504000 for i in interactions)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("interactions: [\n  - {request: }\n  bad", "invalid YAML at line"),
        ("foo: 1\n", "no top-level 'interactions'"),
        ("interactions:\n- response: {status: {code: 200}}\n", "interaction 0: missing"),
        (
            "interactions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {}\n",
            "interaction 0: response has no valid status",
        ),
        ("interactions:\n- request: {uri: 'http://x'}\n  response: {status: 200}\n", "method"),
        ("interactions:\n- !!python/object/apply:os.system [echo hi]\n", "invalid YAML"),
    ],
)
def test_format_errors_name_file_and_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CassetteFormatError) as excinfo:
        load_cassette(path)
    assert str(path) in str(excinfo.value)
    assert reason in str(excinfo.value)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_cassette(tmp_path / "nope.yaml")


def test_body_shapes_str_bytes_dict_none(tmp_path: Path) -> None:
    data = {
        "interactions": [
            {
                "request": {"method": "post", "uri": "https://h/v1/x", "body": {"a": 1}},
                "response": {"status": 200, "body": {"string": b"\x00\x01"}},
            },
            {
                "request": {"method": "GET", "uri": "https://h/v1/x", "body": None},
                "response": {"status": {"code": 204, "message": "No Content"}, "body": None},
            },
        ]
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    first, second = load_cassette(path)
    assert first.request.method == "POST" and json.loads(first.request.body) == {"a": 1}
    assert first.response.body == b"\x00\x01"
    assert second.request.body == b"" and second.response.body == b""


def test_gzip_with_header_and_stale_header(tmp_path: Path) -> None:
    payload = b'{"ok": true}'
    data = {
        "interactions": [
            {
                "request": {"method": "GET", "uri": "https://h/a", "body": None, "headers": {}},
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Encoding": ["gzip"], "Content-Length": ["999"]},
                    "body": {"string": body},
                },
            }
            for body in (gzip.compress(payload), payload.decode())
        ],
        "version": 1,
    }
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(data))
    for interaction in load_cassette(path):
        assert interaction.response.body == payload
        assert interaction.response.headers == ()


# --- saving ------------------------------------------------------------------------------------


def _sample() -> list[Interaction]:
    sse = b'data: {"x": "\xf0\x9f\x8c\x8d"}\n\ndata: [DONE]\n\n'
    return [
        Interaction(
            RecordedRequest(
                "POST",
                "https://api.openai.com/v1/chat/completions",
                (("Content-Type", "application/json"), ("OpenAI-Beta", "assistants=v2")),
                b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
            ),
            RecordedResponse(
                200, "OK", (("content-type", "application/json"),), b'{"id":"chatcmpl-1"}'
            ),
        ),
        Interaction(
            RecordedRequest("POST", "https://api.openai.com/v1/responses", (), b'{"stream":true}'),
            RecordedResponse(200, "OK", (("content-type", "text/event-stream"),), sse),
        ),
        Interaction(
            RecordedRequest("GET", "https://api.openai.com/v1/files/f/content", (), b""),
            RecordedResponse(200, "OK", (("x-multi", "a"), ("x-multi", "b")), b"\xff\xfe\x00"),
        ),
    ]


def _framing_free(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    # Saving pretty-prints JSON, so a Content-Length that described the compact body goes.
    return [(k, v) for k, v in headers if k.lower() != "content-length"]


def _same(a: list[Interaction], b: list[Interaction]) -> None:
    assert len(a) == len(b)
    for left, right in zip(a, b, strict=True):
        assert left.request.method == right.request.method
        assert left.request.url == right.request.url
        assert _framing_free(left.request.headers) == _framing_free(right.request.headers)
        assert canonical_body(left.request.body) == canonical_body(right.request.body)
        assert (left.response.status, left.response.reason) == (
            right.response.status,
            right.response.reason,
        )
        assert _framing_free(left.response.headers) == _framing_free(right.response.headers)
        assert canonical_body(left.response.body) == canonical_body(right.response.body)


def test_save_then_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.yaml"
    save_cassette(path, _sample())
    loaded = load_cassette(path)
    _same(_sample(), loaded)
    assert loaded[1].response.body == _sample()[1].response.body  # SSE byte-exact
    assert loaded[2].response.body == b"\xff\xfe\x00"


def test_saved_file_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, _sample())
    text = path.read_text()
    assert '      "model": "gpt-4o",' in text  # JSON pretty-printed
    assert "string: |" in text  # SSE as a literal block
    assert "data: [DONE]" in text
    assert "🌍" in text  # emoji stay readable in the block
    assert "!!binary" in text
    assert text.startswith("version: 1\ninteractions:\n")  # version first: saves append


def test_saved_file_loads_in_vcrpy(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, _sample())
    requests, responses = vcr_deserialize(path.read_text(), yamlserializer)
    assert [r.method for r in requests] == ["POST", "POST", "GET"]
    assert requests[0].uri == "https://api.openai.com/v1/chat/completions"
    assert json.loads(requests[0].body)["model"] == "gpt-4o"
    assert responses[0]["status"] == {"code": 200, "message": "OK"}
    assert responses[1]["body"]["string"] == _sample()[1].response.body
    assert responses[2]["headers"]["x-multi"] == ["a", "b"]


def test_vcrpy_written_cassette_loads(tmp_path: Path) -> None:
    request = VcrRequest("POST", "https://api.openai.com/v1/embeddings", b'{"input": "x"}', {})
    request.headers = {"Content-Type": "application/json"}
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/json"]},
        "body": {"string": b'{"object": "list"}'},
    }
    text = vcr_serialize({"requests": [request], "responses": [response]}, yamlserializer)
    path = tmp_path / "vcr.yaml"
    path.write_text(text)
    (interaction,) = load_cassette(path)
    assert interaction.request.url == "https://api.openai.com/v1/embeddings"
    assert interaction.request.header("content-type") == "application/json"
    assert json.loads(interaction.response.body) == {"object": "list"}


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_resaved_is_stable_and_vcrpy_readable(tmp_path: Path, path: Path) -> None:
    original = load_cassette(path)
    target = tmp_path / "resaved.yaml"
    save_cassette(target, original)
    again = load_cassette(target)
    _same(original, again)
    requests, _ = vcr_deserialize(target.read_text(), yamlserializer)
    assert len(requests) == len(original)


def test_secret_refusal_leaves_old_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, _sample())
    before = path.read_bytes()
    leaky = [
        Interaction(
            RecordedRequest("POST", "https://h/v1/x", (), b'{"key": "sk-live-123456789"}'),
            RecordedResponse(200, "OK", (), b"{}"),
        )
    ]
    with pytest.raises(CassetteSecretError) as excinfo:
        save_cassette(path, leaky, secrets=["sk-live-123456789"])
    assert "sk-live-123456789" not in str(excinfo.value)
    assert "interaction 0 request body" in str(excinfo.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_crash_mid_save_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, _sample())
    before = path.read_bytes()

    def explode(fd: int) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(_save.os, "fsync", explode)
    with pytest.raises(OSError, match="disk on fire"):
        save_cassette(path, _sample()[:1])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_crash_in_dumper_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, _sample())
    before = path.read_bytes()

    def explode(data: object) -> str:
        raise RuntimeError("dumper broke")

    monkeypatch.setattr(_save, "dump_yaml", explode)
    with pytest.raises(RuntimeError):
        save_cassette(path, _sample()[:1])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


# --- recording filters -------------------------------------------------------------------------

SECRET_HEADERS = {
    "Authorization": "Bearer sk-proj-abcdefghijklmnop",
    "api-key": "azure-key-123",
    "OpenAI-Organization": "org-secret",
    "OpenAI-Project": "proj_secretsecret",
    "Cookie": "__cf_bm=cookievalue",
}


def _live_request(
    body: bytes = b'{"model":"gpt-4o","user":"u1","metadata":{"key":"v"}}',
) -> httpx.Request:
    headers = {**SECRET_HEADERS, "Content-Type": "application/json", "X-Stainless-Retry-Count": "0"}
    headers["User-Agent"] = "OpenAI/Python 2.0"
    return httpx.Request(
        "POST", "https://api.openai.com/v1/chat/completions?b=2&a=1", headers=headers, content=body
    )


RESPONSE_HEADERS = [
    ("content-type", "application/json"),
    ("Set-Cookie", "__cf_bm=abc; path=/"),
    ("openai-organization", "org-secret"),
    ("openai-project", "proj_secretsecret"),
    ("CF-RAY", "123-AMS"),
    ("x-ratelimit-remaining-tokens", "100"),
    ("date", "Mon"),
    ("x-request-id", "req_1"),
    ("openai-poll-after-ms", "1000"),
    ("retry-after-ms", "20"),
    ("content-encoding", "gzip"),
]


def test_secret_headers_never_reach_the_file(tmp_path: Path) -> None:
    body = gzip.compress(b'{"id":"chatcmpl-1"}')
    # drop_noise_headers=False: secrets are filtered even when the user keeps everything else.
    interaction = interaction_from_exchange(
        _live_request(),
        200,
        RESPONSE_HEADERS,
        body,
        filters=RecordFilters(drop_noise_headers=False),
    )
    assert interaction is not None
    path = tmp_path / "c.yaml"
    save_cassette(path, [interaction], secrets=["sk-proj-abcdefghijklmnop"])
    text = path.read_text().lower()
    for needle in ("authorization", "api-key", "openai-organization", "openai-project", "cookie"):
        assert needle not in text
    assert "sk-proj" not in text and "org-secret" not in text and "__cf_bm" not in text
    assert "x-stainless-retry-count" in text  # noise kept on request when asked
    assert interaction.response.body == b'{"id":"chatcmpl-1"}'  # gzip decoded before saving
    assert interaction.response.header("content-encoding") is None


def test_noise_headers_dropped_useful_ones_kept() -> None:
    interaction = interaction_from_exchange(
        _live_request(), 200, RESPONSE_HEADERS, b'{"id": 1}', filters=RecordFilters()
    )
    assert interaction is not None
    request_names = {k.lower() for k, _ in interaction.request.headers}
    assert request_names == {"content-type"}
    response_names = {k.lower() for k, _ in interaction.response.headers}
    assert response_names == {
        "content-type",
        "x-request-id",
        "openai-poll-after-ms",
        "retry-after-ms",
    }
    assert interaction.response.reason == "OK"


def test_user_filters_and_hooks() -> None:
    filters = RecordFilters(
        filter_headers=[("content-type", "REDACTED")],
        filter_response_headers=["x-request-id"],
        filter_query_parameters=["a"],
        filter_json_paths=["user", ("metadata.key", "X")],
        before_record_response=lambda r: RecordedResponse(r.status, "Fine", r.headers, r.body),
    )
    interaction = interaction_from_exchange(
        _live_request(), 200, RESPONSE_HEADERS, b"{}", filters=filters
    )
    assert interaction is not None
    assert interaction.request.url == "https://api.openai.com/v1/chat/completions?b=2"
    assert interaction.request.header("content-type") == "REDACTED"
    assert json.loads(interaction.request.body) == {"model": "gpt-4o", "metadata": {"key": "X"}}
    assert interaction.response.header("x-request-id") is None
    assert interaction.response.reason == "Fine"


def test_hook_returning_none_drops_interaction() -> None:
    dropped = RecordFilters(before_record_request=lambda r: None)
    assert interaction_from_exchange(_live_request(), 200, [], b"", filters=dropped) is None
    dropped = RecordFilters(before_record_response=lambda r: None)
    assert interaction_from_exchange(_live_request(), 200, [], b"", filters=dropped) is None


# --- replay ------------------------------------------------------------------------------------


def test_response_to_httpx_sse_and_headerless_json() -> None:
    request = httpx.Request("POST", "https://api.openai.com/v1/responses")
    sse = _sample()[1]
    response = response_to_httpx(sse, request)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.content == sse.response.body
    bare = Interaction(sse.request, RecordedResponse(404, "Not Found", (), b'{"error": {}}'))
    replayed = response_to_httpx(bare, request)
    assert replayed.status_code == 404 and replayed.reason_phrase == "Not Found"
    assert replayed.headers["content-type"] == "application/json"
    bare_sse = Interaction(sse.request, RecordedResponse(200, "OK", (), b"event: x\ndata: {}\n\n"))
    assert (
        response_to_httpx(bare_sse, request).headers["content-type"].startswith("text/event-stream")
    )


def test_response_to_httpx_drops_stale_framing() -> None:
    request = httpx.Request("GET", "https://h/a")
    interaction = Interaction(
        RecordedRequest("GET", "https://h/a", (), b""),
        RecordedResponse(
            200, "OK", (("Content-Length", "999"), ("Transfer-Encoding", "chunked")), b"hi"
        ),
    )
    response = response_to_httpx(interaction, request)
    assert response.headers["content-length"] == "2"
    assert "transfer-encoding" not in response.headers
    assert response.read() == b"hi"


# --- cache ---------------------------------------------------------------------------------------


def test_parsed_cache_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_responses._cassette import _cache

    monkeypatch.setattr(_cache, "MIN_SIZE", 0)
    monkeypatch.setattr(_cache, "_MEMORY", type(_cache._MEMORY)())
    path = tmp_path / "c.yaml"
    save_cassette(path, _sample())
    first = load_cassette(path)
    assert list((tmp_path / "cache").glob("cassette-v*.bin"))
    _cache._MEMORY.clear()
    assert load_cassette(path) == first  # from the JSON cache
    for entry in (tmp_path / "cache").glob("*.bin"):
        entry.write_text("garbage")  # tampered cache: falls back to YAML
    _cache._MEMORY.clear()
    assert load_cassette(path) == first
