"""What a mocked Assistants run does: the per-test script and each run's progress.

A script is a list of *outcomes*, one per time a run leaves ``in_progress``: tool calls (the
run pauses in ``requires_action``), a reply (an assistant message, ``completed``), a failure or
an expiry. ``polls`` says how many answers each transient status lasts. Scripts and progress
live in ``StateStore.extras`` so that every mock (and every test) has its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .._defaults import new_id
from .._state import StateStore

__all__ = [
    "Expire",
    "Fail",
    "Outcome",
    "Reply",
    "RunPlan",
    "RunScript",
    "ScriptBook",
    "ToolCall",
    "ToolCalls",
    "book",
    "make_script",
    "new_call_id",
]

TRANSIENT = ("queued", "in_progress", "cancelling")
DEFAULT_POLLS: Mapping[str, int] = {"queued": 1, "in_progress": 1, "cancelling": 1}
ErrorCode = Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]

# The messages the API sends with each ``last_error.code``.
_ERROR_MESSAGES: Mapping[str, str] = {
    "server_error": "Sorry, something went wrong.",
    "rate_limit_exceeded": "You exceeded your current quota, please check your plan and billing "
    "details.",
    "invalid_prompt": "Your prompt was flagged as potentially violating our usage policy.",
}


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # JSON text, as the API sends it


@dataclass(frozen=True)
class ToolCalls:
    calls: tuple[ToolCall, ...]


@dataclass(frozen=True)
class Reply:
    text: str


@dataclass(frozen=True)
class Fail:
    code: ErrorCode
    message: str


@dataclass(frozen=True)
class Expire:
    pass


Outcome = ToolCalls | Reply | Fail | Expire


@dataclass(frozen=True)
class RunScript:
    outcomes: tuple[Outcome, ...] = ()
    polls: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_POLLS))

    def outcome(self, stage: int) -> Outcome:
        # Past the script's end a run just completes with an empty reply.
        return self.outcomes[stage] if stage < len(self.outcomes) else Reply("")


@dataclass
class RunPlan:
    """One run's progress through its script."""

    script: RunScript
    stage: int = 0  # outcomes used so far
    remaining: dict[str, int] = field(default_factory=dict)  # answers left per transient status
    tool_step_id: str | None = None  # the step waiting for tool outputs

    def enter(self, status: str) -> None:
        self.remaining[status] = self.script.polls.get(status, DEFAULT_POLLS.get(status, 1))


@dataclass
class ScriptBook:
    """The scripts of one mock (default and per assistant) and every run's plan."""

    default: RunScript = field(default_factory=RunScript)
    by_assistant: dict[str, RunScript] = field(default_factory=dict)
    plans: dict[str, RunPlan] = field(default_factory=dict)

    def start(self, run_id: str, assistant_id: str) -> RunPlan:
        plan = RunPlan(self.by_assistant.get(assistant_id, self.default))
        self.plans[run_id] = plan
        return plan


def book(state: StateStore) -> ScriptBook:
    found = state.extras.get("assistants")
    if not isinstance(found, ScriptBook):
        found = state.extras["assistants"] = ScriptBook()
    return found


def make_script(
    reply: str | None = None,
    *,
    tool_calls: Sequence[Mapping[str, Any]] = (),
    then_reply: str | None = None,
    fail: ErrorCode | Mapping[str, str] | None = None,
    expire: bool = False,
    polls: Mapping[str, int] | None = None,
) -> RunScript:
    """The script the keyword arguments of ``runs.create.script(...)`` describe."""
    outcomes: list[Outcome] = []
    if tool_calls:
        outcomes.append(ToolCalls(tuple(_tool_call(call) for call in tool_calls)))
    if fail is not None:
        outcomes.append(_fail(fail))
    elif expire:
        outcomes.append(Expire())
    else:
        text = then_reply if then_reply is not None and tool_calls else reply
        outcomes.append(Reply(text or ""))
    return RunScript(tuple(outcomes), {**DEFAULT_POLLS, **(polls or {})})


def _tool_call(spec: Mapping[str, Any]) -> ToolCall:
    arguments = spec.get("arguments", {})
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, separators=(",", ":"))
    return ToolCall(str(spec["name"]), text)


def _fail(fail: ErrorCode | Mapping[str, str]) -> Fail:
    if isinstance(fail, str):
        return Fail(fail, _ERROR_MESSAGES.get(fail, "Sorry, something went wrong."))
    code = fail.get("code", "server_error")
    assert code in _ERROR_MESSAGES, f"unknown run error code {code!r}"
    return Fail(code, fail.get("message") or _ERROR_MESSAGES[code])  # type: ignore[arg-type]


def new_call_id() -> str:
    return new_id("call_")
