"""Offline drift: recorded answers read against the installed SDK's types (``check --sdk``,
and as warnings when a cassette replays), and what a pytest run reports about its cassettes
(terminal summary, ``--openai-unplayed=fail``, ``cassette orphans``)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS_FILES, FakeOpenAI, chat_completion, needs_corpus
from openai_responses import CassetteSchemaDriftWarning, OpenAIMock
from openai_responses import _freshness as freshness
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    save_cassette,
)
from openai_responses._cli import main
from openai_responses._drift import check_interactions

pytest_plugins = ["pytester"]

# In-process inner runs: plugins they do not need are left out (each costs time per run).
UNNEEDED = ("hypothesispytest", "xdist", "xdist.looponfail", "anyio", "asyncio")
QUIET = tuple(arg for name in UNNEEDED for arg in ("-p", f"no:{name}"))

URL = "https://api.openai.com/v1"
CHAT = chat_completion("hi")


def interaction(body: object, path: str = "/chat/completions", *, sse: bool = False) -> Interaction:
    content_type = "text/event-stream" if sse else "application/json"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]})
    return Interaction(
        RecordedRequest(
            "POST", URL + path, (("content-type", "application/json"),), request.encode()
        ),
        RecordedResponse(200, "OK", (("content-type", content_type),), raw),
    )


def describe(interactions: list[Interaction]) -> list[str]:
    return [finding.describe() for finding in check_interactions(interactions)]


# -- the check ---------------------------------------------------------------------------------
def test_an_answer_the_sdk_reads_as_recorded_has_no_findings() -> None:
    assert describe([interaction(CHAT)]) == []


def test_unknown_missing_and_changed_fields_are_named_by_path() -> None:
    choice = {**CHAT["choices"][0], "brand_new": True}  # type: ignore[index]
    del choice["finish_reason"]
    drifted = {**CHAT, "choices": [choice], "created": "yesterday"}
    assert describe([interaction(drifted)]) == [
        "interaction 0: error: missing field choices[0].finish_reason",
        "interaction 0: error: type changed created: Input should be a valid integer, "
        "unable to parse string as an integer",
        "interaction 0: warning: unknown field choices[0].brand_new",
    ]


def test_stream_events_are_read_against_the_sdk_event_union() -> None:
    events = (
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
        b'"item_id":"m","output_index":0,"content_index":0,"delta":"a","logprobs":[],'
        b'"sequence_number":1,"mystery":1}\n\n'
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
        b'"item_id":"m","output_index":0,"content_index":0,"delta":"b","logprobs":[],'
        b'"sequence_number":2,"mystery":2}\n\n'
        b'event: response.telepathy\ndata: {"type":"response.telepathy"}\n\n'
    )
    assert describe([interaction(events, "/responses", sse=True)]) == [
        "interaction 0: warning: unknown field event[response.output_text.delta].mystery: "
        "in 2 events",
        "interaction 0: warning: unknown event event[response.telepathy]: "
        "type 'response.telepathy' is not among the SDK's events",
    ]


def test_retired_models_are_named() -> None:
    old = interaction({**CHAT, "model": "gpt-4-32k-0314"})
    assert describe([old]) == [
        "interaction 0: warning: retired model response model: 'gpt-4-32k-0314' was shut "
        "down by OpenAI"
    ]


def test_cli_exits_1_on_errors_and_0_on_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warned, broken = tmp_path / "warned.yaml", tmp_path / "broken.yaml"
    save_cassette(warned, [interaction({**CHAT, "brand_new": 1})])
    save_cassette(broken, [interaction({k: v for k, v in CHAT.items() if k != "choices"})])

    assert main(["cassette", "check", "--sdk", str(warned)]) == 0
    assert "interaction 0: warning: unknown field brand_new" in capsys.readouterr().out
    assert main(["cassette", "check", str(broken)]) == 0  # without --sdk: no drift check
    capsys.readouterr()
    assert main(["cassette", "check", "--sdk", str(broken), str(warned)]) == 1
    assert "broken.yaml: interaction 0: error: missing field choices" in capsys.readouterr().out


@needs_corpus
def test_check_sdk_reads_the_whole_corpus_and_reports_the_old_api(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert len(CORPUS_FILES) == 61
    for path in CORPUS_FILES:  # no file makes the check itself fail
        check_interactions(load_cassette(path))
    status = main(["cassette", "check", "--sdk", "--allow-placeholders", *map(str, CORPUS_FILES)])
    out = capsys.readouterr().out
    assert status == 1 and "Traceback" not in out and ": error: no such file" not in out
    known = [
        # Responses streams from before events were numbered
        "dd-trace-py/response_stream.yaml: interaction 0: error: missing field "
        "event[response.created].sequence_number",
        "pydantic-ai/test_openai_responses_stream.yaml: interaction 1: error: missing field "
        "event[response.output_text.delta].logprobs: in 7 events",
        # moderation results before the illicit categories
        "dd-trace-py/moderation.yaml: interaction 0: error: missing field "
        "results[0].category_applied_input_types",
        # an assistants-era message without status
        "openllmetry/test_new_assistant_with_polling.yaml: interaction 2: error: missing field "
        "status",
        # fields the SDK does not declare
        "otel-contrib/test_responses_create_streaming[content_mode0].yaml: interaction 0: "
        "warning: unknown field event[response.output_text.delta].obfuscation: in 5 events",
        "llm/test_tools_streaming_variant_a.yaml: interaction 0: warning: unknown field "
        "event.provider: in 5 events",
        # retired models
        "dd-trace-py/chat_completion.yaml: interaction 0: warning: retired model response "
        "model: 'gpt-3.5-turbo-0301' was shut down by OpenAI",
        "openllmetry/test_vision.yaml: interaction 0: warning: retired model request model: "
        "'gpt-4-vision-preview' was shut down by OpenAI",
    ]
    for line in known:
        assert line in out, line


# -- on replay ---------------------------------------------------------------------------------
def replay(path: Path, **options: object) -> None:
    with OpenAIMock(cassette=path, **options):  # type: ignore[arg-type]
        client = openai.OpenAI(api_key="sk-x", max_retries=0)
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_replayed_cassettes_warn_about_drift_once_per_run(tmp_path: Path) -> None:
    path = tmp_path / "drifted.yaml"
    save_cassette(path, [interaction({**CHAT, "brand_new": 1})])
    freshness.reset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        replay(path)
        replay(path)
    drift = [w for w in caught if issubclass(w.category, CassetteSchemaDriftWarning)]
    assert len(drift) == 1
    assert "unknown field brand_new" in str(drift[0].message)
    assert f"openai-responses cassette check --sdk {path}" in str(drift[0].message)


def test_the_replay_check_can_be_turned_off(tmp_path: Path) -> None:
    path = tmp_path / "drifted.yaml"
    save_cassette(path, [interaction({**CHAT, "brand_new": 1})])
    freshness.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CassetteSchemaDriftWarning)
        replay(path, check_drift=False)


# -- a pytest run's report ---------------------------------------------------------------------
SUITE = """
import openai
import openai_responses
import pytest

URL = "{url}"


def ask(prompt="hi"):
    client = openai.OpenAI(api_key="sk-summary-0123456789", base_url=URL, max_retries=0)
    return client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": prompt}}]
    )


@openai_responses.mock(base_url=URL, cassette="used.yaml")
def test_used():
    ask()


@pytest.mark.openai_mock(base_url=URL, cassette="partly.yaml")
def test_partly(openai_mock):
    ask()


@openai_responses.mock(base_url=URL, cassette="drifted.yaml")
def test_drifted():
    ask()


@pytest.mark.openai_mock(base_url=URL, cassette="used.yaml", max_age="1d", on_expiry="fail")
def test_expiry_by_marker(openai_mock):
    ask()
"""


def record(url: str, path: Path, *prompts: str) -> None:
    with OpenAIMock(base_url=url, cassette=path, record_mode="once"):
        client = openai.OpenAI(api_key="sk-summary-0123456789", base_url=url, max_retries=0)
        for prompt in prompts:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": prompt}]
            )


def add_unknown_field(path: Path) -> None:
    (recorded,) = load_cassette(path)
    answer = {**json.loads(recorded.response.body), "brand_new_field": 1}
    response = dataclasses.replace(recorded.response, body=json.dumps(answer).encode())
    save_cassette(path, [dataclasses.replace(recorded, response=response)])


@pytest.fixture
def suite(pytester: pytest.Pytester, loopback_openai: FakeOpenAI) -> pytest.Pytester:
    loopback_openai.stream_pause = 0
    url = loopback_openai.url
    cassettes = pytester.path / "cassettes"
    record(url, cassettes / "used.yaml", "hi")
    record(url, cassettes / "partly.yaml", "hi", "never asked")
    record(url, cassettes / "orphan.yaml", "hi")
    record(url, cassettes / "drifted.yaml", "hi")
    add_unknown_field(cassettes / "drifted.yaml")
    assert loopback_openai.server is not None
    loopback_openai.server.stop()  # everything below replays offline
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_suite=SUITE.format(url=url))
    return pytester


def test_the_terminal_summary_counts_each_cassette_and_orphans_are_the_rest(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = str(suite.path / "cassettes")
    assert main(["cassette", "orphans", directory]) == 2  # no run yet: no index
    assert "run pytest first" in capsys.readouterr().out

    result = suite.runpytest(*QUIET, "-k", "not marker", "-W", "always")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*- openai_responses cassettes -*",
            "cassettes/drifted.yaml: 1 replayed, 0 recorded, 0 unplayed, 1 drift",
            "cassettes/partly.yaml: 1 replayed, 0 recorded, 1 unplayed, 0 drift",
            "cassettes/used.yaml: 1 replayed, 0 recorded, 0 unplayed, 0 drift",
            "3 cassette(s): 3 replayed, 0 recorded, 1 unplayed, 1 drift finding(s)",
        ]
    )
    result.stdout.fnmatch_lines(["*CassetteSchemaDriftWarning*", "*unknown field brand_new_field*"])
    capsys.readouterr()

    assert main(["cassette", "orphans", directory]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{directory}/orphan.yaml", "1 cassette(s) no test opened in the last run"]
    cache = str(suite.path / ".pytest_cache")
    assert main(["cassette", "orphans", directory, "--cache-dir", cache]) == 1
    assert capsys.readouterr().out.splitlines() == lines


def test_openai_unplayed_fail_fails_tests_and_xdist_workers_add_up(
    suite: pytest.Pytester,
) -> None:
    in_workers = ("-p", "no:hypothesispytest", "-p", "no:asyncio", "-n", "2")
    result = suite.runpytest(*in_workers, "-k", "not marker", "--openai-unplayed=fail")
    result.assert_outcomes(passed=3, errors=1)  # the fixture's teardown raised
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_partly*", "*never played*"])
    result.stdout.fnmatch_lines(
        ["3 cassette(s): 3 replayed, 0 recorded, 1 unplayed, 1 drift finding(s)"]
    )


def test_max_age_from_the_marker_and_the_ini(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    used = suite.path / "cassettes" / "used.yaml"
    used.write_text(used.read_text().replace("recorded_at: '20", "recorded_at: '19"))
    result = suite.runpytest(*QUIET, "-p", "no:cacheprovider", "-k", "marker")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*CassetteExpiredError*used.yaml*"])

    suite.makeini("[pytest]\nopenai_cassette_max_age = 30d\nopenai_check_drift = false\n")
    result = suite.runpytest(*QUIET, "-k", "test_used or test_drifted", "-W", "always")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*CassetteExpiredWarning*used.yaml*max_age='30d'*"])
    assert "CassetteSchemaDriftWarning" not in result.stdout.str()
    capsys.readouterr()
    # The index is the last run's: it opened used.yaml and drifted.yaml.
    assert main(["cassette", "orphans", str(suite.path / "cassettes")]) == 1
    orphans = capsys.readouterr().out.splitlines()[:-1]
    assert [Path(line).name for line in orphans] == ["orphan.yaml", "partly.yaml"]


# Keys the SDK's types use (and a few they do not), so that generated bodies reach deep.
KEYS = [
    "id",
    "object",
    "type",
    "choices",
    "message",
    "content",
    "data",
    "output",
    "usage",
    "model",
    "created",
    "delta",
    "text",
    "index",
    "status",
    "results",
    "x",
]

# -- whatever was recorded, the check reports instead of failing --------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(
        ["/chat/completions", "/responses", "/embeddings", "/files", "/moderations", "/models"]
    ),
    body=JSON,
    sse=st.booleans(),
)
def test_any_recorded_answer_is_checked_without_crashing(
    path: str, body: object, sse: bool
) -> None:
    raw = json.dumps(body).encode()
    if sse:
        raw = b"event: x\ndata: " + raw + b"\n\ndata: [DONE]\n\n"
    for finding in check_interactions([interaction(raw, path, sse=sse)]):
        assert finding.severity in ("error", "warning") and finding.describe()
