"""Audio answers: speech as real bytes in the requested format, transcripts in every format.

Speech: ``wav`` is a valid RIFF/WAVE file of 100 ms of 24 kHz 16-bit mono silence and ``pcm``
the same samples headerless (what the API streams). ``mp3``, ``opus``, ``aac`` and ``flac`` get
placeholder bytes that start with the format's magic number, so type sniffers recognise them,
but are not decodable audio: the mock does not ship encoders.
"""

from __future__ import annotations

import struct
from typing import Any

import httpx

from ..._handlers import build_object
from .._table import Answer, Context

SAMPLE_RATE = 24_000
SILENCE = b"\x00\x00" * (SAMPLE_RATE // 10)
PLACEHOLDERS = {
    "mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    "opus": (b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead", "audio/ogg"),
    "aac": (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
    "flac": (b"fLaC\x00\x00\x00\x22", "audio/flac"),
}


def wav(samples: bytes = SILENCE, rate: int = SAMPLE_RATE) -> bytes:
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(samples),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        len(samples),
    )
    return header + samples


def speech(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    fmt = str(ctx.body.get("response_format") or "mp3")
    if fmt == "wav":
        content, mime = wav(), "audio/wav"
    elif fmt == "pcm":
        content, mime = SILENCE, "audio/pcm"
    else:
        content, mime = PLACEHOLDERS.get(fmt, PLACEHOLDERS["mp3"])
    return httpx.Response(200, content=content, headers={"content-type": mime})


def transcript(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """``json`` / ``verbose_json`` objects; ``text``, ``srt`` and ``vtt`` as plain text."""
    fmt = str(ctx.body.get("response_format") or "json")
    text = str((partial or {}).get("text", ""))
    plain = {
        "text": text,
        "srt": f"1\n00:00:00,000 --> 00:00:01,000\n{text}\n",
        "vtt": f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{text}\n",
    }
    if fmt in plain:
        return httpx.Response(200, text=plain[fmt], headers={"content-type": "text/plain"})
    if fmt == "verbose_json":
        return _verbose(ctx, partial)
    return build_object(ctx, partial)


def _verbose(ctx: Context, partial: dict[str, Any] | None) -> dict[str, Any]:
    text = str((partial or {}).get("text", ""))
    answer: dict[str, Any] = {
        "task": "translate" if ctx.endpoint.sdk.endswith("translations.create") else "transcribe",
        "language": str(ctx.body.get("language") or "english"),
        "duration": 1.0,
        "text": text,
        "segments": [],
        "words": [],
        **(partial or {}),
    }
    return answer
