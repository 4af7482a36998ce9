"""Rows for the chat area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import row, rows

ENDPOINTS = rows(
    row(
        "chat.completions.delete",
        "DELETE",
        "/chat/completions/{completion_id}",
        "delete",
        "chat.chat_completion_deleted:ChatCompletionDeleted",
        "chat_completions",
        noun="chat completion",
        aliases=("beta.chat.completions.delete",),
    ),
    row(
        "chat.completions.list",
        "GET",
        "/chat/completions",
        "list",
        "chat.chat_completion:ChatCompletion",
        "chat_completions",
        aliases=("beta.chat.completions.list",),
    ),
    row(
        "chat.completions.messages.list",
        "GET",
        "/chat/completions/{completion_id}/messages",
        "list",
        "chat.chat_completion_store_message:ChatCompletionStoreMessage",
        "chat_completion_messages",
        parents=(("completion_id", "chat_completions"),),
        aliases=("beta.chat.completions.messages.list",),
    ),
    row(
        "chat.completions.retrieve",
        "GET",
        "/chat/completions/{completion_id}",
        "retrieve",
        "chat.chat_completion:ChatCompletion",
        "chat_completions",
        noun="chat completion",
        aliases=("beta.chat.completions.retrieve",),
    ),
    row(
        "chat.completions.update",
        "POST",
        "/chat/completions/{completion_id}",
        "update",
        "chat.chat_completion:ChatCompletion",
        "chat_completions",
        noun="chat completion",
        aliases=("beta.chat.completions.update",),
    ),
)
