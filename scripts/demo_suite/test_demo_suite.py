"""A small example suite, run by scripts/demo.py: once recording against a stand-in for the
OpenAI API, then replaying offline. It is what a user's own tests look like."""

from __future__ import annotations

import os

import openai

import openai_responses
from openai_responses import OpenAIMock

BASE_URL = os.environ["DEMO_BASE_URL"]
API_KEY = "sk-demo-not-a-real-key"


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key=API_KEY, base_url=BASE_URL, max_retries=0)


@openai_responses.mock(base_url=BASE_URL, cassette="demo/chat.yaml")
def test_chat_completion() -> None:
    completion = client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert completion.choices[0].message.content == "Echo: Say hello"


@openai_responses.mock(base_url=BASE_URL, cassette="demo/chat_stream.yaml")
def test_chat_stream() -> None:
    stream = client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Stream it"}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "Echo: Stream it"


@openai_responses.mock(base_url=BASE_URL, cassette="demo/responses.yaml")
def test_responses_and_embeddings() -> None:
    response = client().responses.create(model="gpt-4o-mini", input="What is 2 + 2?")
    embedding = client().embeddings.create(model="text-embedding-3-small", input="hello")
    assert response.output_text == "Echo: What is 2 + 2?"
    assert len(embedding.data[0].embedding) == 1536


@openai_responses.mock(base_url=BASE_URL, cassette="demo/chat.yaml")
def test_override_wins_over_the_recording(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = {
        "choices": [{"message": {"content": "Overridden in the test"}}]
    }
    completion = client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert completion.choices[0].message.content == "Overridden in the test"
    assert openai_mock.chat.completions.create.route.call_count == 1
