"""Uploads: create (pending) → parts (bytes kept) → complete (a File of the joined parts) | cancel.

There is no retrieve endpoint, but uploads are stored so parts and completion can check them
(404 for an unknown upload, 400 for a part added after completion or cancellation).
"""

from __future__ import annotations

from typing import Any

import httpx

from ..._defaults import new_id, now
from ..._errors import bad_request, not_found
from ..._handlers import build_object
from .._table import Answer, Context
from ._kinds import apply
from ._rows import collection, row, rows

collection("uploads", "upload:Upload")
collection("upload_parts", "uploads.upload_part:UploadPart", parent="uploads")

UPLOAD = "upload:Upload"


def _create_defaults(ctx: Context) -> dict[str, Any]:
    return {"status": "pending", "expires_at": now() + 3600, "file": None}


def _pending(ctx: Context) -> Any:
    upload_id = ctx.params["upload_id"]
    upload: Any = ctx.state.get("uploads", upload_id)
    if upload is None:
        return not_found("upload", upload_id)
    if upload.status == "pending":
        return upload
    return bad_request(f"Upload {upload.id} is already {upload.status}.", param="upload_id")


def _part(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    upload = _pending(ctx)
    if isinstance(upload, httpx.Response):
        return upload
    data = ctx.form.files.get("data") if ctx.form else None
    if data is None:
        return bad_request("Missing required parameter: 'data'.", param="data")
    part = build_object(ctx, {"id": new_id("part_"), "upload_id": upload.id, **(partial or {})})
    ctx.state.put(part, "upload_parts", uploads=upload.id)
    ctx.state.put_content("upload_parts", str(getattr(part, "id", "")), data.content)
    return part


def _complete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    from openai.types import FileObject

    upload = _pending(ctx)
    if isinstance(upload, httpx.Response):
        return upload
    part_ids = [str(p) for p in ctx.body.get("part_ids") or []]
    chunks = [ctx.state.content("upload_parts", p) for p in part_ids]
    if any(c is None for c in chunks):
        return not_found("upload part", part_ids[chunks.index(None)])
    content = b"".join(c for c in chunks if c is not None)
    file = FileObject(
        id=new_id("file-"),
        object="file",
        bytes=len(content),
        created_at=now(),
        filename=upload.filename,
        purpose=upload.purpose,
        status="processed",
    )
    ctx.state.put(file, "files")
    ctx.state.put_content("files", file.id, content)
    changes = {
        "status": "completed",
        "bytes": len(content),
        "file": file.model_dump(mode="json", exclude_unset=True),
    }
    return apply(ctx, upload, {**changes, **(partial or {})})


def _cancel(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    upload = _pending(ctx)
    if isinstance(upload, httpx.Response):
        return upload
    return apply(ctx, upload, {"status": "cancelled", **(partial or {})})


ENDPOINTS = rows(
    row(
        "uploads.create",
        "POST",
        "/uploads",
        "create",
        UPLOAD,
        "uploads",
        noun="upload",
        id_prefix="upload_",
        required=("bytes", "filename", "mime_type", "purpose"),
        defaults=_create_defaults,
    ),
    row(
        "uploads.parts.create",
        "POST",
        "/uploads/{upload_id}/parts",
        "create",
        "uploads.upload_part:UploadPart",
        "upload_parts",
        noun="upload part",
        parents=(("upload_id", "uploads"),),
        handler=_part,
    ),
    row(
        "uploads.complete",
        "POST",
        "/uploads/{upload_id}/complete",
        "action",
        UPLOAD,
        "uploads",
        noun="upload",
        handler=_complete,
    ),
    row(
        "uploads.cancel",
        "POST",
        "/uploads/{upload_id}/cancel",
        "action",
        UPLOAD,
        "uploads",
        noun="upload",
        handler=_cancel,
    ),
)
