"""The Responses API: defaults, scripted turns, state (store, previous_response_id, input items,
background, cancel, delete), streams through the SDK's helpers, parse, tokens and compaction."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.responses import CompactedResponse, Response
from pydantic import BaseModel

import openai_responses
from openai_responses import OpenAIMock
from openai_responses.ext.httpx import Request

WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-fake123", max_retries=0)


def async_client() -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="sk-fake123", max_retries=0)


# -- defaults and overrides ----------------------------------------------------------------------
@openai_responses.mock()
def test_default_response_echoes_the_request() -> None:
    response = client().responses.create(
        model="gpt-4.1",
        input="Hello",
        instructions="Be brief.",
        tools=[WEATHER_TOOL],
        metadata={"run": "1"},
        temperature=0.2,
    )
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert (response.model, response.instructions, response.temperature) == (
        "gpt-4.1",
        "Be brief.",
        0.2,
    )
    assert response.metadata == {"run": "1"}
    assert response.tools[0].type == "function" and response.tools[0].name == "get_weather"
    assert response.output[0].type == "message" and response.output_text == ""
    assert response.usage is not None and response.usage.input_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


@openai_responses.mock()
def test_partial_response_merges_and_callable_overrides(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.response = {
        "output": [{"content": [{"text": "merged"}]}],
        "metadata": {"from": "partial"},
    }
    merged = client().responses.create(model="gpt-4o", input="hi")
    assert merged.output_text == "merged"
    assert merged.model == "gpt-4o" and merged.metadata == {"from": "partial"}

    def reply(request: Request) -> dict[str, Any]:
        return {"output": [{"content": [{"text": json.loads(request.content)["input"]}]}]}

    openai_mock.responses.create.response = reply
    assert client().responses.create(model="gpt-4o", input="echo me").output_text == "echo me"


@openai_responses.mock()
def test_script_queue_then_default(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(text="one").script(text="two")
    texts = [client().responses.create(model="gpt-4o", input="x").output_text for _ in range(3)]
    assert texts == ["one", "two", ""]


def test_scripts_belong_to_their_mock() -> None:
    first, second = OpenAIMock(), OpenAIMock()
    first.responses.create.script(text="only in first")
    with second.router:
        assert client().responses.create(model="gpt-4o", input="x").output_text == ""
    with first.router:
        assert client().responses.create(model="gpt-4o", input="x").output_text == "only in first"


@openai_responses.mock()
def test_scripted_reasoning_refusal_incomplete_and_failed(openai_mock: OpenAIMock) -> None:
    create = openai_mock.responses.create
    create.script(reasoning="Think first.", text="Answer")
    create.script(refusal="I can't help with that.")
    create.script(text="Partial", status="incomplete")
    create.script(error={"code": "rate_limit_exceeded", "message": "Slow down."})
    reasoned, refused, partial, failed = (
        client().responses.create(model="o4-mini", input="x") for _ in range(4)
    )

    assert [item.type for item in reasoned.output] == ["reasoning", "message"]
    assert reasoned.output[0].summary[0].text == "Think first."  # type: ignore[union-attr]
    assert reasoned.usage and reasoned.usage.output_tokens_details.reasoning_tokens > 0
    assert refused.output[0].content[0].type == "refusal"  # type: ignore[union-attr]
    assert partial.status == "incomplete" and partial.output_text == "Partial"
    assert partial.incomplete_details and partial.incomplete_details.reason == "max_output_tokens"
    assert failed.status == "failed" and failed.output == []
    assert failed.error and (failed.error.code, failed.error.message) == (
        "rate_limit_exceeded",
        "Slow down.",
    )


# -- multi-turn with previous_response_id ----------------------------------------------------------
@openai_responses.mock()
def test_previous_response_id_chain_with_a_function_call(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(
        function_call={"name": "get_weather", "arguments": {"city": "Paris"}}
    ).script(text="It is sunny in Paris.")
    sdk = client()

    first = sdk.responses.create(model="gpt-4o", input="Weather in Paris?", tools=[WEATHER_TOOL])
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Paris"}

    second = sdk.responses.create(
        model="gpt-4o",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        tools=[WEATHER_TOOL],
    )
    assert second.output_text == "It is sunny in Paris."
    assert second.previous_response_id == first.id
    assert second.usage and first.usage
    assert second.usage.input_tokens > first.usage.input_tokens  # the chain is in context

    first_items = sdk.responses.input_items.list(first.id).data
    assert [(i.type, getattr(i, "role", None)) for i in first_items] == [("message", "user")]
    assert first_items[0].content[0].text == "Weather in Paris?"  # type: ignore[union-attr]
    assert first_items[0].id.startswith("msg_")
    # Only that request's input, not the chain.
    second_items = sdk.responses.input_items.list(second.id).data
    assert [i.type for i in second_items] == ["function_call_output"]
    assert second_items[0].call_id == call.call_id  # type: ignore[union-attr]
    assert sdk.responses.retrieve(second.id).output_text == "It is sunny in Paris."


@openai_responses.mock()
def test_function_call_arguments_default_to_the_tool_schema(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(function_call="get_weather")
    response = client().responses.create(model="gpt-4o", input="x", tools=[WEATHER_TOOL])
    assert json.loads(response.output[0].arguments) == {"city": ""}  # type: ignore[union-attr]


@openai_responses.mock()
def test_store_false_is_not_retrievable_nor_chainable() -> None:
    sdk = client()
    response = sdk.responses.create(model="gpt-4o", input="x", store=False)
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.responses.retrieve(response.id)
    assert missing.value.body == {
        "message": f"Response with id '{response.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.BadRequestError):
        sdk.responses.create(model="gpt-4o", input="y", previous_response_id=response.id)


@openai_responses.mock()
def test_unknown_previous_response_id_is_a_400_with_param() -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client().responses.create(model="gpt-4o", input="x", previous_response_id="resp_nope")
    assert raised.value.status_code == 400
    assert raised.value.body == {
        "message": "Previous response with id 'resp_nope' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


@openai_responses.mock()
def test_input_items_pagination() -> None:
    sdk = client()
    words = ["a", "b", "c", "d", "e"]
    response = sdk.responses.create(
        model="gpt-4o", input=[{"role": "user", "content": w} for w in words]
    )
    first_page = sdk.responses.input_items.list(response.id, limit=2, order="asc")
    assert [i.content[0].text for i in first_page.data] == ["a", "b"]  # type: ignore[union-attr]
    assert first_page.has_more
    everything = list(sdk.responses.input_items.list(response.id, limit=2, order="asc"))
    assert [i.content[0].text for i in everything] == words  # type: ignore[union-attr]
    newest_first = sdk.responses.input_items.list(response.id).data  # the API's default: desc
    assert [i.content[0].text for i in newest_first] == words[::-1]  # type: ignore[union-attr]


@openai_responses.mock()
def test_delete() -> None:
    sdk = client()
    response = sdk.responses.create(model="gpt-4o", input="x")
    assert sdk.responses.delete(response.id) is None
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.input_items.list(response.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.delete(response.id)


# -- background mode -------------------------------------------------------------------------------
@openai_responses.mock()
def test_background_lifecycle_over_retrieves(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(text="Done.", progress=["queued", "queued", "in_progress"])
    sdk = client()
    created = sdk.responses.create(model="gpt-4o", input="long job", background=True)
    statuses = [created.status]
    while statuses[-1] in ("queued", "in_progress"):
        statuses.append(sdk.responses.retrieve(created.id).status)
    assert statuses == ["queued", "queued", "in_progress", "completed"]
    final = sdk.responses.retrieve(created.id)
    assert final.output_text == "Done." and final.background is True


@openai_responses.mock()
def test_background_cancel() -> None:
    sdk = client()
    created = sdk.responses.create(model="gpt-4o", input="x", background=True)
    cancelled = sdk.responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    assert sdk.responses.retrieve(created.id).status == "cancelled"
    assert sdk.responses.cancel(created.id).status == "cancelled"  # idempotent

    synchronous = sdk.responses.create(model="gpt-4o", input="x")
    with pytest.raises(openai.BadRequestError, match="Cannot cancel a synchronous response"):
        sdk.responses.cancel(synchronous.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.cancel("resp_missing")


@openai_responses.mock()
def test_retrieve_stream_resumes_after_a_sequence_number(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(text="Resumable streamed answer")
    sdk = client()
    stream = sdk.responses.create(model="gpt-4o", input="x", background=True, stream=True)
    events = list(stream)
    response_id = events[0].response.id  # type: ignore[union-attr]
    cut = 4

    resumed = list(sdk.responses.retrieve(response_id, stream=True, starting_after=cut))
    assert [e.sequence_number for e in resumed] == [e.sequence_number for e in events[cut + 1 :]]
    assert [e.type for e in resumed] == [e.type for e in events[cut + 1 :]]
    with sdk.responses.stream(response_id=response_id) as replay:
        assert replay.get_final_response().output_text == "Resumable streamed answer"


# -- streams through the SDK helpers ---------------------------------------------------------------
@openai_responses.mock()
def test_stream_helper_text(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(reasoning="Let me think.", text="Hello there, friend!")
    with client().responses.stream(model="gpt-4o", input="hi") as stream:
        events = list(stream)
        final = stream.get_final_response()
    types = [event.type for event in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert "response.reasoning_summary_text.delta" in types
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) > 1 and "".join(deltas) == "Hello there, friend!"
    assert final.output_text == "Hello there, friend!"
    assert client().responses.retrieve(final.id).output_text == "Hello there, friend!"


@openai_responses.mock()
def test_stream_helper_function_call(openai_mock: OpenAIMock) -> None:
    arguments = {"city": "San Francisco, California"}
    openai_mock.responses.create.script(
        function_call={"name": "get_weather", "arguments": arguments}
    )
    with client().responses.stream(model="gpt-4o", input="x", tools=[WEATHER_TOOL]) as stream:
        events = list(stream)
        final = stream.get_final_response()
    deltas = [e for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(deltas) > 1
    assert deltas[-1].snapshot == json.dumps(arguments)
    call = final.output[0]
    assert call.type == "function_call" and json.loads(call.arguments) == arguments
    assert call.parsed_arguments == arguments  # strict tool: the SDK parses the arguments


@openai_responses.mock()
async def test_async_stream_helper_and_create(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(text="async text").script(function_call="get_weather")
    sdk = async_client()
    async with sdk.responses.stream(model="gpt-4o", input="x") as stream:
        types = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert "response.output_text.delta" in types and final.output_text == "async text"

    called = await sdk.responses.create(model="gpt-4o", input="x", tools=[WEATHER_TOOL])
    assert called.output[0].type == "function_call"
    assert (await sdk.responses.retrieve(called.id)).id == called.id
    items = [item async for item in sdk.responses.input_items.list(called.id)]
    assert [item.type for item in items] == ["message"]
    assert await sdk.responses.delete(called.id) is None


# -- structured output -----------------------------------------------------------------------------
class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


@openai_responses.mock()
def test_parse_with_a_pydantic_model(openai_mock: OpenAIMock) -> None:
    sdk = client()
    default = sdk.responses.parse(model="gpt-4o", input="x", text_format=CalendarEvent)
    assert default.output_parsed == CalendarEvent(name="", date="", participants=[])

    scripted = {"name": "Science fair", "date": "Friday", "participants": ["Alice", "Bob"]}
    openai_mock.responses.create.script(text=scripted)
    parsed = sdk.responses.parse(model="gpt-4o", input="x", text_format=CalendarEvent)
    assert parsed.output_parsed == CalendarEvent(**scripted)
    assert parsed.text and parsed.text.format.type == "json_schema"  # echoed


@openai_responses.mock()
def test_stream_with_text_format() -> None:
    with client().responses.stream(model="gpt-4o", input="x", text_format=CalendarEvent) as stream:
        final = stream.get_final_response()
    assert isinstance(final.output_parsed, CalendarEvent)


# -- tokens, compaction, beta ----------------------------------------------------------------------
@openai_responses.mock()
def test_input_tokens_count_is_stable() -> None:
    sdk = client()
    counts = {
        sdk.responses.input_tokens.count(model="gpt-4o", input="Tell me a story").input_tokens
        for _ in range(3)
    }
    longer = sdk.responses.input_tokens.count(model="gpt-4o", input="Tell me a story " * 20)
    assert len(counts) == 1 and counts.pop() < longer.input_tokens
    assert longer.object == "response.input_tokens"


@openai_responses.mock()
def test_compact() -> None:
    sdk = client()
    first = sdk.responses.create(model="gpt-4o", input="hello")
    compacted = sdk.responses.compact(model="gpt-4o", previous_response_id=first.id)
    assert isinstance(compacted, CompactedResponse)
    assert compacted.object == "response.compaction"
    assert compacted.output[-1].type == "compaction"
    assert compacted.usage.input_tokens > 0


@pytest.mark.skipif(not hasattr(openai.OpenAI, "beta"), reason="no beta namespace")
@openai_responses.mock()
def test_beta_responses_share_the_engine(openai_mock: OpenAIMock) -> None:
    sdk = client()
    beta = getattr(sdk.beta, "responses", None)
    if beta is None:
        pytest.skip("this SDK has no client.beta.responses")
    openai_mock.beta.responses.create.script(text="beta")
    created = beta.create(model="gpt-4o", input="x")
    assert created.output[0].content[0].text == "beta"
    assert sdk.responses.retrieve(created.id).id == created.id
    assert openai_mock.responses.create.route.call_count == 1  # one route, two SDK paths


def test_created_response_is_the_sdk_type() -> None:
    with OpenAIMock().router:
        assert isinstance(client().responses.create(model="gpt-4o", input="x"), Response)
