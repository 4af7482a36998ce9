"""The run lifecycle: queued → in_progress → completed | requires_action | failed | expired,
and cancelling → cancelled, one transition at a time.

Polled runs move when a retrieve finds their current status used up (``RunPlan.remaining``);
streamed runs move straight to their next pause. Both go through the same transitions, which
write messages and run steps into the StateStore and say what a stream would emit on the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from .._defaults import new_id, now
from .._state import StateStore
from ..streaming import (
    Event,
    EventStream,
    _pieces,  # the same token-like splitting the other streams use
)
from . import _beta as beta
from ._assistants_script import (
    TRANSIENT,
    Expire,
    Fail,
    Reply,
    RunPlan,
    ToolCall,
    ToolCalls,
    book,
    new_call_id,
)

__all__ = ["RunDriver", "RunEvents", "revise"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def revise(obj: ModelT, **changes: Any) -> ModelT:
    """A validated copy of ``obj`` with ``changes`` (JSON-shaped values allowed)."""
    data = obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return type(obj).model_validate({**data, **changes})


class RunDriver:
    """Moves one stored run through its plan; ``events`` is what a stream would have sent."""

    def __init__(self, state: StateStore, run: beta.Run, plan: RunPlan) -> None:
        self.state = state
        self.run = run
        self.plan = plan
        self.events: list[beta.AssistantStreamEvent] = []

    @classmethod
    def of(cls, state: StateStore, run: beta.Run) -> RunDriver | None:
        """The driver of a run this mock created; None for runs it only stores (seeded)."""
        plan = book(state).plans.get(run.id)
        return cls(state, run, plan) if plan is not None else None

    # -- driving ---------------------------------------------------------------------------
    def answer(self) -> beta.Run:
        """The run as one more poll sees it: move on once the current status is used up."""
        while self.run.status in TRANSIENT and self.plan.remaining.get(self.run.status, 0) <= 0:
            self.advance()
        if self.run.status in TRANSIENT:
            self.plan.remaining[self.run.status] -= 1
        return self._save()

    def finish(self) -> beta.Run:
        """Run to the next pause or end, ignoring poll counts (a stream does not poll)."""
        while self.run.status in TRANSIENT:
            self.advance()
        return self._save()

    def advance(self) -> None:
        status = self.run.status
        if status == "queued":
            self._set(beta.ThreadRunInProgress, "in_progress", started_at=now())
        elif status == "in_progress":
            self._conclude()
        elif status == "cancelling":
            self._cancelled()

    # -- actions from the API --------------------------------------------------------------
    def queue(self, created_event: bool = True) -> None:
        """A new (or resumed) run: status queued, its poll count reset."""
        if created_event:
            self.events.append(beta.ThreadRunCreated(event="thread.run.created", data=self.run))
        self._set(beta.ThreadRunQueued, "queued")

    def submit(self, outputs: dict[str, str]) -> None:
        """Tool outputs arrived: the waiting step completes and the run is queued again."""
        step = self._tool_step()
        if step is not None:
            details = step.step_details.model_dump(mode="json", exclude_unset=True)
            for call in details.get("tool_calls", []):
                call.setdefault("function", {})["output"] = outputs.get(call.get("id"), "")
            step = revise(step, status="completed", completed_at=now(), step_details=details)
            self.state.put(step, "run_steps")
            self.events.append(
                beta.ThreadRunStepCompleted(event="thread.run.step.completed", data=step)
            )
        self.plan.tool_step_id = None
        self.run = revise(self.run, required_action=None)
        self.queue(created_event=False)

    def cancel(self) -> None:
        self._set(beta.ThreadRunCancelling, "cancelling", required_action=None)

    # -- transitions -----------------------------------------------------------------------
    def _set(self, event: type[Any], status: str, **changes: Any) -> None:
        self.run = revise(self.run, status=status, **changes)
        if status in TRANSIENT:
            self.plan.enter(status)
        # Run events are named after the status they announce: thread.run.<status>.
        self.events.append(event(event=f"thread.run.{status}", data=self.run))

    def _conclude(self) -> None:
        outcome = self.plan.script.outcome(self.plan.stage)
        self.plan.stage += 1
        if isinstance(outcome, ToolCalls):
            self._require_action(outcome.calls)
        elif isinstance(outcome, Reply):
            self._reply(outcome.text)
        elif isinstance(outcome, Fail):
            error = {"code": outcome.code, "message": outcome.message}
            self._set(beta.ThreadRunFailed, "failed", failed_at=now(), last_error=error)
        elif isinstance(outcome, Expire):
            self._set(beta.ThreadRunExpired, "expired", expires_at=now())

    def _cancelled(self) -> None:
        step = self._tool_step()
        if step is not None:
            step = revise(step, status="cancelled", cancelled_at=now())
            self.state.put(step, "run_steps")
            self.events.append(
                beta.ThreadRunStepCancelled(event="thread.run.step.cancelled", data=step)
            )
        self._set(beta.ThreadRunCancelled, "cancelled", cancelled_at=now())

    def _require_action(self, calls: tuple[ToolCall, ...]) -> None:
        ids = [new_call_id() for _ in calls]
        functions = [{"name": c.name, "arguments": c.arguments} for c in calls]
        step = self._new_step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        self.events += [
            beta.ThreadRunStepCreated(event="thread.run.step.created", data=step),
            beta.ThreadRunStepInProgress(event="thread.run.step.in_progress", data=step),
        ]
        for index, (call_id, call) in enumerate(zip(ids, calls, strict=True)):
            self.events += _tool_call_deltas(step.id, index, call_id, call)
        tool_calls = [
            {"id": i, "type": "function", "function": {**f, "output": None}}
            for i, f in zip(ids, functions, strict=True)
        ]
        step = revise(step, step_details={"type": "tool_calls", "tool_calls": tool_calls})
        self.state.put(step, "run_steps")
        self.plan.tool_step_id = step.id
        required = [
            {"id": i, "type": "function", "function": f}
            for i, f in zip(ids, functions, strict=True)
        ]
        action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": required}}
        self._set(beta.ThreadRunRequiresAction, "requires_action", required_action=action)

    def _reply(self, text: str) -> None:
        message = self._new_message()
        details = {"type": "message_creation", "message_creation": {"message_id": message.id}}
        step = self._new_step("message_creation", details)
        self.events += [
            beta.ThreadRunStepCreated(event="thread.run.step.created", data=step),
            beta.ThreadRunStepInProgress(event="thread.run.step.in_progress", data=step),
            beta.ThreadMessageCreated(event="thread.message.created", data=message),
            beta.ThreadMessageInProgress(event="thread.message.in_progress", data=message),
            *_text_deltas(message.id, text),
        ]
        usage = self._usage(text)
        message = revise(message, status="completed", completed_at=now(), content=_text(text))
        step = revise(step, status="completed", completed_at=now(), usage=usage)
        self.state.put(message, "messages")
        self.state.put(step, "run_steps")
        self.events += [
            beta.ThreadMessageCompleted(event="thread.message.completed", data=message),
            beta.ThreadRunStepCompleted(event="thread.run.step.completed", data=step),
        ]
        self._set(beta.ThreadRunCompleted, "completed", completed_at=now(), usage=usage)

    # -- building blocks -------------------------------------------------------------------
    def _new_step(self, kind: str, details: dict[str, Any]) -> beta.RunStep:
        step = beta.RunStep.model_validate(
            {
                **self._owner_fields(),
                "id": new_id("step_"),
                "object": "thread.run.step",
                "created_at": now(),
                "run_id": self.run.id,
                "type": kind,
                "status": "in_progress",
                "step_details": details,
                "usage": None,
            }
        )
        self.state.put(step, "run_steps", threads=self.run.thread_id, runs=self.run.id)
        return step

    def _new_message(self) -> beta.Message:
        message = beta.Message.model_validate(
            {
                **self._owner_fields(),
                "id": new_id("msg_"),
                "object": "thread.message",
                "created_at": now(),
                "run_id": self.run.id,
                "role": "assistant",
                "status": "in_progress",
                "content": [],
                "attachments": [],
                "metadata": {},
                "completed_at": None,
                "incomplete_at": None,
                "incomplete_details": None,
            }
        )
        self.state.put(message, "messages")
        return message

    def _owner_fields(self) -> dict[str, Any]:
        return {"assistant_id": self.run.assistant_id, "thread_id": self.run.thread_id}

    def _tool_step(self) -> beta.RunStep | None:
        step_id = self.plan.tool_step_id
        found = self.state.get("run_steps", step_id) if step_id else None
        return found if isinstance(found, beta.RunStep) else None

    def _usage(self, reply: str) -> dict[str, int]:
        from .core import estimate_tokens

        thread = self.state.all("messages", threads=self.run.thread_id)
        prompt = estimate_tokens([m.model_dump(mode="json")["content"] for m in thread])
        completion = estimate_tokens(reply) if reply else 0
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _save(self) -> beta.Run:
        self.state.put(self.run, "runs")
        return self.run


def _text(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"value": text, "annotations": []}}]


def _text_deltas(message_id: str, text: str) -> list[beta.ThreadMessageDelta]:
    deltas = []
    for n, piece in enumerate(_pieces(text)):
        # The first fragment opens the content block, so it carries the empty annotations.
        value: dict[str, Any] = {"value": piece, **({"annotations": []} if n == 0 else {})}
        content = [{"index": 0, "type": "text", "text": value}]
        data = {"id": message_id, "object": "thread.message.delta", "delta": {"content": content}}
        deltas.append(
            beta.ThreadMessageDelta(
                event="thread.message.delta", data=beta.MessageDeltaEvent.model_validate(data)
            )
        )
    return deltas


def _tool_call_deltas(
    step_id: str, index: int, call_id: str, call: ToolCall
) -> list[beta.ThreadRunStepDelta]:
    opening = {"index": index, "id": call_id, "type": "function"}
    fragments: list[dict[str, Any]] = [
        {**opening, "function": {"name": call.name, "arguments": "", "output": None}},
        *(
            {"index": index, "type": "function", "function": {"arguments": piece}}
            for piece in _pieces(call.arguments)
        ),
    ]
    return [
        beta.ThreadRunStepDelta(
            event="thread.run.step.delta",
            data=beta.RunStepDeltaEvent.model_validate(
                {
                    "id": step_id,
                    "object": "thread.run.step.delta",
                    "delta": {"step_details": {"type": "tool_calls", "tool_calls": [fragment]}},
                }
            ),
        )
        for fragment in fragments
    ]


class RunEvents(EventStream["beta.AssistantStreamEvent | Event"]):
    """A streamed run's ``thread.*`` events, ended by the API's named ``done`` event."""

    terminator = None  # the Assistants API ends with a named ``done`` event instead

    def __init__(self, events: list[beta.AssistantStreamEvent]) -> None:
        self._events = events

    def generate(self) -> Iterator[beta.AssistantStreamEvent | Event]:  # type: ignore[override]
        yield from self._events
        yield self.event("done", "[DONE]")
