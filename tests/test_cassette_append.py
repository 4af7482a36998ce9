"""Appending saves: the old bytes are kept byte for byte and only new interactions are
serialised; what others appended since the load is kept; a file changed any other way (by
hand, by vcrpy, with another layout) is merged and rewritten; secrets are still refused; vcrpy
reads the result. (Killed and concurrent appends: test_cassette_saving, whose cassettes are
now appended to.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serializers import yamlserializer

from openai_responses._cassette import (
    CassetteFormatError,
    CassetteSecretError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    _append,
    _save,
    load_cassette,
    save_cassette,
    serialize_cassette,
)
from openai_responses._cassette._merge import Snapshot, save_merged
from openai_responses._cassette._save import HEADER, serialize_items

URL = "https://api.openai.com/v1/embeddings"


def embedding(word: str, answer: bytes | None = None) -> Interaction:
    body = json.dumps({"model": "text-embedding-3-small", "input": word}).encode()
    answer = answer if answer is not None else json.dumps({"object": "list", "w": word}).encode()
    return Interaction(
        RecordedRequest("POST", URL, (("content-type", "application/json"),), body),
        RecordedResponse(200, "OK", (("content-type", "application/json"),), answer),
    )


def words(path: Path) -> list[str]:
    return [json.loads(i.request.body)["input"] for i in load_cassette(path)]


@pytest.fixture
def serialised(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Interaction]]:
    """Every interaction the writer serialises from now on."""
    seen: list[Interaction] = []
    original = _save._interaction_dict

    def spy(interaction: Interaction) -> dict[str, Any]:
        seen.append(interaction)
        return original(interaction)

    monkeypatch.setattr(_save, "_interaction_dict", spy)
    yield seen


def loaded_from(path: Path) -> Snapshot:
    """The file as a replaying session loads it: parsed, its bytes not kept."""
    snapshot, _ = Snapshot.load(path)
    assert snapshot.raw is None
    return snapshot


def append(path: Path, loaded: Snapshot, *new: Interaction, secrets: tuple[str, ...] = ()) -> None:
    save_merged(path, loaded, list(new), replace_loaded=False, secrets=secrets)


@pytest.fixture(params=[None, 7, 1], ids=["1 MB chunks", "7-byte chunks", "1-byte chunks"])
def cassette(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A 30-interaction cassette; the copy compares it in big chunks, or in tiny ones (so that
    chunk boundaries fall everywhere, edits included)."""
    if request.param is not None:
        monkeypatch.setattr(_append, "_CHUNK", request.param)
    path = tmp_path / "c.yaml"
    save_cassette(path, [embedding(f"old-{n}") for n in range(30)])
    return path


def test_an_append_keeps_the_old_bytes_and_serialises_only_the_new(
    cassette: Path, serialised: list[Interaction]
) -> None:
    before = cassette.read_bytes()
    loaded = loaded_from(cassette)
    new = embedding("new")
    append(cassette, loaded, new)
    after = cassette.read_bytes()
    assert serialised == [new]
    assert after.startswith(before)
    assert after == before + serialize_items([new]).encode()
    # The same bytes a full rewrite would have written.
    assert after.decode() == serialize_cassette([*load_cassette(cassette)[:30], new])
    assert words(cassette) == [*(f"old-{n}" for n in range(30)), "new"]


def test_what_others_appended_since_the_load_is_kept(
    cassette: Path, serialised: list[Interaction]
) -> None:
    mine, theirs = loaded_from(cassette), loaded_from(cassette)
    append(cassette, theirs, embedding("theirs"))
    serialised.clear()
    append(cassette, mine, embedding("mine"))
    assert [i.request.body for i in serialised] == [embedding("mine").request.body]
    assert words(cassette)[-2:] == ["theirs", "mine"]
    assert len(words(cassette)) == 32


def edits() -> dict[str, Callable[[bytes], bytes]]:
    def vcrpy_layout(raw: bytes) -> bytes:
        data = yaml.safe_load(raw)
        return yaml.safe_dump({"interactions": data["interactions"], "version": 1}).encode()

    return {
        "comment on top": lambda raw: b"# edited by hand\n" + raw,
        "vcrpy's layout": vcrpy_layout,
        "a key after the items": lambda raw: raw + b"extra: 1\n",
        "a document end marker": lambda raw: raw + b"...\n",
        "no final line break": lambda raw: raw.rstrip(b"\n"),
        "an item edited": lambda raw: raw.replace(b"old-3", b"hand"),
        "an item removed": lambda raw: raw[: raw.rindex(b"\n- ") + 1],
        "a line added to the last item": lambda raw: raw + b"  note: hand\n",
    }


@pytest.mark.parametrize("edit", list(edits()))
def test_a_file_changed_otherwise_is_merged_and_rewritten(
    cassette: Path, serialised: list[Interaction], edit: str
) -> None:
    loaded = loaded_from(cassette)
    cassette.write_bytes(edits()[edit](cassette.read_bytes()))
    on_disk = words(cassette)
    serialised.clear()
    append(cassette, loaded, embedding("new"))
    assert words(cassette) == [*on_disk, "new"]  # what is on disk now, then the new one
    assert len(serialised) >= len(on_disk) + 1  # rewritten whole
    assert cassette.read_text().startswith(HEADER)


@pytest.mark.parametrize(
    "edit",
    [
        lambda raw: raw.replace(b"old-0", b"hand", 1),  # a file edited before the load
        lambda raw: yaml.safe_dump(yaml.safe_load(raw), sort_keys=True).encode(),  # vcrpy's
    ],
    ids=["edited before the load", "vcrpy's layout"],
)
def test_a_file_in_another_layout_appends_after_one_rewrite(
    cassette: Path, serialised: list[Interaction], edit: Callable[[bytes], bytes]
) -> None:
    cassette.write_bytes(edit(cassette.read_bytes()))
    append(cassette, loaded_from(cassette), embedding("first"))
    serialised.clear()
    append(cassette, loaded_from(cassette), embedding("second"))
    assert len(serialised) == 1
    assert words(cassette)[-2:] == ["first", "second"]


def test_a_broken_tail_fails_the_save_and_changes_nothing(cassette: Path) -> None:
    loaded = loaded_from(cassette)
    with cassette.open("ab") as handle:
        handle.write(b"- request: [unclosed\n")
    broken = cassette.read_bytes()
    with pytest.raises(CassetteFormatError):
        append(cassette, loaded, embedding("new"))
    assert cassette.read_bytes() == broken
    assert not list(cassette.parent.glob(".c.yaml.*.tmp"))


def test_a_live_secret_already_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    secret = "sk-" + "live-secret-value-000000"  # split: no key-shaped literal in the repo
    save_cassette(path, [embedding("old", answer=json.dumps({"echo": secret}).encode())])
    before = path.read_bytes()
    with pytest.raises(CassetteSecretError, match="existing content"):
        append(path, loaded_from(path), embedding("new"), secrets=(secret,))
    assert path.read_bytes() == before


def test_a_key_shaped_value_in_the_new_interactions_is_refused(cassette: Path) -> None:
    before = cassette.read_bytes()
    leaked = embedding("new", answer=b'{"key": "sk-' + b"proj-" + b"A1b2C3d4" * 6 + b'"}')
    with pytest.raises(CassetteSecretError):
        append(cassette, loaded_from(cassette), leaked)
    assert cassette.read_bytes() == before


def test_vcrpy_reads_an_appended_file(cassette: Path) -> None:
    append(cassette, loaded_from(cassette), embedding("new"))
    ours = load_cassette(cassette)
    requests, responses = vcr_deserialize(cassette.read_text(), yamlserializer)
    assert len(requests) == len(ours) == 31
    assert [r.uri for r in requests] == [i.request.url for i in ours]
    assert [json.loads(r.body) for r in requests] == [json.loads(i.request.body) for i in ours]
    assert [json.loads(r["body"]["string"]) for r in responses] == [
        json.loads(i.response.body) for i in ours
    ]


BODIES = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40).map(str.encode),
    st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3).map(
        lambda d: json.dumps(d).encode()
    ),
    st.lists(st.sampled_from(["data: {}", "", "event: x", "data: [DONE]"]), max_size=4).map(
        lambda lines: "\n".join(lines).encode()
    ),
)
INTERACTIONS = st.builds(
    lambda request, response: Interaction(
        RecordedRequest("POST", URL, (), request), RecordedResponse(200, "OK", (), response)
    ),
    BODIES,
    BODIES,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(INTERACTIONS, min_size=1, max_size=4), st.lists(INTERACTIONS, min_size=1, max_size=3)
)
def test_items_serialise_as_the_whole_file_does(
    first: list[Interaction], then: list[Interaction]
) -> None:
    whole = serialize_cassette([*first, *then])
    assert whole == HEADER + serialize_items(first) + serialize_items(then)


MEMORY_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from openai_responses._cassette import Interaction, RecordedRequest, RecordedResponse
from openai_responses._cassette._merge import Snapshot, save_merged
from openai_responses._cassette._save import HEADER, serialize_items

def big(tag):
    answer = json.dumps({"text": (tag + " lorem ipsum dolor sit amet ") * 370})
    return Interaction(
        RecordedRequest("POST", "https://api.openai.com/v1/x", (), json.dumps({"q": tag}).encode()),
        RecordedResponse(200, "OK", (), answer.encode()),
    )

path = Path(sys.argv[1])
template = serialize_items([big("#####")])
path.write_text(HEADER + "".join(template.replace("#####", f"{n:05d}") for n in range(500)))
tracemalloc.start()
loaded, parsed = Snapshot.load(path)
save_merged(path, loaded, [big("new")], replace_loaded=False)
assert len(parsed.interactions) == 500
print(tracemalloc.get_traced_memory()[1] / path.stat().st_size)
"""


def test_loading_and_appending_holds_the_file_about_once(tmp_path: Path) -> None:
    """Peak Python memory of a replaying session's load plus an append, over the file's size
    (5 MB of 10 KB answers): the bytes are streamed, never held beside the interactions.
    Measured ~1.2x; the bound leaves room."""
    env = {**os.environ, "OPENAI_RESPONSES_CACHE_DIR": "off"}
    probe = [sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "big.yaml")]
    done = subprocess.run(probe, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 1.8


LINES = st.lists(
    st.sampled_from(
        [b"\n", b"- ", b"-", b"--", b"...", b"#", b" ", b"  k: v", b"x: 1", b"\t", b"\r", b"a"]
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(LINES, st.integers(min_value=1, max_value=9), st.booleans())
def test_the_streamed_layout_check_agrees_with_the_whole_one(
    parts: list[bytes], chunk: int, headed: bool
) -> None:
    raw = (HEADER.encode() + b"- " if headed else b"") + b"".join(parts)
    check = _append._PrefixCheck(())
    for start in range(0, len(raw), chunk):
        check.feed(raw[start : start + chunk])
    assert check.appendable() == _append.appendable(raw)
