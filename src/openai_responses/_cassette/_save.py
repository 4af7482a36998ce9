"""Cassette writer: vcrpy format version 1, readable, atomic, and refusing to leak secrets."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._model import CassetteSecretError, Headers, Interaction, headers_without
from ._yaml import dump_yaml

CASSETTE_VERSION = 1


def save_cassette(
    path: Path, interactions: Sequence[Interaction], *, secrets: Sequence[str] = ()
) -> None:
    """Write `interactions` to `path` atomically.

    Raises CassetteSecretError, writing nothing, when any of `secrets` would end up in the file.
    On any failure the previous file (if any) is left untouched and no temp file remains.
    """
    path = Path(path)
    text = serialize_cassette(interactions)
    _refuse_secrets(path, text, interactions, secrets)
    _atomic_write(path, text.encode("utf-8"))


def serialize_cassette(interactions: Sequence[Interaction]) -> str:
    data = {
        "interactions": [_interaction_dict(interaction) for interaction in interactions],
        "version": CASSETTE_VERSION,
    }
    return dump_yaml(data)


def _interaction_dict(interaction: Interaction) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    request_body, request_headers = _body_and_headers(request.body, request.headers)
    response_body, response_headers = _body_and_headers(response.body, response.headers)
    return {
        "request": {
            "body": request_body,
            "headers": request_headers,
            "method": request.method,
            "uri": request.url,
        },
        "response": {
            "body": {"string": response_body},
            "headers": response_headers,
            "status": {"code": response.status, "message": response.reason},
        },
    }


def _body_and_headers(body: bytes, headers: Headers) -> tuple[str | bytes, dict[str, list[str]]]:
    value = _body_value(body)
    if isinstance(value, str) and value.encode("utf-8") != body:
        # Pretty-printing changed the bytes, so a recorded Content-Length would now lie.
        headers = headers_without(headers, {"content-length"})
    return value, _headers_dict(headers)


def _headers_dict(headers: Headers) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in headers:
        grouped.setdefault(key, []).append(value)
    return grouped


def _body_value(body: bytes) -> str | bytes:
    """Text for UTF-8 bodies (JSON pretty-printed), bytes (dumped as !!binary) otherwise."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    return _pretty_json(text) or text


def _pretty_json(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        pretty.encode("utf-8")  # lone surrogates from \\ud8xx escapes cannot be written as text
    except (ValueError, UnicodeEncodeError):
        return None
    return pretty


def _refuse_secrets(
    path: Path, text: str, interactions: Sequence[Interaction], secrets: Sequence[str]
) -> None:
    for secret in secrets:
        if not secret:
            continue
        where = _secret_location(text, interactions, secret)
        if where is not None:
            masked = secret[:3] + "…" if len(secret) > 8 else "…"
            raise CassetteSecretError(
                f"{path}: refusing to save cassette: a secret ({masked}) appears in {where}; "
                "nothing was written. Add a record filter for it."
            )


def _secret_location(text: str, interactions: Sequence[Interaction], secret: str) -> str | None:
    # Raw bytes are checked too: a secret inside a binary (!!binary) body is base64 in the text.
    needle = secret.encode("utf-8")
    for index, interaction in enumerate(interactions):
        for side, message in (("request", interaction.request), ("response", interaction.response)):
            if needle in message.body:
                return f"interaction {index} {side} body"
            for key, value in message.headers:
                if secret in value or secret in key:
                    return f"interaction {index} {side} header {key!r}"
            if side == "request" and secret in interaction.request.url:
                return f"interaction {index} request uri"
    if secret in text:
        return f"line {text[: text.index(secret)].count(chr(10)) + 1}"
    return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; a cassette is ordinary project data.
        os.chmod(tmp_name, _mode_for(path))
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def remove_stale_temp_files(path: Path) -> None:
    """Delete the temp files a killed save of `path` left behind.

    Only safe while holding the cassette's lock: only the lock holder writes, so any temp
    file of this cassette that exists then belongs to a save that died.
    """
    # mkstemp's random part has no dots: ".a.yaml.XXXX.tmp" never matches cassette "a.yaml.b".
    pattern = re.compile(re.escape(f".{path.name}.") + r"[^.]+" + re.escape(_TEMP_SUFFIX))
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if pattern.fullmatch(entry.name):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


_TEMP_SUFFIX = ".tmp"


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644
