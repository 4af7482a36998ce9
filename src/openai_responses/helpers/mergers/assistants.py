"""openai-responses 0.13's assistants merger."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai.types.beta import Assistant

from .._generic import merge

__all__ = ["merge_assistant_with_partial"]


def merge_assistant_with_partial(obj: Assistant, partial: Mapping[str, Any]) -> Assistant:
    """A copy of ``obj`` with ``partial`` merged in, as the API updates a Assistant."""
    return merge(obj, partial)
