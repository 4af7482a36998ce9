"""Bad input gets an OpenAI-style 4xx, never a Python exception: a fuzz over every endpoint.

Each row of the endpoint table is first called once, validly, through the SDK (the surface
walk's machinery makes the parents and the object the path names), and the request the SDK
sent is kept. The fuzz then sends that request again with one thing broken: its raw body
(malformed, not an object, not UTF-8, 100,000 levels deep, huge, multipart garbage), one body
field of the wrong type, a bad query value, or a path id with odd characters. Requests go
straight to the mock's router. Every answer must be an HTTP response below 500, in OpenAI's
error shape when it is an error; requests the API refuses must be refused (400).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_responses import InvalidMockResponseError, OpenAIMock
from openai_responses._endpoints import ENDPOINTS, Endpoint
from test_surface_walk import Walk, endpoint_methods, signature

DEPTH = 100_000
# Raw bodies no endpoint accepts: each must be refused with a 400.
BAD_BODIES: dict[str, tuple[str, bytes]] = {
    "malformed JSON": ("application/json", b'{"model": "gpt-4o-mini",'),
    "JSON array": ("application/json", b"[1, 2]"),
    "JSON number": ("application/json", b"3"),
    "JSON string": ("application/json", b'"model"'),
    "JSON null": ("application/json", b"null"),
    "not UTF-8": ("application/json", b'{"model": "\xff\xfe"}'),
    "deep array": ("application/json", b"[" * DEPTH + b"]" * DEPTH),
    "deep object": ("application/json", b'{"a":' * DEPTH + b"1" + b"}" * DEPTH),
    "multipart garbage": ("multipart/form-data; boundary=fuzz", b"--fuzz\r\ngarbage"),
    "multipart without boundary": ("multipart/form-data", b"garbage"),
}
# Raw bodies that may be accepted or refused, but never crash the mock.
ODD_BODIES: dict[str, tuple[str, bytes]] = {
    "huge": ("application/json", b'{"model": "' + b"a" * 4_000_000 + b'"}'),
    "text content type": ("text/plain", b'{"model": "gpt-4o-mini"}'),
    "form content type": ("application/x-www-form-urlencoded", b"model=gpt-4o-mini"),
    "no content type": ("", b'{"model": "gpt-4o-mini"}'),
}
# One value of each JSON type but number-likes (floats and booleans come from hypothesis).
WRONG_VALUES: list[Any] = [123, "fuzz", None, [1], {"fuzz": [1]}]
# Values of ``limit`` the API refuses, and ones it takes.
BAD_LIMITS = ["abc", "1e3", "1.5", "-1", "0", "0x10", " 5"]
ODD_IDS = ["%00", "a..b", "%C3%BC", "a" * 300, "x%20y", "%25", "%27%22%3C%3E", "%0A"]


class Sample:
    """One row, and the valid request the SDK sent for it."""

    def __init__(self, row: Endpoint, request: httpx.Request, fields: set[str], params: set[str]):
        self.row = row
        self.request = request
        self.fields = tuple(sorted(fields))  # body field names worth breaking
        self.takes_limit = "limit" in params
        self.takes_order = "order" in params

    def __repr__(self) -> str:  # hypothesis prints the samples it drew
        return f"<{self.request.method} {self.request.url} ({self.row.sdk})>"

    @property
    def has_body(self) -> bool:
        return bool(self.request.content.strip())

    @property
    def json_body(self) -> dict[str, Any] | None:
        if "json" not in self.request.headers.get("content-type", ""):
            return None
        value = json.loads(self.request.content) if self.has_body else {}
        return value if isinstance(value, dict) else None


def _sdk_params(method: Any) -> set[str]:
    skip = {"self", "extra_headers", "extra_query", "extra_body", "timeout"}
    return set(signature(method).parameters) - skip


async def _capture(walk: Walk) -> list[Sample]:
    samples = []
    for row in ENDPOINTS:
        sdk = next((s for s in (row.sdk, *row.aliases) if s in walk.methods), None)
        if sdk is None:
            continue
        with contextlib.suppress(openai.APIError, ValueError, TypeError):
            await walk.call(sdk)
        route = walk.mock.routes[row.sdk]
        if not route.calls:
            continue
        params = _sdk_params(walk.methods[sdk])
        model_fields = set(row.model.model_fields) if row.model else set()
        request = route.calls.last.request
        request.read()
        samples.append(Sample(row, request, params | model_fields, params))
    return samples


class Fuzz(tuple[OpenAIMock, list[Sample]]):
    def __repr__(self) -> str:  # hypothesis prints its arguments: keep the samples out
        return f"<fuzz over {len(self[1])} rows>"


@pytest.fixture(scope="module")
def fuzz() -> Iterator[Fuzz]:
    kwargs: dict[str, Any] = {"api_key": "sk-fuzz", "max_retries": 0}
    if "admin_api_key" in inspect.signature(openai.OpenAI).parameters:
        kwargs["admin_api_key"] = "sk-admin-fuzz"
    client = openai.OpenAI(**kwargs)
    mock = OpenAIMock()
    walk = Walk(client, mock, False)
    walk.methods = dict(endpoint_methods(client))
    with mock.router:
        samples = anyio.run(_capture, walk)
        yield Fuzz((mock, samples))


def send(mock: OpenAIMock, request: httpx.Request) -> httpx.Response:
    """The mock's answer; anything raised fails the test, as it would reach the client."""
    response = mock.router.handler(request)
    assert isinstance(response, httpx.Response), response
    response.read()
    assert response.status_code < 500, (request.method, request.url, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["type"], str)
        assert "param" in error and "code" in error
    return response


def with_body(sample: Sample, content_type: str, content: bytes) -> httpx.Request:
    headers = {k: v for k, v in sample.request.headers.items() if k != "content-length"}
    headers.pop("content-type", None)
    if content_type:
        headers["content-type"] = content_type
    return httpx.Request(
        sample.request.method, sample.request.url, headers=headers, content=content
    )


def with_json(sample: Sample, body: dict[str, Any]) -> httpx.Request:
    return with_body(sample, "application/json", json.dumps(body).encode())


def with_query(sample: Sample, **query: str) -> httpx.Request:
    url = sample.request.url.copy_merge_params(query)
    return httpx.Request(sample.request.method, url, headers=sample.request.headers)


def test_every_row_is_reached(fuzz: Fuzz) -> None:
    # The fuzz is worth as much as the rows it reaches past their 404s.
    _, samples = fuzz
    assert len(samples) >= 0.9 * len(ENDPOINTS)


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bodies_no_endpoint_accepts_are_400(fuzz: Fuzz, case: str) -> None:
    mock, samples = fuzz
    content_type, content = BAD_BODIES[case]
    refused = []
    for sample in samples:
        if sample.request.method not in ("POST", "PATCH", "PUT"):
            continue
        response = send(mock, with_body(sample, content_type, content))
        if sample.has_body and response.status_code != 400:
            refused.append(f"{sample.row.sdk}: {response.status_code}")
    assert not refused, f"{case} accepted by:\n  " + "\n  ".join(refused)


@pytest.mark.parametrize("case", sorted(ODD_BODIES))
def test_odd_bodies_never_crash(fuzz: Fuzz, case: str) -> None:
    mock, samples = fuzz
    content_type, content = ODD_BODIES[case]
    for sample in samples:
        if sample.request.method == "POST":
            send(mock, with_body(sample, content_type, content))


def json_posts(samples: list[Sample]) -> Iterator[tuple[Sample, dict[str, Any]]]:
    for sample in samples:
        body = sample.json_body
        if body is not None and sample.request.method == "POST":
            yield sample, body


def test_every_body_field_of_the_wrong_type(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    for sample, body in json_posts(samples):
        for name in sample.fields:
            for value in WRONG_VALUES:
                send(mock, with_json(sample, {**body, name: value}))


# Nested shapes for body fields a valid SDK call leaves out, so the fuzz reaches inside them.
NESTED = {
    "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}],
    "input": [{"role": "user", "content": [{"type": "input_text", "text": "x"}]}],
    "items": [{"type": "message", "role": "user", "content": "x"}],
    "additional_messages": [{"role": "user", "content": "x"}],
    "thread": {"messages": [{"role": "user", "content": "x"}]},
    "tools": [{"type": "function", "function": {"name": "f"}}],
}


def _inner_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if not isinstance(value, (dict, list)):
        return
    for key, child in value.items() if isinstance(value, dict) else enumerate(value):
        if path:
            yield (*path, key)
        yield from _inner_paths(child, (*path, key))


def _replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    body = json.loads(json.dumps(body))
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


def test_every_nested_field_of_the_wrong_type(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    for sample, valid in json_posts(samples):
        body = {**{k: v for k, v in NESTED.items() if k in sample.fields}, **valid}
        for path in _inner_paths(body):
            for value in WRONG_VALUES:
                send(mock, with_json(sample, _replaced(body, path, value)))


def test_wrong_types_are_400_naming_the_field(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    by_sdk = {s.row.sdk: s for s in samples}
    moderation = send(mock, with_json(by_sdk["moderations.create"], {"input": "x", "model": 123}))
    thread = send(mock, with_json(by_sdk["beta.threads.create"], {"metadata": [1]}))
    for response, param in ((moderation, "model"), (thread, "metadata")):
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["param"], error["type"]) == (param, "invalid_request_error")


def test_bad_limits_are_400_naming_limit(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    listing = [s for s in samples if s.takes_limit]
    assert len(listing) >= 25
    wrong = []
    for sample in listing:
        for limit in BAD_LIMITS:
            response = send(mock, with_query(sample, limit=limit))
            error = response.json().get("error") if response.status_code == 400 else None
            if not error or error["param"] != "limit":
                wrong.append(f"{sample.row.sdk} limit={limit!r}: {response.status_code}")
        for limit in ("1", "100"):
            assert send(mock, with_query(sample, limit=limit)).status_code == 200, sample.row.sdk
    assert not wrong, "\n  ".join(wrong)


def test_bad_order_is_400(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    for sample in samples:
        if sample.takes_order:
            response = send(mock, with_query(sample, order="sideways"))
            assert response.status_code == 400, sample.row.sdk
            assert response.json()["error"]["param"] == "order"


def test_odd_query_values_never_crash(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    for sample in samples:
        if sample.request.method != "GET":
            continue
        for name in ("after", "before", "starting_after", "stream", "include[]", "limit"):
            for value in ("%00", "ü", "-1", "1e309", "a" * 1000):
                send(mock, with_query(sample, **{name: value}))


def test_odd_path_ids_never_crash(fuzz: Fuzz) -> None:
    mock, samples = fuzz
    for sample in samples:
        path = sample.request.url.raw_path.decode().split("?")[0]
        match = re.fullmatch("/v1" + sample.row.path_regex, path)
        assert match is not None, (sample.row.sdk, path)
        for name in match.groupdict():
            start, end = match.span(name)
            for odd in ODD_IDS:
                url = sample.request.url.copy_with(
                    raw_path=(path[:start] + odd + path[end:]).encode()
                )
                send(mock, httpx.Request(sample.request.method, url, content=b""))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hypothesis_bodies_and_queries(fuzz: Fuzz, data: st.DataObject) -> None:
    mock, samples = fuzz
    sample = data.draw(st.sampled_from(samples))
    if sample.json_body is not None and sample.request.method == "POST":
        fields = st.sampled_from(sample.fields) if sample.fields else st.text(max_size=8)
        changes = data.draw(st.dictionaries(fields | st.text(max_size=8), JSON, max_size=4))
        send(mock, with_json(sample, {**sample.json_body, **changes}))
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["limit", "order", "after", "before", "include[]", "stream"]),
            st.text(max_size=12),
            max_size=3,
        )
    )
    send(mock, with_query(sample, **query))


def _post(mock: OpenAIMock, path: str, body: Any) -> httpx.Response:
    request = httpx.Request("POST", f"https://api.openai.com/v1{path}", json=body)
    return mock.router.handler(request)


def test_a_bad_partial_stays_the_tests_error_and_a_bad_request_stays_a_400() -> None:
    # The same invalid value, once from the user's ``.response`` (a bug in the test, raised)
    # and once from the request (the client's mistake, answered as the API does).
    mock = OpenAIMock()
    with mock.router:
        mock.beta.threads.create.response = {"metadata": [1]}
        with pytest.raises(InvalidMockResponseError):
            _post(mock, "/threads", {"metadata": {"k": "v"}})
        mock.beta.threads.create.response = {"tool_resources": {}}
        response = _post(mock, "/threads", {"metadata": [1]})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "metadata"
    assert response.json()["error"]["code"] == "invalid_type"


def test_nested_fields_are_named_by_their_path() -> None:
    mock = OpenAIMock()
    with mock.router:
        response = _post(mock, "/threads", {"messages": [{"role": "user", "content": 5}]})
        role = _post(mock, "/threads", {"messages": [{"role": 123, "content": "x"}]})
        deep = _post(mock, "/chat/completions", {"model": "m", "messages": [], "n": "many"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages[0].content"
    assert (deep.status_code, deep.json()["error"]["param"]) == (400, "n")
    assert (role.status_code, role.json()["error"]["param"]) == (400, "messages[0].role")
