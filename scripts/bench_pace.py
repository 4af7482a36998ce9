"""Benchmark: replay pace.

1. Records a Responses stream from a loopback upstream that sends its events with known
   gaps (a slow first token, then uneven gaps), then replays it with ``pace="recorded"`` in
   process and through ``serve()``, and ``pace=2.0``: for each event, the replayed gap from
   the previous one (from the request, for the first) against the recorded one.
   The target: every gap within 10 % (or 5 ms for gaps under 50 ms).
2. The default (no pace, no faults): per-replay microseconds with the time/fault check in
   the pipeline vs with it bypassed, on the same cassette, interleaved rounds.

Run: python scripts/bench_pace.py [--calls N]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai

import openai_responses
from openai_responses import OpenAIMock, _pipeline
from openai_responses._cassette import load_cassette
from openai_responses._server import LoopbackServer

# seconds before each event: time-to-first-token, then uneven gaps
GAPS = [0.30, 0.05, 0.12, 0.02, 0.20, 0.08, 0.15, 0.06]


def upstream(request: httpx.Request) -> httpx.Response:
    def events() -> Iterator[bytes]:
        for index, gap in enumerate(GAPS):
            time.sleep(gap)
            kind = "response.completed" if index == len(GAPS) - 1 else "response.output_text.delta"
            yield f'event: {kind}\ndata: {{"type": "{kind}", "n": {index}}}\n\n'.encode()

    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=events())


def arrivals(base_url: str) -> list[float]:
    """Seconds from the request to each event, as a client sees them."""
    client = httpx.Client(timeout=30)
    started = time.monotonic()
    seen: list[float] = []
    body = {"model": "gpt-4o", "input": "hi", "stream": True}
    with client.stream("POST", f"{base_url}/responses", json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                seen.append(time.monotonic() - started)
    return seen


def gaps(offsets: list[float] | tuple[float, ...]) -> list[float]:
    return [b - a for a, b in zip([0.0, *offsets[:-1]], offsets, strict=True)]


def median_gaps(replay: Callable[[], list[float]], runs: int = 3) -> list[float]:
    """Per-event median over a few replays: the first replay of a process pays warm-up."""
    measured = [gaps(replay()) for _ in range(runs)]
    return [statistics.median(column) for column in zip(*measured, strict=True)]


def report(name: str, expected: list[float], measured: list[float]) -> bool:
    worst = 0.0
    ok = True
    for want, got in zip(expected, measured, strict=True):
        error = abs(got - want)
        ok = ok and (error <= 0.10 * want or error <= 0.005)
        worst = max(worst, error / want if want else 0.0)
    shown = " ".join(f"{g * 1000:.0f}" for g in measured)
    print(f"  {name:<28} gaps ms: {shown}   worst {worst:.1%}  {'OK' if ok else 'OVER 10%'}")
    return ok


def record(cassette: Path) -> tuple[str, tuple[float, ...]]:
    """Record the upstream's stream, twice: offsets are taken when the client reads each
    event, and the process's first recorded stream is read late (the SDK and the recorder
    warm up while reading it), so the second one is kept."""
    with LoopbackServer(upstream) as server:
        base = f"{server.url}/v1"
        for _ in range(2):
            cassette.unlink(missing_ok=True)
            with OpenAIMock(base, cassette=cassette, record_mode="once"):
                client = openai.OpenAI(api_key="sk-bench", base_url=base, max_retries=0)
                list(client.responses.create(model="gpt-4o", input="hi", stream=True))
    offsets = load_cassette(cassette)[0].event_offsets
    assert offsets is not None
    return base, offsets


def paced_in_process(base: str, cassette: Path, pace: str | float) -> list[float]:
    with OpenAIMock(base, cassette=cassette, pace=pace, allow_playback_repeats=True):
        client = openai.OpenAI(api_key="sk-bench", base_url=base, max_retries=0)
        started = time.monotonic()
        seen = []
        for _ in client.responses.create(model="gpt-4o", input="hi", stream=True):
            seen.append(time.monotonic() - started)
    return seen


def paced_served(cassette: Path, recorded_base: str) -> list[float]:
    # The served mock answers at its own address: the recording is moved there first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served_cassette = cassette.with_name("served.yaml")
    served_base = f"http://127.0.0.1:{port}/v1"
    served_cassette.write_text(cassette.read_text().replace(recorded_base, served_base))
    with openai_responses.serve(
        port=port, cassette=served_cassette, pace="recorded", allow_playback_repeats=True
    ) as served:
        return arrivals(served.url)


def default_cost(base: str, cassette: Path, calls: int) -> None:
    def run() -> float:
        with OpenAIMock(base, cassette=cassette, allow_playback_repeats=True):
            client = openai.OpenAI(api_key="sk-bench", base_url=base, max_retries=0)
            started = time.perf_counter()
            for _ in range(calls):
                list(client.responses.create(model="gpt-4o", input="hi", stream=True))
            return (time.perf_counter() - started) / calls * 1e6

    checked, bypassed = [], []
    original = _pipeline.shapes
    for _ in range(5):
        checked.append(run())
        _pipeline.shapes = lambda mock, request: False  # type: ignore[assignment]
        try:
            bypassed.append(run())
        finally:
            _pipeline.shapes = original
    check, bypass = statistics.median(checked), statistics.median(bypassed)
    print(
        f"  default replay: {check:.0f} us/call with the check, {bypass:.0f} us/call bypassed "
        f"({(check - bypass) / bypass:+.1%}); the recorded stream lasted {sum(GAPS):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cassette = Path(directory) / "paced.yaml"
        base, offsets = record(cassette)
        recorded = gaps(offsets)
        print("pace: replayed gaps vs recorded")
        shown = " ".join(f"{g * 1000:.0f}" for g in recorded)
        print(f"  recorded (sent: {' '.join(f'{g * 1000:.0f}' for g in GAPS)})   gaps ms: {shown}")
        results = [
            report(
                "pace='recorded' in process",
                recorded,
                median_gaps(lambda: paced_in_process(base, cassette, "recorded")),
            ),
            report(
                "pace=2.0 in process",
                [g / 2 for g in recorded],
                median_gaps(lambda: paced_in_process(base, cassette, 2.0)),
            ),
            report(
                "pace='recorded' served",
                recorded,
                median_gaps(lambda: paced_served(cassette, base)),
            ),
        ]
        default_cost(base, cassette, args.calls)
        print("all within 10 %" if all(results) else "SOME GAPS OVER 10 %")


if __name__ == "__main__":
    main()
