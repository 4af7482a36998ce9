"""``@openai_responses.mock(...)``: a fresh, entered OpenAIMock for each call."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from ._mock import OpenAIMock
    from ._state import StateStore

__all__ = ["mock"]

F = TypeVar("F", bound=Callable[..., Any])

_FIXTURE = "openai_mock"


def mock(
    *,
    base_url: str | None = None,
    state: StateStore | None = None,
    **options: Any,
) -> Callable[[F], F]:
    """Decorate a test (sync or async function or method) to run it inside a new mock.

    The mock is passed as ``openai_mock`` when the signature names it. Each call gets its own
    mock and a copy of ``state``, so parametrized runs never share objects.
    """

    def decorator(func: F) -> F:
        signature = inspect.signature(func)
        wants_mock = _FIXTURE in signature.parameters

        def new_mock(kwargs: dict[str, Any]) -> OpenAIMock:
            own = options
            if options.get("cassette") is True:  # named after the test, as pytest-recording does
                from ._pytest._names import named_cassette

                own = {**options, "cassette": named_cassette(func)}
            openai_mock = _build(base_url, state, own)
            if wants_mock:
                kwargs[_FIXTURE] = openai_mock
            return openai_mock

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with new_mock(kwargs):
                    return await func(*args, **kwargs)

            wrapper: Callable[..., Any] = async_wrapper
        else:

            @functools.wraps(func)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                with new_mock(kwargs):
                    return func(*args, **kwargs)

            wrapper = sync_wrapper

        # pytest resolves fixtures from the signature: hide ``openai_mock`` so that pytest
        # does not inject its own fixture in place of this call's mock.
        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for p in signature.parameters.values() if p.name != _FIXTURE]
        )
        return cast(F, wrapper)

    return decorator


def _build(base_url: str | None, state: StateStore | None, options: dict[str, Any]) -> OpenAIMock:
    # Imported here: decorating (at test collection) stays cheap; the endpoint table, which
    # imports most of the openai SDK's types, loads when a decorated test first runs.
    from ._mock import OpenAIMock

    own_state = copy.deepcopy(state) if state is not None else None
    return OpenAIMock(base_url=base_url, state=own_state, **options)
