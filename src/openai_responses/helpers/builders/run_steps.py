"""openai-responses 0.13's run_steps builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.beta.threads.runs import RunStep

from .._generic import build

__all__ = ["build_run_step"]


def build_run_step(partial: Mapping[str, Any]) -> RunStep:
    """A new RunStep: realistic id, ``created_at`` now, ``partial`` merged over the defaults."""
    return cast(RunStep, build(RunStep, partial))
