"""`openai-responses cassette show|check|orphans`: inspect cassettes without writing code;
`openai-responses serve ...`: the mock as a stand-in server (``_serve_cli``).

`check` exit codes: 0 clean; 1 secret-looking values found; 2 a file is missing or unreadable.
Placeholder values (`AUTHORIZATION-XXX`, `Bearer test_openai_api_key`) are reported as "low"
and fail the check too, since they show a sensitive header was recorded at all;
`--allow-placeholders` lists them without failing. `check --sdk` also reads every recorded
answer against the installed openai SDK's types (`_drift`): errors (missing required fields,
changed types) exit 1, warnings (unknown fields and events, retired models) do not.

`orphans DIR` lists the cassettes under DIR that no test opened in the last pytest run (from
the index the plugin writes in pytest's cache); exit 1 when there are some, 2 without index.
"""

from __future__ import annotations

import argparse
import json
import os
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
    if args.action == "orphans":
        return _orphans(Path(args.dir), args.cache_dir, sys.stdout)
    paths = [Path(name) for name in args.files]
    return _check(paths, args.allow_placeholders, sys.stdout, sdk=args.sdk)


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
    check.add_argument(
        "--sdk",
        action="store_true",
        help="also read recorded answers against the installed openai SDK's types",
    )
    orphans = actions.add_parser("orphans", help="cassettes no test opened in the last run")
    orphans.add_argument("dir")
    orphans.add_argument(
        "--cache-dir",
        default=None,
        help="pytest's cache directory (default: .pytest_cache in DIR or a parent of it)",
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


def _check(
    paths: Sequence[Path], allow_placeholders: bool, out: TextIO, *, sdk: bool = False
) -> int:
    status = EXIT_CLEAN
    warned = False
    for path in paths:
        interactions = _load(path, out)
        if interactions is None:
            status = EXIT_UNREADABLE
            continue
        for finding in scan_interactions(interactions):
            print(f"{path}: {finding.describe()}", file=out)
            if finding.severity == "high" or not allow_placeholders:
                status = max(status, EXIT_FINDINGS)
        if sdk:
            errors, warnings = _check_sdk(path, interactions, out)
            warned = warned or warnings > 0
            if errors:
                status = max(status, EXIT_FINDINGS)
    if status == EXIT_CLEAN:
        print(f"{len(paths)} file(s) clean" + (" (warnings above)" if warned else ""), file=out)
    return status


def _check_sdk(path: Path, interactions: list[Interaction], out: TextIO) -> tuple[int, int]:
    """Print drift findings of one cassette; (errors, warnings)."""
    from ._drift import check_interactions  # loads the SDK's types

    findings = check_interactions(interactions)
    for finding in findings:
        print(f"{path}: {finding.describe()}", file=out)
    errors = sum(1 for finding in findings if finding.severity == "error")
    return errors, len(findings) - errors


def _orphans(directory: Path, cache_dir: str | None, out: TextIO) -> int:
    index = _opened_index(directory, Path(cache_dir) if cache_dir else None)
    if index is None:
        print(f"error: no index of opened cassettes for {directory}: run pytest first", file=out)
        return EXIT_UNREADABLE
    opened = {os.path.normcase(os.path.abspath(name)) for name in index}
    orphans = [
        path
        for path in sorted(directory.rglob("*"))
        if path.suffix in (".yaml", ".yml")
        and not path.name.startswith(".")
        and path.is_file()
        and os.path.normcase(str(path.resolve())) not in opened
    ]
    for path in orphans:
        print(path, file=out)
    print(f"{len(orphans)} cassette(s) no test opened in the last run", file=out)
    return EXIT_FINDINGS if orphans else EXIT_CLEAN


_INDEX = Path("v") / "openai_responses" / "opened"  # pytest's cache layout: v/<key>


def _opened_index(directory: Path, cache_dir: Path | None) -> list[str] | None:
    """The cassettes the last run opened (absolute paths), from pytest's cache."""
    candidates = (
        [cache_dir]
        if cache_dir
        else [p / ".pytest_cache" for p in (directory.resolve(), *directory.resolve().parents)]
    )
    for candidate in candidates:
        try:
            data = json.loads((candidate / _INDEX).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        opened = data.get("opened") if isinstance(data, dict) else None
        if isinstance(opened, list):
            return [str(name) for name in opened]
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
