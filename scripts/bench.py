"""Benchmark: what the engine adds on top of the openai SDK, measured side by side.

Prints per-call microseconds and ratios, all measured in this one run:
- replay from a 10- and a 10,000-interaction cassette (through the SDK's default transport)
  vs a bare ``httpx2.MockTransport`` answering the same bytes (the floor: the SDK's own cost);
- vcrpy replaying the same cassette, and a respx static route, on the legacy httpx stack
  (the only one they patch) vs a bare ``httpx.MockTransport`` there;
- loading a 5,000-interaction cassette: ours (cold, and warm from the parsed cache) vs vcrpy.

- start-up: the first mock of a process (import, construct, enter, first call) over a plain
  first call, in fresh interpreters (CPU time after ``import openai``).

Run: python scripts/bench.py [--quick] [--only startup|per-call|load] [--calls N] [--skip-load]
Prints, never asserts: timings are for people, not for CI gates.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
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


# -- start-up: the first mock of a process, in fresh interpreters ---------------------------
# Both programs import openai first (not counted), then time with the process's CPU clock:
# the floor sends one chat call through a bare MockTransport of the SDK's own httpx stack;
# ours imports the package, builds a mock, enters it and sends the same call through it.
_STARTUP_COMMON = """
import sys, time, json
import openai
BODY = {"messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o-mini"}
ANSWER = json.dumps(%r).encode()
before = set(sys.modules)
started = time.process_time()
"""
_STARTUP_FLOOR = """
try:
    import httpx2 as stack
except ImportError:
    import httpx as stack
HEADERS = {"content-type": "application/json"}
answer = lambda request: stack.Response(200, content=ANSWER, headers=HEADERS)
transport = stack.MockTransport(answer)
http = openai.DefaultHttpxClient(transport=transport)
client = openai.OpenAI(api_key="sk-bench", http_client=http)
client.chat.completions.create(**BODY)
"""
_STARTUP_OURS = """
from openai_responses import OpenAIMock
mock = OpenAIMock()
with mock:
    openai.OpenAI(api_key="sk-bench").chat.completions.create(**BODY)
"""
_STARTUP_REPORT = """
print(time.process_time() - started, len(set(sys.modules) - before))
"""


def _first_call(program: str, pycache: str) -> tuple[float, int]:
    """CPU seconds and modules imported after ``import openai``, in a new interpreter.

    With bytecode caches, as an installed package has them (kept in ``pycache``, so that
    running the benchmark writes nothing beside the sources).
    """
    code = _STARTUP_COMMON % completion("hi") + program + _STARTUP_REPORT
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout
    seconds, modules = out.split()
    return float(seconds), int(modules)


def startup_section(rounds: int) -> None:
    """The first mock of a process over a plain first call, fresh interpreters taking turns."""
    samples: dict[str, list[tuple[float, int]]] = {"floor": [], "ours": []}
    with tempfile.TemporaryDirectory() as pycache:
        _first_call(_STARTUP_FLOOR, pycache)  # writes the bytecode caches
        _first_call(_STARTUP_OURS, pycache)
        for _ in range(rounds):
            samples["floor"].append(_first_call(_STARTUP_FLOOR, pycache))
            samples["ours"].append(_first_call(_STARTUP_OURS, pycache))
    floor = statistics.median(s for s, _ in samples["floor"])
    ours = statistics.median(s for s, _ in samples["ours"])
    extra_modules = samples["ours"][0][1] - samples["floor"][0][1]
    print(f"\nstart-up after `import openai`, CPU s, median of {rounds} fresh interpreters:")
    print(f"  plain first call (bare MockTransport)     {floor:6.3f} s")
    print(f"  first mock: import, construct, enter, call {ours:6.3f} s")
    print(
        f"  what the mock adds                         {ours - floor:6.3f} s  "
        f"({extra_modules:+d} modules)"
    )


def per_call_section(calls: int, rounds: int) -> None:
    """Replay per call against the floor of the SDK's own stack, setups taking turns."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        small = write_cassette(directory / "small.yaml", 10)
        large = write_cassette(directory / "large.yaml", 10_000)
        setups: dict[str, Setup] = {}
        if HTTPX2:
            setups["bare httpx2.MockTransport (floor)"] = bare_httpx2
            setups["ours: replay, 10 interactions"] = ours(small)
            setups["ours: replay, 10,000 interactions"] = ours(large)
        setups["bare httpx.MockTransport (legacy floor)"] = bare_httpx
        setups["ours: replay, 10, legacy httpx client"] = ours(small, legacy=True)
        if not HTTPX2:  # openai 2.x: the default client is an httpx one
            setups["ours: replay, 10,000, legacy httpx client"] = ours(large, legacy=True)
        setups["vcrpy: replay, 10, legacy httpx client"] = vcrpy(small)
        setups["respx: static route, legacy httpx client"] = respx_static
        results = measure(setups, calls, rounds)
    floor = 0.0
    print(f"\nper call: {rounds} rounds x {calls} calls, median CPU\n")
    print(f"{'path':<44} {'us/call':>9} {'x floor':>8}")
    for name, micros in results.items():
        floor = micros if "floor" in name else floor
        print(f"{name:<44} {micros:>9.0f} {micros / floor:>8.3f}")


HTTPX2 = importlib.util.find_spec("httpx2") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="SDK calls per round")
    parser.add_argument("--rounds", type=int, default=9, help="rounds, setups taking turns")
    parser.add_argument("--skip-load", action="store_true", help="skip the 5,000 load test")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: under a minute")
    parser.add_argument(
        "--only", choices=("startup", "per-call", "load"), help="run one section only"
    )
    args = parser.parse_args()
    if args.quick:
        args.calls, args.rounds = min(args.calls, 50), min(args.rounds, 3)
    print(f"openai {openai.__version__}")
    if args.only in (None, "startup"):
        startup_section(args.rounds)
    if args.only in (None, "per-call"):
        per_call_section(args.calls, args.rounds)
    if args.only in (None, "load") and not args.skip_load and not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            cold, warm, theirs = load_times(Path(tmp))
        print("\nload 5,000 interactions:")
        print(f"  ours, cold (YAML)          {cold:7.2f} s  {cold / theirs:.2f}x vcrpy")
        print(f"  ours, warm (parsed cache)  {warm:7.2f} s  {warm / theirs:.2f}x vcrpy")
        print(f"  vcrpy                      {theirs:7.2f} s")


if __name__ == "__main__":
    main()
