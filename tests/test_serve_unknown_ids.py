"""`--unknown-ids=create`: a path naming ids nobody made answers as if the objects existed.

The walk calls every HTTP method of the installed SDK (the surface walk's list) against a
served mock in that mode, every path id made up, several rounds with fresh ids: no answer may
be a 404. Off by default, the same ids are 404s.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import openai
import pytest

import openai_responses
from openai_responses._endpoints import Endpoint
from test_surface_walk import ROWS, Walk, endpoint_methods

ROUNDS = 3
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def _path_params(row: Endpoint) -> list[str]:
    return re.findall(r"\{(\w+)\}", row.path)


def made_up_ids(row: Endpoint, rng: random.Random) -> dict[str, str]:
    return {
        param: param.removesuffix("_id") + "_" + "".join(rng.choices(_ID_ALPHABET, k=12))
        for param in _path_params(row)
    }


@pytest.fixture
def served() -> Iterator[openai_responses.ServedMock]:
    with openai_responses.serve(unknown_ids="create") as served:
        yield served


def client(url: str, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-lenient", admin_api_key="sk-admin", base_url=url, max_retries=0, **options
    )


async def walk(served: openai_responses.ServedMock, rng: random.Random) -> Counter[str]:
    sdk_client = client(served.url)
    state = Walk(sdk_client, served.mock, False)
    state.methods = dict(endpoint_methods(sdk_client))
    outcomes: Counter[str] = Counter()
    for _ in range(ROUNDS):
        for sdk in sorted(state.methods):
            row = ROWS.get(sdk)
            if row is None or not _path_params(row):
                continue
            outcomes[await outcome(state, sdk, made_up_ids(row, rng))] += 1
    return outcomes


async def outcome(state: Walk, sdk: str, ids: dict[str, str]) -> str:
    try:
        await state.call(sdk, **ids)
    except openai.NotFoundError as error:
        return f"404 {sdk} {ids}: {error.message[:120]}"
    except openai.APIStatusError as error:
        return f"HTTP {error.status_code}"
    return "2xx"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_no_made_up_id_is_a_404_across_the_whole_surface(
    served: openai_responses.ServedMock,
) -> None:
    outcomes = anyio.run(walk, served, random.Random(14))
    not_found = [key for key in outcomes if key.startswith("404")]
    calls = sum(outcomes.values())

    assert calls > 3 * 150, outcomes  # every method with a path id, each round
    assert not_found == [], "\n".join(not_found)
    assert outcomes["2xx"] >= 0.95 * calls, outcomes


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_made_up_objects_are_stored_and_come_back_after_a_delete(
    served: openai_responses.ServedMock,
) -> None:
    api = client(served.url)
    message = api.beta.threads.messages.retrieve("msg_made_up", thread_id="thread_made_up")
    listed = api.beta.threads.messages.list("thread_made_up")
    thread = api.beta.threads.retrieve("thread_made_up")
    api.beta.threads.delete("thread_made_up")
    again = api.beta.threads.retrieve("thread_made_up")  # a suite reuses placeholder ids
    listed_again = api.beta.threads.messages.list("thread_made_up")

    assert (message.id, message.thread_id) == ("msg_made_up", "thread_made_up")
    assert [m.id for m in listed.data] == ["msg_made_up"]
    assert thread.id == again.id == "thread_made_up"
    assert listed_again.data == []  # the delete took its messages with it
    journal = served.journal.entries()
    assert [e.status for e in journal] == [200] * 6


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_off_by_default() -> None:
    with openai_responses.serve() as served:
        api = client(served.url)
        with pytest.raises(openai.NotFoundError):
            api.beta.threads.messages.retrieve("msg_made_up", thread_id="thread_made_up")
        with pytest.raises(openai.NotFoundError):
            api.files.content("file-made-up")
    with pytest.raises(ValueError, match="unknown_ids"):
        openai_responses.ServedMock(unknown_ids="yes")  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_parallel_clients_never_see_a_404(served: openai_responses.ServedMock) -> None:
    threads, calls = 6, 8
    barrier = threading.Barrier(threads)
    statuses: list[int] = []

    def one_client(name: str) -> None:
        api = client(served.url)
        barrier.wait()
        for index in range(calls):
            # a nested look-up whose thread, run and step are all made up, by every client
            raw = api.beta.threads.runs.steps.with_raw_response.retrieve(
                f"step_{index}", thread_id=f"thread_{index}", run_id=f"run_{name}_{index}"
            )
            statuses.append(raw.http_response.status_code)
            # ids in the body, looked up by the handler: made on the spot
            made = api.vector_stores.with_raw_response.create(file_ids=[f"file-{name}-{index}"])
            statuses.append(made.http_response.status_code)

    workers = [threading.Thread(target=one_client, args=(str(i),)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert statuses == [200] * threads * calls * 2
