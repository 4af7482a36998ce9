"""Rows for the realtime area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import row, rows

ENDPOINTS = rows(
    row(
        "beta.realtime.sessions.create",
        "POST",
        "/realtime/sessions",
        "create",
        "beta.realtime.session_create_response:SessionCreateResponse",
    ),
    row(
        "beta.realtime.transcription_sessions.create",
        "POST",
        "/realtime/transcription_sessions",
        "create",
        "beta.realtime.transcription_session:TranscriptionSession",
    ),
    row("realtime.calls.accept", "POST", "/realtime/calls/{call_id}/accept", "action", None),
    row("realtime.calls.create", "POST", "/realtime/calls", "create", None, id_prefix="rtc_"),
    row("realtime.calls.hangup", "POST", "/realtime/calls/{call_id}/hangup", "action", None),
    row("realtime.calls.refer", "POST", "/realtime/calls/{call_id}/refer", "action", None),
    row("realtime.calls.reject", "POST", "/realtime/calls/{call_id}/reject", "action", None),
    row(
        "realtime.client_secrets.create",
        "POST",
        "/realtime/client_secrets",
        "create",
        "realtime.client_secret_create_response:ClientSecretCreateResponse",
    ),
    row(
        "realtime.translations.client_secrets.create",
        "POST",
        "/realtime/translations/client_secrets",
        "create",
        "realtime.realtime_translation_client_secret_create_response:RealtimeTranslationClientSecretCreateResponse",
    ),
)
