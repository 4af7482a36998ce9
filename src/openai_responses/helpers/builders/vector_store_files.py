"""openai-responses 0.13's vector_store_files builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.vector_stores import VectorStoreFile

from .._generic import build

__all__ = ["vector_store_file_from_create_request"]


def vector_store_file_from_create_request(
    request: Any, *, extra: Mapping[str, Any] | None = None
) -> VectorStoreFile:
    """What ``vector_stores.files.create`` answers for ``request``, ``extra`` merged over."""
    return cast(VectorStoreFile, build("vector_stores.files.create", extra, request=request))
