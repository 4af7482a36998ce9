"""Saving by appending: only the new interactions are serialised; the file's bytes are copied.

A cassette in the layout we write (HEADER, then items each starting `- ` at column 0, nothing
after them) grows by appending the new items' text. The save still goes through a temp file
and a rename, as every save does: readers never see half an append, and a killed save leaves
the old file whole. The old bytes are copied in chunks while being compared with the bytes
this session loaded; if they differ (a hand edit, vcrpy rewrote the file, another session
rewrote it) nothing is appended and the caller falls back to merging and rewriting the file.
Items other sessions appended since the load are checked (parsed) and kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from ._credentials import mask
from ._load import parse_cassette
from ._model import CassetteFormatError, Interaction
from ._save import HEADER, _atomic_write, _refuse, _refuse_secrets, serialize_items

_HEADER = HEADER.encode()
_CHUNK = 4 * 1024 * 1024
# A line at column 0 that is neither an item start (`- `), a comment nor blank: another
# top-level key, a document marker (`---`, `...`), a tab. Appending after one could break
# the file, so its presence means rewrite instead.
_OFF_LAYOUT = re.compile(rb"\n(?:[^ #\r\n-]|-(?! ))")


class _Changed(Exception):
    """The file is not what was loaded plus whole items appended since."""


def appendable(raw: bytes) -> bool:
    """Whether text appended to `raw`, a readable cassette, lands in its `interactions`."""
    return (
        raw.startswith(_HEADER + b"- ")
        and raw.endswith(b"\n")
        and _OFF_LAYOUT.search(raw, len(_HEADER)) is None
    )


def append_cassette(
    path: Path, loaded: bytes, new: Sequence[Interaction], *, secrets: Sequence[str] = ()
) -> bool:
    """Write `path` plus `new` if the file is `loaded` (which was read without error) plus
    items appended since; False, writing nothing, otherwise. Call it holding the lock.

    CassetteSecretError, writing nothing, when a secret is in the new interactions, or one
    of `secrets` anywhere in the file (the old bytes were checked for key-shaped values when
    they were saved; scanning 50 MB for them again would cost seconds).
    """
    if not new or not appendable(loaded):
        return False
    added = serialize_items(new)
    _refuse_secrets(path, added, new, secrets)
    _refuse_known(path, loaded, secrets)
    try:
        with open(path, "rb") as source:
            _atomic_write(
                path, lambda target: _copy_then_add(path, source, target, loaded, added, secrets)
            )
    except (_Changed, FileNotFoundError):
        return False
    return True


def _copy_then_add(
    path: Path,
    source: BinaryIO,
    target: BinaryIO,
    loaded: bytes,
    added: str,
    secrets: Sequence[str],
) -> None:
    for start in range(0, len(loaded), _CHUNK):
        wanted = min(_CHUNK, len(loaded) - start)
        chunk = source.read(wanted)
        # startswith at an offset: a memcmp, no copy (a memoryview compares byte by byte).
        if len(chunk) != wanted or not loaded.startswith(chunk, start):
            raise _Changed
        target.write(chunk)
    tail = source.read()
    if tail:  # other sessions appended since this one loaded
        _check_items(tail)
        _refuse_known(path, tail, secrets)
        target.write(tail)
    target.write(added.encode("utf-8"))


def _check_items(tail: bytes) -> None:
    document = _HEADER + tail
    if not appendable(document):
        raise _Changed
    try:
        parse_cassette(document)
    except CassetteFormatError:
        raise _Changed from None


def _refuse_known(path: Path, data: bytes, secrets: Sequence[str]) -> None:
    for secret in secrets:
        if secret and secret.encode("utf-8") in data:
            _refuse(path, mask(secret), "the cassette's existing content")
