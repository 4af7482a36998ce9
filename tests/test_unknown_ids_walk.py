"""Every retrieve answers OpenAI's 404 for an id nobody made: walked over the whole SDK.

For each SDK method whose row retrieves something named in its path, the walk (from
``test_surface_walk``) makes the real parents and asks for an own id nobody made; for a nested
one it also asks under a parent nobody made. Either must be a 404, as the service answers,
never a made-up object. ``SERVICE_MADE`` lists the few the mock cannot know, and why.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
import openai
import pytest

from openai_responses import OpenAIMock
from openai_responses._endpoints import Endpoint
from test_surface_walk import ROWS, Walk, endpoint_methods

UNKNOWN = "unknown-id-0"
# Objects only the service makes (no SDK method creates them) or whose owner the mock does not
# keep: the mock cannot know which ids exist, so it answers a default object for any id (a
# test states one with ``.response``). Keyed by row; the value says why.
SERVICE_MADE = {
    "admin.organization.users.retrieve": "users join by invite: organization users are not kept",
    "admin.organization.projects.api_keys.retrieve": "project API keys are made in the dashboard",
    "beta.agents.sessions.artifacts.retrieve": "an agent session's artifacts come from its runs",
    "beta.agents.sessions.artifacts.content": "an agent session's artifacts come from its runs",
    "beta.agents.sessions.subagents.retrieve": "an agent session's subagents come from its runs",
    "beta.agents.sessions.subagents.turns.retrieve": "turns come from a session's runs",
    "beta.agents.sessions.turns.retrieve": "turns come from a session's runs",
    "beta.chatkit.threads.retrieve": "ChatKit threads are made by the ChatKit front end",
    "evals.runs.output_items.retrieve": "output items come from an eval run's grading",
    "live.sessions.download_recording": "live sessions are opened over a websocket",
    "safety.alerts.retrieve": "safety alerts are raised by the service",
    "safety.cases.retrieve": "safety cases are opened by the service",
}


def _path_params(row: Endpoint) -> list[str]:
    return re.findall(r"\{(\w+)\}", row.path)


def _retrieves(methods: dict[str, Any]) -> list[tuple[str, Endpoint]]:
    return [
        (sdk, row)
        for sdk in sorted(methods)
        if (row := ROWS.get(sdk)) is not None
        and row.kind in ("retrieve", "content")
        and _path_params(row)
        and row.sdk not in SERVICE_MADE
    ]


async def _walk() -> list[str]:
    client = openai.OpenAI(api_key="sk-walk", admin_api_key="sk-admin", max_retries=0)
    state = Walk(client, OpenAIMock(), False)
    state.methods = dict(endpoint_methods(client))
    problems: list[str] = []
    with state.mock.router:
        for sdk, row in _retrieves(state.methods):
            params = _path_params(row)
            cases = [{params[-1]: UNKNOWN}]  # real parents, an own id nobody made
            if len(params) > 1:
                cases.append(dict.fromkeys(params, UNKNOWN))  # under a parent nobody made
            for given in cases:
                problem = await _expect_404(state, sdk, given)
                if problem:
                    problems.append(f"{sdk} {given}: {problem}")
    return problems


async def _expect_404(state: Walk, sdk: str, given: dict[str, str]) -> str | None:
    try:
        await state.call(sdk, **given)
    except openai.NotFoundError:
        return None
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:160]}"
    return "answered 2xx"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_retrieve_answers_404_for_unknown_ids() -> None:
    problems = anyio.run(_walk)
    assert not problems, f"{len(problems)} retrieves make objects up:\n  " + "\n  ".join(problems)
