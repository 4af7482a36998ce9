"""``from openai_responses.stores import StateStore`` (the documented import path)."""

from ._state import StateStore

__all__ = ["StateStore"]
