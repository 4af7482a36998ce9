"""Rows for the misc area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import row, rows

ENDPOINTS = rows(
    row(
        "content_provenance_checks.create",
        "POST",
        "/content_provenance_checks",
        "create",
        "content_provenance_check:ContentProvenanceCheck",
        id_prefix="cpc_",
    ),
    row("decisions.create", "POST", "/decisions", "create", "decision:Decision", id_prefix="dec_"),
    row(
        "live.create",
        "POST",
        "/live/sessions",
        "create",
        "live.live_create_response:LiveCreateResponse",
        id_prefix="live_",
    ),
    row("live.sessions.accept", "POST", "/live/sessions/{session_id}/accept", "action", None),
    row(
        "live.sessions.download_recording",
        "GET",
        "/live/sessions/{session_id}/content",
        "content",
        None,
    ),
    row(
        "live.sessions.fork",
        "POST",
        "/live/sessions/{session_id}/fork",
        "action",
        "live.session_fork_response:SessionForkResponse",
    ),
    row("live.sessions.hangup", "POST", "/live/sessions/{session_id}/hangup", "action", None),
    row("live.sessions.refer", "POST", "/live/sessions/{session_id}/refer", "action", None),
    row("live.sessions.reject", "POST", "/live/sessions/{session_id}/reject", "action", None),
    row(
        "safety.alerts.retrieve",
        "GET",
        "/safety/alerts/{id}",
        "retrieve",
        "safety.safety_alert:SafetyAlert",
        noun="alert",
    ),
    row(
        "safety.cases.retrieve",
        "GET",
        "/safety/cases/{id}",
        "retrieve",
        "safety.safety_case:SafetyCase",
        noun="case",
    ),
)
