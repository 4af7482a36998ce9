"""The Assistants (``openai.types.beta``) types, imported on first use.

``openai.types.beta`` imports ~0.4 s of modules; the assistants rows and run lifecycle reach
their types through this module (``beta.Run``), so they load when an Assistants request does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openai.types.beta import Assistant, AssistantDeleted, Thread, ThreadDeleted
    from openai.types.beta.assistant_stream_event import (
        AssistantStreamEvent,
        ThreadCreated,
        ThreadMessageCompleted,
        ThreadMessageCreated,
        ThreadMessageDelta,
        ThreadMessageInProgress,
        ThreadRunCancelled,
        ThreadRunCancelling,
        ThreadRunCompleted,
        ThreadRunCreated,
        ThreadRunExpired,
        ThreadRunFailed,
        ThreadRunInProgress,
        ThreadRunQueued,
        ThreadRunRequiresAction,
        ThreadRunStepCancelled,
        ThreadRunStepCompleted,
        ThreadRunStepCreated,
        ThreadRunStepDelta,
        ThreadRunStepInProgress,
    )
    from openai.types.beta.threads import Message, MessageDeleted, MessageDeltaEvent, Run
    from openai.types.beta.threads.runs import RunStep, RunStepDeltaEvent

__all__ = [
    "Assistant",
    "AssistantDeleted",
    "AssistantStreamEvent",
    "Message",
    "MessageDeleted",
    "MessageDeltaEvent",
    "Run",
    "RunStep",
    "RunStepDeltaEvent",
    "Thread",
    "ThreadCreated",
    "ThreadDeleted",
    "ThreadMessageCompleted",
    "ThreadMessageCreated",
    "ThreadMessageDelta",
    "ThreadMessageInProgress",
    "ThreadRunCancelled",
    "ThreadRunCancelling",
    "ThreadRunCompleted",
    "ThreadRunCreated",
    "ThreadRunExpired",
    "ThreadRunFailed",
    "ThreadRunInProgress",
    "ThreadRunQueued",
    "ThreadRunRequiresAction",
    "ThreadRunStepCancelled",
    "ThreadRunStepCompleted",
    "ThreadRunStepCreated",
    "ThreadRunStepDelta",
    "ThreadRunStepInProgress",
]

# Where each name lives (the rest of ``__all__`` is in the stream event module).
_MODULES = {
    "Assistant": "openai.types.beta",
    "AssistantDeleted": "openai.types.beta",
    "Thread": "openai.types.beta",
    "ThreadDeleted": "openai.types.beta",
    "Message": "openai.types.beta.threads",
    "MessageDeleted": "openai.types.beta.threads",
    "MessageDeltaEvent": "openai.types.beta.threads",
    "Run": "openai.types.beta.threads",
    "RunStep": "openai.types.beta.threads.runs",
    "RunStepDeltaEvent": "openai.types.beta.threads.runs",
}

# The rows name their types for ``Endpoint.model`` / ``Collection.model`` (``_sdk_types``).
ASSISTANT = "beta.assistant:Assistant"
ASSISTANT_DELETED = "beta.assistant_deleted:AssistantDeleted"
THREAD = "beta.thread:Thread"
THREAD_DELETED = "beta.thread_deleted:ThreadDeleted"
MESSAGE = "beta.threads.message:Message"
MESSAGE_DELETED = "beta.threads.message_deleted:MessageDeleted"
RUN = "beta.threads.run:Run"
RUN_STEP = "beta.threads.runs.run_step:RunStep"


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _MODULES.get(name, "openai.types.beta.assistant_stream_event")
    found = getattr(importlib.import_module(module), name)
    globals()[name] = found  # the next read is a plain global
    return found
