"""Rows for the chatkit area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import row, rows

ENDPOINTS = rows(
    row(
        "beta.chatkit.sessions.cancel",
        "POST",
        "/chatkit/sessions/{session_id}/cancel",
        "action",
        "beta.chatkit.chat_session:ChatSession",
    ),
    row(
        "beta.chatkit.sessions.create",
        "POST",
        "/chatkit/sessions",
        "create",
        "beta.chatkit.chat_session:ChatSession",
        id_prefix="cksess_",
    ),
    row(
        "beta.chatkit.threads.delete",
        "DELETE",
        "/chatkit/threads/{thread_id}",
        "delete",
        "beta.chatkit.thread_delete_response:ThreadDeleteResponse",
    ),
    row(
        "beta.chatkit.threads.list",
        "GET",
        "/chatkit/threads",
        "list",
        "beta.chatkit.chatkit_thread:ChatKitThread",
    ),
    row(
        "beta.chatkit.threads.list_items",
        "GET",
        "/chatkit/threads/{thread_id}/items",
        "list",
        "beta.chatkit.chatkit_thread_user_message_item:ChatKitThreadUserMessageItem",
    ),
    row(
        "beta.chatkit.threads.retrieve",
        "GET",
        "/chatkit/threads/{thread_id}",
        "retrieve",
        "beta.chatkit.chatkit_thread:ChatKitThread",
        noun="thread",
    ),
)
