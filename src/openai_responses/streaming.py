"""Server-sent event streams for mocked OpenAI responses.

Two ways to produce a stream:

* Subclass :class:`EventStream` (or :class:`AsyncEventStream`) and override ``generate`` to
  yield openai models (or :class:`Event` objects). The instance is an iterable of ``bytes``, so
  it can be handed to ``httpx.Response(200, content=stream, request=request)`` directly::

      class ChunkStream(EventStream[ChatCompletionChunk]):
          def generate(self) -> Generator[ChatCompletionChunk, None, None]:
              yield ChatCompletionChunk.model_validate({...})

* Or turn a finished object into the stream the real API would have sent for it:
  :func:`chat_completion_chunks` / :func:`chat_completion_stream` for Chat Completions and
  :func:`response_events` / :func:`response_stream` for the Responses API. The openai SDK's
  own stream accumulators (``chat.completions.stream()``, ``responses.stream()``) reassemble
  these into the original object.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_message_function_tool_call import Function
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseReasoningItem,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from openai.types.responses.response_content_part_added_event import (
    PartReasoningText as ReasoningTextAdded,
)
from openai.types.responses.response_content_part_done_event import (
    PartReasoningText as ReasoningTextDone,
)
from openai.types.responses.response_reasoning_summary_part_added_event import (
    Part as SummaryPartAdded,
)
from openai.types.responses.response_reasoning_summary_part_done_event import (
    Part as SummaryPartDone,
)
from pydantic import BaseModel

from ._sse import DONE, dump_model, encode_event

__all__ = [
    "DONE",
    "AsyncEventStream",
    "Event",
    "EventStream",
    "chat_completion_chunks",
    "chat_completion_stream",
    "response_events",
    "response_stream",
]

T = TypeVar("T")

EventData: TypeAlias = BaseModel | Mapping[str, Any] | str
"""What an SSE `data:` field can be built from: an openai model, a JSON object, or raw text."""


# --------------------------------------------------------------------------------------------
# Event streams users subclass
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One server-sent event: an optional ``event:`` name and its ``data`` payload."""

    event: str | None
    data: EventData

    def encode(self) -> bytes:
        return encode_event(self.data, self.event)


def _encode_item(item: object) -> bytes:
    """Encode whatever ``generate`` yielded as one SSE frame."""
    if isinstance(item, Event):
        return item.encode()
    if isinstance(item, bytes):
        return item  # already a frame: let users hand-craft odd wire data
    if isinstance(item, BaseModel):
        return _encode_model(item)
    if isinstance(item, (str, Mapping)):
        return encode_event(item)
    raise TypeError(f"cannot encode {type(item).__name__} as a server-sent event")


def _encode_model(model: BaseModel) -> bytes:
    name = getattr(model, "event", None)
    if isinstance(name, str):
        # Assistants events (`ThreadRunCreated`...) are {event, data} envelopes: on the wire the
        # name is the `event:` line and only `data` is the payload.
        payload = getattr(model, "data", None)
        return encode_event(payload if isinstance(payload, BaseModel) else model, name)
    kind = getattr(model, "type", None)
    if isinstance(kind, str) and "." in kind:
        # Responses-style events (`response.output_text.delta`) repeat their type as `event:`.
        return encode_event(model, kind)
    return encode_event(model)


class _BaseEventStream(Generic[T]):
    terminator: ClassVar[bytes | None] = DONE
    """Sent after the last event. Chat Completions ends with ``data: [DONE]``; set it to
    ``None`` for the Responses API, which just closes the stream."""

    @staticmethod
    def event(event: str | None, data: EventData) -> Event:
        """Build an :class:`Event` with an explicit ``event:`` name (or None for none)."""
        return Event(event, data)

    def _replay(self) -> list[bytes] | None:
        """Frames already sent, when the body is read again (the SDK drains a finished
        stream): the events are generated once, so their side effects happen once."""
        return self.__dict__.get("_sent_frames")

    def _record(self) -> list[bytes]:
        frames: list[bytes] = []
        self.__dict__["_sent_frames"] = frames  # subclasses need not call our __init__
        return frames


class EventStream(_BaseEventStream[T]):
    """A synchronous SSE body: override :meth:`generate`, pass the instance as ``content``.

    Each yielded item becomes one frame: an openai model (its ``event``/``type`` name becomes
    the ``event:`` line where the real API sends one), an :class:`Event`, a JSON mapping, a
    string, or pre-encoded ``bytes``. The stream ends with :attr:`terminator`.
    """

    def generate(self) -> Generator[T, None, None]:
        raise NotImplementedError("override generate() to yield the stream's events")

    def __iter__(self) -> Iterator[bytes]:
        sent = self._replay()
        if sent is not None:
            yield from list(sent)
            return
        sent = self._record()
        for item in self.generate():
            sent.append(_encode_item(item))
            yield sent[-1]
        if self.terminator:
            sent.append(self.terminator)
            yield self.terminator


class AsyncEventStream(_BaseEventStream[T]):
    """The async twin of :class:`EventStream`, for ``AsyncOpenAI`` clients.

    ``generate`` may be an async generator or (as in earlier releases) a plain generator.
    """

    def generate(self) -> AsyncGenerator[T, None] | Generator[T, None, None]:
        raise NotImplementedError("override generate() to yield the stream's events")

    def agenerate(self) -> AsyncGenerator[T, None] | Generator[T, None, None]:
        """The events, by default those of :meth:`generate`; openai-responses 0.13 streams
        override this one instead, and keep working."""
        return self.generate()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = self._replay()
        if sent is not None:
            for frame in list(sent):
                yield frame
            return
        sent = self._record()
        items = self.agenerate()
        if isinstance(items, AsyncIterator):
            async for item in items:
                sent.append(_encode_item(item))
                yield sent[-1]
        else:
            for item in items:
                sent.append(_encode_item(item))
                yield sent[-1]
        if self.terminator:
            sent.append(self.terminator)
            yield self.terminator


# --------------------------------------------------------------------------------------------
# Text splitting shared by both APIs
# --------------------------------------------------------------------------------------------

_PIECE_CHARS = 8
"""Longest delta. Short enough that compact JSON arguments arrive in several fragments."""


def _pieces(text: str) -> list[str]:
    """Split text roughly like tokens: words with their leading whitespace, long ones cut.

    ``"".join(_pieces(text)) == text`` always holds.
    """
    words = [word for word in re.split(r"(?<=\S)(?=\s)", text) if word]
    return [word[i : i + _PIECE_CHARS] for word in words for i in range(0, len(word), _PIECE_CHARS)]


# --------------------------------------------------------------------------------------------
# Chat Completions
# --------------------------------------------------------------------------------------------

_CHUNK_FIELDS = ("id", "created", "model", "system_fingerprint", "service_tier")


def chat_completion_chunks(
    completion: ChatCompletion, *, include_usage: bool = False
) -> list[ChatCompletionChunk]:
    """The chunks the Chat Completions API streams for ``completion``.

    Each choice opens with a role delta, then streams its content, refusal, legacy
    ``function_call`` and function tool calls in fragments, and closes with a ``finish_reason``
    chunk (carrying the choice's logprobs). With ``n > 1`` the choices interleave, one choice
    per chunk, as the API does. With ``include_usage`` (the API's
    ``stream_options={"include_usage": True}``) every chunk carries ``usage: null`` and a last
    chunk with no choices carries the completion's usage.

    Custom (non-function) tool calls cannot be expressed in a ``ChatCompletionChunk`` and are
    left out.
    """
    dumped = dump_model(completion)
    base: dict[str, Any] = {key: dumped[key] for key in _CHUNK_FIELDS if key in dumped}
    base["object"] = "chat.completion.chunk"
    if include_usage:
        base["usage"] = None
    per_choice = [_choice_payloads(c) for c in sorted(completion.choices, key=lambda c: c.index)]
    # The SDK builds its snapshot from the first chunk and appends unseen choices in order, so
    # round-robin by position (choice 0 first) rather than sending each choice in a block.
    interleaved = itertools.chain.from_iterable(itertools.zip_longest(*per_choice))
    payloads = [{**base, "choices": [p]} for p in interleaved if p is not None]
    if include_usage and completion.usage is not None:
        payloads.append({**base, "choices": [], "usage": dump_model(completion.usage)})
    return [ChatCompletionChunk.model_validate(payload) for payload in payloads]


def chat_completion_stream(completion: ChatCompletion, *, include_usage: bool = False) -> bytes:
    """The SSE body for ``completion`` streamed, ``data: [DONE]`` included."""
    chunks = chat_completion_chunks(completion, include_usage=include_usage)
    return b"".join(encode_event(chunk) for chunk in chunks) + DONE


def _choice_payloads(choice: Choice) -> list[dict[str, Any]]:
    deltas = _message_deltas(choice.message)
    payloads = [_choice_payload(choice.index, delta) for delta in deltas]
    finish = _choice_payload(choice.index, {}, finish_reason=choice.finish_reason)
    if choice.logprobs is not None:
        # Logprobs ride on the closing chunk: on a choice's first chunk the SDK would count
        # them twice (once while creating the choice, once while merging).
        finish["logprobs"] = dump_model(choice.logprobs)
    return [*payloads, finish]


def _choice_payload(
    index: int, delta: dict[str, Any], finish_reason: str | None = None
) -> dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


def _message_deltas(message: ChatCompletionMessage) -> list[dict[str, Any]]:
    # Like the API: content and refusal start as "" when present, null otherwise.
    opening: dict[str, Any] = {
        "role": "assistant",
        "content": None if message.content is None else "",
        "refusal": None if message.refusal is None else "",
    }
    deltas = [opening]
    deltas += [{"content": piece} for piece in _pieces(message.content or "")]
    deltas += [{"refusal": piece} for piece in _pieces(message.refusal or "")]
    if message.audio is not None:
        deltas.append({"audio": dump_model(message.audio)})
    if message.function_call is not None:
        call = message.function_call
        deltas += _call_deltas(call.name, call.arguments, lambda f: {"function_call": f})
    functions = [call for call in message.tool_calls or [] if call.type == "function"]
    for index, tool_call in enumerate(functions):
        deltas += _tool_call_deltas(index, tool_call.id, tool_call.function)
    return deltas


def _tool_call_deltas(index: int, call_id: str, function: Function) -> list[dict[str, Any]]:
    def wrap(fragment: dict[str, Any]) -> dict[str, Any]:
        return {"tool_calls": [{"index": index, "function": fragment}]}

    deltas = _call_deltas(function.name, function.arguments, wrap)
    # Only the first fragment names the call: id and type are not repeated afterwards.
    deltas[0]["tool_calls"][0].update(id=call_id, type="function")
    return deltas


def _call_deltas(
    name: str, arguments: str, wrap: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[dict[str, Any]]:
    """The API sends the name with empty arguments first, then the arguments in fragments."""
    first = wrap({"name": name, "arguments": ""})
    return [first, *(wrap({"arguments": piece}) for piece in _pieces(arguments))]


# --------------------------------------------------------------------------------------------
# Responses API
# --------------------------------------------------------------------------------------------


def response_events(response: Response) -> list[ResponseStreamEvent]:
    """The event sequence the Responses API streams for ``response``.

    ``response.created`` and ``response.in_progress`` (an in-progress copy with no output), then
    per output item ``response.output_item.added``, its content events (text, refusal,
    annotations, function-call arguments, reasoning summaries and text) and
    ``response.output_item.done``; finally ``response.completed``, or ``response.incomplete`` /
    ``response.failed`` when that is the response's status. ``sequence_number`` counts from 0.
    """
    return list(_ResponseEvents(response))


def response_stream(response: Response) -> bytes:
    """The SSE body for ``response`` streamed (the Responses API sends no ``[DONE]``)."""
    return b"".join(encode_event(event, event.type) for event in response_events(response))


class _ResponseEvents:
    """Iterates a response's events; each is numbered as it is created, hence in order."""

    def __init__(self, response: Response) -> None:
        self._response = response
        self._numbers = itertools.count()

    def _seq(self) -> int:
        return next(self._numbers)

    def __iter__(self) -> Iterator[ResponseStreamEvent]:
        started = self._response.model_copy(
            update={
                "status": "in_progress",
                "output": [],
                "usage": None,
                "error": None,
                "incomplete_details": None,
                "completed_at": None,
            }
        )
        yield ResponseCreatedEvent(
            response=started, sequence_number=self._seq(), type="response.created"
        )
        yield ResponseInProgressEvent(
            response=started, sequence_number=self._seq(), type="response.in_progress"
        )
        for index, item in enumerate(self._response.output):
            yield from self._item(index, item)
        yield self._finished()

    def _finished(self) -> ResponseStreamEvent:
        response, seq = self._response, self._seq()
        if response.status == "incomplete":
            return ResponseIncompleteEvent(
                response=response, sequence_number=seq, type="response.incomplete"
            )
        if response.status == "failed":
            return ResponseFailedEvent(
                response=response, sequence_number=seq, type="response.failed"
            )
        return ResponseCompletedEvent(
            response=response, sequence_number=seq, type="response.completed"
        )

    def _item(self, index: int, item: ResponseOutputItem) -> Iterator[ResponseStreamEvent]:
        opened, body = self._opened_item(index, item)
        yield ResponseOutputItemAddedEvent(
            item=opened,
            output_index=index,
            sequence_number=self._seq(),
            type="response.output_item.added",
        )
        yield from body
        yield ResponseOutputItemDoneEvent(
            item=item,
            output_index=index,
            sequence_number=self._seq(),
            type="response.output_item.done",
        )

    def _opened_item(
        self, index: int, item: ResponseOutputItem
    ) -> tuple[ResponseOutputItem, Iterator[ResponseStreamEvent]]:
        """The item as first announced (nothing generated yet) and the events that fill it."""
        if isinstance(item, ResponseOutputMessage):
            opened = item.model_copy(update={"content": [], "status": "in_progress"})
            return opened, self._message(index, item)
        if isinstance(item, ResponseFunctionToolCall):
            call = item.model_copy(update={"arguments": "", "status": "in_progress"})
            return call, self._function_call(index, item)
        if isinstance(item, ResponseReasoningItem):
            emptied: dict[str, Any] = {"summary": []}
            if item.content is not None:
                emptied["content"] = []
            return item.model_copy(update=emptied), self._reasoning(index, item)
        # Other items (tool calls run by the API) arrive whole.
        return item, iter(())

    # -- messages ---------------------------------------------------------------------------

    def _message(self, index: int, item: ResponseOutputMessage) -> Iterator[ResponseStreamEvent]:
        for content_index, part in enumerate(item.content):
            where = _Where(index, item.id, content_index)
            if isinstance(part, ResponseOutputText):
                yield from self._text_part(where, part)
            else:
                yield from self._refusal_part(where, part)

    def _text_part(self, at: _Where, part: ResponseOutputText) -> Iterator[ResponseStreamEvent]:
        blank = part.model_copy(update={"text": "", "annotations": [], "logprobs": []})
        yield self._part_added(at, blank)
        for piece in _pieces(part.text):
            yield ResponseTextDeltaEvent(
                **at.content_fields(),
                delta=piece,
                logprobs=[],
                sequence_number=self._seq(),
                type="response.output_text.delta",
            )
        for annotation_index, annotation in enumerate(part.annotations):
            yield ResponseOutputTextAnnotationAddedEvent(
                **at.content_fields(),
                # The event declares its own (identical) annotation classes: pass the JSON.
                annotation=dump_model(annotation),
                annotation_index=annotation_index,
                sequence_number=self._seq(),
                type="response.output_text.annotation.added",
            )
        yield ResponseTextDoneEvent(
            **at.content_fields(),
            logprobs=[],
            text=part.text,
            sequence_number=self._seq(),
            type="response.output_text.done",
        )
        yield self._part_done(at, part)

    def _refusal_part(
        self, at: _Where, part: ResponseOutputRefusal
    ) -> Iterator[ResponseStreamEvent]:
        yield self._part_added(at, part.model_copy(update={"refusal": ""}))
        for piece in _pieces(part.refusal):
            yield ResponseRefusalDeltaEvent(
                **at.content_fields(),
                delta=piece,
                sequence_number=self._seq(),
                type="response.refusal.delta",
            )
        yield ResponseRefusalDoneEvent(
            **at.content_fields(),
            refusal=part.refusal,
            sequence_number=self._seq(),
            type="response.refusal.done",
        )
        yield self._part_done(at, part)

    def _part_added(
        self, at: _Where, part: ResponseOutputText | ResponseOutputRefusal | ReasoningTextAdded
    ) -> ResponseStreamEvent:
        return ResponseContentPartAddedEvent(
            **at.content_fields(),
            part=part,
            sequence_number=self._seq(),
            type="response.content_part.added",
        )

    def _part_done(
        self, at: _Where, part: ResponseOutputText | ResponseOutputRefusal | ReasoningTextDone
    ) -> ResponseStreamEvent:
        return ResponseContentPartDoneEvent(
            **at.content_fields(),
            part=part,
            sequence_number=self._seq(),
            type="response.content_part.done",
        )

    # -- function calls ---------------------------------------------------------------------

    def _function_call(
        self, index: int, item: ResponseFunctionToolCall
    ) -> Iterator[ResponseStreamEvent]:
        item_id = item.id or item.call_id  # `id` is optional on function calls
        for piece in _pieces(item.arguments):
            yield ResponseFunctionCallArgumentsDeltaEvent(
                delta=piece,
                item_id=item_id,
                output_index=index,
                sequence_number=self._seq(),
                type="response.function_call_arguments.delta",
            )
        # Some SDK releases require the function name on the done event; others lack the field.
        done_fields = ResponseFunctionCallArgumentsDoneEvent.model_fields
        named = {"name": item.name} if "name" in done_fields else {}
        yield ResponseFunctionCallArgumentsDoneEvent(
            **named,
            arguments=item.arguments,
            item_id=item_id,
            output_index=index,
            sequence_number=self._seq(),
            type="response.function_call_arguments.done",
        )

    # -- reasoning --------------------------------------------------------------------------

    def _reasoning(self, index: int, item: ResponseReasoningItem) -> Iterator[ResponseStreamEvent]:
        for summary_index, summary in enumerate(item.summary):
            yield from self._summary(_Where(index, item.id, summary_index), summary.text)
        for content_index, content in enumerate(item.content or []):
            yield from self._reasoning_text(_Where(index, item.id, content_index), content.text)

    def _summary(self, at: _Where, text: str) -> Iterator[ResponseStreamEvent]:
        yield ResponseReasoningSummaryPartAddedEvent(
            **at.summary_fields(),
            part=SummaryPartAdded(text="", type="summary_text"),
            sequence_number=self._seq(),
            type="response.reasoning_summary_part.added",
        )
        for piece in _pieces(text):
            yield ResponseReasoningSummaryTextDeltaEvent(
                **at.summary_fields(),
                delta=piece,
                sequence_number=self._seq(),
                type="response.reasoning_summary_text.delta",
            )
        yield ResponseReasoningSummaryTextDoneEvent(
            **at.summary_fields(),
            text=text,
            sequence_number=self._seq(),
            type="response.reasoning_summary_text.done",
        )
        yield ResponseReasoningSummaryPartDoneEvent(
            **at.summary_fields(),
            part=SummaryPartDone(text=text, type="summary_text"),
            sequence_number=self._seq(),
            type="response.reasoning_summary_part.done",
        )

    def _reasoning_text(self, at: _Where, text: str) -> Iterator[ResponseStreamEvent]:
        yield self._part_added(at, ReasoningTextAdded(text="", type="reasoning_text"))
        for piece in _pieces(text):
            yield ResponseReasoningTextDeltaEvent(
                **at.content_fields(),
                delta=piece,
                sequence_number=self._seq(),
                type="response.reasoning_text.delta",
            )
        yield ResponseReasoningTextDoneEvent(
            **at.content_fields(),
            text=text,
            sequence_number=self._seq(),
            type="response.reasoning_text.done",
        )
        yield self._part_done(at, ReasoningTextDone(text=text, type="reasoning_text"))


@dataclass(frozen=True)
class _Where:
    """Where a part sits: output index, item id, and its index inside the item."""

    output_index: int
    item_id: str
    part_index: int

    def content_fields(self) -> dict[str, Any]:
        return {
            "output_index": self.output_index,
            "item_id": self.item_id,
            "content_index": self.part_index,
        }

    def summary_fields(self) -> dict[str, Any]:
        return {
            "output_index": self.output_index,
            "item_id": self.item_id,
            "summary_index": self.part_index,
        }
