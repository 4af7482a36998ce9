"""How one request is answered, top-down (DESIGN.md §1).

    1. override  — the route's ``.response`` was set
    2. cassette  — a recorded interaction matches and has not been played
    3. record    — the record mode allows it: send upstream for real, tee, save
    4. state     — stateful routes answer from the StateStore
    5. default   — stateless routes answer a default object; with a replay-only cassette
                   in play an unmatched stateless request is a miss instead

Every step's answer goes through ``render`` (model -> JSON or SSE) and, for stateful routes,
feeds the StateStore.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import httpx
import pydantic
from pydantic import BaseModel

from ._conversion import from_httpx2_response, is_httpx2
from ._endpoints import Answer, Context, MalformedBody
from ._errors import OpenAIMockError, bad_request
from ._handlers import handle
from ._sse import iter_sse

if TYPE_CHECKING:
    from ._mock import OpenAIMock
    from ._routes import Route

__all__ = ["InvalidMockResponseError", "answer"]

Result = httpx.Response | Awaitable[httpx.Response]


class InvalidMockResponseError(OpenAIMockError):
    """A ``.response`` the user set does not make a valid answer for its route."""


def answer(
    mock: OpenAIMock, route: Route, request: httpx.Request, params: dict[str, str]
) -> Result:
    ctx = Context(request, params, mock.state, route.endpoint)
    try:
        # 1. override
        if route.response is not None:
            return without_delays(_override(route, ctx))
        session = mock.cassette
        if session is not None:
            # 2. cassette
            replayed = session.replay(request)
            if replayed is not None:
                learn(ctx, replayed)
                return without_delays(replayed, replayed=True)
            # 3. record
            if session.may_record:
                return session.record(request, on_recorded=lambda live: learn(ctx, live))
            # 5. a stateless request the cassette cannot answer is a miss
            if not route.endpoint.stateful:
                raise mock.fail(session.miss(request))
        # 4. state, or 5. the default object
        return without_delays(render(ctx, handle(ctx, None)))
    except MalformedBody as error:
        return bad_request(str(error))


def learn(ctx: Context, response: httpx.Response) -> None:
    """Stateful routes keep what a recording answered (JSON, or the objects in an SSE stream)."""
    if not ctx.endpoint.stateful or response.status_code >= 300:
        return
    for data in _answered_objects(response):
        ctx.state.learn(data, **ctx.parent_links)


def _answered_objects(response: httpx.Response) -> list[Any]:
    content_type = response.headers.get("content-type", "")
    body = response.content
    if "text/event-stream" in content_type or body.lstrip().startswith((b"event:", b"data:")):
        events = [json.loads(data) for _, data in iter_sse(body) if data.startswith("{")]
        # Responses API events wrap the object: {"type": "response.completed", "response": {…}}
        return [e.get("response", e) if isinstance(e, dict) else e for e in events]
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if isinstance(data, dict) and data.get("object") == "list":
        return list(data.get("data") or [])
    return [data]


# Answers that would make the SDK wait: poll hints and retry delays. Tests stay fast.
_RETRYABLE = frozenset({408, 409, 429})


def without_delays(response: httpx.Response, *, replayed: bool = False) -> httpx.Response:
    """Tell the SDK not to sleep: a 0 ms poll hint, and a near-zero retry delay on errors it
    retries. A recorded ``retry-after`` is replaced; one the user set on purpose is kept."""
    headers = response.headers
    headers.setdefault("openai-poll-after-ms", "0")
    if response.status_code in _RETRYABLE or response.status_code >= 500:
        if replayed:
            headers.pop("retry-after", None)
            headers["retry-after-ms"] = "0.001"
        else:
            headers.setdefault("retry-after-ms", "0.001")
    return response


def _override(route: Route, ctx: Context) -> httpx.Response:
    value = route.response
    if callable(value) and not isinstance(value, (BaseModel, httpx.Response)):
        value = _call_user_function(value, route, ctx)
    if isinstance(value, httpx.Response):
        return value
    if is_httpx2(value):
        return from_httpx2_response(value)  # type: ignore[arg-type]
    if isinstance(value, BaseModel):
        remember(ctx, value)
        return render(ctx, value)
    if isinstance(value, dict):
        try:
            return render(ctx, handle(ctx, value))
        except pydantic.ValidationError as error:
            raise InvalidMockResponseError(
                f"openai_mock.{route.endpoint.sdk}.response does not make a valid "
                f"{route.endpoint.model.__name__ if route.endpoint.model else 'answer'}:\n{error}"
            ) from None
    raise InvalidMockResponseError(
        f"openai_mock.{route.endpoint.sdk}.response must be a dict, an openai model, an httpx "
        f"Response or a callable returning one; got {type(value).__name__}"
    )


def _call_user_function(function: Any, route: Route, ctx: Context) -> Any:
    """Call ``function(request, route, **path_params)``, adding ``state_store`` if asked for."""
    offered: dict[str, Any] = {
        "route": route.route,
        "state_store": ctx.state,
        "state": ctx.state,
        **ctx.params,
    }
    parameters = inspect.signature(function).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    kwargs = {k: v for k, v in offered.items() if takes_all or k in parameters}
    if "state" in kwargs and "state" not in parameters and "state_store" in kwargs:
        kwargs.pop("state")  # **kwargs receivers get the documented name only
    return function(ctx.request, **kwargs)


def remember(ctx: Context, obj: BaseModel) -> None:
    """Stateful routes keep every object they answer with: the latest snapshot wins."""
    collection = ctx.endpoint.collection
    if collection and ctx.endpoint.kind in ("create", "retrieve", "update", "action"):
        ctx.state.put(obj, collection, **ctx.parent_links)


def render(ctx: Context, result: Answer) -> httpx.Response:
    """An HTTP answer for a handler's result: JSON, or SSE when the request streams."""
    if isinstance(result, httpx.Response):
        return result
    if isinstance(result, BaseModel) and ctx.wants_stream and ctx.endpoint.stream is not None:
        return httpx.Response(
            200,
            content=ctx.endpoint.stream(result, ctx),
            headers={"content-type": "text/event-stream; charset=utf-8"},
        )
    data = (
        result.model_dump(mode="json", by_alias=True, exclude_unset=True)
        if isinstance(result, BaseModel)
        else result
    )
    return httpx.Response(
        200,
        content=json.dumps(data).encode(),
        headers={"content-type": "application/json"},
    )
