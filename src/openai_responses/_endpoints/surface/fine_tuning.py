"""Rows for the fine_tuning area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from typing import Any

import httpx

from ..._defaults import new_id, now
from ..._errors import not_found
from ..._params import integer, strings
from .._misses import never
from .._table import Answer, Context
from ._kinds import EMPTY_PAGE, POLL_HEADERS, Lifecycle, json_answer, stored, stored_action
from ._rows import collection, row, rows

collection("fine_tuning_jobs", "fine_tuning.fine_tuning_job:FineTuningJob")
# Permissions hang under a checkpoint's name (not a stored object): linked as "checkpoints".
collection(
    "checkpoint_permissions",
    "fine_tuning.checkpoints.permission_create_response:PermissionCreateResponse",
)


def _checkpoint(ctx: Context) -> dict[str, str]:
    return {"checkpoints": ctx.params["fine_tuned_model_checkpoint"]}


def _permissions_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """One permission per project the request names, answered as a page of them."""
    assert ctx.endpoint.model is not None
    made = []
    for project_id in strings(ctx.body, "project_ids"):
        permission = ctx.endpoint.model.model_validate(
            {
                "id": new_id("cp_"),
                "object": "checkpoint.permission",
                "created_at": now(),
                "project_id": str(project_id),
            }
        )
        ctx.state.put(permission, "checkpoint_permissions", **_checkpoint(ctx))
        made.append(permission.model_dump(mode="json", by_alias=True, exclude_unset=True))
    page = {**EMPTY_PAGE, "data": made, "first_id": None, "last_id": None}
    if made:
        page.update(first_id=made[0]["id"], last_id=made[-1]["id"])
    return page


def _permissions_list(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    checkpoint = ctx.params["fine_tuned_model_checkpoint"]
    listed = ctx.state.page("checkpoint_permissions", ctx.query, checkpoints=checkpoint)
    page: dict[str, Any] = listed.to_json()
    project_id = ctx.query.get("project_id")
    if project_id:
        page["data"] = [p for p in page["data"] if p.get("project_id") == project_id]
    return page


def _permission_delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    permission_id = ctx.params["permission_id"]
    if ctx.state.get("checkpoint_permissions", permission_id, **_checkpoint(ctx)) is None:
        return not_found("permission", permission_id)
    ctx.state.delete("checkpoint_permissions", permission_id)
    return {"id": permission_id, "object": "checkpoint.permission", "deleted": True}


def _job_defaults(ctx: Context) -> dict[str, Any]:
    return {
        "status": "validating_files",
        "fine_tuned_model": None,
        "trained_tokens": None,
        "hyperparameters": {
            "n_epochs": "auto",
            "batch_size": "auto",
            "learning_rate_multiplier": "auto",
        },
        "result_files": [],
        "seed": integer(ctx.body, "seed", 42),
    }


def _succeeded(job: Any, ctx: Context) -> dict[str, Any]:
    suffix = f":{job.user_provided_suffix}" if getattr(job, "user_provided_suffix", None) else ""
    return {
        "fine_tuned_model": f"ft:{job.model}:personal{suffix}:{job.id[-8:]}",
        "trained_tokens": 1000,
    }


# validating_files → queued → running → succeeded, one step per retrieve.
LIFECYCLE = Lifecycle(
    ("validating_files", "queued", "running", "succeeded"),
    stamps={"succeeded": "finished_at"},
    on_done=_succeeded,
)


def _pause(job: Any, ctx: Context) -> dict[str, Any]:
    # The SDK's status Literal has no "paused": the job keeps its status, stops advancing.
    ctx.state.extras.setdefault("fine_tuning_paused", set()).add(job.id)
    return {}


def _resume(job: Any, ctx: Context) -> dict[str, Any]:
    ctx.state.extras.setdefault("fine_tuning_paused", set()).discard(job.id)
    return {}


def _retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    job: Any = stored(ctx)
    if job.__class__.__name__ != "FineTuningJob" or job.id not in ctx.state.extras.get(
        "fine_tuning_paused", ()
    ):
        return LIFECYCLE.retrieve(ctx, partial)
    return json_answer(job, POLL_HEADERS)


def _events(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """One event per status the job has reached, newest first as the API lists them."""
    job: Any = stored(ctx)
    if isinstance(job, httpx.Response):
        return job
    reached = (
        LIFECYCLE.statuses[: LIFECYCLE.statuses.index(job.status) + 1]
        if job.status in LIFECYCLE.statuses
        else (job.status,)
    )
    events = [
        {
            "id": f"ftevent-{job.id[-8:]}{i}",
            "object": "fine_tuning.job.event",
            "created_at": job.created_at + i,
            "level": "info",
            "type": "message",
            "message": f"Job {status}",
        }
        for i, status in enumerate(reached)
    ]
    return {"object": "list", "data": events[::-1], "has_more": False}


def _checkpoints(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    job: Any = stored(ctx)
    if isinstance(job, httpx.Response):
        return job
    data = []
    if job.fine_tuned_model:
        metrics = {"step": 1, "train_loss": 0.1}
        data.append(
            {
                "id": new_id("ftckpt_"),
                "object": "fine_tuning.job.checkpoint",
                "created_at": job.created_at,
                "fine_tuning_job_id": job.id,
                "step_number": 1,
                "fine_tuned_model_checkpoint": f"{job.fine_tuned_model}:ckpt-step-1",
                "metrics": metrics,
            }
        )
    return {"object": "list", "data": data, "has_more": False}


ENDPOINTS = rows(
    row(
        "fine_tuning.alpha.graders.run",
        "POST",
        "/fine_tuning/alpha/graders/run",
        "action",
        "fine_tuning.alpha.grader_run_response:GraderRunResponse",
    ),
    row(
        "fine_tuning.alpha.graders.validate",
        "POST",
        "/fine_tuning/alpha/graders/validate",
        "action",
        "fine_tuning.alpha.grader_validate_response:GraderValidateResponse",
    ),
    row(
        "fine_tuning.checkpoints.permissions.create",
        "POST",
        "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions",
        "action",
        "fine_tuning.checkpoints.permission_create_response:PermissionCreateResponse",
        handler=_permissions_create,
    ),
    row(
        "fine_tuning.checkpoints.permissions.delete",
        "DELETE",
        "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}",
        "delete",
        "fine_tuning.checkpoints.permission_delete_response:PermissionDeleteResponse",
        "checkpoint_permissions",
        noun="permission",
        handler=_permission_delete,
    ),
    row(
        "fine_tuning.checkpoints.permissions.list",
        "GET",
        "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions",
        "list",
        "fine_tuning.checkpoints.permission_list_response:PermissionListResponse",
        handler=_permissions_list,
        aliases=("fine_tuning.checkpoints.permissions.retrieve",),
    ),
    row(
        "fine_tuning.jobs.cancel",
        "POST",
        "/fine_tuning/jobs/{fine_tuning_job_id}/cancel",
        "action",
        "fine_tuning.fine_tuning_job:FineTuningJob",
        "fine_tuning_jobs",
        noun="job",
        handler=stored_action({"status": "cancelled"}),
    ),
    row(
        "fine_tuning.jobs.checkpoints.list",
        "GET",
        "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints",
        "list",
        "fine_tuning.jobs.fine_tuning_job_checkpoint:FineTuningJobCheckpoint",
        "fine_tuning_jobs",
        noun="job",
        handler=_checkpoints,
        state_answers=never,  # made up from the job's status, not recorded
    ),
    row(
        "fine_tuning.jobs.create",
        "POST",
        "/fine_tuning/jobs",
        "create",
        "fine_tuning.fine_tuning_job:FineTuningJob",
        "fine_tuning_jobs",
        noun="job",
        id_prefix="ftjob-",
        defaults=_job_defaults,
    ),
    row(
        "fine_tuning.jobs.list",
        "GET",
        "/fine_tuning/jobs",
        "list",
        "fine_tuning.fine_tuning_job:FineTuningJob",
        "fine_tuning_jobs",
        noun="job",
    ),
    row(
        "fine_tuning.jobs.list_events",
        "GET",
        "/fine_tuning/jobs/{fine_tuning_job_id}/events",
        "list",
        "fine_tuning.fine_tuning_job_event:FineTuningJobEvent",
        "fine_tuning_jobs",
        noun="job",
        handler=_events,
        state_answers=never,  # made up from the job's status, not recorded
    ),
    row(
        "fine_tuning.jobs.pause",
        "POST",
        "/fine_tuning/jobs/{fine_tuning_job_id}/pause",
        "action",
        "fine_tuning.fine_tuning_job:FineTuningJob",
        "fine_tuning_jobs",
        noun="job",
        handler=stored_action(_pause),
    ),
    row(
        "fine_tuning.jobs.resume",
        "POST",
        "/fine_tuning/jobs/{fine_tuning_job_id}/resume",
        "action",
        "fine_tuning.fine_tuning_job:FineTuningJob",
        "fine_tuning_jobs",
        noun="job",
        handler=stored_action(_resume),
    ),
    row(
        "fine_tuning.jobs.retrieve",
        "GET",
        "/fine_tuning/jobs/{fine_tuning_job_id}",
        "retrieve",
        "fine_tuning.fine_tuning_job:FineTuningJob",
        "fine_tuning_jobs",
        noun="job",
        handler=_retrieve,
    ),
)
