"""Cassette writer: vcrpy format version 1, readable, atomic, and refusing to leak secrets."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ._credentials import find_key, find_key_in_bytes, mask
from ._model import (
    EVENT_OFFSETS_KEY,
    CassetteSecretError,
    Headers,
    Interaction,
    headers_without,
)
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
    """The file's text. `version` comes first so that `interactions` is the last key and its
    items (each starting `- ` at column 0) end the file: appending an item is appending text.
    vcrpy reads mappings by key, not by order."""
    data = {
        "version": CASSETTE_VERSION,
        "interactions": [_interaction_dict(interaction) for interaction in interactions],
    }
    return dump_yaml(data)


HEADER = f"version: {CASSETTE_VERSION}\ninteractions:\n"
_ITEMS_KEY = "interactions:\n"


def serialize_items(interactions: Sequence[Interaction]) -> str:
    """What `serialize_cassette` writes for `interactions` after HEADER (non-empty input):
    `serialize_cassette(a + b) == HEADER + serialize_items(a) + serialize_items(b)`."""
    text = dump_yaml({"interactions": [_interaction_dict(i) for i in interactions]})
    assert text.startswith(_ITEMS_KEY)
    return text[len(_ITEMS_KEY) :]


def _interaction_dict(interaction: Interaction) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    request_body, request_headers = _body_and_headers(request.body, request.headers)
    response_body, response_headers = _body_and_headers(response.body, response.headers)
    at = interaction.recorded_at
    recorded_at = {} if at is None else {"recorded_at": at.isoformat()}
    saved: dict[str, Any] = {
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
        **recorded_at,
    }
    if interaction.event_offsets is not None:
        saved[EVENT_OFFSETS_KEY] = list(interaction.event_offsets)
    return saved


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
    """`text` re-indented, or None unless that provably changes nothing but whitespace."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        pretty.encode("utf-8")  # lone surrogates from \\ud8xx escapes cannot be written as text
        same = _tokens(pretty) == _tokens(text)
    except (ValueError, UnicodeEncodeError, RecursionError):
        return None
    return pretty if same else None


def _tokens(text: str) -> Any:
    # Numbers and constants as spelled, objects as ordered pairs: `1.0` vs `1`, `1e400` vs
    # `Infinity`, `-0` vs `0` and duplicate keys all compare unequal, so such a body keeps its
    # original text instead of a re-serialisation that would parse to something else.
    return json.loads(
        text, parse_float=str, parse_int=str, parse_constant=str, object_pairs_hook=list
    )


def _refuse_secrets(
    path: Path, text: str, interactions: Sequence[Interaction], secrets: Sequence[str]
) -> None:
    """Refuse the live credentials given in `secrets` and any OpenAI-key-shaped value."""
    for secret in secrets:
        if not secret:
            continue
        where = _secret_location(text, interactions, secret)
        if where is not None:
            _refuse(path, mask(secret), where)
    found = _key_location(text, interactions)
    if found is not None:
        _refuse(path, mask(found[0]), found[1])


def _refuse(path: Path, masked: str, where: str) -> None:
    raise CassetteSecretError(
        f"{path}: refusing to save cassette: a secret ({masked}) appears in {where}; "
        "nothing was written. Add a record filter for it."
    )


def _fields(interactions: Sequence[Interaction]) -> Iterator[tuple[str, str | bytes]]:
    """Every stored value of every interaction, labelled for error messages."""
    for index, interaction in enumerate(interactions):
        yield f"interaction {index} request uri", interaction.request.url
        for side, message in (("request", interaction.request), ("response", interaction.response)):
            yield f"interaction {index} {side} body", message.body
            for key, value in message.headers:
                yield f"interaction {index} {side} header {key!r}", f"{key}: {value}"
        yield f"interaction {index} response reason", interaction.response.reason


def _secret_location(text: str, interactions: Sequence[Interaction], secret: str) -> str | None:
    # Raw bytes are checked too: a secret inside a binary (!!binary) body is base64 in the text.
    needle = secret.encode("utf-8")
    for where, value in _fields(interactions):
        if (needle in value) if isinstance(value, bytes) else (secret in value):
            return where
    if secret in text:
        return _line_of(text, text.index(secret))
    return None


def _key_location(text: str, interactions: Sequence[Interaction]) -> tuple[str, str] | None:
    for where, value in _fields(interactions):
        found = find_key_in_bytes(value) if isinstance(value, bytes) else find_key(value)
        if found is not None:
            return found, where
    found = find_key(text)
    return (found, _line_of(text, text.index(found))) if found is not None else None


def _line_of(text: str, position: int) -> str:
    return f"line {text[:position].count(chr(10)) + 1}"


def _atomic_write(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` (or what the callable writes) to a temp file, then rename it over `path`.
    Whatever the callable raises leaves `path` untouched and removes the temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle)
            else:
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
