"""Every real-world cassette in the corpus replays, unchanged, to today's openai SDK.

For each file, each recorded request is turned back into the SDK call that makes it (the
endpoint table maps method + path to an SDK attribute path such as
``chat.completions.create``; the recorded body becomes keyword arguments) and sent with a real
``openai.OpenAI`` client inside ``openai_responses.mock(cassette=...)``. What the SDK returns
must equal the recording: JSON objects dumped back to JSON, streams event by event, binary
bodies byte for byte, errors as the right exception class with the recorded error body.

The corpus lives outside the repository (never copied in): ``../shared/realworld-cassettes``
next to the checkout, or ``$OPENAI_RESPONSES_CORPUS``. The test is skipped when it is absent.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import openai
import pytest
from pydantic import BaseModel

import openai_responses
from conftest import CORPUS, CORPUS_FILES, needs_corpus
from openai_responses import OpenAIMock
from openai_responses._cassette import Interaction, RecordedRequest, load_cassette
from openai_responses._cassette._canonical import parse_multipart
from openai_responses._cli import main
from openai_responses._endpoints import ENDPOINTS, Endpoint
from openai_responses._sse import iter_sse

# Per-file special cases, each with its reason. A file needing a note is a file whose replay
# the library does not handle by itself; none does today. (OpenRouter's three 429s are one call
# plus the SDK's two retries: the driver follows what the cassette played, no note needed.)
NOTES: dict[str, str] = {}

_STATUS_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep the SDK asks for (retry backoff), without sleeping."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    return asked


@needs_corpus
def test_corpus_has_61_files() -> None:
    assert len(CORPUS_FILES) == 61
    for name in NOTES:
        assert (CORPUS / name).exists(), f"note for a file not in the corpus: {name}"


@needs_corpus
# The Assistants API is deprecated in today's SDK; its recordings must replay all the same.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_replays(path: Path, sleeps: list[float]) -> None:
    interactions = load_cassette(path)
    base_url = _base_url(interactions[0].request.url)

    @openai_responses.mock(cassette=str(path.resolve()), base_url=base_url, unplayed="fail")
    def replay(openai_mock: OpenAIMock) -> None:
        client = openai.OpenAI(api_key="sk-corpus-test", base_url=base_url)
        assert openai_mock.cassette is not None
        index = openai_mock.cassette.index
        position = 0
        while position < len(interactions):
            outcome = _drive(client, base_url, interactions[position].request)
            # A call may consume several recordings (SDK retries): they must be the next ones.
            unplayed = index.unplayed()
            played = len(interactions) - len(unplayed)
            assert played > position, f"#{position} was not answered from the cassette"
            assert unplayed == interactions[played:], f"#{position}: played out of order"
            _assert_answer(outcome, interactions[played - 1], f"{path.name} #{played - 1}")
            position = played

    replay()
    # Replayed 429/5xx carry a near-zero retry delay: the suite never really waits.
    assert sum(sleeps) < 0.05, sleeps


@needs_corpus
def test_replayed_429s_are_retried_without_waiting(sleeps: list[float]) -> None:
    """OpenRouter answered 429 three times: one call, the SDK's two retries, no real wait."""
    path = CORPUS / "pydantic-ai" / "test_openrouter_errors_raised.yaml"
    base_url = "https://openrouter.ai/api/v1"
    with OpenAIMock(base_url=base_url, cassette=path, unplayed="fail"):
        client = openai.OpenAI(api_key="sk-corpus-test", base_url=base_url)
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(
                model="google/gemini-2.0-flash-exp:free",
                messages=[
                    {"role": "system", "content": "Be helpful."},
                    {"role": "user", "content": "Tell me a joke."},
                ],
                stream=False,
            )
    assert caught.value.message.startswith("Error code: 429")
    assert len(sleeps) == 2 and max(sleeps) <= 0.01, sleeps


# What `cassette check` must report, read from the raw YAML rather than through our loader.
_RAW_ORG = re.compile(r"openai-organization:[ \t]*(?:\n[ \t]*- )?'?([\w-]+)", re.IGNORECASE)


@needs_corpus
def test_check_reports_every_cookie_and_org_slug(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassette", "check", *map(str, CORPUS_FILES)]) == 1
    out = capsys.readouterr().out.splitlines()
    for path in CORPUS_FILES:
        raw = path.read_text()
        reported = "\n".join(line for line in out if line.startswith(f"{path}: "))
        for cookie in ("__cf_bm", "_cfuvid"):
            if f"{cookie}=" in raw:
                assert "cookie [high] names: " in reported and cookie in reported, (path, cookie)
        for slug in set(_RAW_ORG.findall(raw)):
            assert "openai-organization [" in reported and f"] {slug}" in reported, (path, slug)


def _base_url(uri: str) -> str:
    """The SDK base URL of a recorded request: everything up to the `/v1` path segment."""
    url = httpx.URL(uri)
    prefix = url.path.split("/v1/", 1)[0]
    return f"{url.scheme}://{url.netloc.decode()}{prefix}/v1"


# -- recorded request -> SDK call ----------------------------------------------------------


class _Raised:
    """The outcome of a call that raised (kept so that the answer check can judge it)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _drive(client: openai.OpenAI, base_url: str, request: RecordedRequest) -> Any:
    url = httpx.URL(request.url)
    rest = url.path[len(httpx.URL(base_url).path) :]
    endpoint, path_params = _endpoint(request.method, rest)
    method = _sdk_method(client, endpoint)
    kwargs = _call_kwargs(method, {**path_params, **_query(url), **_body(request.body)})
    try:
        return method(**kwargs)
    except openai.APIStatusError as error:
        return _Raised(error)


def _endpoint(method: str, rest: str) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint row for a path; literal segments win over parameters, as in the router."""
    found = [
        (endpoint, match.groupdict())
        for endpoint in ENDPOINTS
        if endpoint.method == method and (match := re.fullmatch(endpoint.path_regex, rest))
    ]
    assert found, f"no endpoint row for {method} {rest}"
    return min(found, key=lambda pair: pair[0].path.count("{"))


def _sdk_method(client: openai.OpenAI, endpoint: Endpoint) -> Callable[..., Any]:
    """The row's SDK callable; aliases cover SDK versions that moved it."""
    for sdk_path in (endpoint.sdk, *endpoint.aliases):
        try:
            method = functools.reduce(getattr, sdk_path.split("."), client)
        except AttributeError:
            continue
        return method  # type: ignore[no-any-return]
    raise AssertionError(f"this openai SDK has no {endpoint.sdk}")


def _query(url: httpx.URL) -> dict[str, Any]:
    # Query strings only carry text; the SDK writes booleans back as "true"/"false".
    words = {"true": True, "false": False}
    return {k: words.get(v, v) for k, v in parse_qsl(url.query.decode(), keep_blank_values=True)}


def _body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    parts = parse_multipart(body)
    if parts is None:
        data = json.loads(body)
        assert isinstance(data, dict), "JSON request bodies of the API are objects"
        return data
    fields: dict[str, Any] = {}
    for name, filename, data in parts:
        value: Any = (filename, data) if filename else data.decode()
        if name.endswith("[]"):  # the SDK writes list fields as repeated `name[]` parts
            fields.setdefault(name[:-2], []).append(value)
        else:
            fields[name] = value
    return fields


def _call_kwargs(method: Callable[..., Any], values: dict[str, Any]) -> dict[str, Any]:
    """Named parameters where the SDK method has them; the rest travels as `extra_body`
    (fields newer than this SDK, or ones it dropped), so the request body stays the same."""
    accepted = inspect.signature(method).parameters
    kwargs = {k: v for k, v in values.items() if k in accepted and k != "extra_body"}
    extra = {k: v for k, v in values.items() if k not in kwargs}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


# -- SDK answer == recording ---------------------------------------------------------------


def _assert_answer(outcome: Any, interaction: Interaction, where: str) -> None:
    response = interaction.response
    if response.status >= 400:
        _assert_error(outcome, response.status, response.body, where)
        return
    assert not isinstance(outcome, _Raised), f"{where}: raised {outcome.error!r}"
    if isinstance(outcome, openai.Stream):
        assert _streamed(outcome) == _recorded_events(response.body, interaction.request), where
    elif isinstance(outcome, BaseModel):
        assert _dump(outcome) == json.loads(response.body), where
    else:  # binary answers (audio, file content)
        assert outcome.content == response.body, where


def _assert_error(outcome: Any, status: int, body: bytes, where: str) -> None:
    assert isinstance(outcome, _Raised), f"{where}: expected HTTP {status}, got an answer"
    error = outcome.error
    expected_class = _STATUS_ERRORS.get(status, openai.InternalServerError)
    assert type(error) is expected_class, f"{where}: {type(error).__name__} for {status}"
    assert isinstance(error, openai.APIStatusError)
    assert error.status_code == status
    recorded = json.loads(body)
    # The SDK keeps the `error` object of the body; its message is the recorded message.
    expected = recorded.get("error", recorded) if isinstance(recorded, dict) else recorded
    assert error.body == expected, where
    if isinstance(expected, dict) and expected.get("message"):
        assert expected["message"] in error.message, where


def _dump(model: BaseModel) -> Any:
    # `warnings=False`: a recorded value newer or older than this SDK's type (an unknown union
    # member, a base64 string where floats are declared) is kept as sent, which is the point.
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)


def _streamed(stream: openai.Stream[Any]) -> list[Any]:
    return [_dump(item) if isinstance(item, BaseModel) else item for item in stream]


def _recorded_events(body: bytes, request: RecordedRequest) -> list[Any]:
    """What the SDK should yield for a recorded SSE body: each `data:` JSON, wrapped as
    `{"event", "data"}` for the Assistants API whose events are named (not `response.*`)."""
    named = "/threads" in request.url
    events = []
    for event, data in iter_sse(body):
        if data.startswith("[DONE]"):
            break
        if not data:
            continue
        parsed = json.loads(data)
        events.append({"event": event, "data": parsed} if named and event else parsed)
    return events
