"""``serve --state FILE``: the served mock's StateStore, loaded at start and kept across runs.

Two kinds of file:

- a **state file** (``*.json``): the store's objects as the API shows them, with their parent
  links, stored contents (base64) and deleted ids. Loaded if present, written at exit
  (atomically), so a stand-in server keeps its objects from one run to the next;
- a **cassette** (any other file): every stateful object its answers show is seeded, as
  ``StateStore.from_cassette`` does; it is never written (the cassette is the recording).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from ._cassette._save import _atomic_write
from ._state import _COLLECTIONS, StateStore

__all__ = ["FORMAT", "load_state", "save_state", "writes_state"]

FORMAT = "openai-responses-state/1"


def writes_state(path: Path) -> bool:
    """Whether ``path`` is a state file (written at exit) rather than a cassette to seed from."""
    return path.suffix == ".json" and (not path.exists() or _is_state_file(path))


def load_state(path: Path) -> StateStore:
    if not writes_state(path):
        return StateStore.from_cassette(path)
    state = StateStore()
    if not path.exists():
        return state
    data = json.loads(path.read_bytes())
    for entry in data["objects"]:
        model = _COLLECTIONS[entry["collection"]].model
        assert model is not None  # every collection names its type
        try:
            obj = model.model_validate(entry["object"])
        except ValueError:  # stored unvalidated (a recorded object an older API sent)
            obj = model.model_construct(**entry["object"])
        state.put(obj, entry["collection"], **entry["parents"])
    for entry in data["contents"]:
        state.put_content(entry["collection"], entry["id"], base64.b64decode(entry["base64"]))
    for collection, object_id in data["deleted"]:
        state.delete(collection, object_id)
    return state


def save_state(state: StateStore, path: Path) -> None:
    _atomic_write(path, json.dumps(dump(state), indent=1).encode())


def dump(state: StateStore) -> dict[str, Any]:
    # The store's own records, read here so that _state.py stays the store alone.
    entries = sorted(
        ((name, entry) for name, by_id in state._data.items() for entry in by_id.values()),
        key=lambda item: item[1].seq,  # creation order: parents before their children
    )
    return {
        "format": FORMAT,
        "objects": [
            {
                "collection": name,
                "parents": entry.parents,
                "object": entry.obj.model_dump(mode="json", by_alias=True, exclude_unset=True),
            }
            for name, entry in entries
        ],
        "contents": [
            {"collection": c, "id": i, "base64": base64.b64encode(b).decode()}
            for (c, i), b in state._content.items()
        ],
        "deleted": sorted(state._deleted),
    }


def _is_state_file(path: Path) -> bool:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT
