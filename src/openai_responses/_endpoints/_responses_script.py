"""Scripted replies for ``responses.create``: what the model "says", without callables.

    openai_mock.responses.create.script(function_call={"name": "get_weather",
                                                      "arguments": {"city": "Paris"}})
    openai_mock.responses.create.script(text="It is sunny in Paris.")

Each ``script(...)`` queues one turn; each ``responses.create`` takes the next turn (first in,
first out) and, once the queue is empty, answers the default turn. The queue lives in the
mock's ``StateStore.extras``, so every mock has its own.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._defaults import new_id
from .._schema_example import example_for_schema
from .._state import StateStore

__all__ = ["DEFAULT_TURN", "Turn", "next_turn", "output_items", "script"]

_QUEUE = "responses.script"

Status = Literal["completed", "incomplete", "failed"]


@dataclass(frozen=True)
class Turn:
    """One reply of the model."""

    text: str | None = None  # None: "" or, with a json_schema text format, a matching example
    function_calls: tuple[Mapping[str, Any], ...] = ()
    reasoning: str | None = None  # a reasoning item with this summary comes first
    refusal: str | None = None
    status: Status = "completed"
    incomplete_reason: str = "max_output_tokens"
    error: Mapping[str, Any] | None = None  # a failed response's error object
    # Statuses a background response shows, one per retrieve, before its final one.
    progress: tuple[str, ...] = ("queued", "in_progress")


DEFAULT_TURN = Turn()


def script(
    route: Any,
    text: str | Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    function_call: str | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    reasoning: str | None = None,
    refusal: str | None = None,
    status: Status | None = None,
    incomplete_reason: str = "max_output_tokens",
    error: Mapping[str, Any] | None = None,
    progress: Sequence[str] = ("queued", "in_progress"),
) -> Any:
    """Queue the next turn of ``responses.create``; returns the route, so calls chain.

    ``text`` may be a dict or list (sent as JSON, for structured output); ``function_call`` a
    tool name, a ``{"name", "arguments", "call_id"}`` dict (arguments as a dict or a JSON
    string; left out, they are an example matching the request's tool schema) or a list of
    them. ``error`` makes the response ``failed``; ``status="incomplete"`` stops it for
    ``incomplete_reason``. ``progress`` sets the statuses a ``background=True`` response shows
    on successive retrieves before it finishes.
    """
    turn = Turn(
        text=text if text is None or isinstance(text, str) else json.dumps(text),
        function_calls=_calls(function_call),
        reasoning=reasoning,
        refusal=refusal,
        status=status or ("failed" if error is not None else "completed"),
        incomplete_reason=incomplete_reason,
        error=error,
        progress=tuple(progress),
    )
    _queue(route.state).append(turn)
    return route


def _calls(
    function_call: str | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> tuple[Mapping[str, Any], ...]:
    if function_call is None:
        return ()
    if isinstance(function_call, str):
        return ({"name": function_call},)
    if isinstance(function_call, Mapping):
        return (function_call,)
    return tuple(function_call)


def _queue(state: StateStore) -> deque[Turn]:
    queue: deque[Turn] = state.extras.setdefault(_QUEUE, deque())
    return queue


def next_turn(state: StateStore) -> Turn:
    queue = _queue(state)
    return queue.popleft() if queue else DEFAULT_TURN


# -- the output items of a turn ----------------------------------------------------------------
def output_items(turn: Turn, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The response ``output`` for ``turn``: reasoning, a message, then function calls."""
    if turn.status == "failed":
        return []  # a failed response produced nothing
    items = [_reasoning(turn.reasoning)] if turn.reasoning is not None else []
    item_status = "incomplete" if turn.status == "incomplete" else "completed"
    if turn.refusal is not None:
        items.append(_message({"type": "refusal", "refusal": turn.refusal}, item_status))
    elif turn.text is not None or not turn.function_calls:
        text = turn.text if turn.text is not None else default_text(body)
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        items.append(_message(part, item_status))
    items += [_function_call(call, body) for call in turn.function_calls]
    return items


def default_text(body: Mapping[str, Any]) -> str:
    """The empty string, or the smallest JSON the request's ``text.format`` accepts."""
    text_config = body.get("text")
    text_format = text_config.get("format") if isinstance(text_config, Mapping) else None
    if not isinstance(text_format, Mapping):
        return ""
    if text_format.get("type") == "json_object":
        return "{}"
    schema = text_format.get("schema")
    if text_format.get("type") == "json_schema" and isinstance(schema, dict):
        return json.dumps(example_for_schema(schema))
    return ""


def _message(part: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": [part],
    }


def _reasoning(summary: str) -> dict[str, Any]:
    return {
        "id": new_id("rs_"),
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": summary}] if summary else [],
    }


def _function_call(call: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    name = str(call.get("name") or _first_function_name(body))
    arguments = call.get("arguments")
    if arguments is None:
        arguments = example_for_schema(_tool_parameters(body, name))
    return {
        "id": new_id("fc_"),
        "type": "function_call",
        "call_id": str(call.get("call_id") or new_id("call_")),
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        "status": "completed",
    }


def _function_tools(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    tools = body.get("tools") or []
    return [t for t in tools if isinstance(t, Mapping) and t.get("type") == "function"]


def _first_function_name(body: Mapping[str, Any]) -> str:
    tools = _function_tools(body)
    return str(tools[0].get("name", "")) if tools else ""


def _tool_parameters(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    for tool in _function_tools(body):
        parameters = tool.get("parameters")
        if tool.get("name") == name and isinstance(parameters, dict):
            return parameters
    return {"type": "object", "properties": {}}
