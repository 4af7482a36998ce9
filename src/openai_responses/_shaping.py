"""What happens to an answer on its way out: faults, rate limits and pace.

The pipeline resolves *what* a route answers (override, cassette, record, state, default);
this module decides whether that answer is replaced (an error fault, a 429 of the simulated
rate limits), never produced (a transport fault), or delivered differently (a stream cut,
stalled or spoiled after some events; events paced as recorded).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from respx.models import SideEffectError

from ._errors import InvalidRequest
from ._faults import (
    ANSWER_KINDS,
    FAULT_HEADER,
    TRANSPORT_KINDS,
    Fault,
    error_answer,
    fault_from_header,
    transport_error,
)

if TYPE_CHECKING:
    from ._mock import OpenAIMock
    from ._routes import Route

__all__ = ["SOURCE", "check_pace", "shape", "shapes"]

Result = httpx.Response | Awaitable[httpx.Response]

# The answer's source, for the journal: override, cassette, record, state, default, fault.
SOURCE = "openai_responses.source"


def shapes(mock: OpenAIMock, request: httpx.Request) -> bool:
    """Whether anything here may touch this request's answer (else the pipeline alone runs)."""
    return mock.time_or_faults or FAULT_HEADER in request.headers


def shape(
    mock: OpenAIMock, route: Route, request: httpx.Request, produce: Callable[[], Result]
) -> Result:
    try:
        header_fault = fault_from_header(request)
    except InvalidRequest as error:
        return error.response()
    headers: dict[str, str] = {}
    if mock.rate_limiter is not None:  # the gateway first: a refused call uses no fault
        refusal, headers = mock.rate_limiter.admit(request)
        if refusal is not None:
            return _marked(refusal, "fault")
    fault = header_fault or route.take_fault()
    if fault is not None and fault.kind in ANSWER_KINDS:
        return _marked(error_answer(fault), "fault")
    if fault is not None and fault.kind in TRANSPORT_KINDS:
        # respx notes the call on the route, then the pool raises the transport's error
        raise SideEffectError(route.route, transport_error(fault))
    result = produce()

    def finish(response: httpx.Response) -> httpx.Response:
        response.headers.update(headers)
        return _deliver(mock, request, response, fault)

    if isinstance(result, httpx.Response):
        return finish(result)

    async def finish_later() -> httpx.Response:
        return finish(await result)

    return finish_later()


def _marked(response: httpx.Response, source: str) -> httpx.Response:
    response.extensions[SOURCE] = source
    return response


def _deliver(
    mock: OpenAIMock, request: httpx.Request, response: httpx.Response, fault: Fault | None
) -> httpx.Response:
    sse = response.headers.get("content-type", "").startswith("text/event-stream")
    pacer = _pacer(mock.pace, response.extensions) if sse else None
    if fault is None and pacer is None:
        return response
    plan = _Plan(mock, request, fault, pacer, sse)
    shaped = httpx.Response(
        response.status_code,
        headers=[(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"],
        stream=_ShapedStream(response, plan),
        request=request,
        extensions=dict(response.extensions),
    )
    return _marked(shaped, "fault") if fault is not None else shaped


# -- pace ----------------------------------------------------------------------------------


def check_pace(pace: Any) -> str | float | None:
    """``None`` (instant), ``"recorded"``, or a positive speed factor / per-event delay."""
    if pace is None or pace == "recorded":
        return pace  # type: ignore[no-any-return]
    if isinstance(pace, bool) or not isinstance(pace, (int, float)) or pace <= 0:
        raise ValueError(f'pace must be "recorded" or a positive number, not {pace!r}')
    return float(pace)


def _pacer(
    pace: str | float | None, extensions: Mapping[str, Any]
) -> Callable[[int], float] | None:
    """When event i is due, in seconds from the request (None: no pacing)."""
    if pace is None:
        return None
    from ._cassette._replay import EVENT_OFFSETS  # only paced answers pay for these

    if EVENT_OFFSETS in extensions:  # replayed: its recorded gaps, sped up by a factor
        offsets = extensions[EVENT_OFFSETS]
        if not offsets:
            return None  # recorded before offsets were kept: instant
        speed = 1.0 if pace == "recorded" else float(pace)
        recorded: tuple[float, ...] = tuple(offsets)
        return lambda i: recorded[min(i, len(recorded) - 1)] / speed
    if pace == "recorded":
        return None  # a mocked stream has nothing recorded: instant
    delay = float(pace)  # a mocked stream: one delay per event
    return lambda i: (i + 1) * delay


# -- the plan: what to send, wait for or raise, event by event ------------------------------


class _Plan:
    """Sans-IO: the sync and async streams ask it, event by event, what to do."""

    def __init__(
        self,
        mock: OpenAIMock,
        request: httpx.Request,
        fault: Fault | None,
        pacer: Callable[[int], float] | None,
        sse: bool,
    ) -> None:
        self._mock = mock
        self._request = request
        self._fault = fault
        self._pacer = pacer
        self._sse = sse
        # A JSON body is one "event": stream faults hit it before its first byte.
        self._position = fault.after_events if fault is not None and sse else 0
        self.done = False
        # Recorded offsets count from the request: so does the schedule, not from the read.
        self.started = time.monotonic()

    def steps(self, index: int, event: bytes, last: bool) -> list[Any]:
        """bytes to send, ("due", seconds) to wait for, or an exception to raise."""
        steps: list[Any] = []
        if self._pacer is not None:
            steps.append(("due", self._pacer(index)))
        fault = self._fault
        # The fault's event, or the last one of a shorter stream: its end never arrives.
        due = index == self._position or (last and index < self._position)
        if fault is None or self.done or not due:
            return [*steps, event]
        self._fault = None
        kind = fault.kind
        if kind == "disconnect":
            self.done = True
            return [*steps, transport_error(fault)]
        if kind == "truncate":
            self.done = True  # the rest, the final event and [DONE] included, never comes
            return steps if self._sse else [*steps, event[: len(event) // 2]]
        if kind == "corrupt":
            if not self._sse:
                return [*steps, event[: len(event) // 2] + b"\x00{"]
            return [*steps, b'data: {"corrupt": \n\n', event]
        return [*steps, *self._stall(fault), event]

    def _stall(self, fault: Fault) -> list[Any]:
        """A pause of ``seconds``: on the virtual clock in process, for real when served; a
        pause longer than the client's read timeout ends in the read timeout, at once."""
        seconds = float(fault.option("seconds", 1.0))
        limit = read_timeout(self._request)
        timed_out = limit is not None and seconds > limit
        paused = limit if timed_out and limit is not None else seconds
        steps: list[Any] = []
        if self._mock.real_time:
            steps.append(("pause", paused + (0.05 if timed_out else 0.0)))
        else:
            self._mock.clock.advance(paused)
        if timed_out:
            self.done = True
            steps.append(transport_error(fault, "timeout"))
        return steps


def read_timeout(request: httpx.Request) -> float | None:
    """The client's read timeout: the transport's own setting, or what the SDK announces."""
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, dict) and timeout.get("read") is not None:
        return float(timeout["read"])
    announced = request.headers.get("x-stainless-read-timeout")
    try:
        return float(announced) if announced else None
    except ValueError:
        return None


class _Events:
    """Splits a byte stream into SSE events (or one body), each told whether it is the last."""

    def __init__(self, sse: bool) -> None:
        from ._cassette._body import SSE_EVENT_END  # loaded with the first shaped answer

        self._sse = sse
        self._event_end = SSE_EVENT_END
        self._buffer = b""
        self._pending: bytes | None = None

    def feed(self, chunk: bytes) -> list[tuple[bytes, bool]]:
        self._buffer += chunk
        if not self._sse:
            return []
        ready: list[tuple[bytes, bool]] = []
        start = 0
        for match in self._event_end.finditer(self._buffer):
            ready.extend(self._hold(self._buffer[start : match.end()]))
            start = match.end()
        self._buffer = self._buffer[start:]
        return ready

    def _hold(self, event: bytes) -> list[tuple[bytes, bool]]:
        # One event of look-ahead: an event is released once the next one is known.
        previous, self._pending = self._pending, event
        return [] if previous is None else [(previous, False)]

    def end(self) -> list[tuple[bytes, bool]]:
        tail = [e for e in (self._pending, self._buffer) if e]
        return [(event, i == len(tail) - 1) for i, event in enumerate(tail)]


class _ShapedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response, plan: _Plan) -> None:
        self._response = response
        self._plan = plan
        self._sse = plan._sse
        self._index = 0

    def _run(self, events: list[tuple[bytes, bool]]) -> Iterator[Any]:
        for event, last in events:
            if self._plan.done:
                return
            yield from self._plan.steps(self._index, event, last)
            self._index += 1

    def __iter__(self) -> Iterator[bytes]:
        started = self._plan.started
        events = _Events(self._sse)
        source = iter(self._response.stream)  # type: ignore[arg-type]
        for chunk in itertools.chain(source, [None]):
            batch = events.end() if chunk is None else events.feed(chunk)
            for step in self._run(batch):
                if isinstance(step, bytes):
                    yield step
                elif isinstance(step, BaseException):
                    for _ in source:  # the fault is ours: a recording still gets it all
                        pass
                    raise step
                else:
                    time.sleep(_wait(step, started))
            if self._plan.done:
                return

    async def __aiter__(self) -> AsyncIterator[bytes]:
        started = self._plan.started
        events = _Events(self._sse)
        source = _async_chunks(self._response.stream)
        while True:
            chunk = await anext(source, None)
            batch = events.end() if chunk is None else events.feed(chunk)
            for step in self._run(batch):
                if isinstance(step, bytes):
                    yield step
                elif isinstance(step, BaseException):
                    async for _ in source:  # the fault is ours: a recording still gets it all
                        pass
                    raise step
                else:
                    await anyio.sleep(_wait(step, started))
            if self._plan.done or chunk is None:
                return

    def close(self) -> None:
        self._response.close()

    async def aclose(self) -> None:
        if isinstance(self._response.stream, httpx.AsyncByteStream):
            await self._response.aclose()
        else:
            self._response.close()


async def _async_chunks(stream: Any) -> AsyncIterator[bytes]:
    """The chunks of an async stream, or of a sync one (a served answer is iterated on the
    server's event loop, whatever produced it)."""
    if isinstance(stream, httpx.AsyncByteStream):
        async for chunk in stream:
            yield chunk
    else:
        for chunk in stream:
            yield chunk


def _wait(step: tuple[str, float], started: float) -> float:
    what, seconds = step
    if what == "due":  # paced events keep to the schedule, not to gaps that add up drift
        return max(0.0, started + seconds - time.monotonic())
    return seconds
