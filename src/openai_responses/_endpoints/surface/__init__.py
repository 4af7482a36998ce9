"""The rest of the SDK surface: one module of rows per area, concatenated here.

Every HTTP endpoint method of the installed openai SDK has a row here or in ``core`` (the
Assistants and Responses/Conversations areas live in their own modules);
``tests/test_surface_walk.py`` walks the SDK and fails on any method that has none.
"""

from __future__ import annotations

import importlib

from .._table import Endpoint

__all__ = ["ENDPOINTS"]

_AREAS = (
    "admin",
    "agents",
    "audio",
    "batches",
    "chat",
    "chatkit",
    "containers",
    "evals",
    "fine_tuning",
    "images",
    "misc",
    "realtime",
    "skills",
    "uploads",
    "vector_stores",
    "videos",
    "webhooks",
)

ENDPOINTS: tuple[Endpoint, ...] = tuple(
    row for area in _AREAS for row in importlib.import_module(f".{area}", __name__).ENDPOINTS
)
