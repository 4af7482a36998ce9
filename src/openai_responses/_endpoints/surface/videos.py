"""Rows for the videos area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import collection, row, rows

collection("videos", "video:Video")

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
    ),
    row("videos.download_content", "GET", "/videos/{video_id}/content", "content", None),
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
    row("videos.remix", "POST", "/videos/{video_id}/remix", "action", "video:Video"),
    row("videos.retrieve", "GET", "/videos/{video_id}", "retrieve", "video:Video", noun="video"),
)
