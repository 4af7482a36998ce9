"""helpers.builders / helpers.mergers: every model of the endpoint table has a builder and a
merger, and openai-responses 0.13's names work the way its examples use them."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Generator
from typing import Any

import openai
import pytest
from openai.types.beta.assistant_stream_event import (
    AssistantStreamEvent,
    ThreadMessageCreated,
    ThreadRunCompleted,
    ThreadRunCreated,
)
from openai.types.beta.threads import Message, Run
from openai.types.beta.threads.runs import RunStep
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

import openai_responses
from openai_responses import OpenAIMock, StateStore
from openai_responses._endpoints import ENDPOINTS
from openai_responses.ext.httpx import Request, Response
from openai_responses.ext.respx import Route
from openai_responses.helpers import builders, mergers
from openai_responses.helpers.builders.chat import chat_completion_from_create_request
from openai_responses.helpers.builders.messages import build_message, message_from_create_request
from openai_responses.helpers.builders.run_steps import build_run_step
from openai_responses.helpers.builders.runs import run_from_create_request
from openai_responses.helpers.mergers.runs import merge_run_with_partial
from openai_responses.streaming import AsyncEventStream, EventStream

MODEL_ROWS = sorted({row.sdk: row for row in ENDPOINTS if row.model is not None}.items())


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", max_retries=0)


# -- every model -------------------------------------------------------------------------------
@pytest.mark.parametrize(("sdk", "row"), MODEL_ROWS, ids=[sdk for sdk, _ in MODEL_ROWS])
def test_every_row_builds_its_model(sdk: str, row: Any) -> None:
    obj = builders.build(sdk)
    assert isinstance(obj, row.model)
    again = row.model.model_validate(obj.model_dump(mode="json", by_alias=True))
    assert again == obj
    if "id" in row.model.model_fields and isinstance(obj.id, str):
        assert obj.id, sdk  # a realistic id, not the skeleton's empty string
        assert builders.build(sdk).id != obj.id


@pytest.mark.parametrize("name", builders.names())
def test_generated_builders(name: str) -> None:
    function = getattr(builders, name)
    if name.endswith("_from_create_request"):
        obj = function(Request("POST", "https://api.openai.com/v1/x", json={}))
    else:
        obj = function()
    assert isinstance(obj, BaseModel)


def _text_field(obj: BaseModel) -> str | None:
    """A field of ``obj`` that takes any text (not a literal), to merge a new value into."""
    data = obj.model_dump(mode="json", by_alias=True)
    for name, value in obj:
        if isinstance(value, str) and name not in ("object", "type", "id") and name in data:
            try:
                type(obj).model_validate({**data, name: "merged-value"})
            except ValueError:
                continue
            return name
    return None


@pytest.mark.parametrize("name", mergers.names())
def test_generated_mergers(name: str) -> None:
    stem = name.removeprefix("merge_").removesuffix("_with_partial")
    model = getattr(builders, f"build_{stem}")()
    field = _text_field(model)
    merge = getattr(mergers, name)
    if field is None:
        assert merge(model, {}) == model
        return
    merged = merge(model, {field: "merged-value"})
    assert getattr(merged, field) == "merged-value"
    assert getattr(model, field) != "merged-value"  # a copy: the original is left alone
    assert type(merged) is type(model)


def test_generated_names_cover_the_anchor_names_and_reject_others() -> None:
    assert "build_vector_store_file_batch" in builders.names()
    assert "run_from_create_request" in builders.names()
    assert "merge_assistant_with_partial" in mergers.names()
    with pytest.raises(AttributeError):
        _ = builders.build_nothing_at_all
    with pytest.raises(TypeError, match="expected Run"):
        mergers.merge_run_with_partial(build_message({"role": "user"}), {})


def test_a_merger_updates_as_the_api_does() -> None:
    run = builders.build(Run, {"metadata": {"a": "1"}, "status": "queued"})
    merged = merge_run_with_partial(
        run, {"status": "requires_action", "metadata": {"b": "2"}, "usage": None}
    )
    assert merged.status == "requires_action"
    assert merged.metadata == {"b": "2"}  # metadata is replaced, as an update replaces it
    assert merged.id == run.id and run.status == "queued"


def test_builders_echo_the_request_and_fill_path_ids() -> None:
    body = {"assistant_id": "asst_1", "instructions": "be brief", "model": "gpt-4o"}
    request = Request("POST", "https://api.openai.com/v1/threads/thread_9/runs", json=body)
    run = run_from_create_request("thread_1", request, extra={"tools": []})
    assert (run.thread_id, run.assistant_id, run.instructions) == ("thread_1", "asst_1", "be brief")
    assert run.id.startswith("run_")
    # without an explicit id, the thread comes from the request's URL
    assert builders.from_create_request(Run, request=request).thread_id == "thread_9"
    message = message_from_create_request("thread_1", request, extra={"role": "assistant"})
    assert (message.thread_id, message.role) == ("thread_1", "assistant")
    assert message.id.startswith("msg_")
    # the route's own logic: a string becomes a text block, as the API answers it
    said = Request(
        "POST", "https://x/v1/threads/t/messages", json={"role": "user", "content": "Hi"}
    )
    text = message_from_create_request("t", said).content[0]
    assert text.type == "text" and text.text.value == "Hi"


# -- the anchor's examples, in our words -------------------------------------------------------
def flaky_completion(request: Request, route: Route) -> Response:
    if route.call_count < 2:
        return Response(500)
    completion = chat_completion_from_create_request(request, extra={"choices": []})
    return Response(201, json=completion.model_dump(mode="json"))


@openai_responses.mock()
def test_callable_builds_the_answer_after_failures(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = flaky_completion
    answer = openai.OpenAI(api_key="sk-test", max_retries=3).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert isinstance(answer, ChatCompletion)
    assert (answer.model, answer.choices) == ("gpt-4o-mini", [])
    assert openai_mock.chat.completions.create.route.call_count == 3


@openai_responses.mock()
def test_built_steps_and_messages_are_listed(openai_mock: OpenAIMock) -> None:
    api = client()
    assistant = api.beta.assistants.create(model="gpt-4o")
    thread = api.beta.threads.create()
    run = api.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
    message = build_message(
        {
            "thread_id": thread.id,
            "run_id": run.id,
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "text", "text": {"annotations": [], "value": "Hi"}}],
        }
    )
    step = build_run_step(
        {
            "thread_id": thread.id,
            "run_id": run.id,
            "assistant_id": assistant.id,
            "status": "completed",
            "type": "message_creation",
            "step_details": {
                "type": "message_creation",
                "message_creation": {"message_id": message.id},
            },
        }
    )
    assert isinstance(step, RunStep) and step.id.startswith("step_")
    openai_mock.state.beta.threads.messages.put(message)
    openai_mock.state.beta.threads.runs.steps.put(step)
    steps = api.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert step.id in [s.id for s in steps]
    listed = api.beta.threads.messages.list(thread.id, run_id=run.id).data
    assert message.id in [m.id for m in listed]


def polled_run(request: Request, route: Route, *, state_store: StateStore, run_id: str) -> Response:
    run = state_store.beta.threads.runs.get(run_id)
    assert isinstance(run, Run)
    if route.call_count < 2:
        run = merge_run_with_partial(run, {"status": "in_progress"})
    else:
        call = {"name": "weather", "arguments": json.dumps({"city": "Paris"})}
        run = merge_run_with_partial(
            run,
            {
                "status": "requires_action",
                "required_action": {
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {
                        "tool_calls": [{"id": "call_1", "type": "function", "function": call}]
                    },
                },
            },
        )
    state_store.beta.threads.runs.put(run)
    return Response(200, json=run.model_dump(mode="json"))


@openai_responses.mock()
def test_polling_with_a_merged_run(openai_mock: OpenAIMock) -> None:
    api = client()
    assistant = api.beta.assistants.create(model="gpt-4o")
    thread = api.beta.threads.create()
    run = api.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
    openai_mock.beta.threads.runs.retrieve.response = polled_run
    statuses = [api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status for _ in "abc"]
    assert statuses == ["in_progress", "in_progress", "requires_action"]
    stored = openai_mock.state.beta.threads.runs.get(run.id)
    assert isinstance(stored, Run) and stored.required_action is not None


# -- streams returned from a route callable --------------------------------------------------
generated: list[str] = []


def _events(run: Run, state: StateStore) -> list[AssistantStreamEvent]:
    generated.append(run.id)
    state.beta.threads.runs.put(run)
    message = build_message(
        {"thread_id": run.thread_id, "run_id": run.id, "role": "assistant", "content": []}
    )
    state.beta.threads.messages.put(message)
    done = merge_run_with_partial(run, {"status": "completed"})
    state.beta.threads.runs.put(done)
    return [
        ThreadRunCreated(event="thread.run.created", data=run),
        ThreadMessageCreated(event="thread.message.created", data=message),
        ThreadRunCompleted(event="thread.run.completed", data=done),
    ]


class RunStream(EventStream[AssistantStreamEvent]):
    def __init__(self, run: Run, state: StateStore) -> None:
        self.run, self.state = run, state

    def generate(self) -> Generator[AssistantStreamEvent, None, None]:
        yield from _events(self.run, self.state)


class AsyncRunStream(AsyncEventStream[AssistantStreamEvent]):
    """Overrides ``agenerate``, as openai-responses 0.13's async streams do."""

    def __init__(self, run: Run, state: StateStore) -> None:
        self.run, self.state = run, state

    async def agenerate(self) -> AsyncGenerator[AssistantStreamEvent, None]:  # type: ignore[override]
        for event in _events(self.run, self.state):
            yield event


def stream_run(request: Request, *, thread_id: str, state_store: StateStore) -> Response:
    run = run_from_create_request(thread_id, request, extra={"model": "gpt-4o"})
    kind = RunStream if "async" not in request.headers.get("x-test", "") else AsyncRunStream
    return Response(201, content=kind(run, state_store))


@openai_responses.mock()
def test_a_stream_from_a_callable(openai_mock: OpenAIMock) -> None:
    generated.clear()
    openai_mock.beta.threads.runs.create.response = stream_run
    api = client()
    thread = api.beta.threads.create()
    with api.beta.threads.runs.stream(thread_id=thread.id, assistant_id="asst_1") as stream:
        stream.until_done()
        assert stream.current_run is not None
        assert stream.current_run.status == "completed"
    assert len(api.beta.threads.messages.list(thread.id).data) == 1
    assert len(generated) == 1  # the events are generated once, whoever reads the body again


@openai_responses.mock()
async def test_an_async_stream_from_a_callable(openai_mock: OpenAIMock) -> None:
    generated.clear()
    openai_mock.beta.threads.runs.create.response = stream_run
    api = openai.AsyncOpenAI(api_key="sk-test", max_retries=0)
    thread = await api.beta.threads.create()
    async with api.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id="asst_1", extra_headers={"x-test": "async"}
    ) as stream:
        await stream.until_done()
        assert stream.current_run is not None
    messages = await api.beta.threads.messages.list(thread.id)
    assert len(messages.data) == 1
    assert len(generated) == 1


def test_package_attributes_as_0_13_exposed_them() -> None:
    from openai_responses.stores import StateStore as Store

    assert Store is StateStore
    for name in ("ext", "helpers", "stores", "streaming"):
        assert getattr(openai_responses, name).__name__ == f"openai_responses.{name}"
    assert isinstance(build_message({"role": "user"}), Message)


class Counted(AsyncEventStream[dict[str, int]]):
    runs = 0

    async def generate(self) -> AsyncGenerator[dict[str, int], None]:  # type: ignore[override]
        type(self).runs += 1
        yield {"n": type(self).runs}


async def test_a_body_read_twice_replays_without_generating_again() -> None:
    """The SDK drains a finished async stream: a second read must not rerun ``generate``
    (its side effects, such as putting objects into the state, would happen twice)."""
    stream = Counted()
    first = [frame async for frame in stream]
    second = [frame async for frame in stream]
    assert first == second and Counted.runs == 1
    assert first[0].startswith(b"data: ")
