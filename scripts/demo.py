"""The main job: show the mock answering the openai SDK offline.

Run: python scripts/demo.py
"""

from __future__ import annotations

import time

import openai

import openai_responses
from openai_responses import OpenAIMock


@openai_responses.mock()
def demo(openai_mock: OpenAIMock) -> None:
    client = openai.OpenAI(api_key="sk-demo")
    openai_mock.chat.completions.create.response = {
        "choices": [{"message": {"content": "Hello from the mock!"}}]
    }

    started = time.perf_counter()
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
    )
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    uploaded = client.files.create(file=("notes.txt", b"offline bytes"), purpose="assistants")
    elapsed_ms = (time.perf_counter() - started) * 1000

    route = openai_mock.chat.completions.create.route
    print(f"chat.completions.create -> {completion.choices[0].message.content!r}")
    print(f"streamed                -> {streamed!r}")
    print(f"files.create            -> {uploaded.id} ({uploaded.bytes} bytes)")
    print(f"files.content           -> {client.files.content(uploaded.id).content!r}")
    print(f"chat route calls: {route.call_count}; 4 SDK calls took {elapsed_ms:.1f} ms offline")


if __name__ == "__main__":
    demo()
