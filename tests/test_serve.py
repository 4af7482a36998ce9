"""The mock engine served over real HTTP on loopback."""

from __future__ import annotations

import openai
import pytest

import openai_responses


def test_served_mock_answers_the_sdk_over_real_sockets() -> None:
    with openai_responses.serve() as served:
        served.mock.chat.completions.create.response = {
            "choices": [{"message": {"content": "over HTTP"}}]
        }
        client = openai.OpenAI(api_key="sk-served", base_url=served.url, max_retries=0)
        completion = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
        uploaded = client.files.create(file=("a.txt", b"bytes on the wire"), purpose="assistants")

        assert completion.choices[0].message.content == "over HTTP"
        assert client.files.content(uploaded.id).content == b"bytes on the wire"
        assert served.mock.chat.completions.create.route.call_count == 1
        assert served.url.startswith("http://127.0.0.1:")


def test_unmocked_paths_answer_an_openai_error() -> None:
    with openai_responses.serve() as served:
        client = openai.OpenAI(api_key="sk-served", base_url=served.url, max_retries=0)
        with pytest.raises(openai.NotFoundError, match="no mock answers GET"):
            client.get("/no/such/endpoint", cast_to=object)
