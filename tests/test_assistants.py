"""Assistants v2 on the StateStore, with no cassette: objects, relations, pagination and the
scripted run lifecycle, through the real openai client (sync and async)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import openai
import pytest
from openai.lib.streaming import AssistantEventHandler, AsyncAssistantEventHandler
from openai.types.beta import Assistant
from openai.types.beta.threads import Message, Run, Text, TextDelta
from openai.types.beta.threads.runs import ToolCall, ToolCallDelta

from openai_responses import OpenAIMock

# The SDK marks every Assistants method deprecated; that is the SDK's business, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture
def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-fake123")


@pytest.fixture
def aclient() -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="sk-fake123")


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every delay the SDK's poll helpers asked to sleep, sync or async."""
    recorded: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(time, "sleep", recorded.append)
    monkeypatch.setattr(anyio, "sleep", fake_async_sleep)
    return recorded


def weather_script(openai_mock: OpenAIMock) -> None:
    openai_mock.beta.threads.runs.create.script(
        tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}],
        then_reply="Sunny, 22°C",
    )


def assistant(client: openai.OpenAI, **kwargs: Any) -> Assistant:
    return client.beta.assistants.create(
        model="gpt-4o", instructions="You report weather.", tools=[WEATHER_TOOL], **kwargs
    )


def texts(messages: Any) -> list[tuple[str, str]]:
    return [(m.role, m.content[0].text.value) for m in messages]


# -- the flow of the issue ------------------------------------------------------------------
def test_tool_call_flow_with_poll_helpers(
    openai_mock: OpenAIMock, client: openai.OpenAI, sleeps: list[float]
) -> None:
    weather_script(openai_mock)
    bot = assistant(client)
    thread = client.beta.threads.create()
    client.beta.threads.messages.create(thread.id, role="user", content="Weather in Paris?")

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    assert run.status == "requires_action"
    assert run.required_action is not None
    (call,) = run.required_action.submit_tool_outputs.tool_calls
    assert (call.function.name, call.function.arguments) == ("get_weather", '{"city":"Paris"}')

    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "22"}]
    )
    assert run.status == "completed"
    assert run.usage is not None and run.usage.total_tokens > 0
    messages = client.beta.threads.messages.list(thread.id, order="asc")
    assert texts(messages) == [("user", "Weather in Paris?"), ("assistant", "Sunny, 22°C")]
    assert sleeps and set(sleeps) == {0}  # polled more than once, never waited


async def test_tool_call_flow_with_poll_helpers_async(
    openai_mock: OpenAIMock, aclient: openai.AsyncOpenAI, sleeps: list[float]
) -> None:
    weather_script(openai_mock)
    bot = await aclient.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    thread = await aclient.beta.threads.create(messages=[{"role": "user", "content": "Paris?"}])

    run = await aclient.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    assert run.status == "requires_action" and run.required_action is not None
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    run = await aclient.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "22"}]
    )
    assert run.status == "completed"
    messages = await aclient.beta.threads.messages.list(thread.id)
    assert texts(messages.data)[0] == ("assistant", "Sunny, 22°C")
    assert sleeps and set(sleeps) == {0}


class Recorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.text = ""
        self.tool_calls: list[ToolCall] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event.event)

    def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        self.text += delta.value or ""

    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        self.tool_calls.append(tool_call)


def test_tool_call_flow_with_stream_helpers(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    weather_script(openai_mock)
    bot = assistant(client)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Paris?"}])

    first = Recorder()
    with client.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=bot.id, event_handler=first
    ) as stream:
        stream.until_done()
    run = first.current_run
    assert run is not None and run.status == "requires_action"
    assert first.events[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert first.events[-1] == "thread.run.requires_action"
    assert "thread.run.step.delta" in first.events
    function = first.tool_calls[0].function  # type: ignore[union-attr]
    assert (function.name, function.arguments) == ("get_weather", '{"city":"Paris"}')

    second = Recorder()
    with client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": first.tool_calls[0].id, "output": "22"}],
        event_handler=second,
    ) as stream:
        stream.until_done()
        final = stream.get_final_run()
    assert final.status == "completed"
    assert second.text == "Sunny, 22°C"
    assert second.events[-1] == "thread.run.completed"
    assert "thread.message.created" in second.events
    # the stream left the same state polling would have
    assert texts(client.beta.threads.messages.list(thread.id, limit=1).data) == [
        ("assistant", "Sunny, 22°C")
    ]


class AsyncRecorder(AsyncAssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.deltas: list[ToolCallDelta] = []

    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        self.text += delta.value or ""

    async def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        self.deltas.append(delta)


async def test_tool_call_flow_with_stream_helpers_async(
    openai_mock: OpenAIMock, aclient: openai.AsyncOpenAI
) -> None:
    weather_script(openai_mock)
    bot = await aclient.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    thread = await aclient.beta.threads.create()
    first = AsyncRecorder()
    async with aclient.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=bot.id, event_handler=first
    ) as stream:
        await stream.until_done()
        run = await stream.get_final_run()
    assert run.status == "requires_action" and run.required_action is not None
    assert first.deltas  # the arguments arrived as fragments
    call = run.required_action.submit_tool_outputs.tool_calls[0]

    second = AsyncRecorder()
    async with aclient.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": call.id, "output": "22"}],
        event_handler=second,
    ) as stream:
        await stream.until_done()
        messages = await stream.get_final_messages()
    assert second.text == "Sunny, 22°C"
    assert messages[0].content[0].text.value == "Sunny, 22°C"  # type: ignore[union-attr]


# -- the default lifecycle and its scripts --------------------------------------------------
def test_default_lifecycle_over_retrieves(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread.id, assistant_id=bot.id)
    statuses = [run.status]
    for _ in range(3):
        statuses.append(client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status)
    assert statuses == ["queued", "in_progress", "completed", "completed"]

    messages = client.beta.threads.messages.list(thread.id)
    assert [(m.role, m.run_id, m.assistant_id) for m in messages] == [("assistant", run.id, bot.id)]
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
    assert [(s.type, s.status) for s in steps] == [("message_creation", "completed")]
    raw = client.beta.threads.runs.with_raw_response.retrieve(run.id, thread_id=thread.id)
    assert raw.headers["openai-poll-after-ms"] == "0"


def test_polls_say_how_long_each_status_lasts(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    openai_mock.beta.threads.runs.create.script(reply="42", polls={"queued": 2, "in_progress": 3})
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread.id, assistant_id=bot.id)
    statuses = [run.status] + [
        client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status for _ in range(5)
    ]
    assert statuses == ["queued"] * 2 + ["in_progress"] * 3 + ["completed"]
    assert texts(client.beta.threads.messages.list(thread.id)) == [("assistant", "42")]


def test_scripts_per_assistant(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    terse, chatty = assistant(client), assistant(client)
    openai_mock.beta.threads.runs.create.script(reply="Yes.")
    openai_mock.beta.threads.create_and_run.script(reply="Well, yes!", assistant_id=chatty.id)
    for bot, expected in ((terse, "Yes."), (chatty, "Well, yes!")):
        run = client.beta.threads.create_and_run_poll(assistant_id=bot.id)
        assert texts(client.beta.threads.messages.list(run.thread_id)) == [("assistant", expected)]


def test_failure(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    openai_mock.beta.threads.runs.create.script(fail="rate_limit_exceeded")
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    assert run.status == "failed" and run.failed_at is not None
    assert run.last_error is not None and run.last_error.code == "rate_limit_exceeded"
    assert client.beta.threads.messages.list(thread.id).data == []


def test_expiry(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    openai_mock.beta.threads.runs.create.script(expire=True)
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    assert run.status == "expired"


def test_cancel_goes_through_cancelling(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread.id, assistant_id=bot.id)
    cancelling = client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert cancelling.status == "cancelling"
    cancelled = client.beta.threads.runs.poll(run.id, thread.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert client.beta.threads.messages.list(thread.id).data == []

    with pytest.raises(openai.BadRequestError, match="Cannot cancel run with status 'cancelled'"):
        client.beta.threads.runs.cancel(run.id, thread_id=thread.id)


def test_cancel_while_waiting_for_tool_outputs(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    weather_script(openai_mock)
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    run = client.beta.threads.runs.poll(run.id, thread.id)
    assert run.status == "cancelled" and run.required_action is None
    (step,) = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
    assert step.status == "cancelled"


def test_callable_response_overrides_the_lifecycle(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread.id, assistant_id=bot.id)
    openai_mock.beta.threads.runs.retrieve.response = lambda request: Run.model_validate(
        {**run.model_dump(), "status": "incomplete"}
    )
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "incomplete"


def test_submit_tool_outputs_checks_state(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    weather_script(openai_mock)
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    with pytest.raises(openai.BadRequestError, match="Expected tool outputs for call_ids"):
        client.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_nope", "output": ""}]
        )
    openai_mock.beta.threads.runs.create.script(reply="done")
    other = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    with pytest.raises(openai.BadRequestError, match='status "completed" do not accept'):
        client.beta.threads.runs.submit_tool_outputs(
            other.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "x", "output": ""}]
        )


# -- what runs are made of ------------------------------------------------------------------
def test_run_copies_the_assistant_unless_overridden(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create()
    inherited = client.beta.threads.runs.create(thread.id, assistant_id=bot.id)
    assert (inherited.model, inherited.instructions) == ("gpt-4o", "You report weather.")
    assert [t.type for t in inherited.tools] == ["function"]

    overridden = client.beta.threads.runs.create(
        thread.id, assistant_id=bot.id, model="gpt-4.1", instructions="Be brief.", tools=[]
    )
    assert (overridden.model, overridden.instructions, overridden.tools) == (
        "gpt-4.1",
        "Be brief.",
        [],
    )


def test_additional_messages_join_the_thread(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    openai_mock.beta.threads.runs.create.script(reply="Hi Ada")
    bot = assistant(client)
    thread = client.beta.threads.create()
    client.beta.threads.runs.create_and_poll(
        thread_id=thread.id,
        assistant_id=bot.id,
        additional_messages=[{"role": "user", "content": [{"type": "text", "text": "I'm Ada"}]}],
    )
    messages = client.beta.threads.messages.list(thread.id, order="asc")
    assert texts(messages) == [("user", "I'm Ada"), ("assistant", "Hi Ada")]


def test_create_and_run_with_thread_messages(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    openai_mock.beta.threads.create_and_run.script(reply="Bonjour")
    bot = assistant(client)
    run = client.beta.threads.create_and_run_poll(
        assistant_id=bot.id,
        thread={"messages": [{"role": "user", "content": "Say hello in French"}]},
    )
    assert run.status == "completed"
    assert client.beta.threads.retrieve(run.thread_id).id == run.thread_id
    messages = client.beta.threads.messages.list(run.thread_id, order="asc")
    assert texts(messages) == [("user", "Say hello in French"), ("assistant", "Bonjour")]

    handler = Recorder()
    with client.beta.threads.create_and_run_stream(
        assistant_id=bot.id, thread={"messages": []}, event_handler=handler
    ) as stream:
        stream.until_done()
    assert handler.events[0] == "thread.created" and handler.text == "Bonjour"


def test_messages_filter_by_run(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "one"}])
    first = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    second = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    for run in (first, second):
        (message,) = client.beta.threads.messages.list(thread.id, run_id=run.id)
        assert message.run_id == run.id
    assert len(client.beta.threads.messages.list(thread.id).data) == 3


def test_steps_list_and_retrieve(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    weather_script(openai_mock)
    bot = assistant(client)
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    call = run.required_action.submit_tool_outputs.tool_calls[0]  # type: ignore[union-attr]
    client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "22"}]
    )
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc")
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    tool_step = client.beta.threads.runs.steps.retrieve(
        steps.data[0].id, thread_id=thread.id, run_id=run.id
    )
    assert tool_step.step_details.type == "tool_calls"
    assert tool_step.step_details.tool_calls[0].function.output == "22"  # type: ignore[union-attr]


# -- objects, relations, pagination, errors -------------------------------------------------
def test_assistant_crud(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    bot = assistant(client, name="Weather")
    assert bot.id.startswith("asst_") and bot.name == "Weather"
    updated = client.beta.assistants.update(bot.id, name="Meteo", metadata={"v": "2"})
    assert (updated.name, updated.metadata, updated.model) == ("Meteo", {"v": "2"}, "gpt-4o")
    assert client.beta.assistants.retrieve(bot.id).name == "Meteo"
    assert client.beta.assistants.delete(bot.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.beta.assistants.retrieve(bot.id)


def test_thread_and_message_crud(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    thread = client.beta.threads.create(metadata={"user": "ada"})
    assert client.beta.threads.update(thread.id, metadata={"user": "bob"}).metadata == {
        "user": "bob"
    }
    message = client.beta.threads.messages.create(thread.id, role="user", content="hi")
    assert isinstance(message, Message) and message.thread_id == thread.id
    client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"k": "v"})
    fetched = client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert fetched.metadata == {"k": "v"}
    deleted = client.beta.threads.messages.delete(message.id, thread_id=thread.id)
    assert (deleted.deleted, deleted.object) == (True, "thread.message.deleted")
    assert client.beta.threads.messages.list(thread.id).data == []


def test_message_pagination(openai_mock: OpenAIMock, client: openai.OpenAI) -> None:
    thread = client.beta.threads.create()
    ids = [
        client.beta.threads.messages.create(thread.id, role="user", content=str(i)).id
        for i in range(5)
    ]
    page = client.beta.threads.messages.list(thread.id, limit=2)  # newest first by default
    assert [m.id for m in page.data] == ids[:2:-1][:2] == [ids[4], ids[3]]
    assert page.has_more
    raw = client.beta.threads.messages.with_raw_response.list(thread.id, limit=2).http_response
    assert (raw.json()["first_id"], raw.json()["last_id"]) == (ids[4], ids[3])

    after = client.beta.threads.messages.list(thread.id, limit=2, order="asc", after=ids[1])
    assert [m.id for m in after.data] == ids[2:4] and after.has_more
    before = client.beta.threads.messages.list(thread.id, limit=2, order="asc", before=ids[3])
    assert [m.id for m in before.data] == ids[1:3] and before.has_more
    last = client.beta.threads.messages.list(thread.id, limit=2, order="asc", after=ids[2])
    assert [m.id for m in last.data] == ids[3:] and not last.has_more

    every = client.beta.threads.messages.list(thread.id, limit=2, order="asc")
    assert [m.id for m in every] == ids  # the SDK's auto-pagination follows after=last_id


def test_deleting_a_thread_deletes_what_it_owns(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=bot.id)
    (step,) = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
    assert client.beta.threads.delete(thread.id).deleted

    state = openai_mock.state
    assert state.all("messages", threads=thread.id) == []
    assert state.get("runs", run.id) is None and state.get("run_steps", step.id) is None
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.list(thread.id)
    assert client.beta.assistants.retrieve(bot.id).id == bot.id  # not owned by the thread


def test_unknown_ids_are_404s_in_openai_shape(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    bot = assistant(client)
    thread = client.beta.threads.create()
    with pytest.raises(openai.NotFoundError) as unknown_thread:
        client.beta.threads.runs.create("thread_nope", assistant_id=bot.id)
    assert unknown_thread.value.body == {
        "message": "No thread found with id 'thread_nope'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError, match="No assistant found with id 'asst_nope'"):
        client.beta.threads.runs.create(thread.id, assistant_id="asst_nope")
    with pytest.raises(openai.NotFoundError, match="No assistant found with id 'asst_nope'"):
        client.beta.threads.create_and_run(assistant_id="asst_nope")
    with pytest.raises(openai.NotFoundError, match="No run found with id 'run_nope'"):
        client.beta.threads.runs.retrieve("run_nope", thread_id=thread.id)
    assert openai_mock.state.all("threads") == [thread]  # create_and_run made no thread


def test_a_message_is_found_only_under_its_own_thread(
    openai_mock: OpenAIMock, client: openai.OpenAI
) -> None:
    first = client.beta.threads.create(messages=[{"role": "user", "content": "hello"}])
    other = client.beta.threads.create()
    message = client.beta.threads.messages.create(first.id, role="user", content="mine")

    assert client.beta.threads.messages.retrieve(message.id, thread_id=first.id).id == message.id
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.retrieve(message.id, thread_id=other.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.delete(message.id, thread_id=other.id)
