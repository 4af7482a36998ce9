"""One cassette in use by one mock: replay, record through the real transport, save at exit.

The data work (format, matching, filters) is ``_cassette``'s; this module decides *when*:
vcrpy's record modes, the tee that streams a live answer to the caller while capturing it,
and the atomic save when the mock exits.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import httpx

from . import _freshness as freshness
from ._cassette import (
    Interaction,
    InteractionIndex,
    Matcher,
    RecordFilters,
    interaction_from_exchange,
    load_cassette,
    request_summary,
    response_to_httpx,
)
from ._cassette._keys import Parsed
from ._cassette._merge import Snapshot, save_merged
from ._cassette._record import credential_values, event_offsets
from ._errors import (
    CassetteDriftWarning,
    CassetteExpiredError,
    CassetteExpiredWarning,
    CassetteMismatchError,
    OpenAIMockError,
    UnplayedInteractionsError,
)
from ._freshness import CassetteUsage, check_drift_once, expired
from ._interception import PASSTHROUGH, Upstream, current_upstream
from ._settings import SETTINGS, RecordMode, is_asynchronous, normalize_record_mode
from ._verify import Verifier

__all__ = ["CassetteOptions", "CassetteSession", "open_cassette"]


@dataclass
class CassetteOptions:
    """How a cassette is matched and recorded (vcrpy's option names where they exist)."""

    record_mode: RecordMode = "none"
    filters: RecordFilters = field(default_factory=RecordFilters)
    ignore_json_paths: tuple[str, ...] = ()
    match_on: Matcher | None = None
    allow_playback_repeats: bool = False
    # What to do at exit about recorded interactions the test never played.
    unplayed: Literal["ignore", "warn", "fail"] = "ignore"
    # vcrpy's option: when the test raised, False writes nothing recorded in the session.
    record_on_exception: bool = True
    # More cassettes replayed alongside, never written (pytest-recording's `vcr("a.yaml")`).
    extra_paths: tuple[Path, ...] = ()
    # Verify mode: paths whose structure may differ between recording and live answer.
    verify_ignore: tuple[str, ...] = ()
    # Recordings older than this ("30d") are expired: warn, fail, or re-record the cassette.
    max_age: str | float | timedelta | None = None
    on_expiry: Literal["warn", "fail", "rerecord"] = "warn"
    # Replayed cassettes are read against the installed SDK's types, once per test run.
    check_drift: bool = True


def open_cassette(
    cassette: str | Path, record_mode: str | None = None, **options: Any
) -> CassetteSession:
    """A session for ``cassette``: relative paths live in the cassette directory
    (ini ``openai_cassette_dir``, default ``<rootdir>/cassettes``; outside pytest
    ``./cassettes``). Record mode: command line > argument > ini option > "none"."""
    path = Path(cassette)
    if not path.is_absolute():
        path = (SETTINGS.cassette_dir or Path.cwd() / "cassettes") / path
    mode = SETTINGS.cli_record_mode or record_mode or SETTINGS.ini_record_mode or "none"
    filters = options.pop("filters", None) or RecordFilters(
        **{k: options.pop(k) for k in list(options) if k in RecordFilters.__dataclass_fields__}
    )
    return CassetteSession(
        path, CassetteOptions(record_mode=normalize_record_mode(mode), filters=filters, **options)
    )


class CassetteSession:
    def __init__(self, path: Path, options: CassetteOptions) -> None:
        self.path = path
        self.options = _with_settings(options)
        # The file as loaded: at save, what others wrote since is told apart from it.
        options = self.options
        replays = options.record_mode != "all"
        # Replaying: parsed without keeping the bytes. Re-recording: the bytes, unparsed, so
        # that the save can tell what it replaces.
        self._loaded, (recorded, keys) = (
            Snapshot.load(path) if replays else (Snapshot.read(path), Parsed([], []))
        )
        options = self.options = self._expiry_checked(recorded)
        if replays and options.record_mode == "all":  # expired: re-recorded whole
            replays = False
            self._loaded, (recorded, keys) = Snapshot.read(path), Parsed([], [])
        self._recorded = recorded  # as loaded (the drift check reads them at the end)
        self.existed = self._loaded.exists or any(p.exists() for p in options.extra_paths)
        extras = [
            i for p in options.extra_paths if replays and p.exists() for i in load_cassette(p)
        ]
        self.index = InteractionIndex(
            [*recorded, *extras],
            ignore_json_paths=options.ignore_json_paths,
            match_on=options.match_on,
            allow_playback_repeats=options.allow_playback_repeats,
            keys=keys,
        )
        self.new: list[Interaction] = []
        self.closed = False
        self.replayed = 0
        self._verifier = Verifier(path, options.verify_ignore)
        self._secrets: set[str] = set()
        self._frozen = _freeze_if_large(len(recorded))

    # -- the pipeline's questions ---------------------------------------------------------
    @property
    def may_record(self) -> bool:
        mode = self.options.record_mode
        return mode in ("all", "new_episodes") or (mode == "once" and not self.existed)

    def records_host(self, url: httpx.URL) -> bool:
        """Whether the cassette holds a request to ``url``'s scheme, host and port."""
        return self.index.has_host(url.scheme, url.host, url.port)

    def replay(self, request: httpx.Request) -> httpx.Response | None:
        interaction = self.take(request)
        return None if interaction is None else response_to_httpx(interaction, request)

    def take(self, request: httpx.Request) -> Interaction | None:
        """The recorded interaction that answers ``request`` (counted as replayed), or None."""
        interaction = self.index.take(request)
        if interaction is not None:
            self.replayed += 1
        return interaction

    def verified(
        self, request: httpx.Request, replayed: httpx.Response
    ) -> httpx.Response | Awaitable[httpx.Response]:
        """The replayed answer; in verify mode, also compared with the live one (sent
        through the same transport recording uses), differences kept for the end."""
        if self.options.record_mode != "verify":
            return replayed
        return self._verifier.compare(
            request, replayed, current_upstream() or _fallback_upstream(request)
        )

    def _expiry_checked(self, recorded: list[Interaction]) -> CassetteOptions:
        """The options, after judging the recordings' age against ``max_age``."""
        options = self.options
        if options.max_age is None or not self._loaded.exists:
            return options
        message = expired(self.path, recorded, options.max_age)
        if message is None:
            return options
        if options.on_expiry == "fail":
            raise CassetteExpiredError(f"{message}; re-record it: --record-mode=all")
        if options.on_expiry == "rerecord":
            refused = _why_not_rerecord(options.record_mode)
            if refused is None:
                return replace(options, record_mode="all")
            message = f"{message}; not re-recorded: {refused}"
        warnings.warn(CassetteExpiredWarning(message), stacklevel=4)
        return options

    def miss(self, request: httpx.Request) -> CassetteMismatchError:
        line = request_summary(request.method, request.url, request.content)
        nearest = self.index.nearest(request)
        if not self.existed:
            nearest = f"  (the file does not exist; record it with --record-mode=once)\n{nearest}"
        return CassetteMismatchError(str(self.path), line, nearest)

    # -- recording ------------------------------------------------------------------------
    def record(
        self, request: httpx.Request, on_recorded: Callable[[httpx.Response], None]
    ) -> httpx.Response | Any:
        """Send ``request`` upstream; the answer streams to the caller and is kept at its end."""
        self._remember_credentials(request)
        upstream = current_upstream() or _fallback_upstream(request)
        started = time.monotonic()

        def keep(response: httpx.Response, raw: bytes, arrivals: list[tuple[int, float]]) -> None:
            interaction = interaction_from_exchange(
                request,
                response.status_code,
                [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
                raw,
                filters=self.options.filters,
            )
            if interaction is None:
                return
            offsets = event_offsets(raw, [(size, at - started) for size, at in arrivals])
            interaction = replace(interaction, event_offsets=offsets)
            self.new.append(interaction)
            self.index.add(interaction)
            on_recorded(response_to_httpx(interaction, request))

        if upstream.asend is not None:
            send = upstream.asend

            async def send_async() -> httpx.Response:
                return _tee(await send(), keep, self._may_drain)

            return send_async()
        assert upstream.send is not None
        return _tee(upstream.send(), keep, self._may_drain)

    def _may_drain(self) -> bool:
        """Whether a stream closed before its end is read to the end and kept.

        Yes when its consumer simply stopped (a ``break``: it may stop at the same place on
        replay); no while an exception is on its way (the test aborted: close the upstream at
        once rather than wait for a slow stream) or once the session is over (nobody saves).
        """
        in_flight = sys.exc_info()[1]
        aborted = in_flight is not None and not isinstance(in_flight, GeneratorExit)
        return not (aborted or self.closed)

    def _remember_credentials(self, request: httpx.Request) -> None:
        self._secrets.update(credential_values(request))

    # -- at exit --------------------------------------------------------------------------
    def save(self, *, failed: bool) -> None:
        """Write what was recorded; never lose an existing cassette to a failed test."""
        if not self.new or (failed and not self.options.record_on_exception):
            return
        rewrite = self.options.record_mode == "all"
        if failed and self.existed and rewrite:
            return  # the partial re-recording would replace a complete cassette
        secrets = {*self._secrets, os.environ.get("OPENAI_API_KEY", "")} - {""}
        # Merged under the file's lock with what other sessions saved since this one loaded.
        save_merged(
            self.path, self._loaded, self.new, replace_loaded=rewrite, secrets=sorted(secrets)
        )

    def close(self, *, failed: bool) -> OpenAIMockError | None:
        """Save, then judge verify differences, then unplayed interactions as the options say."""
        if self._frozen:
            gc.unfreeze()
        self.closed = True
        self.save(failed=failed)
        if self.index.drift:
            warnings.warn(CassetteDriftWarning(str(self.path), self.index.drift), stacklevel=2)
        unplayed = self.index.unplayed()
        self._report(len(unplayed))
        if self._verifier.differences:
            return self._verifier.error()
        if not unplayed or self.options.unplayed == "ignore":
            return None
        error = UnplayedInteractionsError(str(self.path), unplayed)
        if self.options.unplayed == "warn":
            warnings.warn(str(error), stacklevel=2)
            return None
        return error

    def _report(self, unplayed: int) -> None:
        """Counts for the test run's summary, and the SDK drift check of what replayed."""
        drift = 0
        digest = self._loaded.digest
        if self.replayed and self.options.check_drift and digest is not None:
            drift = check_drift_once(self.path, digest, self._recorded)
        usage = CassetteUsage(
            str(self.path.resolve()),
            replayed=self.replayed,
            recorded=len(self.new),
            unplayed=unplayed,
            drift=drift,
            verified=self._verifier.count,
            differed=len(self._verifier.differences),
        )
        freshness.closed(usage)
        for extra in self.options.extra_paths:  # replayed alongside: opened too
            freshness.closed(CassetteUsage(str(extra.resolve())))


def _with_settings(options: CassetteOptions) -> CassetteOptions:
    """What pytest's options add: the ini ``max_age`` and drift switch, and
    ``--openai-unplayed`` (which beats the argument, as the command line does for the record
    mode)."""
    changes: dict[str, Any] = {}
    if options.max_age is None and SETTINGS.ini_max_age:
        changes["max_age"] = SETTINGS.ini_max_age
    if SETTINGS.cli_unplayed is not None:
        changes["unplayed"] = SETTINGS.cli_unplayed
    if not SETTINGS.ini_check_drift:
        changes["check_drift"] = False
    return replace(options, **changes) if changes else options


def _why_not_rerecord(mode: str) -> str | None:
    if mode in ("none", "verify"):
        return f"record mode {mode!r} never records (use --record-mode=once or all)"
    if SETTINGS.network_blocked:
        return "the network is blocked (--block-network)"
    return None


# From this many interactions on, a loaded cassette is set aside from the cyclic garbage
# collector while in use: tens of thousands of long-lived immutable objects otherwise make
# every collection the SDK's allocations trigger slower, and a replay with them (measured:
# 10,000 interactions) noticeably slower than one with 10. Reference counting still frees
# them; collecting first means no garbage is frozen with them.
LARGE_CASSETTE = 1000


def _freeze_if_large(size: int) -> bool:
    if size < LARGE_CASSETTE:
        return False
    gc.collect()
    gc.freeze()
    return True


def _fallback_upstream(request: httpx.Request) -> Upstream:
    """A real transport for requests that came through ``MockTransport`` (no pool patched).

    It goes through httpcore, which our interception may be patching: the request carries
    ``PASSTHROUGH`` so that the router lets respx call the original pool.
    """
    request.extensions[PASSTHROUGH] = True
    if is_asynchronous():

        async def asend() -> httpx.Response:
            transport = httpx.AsyncHTTPTransport()
            return await transport.handle_async_request(request)

        return Upstream(asend=asend)

    def send() -> httpx.Response:
        return httpx.HTTPTransport().handle_request(request)

    return Upstream(send=send)


class _Tee(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Relays the upstream's raw bytes as they arrive and keeps a copy for the cassette.

    The SDK stops reading a stream at ``data: [DONE]`` and closes it; closing drains what is
    left (the end of the body) so that the recording is whole. A stream closed before that is
    drained only if ``may_drain()`` says so; otherwise, like a stream that breaks off, it is
    closed at once and never kept.
    """

    def __init__(
        self,
        response: httpx.Response,
        keep: Callable[[httpx.Response, bytes, list[tuple[int, float]]], None],
        may_drain: Callable[[], bool],
    ):
        self._response = response
        self._keep = keep
        self._may_drain = may_drain
        self._chunks: list[bytes] = []
        # (bytes received so far, when) per chunk: the event timing recordings keep
        self._arrivals: list[tuple[int, float]] = []
        self._size = 0
        self._sync: Iterator[bytes] | None = None
        self._async: AsyncIterator[bytes] | None = None
        self._kept = False

    def __iter__(self) -> Iterator[bytes]:
        self._sync = iter(self._response.stream)  # type: ignore[arg-type]
        for chunk in self._sync:
            self._arrived(chunk)
            yield chunk
        self._finish()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._async = aiter(self._response.stream)  # type: ignore[arg-type]
        async for chunk in self._async:
            self._arrived(chunk)
            yield chunk
        self._finish()

    def close(self) -> None:
        try:
            if self._draining():
                for chunk in self._sync or self._response.stream:  # type: ignore[union-attr]
                    self._arrived(chunk)
                self._finish()
        except Exception:  # httpcore and httpcore2 raise their own error types
            pass  # the upstream broke off: an incomplete answer is not recorded
        finally:
            self._response.close()

    async def aclose(self) -> None:
        try:
            if self._draining():
                rest = self._async or aiter(self._response.stream)  # type: ignore[arg-type]
                async for chunk in rest:
                    self._arrived(chunk)
                self._finish()
        except Exception:  # httpcore and httpcore2 raise their own error types
            pass  # the upstream broke off: an incomplete answer is not recorded
        finally:
            await self._response.aclose()

    def _draining(self) -> bool:
        if self._kept:
            return False
        ended = _DONE.search(b"".join(self._chunks)[-64:]) is not None
        return ended or self._may_drain()

    def _arrived(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._size += len(chunk)
        self._arrivals.append((self._size, time.monotonic()))

    def _finish(self) -> None:
        if not self._kept:
            self._kept = True
            self._keep(self._response, b"".join(self._chunks), self._arrivals)


# The SSE end marker (chat, completions, assistants): what follows it is only the body's end.
_DONE = re.compile(rb"^data: ?\[DONE\]", re.MULTILINE)


def _tee(
    response: httpx.Response,
    keep: Callable[[httpx.Response, bytes, list[tuple[int, float]]], None],
    may_drain: Callable[[], bool],
) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers=response.headers.raw,
        stream=_Tee(response, keep, may_drain),
        extensions=dict(response.extensions),
    )
