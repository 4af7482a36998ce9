"""Benchmark: what the engine adds on top of the openai SDK, measured side by side.

Prints per-call microseconds and ratios, all measured in this one run:
- replay from a 10- and a 10,000-interaction cassette (through the SDK's default transport)
  vs a bare ``httpx2.MockTransport`` answering the same bytes (the floor: the SDK's own cost);
- vcrpy replaying the same cassette, and a respx static route, on the legacy httpx stack
  (the only one they patch) vs a bare ``httpx.MockTransport`` there;
- cassettes (``cassette_figures``): loading 5,000 interactions cold (no parse cache, as in
  CI) and warm vs vcrpy's load; the first 10 calls into a 2,000-interaction cassette vs a
  10-interaction one; appending one interaction to a 5,000 x 10 KB cassette and saving
  (new_episodes) vs the floor of any atomic save (copy the file, fsync, rename); peak memory
  of loading that cassette and appending, vs its size (tracemalloc, in a subprocess).

- start-up: the first mock of a process (import, construct, enter, first call) over a plain
  first call, in fresh interpreters (CPU time after ``import openai``).

Rounds are interleaved (each setup takes its turn every round); figures are medians.
- instructions per call (``--only instructions``, needs valgrind): ours over the floor as
  counted instructions, which a busy machine cannot blur.

Run: python scripts/bench.py [--quick] [--only startup|per-call|load|instructions]
     [--calls N] [--rounds N] [--skip-load]
``--quick`` (CI): fewer rounds and calls, under a minute; it prints, never asserts.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import shutil
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


# --- cassettes: load, first calls, append-and-save, memory ---------------------------------


def write_quickly(path: Path, make: Callable[[str], Interaction], count: int) -> Path:
    """``count`` interactions ``make(tag)``, tags 00000, 00001, ...: one item serialised, then
    copied with its tag replaced (same length), so big cassettes are written in a second."""
    from openai_responses._cassette._save import HEADER, serialize_items

    template = serialize_items([make("#####")])
    items = (template.replace("#####", f"{n:05d}") for n in range(count))
    path.write_text(HEADER + "".join(items), encoding="utf-8")
    return path


def chat_interaction(tag: str, answer_size: int = 0) -> Interaction:
    """A chat completion; ``answer_size`` pads the answer to about that many bytes."""
    answer = completion(f"prompt {tag}")
    if answer_size:
        filler = f"Answer {tag}: " + "lorem ipsum dolor sit amet " * (answer_size // 27 + 1)
        answer["choices"][0]["message"]["content"] = filler[:answer_size]
    return Interaction(
        RecordedRequest(
            "POST",
            f"{BASE}/chat/completions",
            (("content-type", "application/json"),),
            json.dumps(request_body(f"prompt {tag}")).encode(),
        ),
        RecordedResponse(
            200, "OK", (("content-type", "application/json"),), json.dumps(answer).encode()
        ),
    )


def interleaved(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Median seconds of each run, the runs taking turns round after round."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


def cpu_seconds(action: Callable[[], Any]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def forget_parses() -> None:
    """As a new process: nothing parsed in memory (the disk cache, if enabled, stays)."""
    from openai_responses._cassette import _cache

    _cache._MEMORY.clear()


def load_figures(directory: Path, rounds: int) -> None:
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    path = write_quickly(directory / "load-5000.yaml", chat_interaction, 5000)
    cache = directory / "cache"

    def ours(cache_dir: str) -> float:
        os.environ["OPENAI_RESPONSES_CACHE_DIR"] = cache_dir
        forget_parses()
        return cpu_seconds(lambda: load_cassette(path))

    os.environ["OPENAI_RESPONSES_CACHE_DIR"] = str(cache)
    load_cassette(path)  # fills the disk cache for the warm runs
    results = interleaved(
        {
            "cold": lambda: ours("off"),
            "warm": lambda: ours(str(cache)),
            "vcrpy": lambda: cpu_seconds(
                lambda: FilesystemPersister.load_cassette(str(path), yamlserializer)
            ),
        },
        rounds,
    )
    theirs = results["vcrpy"]
    print(f"\nload 5,000 interactions ({path.stat().st_size / 1e6:.1f} MB), CPU s, median:")
    row("ours, cold (no parse cache)", results["cold"], theirs, "vcrpy")
    row("ours, warm (parse cache)", results["warm"], theirs, "vcrpy")
    row("vcrpy", theirs)


def row(name: str, seconds: float, base: float | None = None, base_name: str = "") -> None:
    ratio = f"  {seconds / base:.3f}x {base_name}" if base else ""
    print(f"  {name:<32} {seconds:8.3f} s{ratio}")


def first_calls_figures(directory: Path, rounds: int) -> None:
    os.environ["OPENAI_RESPONSES_CACHE_DIR"] = str(directory / "cache")
    sizes = {10: 0, 2000: 0}
    paths = {n: write_quickly(directory / f"first-{n}.yaml", chat_interaction, n) for n in sizes}
    for path in paths.values():
        load_cassette(path)  # warm disk cache: what a second test run sees
    with OpenAIMock(cassette=paths[10], allow_playback_repeats=True):  # process warm-up
        chat(openai.OpenAI(api_key="sk-bench"))("prompt 00000")

    def first_ten(size: int) -> float:
        forget_parses()
        with OpenAIMock(cassette=paths[size], allow_playback_repeats=True):
            call = chat(openai.OpenAI(api_key="sk-bench"))
            prompts = [f"prompt {n:05d}" for n in range(size - 10, size)]
            return cpu_seconds(lambda: [call(prompt) for prompt in prompts])

    results = interleaved({f"{n}": functools.partial(first_ten, n) for n in sizes}, rounds)
    small, large = results["10"], results["2000"]
    print("\nfirst 10 calls after the mock opened the cassette (warm parse cache), CPU, median:")
    print(f"  10 interactions     {small * 1e3:7.1f} ms")
    print(f"  2,000 interactions  {large * 1e3:7.1f} ms  {large / small:.3f}x the 10")


def big_interaction(tag: str) -> Interaction:
    return chat_interaction(tag, answer_size=10_000)


def append_figures(directory: Path, rounds: int) -> None:
    from openai_responses._cassette._merge import Snapshot, save_merged

    os.environ["OPENAI_RESPONSES_CACHE_DIR"] = "off"
    path = write_quickly(directory / "append-5000x10k.yaml", big_interaction, 5000)
    original = directory / "original.yaml"
    shutil.copyfile(path, original)
    copy = directory / "copy.yaml"
    loaded, _ = Snapshot.load(path)  # as a replaying session loads it: not timed

    def append_one() -> float:
        shutil.copyfile(original, path)  # each round appends to the file as loaded
        started = time.perf_counter()  # wall: a save waits for the disk, too
        save_merged(path, loaded, [big_interaction("new")], replace_loaded=False)
        return time.perf_counter() - started

    def floor() -> float:  # the least any atomic save does: copy, fsync, rename
        started = time.perf_counter()
        with open(path, "rb") as source, open(copy, "wb") as target:
            shutil.copyfileobj(source, target, 4 * 1024 * 1024)
            target.flush()
            os.fsync(target.fileno())
        os.replace(copy, directory / "copied.yaml")
        return time.perf_counter() - started

    results = interleaved({"ours": append_one, "floor": floor}, rounds)
    size = path.stat().st_size / 1e6
    print(f"\nappend 1 interaction to 5,000 x 10 KB ({size:.0f} MB) and save, wall, median:")
    row("ours (new_episodes save)", results["ours"], results["floor"], "the floor")
    row("floor: copy, fsync, rename", results["floor"])


MEMORY_PROBE = """
import os, sys, tracemalloc
from pathlib import Path
sys.path.insert(0, sys.argv[2])
os.environ["OPENAI_RESPONSES_CACHE_DIR"] = "off"
from bench import big_interaction
from openai_responses._cassette._merge import Snapshot, save_merged
path = Path(sys.argv[1])
tracemalloc.start()
loaded, parsed = Snapshot.load(path)  # as a replaying session loads it
save_merged(path, loaded, [big_interaction("memory")], replace_loaded=False)
print(tracemalloc.get_traced_memory()[1])
"""


def memory_figures(directory: Path, count: int) -> None:
    path = write_quickly(directory / f"memory-{count}x10k.yaml", big_interaction, count)
    size = path.stat().st_size
    probe = [sys.executable, "-c", MEMORY_PROBE, str(path), str(Path(__file__).parent)]
    peak = int(subprocess.run(probe, capture_output=True, text=True, check=True).stdout)
    print(f"\npeak memory (tracemalloc) to load {count:,} x 10 KB, append 1 and save:")
    print(f"  {peak / 1e6:7.1f} MB for a {size / 1e6:.1f} MB file: {peak / size:.2f}x the file")


def cassette_figures(directory: Path, *, quick: bool) -> None:
    load_figures(directory, 1 if quick else 3)
    first_calls_figures(directory, 5 if quick else 9)
    append_figures(directory, 3 if quick else 9)
    memory_figures(directory, 1000 if quick else 5000)


# -- start-up: the first mock of a process, in fresh interpreters ---------------------------
# Every program imports openai first (not counted), then times with the process's CPU clock.
# A test that calls the SDK builds its client: the default one (its connection pool and TLS
# context) is the SDK's own work, mocked or not, so the floor builds it too, then answers one
# chat call through a bare MockTransport of the SDK's own httpx stack. Ours imports the
# package, builds a mock, enters it, builds the default client and sends the same call.
_STARTUP_COMMON = """
import sys, time, json
import openai
BODY = {"messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o-mini"}
ANSWER = json.dumps(%r).encode()
before = set(sys.modules)
started = time.process_time()
"""
_STARTUP_CALL = """
try:
    import httpx2 as stack
except ImportError:
    import httpx as stack
HEADERS = {"content-type": "application/json"}
answer = lambda request: stack.Response(200, content=ANSWER, headers=HEADERS)
transport = stack.MockTransport(answer)
http = openai.DefaultHttpxClient(transport=transport)
openai.OpenAI(api_key="sk-bench", http_client=http).chat.completions.create(**BODY)
"""
_STARTUP_CLIENT = """
openai.OpenAI(api_key="sk-bench")
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
_STARTUP_PROGRAMS = {
    "call": _STARTUP_CALL,
    "floor": _STARTUP_CLIENT + _STARTUP_CALL,
    "ours": _STARTUP_OURS,
}


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
    """The first mock of a process over the SDK's own first call, fresh interpreters taking
    turns."""
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in _STARTUP_PROGRAMS}
    with tempfile.TemporaryDirectory() as pycache:
        for program in _STARTUP_PROGRAMS.values():
            _first_call(program, pycache)  # writes the bytecode caches
        for _ in range(rounds):
            for name, program in _STARTUP_PROGRAMS.items():
                samples[name].append(_first_call(program, pycache))
    call, floor, ours = (
        statistics.median(s for s, _ in samples[name]) for name in ("call", "floor", "ours")
    )
    extra_modules = samples["ours"][0][1] - samples["floor"][0][1]
    print(f"\nstart-up after `import openai`, CPU s, median of {rounds} fresh interpreters:")
    print(f"  one call through a bare MockTransport                 {call:6.3f} s")
    print(f"  floor: the SDK's default client built, then that call {floor:6.3f} s")
    print(f"  first mock: import, construct, enter, client, call    {ours:6.3f} s")
    print(
        f"  what the mock adds over the floor                     {ours - floor:6.3f} s  "
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


# -- per call in instructions: a figure a busy machine cannot blur ------------------------------
# CPU time on a shared machine drifts by ±10 % between rounds; counted instructions do not.
# Each setup runs twice under valgrind's callgrind in a fresh interpreter, with 10 and with 210
# calls after the warm-up: the difference is 200 calls, whatever the start-up cost.
_COUNTED = """
import sys
sys.path.insert(0, {scripts!r})
import bench
setup = bench.counted_setups({cassette!r})[{name!r}]
with setup() as call:
    for prompt in bench.PROMPTS:
        call(prompt)
    for i in range({calls}):
        call(bench.PROMPTS[i % len(bench.PROMPTS)])
"""


def counted_setups(cassette: str) -> dict[str, Setup]:
    setups: dict[str, Setup] = {}
    if HTTPX2:
        setups["bare httpx2.MockTransport (floor)"] = bare_httpx2
        setups["ours: replay, 10 interactions"] = ours(Path(cassette))
    setups["bare httpx.MockTransport (legacy floor)"] = bare_httpx
    setups["ours: replay, 10, legacy httpx client"] = ours(Path(cassette), legacy=True)
    return setups


def _instructions(name: str, cassette: Path, calls: int) -> int:
    program = _COUNTED.format(
        scripts=str(Path(__file__).parent), cassette=str(cassette), name=name, calls=calls
    )
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENAI_RESPONSES_CACHE_DIR": "off"}
    run = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    out = subprocess.run(
        [*run, sys.executable, "-c", program], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name}: {out.stderr[-2000:]}")
    refs = next(line for line in out.stderr.splitlines() if "I   refs:" in line)
    return int(refs.split("refs:")[1].replace(",", "").strip())


def instructions_section() -> None:
    """Instructions per replayed call, ours over the floor (needs valgrind; a few minutes)."""
    if shutil.which("valgrind") is None:
        print("\ninstructions per call: valgrind is not installed, skipped")
        return
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory() as tmp:
        cassette = write_cassette(Path(tmp) / "small.yaml", 10)
        names = list(counted_setups(str(cassette)))
        jobs = [(name, calls) for name in names for calls in (10, 210)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            counted = pool.map(lambda job: _instructions(job[0], cassette, job[1]), jobs)
            counts = dict(zip(jobs, counted, strict=True))
    print("\ninstructions per call (callgrind, 210 - 10 calls, fresh interpreters)\n")
    print(f"{'path':<44} {'instr/call':>11} {'x floor':>8}")
    floor = 0.0
    for name in names:
        per_call = (counts[name, 210] - counts[name, 10]) / 200
        floor = per_call if "floor" in name else floor
        print(f"{name:<44} {per_call:>11,.0f} {per_call / floor:>8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="SDK calls per round")
    parser.add_argument("--rounds", type=int, default=9, help="rounds, setups taking turns")
    parser.add_argument("--skip-load", action="store_true", help="skip the cassette figures")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: under a minute")
    parser.add_argument(
        "--only",
        choices=("startup", "per-call", "load", "instructions"),
        help="run one section only (instructions: only when asked, with valgrind)",
    )
    args = parser.parse_args()
    if args.quick:
        args.calls, args.rounds = min(args.calls, 50), min(args.rounds, 3)
    print(f"openai {openai.__version__}")
    if args.only in (None, "startup"):
        startup_section(args.rounds)
    if args.only in (None, "per-call"):
        per_call_section(args.calls, args.rounds)
    if args.only in (None, "load") and not args.skip_load:
        with tempfile.TemporaryDirectory() as tmp:
            cassette_figures(Path(tmp), quick=args.quick)
    if args.only == "instructions":
        instructions_section()


if __name__ == "__main__":
    main()
