"""openai-responses 0.13's threads merger."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai.types.beta import Thread

from .._generic import merge

__all__ = ["merge_thread_with_partial"]


def merge_thread_with_partial(obj: Thread, partial: Mapping[str, Any]) -> Thread:
    """A copy of ``obj`` with ``partial`` merged in, as the API updates a Thread."""
    return merge(obj, partial)
