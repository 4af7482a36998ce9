"""Saving a cassette that others may be saving too: lock, re-read, merge, write.

Several sessions can record into one file at once (pytest-xdist workers, plain processes,
threads, two mocks in one test). Each session knows the file as it was when it loaded it
(a `Snapshot`) and what it recorded since; at save it takes the cassette's lock, reads the
file as it is now, and writes the merge, so nobody's interactions are lost:

- appending modes (`once`, `new_episodes`): the file as it is now, then this session's new
  interactions. The file only grows, which leaves room for a save that appends only the new
  interactions instead of rewriting the file.
- `all`: this session replaces what *it* loaded; interactions others saved after its load
  stay, ahead of this session's new ones.

"What it loaded" is told apart by value (in saved form), never by position or count: another
session may have rewritten the file, or re-saved the same interactions in between.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ._append import append_cassette
from ._cache import get_by_digest
from ._keys import Parsed
from ._load import load_parsed, load_parsed_file
from ._model import CassetteFormatError, Interaction
from ._save import remove_stale_temp_files, save_cassette, serialize_cassette

__all__ = ["Snapshot", "cassette_lock", "lock_path", "merge", "save_merged"]


@dataclass(frozen=True)
class Snapshot:
    """A cassette file at one moment: its SHA-256 and size (``digest`` None: there was no
    file) and, when read with `read`, its bytes (`load` parses without keeping them)."""

    path: Path
    raw: bytes | None
    digest: str | None = None
    size: int = 0

    @classmethod
    def read(cls, path: Path) -> Snapshot:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path, None)
        return cls(path, raw, hashlib.sha256(raw).hexdigest(), len(raw))

    @classmethod
    def load(cls, path: Path) -> tuple[Snapshot, Parsed]:
        """The file and its parse, its bytes not kept (CassetteFormatError when unreadable)."""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return cls(path, None), Parsed([], [])
        with handle:
            parsed, digest, size = load_parsed_file(handle, str(path))
        return cls(path, None, digest, size), parsed

    @property
    def exists(self) -> bool:
        return self.digest is not None

    def interactions(self) -> list[Interaction]:
        """CassetteFormatError when unreadable."""
        return self.parsed().interactions

    def parsed(self) -> Parsed:
        """Interactions and their match keys; CassetteFormatError when unreadable."""
        if self.raw is not None:
            return load_parsed(self.raw, str(self.path))
        if self.digest is None:
            return Parsed([], [])
        cached = get_by_digest(self.digest, self.size)
        if cached is None:  # its bytes were not kept and the parse was forgotten
            raise CassetteFormatError(f"{self.path}: the cassette as loaded is no longer known")
        return cached


def lock_path(path: Path) -> Path:
    """The lock beside ``path``: hidden, empty, named after the cassette.

    It stays after a save: removing a lock file that another process may be waiting on
    would let two writers in at once.
    """
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def cassette_lock(path: Path) -> Iterator[None]:
    """Hold the cassette's lock (across processes and threads alike)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A new FileLock per hold: each holds its own descriptor, so threads of one process
    # exclude each other as processes do (one shared object would count them as reentry).
    with FileLock(os.fspath(lock_path(path))):
        remove_stale_temp_files(path)
        yield


def save_merged(
    path: Path,
    loaded: Snapshot,
    new: Sequence[Interaction],
    *,
    replace_loaded: bool,
    secrets: Sequence[str] = (),
) -> None:
    """Write ``new`` into the cassette, merged with what others saved since ``loaded``."""
    with cassette_lock(path):
        appended = not replace_loaded and append_cassette(
            path, loaded.digest, loaded.size, new, secrets=secrets
        )
        if appended:
            return  # only the new interactions were serialised
        current = Snapshot.read(path)
        interactions = merge(current, loaded, new, replace_loaded=replace_loaded)
        save_cassette(path, interactions, secrets=secrets)


def merge(
    current: Snapshot, loaded: Snapshot, new: Sequence[Interaction], *, replace_loaded: bool
) -> list[Interaction]:
    if not replace_loaded:
        return [*current.interactions(), *new]
    if current.digest == loaded.digest:  # nobody saved since: all of it is this session's
        return list(new)
    try:
        on_disk = current.interactions()
    except CassetteFormatError:
        return list(new)  # re-recording replaces an unreadable file, as it always did
    try:
        replaced = loaded.interactions()
    except CassetteFormatError:
        replaced = []
    return [*_without(on_disk, replaced), *new]


def _without(items: Iterable[Interaction], removed: Iterable[Interaction]) -> list[Interaction]:
    """``items`` minus ``removed``, as multisets, in order; compared as they are saved, since a
    rewrite by another session normalizes what it read (pretty-printed JSON, for one)."""
    left = Counter(_saved_form(interaction) for interaction in removed)
    kept = []
    for interaction in items:
        key = _saved_form(interaction)
        if left[key] > 0:
            left[key] -= 1
        else:
            kept.append(interaction)
    return kept


def _saved_form(interaction: Interaction) -> str:
    return serialize_cassette([interaction])
