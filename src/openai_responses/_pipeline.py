"""How one request is answered, top-down (DESIGN.md §1).

    1. override  — the route's ``.response`` was set
    2. cassette  — a recorded interaction matches and has not been played
    3. record    — the record mode allows it: send upstream for real, tee, save
    4. state     — stateful routes answer from the StateStore, stateless ones a default
                   object; with a replay-only cassette in play, only what the endpoint row
                   lets the state answer (``_endpoints/_misses``), unless on_miss="mock"
    5. miss      — anything else the cassette cannot answer: CassetteMismatchError

Every step's answer goes through ``render`` (model -> JSON or SSE) and, for stateful routes,
feeds the StateStore.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import httpx
import pydantic
from pydantic import BaseModel

from ._conversion import from_httpx2_response, is_httpx2
from ._endpoints import Answer, Context
from ._errors import InvalidMockResponseError, InvalidRequest
from ._handlers import handle, json_response
from ._seeding import learn_exchange
from ._shaping import SOURCE, shape, shapes

if TYPE_CHECKING:
    from ._mock import OpenAIMock
    from ._routes import Route

__all__ = ["answer"]

Result = httpx.Response | Awaitable[httpx.Response]


def answer(
    mock: OpenAIMock, route: Route, request: httpx.Request, params: dict[str, str]
) -> Result:
    if shapes(mock, request):  # faults, rate limits, pace (``_shaping``)
        return shape(mock, route, request, lambda: _answer(mock, route, request, params))
    return _answer(mock, route, request, params)


def _answer(
    mock: OpenAIMock, route: Route, request: httpx.Request, params: dict[str, str]
) -> Result:
    ctx = Context(request, params, mock.state, route.endpoint)
    try:
        # 1. override (a callable answering None leaves this request to the next steps)
        overridden = _override(route, ctx) if route.response is not None else None
        if overridden is not None:
            return marked(without_delays(overridden), "override")
        session = mock.cassette
        if session is not None:
            # 2. cassette
            replayed = session.replay(request)
            if replayed is not None:
                learn_exchange(ctx, replayed)
                return marked(
                    session.verified(request, without_delays(replayed, replayed=True)), "cassette"
                )
            # 3. record
            if session.may_record:
                live = session.record(request, on_recorded=lambda got: learn_exchange(ctx, got))
                return marked(live, "record")
        # 4. state, or the default object: with a cassette in play, only what the row lets
        # the state answer (objects the recording showed), or all with on_miss="mock"
        if session is None or mock.answers_miss(ctx):
            answered = without_delays(render(ctx, handle(ctx, None)))
            return marked(answered, "state" if ctx.endpoint.stateful else "default")
        # 5. miss
        raise mock.fail(session.miss(request))
    except InvalidRequest as error:  # the request's fault: the API's 400, never an exception
        return error.response()


def marked(result: Result, source: str) -> Result:
    """The answer marked with the step that gave it (``SOURCE``), for the served journal;
    faults mark "fault" (``_shaping``)."""
    if isinstance(result, httpx.Response):
        result.extensions[SOURCE] = source
        return result

    pending = result

    async def mark_when_sent() -> httpx.Response:
        response = await pending
        response.extensions[SOURCE] = source
        return response

    return mark_when_sent()


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


def _override(route: Route, ctx: Context) -> httpx.Response | None:
    value = route.response
    if callable(value) and not isinstance(value, (BaseModel, httpx.Response)):
        value = _call_user_function(value, route, ctx)
        if value is None:
            return None
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
    kinds = ("create", "retrieve", "update", "action")
    if collection and ctx.endpoint.kind in kinds and ctx.state.holds(collection, obj):
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
    return json_response(result)
