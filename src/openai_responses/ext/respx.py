"""respx objects as the mock exposes them (``route.route`` is a respx Route)."""

from respx import MockRouter, Route
from respx.models import Call, CallList

__all__ = ["Call", "CallList", "MockRouter", "Route"]
