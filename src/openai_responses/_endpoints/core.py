"""Rows for chat, legacy completions, embeddings, moderations, models and files."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import struct
from typing import Any

import httpx
from openai.types import (
    Completion,
    CreateEmbeddingResponse,
    FileDeleted,
    FileObject,
    Model,
    ModelDeleted,
    ModerationCreateResponse,
)
from openai.types.chat import ChatCompletion, ChatCompletionStoreMessage
from pydantic import BaseModel

from .._defaults import deep_merge, new_id, now
from .._errors import bad_request, openai_error
from .._handlers import build_object
from .._params import integer, objects
from .._schema_example import example_for_schema
from .._state import Collection, StateStore, register_collection, register_seeder
from ._misses import never
from ._table import Answer, Context, Endpoint, MalformedBody

register_collection(Collection("files", FileObject))
register_collection(Collection("chat_completions", ChatCompletion, sort_key="created"))
register_collection(
    Collection("chat_completion_messages", ChatCompletionStoreMessage, parent="chat_completions")
)
register_collection(Collection("models", Model, sort_key="created"))


# -- helpers shared by the rows below ----------------------------------------------------
def estimate_tokens(value: Any) -> int:
    """A stable, rough token count (about four characters a token), never zero."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return max(1, len(text) // 4)


def _usage(prompt: Any, completion_text: str) -> dict[str, int]:
    prompt_tokens = estimate_tokens(prompt)
    completion_tokens = estimate_tokens(completion_text) if completion_text else 0
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def structured_content(response_format: Any) -> str | None:
    """JSON text that satisfies a ``json_schema`` response format, else None."""
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_object":
        return "{}"
    schema = (response_format.get("json_schema") or {}).get("schema")
    if response_format.get("type") == "json_schema" and isinstance(schema, dict):
        return json.dumps(example_for_schema(schema))
    return None


# -- chat completions ----------------------------------------------------------------------
def _chat_defaults(ctx: Context) -> dict[str, Any]:
    body = ctx.body
    content = structured_content(body.get("response_format")) or ""
    choices = [
        {
            "index": i,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": content, "refusal": None},
        }
        for i in range(integer(body, "n", 1, minimum=1, maximum=128))
    ]
    return {
        "choices": choices,
        "usage": _usage(body.get("messages"), content),
        "system_fingerprint": "fp_openai_responses",
    }


def _chat_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """A completion; with ``store: true`` also kept for the stored-completions endpoints."""
    completion = build_object(ctx, partial)
    if ctx.body.get("store"):
        ctx.state.put(completion, "chat_completions")
        parent = str(getattr(completion, "id", ""))
        for index, message in enumerate(objects(ctx.body, "messages")):
            stored = _store_message(message, f"{parent}-{index}")
            ctx.state.put(stored, "chat_completion_messages", chat_completions=parent)
    return completion


def _store_message(message: dict[str, Any], message_id: str) -> BaseModel:
    """A request message as the stored-messages list answers it: text ``content``, parts in
    ``content_parts``, and only the fields the SDK's type has. The type says role "assistant"
    only; the API lists each message with its own role, so the role is kept as sent and the
    rest is checked by validating with the role the type allows."""
    fields = ChatCompletionStoreMessage.model_fields
    data = {k: v for k, v in message.items() if k in fields}
    content = message.get("content")
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, dict) and p.get("type") in _STORED_PARTS]
        data["content_parts"] = parts
        texts = [str(p.get("text", "")) for p in parts if p.get("type") == "text"]
        data["content"] = "".join(texts) if texts else None
    data["id"] = message_id
    checked = ChatCompletionStoreMessage.model_validate({**data, "role": "assistant"})
    dumped = checked.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return ChatCompletionStoreMessage.model_construct(**{**dumped, "role": message.get("role")})


_STORED_PARTS = ("text", "image_url")  # what ``content_parts`` holds


def _chat_stream(completion: BaseModel, ctx: Context) -> bytes:
    from ..streaming import chat_completion_stream

    options = ctx.body.get("stream_options") or {}
    assert isinstance(completion, ChatCompletion)
    return chat_completion_stream(completion, include_usage=bool(options.get("include_usage")))


# -- legacy completions --------------------------------------------------------------------
def _completion_defaults(ctx: Context) -> dict[str, Any]:
    prompts = ctx.body.get("prompt")
    count = (
        len(prompts) if isinstance(prompts, list) and prompts and isinstance(prompts[0], str) else 1
    )
    n = integer(ctx.body, "n", 1, minimum=1, maximum=128)
    return {
        "object": "text_completion",
        "choices": [
            {"index": i, "text": "", "finish_reason": "stop", "logprobs": None}
            for i in range(count * n)
        ],
        "usage": _usage(prompts, ""),
    }


def _completion_stream(completion: BaseModel, ctx: Context) -> bytes:
    from .._sse import DONE, encode_event

    assert isinstance(completion, Completion)
    frames = [encode_event(completion.model_copy(update={"usage": None}))]
    return b"".join(frames) + DONE


# -- embeddings ----------------------------------------------------------------------------
_DIMENSIONS = {"text-embedding-3-large": 3072}


def _vector(model: str, text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector per (model, input): equal inputs embed equally."""
    seed = hashlib.sha256(f"{model}\0{text}".encode()).digest()
    raw: list[float] = []
    counter = 0
    while len(raw) < dimensions:
        block = hashlib.sha256(seed + counter.to_bytes(4, "little")).digest()
        raw.extend((b - 127.5) / 127.5 for b in block)
        counter += 1
    vector = raw[:dimensions]
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


def _embedding_defaults(ctx: Context) -> dict[str, Any]:
    body = ctx.body
    model = str(body.get("model", ""))
    inputs = body.get("input")
    items = (
        inputs
        if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int)
        else [inputs]
    )
    # No embedding model has more than 3072 dimensions; the bound keeps vectors small.
    dimensions = integer(body, "dimensions", _DIMENSIONS.get(model, 1536), minimum=1, maximum=3072)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for i, item in enumerate(items):
        vector = _vector(model, json.dumps(item), dimensions)
        encoded: Any = (
            base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            if as_base64
            else vector
        )
        data.append({"object": "embedding", "index": i, "embedding": encoded})
    tokens = estimate_tokens(inputs)
    return {
        "object": "list",
        "model": model,  # echoed, as the service does
        "data": data,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _embedding_handler(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    # Base64 embeddings are strings on the wire; the SDK type declares floats, so the answer is
    # built as JSON here rather than validated into CreateEmbeddingResponse.
    if ctx.body.get("encoding_format") != "base64":
        return build_object(ctx, partial)
    answer: dict[str, Any] = deep_merge(_embedding_defaults(ctx), partial or {})
    return answer


# -- moderations ---------------------------------------------------------------------------
def _moderation_defaults(ctx: Context) -> dict[str, Any]:
    inputs = ctx.body.get("input")
    count = len(inputs) if isinstance(inputs, list) and inputs and isinstance(inputs[0], str) else 1
    return {
        "model": ctx.body.get("model") or "omni-moderation-latest",
        "results": [_moderation_result() for _ in range(count)],
    }


def _moderation_result() -> dict[str, Any]:
    """A result with every category the SDK's type knows, optional ones included: not flagged,
    score 0.0, applied to text. A partial naming a few categories keeps the rest."""
    from openai.types import Moderation

    def every(field: str, value: Any) -> dict[str, Any]:
        model = Moderation.model_fields[field].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        return {f.alias or name: copy.copy(value) for name, f in model.model_fields.items()}

    return {
        "flagged": False,
        "categories": every("categories", False),
        "category_scores": every("category_scores", 0.0),
        "category_applied_input_types": every("category_applied_input_types", ["text"]),
    }


# -- models --------------------------------------------------------------------------------
BUILTIN_MODELS = (
    ("gpt-5", "system"),
    ("gpt-5-mini", "system"),
    ("gpt-5-nano", "system"),
    ("gpt-4.1", "system"),
    ("gpt-4.1-mini", "system"),
    ("gpt-4.1-nano", "system"),
    ("gpt-4o", "system"),
    ("gpt-4o-mini", "system"),
    ("gpt-4-turbo", "system"),
    ("gpt-3.5-turbo", "openai"),
    ("gpt-3.5-turbo-instruct", "system"),
    ("o3", "system"),
    ("o3-mini", "system"),
    ("o4-mini", "system"),
    ("text-embedding-3-small", "system"),
    ("text-embedding-3-large", "system"),
    ("text-embedding-ada-002", "openai-internal"),
    ("omni-moderation-latest", "system"),
    ("whisper-1", "openai-internal"),
    ("gpt-4o-transcribe", "system"),
    ("tts-1", "openai-internal"),
    ("gpt-4o-mini-tts", "system"),
    ("dall-e-3", "system"),
    ("gpt-image-1", "system"),
)


def _seed_models(state: StateStore) -> None:
    for offset, (model_id, owner) in enumerate(BUILTIN_MODELS):
        created = 1_700_000_000 + offset * 86_400
        state.put(Model(id=model_id, created=created, object="model", owned_by=owner), "models")


register_seeder(_seed_models)


def _model_not_found(model_id: str) -> httpx.Response:
    return openai_error(
        404,
        f"The model '{model_id}' does not exist or you do not have access to it.",
        code="model_not_found",
    )


def _model_retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    model = ctx.state.get("models", ctx.params["model"])
    return model if model is not None else _model_not_found(ctx.params["model"])


def _model_delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    model_id = ctx.params["model"]
    if not ctx.state.delete("models", model_id):
        return _model_not_found(model_id)
    return ModelDeleted(id=model_id, object="model", deleted=True)


def _model_list(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    models = ctx.state.all("models")
    return {"object": "list", "data": [m.model_dump(mode="json") for m in models]}


# -- files ---------------------------------------------------------------------------------
def _file_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    form = ctx.form
    upload = form.files.get("file") if form else None
    if upload is None:
        return bad_request("Missing required parameter: 'file'.", param="file")
    if not ctx.body.get("purpose"):
        return bad_request("Missing required parameter: 'purpose'.", param="purpose")
    data: dict[str, Any] = {
        "id": new_id("file-"),
        "object": "file",
        "bytes": len(upload.content),
        "created_at": now(),
        "filename": upload.filename,
        "purpose": ctx.body["purpose"],
        "status": "processed",
    }
    obj = FileObject.model_validate({**data, **(partial or {})})
    ctx.state.put(obj, "files")
    ctx.state.put_content("files", obj.id, upload.content)
    return obj


def _learn_upload(ctx: Context, data: dict[str, Any]) -> bool:
    # A recorded upload's bytes are the file's content, as the service keeps them: a replay
    # may then answer ``files.content`` from the state.
    try:
        upload = ctx.form.files.get("file") if ctx.form else None
    except MalformedBody:
        upload = None
    if upload is not None and data.get("object") == "file" and "id" in data:
        ctx.state.put_content("files", str(data["id"]), upload.content)
    return False  # the file object itself is stored the generic way


def _files_where(ctx: Context) -> Any:
    purpose = ctx.query.get("purpose")
    return (lambda f: getattr(f, "purpose", None) == purpose) if purpose else None


ENDPOINTS = (
    Endpoint(
        "chat.completions.create",
        "POST",
        "/chat/completions",
        "stateless",
        ChatCompletion,
        id_prefix="chatcmpl-",
        required=("model", "messages"),
        defaults=_chat_defaults,
        stream=_chat_stream,
        handler=_chat_create,
        # the SDK's helpers send the same request: one route answers them all
        aliases=(
            "chat.completions.parse",
            "chat.completions.stream",
            "beta.chat.completions.create",
            "beta.chat.completions.parse",
            "beta.chat.completions.stream",
        ),
    ),
    Endpoint(
        "completions.create",
        "POST",
        "/completions",
        "stateless",
        Completion,
        id_prefix="cmpl-",
        required=("model", "prompt"),
        defaults=_completion_defaults,
        stream=_completion_stream,
    ),
    Endpoint(
        "embeddings.create",
        "POST",
        "/embeddings",
        "stateless",
        CreateEmbeddingResponse,
        required=("model", "input"),
        defaults=_embedding_defaults,
        handler=_embedding_handler,
        echo=False,
    ),
    Endpoint(
        "moderations.create",
        "POST",
        "/moderations",
        "stateless",
        ModerationCreateResponse,
        id_prefix="modr-",
        required=("input",),
        defaults=_moderation_defaults,
        echo=False,
    ),
    # The built-in model list is the mock's invention: a replay never answers from it.
    Endpoint(
        "models.list",
        "GET",
        "/models",
        "list",
        Model,
        "models",
        handler=_model_list,
        state_answers=never,
    ),
    Endpoint(
        "models.retrieve",
        "GET",
        "/models/{model}",
        "retrieve",
        Model,
        "models",
        "model",
        handler=_model_retrieve,
        state_answers=never,
    ),
    Endpoint(
        "models.delete",
        "DELETE",
        "/models/{model}",
        "delete",
        ModelDeleted,
        "models",
        "model",
        handler=_model_delete,
        state_answers=never,
    ),
    Endpoint(
        "files.create",
        "POST",
        "/files",
        "create",
        FileObject,
        "files",
        "file",
        handler=_file_create,
        learn=_learn_upload,
    ),
    Endpoint("files.retrieve", "GET", "/files/{file_id}", "retrieve", FileObject, "files", "file"),
    Endpoint(
        "files.list", "GET", "/files", "list", FileObject, "files", "file", where=_files_where
    ),
    Endpoint("files.delete", "DELETE", "/files/{file_id}", "delete", FileDeleted, "files", "file"),
    Endpoint(
        "files.content",
        "GET",
        "/files/{file_id}/content",
        "content",
        None,
        "files",
        "file",
        aliases=("files.retrieve_content",),
    ),
)
