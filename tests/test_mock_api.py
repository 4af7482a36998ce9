"""The documented API of the mock: decorator, context manager, transport, the four
``.response`` forms, call history, errors, isolation. Runs on openai 3.x and 2.x alike."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import openai
import pydantic
import pytest
from openai.types.chat import ChatCompletion

import openai_responses
from openai_responses import OpenAIMock, StateStore, UnmockedRequestError
from openai_responses.ext.httpx import MockTransport, Request, Response
from openai_responses.ext.respx import Route

MESSAGES: Any = [{"role": "user", "content": "Hello!"}]
OPENAI_3 = int(openai.__version__.split(".")[0]) >= 3


def make_client(**kwargs: Any) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-fake123", **kwargs)


@openai_responses.mock()
def test_decorator_partial_response_and_call_count(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"content": "Hello! How can I help?", "role": "assistant"},
            }
        ]
    }
    client = make_client()
    completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)

    assert completion.choices[0].message.content == "Hello! How can I help?"
    assert completion.model == "gpt-4o"  # echoed from the request
    assert completion.id.startswith("chatcmpl-")
    assert openai_mock.chat.completions.create.route.call_count == 1
    assert openai_mock.chat.completions.create.calls.last.request.url.path == "/v1/chat/completions"


@openai_responses.mock()
def test_partial_with_several_choices_fills_each_from_the_default(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = {
        "choices": [{"message": {"content": text}} for text in ("a", "b", "c")]
    }
    completion = make_client().chat.completions.create(model="gpt-4o", messages=MESSAGES, n=3)

    assert [c.message.content for c in completion.choices] == ["a", "b", "c"]
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert {c.finish_reason for c in completion.choices} == {"stop"}


def test_context_manager_routes_the_default_client() -> None:
    openai_mock = OpenAIMock()
    with openai_mock.router:
        client = make_client()
        embedding = client.embeddings.create(model="text-embedding-3-small", input="hi")
    assert len(embedding.data[0].embedding) == 1536
    assert openai_mock.embeddings.create.route.call_count == 1


def test_embeddings_are_deterministic_float_and_base64() -> None:
    with OpenAIMock().router:
        client = make_client()
        floats = client.embeddings.create(
            model="text-embedding-3-small", input=["a", "b", "a"], encoding_format="float"
        )
        default = client.embeddings.create(
            model="text-embedding-3-small", input=["a"], dimensions=8
        )
        raw = client.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input="a", encoding_format="base64", dimensions=8
        )
    vectors = [d.embedding for d in floats.data]
    assert vectors[0] == vectors[2] != vectors[1]
    assert abs(sum(v * v for v in vectors[0]) - 1) < 1e-6
    assert len(default.data[0].embedding) == 8
    assert isinstance(raw.http_response.json()["data"][0]["embedding"], str)


@pytest.mark.parametrize("legacy", [False, True])
def test_mock_transport_with_sdk_clients(legacy: bool) -> None:
    openai_mock = OpenAIMock()
    transport = MockTransport(openai_mock.router.handler)
    http_client: Any = (
        httpx.Client(transport=transport)
        if legacy
        else openai.DefaultHttpxClient(transport=transport)
    )
    client = openai.Client(api_key="sk-fake123", http_client=http_client)

    openai_mock.chat.completions.create.response = {
        "choices": [{"message": {"content": "via transport"}}]
    }
    completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    chunks = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)

    assert completion.choices[0].message.content == "via transport"
    assert text == "via transport"
    assert openai_mock.chat.completions.create.route.call_count == 2


@pytest.mark.parametrize("legacy", [False, True])
async def test_mock_transport_with_async_clients(legacy: bool) -> None:
    openai_mock = OpenAIMock()
    transport = MockTransport(openai_mock.router.handler)
    http_client: Any = (
        httpx.AsyncClient(transport=transport)
        if legacy
        else openai.DefaultAsyncHttpxClient(transport=transport)
    )
    client = openai.AsyncOpenAI(api_key="sk-fake123", http_client=http_client)
    openai_mock.chat.completions.create.response = {"choices": [{"message": {"content": "async"}}]}

    completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert completion.choices[0].message.content == "async" == text


@openai_responses.mock()
async def test_async_client_through_default_transport(openai_mock: OpenAIMock) -> None:
    client = openai.AsyncOpenAI(api_key="sk-fake123")
    created = await client.files.create(file=("notes.txt", b"some bytes"), purpose="assistants")
    content = await client.files.content(created.id)

    assert content.content == b"some bytes"
    assert openai_mock.files.create.route.call_count == 1


@openai_responses.mock()
def test_response_as_full_model(openai_mock: OpenAIMock) -> None:
    model = ChatCompletion.model_validate(
        {
            "id": "chatcmpl-fixed",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-x",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "fixed"},
                }
            ],
        }
    )
    openai_mock.chat.completions.create.response = model
    completion = make_client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert completion == model


@openai_responses.mock()
def test_response_as_httpx_response(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = Response(500)
    with pytest.raises(openai.APIStatusError) as raised:
        make_client(max_retries=0).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert raised.value.status_code == 500


@pytest.mark.skipif(not OPENAI_3, reason="httpx2 ships with openai 3.x")
@openai_responses.mock()
def test_response_as_httpx2_response(openai_mock: OpenAIMock) -> None:
    import httpx2

    openai_mock.models.list.response = httpx2.Response(200, json={"object": "list", "data": []})
    assert make_client().models.list().data == []


@openai_responses.mock()
def test_response_as_function_with_retries(openai_mock: OpenAIMock, monkeypatch: Any) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)

    def completion_with_failures(request: Request, route: Route) -> Response | dict[str, Any]:
        if route.call_count < 2:
            return Response(500)
        return {"choices": [{"message": {"content": "third time lucky"}}]}

    openai_mock.chat.completions.create.response = completion_with_failures
    completion = make_client(max_retries=3).chat.completions.create(
        model="gpt-4o", messages=MESSAGES
    )

    assert completion.choices[0].message.content == "third time lucky"
    assert openai_mock.chat.completions.create.calls.call_count == 3
    assert len(sleeps) == 2  # the SDK's own back-off, between the three attempts


@openai_responses.mock()
def test_function_receives_path_params_and_state(openai_mock: OpenAIMock) -> None:
    seen: dict[str, Any] = {}

    def retrieve(request: Request, route: Route, *, state_store: StateStore, file_id: str) -> Any:
        seen.update(file_id=file_id, stored=state_store.get("files", file_id))
        return {"id": file_id, "filename": "from-function.txt"}

    client = make_client()
    created = client.files.create(file=("a.txt", b"abc"), purpose="assistants")
    openai_mock.files.retrieve.response = retrieve
    found = client.files.retrieve(created.id)

    assert seen["file_id"] == created.id
    assert seen["stored"].filename == "a.txt"
    assert found.filename == "from-function.txt"
    assert found.bytes == 3  # the rest comes from the stored object


@openai_responses.mock()
def test_unknown_id_is_a_404_with_openai_body() -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        make_client().files.retrieve("file-missing")
    assert raised.value.status_code == 404
    assert raised.value.body == {
        "message": "No file found with id 'file-missing'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


@openai_responses.mock()
def test_missing_model_is_a_400() -> None:
    client = make_client()
    with pytest.raises(openai.BadRequestError) as raised:
        client.post("/chat/completions", body={"messages": MESSAGES}, cast_to=ChatCompletion)
    assert raised.value.body["param"] == "model"  # type: ignore[index]


@openai_responses.mock()
def test_malformed_json_body_is_a_400() -> None:
    response = httpx.post(
        "https://api.openai.com/v1/embeddings",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]


@pytest.fixture
def no_sleep(monkeypatch: Any) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)

    monkeypatch.setattr(anyio, "sleep", fake_sleep)
    return sleeps


@openai_responses.mock()
def test_unmocked_endpoint_raises_naming_the_url(
    no_network: list[Any], no_sleep: list[float]
) -> None:
    client = make_client()
    with pytest.raises(UnmockedRequestError) as raised:
        client.get("/this/endpoint/does/not/exist", cast_to=object)
    assert "GET https://api.openai.com/v1/this/endpoint/does/not/exist" in str(raised.value)
    assert no_network == []
    assert no_sleep == []


@openai_responses.mock()
def test_other_hosts_are_not_reached(no_network: list[Any], no_sleep: list[float]) -> None:
    with pytest.raises(UnmockedRequestError, match=r"https://example\.invalid/data"):
        httpx.get("https://example.invalid/data")
    assert no_network == []


def test_miss_turned_into_another_error_is_raised_at_exit(no_network: list[Any]) -> None:
    @openai_responses.mock()
    def code_under_test() -> None:
        try:
            make_client(max_retries=0).get("/unknown", cast_to=object)
        except BaseException as error:
            raise RuntimeError("something went wrong") from error

    with pytest.raises(UnmockedRequestError, match="/v1/unknown") as raised:
        code_under_test()
    assert isinstance(raised.value.__cause__, RuntimeError)


@openai_responses.mock()
def test_user_routes_through_the_router(openai_mock: OpenAIMock) -> None:
    openai_mock.router.get("https://api.weather.example/today").mock(
        return_value=Response(200, json={"value": "57"})
    )
    assert httpx.get("https://api.weather.example/today").json() == {"value": "57"}


def test_custom_base_url(no_network: list[Any]) -> None:
    openai_mock = OpenAIMock(base_url="http://localhost:8080/proxy/v1")
    with openai_mock.router:
        client = make_client(base_url="http://localhost:8080/proxy/v1")
        assert client.models.retrieve("gpt-4o").id == "gpt-4o"
        with pytest.raises(UnmockedRequestError):
            make_client().models.retrieve("gpt-4o")  # api.openai.com is not this mock's


@pytest.mark.parametrize("run", [1, 2, 3])
@openai_responses.mock()
def test_each_parametrized_run_sees_fresh_state(openai_mock: OpenAIMock, run: int) -> None:
    client = make_client()
    assert client.files.list().data == []
    client.files.create(file=(f"run{run}.txt", b"x"), purpose="assistants")
    assert len(client.files.list().data) == 1


SEEDED = StateStore()


@pytest.mark.parametrize("run", [1, 2])
@openai_responses.mock(state=SEEDED)
def test_seeded_state_is_copied_per_call(run: int) -> None:
    client = make_client()
    created = client.files.create(file=("x.txt", b"x"), purpose="assistants")
    assert [f.id for f in client.files.list().data] == [created.id]


class TestMethods:
    @openai_responses.mock()
    def test_decorated_method(self, openai_mock: OpenAIMock) -> None:
        assert make_client().models.retrieve("gpt-4o").owned_by == "system"
        assert openai_mock.models.retrieve.route.call_count == 1


def test_fixture_from_the_plugin(openai_mock: OpenAIMock) -> None:
    make_client().models.list()
    assert openai_mock.models.list.route.call_count == 1


def test_decorator_outside_pytest_style_call() -> None:
    @openai_responses.mock()
    def helper(openai_mock: OpenAIMock, text: str) -> str | None:
        openai_mock.chat.completions.create.response = {"choices": [{"message": {"content": text}}]}
        return (
            make_client()
            .chat.completions.create(model="m", messages=MESSAGES)
            .choices[0]
            .message.content
        )

    assert helper(text="direct") == "direct"


@openai_responses.mock()
def test_stored_chat_completions_round_trip() -> None:
    client = make_client()
    stored = client.chat.completions.create(
        model="gpt-4o", messages=MESSAGES, store=True, metadata={"run": "1"}
    )
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # store not set
    updated = client.chat.completions.update(stored.id, metadata={"tag": "x"})
    if "metadata" in ChatCompletion.model_fields:  # openai 2.x's type has no metadata field
        assert updated.metadata == {"tag": "x"}  # metadata is replaced, as the API does

    assert [c.id for c in client.chat.completions.list()] == [stored.id]
    assert client.chat.completions.retrieve(stored.id).id == stored.id
    messages = client.chat.completions.messages.list(stored.id).data
    assert [(m.role, m.content) for m in messages] == [("user", "Hello!")]
    assert client.chat.completions.delete(stored.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.retrieve(stored.id)


class Weather(pydantic.BaseModel):
    city: str
    temperature: float
    conditions: list[str]


@openai_responses.mock()
def test_parse_with_a_pydantic_response_format_gets_a_valid_default() -> None:
    completion = make_client().chat.completions.parse(
        model="gpt-4o", messages=MESSAGES, response_format=Weather
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Weather)  # the default content matches the JSON schema


@openai_responses.mock()
def test_parse_with_scripted_content(openai_mock: OpenAIMock) -> None:
    weather = Weather(city="Paris", temperature=21.5, conditions=["sunny"])
    openai_mock.chat.completions.parse.response = {
        "choices": [{"message": {"content": weather.model_dump_json()}}]
    }
    completion = make_client().chat.completions.parse(
        model="gpt-4o", messages=MESSAGES, response_format=Weather
    )
    assert completion.choices[0].message.parsed == weather


@openai_responses.mock()
def test_stream_helper_from_a_partial(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = {
        "choices": [{"message": {"content": "streamed through the helper"}}]
    }
    deltas: list[str] = []
    with make_client().chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
        for event in stream:
            if event.type == "content.delta":
                deltas.append(event.delta)
        final = stream.get_final_completion()
    assert len(deltas) > 1
    assert "".join(deltas) == final.choices[0].message.content == "streamed through the helper"


@openai_responses.mock()
def test_streamed_tool_calls_reassemble(openai_mock: OpenAIMock) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    openai_mock.chat.completions.create.response = {
        "choices": [
            {"finish_reason": "tool_calls", "message": {"content": None, "tool_calls": [call]}}
        ]
    }
    with make_client().chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
        final = stream.get_final_completion()
    tool_call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert tool_call.function.name == "get_weather"  # type: ignore[union-attr]
    assert tool_call.function.arguments == '{"city": "Paris"}'  # type: ignore[union-attr]
