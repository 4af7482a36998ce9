"""`openai-responses cassette show|check FILE...`: inspect cassettes without writing code;
`openai-responses serve ...`: the mock as a stand-in server (``_serve_cli``).

`check` exit codes: 0 clean; 1 secret-looking values found; 2 a file is missing or unreadable.
Placeholder values (`AUTHORIZATION-XXX`, `Bearer test_openai_api_key`) are reported as "low"
and fail the check too, since they show a sensitive header was recorded at all;
`--allow-placeholders` lists them without failing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import httpx

from ._cassette import CassetteFormatError, Interaction, load_cassette
from ._cassette._body import looks_like_sse
from ._cassette._secrets import scan_interactions
from ._serve_cli import add_arguments as add_serve_arguments
from ._serve_cli import run as run_serve

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return run_serve(args)
    if args.command != "cassette":
        _parser().print_help()
        return EXIT_UNREADABLE
    if args.action == "show":
        return _show(Path(args.file), sys.stdout)
    return _check([Path(name) for name in args.files], args.allow_placeholders, sys.stdout)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openai-responses")
    commands = parser.add_subparsers(dest="command", required=True)
    cassette = commands.add_parser("cassette", help="inspect cassette files")
    actions = cassette.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="summarise the interactions of a cassette")
    show.add_argument("file")
    check = actions.add_parser("check", help="report format problems and secret-looking values")
    check.add_argument("files", nargs="+")
    check.add_argument(
        "--allow-placeholders",
        action="store_true",
        help="list low-severity placeholder values without failing",
    )
    serve = commands.add_parser("serve", help="serve the mock engine over HTTP")
    add_serve_arguments(serve)
    return parser


def _load(path: Path, out: TextIO) -> list[Interaction] | None:
    try:
        return load_cassette(path)
    except FileNotFoundError:
        print(f"{path}: error: no such file", file=out)
    except (CassetteFormatError, OSError) as exc:
        print(f"error: {exc}", file=out)
    return None


def _show(path: Path, out: TextIO) -> int:
    interactions = _load(path, out)
    if interactions is None:
        return EXIT_UNREADABLE
    print(f"{path}: {len(interactions)} interaction(s)", file=out)
    for index, interaction in enumerate(interactions):
        print(_show_line(index, interaction), file=out)
    return EXIT_CLEAN


def _show_line(index: int, interaction: Interaction) -> str:
    request, response = interaction.request, interaction.response
    url = httpx.URL(request.url)
    target = url.path + (f"?{url.query.decode()}" if url.query else "")
    body = _json(request.body)
    fields = [f"#{index}", request.method, target, str(response.status)]
    if _is_stream(interaction, body):
        fields.append("stream")
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        fields.append(f"model={body['model']}")
    if response.status >= 400:
        fields.append(f"ERROR {_error_message(response.body)}".rstrip())
    return "  ".join(fields)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _is_stream(interaction: Interaction, request_json: Any) -> bool:
    content_type = interaction.response.header("content-type") or ""
    if "event-stream" in content_type:
        return True
    if isinstance(request_json, dict) and request_json.get("stream") is True:
        return True
    return looks_like_sse(interaction.response.body)


def _error_message(body: bytes) -> str:
    data = _json(body)
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return repr(message[:80]) if isinstance(message, str) else ""


def _check(paths: Sequence[Path], allow_placeholders: bool, out: TextIO) -> int:
    status = EXIT_CLEAN
    for path in paths:
        interactions = _load(path, out)
        if interactions is None:
            status = EXIT_UNREADABLE
            continue
        for finding in scan_interactions(interactions):
            print(f"{path}: {finding.describe()}", file=out)
            if finding.severity == "high" or not allow_placeholders:
                status = max(status, EXIT_FINDINGS)
    if status == EXIT_CLEAN:
        print(f"{len(paths)} file(s) clean", file=out)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
