"""Shared fixtures.

``loopback_openai``: a fake OpenAI upstream on a real 127.0.0.1 socket (``LoopbackServer``), so
recorder tests see real HTTP: chunked SSE with pauses, gzip, 4xx/5xx, and the secret-bearing
headers (``set-cookie``, ``openai-organization``, ``openai-project``) a recorder must filter.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from openai.types import CreateEmbeddingResponse, Embedding, ErrorObject
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.completion_usage import CompletionUsage
from openai.types.create_embedding_response import Usage as EmbeddingUsage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseCreatedEvent,
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
)
from pydantic import BaseModel

from openai_responses._server import LoopbackServer

UPSTREAM_TEXT = "Hello from upstream"
CREATED = 1_700_000_000
EMBEDDING_DIMENSIONS = 256  # big enough that even the base64 form passes gzip_min_size
SECRET_HEADERS = {
    "set-cookie": "__cf_bm=secret-cookie; path=/",
    "openai-organization": "org-secret",
    "openai-project": "proj_secret",
}


@dataclass
class FakeOpenAI:
    """The fake upstream: ``url`` ends in ``/v1``; ``requests`` is every request received."""

    url: str = ""
    requests: list[httpx.Request] = field(default_factory=list)
    stream_pause: float = 0.2  # seconds between SSE events; set before making the request
    server: LoopbackServer | None = None  # tests may stop it early (stop() is idempotent)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body: dict[str, Any] = json.loads(request.content) if request.content else {}
        model = str(body.get("model", ""))
        if request.url.path.endswith("/error429"):
            return _error(429, "Rate limit reached", "requests", "rate_limit_exceeded")
        if model in ("fail-400", "fail-500"):
            status = int(model[-3:])
            kind = "invalid_request_error" if status == 400 else "server_error"
            return _error(status, f"forced {status}", kind, f"forced_{status}")
        if request.method == "POST" and request.url.path == "/v1/chat/completions":
            return self._chat(body, model)
        if request.method == "POST" and request.url.path == "/v1/embeddings":
            return _json(_embeddings(body, model))
        if request.method == "POST" and request.url.path == "/v1/responses":
            return self._responses(body, model)
        return _error(404, f"no route {request.method} {request.url.path}", "invalid_request_error")

    def _chat(self, body: dict[str, Any], model: str) -> httpx.Response:
        if body.get("stream"):
            return self._sse([(None, chunk) for chunk in _chat_chunks(model)], done=True)
        message = ChatCompletionMessage(role="assistant", content=UPSTREAM_TEXT)
        choice = Choice(index=0, message=message, finish_reason="stop", logprobs=None)
        usage = CompletionUsage(prompt_tokens=5, completion_tokens=3, total_tokens=8)
        return _json(
            ChatCompletion(
                id="chatcmpl-up",
                object="chat.completion",
                created=CREATED,
                model=model,
                choices=[choice],
                usage=usage,
            )
        )

    def _responses(self, body: dict[str, Any], model: str) -> httpx.Response:
        if not body.get("stream"):
            return _json(_response(model, "completed", UPSTREAM_TEXT))
        return self._sse([(event.type, event) for event in _response_events(model)], done=False)

    def _sse(self, events: list[tuple[str | None, BaseModel]], *, done: bool) -> httpx.Response:
        frames = [_sse_frame(name, event) for name, event in events]
        if done:
            frames.append(b"data: [DONE]\n\n")

        def paced() -> Iterator[bytes]:  # a sync generator: the server sends it chunk by chunk
            for index, frame in enumerate(frames):
                if index:
                    time.sleep(self.stream_pause)
                yield frame

        headers = {**_headers(), "content-type": "text/event-stream; charset=utf-8"}
        return httpx.Response(200, headers=headers, content=paced())


def chat_completion(content: str, completion_id: str = "chatcmpl-1") -> dict[str, Any]:
    """A chat.completion answer as the API sends it, for tests that record or replay one."""
    message = {"role": "assistant", "content": content, "refusal": None}
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": message}],
    }


def _headers() -> dict[str, str]:
    return {**SECRET_HEADERS, "x-request-id": "req_upstream", "openai-processing-ms": "7"}


def _json(model: BaseModel | dict[str, Any], status: int = 200) -> httpx.Response:
    data = (
        model.model_dump(mode="json", exclude_unset=True) if isinstance(model, BaseModel) else model
    )
    return httpx.Response(status, headers=_headers(), json=data)


def _error(status: int, message: str, kind: str, code: str | None = None) -> httpx.Response:
    error = ErrorObject(message=message, type=kind, param=None, code=code)
    fields = {"message", "type", "param", "code"}  # the documented error shape, nothing more
    return _json({"error": error.model_dump(mode="json", include=fields)}, status)


def _sse_frame(name: str | None, event: BaseModel) -> bytes:
    data = json.dumps(event.model_dump(mode="json", exclude_unset=True))
    return (f"event: {name}\n" if name else "").encode() + f"data: {data}\n\n".encode()


def _chat_chunks(model: str) -> list[ChatCompletionChunk]:
    deltas: list[tuple[ChoiceDelta, Literal["stop"] | None]] = [
        (ChoiceDelta(role="assistant", content=""), None),
        (ChoiceDelta(content="Hello from"), None),
        (ChoiceDelta(content=" upstream"), None),
        (ChoiceDelta(), "stop"),
    ]
    return [
        ChatCompletionChunk(
            id="chatcmpl-up",
            object="chat.completion.chunk",
            created=CREATED,
            model=model,
            choices=[ChunkChoice(index=0, delta=delta, finish_reason=finish)],
        )
        for delta, finish in deltas
    ]


def _embeddings(body: dict[str, Any], model: str) -> dict[str, Any]:
    inputs = body.get("input", "")
    count = len(inputs) if isinstance(inputs, list) else 1
    # i/256 values are exact in float32, so the base64 and float forms decode identically.
    vector = [((i * 7) % 256) / 256 - 0.5 for i in range(EMBEDDING_DIMENSIONS)]
    data = [Embedding(object="embedding", index=i, embedding=vector) for i in range(count)]
    usage = EmbeddingUsage(prompt_tokens=2 * count, total_tokens=2 * count)
    response = CreateEmbeddingResponse(object="list", data=data, model=model, usage=usage)
    dumped = response.model_dump(mode="json", exclude_unset=True)
    if body.get("encoding_format") == "base64":  # the SDK's default wire format
        packed = struct.pack(f"<{len(vector)}f", *vector)
        encoded = base64.b64encode(packed).decode()
        for item in dumped["data"]:
            item["embedding"] = encoded
    return dumped


def _response(model: str, status: str, text: str | None) -> Response:
    output: list[ResponseOutputItem] = []
    if text is not None:
        part = ResponseOutputText(type="output_text", text=text, annotations=[])
        output.append(
            ResponseOutputMessage(
                id="msg_up", type="message", role="assistant", status="completed", content=[part]
            )
        )
    return Response(
        id="resp_up",
        object="response",
        created_at=CREATED,
        model=model,
        status=status,  # type: ignore[arg-type]
        output=output,
        parallel_tool_calls=True,
        tool_choice="auto",
        tools=[],
    )


ResponseEvent = (
    ResponseCreatedEvent
    | ResponseOutputItemAddedEvent
    | ResponseContentPartAddedEvent
    | ResponseTextDeltaEvent
    | ResponseCompletedEvent
)


def _response_events(model: str) -> list[ResponseEvent]:
    # The minimum that the SDK's ``responses.stream()`` accumulator accepts.
    empty_text = ResponseOutputText(type="output_text", text="", annotations=[])
    item = ResponseOutputMessage(
        id="msg_up", type="message", role="assistant", status="in_progress", content=[]
    )
    events: list[ResponseEvent] = [
        ResponseCreatedEvent(
            type="response.created",
            response=_response(model, "in_progress", None),
            sequence_number=0,
        ),
        ResponseOutputItemAddedEvent(
            type="response.output_item.added", item=item, output_index=0, sequence_number=1
        ),
        ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id="msg_up",
            output_index=0,
            content_index=0,
            part=empty_text,
            sequence_number=2,
        ),
    ]
    for delta in ["Hello from", " upstream"]:
        events.append(
            ResponseTextDeltaEvent(
                type="response.output_text.delta",
                item_id="msg_up",
                output_index=0,
                content_index=0,
                delta=delta,
                logprobs=[],
                sequence_number=len(events),
            )
        )
    completed = _response(model, "completed", UPSTREAM_TEXT)
    events.append(
        ResponseCompletedEvent(
            type="response.completed", response=completed, sequence_number=len(events)
        )
    )
    return events


@pytest.fixture
def loopback_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI upstream on 127.0.0.1; the server is stopped when the test ends."""
    fake = FakeOpenAI()
    with LoopbackServer(fake) as server:
        fake.url = f"{server.url}/v1"
        fake.server = server
        yield fake


def refuse_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on any socket connect fails the test; returns the addresses that were tried."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"network access to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    return refuse_network(monkeypatch)


# The real-world cassette corpus: read in place next to the checkout (never copied into the
# repository), or wherever $OPENAI_RESPONSES_CORPUS points; tests needing it skip without it.
def corpus_dir() -> Path:
    configured = os.environ.get("OPENAI_RESPONSES_CORPUS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "realworld-cassettes"


CORPUS = corpus_dir()
CORPUS_FILES = sorted(CORPUS.glob("*/*.yaml")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus absent: {CORPUS}")
