"""Stream builders, proven against the openai SDK's own stream parsers and accumulators.

Every stream goes through a real `openai.OpenAI` / `openai.AsyncOpenAI` client whose transport is
the library's own `MockTransport` (httpx2 on openai 3.x, httpx on 2.x), so what is asserted is
what the SDK reassembles, not our own view.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx
import openai
import pytest
from openai.types.beta.assistant_stream_event import ThreadRunCreated
from openai.types.beta.threads import Run
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

from openai_responses._sse import DONE, encode_event, iter_sse
from openai_responses.ext.httpx import MockTransport
from openai_responses.streaming import (
    AsyncEventStream,
    Event,
    EventStream,
    chat_completion_chunks,
    chat_completion_stream,
    response_events,
    response_stream,
)

MESSAGES: Any = [{"role": "user", "content": "Hello!"}]
TEXT = "The quick brown fox jumps over the lazy dog, twice: extraordinarily quickly."
ARGS = '{"city":"Paris","unit":"celsius","days":[1,2,3]}'
SSE_HEADERS = {"content-type": "text/event-stream"}

# --------------------------------------------------------------------------------------------
# Clients whose transport answers with a given body
# --------------------------------------------------------------------------------------------


def sync_client(content: Any) -> openai.OpenAI:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, content=content)

    http_client = openai.DefaultHttpxClient(transport=MockTransport(handler))
    return openai.OpenAI(
        api_key="sk-test", base_url="http://testserver/v1", http_client=http_client
    )


def async_client(content: Any) -> openai.AsyncOpenAI:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, content=content)

    http_client = openai.DefaultAsyncHttpxClient(
        transport=MockTransport(lambda request: httpx.Response(500), async_handler=handler)
    )
    return openai.AsyncOpenAI(
        api_key="sk-test", base_url="http://testserver/v1", http_client=http_client
    )


# --------------------------------------------------------------------------------------------
# Objects to stream
# --------------------------------------------------------------------------------------------


def completion(*messages: dict[str, Any], usage: bool = True) -> ChatCompletion:
    choices = [
        {
            "index": index,
            "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": None, "refusal": None, **message},
        }
        for index, message in enumerate(messages)
    ]
    data: dict[str, Any] = {
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o",
        "system_fingerprint": "fp_1",
        "choices": choices,
    }
    if usage:
        data["usage"] = {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}
    return ChatCompletion.model_validate(data)


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


TOOL_COMPLETION = completion(
    {
        "content": None,
        "tool_calls": [
            tool_call("call_1", "get_weather", ARGS),
            tool_call("call_2", "get_time", '{"tz":"Europe/Paris"}'),
        ],
    }
)


def response(*output: dict[str, Any], status: str = "completed") -> Response:
    return Response.model_validate(
        {
            "id": "resp_abc123",
            "object": "response",
            "created_at": 1_700_000_000,
            "model": "gpt-4o",
            "status": status,
            "output": list(output),
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": 9,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": 12,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 21,
            },
        }
    )


def message_item(*parts: dict[str, Any], item_id: str = "msg_1") -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": list(parts),
    }


def text_part(text: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": annotations or []}


FUNCTION_ITEM: dict[str, Any] = {
    "id": "fc_1",
    "type": "function_call",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": ARGS,
    "status": "completed",
}
REASONING_ITEM: dict[str, Any] = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [
        {"type": "summary_text", "text": "First, think about foxes carefully."},
        {"type": "summary_text", "text": "Then about dogs."},
    ],
}


def stream_types(events: list[Any]) -> list[str]:
    return [event.type for event in events]


# --------------------------------------------------------------------------------------------
# SSE encoding / parsing
# --------------------------------------------------------------------------------------------


def test_encode_event_writes_one_compact_frame() -> None:
    assert (
        encode_event({"a": 1, "b": [1, 2]}, "thing") == b'event: thing\ndata: {"a":1,"b":[1,2]}\n\n'
    )
    assert encode_event("[DONE]") == DONE


@pytest.mark.parametrize(
    ("data", "event", "expected"),
    [
        ({"é": "ü", "n": None}, None, '{"é":"ü","n":null}'),
        ("line one\nline two", "multi", "line one\nline two"),
        (b"raw bytes", "message", "raw bytes"),
        (Run.model_construct(id="run_1", status="queued"), "x", '{"id":"run_1","status":"queued"}'),
    ],
)
def test_iter_sse_round_trips_encode_event(data: Any, event: str | None, expected: str) -> None:
    body = encode_event(data, event) + encode_event("second") + DONE
    assert list(iter_sse(body)) == [(event, expected), (None, "second"), (None, "[DONE]")]


# --------------------------------------------------------------------------------------------
# Chat Completions: chunk shapes
# --------------------------------------------------------------------------------------------


def test_chunks_follow_the_api_shape() -> None:
    chunks = chat_completion_chunks(completion({"content": TEXT}))
    first, *middle, last = chunks
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    assert len(middle) >= 5  # several content deltas: reassembly is not trivial
    assert "".join(c.choices[0].delta.content or "" for c in middle) == TEXT
    assert [c.choices[0].finish_reason for c in chunks].count("stop") == 1
    assert last.choices[0].finish_reason == "stop"
    assert {(c.id, c.object, c.model) for c in chunks} == {
        ("chatcmpl-abc123", "chat.completion.chunk", "gpt-4o")
    }


def test_tool_calls_stream_name_first_then_argument_fragments() -> None:
    chunks = chat_completion_chunks(TOOL_COMPLETION)
    deltas = [tc for c in chunks for tc in c.choices[0].delta.tool_calls or []]
    first_call = [d for d in deltas if d.index == 0]
    opening, *fragments = first_call
    assert (opening.id, opening.type) == ("call_1", "function")
    assert opening.function is not None
    assert (opening.function.name, opening.function.arguments) == ("get_weather", "")
    assert len(fragments) > 2
    assert all(f.id is None and f.function and f.function.name is None for f in fragments)
    assert "".join(f.function.arguments or "" for f in fragments if f.function) == ARGS


def test_usage_chunk_only_when_asked() -> None:
    plain = chat_completion_chunks(completion({"content": TEXT}))
    with_usage = chat_completion_chunks(completion({"content": TEXT}), include_usage=True)
    assert all(c.usage is None for c in plain)
    assert len(with_usage) == len(plain) + 1
    assert with_usage[-1].choices == []
    assert with_usage[-1].usage is not None and with_usage[-1].usage.total_tokens == 21
    no_usage = chat_completion_chunks(
        completion({"content": "hi"}, usage=False), include_usage=True
    )
    assert no_usage[-1].choices  # nothing to report: no usage chunk


def test_chat_stream_ends_with_done() -> None:
    body = chat_completion_stream(completion({"content": TEXT}))
    assert body.endswith(b"\n\ndata: [DONE]\n\n")
    events = list(iter_sse(body))
    assert all(event is None for event, _ in events)
    assert len(events) == len(chat_completion_chunks(completion({"content": TEXT}))) + 1


# --------------------------------------------------------------------------------------------
# Chat Completions through the SDK
# --------------------------------------------------------------------------------------------


def test_sdk_create_stream_reassembles_text_and_tool_arguments() -> None:
    source = completion({"content": TEXT, "tool_calls": [tool_call("call_1", "f", ARGS)]})
    client = sync_client(chat_completion_stream(source))
    stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    text, arguments, finish = "", "", []
    for chunk in stream:
        assert isinstance(chunk, ChatCompletionChunk)
        delta = chunk.choices[0].delta
        text += delta.content or ""
        for call in delta.tool_calls or []:
            arguments += call.function.arguments or "" if call.function else ""
        finish.append(chunk.choices[0].finish_reason)
    assert text == TEXT
    assert arguments == ARGS
    assert [f for f in finish if f] == ["tool_calls"]


def test_sdk_stream_helper_rebuilds_the_completion() -> None:
    client = sync_client(chat_completion_stream(TOOL_COMPLETION))
    with client.chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    expected = TOOL_COMPLETION.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []] == [
        (c.id, c.function.name, c.function.arguments) for c in expected if c.type == "function"
    ]
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.id == TOOL_COMPLETION.id


def test_sdk_stream_helper_text_and_refusal() -> None:
    source = completion({"content": TEXT}, {"refusal": "I'm sorry, I cannot help with that."})
    client = sync_client(chat_completion_stream(source))
    with client.chat.completions.stream(model="gpt-4o", messages=MESSAGES, n=2) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == TEXT
    assert final.choices[1].message.refusal == "I'm sorry, I cannot help with that."
    assert final.choices[1].message.content is None


def test_n_choices_interleave_and_reassemble() -> None:
    source = completion({"content": TEXT}, {"content": "A different, shorter answer."})
    chunks = chat_completion_chunks(source)
    indexes = [c.choices[0].index for c in chunks]
    assert indexes[:4] == [0, 1, 0, 1]  # interleaved, not one choice after the other
    client = sync_client(chat_completion_stream(source))
    stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, n=2, stream=True)
    texts = ["", ""]
    for chunk in stream:
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    assert texts == [TEXT, "A different, shorter answer."]


def test_sdk_stream_helper_reads_usage_chunk() -> None:
    client = sync_client(chat_completion_stream(completion({"content": TEXT}), include_usage=True))
    with client.chat.completions.stream(
        model="gpt-4o", messages=MESSAGES, stream_options={"include_usage": True}
    ) as stream:
        final = stream.get_final_completion()
    assert final.usage is not None
    assert final.usage.total_tokens == 21
    assert final.choices[0].message.content == TEXT


async def test_async_sdk_create_and_stream_helper() -> None:
    body = chat_completion_stream(TOOL_COMPLETION)
    client = async_client(body)
    stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    arguments: dict[int, str] = {}
    async for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or []:
            fragment = call.function.arguments or "" if call.function else ""
            arguments[call.index] = arguments.get(call.index, "") + fragment
    assert arguments == {0: ARGS, 1: '{"tz":"Europe/Paris"}'}
    async with async_client(body).chat.completions.stream(
        model="gpt-4o", messages=MESSAGES
    ) as helper:
        final = await helper.get_final_completion()
    assert [c.function.arguments for c in final.choices[0].message.tool_calls or []] == [
        ARGS,
        '{"tz":"Europe/Paris"}',
    ]


# --------------------------------------------------------------------------------------------
# Responses API
# --------------------------------------------------------------------------------------------


def test_response_event_sequence_for_a_message() -> None:
    events = response_events(response(message_item(text_part(TEXT))))
    types = stream_types(events)
    deltas = types.count("response.output_text.delta")
    assert deltas >= 5
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    created = events[0]
    assert created.type == "response.created"
    assert created.response.status == "in_progress"
    assert created.response.output == []


def test_sdk_create_stream_yields_events_in_order() -> None:
    source = response(message_item(text_part(TEXT)))
    client = sync_client(response_stream(source))
    events = list(client.responses.create(model="gpt-4o", input="hi", stream=True))
    assert stream_types(events) == stream_types(response_events(source))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == TEXT


def test_response_stream_wire_format() -> None:
    body = response_stream(response(message_item(text_part("Hi there."))))
    frames = list(iter_sse(body))
    assert not body.endswith(DONE)  # the Responses API sends no [DONE]
    assert all(event == json.loads(data)["type"] for event, data in frames)


def test_sdk_stream_helper_rebuilds_text() -> None:
    annotation = {
        "type": "url_citation",
        "url": "https://example.com",
        "title": "Example",
        "start_index": 0,
        "end_index": 3,
    }
    source = response(message_item(text_part(TEXT, [annotation]), text_part(" And more.")))
    client = sync_client(response_stream(source))
    with client.responses.stream(model="gpt-4o", input="hi") as stream:
        snapshots = [e.snapshot for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert snapshots[-1] == " And more."  # the accumulator rebuilt each part from deltas
    assert TEXT in snapshots
    assert final.output_text == TEXT + " And more."
    assert final.id == "resp_abc123"


def test_sdk_stream_helper_rebuilds_function_call() -> None:
    source = response(FUNCTION_ITEM)
    types = stream_types(response_events(source))
    assert types.count("response.function_call_arguments.delta") > 2
    assert "response.function_call_arguments.done" in types
    client = sync_client(response_stream(source))
    with client.responses.stream(model="gpt-4o", input="hi") as stream:
        snapshots = [
            e.snapshot for e in stream if e.type == "response.function_call_arguments.delta"
        ]
        final = stream.get_final_response()
    assert snapshots[-1] == ARGS
    call = final.output[0]
    assert call.type == "function_call"
    assert (call.name, call.arguments, call.call_id) == ("get_weather", ARGS, "call_1")


def test_sdk_stream_helper_rebuilds_reasoning_then_message() -> None:
    source = response(REASONING_ITEM, message_item(text_part(TEXT)))
    events = response_events(source)
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary == "First, think about foxes carefully.Then about dogs."
    types = stream_types(events)
    assert types[2:5] == [
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
    ]
    assert types.count("response.reasoning_summary_part.done") == 2
    client = sync_client(response_stream(source))
    with client.responses.stream(model="gpt-4o", input="hi") as stream:
        final = stream.get_final_response()
    assert final.output_text == TEXT
    reasoning = final.output[0]
    assert reasoning.type == "reasoning"
    assert [s.text for s in reasoning.summary] == [s["text"] for s in REASONING_ITEM["summary"]]


def test_refusal_and_reasoning_text_events() -> None:
    refusal = {"type": "refusal", "refusal": "I can't do that, sorry."}
    thinking = {
        **REASONING_ITEM,
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "Hmm, let me see."}],
    }
    events = response_events(response(thinking, message_item(refusal)))
    types = stream_types(events)
    assert "response.reasoning_text.done" in types
    assert (
        "".join(e.delta for e in events if e.type == "response.refusal.delta") == refusal["refusal"]
    )
    client = sync_client(response_stream(response(thinking, message_item(refusal))))
    with client.responses.stream(model="gpt-4o", input="hi") as stream:
        final = stream.get_final_response()
    message = final.output[1]
    assert message.type == "message"
    assert message.content[0].type == "refusal"


@pytest.mark.parametrize(
    ("status", "terminal"),
    [("incomplete", "response.incomplete"), ("failed", "response.failed")],
)
def test_terminal_event_matches_status(status: str, terminal: str) -> None:
    source = response(message_item(text_part("Partial")), status=status)
    assert stream_types(response_events(source))[-1] == terminal
    client = sync_client(response_stream(source))
    events = list(client.responses.create(model="gpt-4o", input="hi", stream=True))
    assert events[-1].type == terminal


async def test_async_sdk_responses_stream() -> None:
    source = response(REASONING_ITEM, FUNCTION_ITEM, message_item(text_part(TEXT)))
    client = async_client(response_stream(source))
    events = [e async for e in await client.responses.create(model="m", input="hi", stream=True)]
    assert stream_types(events) == stream_types(response_events(source))
    async with async_client(response_stream(source)).responses.stream(
        model="gpt-4o", input="hi"
    ) as stream:
        final = await stream.get_final_response()
    assert final.output_text == TEXT
    assert [item.type for item in final.output] == ["reasoning", "function_call", "message"]


# --------------------------------------------------------------------------------------------
# EventStream / AsyncEventStream
# --------------------------------------------------------------------------------------------


def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {
            "id": "chatcmpl-123",
            "object": "chat.completion.chunk",
            "created": 1694268190,
            "model": "gpt-4o",
            "system_fingerprint": "fp_44709d6fcb",
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
    )


class CreateChatCompletionEventStream(EventStream[ChatCompletionChunk]):
    def generate(self) -> Generator[ChatCompletionChunk, None, None]:
        yield chunk({"role": "assistant", "content": ""})
        yield chunk({"content": "Hello"})
        yield chunk({}, finish_reason="stop")


class EventsWithNames(EventStream[Event]):
    def generate(self) -> Generator[Event, None, None]:
        yield self.event(None, chunk({"role": "assistant", "content": "Hi"}))
        yield self.event(None, chunk({}, finish_reason="stop"))


def test_event_stream_docs_example_through_the_sdk() -> None:
    for stream_class in (CreateChatCompletionEventStream, EventsWithNames):
        client = sync_client(stream_class())
        chunks = list(
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        )
        assert all(c.id == "chatcmpl-123" for c in chunks)
        assert len(chunks) == (3 if stream_class is CreateChatCompletionEventStream else 2)


def test_event_stream_bytes_and_terminator() -> None:
    body = b"".join(CreateChatCompletionEventStream())
    assert body.endswith(DONE)
    assert [event for event, _ in iter_sse(body)] == [None] * 4

    class ResponsesStream(EventStream[Any]):
        terminator = None

        def generate(self) -> Generator[Any, None, None]:
            yield from response_events(response(message_item(text_part("Hi"))))

    body = b"".join(ResponsesStream())
    assert not body.endswith(DONE)
    assert body == response_stream(response(message_item(text_part("Hi"))))


def test_event_stream_sends_assistants_envelopes_as_event_and_data() -> None:
    run = Run.model_construct(id="run_1", object="thread.run", status="queued")

    class RunStream(EventStream[ThreadRunCreated]):
        def generate(self) -> Generator[ThreadRunCreated, None, None]:
            yield ThreadRunCreated.model_construct(event="thread.run.created", data=run)

    frames = list(iter_sse(b"".join(RunStream())))
    assert frames[0][0] == "thread.run.created"
    assert json.loads(frames[0][1]) == {"id": "run_1", "object": "thread.run", "status": "queued"}


class AsyncChunks(AsyncEventStream[ChatCompletionChunk]):
    async def generate(self) -> AsyncGenerator[ChatCompletionChunk, None]:
        yield chunk({"role": "assistant", "content": ""})
        yield chunk({"content": "Hello"})
        yield chunk({}, finish_reason="stop")


class AsyncChunksFromSyncGenerator(AsyncEventStream[ChatCompletionChunk]):
    # Earlier releases documented a plain generator here; keep accepting it.
    def generate(self) -> Generator[ChatCompletionChunk, None, None]:
        yield chunk({"role": "assistant", "content": "Hello"})
        yield chunk({}, finish_reason="stop")


@pytest.mark.parametrize("stream_class", [AsyncChunks, AsyncChunksFromSyncGenerator])
async def test_async_event_stream_through_the_sdk(
    stream_class: Callable[[], AsyncEventStream[ChatCompletionChunk]],
) -> None:
    client = async_client(stream_class())
    async with client.chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
        final = await stream.get_final_completion()
    assert final.choices[0].message.content == "Hello"
    assert final.choices[0].finish_reason == "stop"


async def test_async_event_stream_is_not_sync_iterable() -> None:
    # httpx picks the sync path for anything with __iter__, which an async client cannot read.
    stream = AsyncChunks()
    assert not hasattr(stream, "__iter__")
    frames: list[bytes] = [frame async for frame in stream]
    assert frames[-1] == DONE


def test_event_stream_without_generate_says_so() -> None:
    with pytest.raises(NotImplementedError, match="override generate"):
        list(EventStream[Any]())
