"""Saving under concurrency and faults, with real workers, processes, threads and sockets:
nothing another session recorded is lost, a killed save leaves the old cassette and no lasting
junk, and a test that fails mid-stream neither waits for the upstream nor saves half an answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

import openai_responses
from conftest import FakeOpenAI
from openai_responses import OpenAIMock
from openai_responses._cassette import load_cassette
from openai_responses._server import LoopbackServer
from openai_responses.ext.httpx import MockTransport

KEY = "sk-save-test-key-0123456"
EMBED = "/v1/embeddings"

# Every party touches its name, then waits for all: each session has loaded the cassette
# before any saves, the schedule that makes the last writer drop everyone else's work.
MEET = """
import pathlib, time

def meet(directory, name, parties):
    directory = pathlib.Path(directory)
    (directory / name).touch()
    deadline = time.monotonic() + 60  # a sanity bound, not a timing assumption
    while len(list(directory.iterdir())) < parties:
        assert time.monotonic() < deadline, "the other parties never came"
        time.sleep(0.01)
"""

# A recording session without the mock engine (cheap to start): the save path is the same.
CHILD = (
    MEET
    + """
import os, sys
import httpx
from openai_responses._session import open_cassette

url, cassette, word, barrier, parties = sys.argv[1:6]
session = open_cassette(cassette, "new_episodes")  # loads the file now
meet(barrier, word, int(parties))
if os.environ.get("HANG_IN_FSYNC"):  # be killed in the middle of writing the cassette
    def hang(fd):
        pathlib.Path(os.environ["HANG_IN_FSYNC"]).touch()
        time.sleep(600)
    os.fsync = hang
body = {"model": "text-embedding-3-small", "input": word}
session.record(httpx.Request("POST", url + "/embeddings", json=body), lambda answer: None).read()
session.close(failed=False)
"""
)

# Fewer tests than twice the workers: xdist's load scheduling deals them round-robin, so alpha
# and beta run on different workers; each records one request into a cassette per mode,
# meeting the other while both sessions are open.
XDIST_TESTS = (
    MEET
    + """
import os
import openai
import pytest
from openai_responses import OpenAIMock

URL = os.environ["SAVE_TEST_URL"]
BARRIER = pathlib.Path(os.environ["SAVE_TEST_BARRIER"])


def record_in_each_mode(word):
    client = openai.OpenAI(api_key="sk-xdist-key-0123456789", base_url=URL, max_retries=0)
    for mode in ("once", "new_episodes"):
        with OpenAIMock(base_url=URL, cassette=f"{mode}.yaml", record_mode=mode):
            meet(BARRIER / mode, word, 2)
            client.embeddings.create(model="text-embedding-3-small", input=word)


def test_alpha():
    record_in_each_mode("alpha")


def test_beta():
    record_in_each_mode("beta")


# Third: round-robin scheduling runs it on alpha's worker, after alpha.
@pytest.mark.openai_mock(
    base_url=URL, cassette="failed.yaml", record_mode="once", record_on_exception=False
)
def test_fails_after_recording(openai_mock):
    client = openai.OpenAI(api_key="sk-xdist-key-0123456789", base_url=URL, max_retries=0)
    client.embeddings.create(model="text-embedding-3-small", input="not kept")
    raise AssertionError("fails on purpose")
"""
)


def inputs(path: Path) -> list[str]:
    """The embedding inputs recorded in ``path``, in file order."""
    return [json.loads(i.request.body)["input"] for i in load_cassette(path)]


def replays(url: str, path: Path, words: list[str]) -> bool:
    """Every word replays from ``path`` (the upstream is stopped: a miss would raise)."""
    with OpenAIMock(base_url=url, cassette=path):
        client = openai.OpenAI(api_key="sk-other", base_url=url, max_retries=0)
        for word in words:
            client.embeddings.create(model="text-embedding-3-small", input=word)
    return True


def stop(fake: FakeOpenAI) -> None:
    assert fake.server is not None
    fake.server.stop()


def embed(mock: OpenAIMock, url: str, word: str) -> None:
    """One recorded request through ``mock`` without entering it (threads may not patch)."""
    client = openai.OpenAI(
        api_key=KEY,
        base_url=url,
        max_retries=0,
        http_client=openai.DefaultHttpxClient(transport=MockTransport(mock.router.handler)),
    )
    client.embeddings.create(model="text-embedding-3-small", input=word)


# --- concurrency ---------------------------------------------------------------------------


def test_xdist_workers_recording_one_cassette_all_land(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    url = loopback_openai.url
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_inner.py").write_text(XDIST_TESTS)
    for mode in ("once", "new_episodes"):
        (tmp_path / "barrier" / mode).mkdir(parents=True)
    cassettes = tmp_path / "cassettes"
    with OpenAIMock(base_url=url, cassette=cassettes / "new_episodes.yaml", record_mode="once"):
        embed_directly(url, "earlier")
    env = {**os.environ, "SAVE_TEST_URL": url, "SAVE_TEST_BARRIER": str(tmp_path / "barrier")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert "1 failed, 2 passed" in done.stdout, done.stdout + done.stderr
    assert "fails on purpose" in done.stdout
    assert not (cassettes / "failed.yaml").exists()  # the marker's record_on_exception=False

    assert sorted(inputs(cassettes / "once.yaml")) == ["alpha", "beta"]
    assert inputs(cassettes / "new_episodes.yaml")[0] == "earlier"
    assert sorted(inputs(cassettes / "new_episodes.yaml")) == ["alpha", "beta", "earlier"]
    stop(loopback_openai)
    assert replays(url, cassettes / "once.yaml", ["alpha", "beta"])
    assert replays(url, cassettes / "new_episodes.yaml", ["earlier", "alpha", "beta"])


def test_four_processes_recording_one_cassette_lose_nothing(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    path = tmp_path / "shared.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        embed_directly(loopback_openai.url, "first")
    (tmp_path / "barrier").mkdir()
    words = [f"process-{n}" for n in range(4)]
    children = [spawn(loopback_openai.url, path, word, tmp_path / "barrier", 4) for word in words]
    for child in children:
        assert child.wait(timeout=120) == 0, child.stderr.read() if child.stderr else ""

    assert inputs(path)[0] == "first"
    assert sorted(inputs(path)) == sorted(["first", *words])


def test_mocks_in_threads_recording_one_cassette_all_land(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    path = tmp_path / "threads.yaml"
    words = [f"thread-{n}" for n in range(4)]
    # All sessions load the (absent) file first, then save at once.
    mocks = [
        OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once") for _ in words
    ]
    barrier = threading.Barrier(len(words))
    errors: list[BaseException] = []

    def record(mock: OpenAIMock, word: str) -> None:
        try:
            embed(mock, loopback_openai.url, word)
            barrier.wait()
            mock.finish()  # what leaving the mock does: the session saves
        except BaseException as exc:  # reported below, from the test's thread
            errors.append(exc)

    pairs = zip(mocks, words, strict=True)
    threads = [threading.Thread(target=record, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(inputs(path)) == words


def test_rewriting_session_replaces_what_it_loaded_and_keeps_what_others_saved(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    url = loopback_openai.url
    path = tmp_path / "rewrite.yaml"
    # Written by another tool: compact JSON and a Content-Length, which our save normalizes.
    body = json.dumps({"model": "text-embedding-3-small", "input": "old"}, separators=(",", ":"))
    old = {
        "request": {"method": "POST", "uri": f"{url}/embeddings", "body": body, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Length": ["2"]},
            "body": {"string": "{}"},
        },
    }
    path.write_text(yaml.safe_dump({"interactions": [old], "version": 1}))

    rewriter = OpenAIMock(base_url=url, cassette=path, record_mode="all")
    with OpenAIMock(base_url=url, cassette=path, record_mode="new_episodes"):
        embed_directly(url, "added-meanwhile")  # saves (and re-serializes "old") at exit
    with rewriter:
        embed_directly(url, "rewritten")
    assert inputs(path) == ["added-meanwhile", "rewritten"]


# --- killed runs ---------------------------------------------------------------------------


def test_killed_save_keeps_the_cassette_and_a_later_save_cleans_up(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    path = tmp_path / "killed.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        embed_directly(loopback_openai.url, "before")
    before = path.read_bytes()

    (tmp_path / "barrier").mkdir()
    writing = tmp_path / "writing"
    child = spawn(
        loopback_openai.url, path, "killed", tmp_path / "barrier", 1, HANG_IN_FSYNC=str(writing)
    )
    wait_for(writing, child)
    child.send_signal(signal.SIGKILL)  # while it holds the lock, halfway through the write
    child.wait(timeout=60)
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".killed.yaml.*.tmp")), "the kill came too late to test anything"

    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="new_episodes"):
        embed_directly(loopback_openai.url, "after")
    assert inputs(path) == ["before", "after"]
    assert not list(tmp_path.glob(".killed.yaml.*.tmp"))


def spawn(
    url: str, path: Path, word: str, barrier: Path, parties: int, **env: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            str(path),
            word,
            str(barrier),
            str(parties),
            "new_episodes",
        ],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(marker: Path, child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60  # a sanity bound
    while not marker.exists():
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        assert time.monotonic() < deadline, "the child never started writing"
        time.sleep(0.01)


def embed_directly(url: str, word: str) -> None:
    client = openai.OpenAI(api_key=KEY, base_url=url, max_retries=0)
    client.embeddings.create(model="text-embedding-3-small", input=word)


# --- failing tests -------------------------------------------------------------------------


@pytest.fixture
def slow_upstream() -> Iterator[tuple[str, list[bytes]]]:
    """A fake OpenAI whose streams pause 1 s between events; yields its URL and the frames it
    has produced so far."""
    fake = FakeOpenAI(stream_pause=1.0)
    sent: list[bytes] = []

    def counting(request: httpx.Request) -> httpx.Response:
        response = fake(request)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            return response

        def frames() -> Iterator[bytes]:
            for frame in response.stream:  # type: ignore[union-attr]
                sent.append(frame)
                yield frame

        return httpx.Response(response.status_code, headers=response.headers, content=frames())

    with LoopbackServer(counting) as server:
        yield f"{server.url}/v1", sent


CHAT_FRAMES = 5  # four chunks and [DONE]
ASK: Any = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


def test_exception_mid_stream_closes_the_upstream_and_saves_only_whole_answers(
    tmp_path: Path, slow_upstream: tuple[str, list[bytes]]
) -> None:
    url, sent = slow_upstream
    path = tmp_path / "aborted.yaml"
    with (
        pytest.raises(RuntimeError, match="mid-stream"),
        OpenAIMock(base_url=url, cassette=path, record_mode="once"),
    ):
        embed_directly(url, "whole")
        client = openai.OpenAI(api_key=KEY, base_url=url, max_retries=0)
        with client.chat.completions.create(**ASK, stream=True) as stream:
            next(iter(stream))
            raise RuntimeError("the test failed mid-stream")
    produced = len(sent)
    assert produced < CHAT_FRAMES  # back before the upstream had even produced the rest
    assert inputs(path) == ["whole"]  # the half answer is not in the cassette


async def test_exception_mid_async_stream_closes_the_upstream(
    tmp_path: Path, slow_upstream: tuple[str, list[bytes]]
) -> None:
    url, sent = slow_upstream
    path = tmp_path / "aborted.yaml"
    with (
        pytest.raises(RuntimeError, match="mid-stream"),
        OpenAIMock(base_url=url, cassette=path, record_mode="once"),
    ):
        client = openai.AsyncOpenAI(api_key=KEY, base_url=url, max_retries=0)
        async with await client.chat.completions.create(**ASK, stream=True) as stream:
            await stream.__anext__()
            raise RuntimeError("the test failed mid-stream")
    assert len(sent) < CHAT_FRAMES
    assert not path.exists()


def test_a_stream_the_test_stops_reading_without_an_error_is_still_recorded_whole(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    path = tmp_path / "stopped.yaml"
    with OpenAIMock(base_url=loopback_openai.url, cassette=path, record_mode="once"):
        client = openai.OpenAI(api_key=KEY, base_url=loopback_openai.url, max_retries=0)
        with client.chat.completions.create(**ASK, stream=True) as stream:
            next(iter(stream))  # then stops reading: replay stops at the same place
    (recorded,) = load_cassette(path)
    assert recorded.response.body.rstrip().endswith(b"data: [DONE]")


@pytest.mark.parametrize("record_on_exception", [True, False])
def test_record_on_exception(
    tmp_path: Path, loopback_openai: FakeOpenAI, record_on_exception: bool
) -> None:
    loopback_openai.stream_pause = 0
    path = tmp_path / "failed.yaml"

    @openai_responses.mock(
        base_url=loopback_openai.url,
        cassette=path,
        record_mode="once",
        record_on_exception=record_on_exception,
    )
    def failing_test() -> None:
        embed_directly(loopback_openai.url, "recorded")
        raise AssertionError("the test failed")

    with pytest.raises(AssertionError, match="the test failed"):
        failing_test()
    assert path.exists() is record_on_exception
    if record_on_exception:
        assert inputs(path) == ["recorded"]
