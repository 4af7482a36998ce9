"""Parents a row's path names, found from the table rather than declared row by row.

A path such as ``/organization/groups/{group_id}/roles/{role_id}`` names objects other rows
store: the group (``/organization/groups/{group_id}``) and the role
(``/organization/roles/{role_id}``). A row answering under them without checking they exist
makes objects up for ids nobody created; declaring them as the row's ``parents`` gives the
service's 404 through the one check every row already runs (``missing_parent``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._table import Endpoint

__all__ = ["with_inferred_parents"]

_PARAM = re.compile(r"\{(\w+)\}")
_ORGANIZATION = "/organization/"


def with_inferred_parents(rows: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """The rows, each without declared parents given those its path names.

    A path id is a parent when a stored collection owns it: the retrieve row at that exact
    path prefix, or else an organization object (``/organization/{segment}/{param}``) of the
    same segment and name, which the admin API names under other paths too:
    ``/projects/{project_id}`` is ``/organization/projects/{project_id}``, and the role of
    ``/organization/groups/{group_id}/roles/{role_id}`` is ``/organization/roles/{role_id}``.
    Only collections some row creates are used, so a parent can always be made.
    """
    rows = tuple(rows)
    created = {r.collection for r in rows if r.kind == "create" and r.collection}
    exact: dict[str, str] = {}
    top: dict[tuple[str, str], str] = {}
    for r in rows:
        if r.kind != "retrieve" or r.collection not in created or not r.path.endswith("}"):
            continue
        assert r.collection is not None
        exact.setdefault(r.path, r.collection)
        if r.path.startswith(_ORGANIZATION) and len(_PARAM.findall(r.path)) == 1:
            top.setdefault(_tail(r.path), r.collection)
    return tuple(_inferred(r, exact, top) for r in rows)


def _tail(path: str) -> tuple[str, str]:
    segment, param = path.rsplit("/", 2)[-2:]
    return segment, param.strip("{}")


def _organization_object(path: str, prefix: str, top: dict[tuple[str, str], str]) -> str | None:
    # Another path of the same object (``/projects/{project_id}``), or an object of the
    # organization used inside one of its own paths. Outside the admin API a like-named id
    # is another thing (a ChatKit thread is no Assistants thread).
    tail = _tail(prefix)
    if prefix.count("{") == 1 and (f"/organization{prefix}" == _path_of(tail)):
        return top.get(tail)
    return top.get(tail) if path.startswith(_ORGANIZATION) else None


def _path_of(tail: tuple[str, str]) -> str:
    return f"/organization/{tail[0]}/{{{tail[1]}}}"


def _inferred(row: Endpoint, exact: dict[str, str], top: dict[tuple[str, str], str]) -> Endpoint:
    if row.parents:
        return row
    parents: list[tuple[str, str]] = []
    for match in _PARAM.finditer(row.path):
        prefix = row.path[: match.end()]
        collection = exact.get(prefix) or _organization_object(row.path, prefix, top)
        # the row's own object is looked up by its handler, not checked as a parent
        if collection is not None and collection != row.collection:
            parents.append((match.group(1), collection))
    return row.replaced(parents=tuple(parents)) if parents else row
