"""The main job: record real HTTP traffic once, replay it offline forever.

1. Starts a stand-in for the OpenAI API on 127.0.0.1 (this library's own mock engine, served
   over real HTTP) that echoes what it is asked.
2. Runs a small example suite (scripts/demo_suite) with ``--record-mode=once``: the tests talk
   to the stand-in through real sockets and the cassettes are written under cassettes/demo/.
3. Stops the stand-in and runs the same suite with ``--record-mode=none``: every answer now
   comes from the cassettes, and a test's ``.response`` override wins over its recording.
4. Prints what was recorded, where, and how long the replay took.

Run: python scripts/demo.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

import openai_responses

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "scripts" / "demo_suite"
CASSETTES = ROOT / "cassettes" / "demo"
API_KEY = "sk-demo-not-a-real-key"


def echo_chat(request: httpx.Request) -> dict[str, Any]:
    prompt = _json(request)["messages"][-1]["content"]
    return {"choices": [{"message": {"content": f"Echo: {prompt}"}}]}


def echo_response(request: httpx.Request) -> dict[str, Any]:
    return {"output": [{"content": [{"text": f"Echo: {_json(request)['input']}"}]}]}


def _json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def run_suite(base_url: str, record_mode: str) -> tuple[str, float]:
    command = [sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider"]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, f"--record-mode={record_mode}"],
        cwd=ROOT,
        env={**os.environ, "DEMO_BASE_URL": base_url},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n")
        raise SystemExit(f"the example suite failed with --record-mode={record_mode}")
    return summary, elapsed


def describe_cassettes() -> list[str]:
    lines = []
    for path in sorted(CASSETTES.glob("*.yaml")):
        text = path.read_text()
        if API_KEY in text:
            raise SystemExit(f"the API key leaked into {path}")
        interactions = yaml.safe_load(text)["interactions"]
        calls = ", ".join(
            f"{i['request']['method']} {httpx.URL(i['request']['uri']).path}" for i in interactions
        )
        lines.append(f"  {path.relative_to(ROOT)}: {len(interactions)} interaction(s): {calls}")
    return lines


def main() -> None:
    shutil.rmtree(CASSETTES, ignore_errors=True)  # the demo's own output, recorded anew
    with openai_responses.serve() as stand_in:
        stand_in.mock.chat.completions.create.response = echo_chat
        stand_in.mock.responses.create.response = echo_response
        recorded, record_seconds = run_suite(stand_in.url, "once")
        served = len(stand_in.mock.router.calls)
    print(f"stand-in OpenAI API at {stand_in.url} (now stopped)")
    print(f"1. record  --record-mode=once : {recorded} ({record_seconds:.1f} s with start-up)")
    print(f"   the stand-in answered {served} real HTTP request(s); cassettes written:")
    print("\n".join(describe_cassettes()))
    print("   no API key, cookie or organization header was written.")

    replayed, replay_seconds = run_suite(stand_in.url, "none")
    took = f"{replay_seconds:.1f} s with start-up"
    print(f"2. replay  --record-mode=none : {replayed} ({took}), offline")
    print("   (including test_override_wins_over_the_recording: a .response set in the test")
    print("    answers instead of the recorded interaction, and is counted by the route)")


if __name__ == "__main__":
    main()
