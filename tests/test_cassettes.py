"""Record against a real loopback upstream, stop it, replay offline: the cassette layer behind
the same router, with overrides winning and secrets never written."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

import openai_responses
from conftest import UPSTREAM_TEXT, FakeOpenAI, refuse_network
from openai_responses import CassetteMismatchError, OpenAIMock
from openai_responses.ext.httpx import MockTransport

MESSAGES: Any = [{"role": "user", "content": "Say hello"}]
LIVE_KEY = "sk-live-test-key-0123456"
CHAT = "/v1/chat/completions"
ASK: Any = {"model": "m", "messages": MESSAGES}


def sdk_calls(client: openai.OpenAI) -> dict[str, Any]:
    """The calls the acceptance names: chat JSON + stream, responses JSON + stream, embeddings."""
    chat = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    chunks = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    response = client.responses.create(model="gpt-4o", input="Say hello")
    with client.responses.stream(model="gpt-4o", input="Stream hello") as stream:
        streamed = stream.get_final_response()
    embedding = client.embeddings.create(model="text-embedding-3-small", input="hello")
    return {
        "chat": chat.choices[0].message.content,
        "chat_stream": "".join(c.choices[0].delta.content or "" for c in chunks if c.choices),
        "response": response.output_text,
        "response_stream": streamed.output_text,
        "embedding": embedding.data[0].embedding[:4],
    }


async def async_sdk_calls(client: openai.AsyncOpenAI) -> dict[str, Any]:
    chat = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    chunks = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])
    response = await client.responses.create(model="gpt-4o", input="Say hello")
    embedding = await client.embeddings.create(model="text-embedding-3-small", input="hello")
    return {
        "chat": chat.choices[0].message.content,
        "chat_stream": text,
        "response": response.output_text,
        "embedding": embedding.data[0].embedding[:4],
    }


def assert_no_secrets(path: Path) -> None:
    text = path.read_text()
    for secret in (LIVE_KEY, "secret-cookie", "org-secret", "proj_secret", "__cf_bm"):
        assert secret not in text, f"{secret} leaked into {path.name}"
    for interaction in yaml.safe_load(text)["interactions"]:
        request_headers = {k.lower() for k in interaction["request"]["headers"]}
        response_headers = {k.lower() for k in interaction["response"]["headers"]}
        assert not request_headers & {"authorization", "cookie", "openai-organization"}
        assert not response_headers & {"set-cookie", "openai-organization", "openai-project"}


def test_record_once_then_replay_offline(
    tmp_path: Path, loopback_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "calls.yaml"
    loopback_openai.stream_pause = 0.0
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        client = openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url)
        recorded = sdk_calls(client)
    assert recorded["chat"] == UPSTREAM_TEXT
    assert len(loopback_openai.requests) == 5
    assert path.exists()
    assert_no_secrets(path)

    assert loopback_openai.server is not None
    loopback_openai.server.stop()
    no_network = refuse_network(monkeypatch)
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="none") as mock:
        client = openai.OpenAI(api_key="sk-other", base_url=loopback_openai.url)
        replayed = sdk_calls(client)
        assert mock.chat.completions.create.route.call_count == 2

    assert replayed == recorded
    assert no_network == []


async def test_async_record_then_replay(
    tmp_path: Path, loopback_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "async.yaml"
    loopback_openai.stream_pause = 0.0
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        client = openai.AsyncOpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url)
        recorded = await async_sdk_calls(client)
    assert recorded["chat_stream"] == UPSTREAM_TEXT
    assert loopback_openai.server is not None
    loopback_openai.server.stop()
    no_network = refuse_network(monkeypatch)

    with OpenAIMock(base_url=loopback_openai.url, cassette=path):
        client = openai.AsyncOpenAI(api_key="sk-other", base_url=loopback_openai.url)
        assert await async_sdk_calls(client) == recorded
    assert no_network == []
    assert_no_secrets(path)


@pytest.mark.parametrize("legacy", [False, True])
def test_record_and_replay_through_mock_transport(
    tmp_path: Path, loopback_openai: FakeOpenAI, legacy: bool
) -> None:
    path = tmp_path / "transport.yaml"
    loopback_openai.stream_pause = 0.0

    def client_for(mock: OpenAIMock) -> openai.OpenAI:
        transport = MockTransport(mock.router.handler)
        http: Any = (
            httpx.Client(transport=transport)
            if legacy
            else openai.DefaultHttpxClient(transport=transport)
        )
        return openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url, http_client=http)

    recorder = OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once")
    with recorder:
        recorded = sdk_calls(client_for(recorder))
    assert loopback_openai.server is not None
    loopback_openai.server.stop()

    player = OpenAIMock(base_url=loopback_openai.url, cassette=path)
    with player:
        assert sdk_calls(client_for(player)) == recorded
    assert_no_secrets(path)


def test_recording_tees_the_stream_as_it_arrives(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0.3
    with OpenAIMock(base_url=loopback_openai.url, cassette=tmp_path / "s.yaml", record_mode="all"):
        client = openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url)
        started = time.monotonic()
        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        arrivals = [time.monotonic() - started for _ in stream]
    # four chunks with 0.3 s pauses: the first arrives long before the last was sent
    assert arrivals[0] < arrivals[-1] - 0.5
    recorded = yaml.safe_load((tmp_path / "s.yaml").read_text())["interactions"]
    assert recorded[0]["response"]["body"]["string"].rstrip().endswith("data: [DONE]")


def _chat_body(interaction: dict[str, Any]) -> Any:
    return json.loads(interaction["request"]["body"])


def test_calls_in_another_order_get_their_own_answers(tmp_path: Path) -> None:
    path = write_cassette(
        tmp_path / "order.yaml",
        *(
            _interaction("/v1/chat/completions", _ask(prompt), {"content": answer})
            for prompt, answer in {"first": "one", "second": "two"}.items()
        ),
    )

    with OpenAIMock(cassette=path):
        client = openai.OpenAI(api_key="sk-x")
        second = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "second"}]
        )
        first = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "first"}]
        )
    assert second.choices[0].message.content == "two"
    assert first.choices[0].message.content == "one"


def _ask(prompt: str) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": prompt}]}


def _interaction(path: str, request: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    completion = {
        "id": "chatcmpl-recorded",
        "object": "chat.completion",
        "created": 1,
        "model": request["model"],
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", **message}}
        ],
    }
    return {
        "request": {
            "method": "POST",
            "uri": f"https://api.openai.com{path}",
            "body": json.dumps(request),
            "headers": {"Content-Type": ["application/json"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": json.dumps(completion)},
        },
    }


def write_cassette(path: Path, *interactions: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}))
    return path


def test_override_wins_over_the_recording_and_is_counted(tmp_path: Path) -> None:
    path = write_cassette(
        tmp_path / "c.yaml",
        _interaction(
            "/v1/chat/completions", {"model": "m", "messages": MESSAGES}, {"content": "recorded"}
        ),
    )
    with OpenAIMock(cassette=path) as mock:
        client = openai.OpenAI(api_key="sk-x")
        replayed = client.chat.completions.create(model="m", messages=MESSAGES)
        mock.chat.completions.create.response = {"choices": [{"message": {"content": "override"}}]}
        overridden = client.chat.completions.create(model="m", messages=MESSAGES)
        assert mock.chat.completions.create.route.call_count == 2
    assert replayed.choices[0].message.content == "recorded"
    assert overridden.choices[0].message.content == "override"


def test_miss_names_cassette_request_and_nearest_diff(
    tmp_path: Path, no_network: list[Any]
) -> None:
    path = write_cassette(
        tmp_path / "miss.yaml",
        _interaction(
            "/v1/chat/completions", {"model": "m", "messages": MESSAGES}, {"content": "x"}
        ),
    )
    with pytest.raises(CassetteMismatchError) as raised, OpenAIMock(cassette=path):
        openai.OpenAI(api_key="sk-x", max_retries=0).chat.completions.create(
            model="other-model", messages=MESSAGES
        )
    message = str(raised.value)
    assert str(path) in message
    assert "POST https://api.openai.com/v1/chat/completions" in message
    assert "other-model" in message and '"m"' in message  # the diff shows both models
    assert no_network == []


def test_missing_cassette_in_replay_mode_says_how_to_record(tmp_path: Path) -> None:
    with (
        pytest.raises(CassetteMismatchError, match="record-mode=once"),
        OpenAIMock(cassette=tmp_path / "absent.yaml"),
    ):
        openai.OpenAI(api_key="sk-x").embeddings.create(model="m", input="x")
    assert not (tmp_path / "absent.yaml").exists()


def test_identical_requests_replay_in_recorded_order_then_repeat_if_allowed(
    tmp_path: Path,
) -> None:
    request = {"model": "m", "messages": MESSAGES}
    path = write_cassette(
        tmp_path / "poll.yaml",
        _interaction("/v1/chat/completions", request, {"content": "first"}),
        _interaction("/v1/chat/completions", request, {"content": "second"}),
    )
    with OpenAIMock(cassette=path, allow_playback_repeats=True):
        client = openai.OpenAI(api_key="sk-x")
        answers = [
            client.chat.completions.create(model="m", messages=MESSAGES).choices[0].message.content
            for _ in range(3)
        ]
    assert answers == ["first", "second", "second"]


def test_unplayed_interactions_can_fail_the_test(tmp_path: Path) -> None:
    path = write_cassette(
        tmp_path / "unplayed.yaml",
        _interaction(
            "/v1/chat/completions", {"model": "m", "messages": MESSAGES}, {"content": "x"}
        ),
    )
    with (
        pytest.raises(openai_responses.UnplayedInteractionsError, match="never played"),
        OpenAIMock(cassette=path, unplayed="fail"),
    ):
        pass


def test_stateful_recorded_objects_seed_the_state(tmp_path: Path) -> None:
    file_object = {
        "id": "file-recorded",
        "object": "file",
        "bytes": 5,
        "created_at": 1,
        "filename": "r.txt",
        "purpose": "assistants",
        "status": "processed",
    }
    path = write_cassette(
        tmp_path / "files.yaml",
        {
            "request": {
                "method": "GET",
                "uri": "https://api.openai.com/v1/files/file-recorded",
                "body": None,
                "headers": {},
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": json.dumps(file_object)},
            },
        },
    )
    with OpenAIMock(cassette=path):
        client = openai.OpenAI(api_key="sk-x")
        assert client.files.retrieve("file-recorded").filename == "r.txt"  # replayed
        assert client.files.retrieve("file-recorded").filename == "r.txt"  # from state
        # Never recorded, and the account may hold more files than the recording showed:
        # a listing that names no object is a miss, not the state's guess.
        with pytest.raises(CassetteMismatchError):
            client.files.list()


def test_replayed_errors_do_not_make_the_sdk_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    rate_limited = {
        "request": {
            "method": "POST",
            "uri": "https://api.openai.com/v1/embeddings",
            "body": json.dumps({"model": "m", "input": "x", "encoding_format": "float"}),
            "headers": {},
        },
        "response": {
            "status": {"code": 429, "message": "Too Many Requests"},
            "headers": {"retry-after": ["20"], "Content-Type": ["application/json"]},
            "body": {
                "string": json.dumps(
                    {
                        "error": {
                            "message": "slow down",
                            "type": "requests",
                            "param": None,
                            "code": "rate_limit_exceeded",
                        }
                    }
                )
            },
        },
    }
    path = write_cassette(tmp_path / "429.yaml", rate_limited, rate_limited, rate_limited)
    with pytest.raises(openai.RateLimitError), OpenAIMock(cassette=path):
        client = openai.OpenAI(api_key="sk-x", max_retries=2)
        client.embeddings.create(model="m", input="x", encoding_format="float")
    assert len(sleeps) == 2 and max(sleeps) < 0.01


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the killed stream
def test_killed_recording_leaves_the_previous_cassette_intact(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    path = tmp_path / "keep.yaml"
    loopback_openai.stream_pause = 0.0
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url).chat.completions.create(
            model="gpt-4o", messages=MESSAGES
        )
    before = path.read_bytes()

    loopback_openai.stream_pause = 0.2
    with (
        pytest.raises(KeyboardInterrupt),
        OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="all"),
    ):
        client = openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url)
        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        next(iter(stream))
        raise KeyboardInterrupt  # killed mid-stream
    assert path.read_bytes() == before
    # No temp files left behind; the (empty, hidden) lock file of the first save stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep.yaml.lock", "keep.yaml"]


def test_secret_in_body_refuses_to_save(tmp_path: Path, loopback_openai: FakeOpenAI) -> None:
    path = tmp_path / "leak.yaml"
    with (
        pytest.raises(openai_responses.CassetteSecretError, match=r"leak\.yaml"),
        OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"),
    ):
        client = openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url)
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": f"my key is {LIVE_KEY}"}]
        )
    assert not path.exists()


def test_our_cassettes_load_in_vcrpy_and_vcrpy_cassettes_replay_here(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    from vcr.serializers import yamlserializer

    path = tmp_path / "ours.yaml"
    loopback_openai.stream_pause = 0.0
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        client = openai.OpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url)
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True).close()
        client.embeddings.create(model="text-embedding-3-small", input="hello")
    loaded = yamlserializer.deserialize(path.read_text())
    assert [i["request"]["uri"] for i in loaded["interactions"]] == [
        f"{loopback_openai.url}/chat/completions",
        f"{loopback_openai.url}/embeddings",
    ]

    vcr_written = tmp_path / "vcr.yaml"
    vcr_written.write_text(
        yamlserializer.serialize({"interactions": loaded["interactions"], "version": 1})
    )
    assert loopback_openai.server is not None
    loopback_openai.server.stop()
    with OpenAIMock(base_url=loopback_openai.url, cassette=vcr_written):
        client = openai.OpenAI(api_key="sk-x", base_url=loopback_openai.url)
        embedding = client.embeddings.create(model="text-embedding-3-small", input="hello")
    assert len(embedding.data[0].embedding) > 0


def test_relative_cassette_paths_use_the_cassette_dir(tmp_path: Path) -> None:
    from openai_responses._settings import SETTINGS

    assert SETTINGS.cassette_dir == Path(__file__).resolve().parents[1] / "cassettes"
    mock = OpenAIMock(cassette="some/file.yaml")
    assert mock.cassette is not None
    assert mock.cassette.path == SETTINGS.cassette_dir / "some" / "file.yaml"


def _chat_prompts(path: Path) -> list[str]:
    interactions = yaml.safe_load(path.read_text())["interactions"]
    return [json.loads(i["request"]["body"])["messages"][0]["content"] for i in interactions]


def _ask_upstream(url: str, prompt: str) -> str | None:
    client = openai.OpenAI(api_key=LIVE_KEY, base_url=url)
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": prompt}]
    )
    return completion.choices[0].message.content


def test_new_episodes_replays_matches_and_records_the_rest(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    path = tmp_path / "episodes.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        _ask_upstream(loopback_openai.url, "first")
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="new_episodes"):
        _ask_upstream(loopback_openai.url, "first")  # replayed
        _ask_upstream(loopback_openai.url, "second")  # recorded
    assert len(loopback_openai.requests) == 2
    assert _chat_prompts(path) == ["first", "second"]


def test_all_records_everything_anew(tmp_path: Path, loopback_openai: FakeOpenAI) -> None:
    path = tmp_path / "all.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        _ask_upstream(loopback_openai.url, "old")
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="all"):
        _ask_upstream(loopback_openai.url, "old")
        _ask_upstream(loopback_openai.url, "new")
    assert len(loopback_openai.requests) == 3
    assert _chat_prompts(path) == ["old", "new"]


def test_once_with_an_existing_file_replays_only(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    path = tmp_path / "once.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        _ask_upstream(loopback_openai.url, "recorded")
    with (
        pytest.raises(CassetteMismatchError),
        OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"),
    ):
        _ask_upstream(loopback_openai.url, "not recorded")
    assert len(loopback_openai.requests) == 1


def test_user_filters_and_hooks_shape_what_is_written(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    path = tmp_path / "filtered.yaml"
    seen: list[str] = []

    def before_record_response(response: Any) -> Any:
        seen.append(str(response.status))
        return response

    with OpenAIMock(
        base_url=loopback_openai.url,
        cassette=path,
        record_mode="once",
        filter_headers=[("x-tenant", "REDACTED")],
        filter_query_parameters=["token"],
        filter_json_paths=["user"],
        before_record_response=before_record_response,
    ):
        client = openai.OpenAI(
            api_key=LIVE_KEY,
            base_url=loopback_openai.url,
            default_headers={"x-tenant": "acme-corp"},
            default_query={"token": "query-secret"},
        )
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, user="alice@example.com")

    text = path.read_text()
    assert "acme-corp" not in text and "REDACTED" in text
    assert "query-secret" not in text
    assert "alice@example.com" not in text
    assert seen == ["200"]


def test_ignored_json_paths_let_a_changed_field_replay(tmp_path: Path) -> None:
    recorded = {**ASK, "user": "recorded-user"}
    path = write_cassette(tmp_path / "ignore.yaml", _interaction(CHAT, recorded, {"content": "ok"}))
    with OpenAIMock(cassette=path, ignore_json_paths=("user",)):
        client = openai.OpenAI(api_key="sk-x")
        completion = client.chat.completions.create(model="m", messages=MESSAGES, user="someone")
    assert completion.choices[0].message.content == "ok"


def test_custom_matcher_decides(tmp_path: Path) -> None:
    path = write_cassette(tmp_path / "custom.yaml", _interaction(CHAT, ASK, {"content": "any"}))

    def same_model(request: httpx.Request, recorded: Any) -> bool:
        return json.loads(request.content)["model"] == json.loads(recorded.body)["model"]

    # the body drifted from the recording: replayed (the matcher says so), and reported
    with (
        pytest.warns(openai_responses.CassetteDriftWarning),
        OpenAIMock(cassette=path, match_on=same_model),
    ):
        client = openai.OpenAI(api_key="sk-x")
        other_prompt = [{"role": "user", "content": "something else entirely"}]
        completion = client.chat.completions.create(model="m", messages=other_prompt)
    assert completion.choices[0].message.content == "any"


def test_large_cassettes_are_frozen_only_while_in_use(tmp_path: Path) -> None:
    import gc

    from openai_responses._session import LARGE_CASSETTE

    one = _interaction(CHAT, ASK, {"content": "x"})
    path = write_cassette(tmp_path / "large.yaml", *([one] * LARGE_CASSETTE))
    before = gc.get_freeze_count()
    with OpenAIMock(cassette=path, allow_playback_repeats=True):
        assert gc.get_freeze_count() > before  # out of the collector's way while replaying
        openai.OpenAI(api_key="sk-x").chat.completions.create(model="m", messages=MESSAGES)
    assert gc.get_freeze_count() == before  # and handed back afterwards


def test_the_router_context_manager_saves_the_cassette_too(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    path = tmp_path / "router.yaml"
    openai_mock = OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once")
    with openai_mock.router:
        _ask_upstream(loopback_openai.url, "through the router")
    assert _chat_prompts(path) == ["through the router"]


async def test_async_record_through_mock_transport_without_entering_the_mock(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    path = tmp_path / "async-transport.yaml"
    loopback_openai.stream_pause = 0.0
    recorder = OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once")
    http = openai.DefaultAsyncHttpxClient(transport=MockTransport(recorder.router.handler))
    client = openai.AsyncOpenAI(api_key=LIVE_KEY, base_url=loopback_openai.url, http_client=http)
    stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    recorder.finish()  # the session ends: the cassette is written

    assert text == UPSTREAM_TEXT
    assert _chat_prompts(path) == ["Say hello"]
