"""Every defect in a cassette file is a CassetteFormatError naming the file, the interaction and
the field; `cassette check` reports it (exit 2), `cassette show` prints it; nothing else escapes.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_responses._cassette import (
    CassetteFormatError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    parse_cassette,
    save_cassette,
    serialize_cassette,
)
from openai_responses._cli import main

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def _cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def valid_document() -> dict[str, Any]:
    return {
        "interactions": [
            {
                "request": {
                    "body": '{"model": "gpt-4o"}',
                    "headers": {"Content-Type": ["application/json"]},
                    "method": "POST",
                    "uri": "https://api.openai.com/v1/chat/completions",
                },
                "response": {
                    "body": {"string": '{"id": "chatcmpl-1"}'},
                    "headers": {"content-type": ["application/json"], "x-n": ["1"]},
                    "status": {"code": 200, "message": "OK"},
                },
            }
        ],
        "version": 1,
    }


def with_field(path: tuple[str, ...], value: Any) -> bytes:
    document = valid_document()
    target: Any = document["interactions"][0]
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return yaml.safe_dump(document).encode()


class _Delete:
    def __repr__(self) -> str:  # stable test ids across xdist workers
        return "<deleted>"


_DELETE = _Delete()

BAD_FIELDS = [
    (("request", "uri"), "http://[::1", "uri"),
    (("request", "uri"), "not a url", "uri"),
    (("request", "uri"), "/v1/relative", "uri"),
    (("request", "uri"), 12, "uri"),
    (("request", "method"), "GE T", "method"),
    (("request", "method"), ["GET"], "method"),
    (("request", "method"), _DELETE, "method"),
    (("request", "headers"), ["a", "b"], "headers"),
    (("request", "headers"), {"bad name": ["x"]}, "header name"),
    (("request", "headers"), {"x": [{"nested": 1}]}, "header 'x'"),
    (("request", "headers"), {"x": ["a\r\nInjected: 1"]}, "header 'x'"),
    (("request",), "GET /", "request"),
    (("request",), _DELETE, "request"),
    (("response",), _DELETE, "response"),
    (("response", "status"), {"code": "two hundred"}, "status"),
    (("response", "status"), {"code": True}, "status"),
    (("response", "status"), {"code": 42}, "status"),
    (("response", "status"), {"code": 200, "message": ["OK"]}, "message"),
    (("response", "headers"), "content-type: json", "headers"),
    (("response", "body"), {"string": {1, 2}}, "body"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_FIELDS, ids=repr)
def test_malformed_field_names_file_interaction_and_field(
    tmp_path: Path, path: tuple[str, ...], value: Any, field: str | None
) -> None:
    cassette = tmp_path / "bad.yaml"
    try:
        cassette.write_bytes(with_field(path, value))
    except yaml.representer.RepresenterError:
        cassette.write_bytes(with_field(path, None) + b"\n")
    with pytest.raises(CassetteFormatError) as raised:
        load_cassette(cassette)
    message = str(raised.value)
    assert str(cassette) in message
    assert "interaction 0" in message or "YAML" in message
    if field is not None:
        assert field in message


def test_timestamp_and_set_bodies_are_named(tmp_path: Path) -> None:
    cassette = tmp_path / "bad.yaml"
    text = yaml.safe_dump(valid_document()).replace(
        'body: \'{"model": "gpt-4o"}\'', "body: {when: 2024-01-01}"
    )
    cassette.write_text(text)
    with pytest.raises(CassetteFormatError, match=r"interaction 0: request body is not JSON"):
        load_cassette(cassette)


def test_unsupported_version_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    import openai

    from openai_responses import OpenAIMock

    cassette = tmp_path / "v2.yaml"
    document = valid_document()
    document["version"] = 2
    cassette.write_text(yaml.safe_dump(document))
    before = cassette.read_bytes()
    with pytest.raises(CassetteFormatError, match=r"v2\.yaml.*version 2"):
        load_cassette(cassette)
    with (
        pytest.raises(CassetteFormatError, match="version 2"),
        OpenAIMock(cassette=cassette, record_mode="new_episodes"),
    ):
        openai.OpenAI(api_key="sk-x", max_retries=0).models.list()
    assert cassette.read_bytes() == before


@pytest.mark.parametrize("version", ["1", 1.5, None, [1]])
def test_other_version_values_are_refused(tmp_path: Path, version: Any) -> None:
    document = valid_document()
    document["version"] = version
    with pytest.raises(CassetteFormatError, match="version"):
        parse_cassette(yaml.safe_dump(document).encode(), "v.yaml")


def billion_laughs() -> bytes:
    lines = [b'interactions: []\nversion: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        refs = ",".join([f"*{previous}"] * 9)
        lines.append(f"{name}: &{name} [{refs}]".encode())
    return b"\n".join(lines) + b"\n"


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = billion_laughs()
    assert len(bomb) < 700
    cassette = tmp_path / "bomb.yaml"
    cassette.write_bytes(bomb)
    started = time.process_time()
    with pytest.raises(CassetteFormatError, match=r"bomb\.yaml.*alias"):
        load_cassette(cassette)
    # Not a timing assertion on the library's speed: a guard that nothing was expanded.
    assert time.process_time() - started < 30


def test_alias_bomb_inside_a_body_is_refused(tmp_path: Path) -> None:
    text = billion_laughs().replace(b"interactions: []\n", b"")
    text += b"interactions:\n- request: {method: POST, uri: 'https://h/v1/x', body: *i}\n"
    text += b"  response: {status: 200}\n"
    with pytest.raises(CassetteFormatError, match="alias"):
        parse_cassette(text, "bomb.yaml")


def test_recursive_alias_is_refused() -> None:
    text = b"interactions:\n- request: {method: POST, uri: 'https://h/', body: &b [*b]}\n"
    text += b"  response: {status: 200}\n"
    with pytest.raises(CassetteFormatError, match="recursive"):
        parse_cassette(text, "loop.yaml")


def test_a_few_plain_aliases_still_load() -> None:
    text = b"""interactions:
- request: {method: GET, uri: 'https://h/a', headers: &h {Accept: [application/json]}}
  response: {status: 200, headers: *h}
- request: {method: GET, uri: 'https://h/b', headers: *h}
  response: {status: 200, headers: *h}
version: 1
"""
    first, second = parse_cassette(text)
    assert first.request.headers == second.response.headers == (("Accept", "application/json"),)


def test_nesting_deeper_than_the_parser_allows_is_a_format_error() -> None:
    deep = b"interactions:\n- request: {method: GET, uri: 'https://h/', body: "
    deep += b"[" * 3000 + b"]" * 3000 + b"}\n  response: {status: 200}\n"
    with pytest.raises(CassetteFormatError):
        parse_cassette(deep, "deep.yaml")


# --- fuzz --------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.sampled_from(["http://[::1", "GET", "https://h/", "", "200", "2024-01-01", "\x85"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), children, max_size=3)
    ),
    max_leaves=8,
)
FIELD_PATHS = st.sampled_from(
    [
        ("request",),
        ("request", "uri"),
        ("request", "method"),
        ("request", "headers"),
        ("request", "body"),
        ("request", "parsed_body"),
        ("response",),
        ("response", "status"),
        ("response", "status", "code"),
        ("response", "status", "message"),
        ("response", "status_code"),
        ("response", "headers"),
        ("response", "body"),
        ("response", "body", "string"),
        ("response", "content"),
    ]
)


def assert_only_format_errors(raw: bytes) -> None:
    try:
        interactions = parse_cassette(raw, "fuzz.yaml")
    except CassetteFormatError as error:
        assert "fuzz.yaml" in str(error)
        return
    # Whatever loads must also replay, match and be written back without an exception.
    from openai_responses._cassette import InteractionIndex, response_to_httpx

    index = InteractionIndex(interactions)
    for interaction in interactions:
        import httpx

        request = httpx.Request(interaction.request.method, interaction.request.url)
        index.nearest(request)
        response_to_httpx(interaction, request).read()
    # And it is written back without loss.
    again = parse_cassette(serialize_cassette(interactions).encode(), "again.yaml")
    assert len(again) == len(interactions)
    for before, after in zip(interactions, again, strict=True):
        assert same_interaction(before, after)


def same_interaction(before: Interaction, after: Interaction) -> bool:
    def headers(pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return [(k, v) for k, v in pairs if k.lower() != "content-length"]

    def body(data: bytes) -> Any:
        try:
            return ("json", json.dumps(json.loads(data), sort_keys=True))  # NaN-safe equality
        except ValueError:
            return ("bytes", data)

    return (
        before.request.method == after.request.method
        and before.request.url == after.request.url
        and headers(before.request.headers) == headers(after.request.headers)
        and body(before.request.body) == body(after.request.body)
        and (before.response.status, before.response.reason)
        == (after.response.status, after.response.reason)
        and headers(before.response.headers) == headers(after.response.headers)
        and body(before.response.body) == body(after.response.body)
    )


@FUZZ
@given(edits=st.lists(st.tuples(FIELD_PATHS, VALUES | st.just(_DELETE)), min_size=1, max_size=3))
def test_fuzz_field_mutations_raise_only_format_errors(edits: list[tuple[Any, Any]]) -> None:
    document = valid_document()
    for path, value in edits:
        target: Any = document["interactions"][0]
        for part in path[:-1]:
            if not isinstance(target, dict):
                break
            target = target.setdefault(part, {})
        if not isinstance(target, dict):
            continue
        if value is _DELETE:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = copy.deepcopy(value)
    assert_only_format_errors(yaml.safe_dump(document).encode())


@FUZZ
@given(data=VALUES)
def test_fuzz_random_documents_raise_only_format_errors(data: Any) -> None:
    for document in (data, {"interactions": data}, {"interactions": [data], "version": 1}):
        assert_only_format_errors(yaml.safe_dump(document).encode())


@FUZZ
@given(raw=st.binary(max_size=200), cut=st.integers(0, 600))
def test_fuzz_random_and_truncated_bytes_raise_only_format_errors(raw: bytes, cut: int) -> None:
    assert_only_format_errors(raw)
    valid = yaml.safe_dump(valid_document()).encode()
    assert_only_format_errors(valid[:cut] + raw[:5] + valid[cut:])


# --- the CLI -----------------------------------------------------------------------------------


def test_check_and_show_report_a_bad_uri(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "bad-uri.yaml"
    cassette.write_bytes(with_field(("request", "uri"), "http://[::1"))
    assert main(["cassette", "check", str(cassette)]) == 2
    out = capsys.readouterr().out
    assert "bad-uri.yaml" in out and "interaction 0" in out and "uri" in out
    assert "clean" not in out
    assert main(["cassette", "show", str(cassette)]) == 2
    out = capsys.readouterr().out
    assert "interaction 0" in out and "Traceback" not in out


def test_check_flags_a_key_shaped_value_hidden_in_base64(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    key = "sk-" + "proj-" + "Ab3dE6gH9jK" * 4
    upload = base64.b64encode(f"OPENAI_API_KEY={key}\n".encode()).decode()
    cassette = tmp_path / "hidden.yaml"
    # Written around save_cassette, which would refuse this file.
    document = valid_document()
    document["interactions"][0]["request"]["body"] = f'{{"file": "{upload}"}}'
    cassette.write_text(yaml.safe_dump(document))
    assert main(["cassette", "check", str(cassette)]) == 1
    out = capsys.readouterr().out
    assert "API key" in out and key not in out


def test_check_flags_credential_query_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "query.yaml"
    uri = "https://my.openai.azure.com/openai/deployments/d/chat/completions?api-key=0123abcd9876"
    cassette.write_bytes(with_field(("request", "uri"), uri))
    assert main(["cassette", "check", str(cassette)]) == 1
    assert "api-key" in capsys.readouterr().out


def test_saved_cassettes_stay_loadable(tmp_path: Path) -> None:
    cassette = tmp_path / "ok.yaml"
    interaction = Interaction(
        RecordedRequest("GET", "https://h/v1/models", (), b""),
        RecordedResponse(200, "OK", (), b"{}"),
    )
    save_cassette(cassette, [interaction])
    assert load_cassette(cassette) == [interaction]


def test_gzip_bomb_body_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    from openai_responses._cassette import _body

    monkeypatch.setattr(_body, "MAX_DECODED_BODY", 1024 * 1024)  # keep the test's memory small
    document = valid_document()
    response = document["interactions"][0]["response"]
    response["headers"]["Content-Encoding"] = ["gzip"]
    response["body"]["string"] = gzip.compress(b"\0" * (4 * 1024 * 1024))
    with pytest.raises(CassetteFormatError, match=r"bomb\.yaml: interaction 0: response body"):
        parse_cassette(yaml.safe_dump(document).encode(), "bomb.yaml")
    response["body"]["string"] = gzip.compress(b"{}") + gzip.compress(b" ")  # two members
    (loaded,) = parse_cassette(yaml.safe_dump(document).encode(), "ok.yaml")
    assert loaded.response.body == b"{} "


def test_bad_body_encoding_names_the_line_and_interaction() -> None:
    raw = b"""interactions:
- request: {method: GET, uri: 'https://h/a'}
  response: {status: 200, body: {string: !!binary AAAA}}
- request: {method: GET, uri: 'https://h/a'}
  response: {status: 200, body: {string: !!binary "A=A="}}
"""
    with pytest.raises(CassetteFormatError) as raised:
        parse_cassette(raw, "enc.yaml")
    assert "enc.yaml" in str(raised.value)
    assert "line 5" in str(raised.value) and "(interaction 1)" in str(raised.value)
    assert "base64" in str(raised.value)
