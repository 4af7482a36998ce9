"""Rows for the audio area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._audio import speech, transcript
from ._rows import collection, row, rows

collection("audio_voice_consents", "audio.voice_consent:VoiceConsent")

ENDPOINTS = rows(
    row("audio.speech.create", "POST", "/audio/speech", "create", None, handler=speech),
    row(
        "audio.transcriptions.create",
        "POST",
        "/audio/transcriptions",
        "create",
        "audio.transcription:Transcription",
        handler=transcript,
    ),
    row(
        "audio.translations.create",
        "POST",
        "/audio/translations",
        "create",
        "audio.translation:Translation",
        handler=transcript,
    ),
    row(
        "audio.voice_consents.create",
        "POST",
        "/audio/voice_consents",
        "create",
        "audio.voice_consent:VoiceConsent",
        "audio_voice_consents",
        noun="voice consent",
        id_prefix="cons_",
    ),
    row(
        "audio.voice_consents.delete",
        "DELETE",
        "/audio/voice_consents/{consent_id}",
        "delete",
        "audio.voice_consent_deleted:VoiceConsentDeleted",
        "audio_voice_consents",
        noun="voice consent",
    ),
    row(
        "audio.voice_consents.list",
        "GET",
        "/audio/voice_consents",
        "list",
        "audio.voice_consent:VoiceConsent",
        "audio_voice_consents",
        noun="voice consent",
    ),
    row(
        "audio.voice_consents.retrieve",
        "GET",
        "/audio/voice_consents/{consent_id}",
        "retrieve",
        "audio.voice_consent:VoiceConsent",
        "audio_voice_consents",
        noun="voice consent",
    ),
    row(
        "audio.voice_consents.update",
        "POST",
        "/audio/voice_consents/{consent_id}",
        "update",
        "audio.voice_consent:VoiceConsent",
        "audio_voice_consents",
        noun="voice consent",
    ),
    row(
        "audio.voices.create",
        "POST",
        "/audio/voices",
        "create",
        "audio.voice:Voice",
        id_prefix="voice_",
    ),
    row(
        "audio.voices.delete",
        "DELETE",
        "/audio/voices/{voice_id}",
        "delete",
        "audio.voice_deleted:VoiceDeleted",
    ),
)
