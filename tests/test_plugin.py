"""The pytest plugin in real pytest runs: --record-mode drives our cassettes and
pytest-recording's fixtures alike, whichever plugin registers the flag."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import UPSTREAM_TEXT, FakeOpenAI

TEST_FILE = """
import openai
import openai_responses

URL = "{url}"


@openai_responses.mock(base_url=URL, cassette="plugin/chat.yaml")
def test_chat():
    client = openai.OpenAI(api_key="sk-plugin-test-0123456789", base_url=URL, max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}]
    )
    assert completion.choices[0].message.content == "{text}"
"""

VCR_MODE_TEST = """

def test_pytest_recording_sees_the_same_mode(record_mode):
    assert record_mode == "{mode}"
"""


def run_pytest(directory: Path, *args: str, env: dict[str, str] | None = None) -> str:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    done = subprocess.run(
        command, cwd=directory, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture
def project(tmp_path: Path, loopback_openai: FakeOpenAI) -> Path:
    loopback_openai.stream_pause = 0
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_inner.py").write_text(
        TEST_FILE.format(url=loopback_openai.url, text=UPSTREAM_TEXT)
    )
    return tmp_path


@pytest.mark.parametrize("recording_plugin", ["loaded", "disabled"])
def test_record_mode_flag_records_then_replays(
    project: Path, loopback_openai: FakeOpenAI, recording_plugin: str
) -> None:
    disable = ["-p", "no:recording"] if recording_plugin == "disabled" else []
    if recording_plugin == "loaded":
        with (project / "test_inner.py").open("a") as file:
            file.write(VCR_MODE_TEST.format(mode="once"))

    output = run_pytest(project, "--record-mode=once", *disable)
    cassette = project / "cassettes" / "plugin" / "chat.yaml"
    assert cassette.exists(), output
    assert len(loopback_openai.requests) == 1

    assert loopback_openai.server is not None
    loopback_openai.server.stop()
    (project / "test_inner.py").write_text(
        (project / "test_inner.py").read_text().replace('"once"', '"none"')
    )
    run_pytest(project, "--record-mode=none", *disable)
    run_pytest(project, *disable)  # the default is replay-only
    assert len(loopback_openai.requests) == 1


@pytest.mark.parametrize(
    "order",
    [
        ["-p", "pytest_recording.plugin", "-p", "openai_responses._plugin"],
        ["-p", "openai_responses._plugin"],
    ],
)
def test_flag_is_shared_without_autoloading(
    project: Path, order: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    if "pytest_recording.plugin" in order:
        pytest.importorskip("pytest_recording")

    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    output = run_pytest(project, *order, "--record-mode=once", env=env)
    assert "1 passed" in output
    assert (project / "cassettes" / "plugin" / "chat.yaml").exists()


def test_ini_options_set_directory_and_mode(project: Path, loopback_openai: FakeOpenAI) -> None:
    (project / "pytest.ini").write_text(
        "[pytest]\nopenai_cassette_dir = recorded\nopenai_record_mode = once\n"
    )
    run_pytest(project)
    assert (project / "recorded" / "plugin" / "chat.yaml").exists()
    assert len(loopback_openai.requests) == 1
    run_pytest(project)  # "once": the file exists now, so this replays
    assert len(loopback_openai.requests) == 1
