"""What the StateStore may answer when a replay-only cassette has no recording of a request.

A replay must never make up an answer. The state holds what the recording showed, so it may
answer only what those objects settle on their own:

- ``retrieve`` / ``update`` / ``content``: every object the path names is known (held, or
  deleted, which answers the service's 404) and none is a recorded snapshot of work still in
  progress (``queued``, ``in_progress``…): the service would by now answer a later state, and
  answering the old one forever would also spin a polling loop. ``content`` also needs the
  bytes themselves, which only an upload the state saw can give;
- ``delete``: every object the path names is known;
- ``list``: a known object's children (``/threads/{thread_id}/messages``), none in progress. A
  list that names no object (``GET /files``) asks about the whole account, which no
  recording shows;
- ``create``, ``action`` (cancel, submit_tool_outputs, …) and ``stateless``: never. What they
  answer is what the service decides: new ids, model output, state changes.

A row says otherwise with ``Endpoint(state_answers=...)`` (e.g. the built-in model list,
which is the mock's invention, never answers). ``OpenAIMock(on_miss="mock")`` lets every
routed request fall through to the mock instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._state import StateStore
    from ._table import Context, Endpoint

__all__ = ["Rule", "never", "note_snapshot", "rule_for"]

Rule = Callable[["Context"], bool]

# Statuses of work the service is still doing. ``requires_action`` (a run waiting for tool
# outputs) and ``pending`` (an upload waiting for parts) wait on the client: they are settled.
IN_PROGRESS = frozenset(
    {
        "queued",
        "in_progress",
        "cancelling",
        "validating",
        "validating_files",
        "running",
        "finalizing",
    }
)
# StateStore.extras key: ids whose latest recorded snapshot shows work in progress.
_IN_PROGRESS = "misses.in_progress"


def note_snapshot(state: StateStore, data: dict[str, Any]) -> None:
    """Seeding tells each recorded object it stores: is it a snapshot of work in progress?
    Objects without a status say nothing (a ``thread.message.delta`` is no snapshot)."""
    if "id" not in data or "status" not in data:
        return
    unsettled: set[str] = state.extras.setdefault(_IN_PROGRESS, set())
    if data.get("status") in IN_PROGRESS:
        unsettled.add(str(data["id"]))
    else:
        unsettled.discard(str(data["id"]))


def never(ctx: Context) -> bool:
    return False


def known(ctx: Context) -> bool:
    """Every object the path names is held, or was deleted (the handler answers 404)."""
    state = ctx.state
    return all(
        state.get(collection, object_id) is not None or state.was_deleted(collection, object_id)
        for collection, object_id in _named(ctx)
    )


def settled(ctx: Context) -> bool:
    """Known, and no object the answer shows is a recorded snapshot of work in progress."""
    if not known(ctx):
        return False
    shown = [object_id for _, object_id in _named(ctx)]
    endpoint = ctx.endpoint
    if endpoint.kind == "list" and endpoint.collection and endpoint.id_param is None:
        shown += ctx.state.ids(endpoint.collection, **ctx.parent_links)
    unsettled: set[str] = ctx.state.extras.get(_IN_PROGRESS, set())
    return unsettled.isdisjoint(shown)


def children(ctx: Context) -> bool:
    """A listing of a known object's children; a listing that names no object is a miss."""
    return bool(_named(ctx)) and settled(ctx)


def content(ctx: Context) -> bool:
    endpoint = ctx.endpoint
    if endpoint.collection is None:  # made-up bytes under a parent: nothing recorded to serve
        return False
    held = ctx.state.content(endpoint.collection, ctx.object_id) is not None
    gone = ctx.state.was_deleted(endpoint.collection, ctx.object_id)
    return settled(ctx) and (held or gone)


_BY_KIND: dict[str, Rule] = {
    "retrieve": settled,
    "update": settled,
    "delete": known,
    "list": children,
    "content": content,
}


def rule_for(endpoint: Endpoint) -> Rule:
    """The rule of the row's kind; rows that keep no state never answer a miss."""
    if not (endpoint.stateful or endpoint.parents):
        return never
    return _BY_KIND.get(endpoint.kind, never)


def _named(ctx: Context) -> list[tuple[str, str]]:
    endpoint = ctx.endpoint
    named = [(collection, ctx.params[param]) for param, collection in endpoint.parents]
    if endpoint.id_param is not None and endpoint.collection is not None:
        named.append((endpoint.collection, ctx.object_id))
    return named
