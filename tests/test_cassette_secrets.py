"""Secrets, broader by default: credential headers and query parameters are never written, and
nothing shaped like an OpenAI key is ever saved, even when the live key is not in the
environment. User filters add to these defaults, never replace them.

No key-shaped literal appears in this file: test keys are assembled at runtime.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from conftest import FakeOpenAI, refuse_network
from openai_responses import CassetteSecretError, OpenAIMock
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    RecordFilters,
    interaction_from_exchange,
    save_cassette,
)

# Realistic shapes, built at runtime so no key-shaped literal is committed.
KEYS = {
    "legacy": "sk-" + "T3BlbkFJ" + "aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2",
    "project": "sk-" + "proj-" + "Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe" * 4,
    "service account": "sk-" + "svcacct-" + "Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9P0" * 2,
    "admin": "sk-" + "admin-" + "Mn4Bv5Cx6Zl7Kj8Hg9Fd0Sa1Qw2Er3Ty" * 2,
    "all one letter": "sk-" + "proj-" + "a" * 40,
}
PLACEHOLDERS = [
    "sk-fake123",
    "sk-test",
    "sk-" + "x" * 48,
    "sk-" + "learn-how-to-call-the-openai-api-from-python",  # a slug, not a key
    "task-" + "0123456789abcdefABCDEF0123456789abcdef",  # "sk-" inside a word
    "sk-" + "proj-" + "*" * 40 + "abcd",  # the API's own masked echo
]
URL = "https://api.openai.com/v1/chat/completions"


@pytest.fixture(autouse=True)
def _no_key_in_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def interaction(
    url: str = URL,
    request_headers: tuple[tuple[str, str], ...] = (),
    request_body: bytes = b"{}",
    response_headers: tuple[tuple[str, str], ...] = (),
    response_body: bytes = b"{}",
) -> Interaction:
    return Interaction(
        RecordedRequest("POST", url, request_headers, request_body),
        RecordedResponse(200, "OK", response_headers, response_body),
    )


def leaks(key: str) -> dict[str, Interaction]:
    quoted = key.replace("-", "%2D")
    return {
        "request body": interaction(request_body=json.dumps({"content": f"key {key}"}).encode()),
        "response body": interaction(response_body=f'{{"echo": "{key}"}}'.encode()),
        "binary body": interaction(response_body=b"\xff\xfe" + key.encode() + b"\x00"),
        "base64 upload": interaction(
            request_body=json.dumps(
                {"file": base64.b64encode(f"KEY={key}\n".encode()).decode()}
            ).encode()
        ),
        "uri": interaction(url=f"{URL}?note={key}"),
        "percent-encoded uri": interaction(url=f"{URL}?note=Bearer%20{quoted}"),
        "request header": interaction(request_headers=(("x-note", f"Bearer {key}"),)),
        "response header": interaction(response_headers=(("x-echo", key),)),
    }


@pytest.mark.parametrize("kind", list(KEYS))
@pytest.mark.parametrize("place", list(leaks("sk-")))
def test_key_shaped_values_are_refused_anywhere(tmp_path: Path, kind: str, place: str) -> None:
    key = KEYS[kind]
    path = tmp_path / "c.yaml"
    with pytest.raises(CassetteSecretError) as raised:
        save_cassette(path, [leaks(key)[place]])  # no `secrets=`: the live key is unknown
    message = str(raised.value)
    assert "c.yaml" in message and "interaction 0" in message
    assert key not in message and key[12:30] not in message
    assert not path.exists()


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_placeholders_and_lookalikes_save(tmp_path: Path, placeholder: str) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(path, [interaction(request_body=json.dumps({"k": placeholder}).encode())])
    assert placeholder in path.read_text()


CREDENTIAL_HEADERS = [
    "Authorization",
    "Proxy-Authorization",
    "api-key",
    "X-API-Key",
    "x-goog-api-key",
    "Ocp-Apim-Subscription-Key",
    "X-Auth-Token",
    "X-Amz-Security-Token",
    "X-Client-Secret",
    "Cookie",
]
CREDENTIAL_PARAMS = ["api_key", "api-key", "apikey", "key", "access_token", "token", "sig"]


def _live(headers: dict[str, str], params: dict[str, str]) -> httpx.Request:
    return httpx.Request("POST", URL, headers=headers, params=params, content=b"{}")


def test_credential_headers_and_params_are_never_recorded() -> None:
    secret = "0123456789abcdef0123456789abcdef"  # e.g. an Azure key: no recognisable shape
    headers = {name: secret for name in CREDENTIAL_HEADERS}
    params = {name: secret for name in CREDENTIAL_PARAMS} | {"api-version": "2024-10-21"}
    response_headers = [
        ("Set-Cookie", f"session={secret}"),
        ("x-ratelimit-remaining-tokens", "99"),
        ("x-request-id", "req_1"),
    ]
    recorded = interaction_from_exchange(
        _live(headers, params),
        200,
        response_headers,
        b"{}",
        filters=RecordFilters(drop_noise_headers=False),
    )
    assert recorded is not None
    assert secret not in repr(recorded)
    assert httpx.URL(recorded.request.url).params.multi_items() == [("api-version", "2024-10-21")]
    assert {k.lower() for k, _ in recorded.response.headers} == {
        "x-ratelimit-remaining-tokens",
        "x-request-id",
    }


def test_user_filters_add_to_the_defaults() -> None:
    filters = RecordFilters(
        filter_headers=["x-custom"],
        filter_response_headers=["x-request-id"],
        filter_query_parameters=["tenant"],
    )
    recorded = interaction_from_exchange(
        _live(
            {"x-api-key": "k" * 20, "x-custom": "c", "x-kept": "1"},
            {"key": "k" * 20, "tenant": "t"},
        ),
        200,
        [("x-request-id", "req_1"), ("set-cookie", "a=b")],
        b"{}",
        filters=filters,
    )
    assert recorded is not None
    assert {k.lower() for k, _ in recorded.request.headers} == {"x-kept"}
    assert httpx.URL(recorded.request.url).params.multi_items() == []
    assert recorded.response.headers == ()


def _client(url: str, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(api_key="placeholder-key", base_url=url, max_retries=0, **options)


def _ask(client: openai.OpenAI) -> str | None:
    messages: Any = [{"role": "user", "content": "Say hello"}]
    return (
        client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message.content
    )


def test_key_sent_only_as_x_api_key_is_not_written(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    key = KEYS["project"]
    path = tmp_path / "x-api-key.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        _ask(_client(loopback_openai.url, default_headers={"x-api-key": key}))
    assert loopback_openai.requests[0].headers["x-api-key"] == key
    assert key not in path.read_text() and "x-api-key" not in path.read_text().lower()


def test_key_sent_only_as_query_parameter_is_not_written_and_still_replays(
    tmp_path: Path, loopback_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "0123456789abcdef" * 2  # Azure-style: only the parameter name says it is a key
    path = tmp_path / "api-key.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        recorded = _ask(_client(loopback_openai.url, default_query={"api-key": key}))
    assert "api-key=" in str(loopback_openai.requests[0].url)
    assert key not in path.read_text()

    assert loopback_openai.server is not None
    loopback_openai.server.stop()
    no_network = refuse_network(monkeypatch)
    with OpenAIMock(base_url=loopback_openai.url, cassette=path):
        other_key = _client(loopback_openai.url, default_query={"api-key": "another-key-value"})
        assert _ask(other_key) == recorded
    assert no_network == []


def test_live_query_credential_echoed_in_a_body_refuses_to_save(tmp_path: Path) -> None:
    from openai_responses._cassette._record import credential_values

    secret = "fedcba9876543210" * 2
    request = _live(
        {"x-goog-api-key": "g" * 24, "OpenAI-Project": "proj_abcdefgh12345678"}, {"key": secret}
    )
    # Account ids are never written as headers, but answers may name them: not secrets.
    assert credential_values(request) == {secret, "g" * 24}
    with pytest.raises(CassetteSecretError):
        save_cassette(
            tmp_path / "c.yaml",
            [interaction(response_body=f'{{"seen": "{secret}"}}'.encode())],
            secrets=sorted(credential_values(request)),
        )
