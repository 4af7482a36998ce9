"""What one row of the endpoint table says, and what a handler sees of a request."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel

from .._errors import InvalidRequest, json_type
from .._sdk_types import LazyType, TypeName
from ._misses import Rule, rule_for

if TYPE_CHECKING:
    from .._multipart import Form
    from .._state import StateStore

__all__ = ["Answer", "Context", "Endpoint", "Kind", "MalformedBody"]

Kind = Literal["create", "retrieve", "update", "delete", "list", "content", "action", "stateless"]

# What a handler returns: an openai object, a JSON-able dict, or a finished HTTP response.
Answer = BaseModel | dict[str, Any] | httpx.Response


# Query parameters that do not narrow a listing (anything else, e.g. ``run_id``, filters it).
_NOT_FILTERS = frozenset({"order", "limit", "include", "include[]", "api-version"})


class MalformedBody(InvalidRequest):
    """The request body is not what the endpoint accepts (bad JSON, not multipart)."""


# Deeper bodies are refused before any code walks them (recursive merges, validation, dumps);
# real requests, JSON schemas included, stay far below.
MAX_DEPTH = 256
_UNPARSABLE = "We could not parse the JSON body of your request"


def _depth_exceeds(value: Any, limit: int) -> bool:
    # Iterative: the point is not to recurse on what the client sent.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


@dataclass(frozen=True)
class Endpoint:
    """One HTTP endpoint of the OpenAI API, as data."""

    sdk: str  # the SDK attribute path, e.g. "beta.threads.runs.retrieve"
    method: str
    path: str  # template under the base URL, e.g. "/threads/{thread_id}/runs/{run_id}"
    kind: Kind
    # the openai type of the answer, or its name ("beta.threads.run:Run"): imported on first
    # read, so that a mock loads an area's types only when a request reaches it
    model: LazyType[Endpoint] = LazyType()  # noqa: RUF009 - a descriptor, shared on purpose
    collection: str | None = None  # StateStore collection of stateful endpoints
    noun: str = "object"  # for "No <noun> found with id '…'"
    id_prefix: str = ""
    parents: tuple[tuple[str, str], ...] = ()  # (path param, collection) that must exist
    required: tuple[str, ...] = ()  # body fields whose absence is a 400
    defaults: Callable[[Context], dict[str, Any]] | None = None
    echo: bool = True  # copy request fields the answer type also has
    stream: Callable[[BaseModel, Context], bytes] | None = None
    handler: Callable[[Context, dict[str, Any] | None], Answer] | None = None
    where: Callable[[Context], Callable[[BaseModel], bool] | None] | None = None  # list filter
    aliases: tuple[str, ...] = ()  # further SDK paths answered by this row
    # Extra methods of the row's route, as (name, function(route, *args, **kwargs)): e.g.
    # ``openai_mock.responses.create.script(...)``. Functions keep their state per mock.
    helpers: tuple[tuple[str, Callable[..., Any]], ...] = ()
    # Whether the StateStore may answer a request a replay-only cassette does not hold;
    # None: the rule of the row's kind (``_misses``).
    state_answers: Rule | None = None
    # Seeding hands this each JSON object (or listing) an answer of the row shows; True when
    # the area took it in itself, False to let the generic seeding store it (``_seeding``).
    learn: Callable[[Context, dict[str, Any]], bool] | None = None

    @property
    def model_spec(self) -> TypeName:
        """The row's type as written: whether a row has one, without importing it."""
        return Endpoint.__dict__["model"].spec_of(self)  # type: ignore[no-any-return]

    def replaced(self, **changes: Any) -> Endpoint:
        """``dataclasses.replace`` that keeps the type unresolved."""
        return dataclasses.replace(self, model=self.model_spec, **changes)

    @property
    def stateful(self) -> bool:
        return self.collection is not None

    def state_may_answer(self, ctx: Context) -> bool:
        """Whether the state knows enough to answer ``ctx`` as the service would."""
        return (self.state_answers or rule_for(self))(ctx)

    @cached_property
    def path_regex(self) -> str:
        return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)

    @property
    def id_param(self) -> str | None:
        names = re.findall(r"\{(\w+)\}", self.path)
        parent_params = {p for p, _ in self.parents}
        own = [n for n in names if n not in parent_params]
        return own[-1] if own else None


@dataclass
class Context:
    """One request as a handler sees it."""

    request: httpx.Request
    params: dict[str, str]
    state: StateStore
    endpoint: Endpoint
    extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def form(self) -> Form | None:
        content_type = self.request.headers.get("content-type", "")
        if not content_type.startswith("multipart/"):
            return None
        from .._multipart import parse_multipart  # with the first upload

        try:
            return parse_multipart(content_type, self.request.content)
        except ValueError as error:
            raise MalformedBody(f"malformed multipart body: {error}") from error

    @cached_property
    def body(self) -> dict[str, Any]:
        """The JSON body, or a multipart body's plain fields; {} when there is none.

        A body declared JSON (or undeclared) must be a JSON object; one of another declared
        type (an SDP offer, text) is read as JSON only when it happens to be one."""
        if self.form is not None:
            return dict(self.form.fields)
        raw = self.request.content
        if not raw.strip():
            return {}
        content_type = self.request.headers.get("content-type", "")
        if content_type and "json" not in content_type:
            with suppress(MalformedBody):
                return self._json(raw)
            return {}
        return self._json(raw)

    @staticmethod
    def _json(raw: bytes) -> dict[str, Any]:
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as error:
            raise MalformedBody(
                f"{_UNPARSABLE}: what was sent is not valid JSON ({error})."
            ) from None
        if not isinstance(value, dict):
            raise MalformedBody(f"{_UNPARSABLE}: expected an object, but got {json_type(value)}.")
        if _depth_exceeds(value, MAX_DEPTH):
            raise MalformedBody(f"{_UNPARSABLE}: it is nested deeper than {MAX_DEPTH} levels.")
        return value

    @cached_property
    def query(self) -> Mapping[str, str]:
        return dict(self.request.url.params)

    @property
    def object_id(self) -> str:
        name = self.endpoint.id_param
        return self.params[name] if name else ""

    @property
    def parent_links(self) -> dict[str, str]:
        return {collection: self.params[param] for param, collection in self.endpoint.parents}

    @property
    def lists_every_child(self) -> bool:
        """A first, unfiltered page of a parent's children: with ``has_more`` false, that
        page is all of them."""
        narrowed = any(key not in _NOT_FILTERS for key in self.query)
        cursor = "after" in self.query or "before" in self.query
        return bool(self.endpoint.parents) and not (narrowed or cursor)

    @property
    def wants_stream(self) -> bool:
        return (
            bool(self.body.get("stream"))
            if self.request.method == "POST"
            else (self.query.get("stream") == "true")
        )
