"""Vector stores, their files (id = the file's id) and file batches, with processing lifecycles.

A vector store file or batch is ``in_progress`` when created and ``completed`` on the next
retrieve, which is what ``create_and_poll`` / ``upload_and_poll`` wait for; retrieves carry
``openai-poll-after-ms: 0`` so those helpers never sleep.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from ..._defaults import new_id, now
from ..._errors import not_found
from ..._handlers import build_object, updated
from ..._params import integer, objects, strings
from ..._state import StateStore
from .._table import Answer, Context
from ._kinds import Lifecycle, apply, stored
from ._rows import collection, row, rows

collection("vector_stores", "vector_store:VectorStore")
collection(
    "vector_store_file_batches",
    "vector_stores.vector_store_file_batch:VectorStoreFileBatch",
    parent="vector_stores",
)
collection(
    "vector_store_files", "vector_stores.vector_store_file:VectorStoreFile", parent="vector_stores"
)

PROCESSING = Lifecycle(("in_progress", "completed"))
VS = (("vector_store_id", "vector_stores"),)


def _store_defaults(ctx: Context | None) -> dict[str, Any]:
    return {
        "status": "completed",
        "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0},
        "usage_bytes": 0,
    }


def _file_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    file_id = str(ctx.body.get("file_id", ""))
    upload = ctx.state.get("files", file_id)
    if upload is None:
        return not_found("file", file_id)
    defaults = {
        "id": file_id,
        "status": "in_progress",
        "usage_bytes": getattr(upload, "bytes", 0),
        "last_error": None,
    }
    obj = build_object(ctx, {**defaults, **(partial or {})})
    ctx.state.put(obj, "vector_store_files", **ctx.parent_links)
    return obj


def _batch_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    ids = strings(ctx.body, "file_ids") + [
        str(f.get("file_id")) for f in objects(ctx.body, "files")
    ]
    missing = [i for i in ids if ctx.state.get("files", i) is None]
    if missing:
        return not_found("file", missing[0])
    batch_id = new_id("vsfb_")
    for file_id in ids:
        _put_batch_file(ctx, file_id, batch_id)
    counts = {"in_progress": len(ids), "completed": 0, "failed": 0, "cancelled": 0}
    data = {"id": batch_id, "status": "in_progress", "file_counts": {**counts, "total": len(ids)}}
    obj = build_object(ctx, {**data, **(partial or {})})
    ctx.state.put(obj, "vector_store_file_batches", **ctx.parent_links)
    return obj


def _put_batch_file(ctx: Context, file_id: str, batch_id: str) -> None:
    attach(ctx.state, ctx.params["vector_store_id"], file_id)
    ctx.state.extras.setdefault("vector_store_batch_files", {})[file_id] = batch_id


def attach(state: StateStore, store_id: str, file_id: str) -> BaseModel:
    """A processed vector store file for an uploaded file (its id is the file's id)."""
    from openai.types.vector_stores import VectorStoreFile

    upload = state.get("files", file_id)
    vs_file = VectorStoreFile(
        id=file_id,
        object="vector_store.file",
        created_at=now(),
        vector_store_id=store_id,
        status="completed",
        usage_bytes=getattr(upload, "bytes", 0),
        last_error=None,
    )
    state.put(vs_file, "vector_store_files", vector_stores=store_id)
    return vs_file


def unknown_file(state: StateStore, file_ids: list[str]) -> httpx.Response | None:
    missing = [i for i in file_ids if state.get("files", i) is None]
    return not_found("file", missing[0]) if missing else None


def _counts(done: int) -> dict[str, int]:
    return {"in_progress": 0, "completed": done, "failed": 0, "cancelled": 0, "total": done}


def new_vector_store(state: StateStore, file_ids: list[str], **fields: Any) -> BaseModel:
    """A vector store for the ``tool_resources.file_search.vector_stores`` helper of
    assistants and threads, made as ``vector_stores.create(file_ids=...)`` makes one."""
    from openai.types import VectorStore

    data = {
        "id": new_id("vs_"),
        "object": "vector_store",
        "created_at": now(),
        "name": "",
        "last_active_at": None,
        "metadata": {},
        **_store_defaults(None),
        **fields,
    }
    return with_files(state, VectorStore.model_validate(data), file_ids)


def with_files(state: StateStore, store: BaseModel, file_ids: list[str]) -> BaseModel:
    """``store`` kept with ``file_ids`` attached: processed, counted in ``file_counts`` and
    ``usage_bytes``, as the service answers a store created with files."""
    store_id = str(getattr(store, "id", ""))
    files = [attach(state, store_id, file_id) for file_id in file_ids]
    if files:
        usage = sum(int(getattr(f, "usage_bytes", 0) or 0) for f in files)
        store = updated(store, {"file_counts": _counts(len(files)), "usage_bytes": usage})
    state.put(store, "vector_stores")
    return store


def _store_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    file_ids = strings(ctx.body, "file_ids")
    problem = unknown_file(ctx.state, file_ids)
    if problem is not None:
        return problem
    return with_files(ctx.state, build_object(ctx, partial), file_ids)


def resolve_tool_resources(state: StateStore, resources: Any) -> Any:
    """``tool_resources`` as the service answers it: each ``file_search.vector_stores`` entry
    (``{"file_ids": [...]}``) becomes a new vector store, its id in ``vector_store_ids``."""
    search = resources.get("file_search") if isinstance(resources, dict) else None
    if not isinstance(search, dict) or "vector_stores" not in search:
        return resources
    specs = [s for s in search.get("vector_stores") or [] if isinstance(s, dict)]
    made = [
        new_vector_store(
            state,
            [str(i) for i in spec.get("file_ids") or []],
            metadata=spec.get("metadata") or {},
        )
        for spec in specs
    ]
    ids = [*(search.get("vector_store_ids") or []), *(str(getattr(m, "id", "")) for m in made)]
    rest = {k: v for k, v in search.items() if k != "vector_stores"}
    return {**resources, "file_search": {**rest, "vector_store_ids": ids}}


def tool_resources_files(resources: Any) -> list[str]:
    """The file ids ``tool_resources.file_search.vector_stores`` names (to check they exist)."""
    search = resources.get("file_search") if isinstance(resources, dict) else None
    specs = search.get("vector_stores") if isinstance(search, dict) else None
    if not isinstance(specs, list):
        return []
    return [str(i) for spec in specs if isinstance(spec, dict) for i in strings(spec, "file_ids")]


def _batch_done(obj: Any, ctx: Context) -> dict[str, Any]:
    total = obj.file_counts.total
    counts = {"in_progress": 0, "completed": total, "failed": 0, "cancelled": 0, "total": total}
    return {"file_counts": counts}


BATCH_PROCESSING = Lifecycle(("in_progress", "completed"), on_done=_batch_done)


def _batch_cancel(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = stored(ctx)
    if isinstance(obj, httpx.Response):
        return obj
    return apply(ctx, obj, {"status": "cancelled", **(partial or {})})


def _batch_files(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    batch = ctx.params["batch_id"]
    if ctx.state.get("vector_store_file_batches", batch) is None:
        return not_found("vector store file batch", batch)
    members = ctx.state.extras.get("vector_store_batch_files", {})
    page = ctx.state.page(
        "vector_store_files",
        ctx.query,
        where=lambda f: members.get(str(getattr(f, "id", ""))) == batch,
        vector_stores=ctx.params["vector_store_id"],
    )
    listing: dict[str, Any] = page.to_json()
    return listing


def _file_content(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """The file's text as the parsed-content page the API returns."""
    file_id = ctx.params["file_id"]
    if ctx.state.get("vector_store_files", file_id) is None:
        return not_found("vector store file", file_id)
    content = ctx.state.content("files", file_id) or b""
    text = content.decode("utf-8", "replace")
    return {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": text}],
        "has_more": False,
        "next_page": None,
    }


def _search(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """Every file of the store whose text contains the query's words, scored by overlap."""
    query = ctx.body.get("query")
    words = {
        w.lower()
        for w in (query if isinstance(query, str) else " ".join(strings(ctx.body, "query"))).split()
    }
    results: list[dict[str, Any]] = []
    for vs_file in ctx.state.all("vector_store_files", vector_stores=ctx.params["vector_store_id"]):
        file_id = str(getattr(vs_file, "id", ""))
        text = (ctx.state.content("files", file_id) or b"").decode("utf-8", "replace")
        hits = sum(1 for w in words if w in text.lower())
        if hits:
            upload = ctx.state.get("files", file_id)
            results.append(
                {
                    "file_id": file_id,
                    "filename": getattr(upload, "filename", ""),
                    "score": hits / max(1, len(words)),
                    "attributes": {},
                    "content": [{"type": "text", "text": text}],
                }
            )
    results.sort(key=lambda r: -float(r["score"]))
    limit = integer(ctx.body, "max_num_results", 10, minimum=1, maximum=50)
    return {
        "object": "vector_store.search_results.page",
        "search_query": query,
        "data": results[:limit],
        "has_more": False,
        "next_page": None,
    }


ENDPOINTS = rows(
    row(
        "vector_stores.create",
        "POST",
        "/vector_stores",
        "create",
        "vector_store:VectorStore",
        "vector_stores",
        noun="vector store",
        id_prefix="vs_",
        defaults=_store_defaults,
        handler=_store_create,
    ),
    row(
        "vector_stores.retrieve",
        "GET",
        "/vector_stores/{vector_store_id}",
        "retrieve",
        "vector_store:VectorStore",
        "vector_stores",
        noun="vector store",
    ),
    row(
        "vector_stores.update",
        "POST",
        "/vector_stores/{vector_store_id}",
        "update",
        "vector_store:VectorStore",
        "vector_stores",
        noun="vector store",
    ),
    row(
        "vector_stores.list",
        "GET",
        "/vector_stores",
        "list",
        "vector_store:VectorStore",
        "vector_stores",
        noun="vector store",
    ),
    row(
        "vector_stores.delete",
        "DELETE",
        "/vector_stores/{vector_store_id}",
        "delete",
        "vector_store_deleted:VectorStoreDeleted",
        "vector_stores",
        noun="vector store",
    ),
    row(
        "vector_stores.search",
        "POST",
        "/vector_stores/{vector_store_id}/search",
        "action",
        "vector_store_search_response:VectorStoreSearchResponse",
        handler=_search,
    ),
    row(
        "vector_stores.files.create",
        "POST",
        "/vector_stores/{vector_store_id}/files",
        "create",
        "vector_stores.vector_store_file:VectorStoreFile",
        "vector_store_files",
        noun="file",
        parents=VS,
        handler=_file_create,
    ),
    row(
        "vector_stores.files.retrieve",
        "GET",
        "/vector_stores/{vector_store_id}/files/{file_id}",
        "retrieve",
        "vector_stores.vector_store_file:VectorStoreFile",
        "vector_store_files",
        noun="file",
        parents=VS,
        handler=PROCESSING.retrieve,
    ),
    row(
        "vector_stores.files.update",
        "POST",
        "/vector_stores/{vector_store_id}/files/{file_id}",
        "update",
        "vector_stores.vector_store_file:VectorStoreFile",
        "vector_store_files",
        noun="file",
        parents=VS,
    ),
    row(
        "vector_stores.files.list",
        "GET",
        "/vector_stores/{vector_store_id}/files",
        "list",
        "vector_stores.vector_store_file:VectorStoreFile",
        "vector_store_files",
        noun="file",
        parents=VS,
    ),
    row(
        "vector_stores.files.delete",
        "DELETE",
        "/vector_stores/{vector_store_id}/files/{file_id}",
        "delete",
        "vector_stores.vector_store_file_deleted:VectorStoreFileDeleted",
        "vector_store_files",
        noun="file",
        parents=VS,
    ),
    row(
        "vector_stores.files.content",
        "GET",
        "/vector_stores/{vector_store_id}/files/{file_id}/content",
        "content",
        "vector_stores.file_content_response:FileContentResponse",
        "vector_store_files",
        noun="file",
        parents=VS,
        handler=_file_content,
    ),
    row(
        "vector_stores.file_batches.create",
        "POST",
        "/vector_stores/{vector_store_id}/file_batches",
        "create",
        "vector_stores.vector_store_file_batch:VectorStoreFileBatch",
        "vector_store_file_batches",
        noun="file batch",
        parents=VS,
        handler=_batch_create,
    ),
    row(
        "vector_stores.file_batches.retrieve",
        "GET",
        "/vector_stores/{vector_store_id}/file_batches/{batch_id}",
        "retrieve",
        "vector_stores.vector_store_file_batch:VectorStoreFileBatch",
        "vector_store_file_batches",
        noun="file batch",
        parents=VS,
        handler=BATCH_PROCESSING.retrieve,
    ),
    row(
        "vector_stores.file_batches.cancel",
        "POST",
        "/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel",
        "action",
        "vector_stores.vector_store_file_batch:VectorStoreFileBatch",
        "vector_store_file_batches",
        noun="file batch",
        parents=VS,
        handler=_batch_cancel,
    ),
    row(
        "vector_stores.file_batches.list_files",
        "GET",
        "/vector_stores/{vector_store_id}/file_batches/{batch_id}/files",
        "list",
        "vector_stores.vector_store_file:VectorStoreFile",
        "vector_store_file_batches",
        noun="file",
        parents=VS,
        handler=_batch_files,
    ),
)
