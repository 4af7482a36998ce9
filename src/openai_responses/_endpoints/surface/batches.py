"""Batches: validating → in_progress → finalizing → completed, one step per retrieve.

On completion the mock answers every line of the input file through the endpoint table (the
same rows that answer the line's endpoint directly) and stores the results as the batch's
output file; lines the table answers with an error go to an error file instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from ..._defaults import new_id, now
from ..._errors import InvalidRequest, not_found
from .._table import Answer, Context
from ._kinds import Lifecycle, stored_action
from ._rows import collection, row, rows

collection("batches", "batch:Batch")

BATCH_SPEC = "batch:Batch"


def _create_defaults(ctx: Context) -> dict[str, Any]:
    return {
        "status": "validating",
        "input_file_id": ctx.body.get("input_file_id", ""),
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
    }


def _create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    from ..._handlers import build_object

    file_id = str(ctx.body.get("input_file_id", ""))
    if ctx.state.get("files", file_id) is None:
        return not_found("file", file_id)
    obj = build_object(ctx, partial)
    ctx.state.put(obj, "batches")
    return obj


def _finish(batch: Any, ctx: Context) -> dict[str, Any]:
    content = ctx.state.content("files", batch.input_file_id) or b""
    requests, problems = _parse_lines(content)
    if problems:  # the API validates the whole file first: the batch fails, nothing runs
        return {
            "status": "failed",
            "failed_at": now(),
            "errors": {"object": "list", "data": problems},
        }
    outputs, errors = [], []
    for request in requests:
        status, body = answer_line(ctx, request)
        result = {"id": new_id("batch_req_"), "custom_id": request.get("custom_id")}
        if status < 400:
            outputs.append({**result, "response": _response(status, body), "error": None})
        else:
            errors.append({**result, "response": _response(status, body), "error": None})
    done: dict[str, Any] = {
        "request_counts": {
            "total": len(outputs) + len(errors),
            "completed": len(outputs),
            "failed": len(errors),
        },
        "completed_at": now(),
        "output_file_id": _file(ctx, batch.id, "output", outputs),
    }
    if errors:
        done["error_file_id"] = _file(ctx, batch.id, "error", errors)
    return done


def _parse_lines(content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The input file's requests, and the lines the API would refuse (as its batch errors)."""
    requests, problems = [], []
    lines = content.decode("utf-8", "replace").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except (ValueError, RecursionError):
            request = None
        if isinstance(request, dict):
            requests.append(request)
        else:
            message = "This line is not parseable as a valid JSON object."
            problems.append({"code": "invalid_json_line", "message": message, "line": number})
    return requests, problems


def _response(status: int, body: Any) -> dict[str, Any]:
    return {"status_code": status, "request_id": new_id("req_"), "body": body}


def answer_line(ctx: Context, line: dict[str, Any]) -> tuple[int, Any]:
    """Answer one batch input line as the table answers that endpoint."""
    from ..._handlers import handle
    from ..._pipeline import render
    from .. import ENDPOINTS

    method = str(line.get("method", "POST")).upper()
    path = str(line.get("url", "")).removeprefix("/v1")
    for endpoint in ENDPOINTS:
        match = re.fullmatch(endpoint.path_regex, path)
        if endpoint.method == method and match:
            request = httpx.Request(
                method, f"https://api.openai.com/v1{path}", json=line.get("body") or {}
            )
            line_ctx = Context(request, match.groupdict(), ctx.state, endpoint)
            try:
                response = render(line_ctx, handle(line_ctx, None))
            except InvalidRequest as error:  # one bad line fails alone, as in the API
                response = error.response()
            return response.status_code, json.loads(response.content or b"null")
    return 404, {
        "error": {
            "message": f"Unsupported batch url {path}",
            "type": "invalid_request_error",
            "param": "url",
            "code": None,
        }
    }


def _file(ctx: Context, batch_id: str, kind: str, lines: list[dict[str, Any]]) -> str:
    from openai.types import FileObject

    content = "".join(json.dumps(line) + "\n" for line in lines).encode()
    file = FileObject(
        id=new_id("file-"),
        object="file",
        bytes=len(content),
        created_at=now(),
        filename=f"batch_{batch_id}_{kind}.jsonl",
        purpose="batch_output",
        status="processed",
    )
    ctx.state.put(file, "files")
    ctx.state.put_content("files", file.id, content)
    return file.id


LIFECYCLE = Lifecycle(
    ("validating", "in_progress", "finalizing", "completed"),
    stamps={"in_progress": "in_progress_at", "finalizing": "finalizing_at"},
    on_done=_finish,
)


def _cancel(batch: Any, ctx: Context) -> dict[str, Any]:
    return {"status": "cancelling", "cancelling_at": now()}


ENDPOINTS = rows(
    row(
        "batches.create",
        "POST",
        "/batches",
        "create",
        BATCH_SPEC,
        "batches",
        noun="batch",
        id_prefix="batch_",
        required=("input_file_id", "endpoint", "completion_window"),
        defaults=_create_defaults,
        handler=_create,
    ),
    row(
        "batches.retrieve",
        "GET",
        "/batches/{batch_id}",
        "retrieve",
        BATCH_SPEC,
        "batches",
        noun="batch",
        handler=LIFECYCLE.retrieve,
    ),
    row("batches.list", "GET", "/batches", "list", BATCH_SPEC, "batches", noun="batch"),
    row(
        "batches.cancel",
        "POST",
        "/batches/{batch_id}/cancel",
        "action",
        BATCH_SPEC,
        "batches",
        noun="batch",
        handler=stored_action(_cancel),
    ),
)
