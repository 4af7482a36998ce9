"""Start-up: a mock loads an area's SDK types only when a request reaches it (issue 13).

Fresh interpreters check what the first mock imports; the rest checks that naming types
instead of importing them changes nothing a test sees: rows, collections, seeding, matching.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_responses._cassette import (
    Interaction,
    InteractionIndex,
    RecordedRequest,
    RecordedResponse,
    canonical_body,
)
from openai_responses._endpoints import ENDPOINTS
from openai_responses._object_literals import OBJECT_LITERALS
from openai_responses._sdk_types import available, resolve
from openai_responses._state import _COLLECTIONS

# Areas a chat call has no business importing (on openai 2.x the SDK's own first call loads
# them all: only what the mock imports beyond a plain call counts).
_OTHER_AREAS = (
    "openai.types.beta",
    "openai.types.admin",
    "openai.types.realtime",
    "openai.types.live",
    "openai.types.evals",
    "openai.types.fine_tuning",
    "openai.types.webhooks",
    "openai.types.containers",
    "openai.types.vector_stores",
    "openai.types.skills",
    "openai.types.uploads",
    "openai.types.conversations",
)
# Machinery a mock without a cassette, upload or Assistants run has no business importing.
_UNUSED_MACHINERY = (
    "yaml",
    "filelock",
    "python_multipart",
    "openai_responses._cassette._",
    "openai_responses._session",
    "openai_responses._multipart",
    "openai_responses._endpoints._assistants_",
    "openai_responses.streaming",
)


def _run(code: str) -> Any:
    """Run ``code`` in a new interpreter; it prints one JSON value."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_first_mock_and_a_chat_call_import_no_other_area() -> None:
    found = _run(
        f"""
        import json, sys
        import openai
        try:
            import httpx2 as stack
        except ImportError:  # openai 2.x
            import httpx as stack
        # what the SDK imports for a chat call of its own does not count
        answer = lambda request: stack.Response(200, json={{"id": "c", "object": "x"}})
        http = openai.DefaultHttpxClient(transport=stack.MockTransport(answer))
        openai.OpenAI(api_key="sk-test", http_client=http).chat.completions.create(
            model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}]
        )
        before = set(sys.modules)
        from openai_responses import OpenAIMock
        mock = OpenAIMock()
        # the whole attribute tree is there, every area's types still unimported
        tree = [mock.beta.threads.runs.create.endpoint.sdk, repr(mock.admin)]
        with mock:
            client = openai.OpenAI(api_key="sk-test")
            answer = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}]
            )
        new = sorted(set(sys.modules) - before)
        others = [m for m in new if m.startswith({_OTHER_AREAS!r})]
        machinery = [m for m in new if m.startswith({_UNUSED_MACHINERY!r})]
        print(json.dumps([tree, answer.object, mock.chat.completions.create.call_count, others,
                          machinery]))
        """
    )
    tree, answered, calls, others, machinery = found
    assert tree[0] == "beta.threads.runs.create"
    assert (answered, calls) == ("chat.completion", 1)
    assert others == []
    assert machinery == []


def test_the_pytest_plugin_imports_no_cassette_machinery() -> None:
    # Every suite with the package installed loads the plugin: cassettes, the SDK and the
    # HTTP stacks load with the first test that uses them.
    heavy = ("yaml", "filelock", "python_multipart", "openai", "httpx", "respx", "httpcore")
    ours = ("_session", "_cassette._load", "_cassette._merge", "_mock", "_endpoints")
    found = _run(
        f"""
        import json, sys
        import pytest
        before = set(sys.modules)
        import openai_responses._plugin
        new = set(sys.modules) - before
        names = {heavy!r} + tuple("openai_responses." + name for name in {ours!r})
        print(json.dumps(sorted(m for m in new if any(
            m == name or m.startswith(name + ".") for name in names))))
        """
    )
    assert found == []


def test_a_cassette_and_an_assistants_run_still_load_what_they_need(tmp_path: Path) -> None:
    cassette = tmp_path / "empty.yaml"
    found = _run(
        f"""
        import json, sys
        import openai
        from openai_responses import OpenAIMock
        mock = OpenAIMock(cassette={str(cassette)!r}, record_mode="none", on_miss="mock")
        with mock:
            client = openai.OpenAI(api_key="sk-test")
            assistant = client.beta.assistants.create(model="gpt-4o-mini")
            thread = client.beta.threads.create()
            run = client.beta.threads.runs.create_and_poll(
                thread_id=thread.id, assistant_id=assistant.id
            )
        print(json.dumps([run.status, "yaml" in sys.modules,
                          "openai_responses._endpoints._assistants_runs" in sys.modules]))
        """
    )
    assert found == ["completed", True, True]


def test_an_assistants_request_loads_its_area_and_is_answered_typed() -> None:
    found = _run(
        """
        import json, sys
        import openai
        from openai_responses import OpenAIMock
        with OpenAIMock() as mock:
            client = openai.OpenAI(api_key="sk-test")
            assistant = client.beta.assistants.create(model="gpt-4o-mini", name="a")
            thread = client.beta.threads.create(messages=[{"role": "user", "content": "x"}])
            stored = mock.state.get("assistants", assistant.id)
            messages = mock.state.all("messages", threads=thread.id)
        print(json.dumps([type(stored).__name__, type(messages[0]).__name__,
                          "openai.types.beta.assistant" in sys.modules]))
        """
    )
    assert found == ["Assistant", "Message", True]


def test_seeding_finds_collections_whose_types_are_not_imported_yet() -> None:
    # A fresh process: each collection whose type module is still unimported meets its
    # objects as JSON (a replayed answer) and is found by its "object" literal.
    found = _run(
        """
        import json, sys
        from openai_responses import StateStore
        from openai_responses._object_literals import OBJECT_LITERALS
        from openai_responses._state import _COLLECTIONS, _PENDING
        state = StateStore()
        checked = []
        for name, collection in list(_PENDING.items()):
            spec = collection.model_spec
            literals = OBJECT_LITERALS[spec]
            if not literals or name in [c for c, _ in checked] or name not in _PENDING:
                continue
            module = "openai.types." + spec.partition(":")[0]
            if module in sys.modules:
                continue
            state.learn({"object": literals[0], "id": "obj_" + name})
            stored = state.get(_COLLECTIONS[name].name, "obj_" + name)
            owner = [c.name for c in _COLLECTIONS.values() if c.model_spec == spec][0]
            stored = stored or state.get(owner, "obj_" + name)
            checked.append((name, type(stored).__name__ == spec.partition(":")[2]))
        print(json.dumps(checked))
        """
    )
    assert len(found) >= 5
    assert all(ok for _, ok in found), found


def test_instances_find_their_collection_before_its_type_was_indexed() -> None:
    found = _run(
        """
        import json
        from openai_responses import StateStore
        state = StateStore()
        from openai.types.beta import Assistant
        state.put(Assistant.model_construct(id="asst_1", object="assistant", created_at=1,
                                            model="m", tools=[]))
        print(json.dumps(type(state.get("assistants", "asst_1")).__name__))
        """
    )
    assert found == "Assistant"


def test_the_first_collection_registered_keeps_a_shared_type_whatever_the_import_order() -> None:
    found = _run(
        """
        import json
        from openai_responses import StateStore
        StateStore()  # loads the table: its collections register first
        from openai_responses._state import Collection, _by_model, _by_object, register_collection
        register_collection(Collection("z_first", "batch:Batch"))
        from openai.types import Batch
        register_collection(Collection("z_second", Batch))  # imported now: indexed at once
        print(json.dumps([_by_model(Batch).name, _by_object("batch").name]))
        """
    )
    # "batches" came first of all (the table); then z_first before z_second
    assert found == ["batches", "batches"]


def test_object_literals_match_the_installed_sdk() -> None:
    for collection in _COLLECTIONS.values():
        spec = collection.model_spec
        if not isinstance(spec, str):
            continue
        model = resolve(spec)
        assert model is not None, spec
        field = model.model_fields.get("object")
        literals = (
            tuple(a for a in get_args(field.annotation) if isinstance(a, str)) if field else ()
        )
        assert OBJECT_LITERALS.get(spec) == literals, (
            f"{spec}: run python scripts/object_literals.py"
        )


def test_every_named_row_type_resolves_on_the_installed_sdk() -> None:
    for row in ENDPOINTS:
        spec = row.model_spec
        if isinstance(spec, str):
            assert available(spec), row.sdk
            assert row.model is not None and row.model.__name__ == spec.partition(":")[2]


# -- the match-key memo decides exactly as canonical comparison does -------------------------
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xyz"), inner),
    max_leaves=6,
)


def _interaction(body: bytes) -> Interaction:
    return Interaction(
        RecordedRequest("POST", "https://api.openai.com/v1/embeddings", (), body),
        RecordedResponse(200, "OK", (), b"{}"),
    )


def _request(body: bytes) -> httpx.Request:
    return httpx.Request("POST", "https://api.openai.com/v1/embeddings", content=body)


@settings(max_examples=60, deadline=None)
@given(recorded=_JSON, live=_JSON, sort=st.booleans())
def test_repeated_requests_match_as_their_canonical_bodies_do(
    recorded: Any, live: Any, sort: bool
) -> None:
    recorded_body = json.dumps({"input": recorded}).encode()
    live_body = json.dumps({"input": live}, sort_keys=sort, indent=1 if sort else None).encode()
    same = canonical_body(recorded_body) == canonical_body(live_body)
    index = InteractionIndex([_interaction(recorded_body)] * 3)
    # asked three times: the first computes the key, the others reuse it
    answers = [index.take(_request(live_body)) is not None for _ in range(3)]
    assert answers == [same] * 3
    assert index.take(_request(live_body)) is None  # three recorded, three played at most


@pytest.mark.parametrize("path", ["/threads/thread_a/runs", "/threads/thread_b/runs"])
def test_route_lookups_hand_out_their_own_params(path: str) -> None:
    from openai_responses import OpenAIMock

    mock = OpenAIMock()
    first = mock._index.find("POST", path)
    assert first is not None
    first[1]["thread_id"] = "changed"
    again = mock._index.find("POST", path)
    assert again is not None and again[1] == {"thread_id": path.split("/")[2]}


def test_websockets_imported_after_the_mock_started_are_still_refused() -> None:
    # Entering a mock no longer imports websockets; the SDK imports it inside connect(),
    # and the client modules are patched as they load, and restored at exit.
    found = _run(
        """
        import json, socket, sys
        import openai
        from openai_responses import OpenAIMock, UnmockedRequestError
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = "ws://127.0.0.1:%d/v1" % listener.getsockname()[1]
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=url)
        with OpenAIMock():
            loaded_at_enter = "websockets.sync.client" in sys.modules
            try:
                with client.realtime.connect(model="gpt-realtime"):
                    outcome = "connected"
            except UnmockedRequestError:
                outcome = "refused"
        from websockets.sync import client as sync_client
        restored = sync_client.connect.__module__ == "websockets.sync.client"
        print(json.dumps([loaded_at_enter, outcome, restored]))
        """
    )
    assert found == [False, "refused", True]


def test_the_route_index_finds_what_a_scan_of_every_row_finds() -> None:
    import re

    from openai_responses import OpenAIMock

    mock = OpenAIMock()
    routes = list({id(r): r for r in mock.routes.values()}.values())

    def scanned(method: str, path: str) -> Any:
        same = [
            r
            for r in routes
            if (r.endpoint.method, r.endpoint.path.count("/"))
            == (
                method,
                path.count("/"),
            )
        ]
        for route in sorted(same, key=lambda r: r.endpoint.path.count("{")):
            if re.match(route.endpoint.path_regex + "$", path):
                return route
        return None

    for route in routes:
        for value in ("x_1", "runs", "threads"):
            path = re.sub(r"\{\w+\}", value, route.endpoint.path)
            found = mock._index.find(route.endpoint.method, path)
            assert (found[0] if found else None) is scanned(route.endpoint.method, path), path
