"""The StateStore by SDK path (``state.beta.threads.messages``), as openai-responses 0.13
users reach it: generated for every collection, one state with the flat API, and a store
swapped in at test time (``openai_mock.state = other``) serving every route."""

from __future__ import annotations

import re
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.types import FileObject
from openai.types.beta import Assistant, Thread
from openai.types.beta.threads import Message, Run

import openai_responses
from openai_responses import OpenAIMock, StateStore
from openai_responses._endpoints import ENDPOINTS
from openai_responses._state import _COLLECTIONS
from openai_responses._state_paths import StateView, paths
from openai_responses.ext.httpx import MockTransport
from openai_responses.helpers.builders import build

PATHS = paths()


def view(state: StateStore, sdk_path: str) -> StateView:
    node: Any = state
    for name in sdk_path.split("."):
        node = getattr(node, name)
    assert isinstance(node, StateView)
    return node


def parent_params(sdk_path: str) -> dict[str, str]:
    """A made-up id for each parent of the collection's rows (``thread_id``); an action row's
    own object (``videos.remix`` under ``/videos/{video_id}``) is no parent of the collection."""
    rows = [r for r in ENDPOINTS if r.sdk.rsplit(".", 1)[0] == sdk_path]
    own = PATHS[sdk_path]
    return {param: f"{parent}_parent" for r in rows for param, parent in r.parents if parent != own}


def test_every_collection_has_an_sdk_path() -> None:
    assert set(PATHS.values()) == set(_COLLECTIONS)
    # the anchor's documented paths, among them
    for path in ("files", "beta.assistants", "beta.threads", "beta.threads.messages"):
        assert path in PATHS
    assert PATHS["beta.threads.runs.steps"] == "run_steps"
    assert PATHS["vector_stores.files"] == "vector_store_files"


@pytest.mark.parametrize("sdk_path", sorted(PATHS))
def test_round_trip_by_sdk_path(sdk_path: str) -> None:
    state = StateStore()
    collection = PATHS[sdk_path]
    obj = build(_COLLECTIONS[collection].model)
    parents = parent_params(sdk_path)
    node = view(state, sdk_path)
    object_id = str(obj.id)

    node.put(obj, **parents)
    assert node.get(object_id) is obj
    assert state.get(collection, object_id) is obj  # one state, both APIs
    assert object_id in [str(o.id) for o in node.list(**parents, limit=100)]
    if parents:
        others = {k: "someone-else" for k in parents}
        assert node.list(**others) == []
        assert node.get(object_id, **others) is None
    assert node.get("unknown-id") is None
    assert node.delete("unknown-id") is False
    assert node.delete(object_id) is True
    assert node.get(object_id) is None
    assert node.delete(object_id) is False


def test_parents_from_the_objects_fields_and_cascading_deletes() -> None:
    state = StateStore()
    state.beta.threads.put(Thread(id="thread_1", created_at=0, object="thread"))
    for i in range(3):
        state.beta.threads.messages.put(
            build(Message, {"id": f"msg_{i}", "thread_id": "thread_1", "role": "user"})
        )
    # The anchor's filters: by parent, by field (``run_id``), pagination
    assert len(state.beta.threads.messages.list(thread_id="thread_1")) == 3
    assert state.beta.threads.messages.list(thread_id="thread_1", run_id="run_x") == []
    page = state.beta.threads.messages.list(thread_id="thread_1", order="asc", after="msg_0")
    assert [m.id for m in page] == ["msg_1", "msg_2"]
    assert [m.id for m in state.beta.threads.messages.list(thread_id="thread_1", limit="1")] == [
        "msg_2"
    ]
    # deleting the thread by its path deletes what belongs to it
    assert state.beta.threads.delete("thread_1")
    assert state.all("messages") == []


def test_file_filters_and_content() -> None:
    state = StateStore()
    for purpose in ("assistants", "batch"):
        state.files.put(build(FileObject, {"id": f"file-{purpose}", "purpose": purpose}))
    assert [f.id for f in state.files.list(purpose="batch")] == ["file-batch"]
    state.files.content.put("file-batch", b"{}\n")
    assert state.files.content.get("file-batch") == b"{}\n"
    assert state.content("files", "file-batch") == b"{}\n"


def test_unknown_names_say_where() -> None:
    state = StateStore()
    with pytest.raises(AttributeError, match=r"state\.beta has no collection or namespace 'nope'"):
        _ = state.beta.nope
    with pytest.raises(TypeError, match="namespace, not a collection"):
        state.beta.put(Thread(id="thread_1", created_at=0, object="thread"))
    with pytest.raises(AttributeError):
        _ = state._private  # private names are never collections


# -- a store swapped in at test time --------------------------------------------------------
def _retrieve_rows() -> list[Any]:
    rows = []
    for row in ENDPOINTS:
        names = re.findall(r"\{(\w+)\}", row.path)
        if row.kind == "retrieve" and row.collection and row.method == "GET" and names:
            rows.append(row)
    return rows


def _seed(state: StateStore, row: Any) -> tuple[str, str]:
    """Put the row's object (and its parents) into ``state``; return its URL path and id."""
    params: dict[str, str] = {}
    for param, parent in row.parents:
        obj = build(_COLLECTIONS[parent].model)
        state.put(obj, parent)
        params[param] = str(obj.id)
    model = _COLLECTIONS[row.collection].model
    obj = build(model, {k: v for k, v in params.items() if k in model.model_fields})
    state.put(obj, row.collection, **{p: params[k] for k, p in row.parents})
    # rows that name their object by another field (a skill version by its number) use it
    params[row.id_param] = str(getattr(obj, row.id_param, None) or obj.id)
    others = {n: "unlinked" for n in re.findall(r"\{(\w+)\}", row.path) if n not in params}
    return row.path.format(**params, **others), str(obj.id)


def test_assigning_a_store_rebinds_every_route() -> None:
    """``openai_mock.state = other`` at test time: every retrieve route answers from
    ``other`` (200 with the object), and from the old store again once put back (404)."""
    mock = OpenAIMock()
    empty = mock.state
    client = httpx.Client(transport=MockTransport(mock.router.handler))
    served = 0
    for row in _retrieve_rows():
        other = StateStore()
        path, object_id = _seed(other, row)
        url = f"https://api.openai.com/v1{path}"
        mock.state = empty
        before = client.get(url)
        mock.state = other
        after = client.get(url)
        assert (before.status_code, after.status_code) == (404, 200), row.sdk
        assert object_id in after.text, row.sdk
        served += 1
    assert served > 20  # the walk reached the table (on both SDK majors), not a handful


@pytest.fixture(scope="module")
def shared_state() -> StateStore:
    return StateStore()


@openai_responses.mock()
def test_a_module_shared_store_first(openai_mock: OpenAIMock, shared_state: StateStore) -> None:
    openai_mock.state = shared_state
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    client.beta.assistants.create(model="gpt-4o", name="shared")


@openai_responses.mock()
def test_a_module_shared_store_second(openai_mock: OpenAIMock, shared_state: StateStore) -> None:
    openai_mock.state = shared_state
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    assert [a.name for a in client.beta.assistants.list().data] == ["shared"]
    assert [a.name for a in shared_state.beta.assistants.list()] == ["shared"]


@openai_responses.mock()
def test_objects_put_by_path_are_served(openai_mock: OpenAIMock) -> None:
    state = openai_mock.state
    state.beta.assistants.put(build(Assistant, {"id": "asst_seeded", "model": "gpt-4o"}))
    state.beta.threads.put(Thread(id="thread_seeded", created_at=0, object="thread"))
    run = build(Run, {"thread_id": "thread_seeded", "assistant_id": "asst_seeded"})
    state.beta.threads.runs.put(run)
    client = openai.OpenAI(api_key="sk-test", max_retries=0)
    assert client.beta.threads.runs.retrieve(run.id, thread_id="thread_seeded").id == run.id
    listed = client.beta.threads.runs.list("thread_seeded").data
    assert [r.id for r in listed] == [run.id]
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.runs.retrieve(run.id, thread_id="thread_other")


# -- the two views agree -------------------------------------------------------------------
cursor = st.one_of(st.none(), st.integers(0, 7).map(lambda i: f"msg_{i}"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(0, 6),
    limit=st.one_of(st.none(), st.integers(1, 8)),
    order=st.sampled_from([None, "asc", "desc"]),
    after=cursor,
    before=cursor,
)
def test_state_paths_page_as_the_list_route_does(
    count: int, limit: int | None, order: str | None, after: str | None, before: str | None
) -> None:
    """Whatever the cursors, ``state.beta.threads.messages.list(...)`` answers the ids the
    SDK's ``messages.list`` gets from the route, in the same order."""
    mock = OpenAIMock()
    state = mock.state
    state.beta.threads.put(Thread(id="thread_p", created_at=0, object="thread"))
    for i in range(count):
        state.beta.threads.messages.put(
            build(Message, {"id": f"msg_{i}", "thread_id": "thread_p", "created_at": i})
        )
    params = {"limit": limit, "order": order, "after": after, "before": before}
    given_params: dict[str, Any] = {k: v for k, v in params.items() if v is not None}
    by_path = [m.id for m in state.beta.threads.messages.list(thread_id="thread_p", **given_params)]
    http = openai.OpenAI(
        api_key="sk-test",
        max_retries=0,
        http_client=openai.DefaultHttpxClient(transport=MockTransport(mock.router.handler)),
    )
    page = http.beta.threads.messages.list("thread_p", **given_params)
    assert by_path == [m.id for m in page.data]
