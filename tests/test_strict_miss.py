"""A replay never makes up an answer: with a cassette that cannot record (mode ``none``, or
``once`` with the file present), a request no recorded interaction matches is a
``CassetteMismatchError`` on every route, stateful creates included. The state answers only
reads, updates and deletes of objects the recording showed (settled ones); ``on_miss="mock"``
is the explicit hybrid where everything else falls through to the mock."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

import openai_responses
from conftest import CORPUS
from openai_responses import CassetteMismatchError, OpenAIMock, StateStore
from openai_responses._endpoints import ENDPOINTS, Endpoint
from openai_responses._state import _COLLECTIONS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BASE = "https://api.openai.com/v1"
REPLAY_ONLY = ["none", "once"]  # "once" with the file present cannot record either


def interaction(method: str, path: str, answer: dict[str, Any], body: Any = None) -> Any:
    return {
        "request": {
            "method": method,
            "uri": f"{BASE}{path}",
            "body": json.dumps(body) if body is not None else "",
            "headers": {"Content-Type": ["application/json"]} if body is not None else {},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": json.dumps(answer)},
        },
    }


def write_cassette(path: Path, *interactions: Any) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "interactions": list(interactions)}))
    return path


@pytest.fixture
def unrelated(tmp_path: Path) -> Path:
    """A cassette that exists and holds nothing the tests below ask for."""
    answer = {"object": "list", "data": []}
    return write_cassette(tmp_path / "unrelated.yaml", interaction("GET", "/unrelated", answer))


def sdk() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", max_retries=0)


# -- the whole endpoint table, through the router (fast) -----------------------------------------
def named(row: Endpoint) -> list[tuple[str, str]]:
    """(path param, collection) of every object the row's path names."""
    pairs = list(row.parents)
    if row.id_param is not None and row.collection is not None:
        pairs.append((row.id_param, row.collection))
    return pairs


def request_for(row: Endpoint, ids: dict[str, str]) -> httpx.Request:
    path = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), f"unknown_{m.group(1)}"), row.path)
    content = b"{}" if row.method in ("POST", "PUT", "PATCH") else b""
    headers = {"content-type": "application/json"} if content else {}
    return httpx.Request(row.method, f"{BASE}{path}", content=content, headers=headers)


def known_everywhere(state: StateStore, row: Endpoint) -> dict[str, str]:
    """Put an object for every id the row's path names into ``state``; their ids."""
    ids: dict[str, str] = {}
    links: dict[str, str] = {}
    for param, collection in named(row):
        ids[param] = f"known_{param}"
        obj = _COLLECTIONS[collection].model.model_construct(id=ids[param])
        state.put(obj, collection, **links)
        links[collection] = ids[param]
    return ids


def answers(mock: OpenAIMock, request: httpx.Request) -> str:
    """What the mock does with ``request``: "miss", or the HTTP status it answered."""
    try:
        return str(mock.router.handler(request).status_code)
    except CassetteMismatchError:
        return "miss"
    finally:
        mock.failures.clear()


def never_answered_by_state(row: Endpoint) -> bool:
    """Rows whose answer only the service can give, whatever objects the state knows:
    creates, actions, stateless rows, and listings that name no object (the account)."""
    return row.kind in ("create", "action", "stateless") or not named(row)


STATEFUL_CREATES = [row for row in ENDPOINTS if row.kind == "create" and row.collection]


def test_the_walk_covers_every_stateful_create() -> None:
    assert len(STATEFUL_CREATES) >= 32  # the issue counted 32 such routes
    paths = {row.path for row in STATEFUL_CREATES}
    for path in ("/responses", "/files", "/assistants", "/threads", "/vector_stores"):
        assert path in paths
    assert {"/batches", "/conversations"} <= paths


@pytest.mark.parametrize("mode", REPLAY_ONLY)
def test_every_row_misses_on_ids_nobody_recorded(unrelated: Path, mode: str) -> None:
    mock = OpenAIMock(cassette=unrelated, record_mode=mode)
    answered = {
        f"{row.method} {row.path}": outcome
        for row in ENDPOINTS
        if (outcome := answers(mock, request_for(row, {}))) != "miss"
    }
    assert answered == {}


@pytest.mark.parametrize("mode", REPLAY_ONLY)
def test_creates_actions_and_account_listings_miss_even_on_known_objects(
    unrelated: Path, mode: str
) -> None:
    rows = [row for row in ENDPOINTS if never_answered_by_state(row)]
    assert len(rows) > len(ENDPOINTS) // 3  # the walk reaches the table (fewer rows on openai 2)
    answered = {}
    for row in rows:
        mock = OpenAIMock(cassette=unrelated, record_mode=mode)
        outcome = answers(mock, request_for(row, known_everywhere(mock.state, row)))
        if outcome != "miss":
            answered[f"{row.method} {row.path}"] = outcome
    assert answered == {}


def test_hybrid_replay_lets_every_routed_request_fall_through(unrelated: Path) -> None:
    answered = {}
    for row in STATEFUL_CREATES:
        mock = OpenAIMock(cassette=unrelated, on_miss="mock")
        outcome = answers(mock, request_for(row, known_everywhere(mock.state, row)))
        if outcome == "miss":
            answered[f"{row.method} {row.path}"] = outcome
    assert answered == {}
    # A path no row knows has no mock to fall through to: still a miss.
    mock = OpenAIMock(cassette=unrelated, on_miss="mock")
    assert answers(mock, httpx.Request("GET", f"{BASE}/no/such/endpoint")) == "miss"


# -- through the SDK ---------------------------------------------------------------------------
def creates(client: openai.OpenAI) -> Iterator[tuple[str, Any]]:
    """A representative set of unrecorded requests, each a lazy call."""
    yield "responses.create", lambda: client.responses.create(model="gpt-4o", input="Hi")
    yield "files.create", lambda: client.files.create(file=("a.txt", b"x"), purpose="assistants")
    yield "assistants.create", lambda: client.beta.assistants.create(model="gpt-4o")
    yield "threads.create", lambda: client.beta.threads.create()
    yield "vector_stores.create", lambda: client.vector_stores.create(name="docs")
    yield "conversations.create", lambda: client.conversations.create()
    yield (
        "batches.create",
        lambda: client.batches.create(
            completion_window="24h", endpoint="/v1/chat/completions", input_file_id="file-abc"
        ),
    )
    yield (
        "chat.completions.create",
        lambda: client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
        ),
    )
    yield "assistants.list", lambda: client.beta.assistants.list()
    yield "models.retrieve", lambda: client.models.retrieve("gpt-4o")


@pytest.mark.parametrize("mode", REPLAY_ONLY)
def test_sdk_creates_miss_in_replay(unrelated: Path, mode: str) -> None:
    with OpenAIMock(cassette=unrelated, record_mode=mode) as mock:
        for name, call in creates(sdk()):
            with pytest.raises(CassetteMismatchError):
                call()
                pytest.fail(f"{name} answered without a recording")
            mock.failures.clear()


async def test_async_sdk_creates_miss_in_replay(unrelated: Path) -> None:
    with OpenAIMock(cassette=unrelated):
        client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0)
        with pytest.raises(CassetteMismatchError):
            await client.responses.create(model="gpt-4o", input="Hi")
        with pytest.raises(CassetteMismatchError):
            await client.beta.threads.create()


def test_sdk_creates_answer_from_the_mock_with_on_miss_mock(unrelated: Path) -> None:
    with OpenAIMock(cassette=unrelated, on_miss="mock"):
        client = sdk()
        for name, call in creates(client):
            if name == "batches.create":
                continue  # needs an existing input file: made below
            assert call() is not None, name
        uploaded = client.files.create(file=("b.jsonl", b"{}\n"), purpose="batch")
        batch = client.batches.create(
            completion_window="24h", endpoint="/v1/chat/completions", input_file_id=uploaded.id
        )
        assert batch.input_file_id == uploaded.id


def test_on_miss_is_validated_at_construction(unrelated: Path) -> None:
    with pytest.raises(ValueError, match="on_miss"):
        OpenAIMock(cassette=unrelated, on_miss="lenient")

    @openai_responses.mock(cassette=unrelated, on_miss="strict")
    def decorated() -> None:
        raise AssertionError("never runs")

    with pytest.raises(ValueError, match="on_miss"):
        decorated()


@pytest.mark.parametrize("on_miss", ["fail", "mock"])
def test_decorator_passes_on_miss(unrelated: Path, on_miss: str) -> None:
    @openai_responses.mock(cassette=unrelated, on_miss=on_miss)
    def decorated() -> str:
        return sdk().beta.threads.create().object

    if on_miss == "mock":
        assert decorated() == "thread"
    else:
        with pytest.raises(CassetteMismatchError):
            decorated()


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus absent: {CORPUS}")
@pytest.mark.openai_mock(
    cassette=str(CORPUS / "crewai" / "test_openai_responses_api_streaming.yaml"), on_miss="mock"
)
def test_fixture_marker_passes_on_miss(openai_mock: OpenAIMock) -> None:
    assert openai_mock.on_miss == "mock"
    assert sdk().beta.threads.create().object == "thread"


# -- what the state may answer ------------------------------------------------------------------
def recorded_thread(tmp_path: Path) -> Path:
    assistant = {"id": "asst_1", "object": "assistant", "created_at": 1, "model": "gpt-4o"}
    assistant |= {"tools": [], "metadata": {}, "name": "Tutor", "description": None}
    assistant |= {"instructions": None}
    thread = {"id": "thread_1", "object": "thread", "created_at": 1, "metadata": {}}
    thread |= {"tool_resources": None}
    run = {
        "id": "run_done",
        "object": "thread.run",
        "created_at": 1,
        "thread_id": "thread_1",
        "assistant_id": "asst_1",
        "status": "completed",
        "model": "gpt-4o",
        "instructions": "",
        "tools": [],
        "metadata": {},
        "parallel_tool_calls": True,
    }
    queued = {**run, "id": "run_queued", "status": "queued"}
    run_body = {"assistant_id": "asst_1"}
    return write_cassette(
        tmp_path / "thread.yaml",
        interaction("POST", "/assistants", assistant, {"model": "gpt-4o"}),
        interaction("POST", "/threads", thread, {}),
        interaction("POST", "/threads/thread_1/runs", run, run_body),
        interaction("POST", "/threads/thread_1/runs", queued, run_body),
    )


def play_recording(client: openai.OpenAI) -> None:
    client.beta.assistants.create(model="gpt-4o")
    client.beta.threads.create()
    client.beta.threads.runs.create("thread_1", assistant_id="asst_1")
    client.beta.threads.runs.create("thread_1", assistant_id="asst_1")


@pytest.mark.parametrize("mode", REPLAY_ONLY)
def test_reads_updates_deletes_of_recorded_objects_answer_from_state(
    tmp_path: Path, mode: str
) -> None:
    with OpenAIMock(cassette=recorded_thread(tmp_path), record_mode=mode):
        client = sdk()
        play_recording(client)
        # Unrecorded, on recorded objects: what the recording settles.
        assert client.beta.assistants.retrieve("asst_1").name == "Tutor"
        assert client.beta.assistants.update("asst_1", name="Coach").name == "Coach"
        assert client.beta.threads.runs.retrieve("run_done", thread_id="thread_1").status == (
            "completed"
        )
        assert client.beta.threads.messages.list("thread_1").data == []
        assert client.beta.assistants.delete("asst_1").deleted
        with pytest.raises(openai.NotFoundError):  # deleted: the service's 404, not a miss
            client.beta.assistants.retrieve("asst_1")


def misses(mock: OpenAIMock, call: Any) -> bool:
    try:
        call()
    except CassetteMismatchError:
        mock.failures.clear()
        return True
    return False


def test_what_the_recording_does_not_settle_stays_a_miss(tmp_path: Path) -> None:
    with OpenAIMock(cassette=recorded_thread(tmp_path)) as mock:
        client = sdk()
        play_recording(client)
        runs = client.beta.threads.runs
        unsettled = {
            # nobody recorded these ids
            "unknown assistant": lambda: client.beta.assistants.retrieve("asst_other"),
            "unknown run": lambda: runs.retrieve("run_other", thread_id="thread_1"),
            # recorded queued: the service has moved on since; polling it would spin forever
            "queued run": lambda: runs.retrieve("run_queued", thread_id="thread_1"),
            "listing with a queued run": lambda: runs.list("thread_1"),
            # what the service decides: new objects, state changes, model output
            "cancel": lambda: runs.cancel("run_done", thread_id="thread_1"),
            "submit_tool_outputs": lambda: runs.submit_tool_outputs(
                "run_queued", thread_id="thread_1", tool_outputs=[]
            ),
            "new message": lambda: client.beta.threads.messages.create(
                "thread_1", role="user", content="Hi"
            ),
            "new run": lambda: runs.create("thread_1", assistant_id="asst_1", instructions="x"),
            # the account as a whole, and the mock's own invention
            "assistants.list": lambda: client.beta.assistants.list(),
            "models.retrieve": lambda: client.models.retrieve("gpt-4o"),
        }
        answered = [name for name, call in unsettled.items() if not misses(mock, call)]
        assert answered == []


def test_hybrid_replay_answers_the_unsettled_from_the_mock(tmp_path: Path) -> None:
    with OpenAIMock(cassette=recorded_thread(tmp_path), on_miss="mock"):
        client = sdk()
        play_recording(client)
        # The recorded snapshot as stored: the mock does not drive what it did not start.
        queued = client.beta.threads.runs.retrieve("run_queued", thread_id="thread_1")
        assert queued.status == "queued"
        message = client.beta.threads.messages.create("thread_1", role="user", content="Hi")
        assert message.thread_id == "thread_1"
        with pytest.raises(openai.NotFoundError):  # the mock's own 404 for an unknown id
            client.beta.assistants.retrieve("asst_other")


def test_a_stream_cut_mid_message_leaves_the_message_unsettled(tmp_path: Path) -> None:
    run = {"id": "run_1", "object": "thread.run", "created_at": 1, "thread_id": "thread_1"}
    run |= {"assistant_id": "asst_1", "status": "in_progress", "model": "gpt-4o", "tools": []}
    message = {"id": "msg_1", "object": "thread.message", "created_at": 1, "role": "assistant"}
    message |= {"thread_id": "thread_1", "status": "in_progress", "content": [], "metadata": {}}
    delta = {"id": "msg_1", "object": "thread.message.delta", "delta": {"content": []}}
    events = [("thread.run.created", run), ("thread.message.created", message)]
    events += [("thread.message.delta", delta)]
    stream = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    thread = {"id": "thread_1", "object": "thread", "created_at": 1, "metadata": {}}
    recorded = interaction("POST", "/threads/thread_1/runs", {}, {"assistant_id": "asst_1"})
    recorded["request"]["body"] = json.dumps({"assistant_id": "asst_1", "stream": True})
    recorded["response"]["headers"] = {"Content-Type": ["text/event-stream"]}
    recorded["response"]["body"] = {"string": stream}
    path = write_cassette(
        tmp_path / "cut.yaml", interaction("POST", "/threads", thread, {}), recorded
    )
    with OpenAIMock(cassette=path) as mock:
        client = sdk()
        client.beta.threads.create()
        seen = list(client.beta.threads.runs.create("thread_1", assistant_id="asst_1", stream=True))
        assert [event.event for event in seen][-1] == "thread.message.delta"
        # The message was last seen being written: how it ended only the service knows.
        messages = client.beta.threads.messages
        assert misses(mock, lambda: messages.retrieve("msg_1", thread_id="thread_1"))
        assert misses(mock, lambda: messages.list("thread_1"))


def test_file_content_answers_only_when_the_recording_sent_the_bytes(tmp_path: Path) -> None:
    uploaded = {"id": "file-up", "object": "file", "bytes": 5, "created_at": 1}
    uploaded |= {"filename": "a.txt", "purpose": "assistants", "status": "processed"}
    boundary = "recorded-boundary"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
        f'assistants\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n'
    )
    upload = interaction("POST", "/files", uploaded)
    upload["request"] |= {
        "body": form,
        "headers": {"Content-Type": [f"multipart/form-data; boundary={boundary}"]},
    }
    seen = {**uploaded, "id": "file-seen"}
    path = write_cassette(
        tmp_path / "files.yaml", upload, interaction("GET", "/files/file-seen", seen)
    )
    with OpenAIMock(cassette=path) as mock:
        client = sdk()
        client.files.create(file=("a.txt", b"hello", "text/plain"), purpose="assistants")
        client.files.retrieve("file-seen")
        assert client.files.content("file-up").content == b"hello"  # the recorded upload
        # Known, but its bytes were never seen: an empty answer would be made up.
        assert misses(mock, lambda: client.files.content("file-seen"))


# -- a real project's replayed Responses test, drifted ------------------------------------------
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus absent: {CORPUS}")
@pytest.mark.parametrize("mode", REPLAY_ONLY)
def test_a_drifted_responses_request_is_a_mismatch_not_empty_text(mode: str) -> None:
    cassette = CORPUS / "crewai" / "test_openai_responses_api_streaming.yaml"
    request: Any = {
        "model": "gpt-4o-mini",
        "instructions": "Be very concise.",
        "input": [{"role": "user", "content": "Count from 1 to 3, separated by commas."}],
    }
    with OpenAIMock(cassette=cassette, record_mode=mode):
        client = sdk()
        with client.responses.stream(**request) as stream:
            assert stream.get_final_response().output_text == "1, 2, 3"
        # The test changed its prompt; the recording did not.
        request["input"][0]["content"] = "Count from 1 to 4, separated by commas."
        with (
            pytest.raises(CassetteMismatchError, match="1 to 3"),
            client.responses.stream(**request) as stream,
        ):
            stream.get_final_response()


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus absent: {CORPUS}")
def test_a_drifted_pydantic_ai_request_is_a_mismatch() -> None:
    cassette = CORPUS / "pydantic-ai" / "test_openai_responses_stream.yaml"
    with OpenAIMock(cassette=cassette), pytest.raises(CassetteMismatchError):
        events = sdk().responses.create(
            model="gpt-4o",
            instructions="",
            input=[{"role": "user", "content": "What is the capital of Germany?"}],
            stream=True,
        )
        list(events)


# -- the store stands alone ---------------------------------------------------------------------
def test_the_store_imports_no_endpoint() -> None:
    source = Path(openai_responses._state.__file__).read_text()
    imported = [
        f"{'.' * node.level}{node.module or ''}:{','.join(a.name for a in node.names)}"
        if isinstance(node, ast.ImportFrom)
        else ",".join(a.name for a in node.names)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    above = ("_endpoints", "_seeding", "_cassette", "_session", "_mock", "_pipeline")
    assert [line for line in imported if any(name in line for name in above)] == []


def test_a_store_built_before_any_mock_knows_every_collection() -> None:
    script = """
import sys
from openai.types.beta import Assistant
from openai_responses import StateStore
from openai_responses.stores import StateStore as Documented
assert Documented is StateStore and "openai_responses._mock" not in sys.modules
state = StateStore()
state.put(Assistant(id="asst_1", object="assistant", created_at=1, model="m", tools=[]))
assert state.ids("assistants") == ["asst_1"]
assert state.get("models", "gpt-4o") is not None  # the built-in seeders ran
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
