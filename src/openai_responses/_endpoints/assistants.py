"""Rows for the Assistants v2 API (``client.beta``): assistants, threads, messages, runs, steps.

Assistants, threads and messages are plain stateful rows. Runs follow a scripted lifecycle
(``_assistants_runs``) that tests steer with ``openai_mock.beta.threads.runs.create.script(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel

from .._defaults import deep_merge, new_id, now
from .._errors import InvalidRequest, bad_request, json_type, not_found
from .._handlers import build_object
from .._params import mapping
from .._sdk_types import TypeName
from .._state import Collection, StateStore, register_collection
from . import _beta as beta
from ._table import Answer, Context, Endpoint
from .surface.vector_stores import resolve_tool_resources, tool_resources_files, unknown_file

if TYPE_CHECKING:
    from ._assistants_script import RunScript

# The run machinery (``_assistants_runs``, ``_assistants_script``) is imported by the run
# handlers, with the first run a test makes: most tests make none.

register_collection(Collection("assistants", beta.ASSISTANT))
register_collection(Collection("threads", beta.THREAD))
register_collection(
    Collection("messages", beta.MESSAGE, parent="threads", parent_field="thread_id")
)
register_collection(Collection("runs", beta.RUN, parent="threads", parent_field="thread_id"))
register_collection(
    Collection(
        "run_steps",
        beta.RUN_STEP,
        parent="runs",
        parent_field="run_id",
        also_owned_by=(("threads", "thread_id"),),
    )
)

_EVENTS = "assistants.events"  # Context.extras key: events the handler already caused
_THREAD = (("thread_id", "threads"),)
_RUN = (*_THREAD, ("run_id", "runs"))


# -- scripting (a helper of the runs.create and threads.create_and_run routes) -------------
def script(
    route: Any,
    reply: str | None = None,
    *,
    tool_calls: Sequence[Mapping[str, Any]] = (),
    then_reply: str | None = None,
    fail: Any = None,
    expire: bool = False,
    polls: Mapping[str, int] | None = None,
    assistant_id: str | None = None,
) -> RunScript:
    """Say what the runs this mock creates will do, for every assistant or for one.

    ``reply``: the assistant message a run ends with. ``tool_calls``: ``[{"name", "arguments"}]``
    first put the run in ``requires_action``; after ``submit_tool_outputs`` it ends with
    ``then_reply``. ``fail``: a ``last_error.code`` (or ``{"code", "message"}``); ``expire``:
    the run expires. ``polls``: how many answers each status lasts, e.g. ``{"queued": 1,
    "in_progress": 2, "cancelling": 1}``.
    """
    from ._assistants_script import book, make_script

    made = make_script(
        reply, tool_calls=tool_calls, then_reply=then_reply, fail=fail, expire=expire, polls=polls
    )
    scripts = book(route.state)
    if assistant_id is None:
        scripts.default = made
    else:
        scripts.by_assistant[assistant_id] = made
    return made


_SCRIPTABLE = (("script", script),)


# -- assistants and threads -----------------------------------------------------------------
def _assistant_defaults(ctx: Context) -> dict[str, Any]:
    # The API answers every field, null when unset; row defaults beat the request echo, so
    # only the fields the request left out are filled here.
    unset: dict[str, Any] = {
        "description": None,
        "instructions": None,
        "name": None,
        "metadata": {},
        "tools": [],
        "response_format": "auto",
        "temperature": 1.0,
        "top_p": 1.0,
        "tool_resources": {},
    }
    return {k: v for k, v in unset.items() if ctx.body.get(k) is None}


def _assistant_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """An assistant; ``tool_resources.file_search.vector_stores`` become new vector stores,
    answered by id in ``vector_store_ids`` as the service does."""
    resources = mapping(ctx.body, "tool_resources") or None
    problem = unknown_file(ctx.state, tool_resources_files(resources))
    if problem is not None:
        return problem
    assistant = build_object(ctx, partial)
    resolved = resolve_tool_resources(ctx.state, resources)
    if resolved is not resources:  # vector stores were made
        data = assistant.model_dump(mode="json", by_alias=True, exclude_unset=True)
        data["tool_resources"] = resolved
        assistant = beta.Assistant.model_validate(deep_merge(data, partial or {}))
    ctx.state.put(assistant, "assistants")
    return assistant


def _thread_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    thread = _new_thread(ctx, ctx.body, partial)
    return thread if isinstance(thread, httpx.Response) else thread[0]


def _new_thread(
    ctx: Context, spec: Mapping[str, Any], partial: dict[str, Any] | None
) -> tuple[beta.Thread, list[beta.Message]] | httpx.Response:
    specs = spec.get("messages") or []
    resources = spec.get("tool_resources") or {}
    problem = _bad_messages(specs, "messages") or unknown_file(
        ctx.state, tool_resources_files(resources)
    )
    if problem is not None:
        return problem
    data = {
        "id": new_id("thread_"),
        "object": "thread",
        "created_at": now(),
        "metadata": spec.get("metadata") or {},
        "tool_resources": resolve_tool_resources(ctx.state, resources),
    }
    thread = beta.Thread.model_validate(deep_merge(data, partial or {}))
    ctx.state.put(thread, "threads")
    return thread, [_add_message(ctx.state, thread.id, s) for s in specs]


# -- messages -------------------------------------------------------------------------------
def _bad_messages(specs: Any, param: str) -> httpx.Response | None:
    for index, spec in enumerate(specs if isinstance(specs, list) else [specs]):
        for name in ("role", "content"):
            if not isinstance(spec, Mapping) or name not in spec:
                return bad_request(
                    f"Missing required parameter: '{param}[{index}].{name}'.",
                    param=f"{param}[{index}].{name}",
                )
        _check_content(spec["content"], f"{param}[{index}].content")
    return None


def _check_content(content: Any, param: str) -> None:
    """Message content is a string or a list of content part objects."""
    parts = content if isinstance(content, list) else None
    if not isinstance(content, str) and (
        parts is None or not all(isinstance(p, dict) for p in parts)
    ):
        raise InvalidRequest(
            f"Invalid type for '{param}': expected one of a string or array of objects, but "
            f"got {json_type(content)} instead.",
            param=param,
            code="invalid_type",
        )


def _content_blocks(content: Any) -> list[Any]:
    """Request content (a string or parts) in the answer's shape."""
    if isinstance(content, str):
        return [{"type": "text", "text": {"value": content, "annotations": []}}]
    return [
        {"type": "text", "text": {"value": part.get("text", ""), "annotations": []}}
        if part.get("type") == "text"
        else part  # image_file / image_url blocks are spelled the same both ways
        for part in content
    ]


def _add_message(
    state: StateStore,
    thread_id: str,
    spec: Mapping[str, Any],
    partial: dict[str, Any] | None = None,
) -> beta.Message:
    data = {
        "id": new_id("msg_"),
        "object": "thread.message",
        "created_at": now(),
        "thread_id": thread_id,
        "role": spec["role"],
        "content": _content_blocks(spec["content"]),
        "attachments": spec.get("attachments") or [],
        "metadata": spec.get("metadata") or {},
        "status": "completed",
        "assistant_id": None,
        "run_id": None,
        "completed_at": None,
        "incomplete_at": None,
        "incomplete_details": None,
    }
    message = beta.Message.model_validate(deep_merge(data, partial or {}))
    state.put(message, "messages")
    return message


def _message_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    _check_content(ctx.body.get("content"), "content")
    return _add_message(ctx.state, ctx.params["thread_id"], ctx.body, partial)


def _messages_where(ctx: Context) -> Callable[[BaseModel], bool] | None:
    run_id = ctx.query.get("run_id")
    return (lambda m: getattr(m, "run_id", None) == run_id) if run_id else None


# -- runs -----------------------------------------------------------------------------------
def _run_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    assistant = _assistant(ctx)
    if isinstance(assistant, httpx.Response):
        return assistant
    extra = ctx.body.get("additional_messages") or []
    problem = _bad_messages(extra, "additional_messages")
    if problem is not None:
        return problem
    thread_id = ctx.params["thread_id"]
    for spec in extra:
        _add_message(ctx.state, thread_id, spec)
    return _start_run(ctx, assistant, thread_id, partial)


def _thread_create_and_run(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    assistant = _assistant(ctx)
    if isinstance(assistant, httpx.Response):
        return assistant
    made = _new_thread(ctx, mapping(ctx.body, "thread"), None)
    if isinstance(made, httpx.Response):
        return made
    ctx.extras[_EVENTS] = [beta.ThreadCreated(event="thread.created", data=made[0])]
    return _start_run(ctx, assistant, made[0].id, partial)


def _assistant(ctx: Context) -> beta.Assistant | httpx.Response:
    assistant_id = ctx.body.get("assistant_id")
    if not assistant_id:
        return bad_request("Missing required parameter: 'assistant_id'.", param="assistant_id")
    found = ctx.state.get("assistants", str(assistant_id))
    return found if isinstance(found, beta.Assistant) else not_found("assistant", str(assistant_id))


def _start_run(
    ctx: Context, assistant: beta.Assistant, thread_id: str, partial: dict[str, Any] | None
) -> beta.Run:
    from ._assistants_runs import RunDriver
    from ._assistants_script import book

    run = beta.Run.model_validate(
        deep_merge(_run_fields(ctx.body, assistant, thread_id), partial or {})
    )
    driver = RunDriver(ctx.state, run, book(ctx.state).start(run.id, assistant.id))
    driver.queue()
    run = driver.answer()
    ctx.extras[_EVENTS] = [*ctx.extras.get(_EVENTS, []), *driver.events]
    return run


def _run_fields(
    body: Mapping[str, Any], assistant: beta.Assistant, thread_id: str
) -> dict[str, Any]:
    """A new run: what the request says, else what the assistant says (model, tools…)."""
    inherited = assistant.model_dump(mode="json", exclude_unset=True)

    def pick(name: str, fallback: Any = None) -> Any:
        value = body.get(name)
        return value if value is not None else inherited.get(name, fallback)

    created = now()
    return {
        "id": new_id("run_"),
        "object": "thread.run",
        "created_at": created,
        "assistant_id": assistant.id,
        "thread_id": thread_id,
        "status": "queued",
        "model": pick("model", ""),
        "instructions": pick("instructions") or "",
        "tools": pick("tools", []),
        "response_format": pick("response_format", "auto"),
        "temperature": pick("temperature", 1.0),
        "top_p": pick("top_p", 1.0),
        "metadata": body.get("metadata") or {},
        "tool_choice": body.get("tool_choice") or "auto",
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "truncation_strategy": body.get("truncation_strategy")
        or {"type": "auto", "last_messages": None},
        "max_prompt_tokens": body.get("max_prompt_tokens"),
        "max_completion_tokens": body.get("max_completion_tokens"),
        "expires_at": created + 600,  # the API gives runs ten minutes
        **dict.fromkeys(("started_at", "completed_at", "cancelled_at", "failed_at"), None),
        **dict.fromkeys(("last_error", "required_action", "incomplete_details", "usage"), None),
    }


def _stored_run(ctx: Context) -> beta.Run | httpx.Response:
    run = ctx.state.get("runs", ctx.params["run_id"])
    if not isinstance(run, beta.Run) or run.thread_id != ctx.params["thread_id"]:
        return not_found("run", ctx.params["run_id"])
    return run


def _run_retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    from ._assistants_runs import RunDriver, revise

    run = _stored_run(ctx)
    if isinstance(run, httpx.Response):
        return run
    driver = RunDriver.of(ctx.state, run)
    run = driver.answer() if driver else run
    return revise(run, **partial) if partial else run


def _run_cancel(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    from ._assistants_runs import RunDriver, revise

    run = _stored_run(ctx)
    if isinstance(run, httpx.Response):
        return run
    if run.status not in ("queued", "in_progress", "requires_action"):
        return bad_request(f"Cannot cancel run with status '{run.status}'.")
    driver = RunDriver.of(ctx.state, run)
    if driver is None:  # a run this mock did not start (seeded): nothing left to drive
        run = revise(run, status="cancelling")
        ctx.state.put(run, "runs")
    else:
        driver.cancel()
        run = driver.answer()
    return revise(run, **partial) if partial else run


def _run_submit(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    from ._assistants_runs import RunDriver, revise

    run = _stored_run(ctx)
    if isinstance(run, httpx.Response):
        return run
    if run.status != "requires_action" or run.required_action is None:
        return bad_request(f'Runs in status "{run.status}" do not accept tool outputs.')
    outputs = {
        str(o.get("tool_call_id")): str(o.get("output", ""))
        for o in ctx.body.get("tool_outputs") or []
    }
    expected = [c.id for c in run.required_action.submit_tool_outputs.tool_calls]
    if sorted(expected) != sorted(outputs):
        return bad_request(
            f"Expected tool outputs for call_ids {expected}, got {sorted(outputs)}",
            param="tool_outputs",
        )
    driver = RunDriver.of(ctx.state, run)
    if driver is None:
        return bad_request("This run was not started by the mock and cannot continue.")
    driver.submit(outputs)
    run = driver.answer()
    ctx.extras[_EVENTS] = driver.events
    return revise(run, **partial) if partial else run


def _run_stream(run: BaseModel, ctx: Context) -> bytes:
    """The run's ``thread.*`` events up to its next pause (requires_action) or end."""
    from ._assistants_runs import RunDriver, RunEvents

    assert isinstance(run, beta.Run)
    events: list[beta.AssistantStreamEvent] = list(ctx.extras.pop(_EVENTS, []))
    driver = RunDriver.of(ctx.state, run)
    if driver is not None:
        driver.finish()
        events += driver.events
    return b"".join(RunEvents(events))


# -- the rows -------------------------------------------------------------------------------
def _crud(
    sdk: str, path: str, model: TypeName, deleted: TypeName, **row: Any
) -> tuple[Endpoint, ...]:
    """The five rows of a plain stateful object: create, retrieve, update, list, delete."""
    noun = row.pop("noun")
    collection = row.pop("collection")
    parents = row.pop("parents", ())
    where = row.pop("where", None)
    item = path + "/{" + noun + "_id}"
    common: dict[str, Any] = {"collection": collection, "noun": noun, "parents": parents}
    return (
        Endpoint(f"{sdk}.create", "POST", path, "create", model, **common, **row),
        Endpoint(f"{sdk}.retrieve", "GET", item, "retrieve", model, **common),
        Endpoint(f"{sdk}.update", "POST", item, "update", model, **common),
        Endpoint(f"{sdk}.list", "GET", path, "list", model, **common, where=where),
        Endpoint(f"{sdk}.delete", "DELETE", item, "delete", deleted, **common),
    )


_RUNS = "/threads/{thread_id}/runs"
_ONE_RUN = _RUNS + "/{run_id}"

ENDPOINTS: tuple[Endpoint, ...] = (
    *_crud(
        "beta.assistants",
        "/assistants",
        beta.ASSISTANT,
        beta.ASSISTANT_DELETED,
        collection="assistants",
        noun="assistant",
        id_prefix="asst_",
        required=("model",),
        defaults=_assistant_defaults,
        handler=_assistant_create,
    ),
    # Threads have no list endpoint; their create also writes the initial messages.
    *(
        row
        for row in _crud(
            "beta.threads",
            "/threads",
            beta.THREAD,
            beta.THREAD_DELETED,
            collection="threads",
            noun="thread",
            handler=_thread_create,
        )
        if row.kind != "list"
    ),
    *_crud(
        "beta.threads.messages",
        "/threads/{thread_id}/messages",
        beta.MESSAGE,
        beta.MESSAGE_DELETED,
        collection="messages",
        noun="message",
        parents=_THREAD,
        required=("role", "content"),
        handler=_message_create,
        where=_messages_where,
    ),
    Endpoint(
        "beta.threads.create_and_run",
        "POST",
        "/threads/runs",
        "create",
        beta.RUN,
        "runs",
        "run",
        required=("assistant_id",),
        handler=_thread_create_and_run,
        stream=_run_stream,
        helpers=_SCRIPTABLE,
        aliases=("beta.threads.create_and_run_poll", "beta.threads.create_and_run_stream"),
    ),
    Endpoint(
        "beta.threads.runs.create",
        "POST",
        _RUNS,
        "create",
        beta.RUN,
        "runs",
        "run",
        parents=_THREAD,
        required=("assistant_id",),
        handler=_run_create,
        stream=_run_stream,
        helpers=_SCRIPTABLE,
        aliases=(
            "beta.threads.runs.create_and_poll",
            "beta.threads.runs.create_and_stream",
            "beta.threads.runs.stream",
        ),
    ),
    Endpoint(
        "beta.threads.runs.retrieve",
        "GET",
        _ONE_RUN,
        "retrieve",
        beta.RUN,
        "runs",
        "run",
        parents=_THREAD,
        handler=_run_retrieve,
        aliases=("beta.threads.runs.poll",),
    ),
    Endpoint(
        "beta.threads.runs.update",
        "POST",
        _ONE_RUN,
        "update",
        beta.RUN,
        "runs",
        "run",
        parents=_THREAD,
    ),
    Endpoint(
        "beta.threads.runs.list", "GET", _RUNS, "list", beta.RUN, "runs", "run", parents=_THREAD
    ),
    Endpoint(
        "beta.threads.runs.cancel",
        "POST",
        _ONE_RUN + "/cancel",
        "action",
        beta.RUN,
        "runs",
        "run",
        parents=_THREAD,
        handler=_run_cancel,
    ),
    Endpoint(
        "beta.threads.runs.submit_tool_outputs",
        "POST",
        _ONE_RUN + "/submit_tool_outputs",
        "action",
        beta.RUN,
        "runs",
        "run",
        parents=_THREAD,
        required=("tool_outputs",),
        handler=_run_submit,
        stream=_run_stream,
        aliases=(
            "beta.threads.runs.submit_tool_outputs_and_poll",
            "beta.threads.runs.submit_tool_outputs_stream",
        ),
    ),
    Endpoint(
        "beta.threads.runs.steps.list",
        "GET",
        _ONE_RUN + "/steps",
        "list",
        beta.RUN_STEP,
        "run_steps",
        "step",
        parents=_RUN,
    ),
    Endpoint(
        "beta.threads.runs.steps.retrieve",
        "GET",
        _ONE_RUN + "/steps/{step_id}",
        "retrieve",
        beta.RUN_STEP,
        "run_steps",
        "step",
        parents=_RUN,
    ),
)
