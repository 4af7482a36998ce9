"""Saving by appending: only the new interactions are serialised; the file's bytes are copied.

A cassette in the layout we write (HEADER, then items each starting `- ` at column 0, nothing
after them) grows by appending the new items' text. The save still goes through a temp file
and a rename, as every save does: readers never see half an append, and a killed save leaves
the old file whole. The old bytes are copied in chunks while being hashed, and compared with
the SHA-256 of the bytes this session loaded (which it need not keep). If they differ (a hand
edit, vcrpy rewrote the file, another session rewrote it) nothing is appended and the caller
falls back to merging and rewriting the file. Items other sessions appended since the load
are checked (parsed) and kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from ._credentials import mask
from ._load import parse_cassette
from ._model import CassetteFormatError, Interaction
from ._save import HEADER, _atomic_write, _refuse, _refuse_secrets, serialize_items

_HEADER = HEADER.encode()
_CHUNK = 1024 * 1024
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
    path: Path,
    digest: str | None,
    size: int,
    new: Sequence[Interaction],
    *,
    secrets: Sequence[str] = (),
) -> bool:
    """Write `path` plus `new` if the file's first `size` bytes are those (SHA-256 `digest`)
    it had when they were read without error, in the appendable layout, and what follows is
    items appended since; False, writing nothing, otherwise. Call it holding the lock.

    CassetteSecretError, writing nothing, when a secret is in the new interactions, or one
    of `secrets` anywhere in the file (the old bytes were checked for key-shaped values when
    they were saved; scanning 50 MB for them again would cost seconds).
    """
    if not new or digest is None:
        return False
    added = serialize_items(new)
    _refuse_secrets(path, added, new, secrets)
    try:
        with open(path, "rb") as source:
            _atomic_write(
                path,
                lambda target: _copy_then_add(path, source, target, (digest, size), added, secrets),
            )
    except (_Changed, FileNotFoundError):
        return False
    return True


def _copy_then_add(
    path: Path,
    source: BinaryIO,
    target: BinaryIO,
    loaded: tuple[str, int],
    added: str,
    secrets: Sequence[str],
) -> None:
    digest, size = loaded
    check = _PrefixCheck(secrets)
    remaining = size
    while remaining:
        chunk = source.read(min(_CHUNK, remaining))
        if not chunk:
            raise _Changed  # the file shrank
        check.feed(chunk)
        target.write(chunk)
        remaining -= len(chunk)
    check.finish(path, digest)
    tail = source.read()
    if tail:  # other sessions appended since this one loaded
        _check_items(tail)
        _refuse_known(path, tail, secrets)
        target.write(tail)
    target.write(added.encode("utf-8"))


class _PrefixCheck:
    """`appendable`, the digest and the known secrets, over the bytes as they stream by.

    Chunks are never joined (that would copy each): what spans two chunks is looked at in a
    small window, the end of one and the start of the next.
    """

    def __init__(self, secrets: Sequence[str]) -> None:
        self._hasher = hashlib.sha256()
        self._needles = [secret.encode("utf-8") for secret in secrets if secret]
        self._reach = max([2, *(len(needle) - 1 for needle in self._needles)])
        self._head = b""  # the first bytes, until the header can be checked
        self._carry = b""  # the last `_reach` bytes seen
        self._seen = 0
        self._found: str | None = None
        self._off_layout = False

    def feed(self, chunk: bytes) -> None:
        self._hasher.update(chunk)
        if len(self._head) < _HEAD_SIZE:
            self._head = (self._head + chunk[:_HEAD_SIZE])[:_HEAD_SIZE]
        edge = self._carry + chunk[: self._reach]
        if _off_layout(edge, self._seen - len(self._carry), before=len(self._carry)):
            self._off_layout = True
        if _off_layout(chunk, self._seen, before=len(chunk)):
            self._off_layout = True
        for needle in self._needles:
            if needle in chunk or needle in edge:
                self._found = needle.decode("utf-8")
        self._seen += len(chunk)
        tail = chunk[-self._reach :]
        self._carry = tail if len(tail) == self._reach else (self._carry + tail)[-self._reach :]

    def finish(self, path: Path, digest: str) -> None:
        if self._hasher.hexdigest() != digest:
            raise _Changed
        if self._found is not None:
            _refuse(path, mask(self._found), "the cassette's existing content")
        if not self.appendable():
            raise _Changed

    def appendable(self) -> bool:
        """`appendable(everything fed)`."""
        head = self._head.startswith(_HEADER + b"- ")
        return head and self._carry.endswith(b"\n") and not self._off_layout


_HEAD_SIZE = len(_HEADER) + 2


def _off_layout(window: bytes, base: int, *, before: int) -> bool:
    """An off-layout line in `window` (at offset `base` in the file) starting before
    `before`. One the window's end may cut short (`-` needs the next byte) is left for the
    next window, whose carry still holds its line break."""
    return any(
        len(_HEADER) - 1 <= base + match.start()
        and match.start() < before
        and match.end() < len(window)
        for match in _OFF_LAYOUT.finditer(window)
    )


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
