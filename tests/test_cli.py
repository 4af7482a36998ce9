"""`openai-responses cassette show|check`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, needs_corpus
from openai_responses._cassette import Interaction, RecordedRequest, RecordedResponse, save_cassette
from openai_responses._cli import main


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def _clean(tmp_path: Path) -> Path:
    path = tmp_path / "clean.yaml"
    save_cassette(
        path,
        [
            Interaction(
                RecordedRequest(
                    "POST",
                    "https://api.openai.com/v1/chat/completions",
                    (),
                    b'{"model":"gpt-4o","stream":true}',
                ),
                RecordedResponse(
                    200,
                    "OK",
                    (("content-type", "text/event-stream"),),
                    b"data: {}\n\ndata: [DONE]\n\n",
                ),
            ),
            Interaction(
                RecordedRequest(
                    "POST",
                    "https://api.openai.com/v1/embeddings",
                    (),
                    b'{"model":"text-embedding-3-small"}',
                ),
                RecordedResponse(400, "Bad Request", (), b'{"error": {"message": "bad input"}}'),
            ),
        ],
    )
    return path


@needs_corpus
def test_check_corpus_finds_cookies_and_org_slugs(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cassette", "check", *map(str, sorted(CORPUS.glob("*/*.yaml")))])
    out = capsys.readouterr().out
    assert code == 1
    for needle in ("__cf_bm", "_cfuvid", "traceloop", "datadog-4", "crewai-iuxna1", "proj_"):
        assert needle in out, needle
    assert "openllmetry/test_chat_tool_calls.yaml: interaction 0 response header" in out
    assert "[low] AUTHORIZATION-XXX" in out  # placeholders reported, as low
    assert "[low] Bearer test_openai_api_key" in out


@needs_corpus
def test_check_placeholders_only_can_pass_with_flag(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CORPUS / "otel-contrib" / "test_chat_completion_404.yaml")
    assert main(["cassette", "check", path]) == 1
    assert main(["cassette", "check", "--allow-placeholders", path]) == 0
    assert "[low]" in capsys.readouterr().out


def test_check_flags_real_looking_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "leak.yaml"
    key = "sk-" + "proj-" + "abcdefghijklmnopqrstuv"  # built here: no key-shaped literal in git
    path.write_text(
        "interactions:\n"
        "- request:\n"
        "    body: ''\n"
        "    headers:\n"
        f"      Authorization: [Bearer {key}]\n"
        "    method: GET\n"
        "    uri: https://api.openai.com/v1/models\n"
        "  response:\n"
        "    body: {string: ''}\n"
        "    headers:\n"
        "      openai-project: [proj_abcdefghijkl]\n"
        "    status: {code: 200, message: OK}\n"
        "version: 1\n"
    )
    assert main(["cassette", "check", "--allow-placeholders", str(path)]) == 1
    out = capsys.readouterr().out
    assert "interaction 0 request header Authorization: authorization header [high]" in out
    assert "abcdefghijklmnopqrstuv" not in out  # the key itself is masked
    assert "proj_abcdefghijkl" in out


def test_check_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassette", "check", str(_clean(tmp_path))]) == 0
    assert "clean" in capsys.readouterr().out


def test_check_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions:\n- request: {}\n  response: {}\n")
    assert main(["cassette", "check", str(bad), str(tmp_path / "missing.yaml")]) == 2
    out = capsys.readouterr().out
    assert "bad.yaml: interaction 0" in out and "missing.yaml: error: no such file" in out


def test_show_names_endpoints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassette", "show", str(_clean(tmp_path))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("2 interaction(s)")
    assert lines[1].split() == [
        "#0",
        "POST",
        "/v1/chat/completions",
        "200",
        "stream",
        "model=gpt-4o",
    ]
    assert "/v1/embeddings" in lines[2] and "400" in lines[2] and "ERROR 'bad input'" in lines[2]


@needs_corpus
def test_show_corpus_polling(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "cassette",
                "show",
                str(CORPUS / "openllmetry" / "test_new_assistant_with_polling.yaml"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "25 interaction(s)" in out and "POST  /v1/assistants  200  model=gpt-4o-mini" in out


def test_console_script_module_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openai_responses._cli", "cassette", "show", str(_clean(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "OPENAI_RESPONSES_CACHE_DIR": "off"},
    )
    assert result.returncode == 0, result.stderr
    assert "/v1/chat/completions" in result.stdout
