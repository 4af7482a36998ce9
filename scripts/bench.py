"""Benchmark: what the engine adds on top of the openai SDK, measured side by side.

Prints per-call microseconds and ratios, all measured in this one run:
- replay from a 10- and a 10,000-interaction cassette (through the SDK's default transport)
  vs a bare ``httpx2.MockTransport`` answering the same bytes (the floor: the SDK's own cost);
- vcrpy replaying the same cassette, and a respx static route, on the legacy httpx stack
  (the only one they patch) vs a bare ``httpx.MockTransport`` there;
- loading a 5,000-interaction cassette: ours (cold, and warm from the parsed cache) vs vcrpy.

Run: python scripts/bench.py [--calls N] [--skip-load]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai

from openai_responses import OpenAIMock
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    save_cassette,
)

BASE = "https://api.openai.com/v1"
PROMPTS = [f"question number {i}" for i in range(10)]


def completion(prompt: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": f"An answer to {prompt}. " * 8},
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 40, "total_tokens": 52},
    }


def request_body(prompt: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": prompt}], "model": "gpt-4o-mini"}


def interaction(prompt: str) -> Interaction:
    return Interaction(
        RecordedRequest(
            "POST",
            f"{BASE}/chat/completions",
            (("content-type", "application/json"),),
            json.dumps(request_body(prompt)).encode(),
        ),
        RecordedResponse(
            200,
            "OK",
            (("content-type", "application/json"),),
            json.dumps(completion(prompt)).encode(),
        ),
    )


def write_cassette(path: Path, size: int) -> Path:
    """``size`` interactions: the 10 benchmark prompts plus filler the index must skip."""
    filler = [interaction(f"filler prompt {i}") for i in range(size - len(PROMPTS))]
    save_cassette(path, [*filler, *(interaction(p) for p in PROMPTS)])
    return path


Call = Callable[[str], Any]
Setup = Callable[[], AbstractContextManager[Call]]


def timed(call: Call, calls: int) -> float:
    """Microseconds per call over ``calls`` SDK calls, after a warm-up."""
    for prompt in PROMPTS:
        call(prompt)
    # CPU time of this process, not wall time: on a shared or virtual machine the wall clock
    # also counts the time other tenants hold the core, which swamps what is measured here.
    started = time.process_time()
    for i in range(calls):
        call(PROMPTS[i % len(PROMPTS)])
    return (time.process_time() - started) / calls * 1e6


def chat(client: openai.OpenAI) -> Call:
    def call(prompt: str) -> Any:
        return client.chat.completions.create(**request_body(prompt))  # type: ignore[call-overload]

    return call


def fixed_answer(request: Any) -> Any:
    prompt = json.loads(request.content)["messages"][0]["content"]
    return json.dumps(completion(prompt)).encode()


@contextmanager
def bare_httpx2() -> Iterator[Call]:
    import httpx2

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, content=fixed_answer(request), headers={"content-type": "application/json"}
        )

    http = openai.DefaultHttpxClient(transport=httpx2.MockTransport(handler))
    yield chat(openai.OpenAI(api_key="sk-bench", http_client=http))


@contextmanager
def bare_httpx() -> Iterator[Call]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=fixed_answer(request), headers={"content-type": "application/json"}
        )

    http: Any = httpx.Client(transport=httpx.MockTransport(handler))
    yield chat(openai.OpenAI(api_key="sk-bench", http_client=http))


def ours(path: Path, *, legacy: bool = False) -> Setup:
    @contextmanager
    def setup() -> Iterator[Call]:
        with OpenAIMock(cassette=path, allow_playback_repeats=True):
            http: Any = httpx.Client() if legacy else None
            yield chat(openai.OpenAI(api_key="sk-bench", http_client=http))

    return setup


def vcrpy(path: Path) -> Setup:
    @contextmanager
    def setup() -> Iterator[Call]:
        import vcr

        recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
        with recorder.use_cassette(str(path), allow_playback_repeats=True):
            yield chat(openai.OpenAI(api_key="sk-bench", http_client=httpx.Client()))

    return setup


@contextmanager
def respx_static() -> Iterator[Call]:
    import respx

    router = respx.MockRouter(assert_all_called=False)
    answer = json.dumps(completion(PROMPTS[0])).encode()
    router.post(f"{BASE}/chat/completions").respond(
        200, content=answer, headers={"content-type": "application/json"}
    )
    http: Any = httpx.Client(transport=httpx.MockTransport(router.handler))
    yield chat(openai.OpenAI(api_key="sk-bench", http_client=http))


def measure(setups: dict[str, Setup], calls: int, rounds: int) -> dict[str, float]:
    """Median µs per call of each setup, the setups taking turns round after round, so that
    a machine that speeds up or slows down during the run weighs on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(rounds):
        for name, setup in setups.items():
            with setup() as call:
                samples[name].append(timed(call, calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def load_times(directory: Path) -> tuple[float, float, float]:
    """Seconds to load 5,000 interactions: ours cold, ours warm (parsed cache), vcrpy."""
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    path = write_cassette(directory / "load-5000.yaml", 5000)
    os.environ["OPENAI_RESPONSES_CACHE_DIR"] = str(directory / "cache")
    started = time.perf_counter()
    load_cassette(path)
    cold = time.perf_counter() - started
    from openai_responses._cassette import _cache

    _cache._MEMORY.clear()  # measure the on-disk cache, as a new test process would see it
    started = time.perf_counter()
    load_cassette(path)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    FilesystemPersister.load_cassette(str(path), yamlserializer)
    theirs = time.perf_counter() - started
    return cold, warm, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="SDK calls per round")
    parser.add_argument("--rounds", type=int, default=9, help="rounds, setups taking turns")
    parser.add_argument("--skip-load", action="store_true", help="skip the 5,000 load test")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        small = write_cassette(directory / "small.yaml", 10)
        large = write_cassette(directory / "large.yaml", 10_000)
        setups: dict[str, Setup] = {
            "bare httpx2.MockTransport (floor)": bare_httpx2,
            "ours: replay, 10 interactions": ours(small),
            "ours: replay, 10,000 interactions": ours(large),
            "bare httpx.MockTransport (legacy floor)": bare_httpx,
            "ours: replay, 10, legacy httpx client": ours(small, legacy=True),
            "vcrpy: replay, 10, legacy httpx client": vcrpy(small),
            "respx: static route, legacy httpx client": respx_static,
        }
        results = measure(setups, args.calls, args.rounds)
        names = list(results)
        floors = {name: results[names[0] if i < 3 else names[3]] for i, name in enumerate(names)}
        print(f"openai {openai.__version__}; {args.rounds} rounds x {args.calls} calls, median\n")
        print(f"{'path':<44} {'us/call':>9} {'x floor':>8}")
        for name, micros in results.items():
            print(f"{name:<44} {micros:>9.0f} {micros / floors[name]:>8.3f}")
        print(f"\n10,000 vs 10 interactions: {results[names[2]] / results[names[1]]:.3f}x")

        if not args.skip_load:
            cold, warm, theirs = load_times(directory)
            print("\nload 5,000 interactions:")
            print(f"  ours, cold (YAML)          {cold:7.2f} s  {cold / theirs:.2f}x vcrpy")
            print(f"  ours, warm (parsed cache)  {warm:7.2f} s  {warm / theirs:.2f}x vcrpy")
            print(f"  vcrpy                      {theirs:7.2f} s")


if __name__ == "__main__":
    main()
