"""The endpoint table: every row of every API area, in one tuple."""

from __future__ import annotations

from . import assistants, conversations, core, responses, surface
from ._members import with_memberships
from ._parents import with_inferred_parents
from ._table import Answer, Context, Endpoint, Kind, MalformedBody

__all__ = ["ENDPOINTS", "Answer", "Context", "Endpoint", "Kind", "MalformedBody"]

# Each area module holds a tuple ENDPOINTS of rows; add a module here to add an area.
ENDPOINTS: tuple[Endpoint, ...] = with_memberships(
    with_inferred_parents(
        (
            *core.ENDPOINTS,
            *assistants.ENDPOINTS,
            *surface.ENDPOINTS,
            *responses.ENDPOINTS,
            *conversations.ENDPOINTS,
        )
    )
)
