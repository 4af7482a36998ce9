"""Stateful surface resources: CRUD round trip, and the end-to-end helpers built on them."""

from __future__ import annotations

import inspect
import json
import wave
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_responses import OpenAIMock
from openai_responses._endpoints import ENDPOINTS

# Stateful resources with create, retrieve, list, update and delete rows and no parent.
CRUD = sorted(
    {
        row.sdk.rsplit(".", 1)[0]
        for row in ENDPOINTS
        if row.kind == "create" and row.collection and "{" not in row.path
    }
    & {row.sdk.rsplit(".", 1)[0] for row in ENDPOINTS if row.kind == "update" and row.collection}
    & {row.sdk.rsplit(".", 1)[0] for row in ENDPOINTS if row.kind == "delete" and row.collection}
    & {row.sdk.rsplit(".", 1)[0] for row in ENDPOINTS if row.kind == "list" and row.collection}
)
# Assistants, Responses and Conversations are tested by their own modules.
CRUD = [n for n in CRUD if not n.startswith(("beta.assistants", "beta.threads", "conversations"))]


def client() -> openai.OpenAI:
    # Asked of the client, not the version: late 2.x releases take an admin key too.
    admin = "admin_api_key" in inspect.signature(openai.OpenAI).parameters
    return (
        openai.OpenAI(api_key="sk-test", admin_api_key="sk-admin", max_retries=0)
        if admin
        else openai.OpenAI(api_key="sk-test", max_retries=0)
    )


def resource(sdk: str) -> Any:
    node: Any = client()
    for name in sdk.split("."):
        node = getattr(node, name)
    return node


@pytest.mark.parametrize("namespace", CRUD)
def test_crud_round_trip(namespace: str) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_surface_walk import plausible, signature

    mock = OpenAIMock()
    with mock.router:
        api = resource(namespace)

        def args(method: Any, skip: int = 0) -> dict[str, Any]:
            params = list(signature(method).parameters.items())[skip:]
            return {
                n: plausible(n, p.annotation)
                for n, p in params
                if p.default is p.empty and n != "self" and p.kind is p.KEYWORD_ONLY
            }

        created = [api.create(**args(api.create)) for _ in range(3)]
        first = created[0]
        assert api.retrieve(first.id).id == first.id
        page = api.list(limit=2)
        assert len(page.data) == 2 and page.has_more
        assert {c.id for c in api.list(limit=2).iter_pages().__next__().data} <= {
            c.id for c in created
        }
        assert len(list(api.list(limit=2))) == 3  # auto-pagination follows the cursor
        api.update(first.id, **args(api.update))
        api.delete(first.id)
        with pytest.raises(openai.NotFoundError) as raised:
            api.retrieve(first.id)
    assert raised.value.body["message"].startswith("No ")  # type: ignore[index]
    assert set(raised.value.response.json()["error"]) == {"message", "type", "param", "code"}


def test_vector_store_upload_and_poll_and_search() -> None:
    with OpenAIMock().router:
        api = client()
        store = api.vector_stores.create(name="docs")
        vs_file = api.vector_stores.files.upload_and_poll(
            vector_store_id=store.id, file=("a.txt", b"the quick brown fox")
        )
        results = api.vector_stores.search(store.id, query="brown fox")
    assert vs_file.status == "completed" and vs_file.usage_bytes == 19
    assert (
        results.data[0].file_id == vs_file.id
        and results.data[0].content[0].text == "the quick brown fox"
    )


def test_batch_lifecycle_to_completed_with_output_file() -> None:
    lines = [
        {
            "custom_id": "a",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": "text-embedding-3-small", "input": "hi"},
        },
        {
            "custom_id": "b",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
        },
    ]
    with OpenAIMock().router:
        api = client()
        data = "\n".join(json.dumps(line) for line in lines).encode()
        batch_file = api.files.create(file=("in.jsonl", data), purpose="batch")
        batch = api.batches.create(
            input_file_id=batch_file.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        statuses = [batch.status]
        while batch.status != "completed":
            batch = api.batches.retrieve(batch.id)
            statuses.append(batch.status)
        assert batch.output_file_id is not None
        output = [
            json.loads(line) for line in api.files.content(batch.output_file_id).text.splitlines()
        ]
    assert statuses == ["validating", "in_progress", "finalizing", "completed"]
    assert [o["custom_id"] for o in output] == ["a", "b"]
    assert output[0]["response"]["body"]["object"] == "list"
    assert output[1]["response"]["body"]["object"] == "chat.completion"
    assert batch.request_counts is not None and batch.request_counts.completed == 2


def test_batch_with_unknown_input_file_is_404() -> None:
    with OpenAIMock().router, pytest.raises(openai.NotFoundError):
        client().batches.create(
            input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"
        )


def test_upload_file_chunked_round_trips_bytes() -> None:
    data = b"a" * 1000 + b"b" * 500
    with OpenAIMock().router:
        api = client()
        upload = api.uploads.upload_file_chunked(
            file=data,
            filename="big.bin",
            bytes=len(data),
            mime_type="application/octet-stream",
            purpose="assistants",
            part_size=600,
        )
        assert upload.status == "completed" and upload.file is not None
        assert upload.file.bytes == len(data)
        assert api.files.content(upload.file.id).content == data


def test_speech_write_to_file_is_a_valid_wav(tmp_path: Path) -> None:
    with OpenAIMock().router:
        speech = client().audio.speech.create(
            model="tts-1", voice="alloy", input="hi", response_format="wav"
        )
        speech.write_to_file(tmp_path / "out.wav")
    with wave.open(str(tmp_path / "out.wav")) as audio:
        assert audio.getframerate() == 24_000 and audio.getnframes() > 0


@pytest.mark.parametrize("fmt", ["json", "text", "verbose_json", "srt", "vtt"])
def test_transcription_formats(fmt: str) -> None:
    with OpenAIMock().router:
        answer: Any = client().audio.transcriptions.create(
            model="whisper-1", file=("a.wav", b"RIFF"), response_format=fmt
        )  # type: ignore[call-overload]
    if fmt in ("text", "srt", "vtt"):
        assert isinstance(answer, str)
    else:
        assert answer.text == ""
