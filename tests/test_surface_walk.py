"""Walk the installed openai SDK and call every HTTP endpoint method inside the mock.

What is walked: every resource reachable by attributes from ``openai.OpenAI`` /
``openai.AsyncOpenAI``, and on each resource every method its ``with_raw_response`` exposes —
that is the SDK's own list of methods that send one HTTP request. Helpers built on them
(``*_and_poll``, ``upload_file_chunked``, ``stream``, ``parse``…) send the same requests and are
tested end to end elsewhere; websocket ``connect`` and local helpers (webhook signature checks)
send nothing and are not on ``with_raw_response``, so they need no skip-list entry here.

Ids: a path id is never a dummy. The row answering the method names the collection of each
path parameter; parents first, the walk creates each object through the SDK's own ``create``
method of its collection, inside the parents already made (``MADE_BY`` says how for
collections whose plain create does not fit). Collections without a create row (models, run
steps, conversation items) are taken from the mock's state, under those parents. Body fields
that must name existing objects get a real one: an uploaded file (``FILE_FIELDS``), another
object (``OBJECT_FIELDS``), or a value derived from the object the path names (``DERIVED``).
Methods that need their object at some point of its life (a run waiting for tool outputs)
script it there first (``SCRIPTS``). Arguments the API requires but the SDK marks optional
are sent too (``API_REQUIRES``). So every call must answer 2xx with an object the SDK's type
validates; an OpenAI error fails the walk, like a missing route (``UnmockedRequestError``) does.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
from openai._resource import AsyncAPIResource, SyncAPIResource
from pydantic import BaseModel
from typing_extensions import is_typeddict

from openai_responses import OpenAIMock, UnmockedRequestError
from openai_responses._endpoints import ENDPOINTS, Endpoint
from openai_responses._endpoints._members import FAMILIES

ROWS: dict[str, Endpoint] = {sdk: row for row in ENDPOINTS for sdk in (row.sdk, *row.aliases)}
# A collection may have several creates (runs: ``runs.create`` in a thread, and
# ``threads.create_and_run``); the walk picks the one whose parents it has made.
CREATES: dict[str, list[Endpoint]] = {}
for _row in ENDPOINTS:
    if _row.kind == "create" and _row.collection:
        CREATES.setdefault(_row.collection, []).append(_row)

WALK_MESSAGE = {"role": "user", "content": "hello from the surface walk"}
# How the walk makes an object of a collection when the plain create does not fit: stateless
# endpoints store only when asked; a conversation gets an item (for ``items.retrieve`` and
# ``items.delete``); only background responses can be cancelled, and the rest works on them too.
MADE_BY: dict[str, tuple[str, dict[str, Any]]] = {
    "chat_completions": ("chat.completions.create", {"store": True}),
    "conversations": ("conversations.create", {"items": [WALK_MESSAGE]}),
    "responses": ("responses.create", {"background": True}),
    # a checkpoint's permissions are made one per project named, answered as a page of them
    "checkpoint_permissions": (
        "fine_tuning.checkpoints.permissions.create",
        {"project_ids": ["proj_walk"]},
    ),
}
# Arguments the API requires although the SDK's signature marks them optional (keyed by the
# row, so aliases such as ``responses.parse`` and ``beta.responses.create`` share them).
API_REQUIRES: dict[str, tuple[str, ...]] = {
    "responses.create": ("model",),  # the SDK allows ``prompt=`` instead; the walk sends a model
}
FILE = ("notes.txt", b"hello from the surface walk\n")
# Body fields naming an existing file, and the purpose the API wants for it.
FILE_FIELDS = {"file_id": "assistants", "input_file_id": "batch", "training_file": "fine-tune"}
# Body fields naming another existing object, and its collection.
OBJECT_FIELDS = {"assistant_id": "assistants"}
# Body fields the API checks against the object the path names: derived from that object.
DERIVED: dict[str, Callable[[Any], Any]] = {
    # one output for each tool call the run waits for
    "tool_outputs": lambda run: [
        {"tool_call_id": call.id, "output": "walk"}
        for call in run.required_action.submit_tool_outputs.tool_calls
    ],
}
# Assignments (a role given to a group): the retrieve or delete of a member needs it assigned
# first, by the family's create under the same parents. Row -> (create, member parameter).
ASSIGNED: dict[str, tuple[str, str]] = {
    row.sdk: (create.sdk, FAMILIES[create.sdk])
    for row in ENDPOINTS
    for create in ENDPOINTS
    if create.sdk in FAMILIES
    and row.kind in ("retrieve", "delete")
    and row.path == f"{create.path}/{{{FAMILIES[create.sdk]}}}"
}
# Zero polls: a new run goes straight to its next pause instead of answering ``queued`` first.
_AT_ONCE = {"queued": 0, "in_progress": 0}
# Methods that need their object at a given point of its life, and the mock script (a route
# with a ``script`` helper, and its arguments) that takes a new object there. Keyed by row.
SCRIPTS: dict[str, tuple[str, dict[str, Any]]] = {
    "beta.threads.runs.submit_tool_outputs": (
        "beta.threads.runs.create",
        {"tool_calls": [{"name": "walk", "arguments": {}}], "polls": _AT_ONCE},
    ),
    # Steps are written as a run progresses: a finished run has one.
    "beta.threads.runs.steps.retrieve": ("beta.threads.runs.create", {"polls": _AT_ONCE}),
}


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
    if name in ("model", "base_model"):
        return "gpt-4o-mini"
    if name == "stream":
        # Required only where the first overload found streams (openai 2.x's deprecated
        # Assistants methods keep just that one): the walk checks the one-object answer.
        return False
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    members = typing.get_args(annotation) if union else ()
    if type(None) in members and any(typing.get_origin(m) is type for m in members):
        # A class only says how the SDK parses the answer locally (``parse_as``): none.
        return None
    if str in members:
        # A union with str takes text: always JSON-able, and what most callers send (its other
        # members' names can look like a file's: ``ImageFileContentBlockParam``).
        literal = _first_literal(annotation)
        return f"walk-{name}" if literal is None else literal
    if any(word in text for word in ("FileTypes", "FileContent", "IO[bytes]", "PathLike")):
        return FILE
    shapes = [a for a in (annotation, *typing.get_args(annotation)) if is_typeddict(a)]
    if shapes:
        return typed_dict_value(shapes[0])
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
    # Called with the method's SDK path once its ids and arguments are made, just before it
    # is sent: a walk over ``.response`` forms sets the override there, after the set-up.
    before_send: Callable[[str], None] | None = None

    async def call(self, sdk: str, **overrides: Any) -> Any:
        """Call one SDK method: given arguments, else real objects, else plausible values."""
        row = ROWS.get(sdk)
        scripted = SCRIPTS.get(row.sdk) if row else None
        if scripted:
            self.mock.routes[scripted[0]].script(**scripted[1])
        try:
            named = await self.path_objects(row, overrides) if row else {}
        finally:
            if scripted:
                self.mock.routes[scripted[0]].script()  # back to the default script
        values = {param: _id_of(obj, param) for param, obj in named.items()}
        values.update(overrides)
        if row and row.sdk in ASSIGNED and ASSIGNED[row.sdk][1] not in overrides:
            await self.assign(ASSIGNED[row.sdk], values)
        own = named.get(row.id_param or "") if row else None
        method = self.methods[sdk]
        parameters = signature(method).parameters
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, param in parameters.items():
            if name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            required = param.default is inspect.Parameter.empty
            if not required and not (row and name in API_REQUIRES.get(row.sdk, ())):
                continue
            if name in values:
                value = values[name]
            elif name in DERIVED and own is not None:
                value = DERIVED[name](own)
            else:
                value = await self.value_for(name, param.annotation)
            (
                args.append(value)
                if param.kind is param.POSITIONAL_ONLY
                else kwargs.update({name: value})
            )
        extras = {k: v for k, v in overrides.items() if k not in kwargs}  # optional ones
        if self.before_send is not None:
            self.before_send(sdk)
        raw = method(*args, **kwargs, **extras)
        return await raw if inspect.isawaitable(raw) else raw

    async def assign(self, family: tuple[str, str], values: dict[str, Any]) -> None:
        """Assign the member the call will name, under the parents it will name."""
        create, member = family
        values.setdefault(member, f"walk-{member}")
        inside = {p: values[p] for p, _ in ROWS[create].parents if p in values}
        await self.call(create, **inside, **{member: values[member]})

    async def path_objects(self, row: Endpoint, given: dict[str, Any]) -> dict[str, Any]:
        """A real object for each path id the caller did not give: parents first, each made
        inside the ones before it (a run in the thread the path names)."""
        named: dict[str, Any] = {}
        known = {k: str(v) for k, v in given.items()}
        for param, collection in _path_collections(row):
            if param in known:
                continue
            named[param] = await self.existing(collection, known, row)
            known[param] = _id_of(named[param], param)
        return named

    async def value_for(self, name: str, annotation: Any) -> Any:
        if name in FILE_FIELDS:
            return (await self.upload(FILE_FIELDS[name])).id
        if name in OBJECT_FIELDS:
            return (await self.existing(OBJECT_FIELDS[name], {})).id
        if name == "purpose":
            return "assistants"
        return plausible(name, annotation)

    async def upload(self, purpose: str) -> Any:
        raw = await self.call("files.create", file=FILE, purpose=purpose)
        return raw.parse()

    async def existing(
        self, collection: str, known: dict[str, str], row: Endpoint | None = None
    ) -> Any:
        """An object of ``collection`` inside the parents ``known`` (path param -> id).

        A fresh object each time: an earlier cancel must not decide what a complete answers.
        Collections no method creates are taken from the state, under the row's parents.
        """
        if collection in MADE_BY or collection in CREATES:
            sdk, options = MADE_BY.get(collection) or (_best_create(collection, known).sdk, {})
            inside = {p: known[p] for p, _ in ROWS[sdk].parents if p in known}
            made = (await self.call(sdk, **inside, **options)).parse()
            pages = isinstance(getattr(made, "data", None), list)
            return made.data[0] if pages else made  # a create answering a page of what it made
        parents = {c: known[p] for p, c in (row.parents if row else ()) if p in known}
        return self.mock.state.all(collection, **parents)[0]


def _path_collections(row: Endpoint) -> list[tuple[str, str]]:
    """The row's path ids and their collections, parents first. A create's own path ids name
    parents; without a declared parent there is nothing to make."""
    found = list(row.parents)
    own = row.id_param
    if own and row.kind != "create" and row.collection:
        found.append((own, row.collection))
    return found


def _best_create(collection: str, known: dict[str, str]) -> Endpoint:
    # The create that can use the most parents already made (first in the table on a tie).
    return max(CREATES[collection], key=lambda r: sum(p in known for p, _ in r.parents))


def _id_of(obj: Any, param: str) -> str:
    # Some answers carry the path id under its own name rather than ``id``.
    return str(getattr(obj, param, None) or obj.id)


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
    try:
        raw = await state.call(sdk)
    except UnmockedRequestError as error:
        state.mock.failures.clear()
        state.failures.append(f"{sdk}: no route ({error.method} {error.url})")
        return
    except openai.APIStatusError as error:
        problem: str | None = f"HTTP {error.status_code} {error.message}"
    except Exception as error:  # the mock itself broke: report, keep walking
        problem = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    else:
        problem = invalid(raw)
    if problem:
        state.failures.append(f"{sdk}: {problem}")


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


async def test_every_async_endpoint_method_is_answered() -> None:
    state = await walk(True)
    assert not state.failures, (
        f"{len(state.failures)} SDK methods not answered:\n  {_report(state)}"
    )
