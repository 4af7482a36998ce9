"""Assignments kept under a parent: a user added to a group, a role given to a user.

The admin API answers these with types of their own (``RoleCreateResponse``,
``RoleRetrieveResponse``…), not a stored object, so their rows have no collection. What the
mock keeps is who was assigned where: a create adds the member its body names
(``{"role_id": …}``), a delete removes it, and a retrieve or delete of anyone else answers the
service's 404 instead of a made-up assignment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .._errors import not_found
from ._table import Answer, Context, Endpoint

__all__ = ["FAMILIES", "with_memberships"]

Handler = Callable[[Context, dict[str, Any] | None], Answer]

# A family's create sdk path -> the path parameter naming a member (``role_id``); the surface
# walk reads it to assign a member before asking for one.
FAMILIES: dict[str, str] = {}


def with_memberships(rows: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """The rows, with the create/retrieve/delete of each assignment family keeping members.

    A family is a stateless create at ``P`` and a stateless retrieve or delete at
    ``P/{member}``, where the create's body names the member by that parameter.
    """
    rows = tuple(rows)
    creates = {r.path: r for r in rows if _stateless(r) and r.kind == "create"}
    members = {
        r.path.rsplit("/", 1)[0]: r.path.rsplit("/", 1)[1].strip("{}")
        for r in rows
        if _stateless(r) and r.kind in ("retrieve", "delete") and r.path.endswith("}")
    }
    families = {
        p: members[p] for p in creates if p in members and _names_member(creates[p], members[p])
    }
    for path, param in families.items():
        FAMILIES[creates[path].sdk] = param
    return tuple(_kept(r, families) for r in rows)


def _stateless(row: Endpoint) -> bool:
    return row.collection is None and row.handler is not None and row.model_spec is not None


def _names_member(create: Endpoint, param: str) -> bool:
    # the SDK's create takes the member's id by the same name (``role_id``, ``user_id``)
    return create.sdk.startswith("admin.") and param.endswith("_id")


def _kept(row: Endpoint, families: dict[str, str]) -> Endpoint:
    if not _stateless(row):
        return row
    assert row.handler is not None
    if row.kind == "create" and row.path in families:
        return row.replaced(handler=_adding(row.path, families[row.path], row.handler))
    family, _, last = row.path.rpartition("/")
    if row.kind in ("retrieve", "delete") and families.get(family) == last.strip("{}"):
        handler = _checking(family, families[family], row.handler, row.kind == "delete")
        return row.replaced(handler=handler)
    return row


def _members(ctx: Context, family: str) -> set[str]:
    # keyed by the family and its parents' ids: a role given to one group is not another's
    parents = tuple(ctx.params[name] for name in re.findall(r"\{(\w+)\}", family))
    kept: dict[tuple[str, tuple[str, ...]], set[str]] = ctx.state.extras.setdefault("members", {})
    return kept.setdefault((family, parents), set())


def _adding(family: str, param: str, handler: Handler) -> Handler:
    def create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
        answer = handler(ctx, partial)
        member = ctx.body.get(param)
        if isinstance(member, str) and member:
            _members(ctx, family).add(member)
        return answer

    return create


def _checking(family: str, param: str, handler: Handler, removes: bool) -> Handler:
    def checked(ctx: Context, partial: dict[str, Any] | None) -> Answer:
        member = ctx.params[param]
        members = _members(ctx, family)
        if member not in members:
            return not_found(param.removesuffix("_id").replace("_", " "), member)
        if removes:
            members.discard(member)
        return handler(ctx, partial)

    return checked
