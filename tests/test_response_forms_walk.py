"""Every route honours all four ``.response`` forms: walked over the whole SDK.

The surface walk (``test_surface_walk``) calls every HTTP method of the installed SDK with real
parents and arguments; here, just before each call is sent, its route's ``.response`` is set to
one of the forms, and the answer the SDK receives must carry it:

- a partial dict holding a distinctive value (the object's ``id``, or a listing's ``data``),
  merged into whatever the route would have answered;
- a model instance, answered as it is;
- an ``httpx.Response``, answered as it is;
- a callable receiving the request and returning a partial.

Rows whose answer is not JSON (file contents, audio, empty 200s) have nothing a partial could
merge into, and no openai type to make an instance of: the partial and callable forms pass there
when the call is answered, the model form is not tried, and an ``httpx.Response`` is checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import openai
import pytest

from openai_responses import OpenAIMock
from openai_responses._defaults import skeleton
from openai_responses._endpoints import Endpoint
from test_surface_walk import ROWS, Walk, endpoint_methods

Form = Callable[[Endpoint, str], Any]


def _partial(row: Endpoint, marker: str) -> dict[str, Any]:
    """A partial that sets one field of the answer to ``marker``."""
    if row.kind == "list":
        item = skeleton(row.model) if row.model else {}
        return {"data": [{**item, "id": marker}]}
    if row.model is not None and "id" not in row.model.model_fields:
        fields = row.model.model_fields
        text = [name for name, f in fields.items() if f.annotation is str]
        if text:
            return {fields[text[0]].alias or text[0]: marker}
    return {"id": marker}


def _carries(row: Endpoint, marker: str, answer: Any) -> bool:
    if row.kind == "list":
        return isinstance(answer, dict) and any(
            isinstance(item, dict) and item.get("id") == marker for item in answer.get("data", [])
        )
    return isinstance(answer, dict) and marker in answer.values()


def _model(row: Endpoint, marker: str) -> Any:
    assert row.model is not None
    data = skeleton(row.model)
    key = next(iter(_partial(row, marker))) if row.kind != "list" else "id"
    return row.model.model_construct(**{**data, key: marker})


FORMS: dict[str, Form] = {
    "partial": _partial,
    "model": _model,
    "response": lambda row, marker: httpx.Response(200, json={"id": marker, "object": "walk"}),
    "callable": lambda row, marker: lambda request, **_: _partial(row, marker),
}


def _expected(form: str, row: Endpoint) -> Callable[[str, Any], bool]:
    if form in ("partial", "callable"):
        return lambda marker, answer: _carries(row, marker, answer)
    if form == "model":
        key = "id" if row.kind == "list" else next(iter(_partial(row, "m")))
        return lambda marker, answer: isinstance(answer, dict) and answer.get(key) == marker
    return lambda marker, answer: answer == {"id": marker, "object": "walk"}


async def _walk_form(form: str) -> list[str]:
    client = openai.OpenAI(api_key="sk-walk", admin_api_key="sk-admin", max_retries=0)
    state = Walk(client, OpenAIMock(), False)
    state.methods = dict(endpoint_methods(client))
    problems: list[str] = []
    target: list[str] = []

    def before_send(sdk: str) -> None:
        if target and sdk == target[0]:
            row = ROWS[sdk]
            state.mock.routes[sdk].response = FORMS[form](row, f"mark-{sdk}")

    state.before_send = before_send
    with state.mock.router:
        for sdk in sorted(state.methods):
            row = ROWS.get(sdk)
            if row is None or (form == "model" and row.model is None):
                continue
            target[:] = [sdk]
            route = state.mock.routes[sdk]
            seen = route.call_count
            try:
                raw = await state.call(sdk)
            except Exception as error:  # the form broke the call: report it
                problems.append(f"{sdk}: {type(error).__name__}: {str(error)[:200]}")
                continue
            finally:
                route.response = None
                target.clear()
            problem = _judge(form, sdk, row, raw, route.call_count - seen)
            if problem:
                problems.append(f"{sdk}: {problem}")
    return problems


def _judge(form: str, sdk: str, row: Endpoint, raw: Any, calls: int) -> str | None:
    if calls < 1:
        return "its route was not called"
    response = raw.http_response
    marker = f"mark-{sdk}"
    content_type = response.headers.get("content-type", "")
    if "event-stream" in content_type and form in ("partial", "callable"):
        # a route that always streams: the events carry the object the partial made
        return None if marker in response.read().decode() else "the stream misses the partial"
    if "json" not in content_type:
        if form in ("partial", "callable") and row.model is None:
            return None  # a binary or empty answer: no object for a partial to merge into
        return f"not JSON: {response.headers.get('content-type')}"
    answer = json.loads(response.read())
    if not _expected(form, row)(marker, answer):
        return f"answer does not carry the {form}: {json.dumps(answer)[:200]}"
    return None


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_route_honours_the_response_form(form: str) -> None:
    problems = anyio.run(_walk_form, form)
    assert not problems, f"{len(problems)} routes ignore the {form}:\n  " + "\n  ".join(problems)
