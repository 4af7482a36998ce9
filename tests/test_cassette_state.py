"""Real-world cassettes seed the StateStore: after a replay, calls the recording never made
answer from the objects it showed; ``StateStore.from_cassette`` starts a pure mock test
from them. The recordings are the corpus in ../shared/realworld-cassettes (PROVENANCE.md);
each test drives the SDK calls the original test made, as its file shows them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml
from openai.types.responses import Response

import openai_responses
from conftest import CORPUS, UPSTREAM_TEXT, FakeOpenAI
from openai_responses import CassetteMismatchError, OpenAIMock, StateStore

# The SDK marks every Assistants method deprecated; that is the SDK's business, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

if not CORPUS.is_dir():
    pytest.skip(f"the real-world cassette corpus is not at {CORPUS}", allow_module_level=True)

POLLING = str(CORPUS / "openllmetry" / "test_new_assistant_with_polling.yaml")
STREAMING = str(CORPUS / "openllmetry" / "test_streaming_new_assistant.yaml")
BACKGROUND = str(CORPUS / "pydantic-ai" / "test_background_mode_vcr.yaml")
CONVERSATION = str(
    CORPUS / "pydantic-ai" / "test_openai_conversation_id_tool_call_continuation.yaml"
)
PYDANTIC_STREAM = str(CORPUS / "pydantic-ai" / "test_openai_responses_stream.yaml")
CREWAI_STREAM = str(CORPUS / "crewai" / "test_openai_responses_api_streaming.yaml")

# What the openllmetry assistant tests send (both files).
TUTOR: Any = {
    "model": "gpt-4o-mini",
    "name": "Math Tutor",
    "instructions": "You are a personal math tutor. Write and run code to answer math questions.",
    "tools": [{"type": "code_interpreter"}],
}
QUESTION = "I need to solve the equation `3x + 11 = 14`. Can you help me?"
JANE = "Please address the user as Jane Doe. The user has a premium account."
ANSWER = "The solution to the equation \\(3x + 11 = 14\\) is \\(x = 1\\)."


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", max_retries=0)


def texts(messages: Any) -> list[tuple[str, str]]:
    return [(m.role, m.content[0].text.value) for m in messages]


# -- Assistants ---------------------------------------------------------------------------------
def start_tutoring(sdk: openai.OpenAI) -> tuple[str, str]:
    """assistants.create, threads.create, messages.create: the start of both recordings."""
    assistant = sdk.beta.assistants.create(**TUTOR)
    thread = sdk.beta.threads.create()
    sdk.beta.threads.messages.create(thread_id=thread.id, role="user", content=QUESTION)
    return assistant.id, thread.id


@openai_responses.mock(cassette=POLLING)
def test_polling_replay_is_fast_then_unrecorded_calls_answer_from_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    sdk = client()
    started = time.perf_counter()
    assistant_id, thread_id = start_tutoring(sdk)
    run = sdk.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id, instructions=JANE
    )
    recorded = sdk.beta.threads.messages.list(thread_id=thread_id, order="asc")
    assistant = sdk.beta.assistants.retrieve(assistant_id)
    elapsed = time.perf_counter() - started

    assert (run.id, run.status, run.usage and run.usage.total_tokens) == (
        "run_31fgVjfVXHHOJZbQnBWJXhlN",
        "completed",
        469,
    )
    assert texts(recorded.data) == [("user", QUESTION), ("assistant", ANSWER)]
    assert assistant.name == "Math Tutor"
    assert sum(sleeps) == 0, sleeps  # 19 polls, and not one real wait
    assert elapsed < 1.0

    # Never recorded (each recorded request plays once): answered from the seeded state.
    newest_first = sdk.beta.threads.messages.list(thread_id=thread_id)
    assert texts(newest_first.data) == [("assistant", ANSWER), ("user", QUESTION)]
    assert sdk.beta.assistants.retrieve(assistant_id).model_dump() == assistant.model_dump()
    assert sdk.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "completed"


@openai_responses.mock(cassette=STREAMING)
def test_streamed_run_replays_and_seeds_its_run_messages_and_steps() -> None:
    sdk = client()
    assistant_id, thread_id = start_tutoring(sdk)
    sdk.beta.assistants.retrieve(assistant_id)  # the recording's instrumentation looked it up
    with sdk.beta.threads.runs.stream(
        thread_id=thread_id, assistant_id=assistant_id, instructions=JANE
    ) as stream:
        stream.until_done()
        run = stream.get_final_run()
        [message] = stream.get_final_messages()
    assert (run.id, run.status) == ("run_PS0ksndVoX7DxtmdXn66ZMXU", "completed")
    assert texts([message]) == [("assistant", ANSWER)]

    # None of these were recorded: the run's events seeded them.
    listed = sdk.beta.threads.messages.list(thread_id=thread_id, order="asc")
    assert texts(listed.data) == [("user", QUESTION), ("assistant", ANSWER)]
    assert sdk.beta.threads.runs.retrieve(run.id, thread_id=thread_id).status == "completed"
    steps = sdk.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread_id, order="asc")
    assert [(s.type, s.status) for s in steps.data] == [
        ("tool_calls", "completed"),
        ("message_creation", "completed"),
    ]
    assert sdk.beta.assistants.retrieve(assistant_id).name == "Math Tutor"


# Hybrid replay, chosen explicitly: what the cassette lacks falls through to the mock.
@openai_responses.mock(cassette=POLLING, on_miss="mock")
def test_a_test_grows_on_recorded_objects(openai_mock: OpenAIMock) -> None:
    sdk = client()
    assistant_id, thread_id = start_tutoring(sdk)
    sdk.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id, instructions=JANE
    )
    # New, unrecorded calls on the recorded thread and assistant: the mock's own behaviour.
    sdk.beta.threads.messages.create(thread_id=thread_id, role="user", content="And 2x = 4?")
    openai_mock.beta.threads.runs.create.script("x = 2")
    followup = sdk.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id)
    assert followup.status == "completed"
    # This one was recorded: it replays the recorded page, an older snapshot of the thread...
    replayed = sdk.beta.threads.messages.list(thread_id=thread_id, order="asc")
    assert texts(replayed.data) == [("user", QUESTION), ("assistant", ANSWER)]
    # ...which leaves the newer state alone: the next listing shows all four.
    listed = sdk.beta.threads.messages.list(thread_id=thread_id)
    assert texts(reversed(listed.data)) == [
        ("user", QUESTION),
        ("assistant", ANSWER),
        ("user", "And 2x = 4?"),
        ("assistant", "x = 2"),
    ]
    runs = sdk.beta.threads.runs.list(thread_id=thread_id, order="asc")
    assert [r.id for r in runs.data] == ["run_31fgVjfVXHHOJZbQnBWJXhlN", followup.id]


@openai_responses.mock(cassette=POLLING)
def test_misses_stay_errors_unless_the_state_knows_the_object() -> None:
    sdk = client()
    start_tutoring(sdk)
    with pytest.raises(CassetteMismatchError):  # stateless: the cassette must answer
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(CassetteMismatchError):  # an id nobody recorded: no guessed 404
        sdk.beta.assistants.retrieve("asst_never_recorded")


def test_from_cassette_starts_a_pure_mock_test() -> None:
    state = StateStore.from_cassette(STREAMING)
    with OpenAIMock(state=state) as openai_mock:
        sdk = client()
        [thread_id] = state.ids("threads")
        run = sdk.beta.threads.runs.retrieve("run_PS0ksndVoX7DxtmdXn66ZMXU", thread_id=thread_id)
        assert run.status == "completed"
        assert sdk.beta.assistants.retrieve(run.assistant_id).name == "Math Tutor"
        listed = sdk.beta.threads.messages.list(thread_id=thread_id, order="asc")
        assert texts(listed.data) == [("user", QUESTION), ("assistant", ANSWER)]
        # The recorded objects take part in new, scripted work.
        openai_mock.beta.threads.runs.create.script("Done.")
        again = sdk.beta.threads.runs.create_and_poll(
            thread_id=thread_id, assistant_id=run.assistant_id
        )
        assert again.status == "completed"
        newest = sdk.beta.threads.messages.list(thread_id=thread_id, limit=1).data[0]
        assert texts([newest]) == [("assistant", "Done.")]


def test_from_cassette_finds_routes_under_any_base_path(tmp_path: Path) -> None:
    assistant = {"id": "asst_1", "object": "assistant", "created_at": 1, "model": "m"}
    thread_deleted = {"id": "thread_1", "object": "thread.deleted", "deleted": True}
    path = tmp_path / "prefixed.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "interactions": [
                    _interaction("GET", "/openai/v1/assistants/asst_1", assistant),
                    _interaction("GET", "/v1/threads/thread_1", {**thread_deleted, **_THREAD}),
                    _interaction("DELETE", "/v1/threads/thread_1", thread_deleted),
                ],
            }
        )
    )
    state = StateStore.from_cassette(path)
    assert state.ids("assistants") == ["asst_1"]
    assert state.ids("threads") == []  # the deletion came last


_THREAD = {"object": "thread", "deleted": False, "created_at": 1, "metadata": {}}


def _interaction(method: str, path: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": {"method": method, "uri": f"https://example.test{path}", "body": ""},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": json.dumps(answer)},
        },
    }


# -- Responses and Conversations ----------------------------------------------------------------
BACKGROUND_ID = "resp_06a562f31ab7703300698b9df109c481979ebf760b2ff5fc75"


@openai_responses.mock(cassette=BACKGROUND)
def test_background_response_replays_and_stays_as_recorded() -> None:
    sdk = client()
    created = sdk.responses.create(
        model="gpt-4o",
        input=[{"role": "user", "content": "What is 2 + 2?"}],
        background=True,
        stream=False,
    )
    polled = [sdk.responses.retrieve(created.id, stream=False).status for _ in range(2)]
    assert (created.id, created.status, polled) == (
        BACKGROUND_ID,
        "queued",
        ["in_progress", "completed"],
    )

    # Unrecorded: the last recorded snapshot, not a second run of the mock's own lifecycle.
    again = sdk.responses.retrieve(BACKGROUND_ID)
    assert (again.status, again.output_text) == ("completed", "2 + 2 equals 4.")
    [item] = sdk.responses.input_items.list(BACKGROUND_ID).data
    assert item.type == "message" and item.content[0].text == "What is 2 + 2?"  # type: ignore[union-attr]


CONVERSATION_ID = "conv_010000000000000000000000000000000000000000000000"
SECOND_ID = "resp_02000000000000000000000000000000000000000000000000"
CODE_TOOL: Any = {
    "type": "function",
    "name": "get_conversation_code",
    "description": None,
    "parameters": {"additionalProperties": False, "properties": {}, "type": "object"},
    "strict": False,
}
CODE_ASK: Any = {
    "model": "gpt-4.1",
    "instructions": "Use the provided tool when the user asks for the conversation code.",
    "conversation": CONVERSATION_ID,
    "tools": [CODE_TOOL],
    "tool_choice": "auto",
    "stream": False,
}


@openai_responses.mock(cassette=CONVERSATION)
def test_conversation_tool_continuation_replays_then_answers_from_state() -> None:
    sdk = client()
    conversation = sdk.conversations.create()
    ask = "Call get_conversation_code and reply with only the returned code."
    first = sdk.responses.create(**CODE_ASK, input=[{"role": "user", "content": ask}])
    [call] = first.output
    assert call.type == "function_call" and call.call_id == "call_010000000000000000000000"
    output: Any = {
        "type": "function_call_output",
        "call_id": call.call_id,
        "output": "TOOL-PAI-5222",
    }
    second = sdk.responses.create(**CODE_ASK, input=[output])
    assert (conversation.id, second.output_text) == (CONVERSATION_ID, "TOOL-PAI-5222")

    sdk.conversations.delete(CONVERSATION_ID)  # the recording ends so

    retrieved = sdk.responses.retrieve(first.id)
    assert retrieved.model_dump() == first.model_dump()
    [continued] = sdk.responses.input_items.list(second.id).data
    assert continued.type == "function_call_output" and continued.output == "TOOL-PAI-5222"
    with pytest.raises(openai.NotFoundError):  # deleted by the recording: the service's 404
        sdk.conversations.retrieve(CONVERSATION_ID)


def test_from_cassette_keeps_responses_and_recorded_deletions() -> None:
    state = StateStore.from_cassette(CONVERSATION)
    with OpenAIMock(state=state):
        sdk = client()
        assert sdk.responses.retrieve(SECOND_ID).output_text == "TOOL-PAI-5222"
        [continued] = sdk.responses.input_items.list(SECOND_ID).data
        assert continued.type == "function_call_output"
        with pytest.raises(openai.NotFoundError):  # the recording ends by deleting it
            sdk.conversations.retrieve(CONVERSATION_ID)


@openai_responses.mock(cassette=CONVERSATION)
def test_conversation_items_follow_the_recorded_turns() -> None:
    sdk = client()
    sdk.conversations.create()
    ask = "Call get_conversation_code and reply with only the returned code."
    sdk.responses.create(**CODE_ASK, input=[{"role": "user", "content": ask}])
    call = "call_010000000000000000000000"
    output: Any = {"type": "function_call_output", "call_id": call, "output": "TOOL-PAI-5222"}
    sdk.responses.create(**CODE_ASK, input=[output])
    # Unrecorded, before the recorded deletion: every turn's input and output, in order.
    items = sdk.conversations.items.list(CONVERSATION_ID, order="asc").data
    assert [item.type for item in items] == [
        "message",
        "function_call",
        "function_call_output",
        "message",
    ]


CAPITAL_TOOL: Any = {
    "type": "function",
    "name": "get_capital",
    "description": "",
    "parameters": {
        "additionalProperties": False,
        "properties": {"country": {"type": "string"}},
        "required": ["country"],
        "type": "object",
    },
    "strict": True,
}
FRANCE: Any = {"role": "user", "content": "What is the capital of France?"}


def streamed(sdk: openai.OpenAI, **request: Any) -> tuple[str, str, list[Any]]:
    """Iterate a ``stream=True`` create as pydantic-ai does: (id, text, final output)."""
    events = list(sdk.responses.create(stream=True, **request))
    done = [e.response for e in events if e.type == "response.completed"]
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    return done[0].id, text, done[0].output


@openai_responses.mock(cassette=PYDANTIC_STREAM)
def test_pydantic_ai_responses_stream_replays_then_answers_from_state() -> None:
    sdk = client()
    common: Any = {"model": "gpt-4o", "instructions": "", "tools": [CAPITAL_TOOL]}
    first_id, _, [call] = streamed(sdk, **common, tool_choice="auto", input=[FRANCE])
    assert (call.type, call.name, call.arguments) == (
        "function_call",
        "get_capital",
        '{"country":"France"}',
    )
    returned = [
        FRANCE,
        {
            "type": "function_call",
            "call_id": call.id,
            "name": "get_capital",
            "arguments": call.arguments,
        },
        {"type": "function_call_output", "call_id": call.id, "output": "Paris"},
    ]
    second_id, text, _ = streamed(sdk, **common, tool_choice="auto", input=returned)
    assert text == "The capital of France is Paris."

    assert sdk.responses.retrieve(first_id).output[0].type == "function_call"
    assert sdk.responses.retrieve(second_id).output_text == "The capital of France is Paris."
    kinds = [item.type for item in sdk.responses.input_items.list(second_id, order="asc").data]
    assert kinds == ["message", "function_call", "function_call_output"]


@openai_responses.mock(cassette=CREWAI_STREAM)
def test_crewai_responses_stream_replays_then_answers_from_state() -> None:
    sdk = client()
    with sdk.responses.stream(
        model="gpt-4o-mini",
        instructions="Be very concise.",
        input=[{"role": "user", "content": "Count from 1 to 3, separated by commas."}],
    ) as stream:
        final = stream.get_final_response()
    assert final.output_text == "1, 2, 3"
    retrieved = sdk.responses.retrieve(final.id)
    assert (retrieved.status, retrieved.output_text) == ("completed", "1, 2, 3")


# -- recording seeds too ------------------------------------------------------------------------
def test_recorded_answers_seed_the_state(tmp_path: Path, loopback_openai: FakeOpenAI) -> None:
    path = tmp_path / "recorded.yaml"
    loopback_openai.stream_pause = 0.0
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once") as mock:
        sdk = openai.OpenAI(api_key="sk-test", base_url=loopback_openai.url)
        answered = sdk.responses.create(model="gpt-4o", input="Say hello")
        stored = mock.state.get("responses", answered.id)
        assert stored is not None and stored.model_dump() == answered.model_dump()
        # The fake upstream reuses its response id: the streamed snapshot replaces the first.
        with sdk.responses.stream(model="gpt-4o", input="Stream hello") as stream:
            streamed = stream.get_final_response()
        stored = mock.state.get("responses", streamed.id)
        assert isinstance(stored, Response) and stored.output_text == streamed.output_text
    assert loopback_openai.server is not None
    loopback_openai.server.stop()

    # Replaying the recording (upstream gone): unrecorded reads answer from what it seeded.
    with OpenAIMock(base_url=loopback_openai.url, cassette=path):
        sdk = openai.OpenAI(api_key="sk-test", base_url=loopback_openai.url, max_retries=0)
        assert sdk.responses.create(model="gpt-4o", input="Say hello").id == answered.id
        assert sdk.responses.retrieve(answered.id).output_text == UPSTREAM_TEXT
        [said] = sdk.responses.input_items.list(answered.id).data
        assert said.type == "message" and said.content[0].text == "Say hello"  # type: ignore[union-attr]
