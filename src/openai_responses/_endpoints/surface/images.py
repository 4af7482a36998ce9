"""Rows for the images area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import row, rows

ENDPOINTS = rows(
    row(
        "images.create_variation",
        "POST",
        "/images/variations",
        "action",
        "images_response:ImagesResponse",
    ),
    row("images.edit", "POST", "/images/edits", "action", "images_response:ImagesResponse"),
    row(
        "images.generate", "POST", "/images/generations", "action", "images_response:ImagesResponse"
    ),
)
