"""openai-responses 0.13's vector_stores builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types import VectorStore

from .._generic import build

__all__ = ["vector_store_from_create_request"]


def vector_store_from_create_request(
    request: Any, *, extra: Mapping[str, Any] | None = None
) -> VectorStore:
    """What ``vector_stores.create`` answers for ``request``, ``extra`` merged over."""
    return cast(VectorStore, build("vector_stores.create", extra, request=request))
