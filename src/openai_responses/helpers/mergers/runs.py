"""openai-responses 0.13's runs merger."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai.types.beta.threads import Run

from .._generic import merge

__all__ = ["merge_run_with_partial"]


def merge_run_with_partial(obj: Run, partial: Mapping[str, Any]) -> Run:
    """A copy of ``obj`` with ``partial`` merged in, as the API updates a Run."""
    return merge(obj, partial)
