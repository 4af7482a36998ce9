"""pytest-recording's interface on our engine: a suite written for pytest-recording runs
unchanged with it disabled (``-p no:recording``), and is left to it when it is active.

The inner suites record against the loopback upstream, then replay with it stopped.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import openai
import pytest

import openai_responses._mock  # noqa: F401
import test_corpus  # noqa: F401  (the inner corpus suite drives requests with it)
from conftest import CORPUS_FILES, UPSTREAM_TEXT, FakeOpenAI, needs_corpus
from openai_responses import (
    CassetteDriftWarning,
    CassetteMismatchError,
    OpenAIMock,
    UnmockedRequestError,
)

# pytester's in-process runs forget the modules imported during a run: what the inner suites
# use is imported here once, so each run does not import the SDK and our engine anew.
_ = openai.OpenAI(api_key="sk-warm").chat.completions

pytest_plugins = ["pytester"]

# Plugins the inner suites do not need are left out: loading them anew costs seconds a run.
UNNEEDED = ("cacheprovider", "hypothesispytest", "xdist", "xdist.looponfail", "anyio", "asyncio")
QUIET = tuple(arg for name in UNNEEDED for arg in ("-p", f"no:{name}"))
NO_RECORDING = ("-p", "no:recording", *QUIET)

CONFTEST = """
import pytest

@pytest.fixture
def vcr_config():
    return {"filter_headers": [("x-team", "TEAM")]}
"""

SUITE = """
import httpx
import openai
import pytest

URL = "{url}"
OTHER = "{other}"


def client():
    return openai.OpenAI(api_key="sk-vcr-secret-0123456789", base_url=URL, max_retries=0)


def ask(prompt="hi"):
    completion = client().chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": prompt}}],
        extra_headers={{"x-team": "blue"}},
    )
    return completion.choices[0].message.content


@pytest.mark.vcr
def test_chat(vcr):
    assert ask() == "{text}"
    assert len(vcr) == 1


@pytest.mark.vcr
def test_non_openai_host_and_mock(openai_mock):
    assert httpx.get(OTHER).status_code == 404  # the upstream's answer, recorded too
    assert ask() == "{text}"
    assert openai_mock.chat.completions.create.call_count == 1


@pytest.mark.vcr
def test_requests_client():
    try:
        import requests
    except ImportError:  # urllib3 alone, which requests is built on
        import urllib3
        assert urllib3.request("GET", OTHER + "?via=urllib3").status == 404
    else:
        assert requests.get(OTHER + "?via=requests").status_code == 404


class TestGroup:
    @pytest.mark.vcr
    @pytest.mark.parametrize("prompt", ["a/b", "c"])
    def test_param(self, prompt):
        assert ask(prompt) == "{text}"
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, loopback_openai: FakeOpenAI) -> pytest.Pytester:
    loopback_openai.stream_pause = 0
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_suite=SUITE.format(
            url=loopback_openai.url, other=f"{loopback_openai.url}/nowhere", text=UPSTREAM_TEXT
        )
    )
    return pytester


def stop(upstream: FakeOpenAI) -> None:
    assert upstream.server is not None
    upstream.server.stop()


def test_suite_records_then_replays_without_pytest_recording(
    suite: pytest.Pytester, loopback_openai: FakeOpenAI
) -> None:
    suite.runpytest(*NO_RECORDING, "--record-mode=once").assert_outcomes(passed=5)
    cassettes = suite.path / "cassettes" / "test_suite"
    names = sorted(p.name for p in cassettes.iterdir() if not p.name.endswith(".lock"))
    assert names == [
        "TestGroup.test_param[a-b].yaml",  # pytest-recording's naming, "/" replaced
        "TestGroup.test_param[c].yaml",
        "test_chat.yaml",
        "test_non_openai_host_and_mock.yaml",
        "test_requests_client.yaml",
    ]
    text = (cassettes / "test_chat.yaml").read_text()
    assert "sk-vcr-secret" not in text  # our secret filters, on top of vcr_config's
    assert "TEAM" in text and "blue" not in text  # vcr_config's filter_headers
    assert "/nowhere" in (cassettes / "test_non_openai_host_and_mock.yaml").read_text()
    sent = len(loopback_openai.requests)

    stop(loopback_openai)
    assert "?via=" in (cassettes / "test_requests_client.yaml").read_text()
    suite.runpytest(*NO_RECORDING).assert_outcomes(passed=5)
    assert len(loopback_openai.requests) == sent


def test_drifted_bodies_replay_with_a_warning_unless_body_matching_is_asked(
    suite: pytest.Pytester, loopback_openai: FakeOpenAI
) -> None:
    suite.runpytest(*NO_RECORDING, "--record-mode=once", "-k", "test_chat")
    stop(loopback_openai)
    source = suite.path / "test_suite.py"
    source.write_text(source.read_text().replace("assert ask() ==", "assert ask('drifted') =="))

    result = suite.runpytest(*NO_RECORDING, "-k", "test_chat")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*CassetteDriftWarning*test_chat.yaml*", "*messages.0.content*"])

    source.write_text(
        source.read_text().replace(
            "@pytest.mark.vcr\ndef test_chat",
            ('@pytest.mark.vcr(match_on=["method", "uri", "body"])\ndef test_chat'),
        )
    )
    result = suite.runpytest(*NO_RECORDING, "-k", "test_chat")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CassetteMismatchError*", "*messages.0.content*"])


def test_rewrite_records_anew(suite: pytest.Pytester, loopback_openai: FakeOpenAI) -> None:
    cassette = suite.path / "cassettes" / "test_suite" / "test_chat.yaml"
    suite.runpytest(*NO_RECORDING, "--record-mode=once", "-k", "test_chat")
    cassette.write_text(cassette.read_text().replace(UPSTREAM_TEXT, "stale answer"))
    sent = len(loopback_openai.requests)
    suite.runpytest(*NO_RECORDING, "--record-mode=rewrite", "-k", "test_chat").assert_outcomes(
        passed=1
    )
    assert len(loopback_openai.requests) == sent + 1
    assert "stale answer" not in cassette.read_text()


def test_missing_cassette_fails_and_names_the_fix(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*NO_RECORDING, "-k", "test_chat")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CassetteMismatchError*", "*does not exist*--record-mode*"])


BLOCKING = """
import socket
import pytest

def connect():
    with socket.create_connection(("{host}", {port}), timeout=5):
        pass

def test_blocked():
    with pytest.raises(RuntimeError, match="Network is disabled"):
        connect()

@pytest.mark.block_network(allowed_hosts=["127.0.0.*"])
def test_allowed_by_marker():
    connect()

@pytest.mark.vcr(record_mode="once")
def test_recording_is_not_blocked():
    connect()
"""


def test_block_network(pytester: pytest.Pytester, loopback_openai: FakeOpenAI) -> None:
    import httpx

    url = httpx.URL(loopback_openai.url)
    pytester.makepyfile(test_net=BLOCKING.format(host=url.host, port=url.port))
    pytester.runpytest(*NO_RECORDING, "--block-network").assert_outcomes(passed=3)
    result = pytester.runpytest(*NO_RECORDING, "--block-network", "--allowed-hosts=127.*")
    result.assert_outcomes(passed=2, failed=1)  # test_blocked: the host is allowed now


DISABLED = """
import pytest

@pytest.mark.vcr
def test_without_cassette(vcr):
    assert vcr is None
"""


def test_disable_recording(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_disabled=DISABLED)
    pytester.runpytest(*NO_RECORDING, "--disable-recording").assert_outcomes(passed=1)
    pytester.runpytest(*NO_RECORDING).assert_outcomes(failed=1)


EXTRAS = """
import openai
import pytest

@pytest.fixture(scope="module")
def vcr_config():
    return {{"record_mode": "none"}}

@pytest.mark.vcr("shared.yaml")
def test_from_shared(vcr):
    client = openai.OpenAI(api_key="sk-x", base_url="{url}", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}],
        extra_headers={{"x-team": "blue"}},
    )
    assert completion.choices[0].message.content == "{text}"
    assert vcr.play_count == 1 and vcr.all_played
"""


def test_marker_cassettes_are_replayed_too(
    suite: pytest.Pytester, loopback_openai: FakeOpenAI
) -> None:
    suite.runpytest(*NO_RECORDING, "--record-mode=once", "-k", "test_chat")
    recorded = suite.path / "cassettes" / "test_suite" / "test_chat.yaml"
    shared = suite.path / "cassettes" / "test_extras" / "shared.yaml"
    shared.parent.mkdir(parents=True)
    recorded.rename(shared)
    stop(loopback_openai)
    suite.makepyfile(test_extras=EXTRAS.format(url=loopback_openai.url, text=UPSTREAM_TEXT))
    suite.runpytest(*NO_RECORDING, "test_extras.py").assert_outcomes(passed=1)
    assert not (suite.path / "cassettes" / "test_extras" / "test_from_shared.yaml").exists()


PRESENT = """
import pytest

@pytest.mark.vcr
def test_vcr_is_pytest_recordings(vcr, record_mode):
    assert type(vcr).__module__ == "vcr.cassette"
    assert record_mode == "none"
"""


def test_pytest_recording_active_is_left_alone(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_recording")
    pytester.makepyfile(test_present=PRESENT)
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)


def test_openai_mock_cassette_true_names_it_after_the_test(
    pytester: pytest.Pytester, loopback_openai: FakeOpenAI
) -> None:
    loopback_openai.stream_pause = 0
    pytester.makepyfile(
        test_named=textwrap.dedent(
            f"""
            import openai, pytest, openai_responses

            def ask():
                client = openai.OpenAI(api_key="sk-x", base_url="{loopback_openai.url}")
                client.chat.completions.create(model="m", messages=[])

            @pytest.mark.openai_mock(base_url="{loopback_openai.url}", cassette=True)
            def test_fixture(openai_mock):
                ask()

            @pytest.mark.parametrize("n", [1])
            @openai_responses.mock(base_url="{loopback_openai.url}", cassette=True)
            def test_decorated(n):
                ask()
            """
        )
    )
    pytester.runpytest(*QUIET, "--record-mode=once").assert_outcomes(passed=2)
    folder = Path(pytester.path) / "cassettes" / "test_named"
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == [
        "test_decorated[1].yaml",
        "test_fixture.yaml",
    ]


CORPUS_UNDER_VCR = """
import openai
import pytest

from conftest import CORPUS, CORPUS_FILES
from openai_responses._cassette import load_cassette
from test_corpus import _assert_answer, _base_url, _drive

NAMES = [f"{p.parent.name}/{p.name}" for p in CORPUS_FILES]


@pytest.fixture(scope="module")
def vcr_cassette_dir():
    return str(CORPUS)


@pytest.fixture
def default_cassette_name(name):
    return name


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.vcr
@pytest.mark.parametrize("name", NAMES)
def test_replays(name, vcr, openai_mock):
    interactions = load_cassette(CORPUS / name)
    base_url = _base_url(interactions[0].request.url)
    client = openai.OpenAI(api_key="sk-corpus-test", base_url=base_url)
    position = 0
    while position < len(interactions):
        outcome = _drive(client, base_url, interactions[position].request)
        played = len(interactions) - len(openai_mock.cassette.index.unplayed())
        assert played > position, f"#{position} was not answered from the cassette"
        _assert_answer(outcome, interactions[played - 1], f"{name} #{played - 1}")
        position = played
    assert vcr.all_played and vcr.play_count == len(interactions)
"""


@needs_corpus
def test_corpus_replays_under_the_vcr_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_corpus_vcr=CORPUS_UNDER_VCR)
    result = pytester.runpytest(*NO_RECORDING, "-W", "error::openai_responses.CassetteDriftWarning")
    result.assert_outcomes(passed=len(CORPUS_FILES))


# -- match_on, misses and hosts, through OpenAIMock directly ----------------------------------

ASKED = [{"role": "user", "content": "recorded prompt"}]


def chat_cassette(tmp_path: Path) -> Path:
    from test_cassettes import _interaction, write_cassette

    recorded = _interaction(
        "/v1/chat/completions", {"model": "m", "messages": ASKED}, {"content": "R"}
    )
    return write_cassette(tmp_path / "chat.yaml", recorded)


def ask_sdk(prompt: str = "recorded prompt", base_url: str | None = None) -> str | None:
    client = openai.OpenAI(api_key="sk-x", base_url=base_url, max_retries=0)
    messages: Any = [{"role": "user", "content": prompt}]
    return client.chat.completions.create(model="m", messages=messages).choices[0].message.content


@pytest.mark.parametrize("bad", [["method", "urx"], "method", [42], ("method", None)])
def test_a_bad_match_on_fails_when_the_mock_is_created(tmp_path: Path, bad: Any) -> None:
    with pytest.raises(ValueError, match="match_on") as caught:
        OpenAIMock(cassette=chat_cassette(tmp_path), match_on=bad)
    assert repr(bad if isinstance(bad, str) else bad[-1]) in str(caught.value)


def test_vcrpy_matcher_names_replay_and_report_drift(tmp_path: Path) -> None:
    path = chat_cassette(tmp_path)
    drift = pytest.warns(CassetteDriftWarning, match=r"(?s)chat.yaml.*messages\.0\.content")
    with drift, OpenAIMock(cassette=path, match_on=["method", "uri"]):
        assert ask_sdk("a different prompt") == "R"


def test_vcrpy_style_callables_decide(tmp_path: Path) -> None:
    def same_path(r1: Any, r2: Any) -> None:
        assert r1.path == r2.path

    def never(r1: Any, r2: Any) -> bool:
        return False

    with OpenAIMock(cassette=chat_cassette(tmp_path), match_on=["method", same_path, "body"]):
        assert ask_sdk() == "R"
    never_matches = OpenAIMock(cassette=chat_cassette(tmp_path), match_on=["method", never])
    with never_matches, pytest.raises(CassetteMismatchError):
        ask_sdk()


def test_a_miss_with_no_such_endpoint_lists_the_recorded_ones(tmp_path: Path) -> None:
    with OpenAIMock(cassette=chat_cassette(tmp_path)), pytest.raises(CassetteMismatchError) as miss:
        openai.OpenAI(api_key="sk-x").embeddings.create(model="e", input="x")
    message = str(miss.value)
    assert "no recorded request is POST /v1/embeddings" in message
    assert "POST https://api.openai.com/v1/chat/completions" in message
    assert "-  " not in message  # no diff against an unrelated request


def test_a_miss_names_the_differing_json_paths(tmp_path: Path) -> None:
    with OpenAIMock(cassette=chat_cassette(tmp_path)), pytest.raises(CassetteMismatchError) as miss:
        ask_sdk("another prompt")
    assert "the bodies differ at: messages.0.content" in str(miss.value)
    assert "ignore_json_paths=('messages.0.content',)" in str(miss.value)


@needs_corpus
def test_a_cassette_replays_every_host_it_records() -> None:
    """The real OpenRouter cassette, the mock left at its default base_url."""
    from conftest import CORPUS

    path = CORPUS / "pydantic-ai" / "test_openrouter_errors_raised.yaml"
    with OpenAIMock(cassette=path, unplayed="fail") as openai_mock:
        client = openai.OpenAI(api_key="sk-x", base_url="https://openrouter.ai/api/v1")
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(
                model="google/gemini-2.0-flash-exp:free",
                messages=[
                    {"role": "system", "content": "Be helpful."},
                    {"role": "user", "content": "Tell me a joke."},
                ],
                stream=False,
            )
    # OpenAI-shaped paths on the other host reach their endpoint row: the SDK's 2 retries too
    assert openai_mock.chat.completions.create.call_count == 3


@pytest.mark.parametrize(
    ("base_url", "named"),
    [
        ("http://proxy.test/api/v1", 'base_url="http://proxy.test/api/v1"'),
        ("http://localhost:9/v1", 'base_url="http://localhost:9/v1"'),
    ],
)
def test_an_openai_shaped_unmocked_request_names_base_url(base_url: str, named: str) -> None:
    with OpenAIMock(), pytest.raises(UnmockedRequestError, match=re.escape(named)):
        ask_sdk(base_url=base_url)


# -- vcr_config keys, through the adapter the marker uses --------------------------------------


def test_vcr_config_filters_apply_to_recording_and_matching(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    import httpx

    from openai_responses._pytest._vcr import vcr_mock

    def hide_answer(response: dict[str, Any]) -> dict[str, Any]:
        response["body"]["string"] = response["body"]["string"].replace(b"no route", b"HIDDEN")
        return response

    config: dict[str, Any] = {
        "filter_query_parameters": ["api_key"],
        "before_record_response": hide_answer,
    }
    path = tmp_path / "filtered.yaml"
    url = f"{loopback_openai.url}/models?api_key=s3cret&limit=2"
    with vcr_mock(path, config, "once"):
        httpx.get(url)
    text = path.read_text()
    assert "s3cret" not in text and "limit=2" in text and "HIDDEN" in text
    sent = len(loopback_openai.requests)
    with vcr_mock(path, config, "none") as replaying:  # the live query still has api_key
        assert "HIDDEN" in httpx.get(url).text
    assert len(loopback_openai.requests) == sent
    assert replaying.cassette is not None and not replaying.cassette.index.unplayed()


def test_ignore_localhost_lets_requests_through(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    import httpx

    from openai_responses._pytest._vcr import vcr_mock

    path = tmp_path / "ignored.yaml"
    with vcr_mock(path, {"ignore_localhost": True}, "none"):
        assert httpx.get(f"{loopback_openai.url}/nowhere").status_code == 404
    assert len(loopback_openai.requests) == 1 and not path.exists()
    with vcr_mock(path, {}, "none"), pytest.raises(CassetteMismatchError):
        httpx.get(f"{loopback_openai.url}/nowhere")  # not ignored: a replay-only miss
