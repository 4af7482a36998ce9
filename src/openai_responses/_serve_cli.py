"""`openai-responses serve`: the mock engine as a stand-in OpenAI server for other processes.

Prints its base URL (``http://HOST:PORT/v1``) as the first line on stdout once it answers,
then serves until SIGTERM or SIGINT; on either it stops taking requests, saves what the
cassette recorded (atomically, merged under the cassette's lock) and a ``--state`` file, and
exits 0 (1 when saving failed, 2 when it could not start, with the reason on stderr).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._errors import OpenAIMockError
from ._settings import RECORD_MODES

__all__ = ["add_arguments", "run"]

EXIT_OK, EXIT_SAVE_FAILED, EXIT_NOT_STARTED = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--cassette", help="replay (and record into) this cassette file")
    parser.add_argument(
        "--record-mode",
        choices=[*RECORD_MODES, "rewrite"],
        default="none",
        help="vcrpy's record modes (default none: replay only)",
    )
    parser.add_argument(
        "--upstream",
        default="https://api.openai.com/v1",
        help="the API the mock stands in for and records from (default api.openai.com)",
    )
    parser.add_argument(
        "--state",
        help="seed the StateStore: a state file (*.json, written back at exit) or a cassette",
    )
    parser.add_argument(
        "--unknown-ids",
        choices=["fail", "create"],
        default="fail",
        help="create: a path naming an unknown id answers as if the object existed",
    )
    parser.add_argument(
        "--on-miss",
        choices=["fail", "mock"],
        default="fail",
        help="mock: requests the cassette lacks fall through to the mock",
    )


def run(args: argparse.Namespace) -> int:
    from ._serve import ServedMock  # the engine loads only when serving
    from ._state_file import load_state, save_state, writes_state

    state_path = Path(args.state).resolve() if args.state else None
    options: dict[str, Any] = {"on_miss": args.on_miss}
    if state_path is not None:
        options["state"] = load_state(state_path)
    if args.cassette:
        # Relative to where the command runs, not pytest's cassette directory.
        options.update(cassette=Path(args.cassette).resolve(), record_mode=args.record_mode)
    served = ServedMock(
        host=args.host,
        port=args.port,
        upstream=args.upstream,
        unknown_ids=args.unknown_ids,
        **options,
    )
    with _stop_on_signals() as stop:
        try:
            served.start()
        except (RuntimeError, TimeoutError) as error:  # the port is taken, say
            print(f"openai-responses serve: {error}", file=sys.stderr)
            return EXIT_NOT_STARTED
        print(served.url, flush=True)
        while not stop.wait(0.2):  # short waits: signal handlers run between them
            pass
        try:
            served.stop()  # saves the cassette
            if state_path is not None and writes_state(state_path):
                save_state(served.mock.state, state_path)
        except (Exception, OpenAIMockError) as error:
            print(f"openai-responses serve: saving failed: {error}", file=sys.stderr)
            return EXIT_SAVE_FAILED
    return EXIT_OK


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event SIGTERM and SIGINT set (the handlers before are back afterwards)."""
    stop = threading.Event()
    numbers = (signal.SIGTERM, signal.SIGINT)
    before = {number: signal.signal(number, lambda *_: stop.set()) for number in numbers}
    try:
        yield stop
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
