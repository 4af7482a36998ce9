"""openai-responses 0.13's embeddings builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types import CreateEmbeddingResponse

from .._generic import build

__all__ = ["embedding_create_response_from_create_request"]


def embedding_create_response_from_create_request(
    request: Any, *, extra: Mapping[str, Any] | None = None
) -> CreateEmbeddingResponse:
    """What ``embeddings.create`` answers for ``request``, ``extra`` merged over."""
    return cast(CreateEmbeddingResponse, build("embeddings.create", extra, request=request))
