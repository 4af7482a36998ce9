"""Rows for the Responses API (and its ``client.beta.responses`` twin).

Stateful like the service: stored responses (``store`` defaults to true) can be retrieved,
chained with ``previous_response_id``, listed for their input items and deleted;
``conversation=`` appends each turn's input and output items to the conversation;
``background=True`` responses move queued -> in_progress -> final over retrieves and can be
cancelled. What the model answers is scripted per mock (``_responses_script``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import httpx
import pydantic
from openai.types.responses import CompactedResponse, InputTokenCountResponse, Response
from pydantic import BaseModel

from .._defaults import deep_merge, new_id, now
from .._errors import bad_request, openai_error
from .._handlers import build_object
from .._params import integer
from .._sse import dump_model, encode_event
from .._state import Collection, StateStore, paginate, register_collection
from ._items import (
    INPUT_ITEMS,
    find_item,
    item_dicts,
    request_items,
    response_items,
    valid_only,
)
from ._responses_script import Turn, next_turn, output_items, script
from ._table import Answer, Context, Endpoint
from .conversations import (
    append_items,
    conversation_not_found,
    invalid_items,
    learn_items,
    with_partial,
)
from .core import estimate_tokens

__all__ = ["ENDPOINTS"]

register_collection(Collection("responses", Response))

# StateStore.extras key: background response id -> (its final Response, statuses still to show).
_PENDING = "responses.pending"

# What the API reports for request fields left out (request fields are echoed otherwise).
_FALLBACKS: dict[str, Any] = {
    "background": False,
    "instructions": None,
    "max_output_tokens": None,
    "metadata": {},
    "parallel_tool_calls": True,
    "previous_response_id": None,
    "reasoning": {"effort": None, "summary": None},
    "service_tier": "default",
    "temperature": 1.0,
    "text": {"format": {"type": "text"}, "verbosity": "medium"},
    "tool_choice": "auto",
    "tools": [],
    "top_logprobs": 0,
    "top_p": 1.0,
    "truncation": "disabled",
    "user": None,
}

_ERROR = {"code": "server_error", "message": "The model failed to generate a response."}


# -- errors and links ------------------------------------------------------------------------
def _not_found(response_id: str) -> httpx.Response:
    return openai_error(404, f"Response with id '{response_id}' not found.")


def _conversation_id(body: Mapping[str, Any]) -> str | None:
    conversation = body.get("conversation")
    if isinstance(conversation, Mapping):
        conversation = conversation.get("id")
    return str(conversation) if conversation else None


def _link_error(ctx: Context) -> httpx.Response | None:
    """The API's answer to a ``previous_response_id`` or ``conversation`` it cannot use."""
    previous, conversation = ctx.body.get("previous_response_id"), _conversation_id(ctx.body)
    if previous and conversation:
        return bad_request(
            "Mutually exclusive parameters: Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'."
        )
    if previous and ctx.state.get("responses", str(previous)) is None:
        return openai_error(
            400,
            f"Previous response with id '{previous}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    if conversation and ctx.state.get("conversations", conversation) is None:
        return conversation_not_found(conversation, param="conversation")
    return None


# -- tokens --------------------------------------------------------------------------------
def _stored_inputs(state: StateStore) -> dict[str, list[BaseModel]]:
    inputs: dict[str, list[BaseModel]] = state.extras.setdefault(INPUT_ITEMS, {})
    return inputs


def _history(state: StateStore, body: Mapping[str, Any]) -> list[Any]:
    """The items the model sees before this request's input (conversation or chain)."""
    conversation = _conversation_id(body)
    if conversation:
        return [dump_model(i) for i in state.all("conversation_items", conversations=conversation)]
    history: list[Any] = []
    previous = state.get("responses", str(body.get("previous_response_id") or ""))
    while isinstance(previous, Response):
        turn = [*_stored_inputs(state).get(previous.id, []), *previous.output]
        history = [dump_model(item) for item in turn] + history
        previous = state.get("responses", previous.previous_response_id or "")
    return history


def _prompt_tokens(state: StateStore, body: Mapping[str, Any]) -> int:
    prompt = [body.get("instructions"), _history(state, body), body.get("input"), body.get("tools")]
    return estimate_tokens(prompt)


def _usage(input_tokens: int, output: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [
        part.get("text") or part.get("refusal") or ""
        for item in output
        if item["type"] == "message"
        for part in item["content"]
    ]
    texts += [item["arguments"] for item in output if item["type"] == "function_call"]
    reasoning_items = [item for item in output if item["type"] == "reasoning"]
    thoughts = [summary["text"] for item in reasoning_items for summary in item["summary"]]
    reasoning = sum(estimate_tokens(t) for t in thoughts)
    output_tokens = sum(estimate_tokens(t) for t in texts if t) + reasoning
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
    }


# -- responses.create ----------------------------------------------------------------------
def _defaults(ctx: Context) -> dict[str, Any]:
    turn: Turn = ctx.extras["turn"]
    output = output_items(turn, ctx.body)
    data = {key: value for key, value in _FALLBACKS.items() if key not in ctx.body}
    data.update(
        status=turn.status,
        output=output,
        usage=_usage(_prompt_tokens(ctx.state, ctx.body), output),
        completed_at=now() if turn.status == "completed" else None,
        error={**_ERROR, **turn.error} if turn.status == "failed" and turn.error else None,
        incomplete_details=(
            {"reason": turn.incomplete_reason} if turn.status == "incomplete" else None
        ),
    )
    if turn.status == "failed" and data["error"] is None:
        data["error"] = dict(_ERROR)
    conversation = _conversation_id(ctx.body)
    if conversation:
        data["conversation"] = {"id": conversation}  # the request may give a bare id
    return data


def _create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    if "model" not in ctx.body and "prompt" not in ctx.body:
        return bad_request("Missing required parameter: 'model'.", param="model")
    error = _link_error(ctx)
    if error is not None:
        return error
    try:
        dicts = item_dicts(ctx.body.get("input"), lambda item_id: find_item(ctx.state, item_id))
        inputs = response_items(dicts)
    except (ValueError, pydantic.ValidationError) as invalid:
        return invalid_items("input", invalid)
    ctx.extras["turn"] = turn = next_turn(ctx.state)
    response = build_object(ctx, partial)
    assert isinstance(response, Response)
    background = bool(ctx.body.get("background"))
    if background or ctx.body.get("store", True) is not False:
        _stored_inputs(ctx.state)[response.id] = inputs
    if background and turn.progress and not ctx.wants_stream:
        return _start_background(ctx.state, response, turn.progress)
    _finish(ctx.state, response, inputs, store=ctx.body.get("store", True) is not False)
    return response


def _finish(state: StateStore, response: Response, inputs: list[BaseModel], store: bool) -> None:
    """A response reached its final status: keep it, and extend its conversation."""
    if store or response.background:
        state.put(response, "responses")
    if response.conversation is not None and response.status in ("completed", "incomplete"):
        turn = [dump_model(item) for item in (*inputs, *response.output)]
        append_items(state, response.conversation.id, turn)


def _in_progress(final: Response, status: str) -> Response:
    return final.model_copy(
        update={
            "status": status,
            "output": [],
            "usage": None,
            "completed_at": None,
            "error": None,
            "incomplete_details": None,
        }
    )


def _start_background(state: StateStore, final: Response, progress: tuple[str, ...]) -> Response:
    snapshot = _in_progress(final, progress[0])
    state.extras.setdefault(_PENDING, {})[final.id] = (final, list(progress[1:]))
    state.put(snapshot, "responses")
    return snapshot


def _advance(state: StateStore, response_id: str, *, to_end: bool) -> BaseModel | None:
    """The stored response, a background one moved one status on (or to its end)."""
    pending: dict[str, tuple[Response, list[str]]] = state.extras.get(_PENDING, {})
    if response_id not in pending:
        return state.get("responses", response_id)
    final, steps = pending[response_id]
    if steps and not to_end:
        snapshot = _in_progress(final, steps.pop(0))
        state.put(snapshot, "responses")
        return snapshot
    del pending[response_id]
    _finish(state, final, _stored_inputs(state).get(response_id, []), store=True)
    return final


def _stream(response: BaseModel, ctx: Context) -> bytes:
    """The response's event stream; on a retrieve, only events after ``starting_after``."""
    from ..streaming import response_events

    assert isinstance(response, Response)
    after = integer(ctx.query, "starting_after", -1)
    events = [e for e in response_events(response) if e.sequence_number > after]
    return b"".join(encode_event(event, event.type) for event in events)


# -- other response endpoints --------------------------------------------------------------
def _retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    response = _advance(ctx.state, ctx.params["response_id"], to_end=ctx.wants_stream)
    if response is None:
        return _not_found(ctx.params["response_id"])
    return with_partial(response, partial)


def _delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    response_id = ctx.params["response_id"]
    if not ctx.state.delete("responses", response_id):
        return _not_found(response_id)
    _forget(ctx.state, response_id)
    answer: dict[str, Any] = deep_merge(
        {"id": response_id, "object": "response", "deleted": True}, partial or {}
    )
    return answer


def _cancel(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    response_id = ctx.params["response_id"]
    stored = ctx.state.get("responses", response_id)
    if not isinstance(stored, Response):
        return _not_found(response_id)
    pending = ctx.state.extras.get(_PENDING, {}).pop(response_id, None)
    if pending is not None:
        stored = _in_progress(pending[0], "cancelled")
        ctx.state.put(stored, "responses")
    elif not stored.background:
        return bad_request("Cannot cancel a synchronous response.")
    # Cancelling a finished background response answers it unchanged, as the API does.
    return with_partial(stored, partial)


def _input_items(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    # The row's parent check has answered an unknown (or unstored) response already.
    response_id = ctx.params["response_id"]
    page = paginate(_stored_inputs(ctx.state).get(response_id, []), ctx.query)
    listing: dict[str, Any] = deep_merge(page.to_json(), partial or {})
    return listing


def _count_tokens(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    error = _link_error(ctx)
    if error is not None:
        return error
    tokens = _prompt_tokens(ctx.state, ctx.body)
    answer = {"object": "response.input_tokens", "input_tokens": tokens}
    return InputTokenCountResponse.model_validate(deep_merge(answer, partial or {}))


def _compact(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    if "model" not in ctx.body:
        return bad_request("Missing required parameter: 'model'.", param="model")
    error = _link_error(ctx)
    if error is not None:
        return error
    context = [ctx.body.get("instructions"), _history(ctx.state, ctx.body), ctx.body.get("input")]
    # Opaque to clients, like the real one; here it is just the compacted context encoded.
    encrypted = base64.b64encode(json.dumps(context, default=str).encode()).decode()
    compaction = {"id": new_id("cmp_"), "type": "compaction", "encrypted_content": encrypted}
    answer = {
        "id": new_id("resp_"),
        "object": "response.compaction",
        "created_at": now(),
        "output": [compaction],
        "usage": _usage(_prompt_tokens(ctx.state, ctx.body), []),
    }
    return CompactedResponse.model_validate(deep_merge(answer, partial or {}))


# -- seeding from recorded answers (see _seeding) ---------------------------------------------
def _learn(ctx: Context, data: dict[str, Any]) -> bool:
    if data.get("deleted") is True:  # its input items go with it; the store deletes the rest
        _forget(ctx.state, str(data.get("id")))
        return False
    if data.get("object") != "response":
        return False
    # ``store: false`` responses cannot be retrieved from the service either.
    if (data.get("store") is not False or data.get("background")) and ctx.state.learn(data):
        _learned(ctx, data)
    return True


def _learned(ctx: Context, data: dict[str, Any]) -> None:
    state, response_id = ctx.state, str(data["id"])
    # A response the recording shows is no longer the mock's to drive.
    state.extras.get(_PENDING, {}).pop(response_id, None)
    inputs = _stored_inputs(state)
    if response_id not in inputs and ctx.endpoint.sdk == "responses.create":
        # Its input items are its creating request's ``input``, the first time it is seen.
        inputs[response_id] = valid_only(request_items(ctx, "input"), response_items)
    conversation = data.get("conversation")
    if isinstance(conversation, dict) and data.get("status") in ("completed", "incomplete"):
        # The service appends the turn to the conversation, as ``_finish`` does here.
        conversation_id = str(conversation.get("id"))
        turn = [dump_model(item) for item in inputs.get(response_id, [])]
        learn_items(state, conversation_id, turn, made_up=True)
        learn_items(state, conversation_id, data.get("output") or [])


def _learn_input_items(ctx: Context, listing: dict[str, Any]) -> bool:
    # The listed items carry the ids the service gave the input, which the request lacked.
    if listing.get("object") != "list":
        return False
    if ctx.lists_every_child and not listing.get("has_more"):
        items = [item for item in listing.get("data") or [] if isinstance(item, dict)]
        if ctx.query.get("order") != "asc":
            items.reverse()  # pages default to newest first
        _stored_inputs(ctx.state)[ctx.params["response_id"]] = valid_only(items, response_items)
    return True


def _forget(state: StateStore, response_id: str) -> None:
    _stored_inputs(state).pop(response_id, None)
    state.extras.get(_PENDING, {}).pop(response_id, None)


_ONE = "/responses/{response_id}"


def _row(sdk: str, *args: Any, also: tuple[str, ...] = (), **kwargs: Any) -> Endpoint:
    # Every row answers ``client.beta.responses`` too: same paths, with ``?beta=true``.
    # Recorded answers of every row are seeded the Responses way (``_learn``).
    extra = {"aliases": (f"beta.{sdk}", *also), "learn": _learn}
    return Endpoint(sdk, *args, **{**extra, **kwargs})


ENDPOINTS = (
    _row(
        "responses.create",
        "POST",
        "/responses",
        "create",
        Response,
        "responses",
        "response",
        id_prefix="resp_",
        defaults=_defaults,
        stream=_stream,
        handler=_create,
        helpers=(("script", script),),
        # The SDK's client-side helpers post to the same endpoint.
        also=("responses.parse", "responses.stream"),
    ),
    _row(
        "responses.retrieve",
        "GET",
        _ONE,
        "retrieve",
        Response,
        "responses",
        "response",
        stream=_stream,
        handler=_retrieve,
    ),
    _row("responses.delete", "DELETE", _ONE, "delete", None, "responses", handler=_delete),
    _row(
        "responses.cancel",
        "POST",
        _ONE + "/cancel",
        "action",
        Response,
        "responses",
        "response",
        handler=_cancel,
    ),
    _row(
        "responses.compact",
        "POST",
        "/responses/compact",
        "stateless",
        CompactedResponse,
        handler=_compact,
    ),
    _row(
        "responses.input_items.list",
        "GET",
        _ONE + "/input_items",
        "list",
        None,
        parents=(("response_id", "responses"),),
        handler=_input_items,
        learn=_learn_input_items,
    ),
    _row(
        "responses.input_tokens.count",
        "POST",
        "/responses/input_tokens",
        "stateless",
        InputTokenCountResponse,
        handler=_count_tokens,
    ),
)
