"""Rows for the videos area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from typing import Any

from ..._defaults import deep_merge
from ..._handlers import build_object
from .._table import Answer, Context
from ._rows import collection, row, rows

collection("videos", "video:Video")


def _remix(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """A new video made from the one the path names, kept like any created video."""
    video = build_object(
        ctx, deep_merge({"remixed_from_video_id": ctx.params["video_id"]}, partial or {})
    )
    ctx.state.put(video, "videos")
    return video


ENDPOINTS = rows(
    row(
        "videos.create",
        "POST",
        "/videos",
        "create",
        "video:Video",
        "videos",
        noun="video",
        id_prefix="video_",
    ),
    row(
        "videos.create_character",
        "POST",
        "/videos/characters",
        "action",
        "video_create_character_response:VideoCreateCharacterResponse",
    ),
    row(
        "videos.delete",
        "DELETE",
        "/videos/{video_id}",
        "delete",
        "video_delete_response:VideoDeleteResponse",
        "videos",
        noun="video",
    ),
    row(
        "videos.download_content",
        "GET",
        "/videos/{video_id}/content",
        "content",
        None,
        "videos",
        noun="video",
    ),
    row("videos.edit", "POST", "/videos/edits", "action", "video:Video"),
    row("videos.extend", "POST", "/videos/extensions", "action", "video:Video"),
    row(
        "videos.get_character",
        "GET",
        "/videos/characters/{character_id}",
        "retrieve",
        "video_get_character_response:VideoGetCharacterResponse",
        "videos",
        noun="video",
    ),
    row("videos.list", "GET", "/videos", "list", "video:Video", "videos", noun="video"),
    row(
        "videos.remix",
        "POST",
        "/videos/{video_id}/remix",
        "action",
        "video:Video",
        noun="video",
        id_prefix="video_",
        parents=(("video_id", "videos"),),
        handler=_remix,
    ),
    row(
        "videos.retrieve",
        "GET",
        "/videos/{video_id}",
        "retrieve",
        "video:Video",
        "videos",
        noun="video",
    ),
)
