"""`openai-responses serve` as a real process: base URL on stdout, clients in any HTTP stack,
SIGTERM/SIGINT stop it cleanly and save the cassette and the state file; SIGKILL loses only
what was not saved yet, never the file already on disk."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from conftest import UPSTREAM_TEXT, FakeOpenAI
from openai_responses._cli import main
from openai_responses._server import LoopbackServer
from test_server import port_is_closed

MESSAGES = [{"role": "user", "content": "hi"}]


@contextmanager
def serving(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The CLI in a child process; yields it and the base URL it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "openai_responses._cli", "serve", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPENAI_API_KEY": ""},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1"), process.stderr
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def stop(process: subprocess.Popen[str], number: signal.Signals = signal.SIGTERM) -> int:
    process.send_signal(number)
    return process.wait(30)


def sdk(url: str) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-cli-secret", base_url=url, max_retries=0, timeout=10.0)


def journal(url: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = httpx.get(f"{url[: -len('/v1')]}/__mock/journal").json()["data"]
    return data


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


@dataclass
class Recording:
    """One run of the CLI recording from the fake upstream, stopped by SIGTERM."""

    upstream: FakeOpenAI
    cassette: Path
    url: str
    answers: dict[str, Any]
    sources: list[object]
    exit_code: int


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    fake = FakeOpenAI(stream_pause=0)
    cassette = tmp_path_factory.mktemp("served") / "served.yaml"
    with LoopbackServer(fake) as server:
        fake.url, fake.server = f"{server.url}/v1", server
        options = ("--cassette", str(cassette), "--record-mode", "once", "--upstream", fake.url)
        with serving(*options) as (process, url):
            answers = drive(url)
            assert not cassette.exists()  # saved at exit, not before
            sources = [entry["source"] for entry in journal(url)]
            code = stop(process)
        yield Recording(fake, cassette, url, answers, sources, code)


def drive(url: str) -> dict[str, Any]:
    """The same API through the openai SDK, httpx and urllib."""
    client = sdk(url)
    chat = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    embedding = httpx.post(
        f"{url}/embeddings", json={"model": "text-embedding-3-small", "input": "x"}
    )
    request = urllib.request.Request(
        f"{url}/responses",
        data=json.dumps({"model": "gpt-4o", "input": "hi"}).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer sk-cli-secret"},
    )
    with urllib.request.urlopen(request, timeout=10) as raw:
        response = json.loads(raw.read())
    return {
        "chat": chat.choices[0].message.content,
        "streamed": streamed,
        "embedding": embedding.status_code,
        "response": response,
    }


def test_records_from_sdk_httpx_and_urllib_then_saves_on_sigterm(recording: Recording) -> None:
    upstream, cassette = recording.upstream.url, recording.cassette
    assert recording.exit_code == 0
    assert port_is_closed(port_of(recording.url))
    assert recording.answers["chat"] == recording.answers["streamed"] == UPSTREAM_TEXT
    assert recording.answers["embedding"] == 200
    assert recording.answers["response"]["output"][0]["content"][0]["text"] == UPSTREAM_TEXT
    assert recording.sources == ["record"] * 4
    saved = yaml.safe_load(cassette.read_text())
    # Recorded as the upstream's requests, not the stand-in's, and without the key.
    assert [i["request"]["uri"] for i in saved["interactions"]] == [
        f"{upstream}/chat/completions",
        f"{upstream}/chat/completions",
        f"{upstream}/embeddings",
        f"{upstream}/responses",
    ]
    assert "sk-cli-secret" not in cassette.read_text()
    assert not list(cassette.parent.glob(".*.tmp"))  # the atomic save's temp file is gone


def test_replays_without_calling_upstream_and_seeds_state(recording: Recording) -> None:
    cassette = recording.cassette
    before = cassette.read_bytes()
    response_id = recording.answers["response"]["id"]
    options = ("--cassette", str(cassette), "--state", str(cassette))
    sent_upstream = len(recording.upstream.requests)
    with serving(*options, "--upstream", recording.upstream.url) as (process, url):
        replayed = sdk(url).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
        found = sdk(url).responses.retrieve(response_id)  # state seeded from the cassette
        other = httpx.post(f"{url}/chat/completions", json={"model": "gpt-4o", "messages": []})
        entries = journal(url)
        assert stop(process) == 0

    assert len(recording.upstream.requests) == sent_upstream  # nothing went upstream
    assert replayed.choices[0].message.content == UPSTREAM_TEXT
    assert found.output_text == UPSTREAM_TEXT
    assert other.status_code == 404  # a miss is the client's error, not a made-up answer
    assert "cassette" in other.json()["error"]["message"]
    assert [(e["source"], e["status"]) for e in entries] == [
        ("cassette", 200),
        ("state", 200),
        ("miss", 404),
    ]
    assert cassette.read_bytes() == before  # replaying writes nothing; a state seed neither


def test_sigkill_never_leaves_a_broken_cassette(recording: Recording) -> None:
    cassette = recording.cassette
    before = cassette.read_bytes()
    options = ("--cassette", str(cassette), "--record-mode", "new_episodes")
    with serving(*options, "--upstream", recording.upstream.url) as (process, url):
        sdk(url).embeddings.create(model="text-embedding-3-small", input="new")
        process.kill()
        process.wait(30)

    assert cassette.read_bytes() == before  # what was saved stays whole; nothing half-written


def test_state_file_survives_a_restart_and_sigint(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with serving("--state", str(state)) as (process, url):
        client = sdk(url)
        assistant = client.beta.assistants.create(model="gpt-4o", name="kept")
        uploaded = client.files.create(file=("a.txt", b"file bytes"), purpose="assistants")
        gone = client.beta.assistants.create(model="gpt-4o")
        client.beta.assistants.delete(gone.id)
        assert stop(process, signal.SIGINT) == 0

    with serving("--state", str(state)) as (process, url):
        client = sdk(url)
        kept = client.beta.assistants.retrieve(assistant.id)
        content = client.files.content(uploaded.id).content
        with pytest.raises(openai.NotFoundError):
            client.beta.assistants.retrieve(gone.id)
        assert stop(process) == 0

    assert kept.name == "kept"
    assert content == b"file bytes"


def test_a_taken_port_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    handler_before = signal.getsignal(signal.SIGTERM)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = main(["serve", "--port", str(taken.getsockname()[1])])

    assert code == 2
    assert "failed to start" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is handler_before  # the CLI's handlers are gone
