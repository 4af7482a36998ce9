"""`GET /__mock/journal`: what a served mock answered, which step answered it, per test id."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import openai

import openai_responses
from conftest import FakeOpenAI, chat_completion
from openai_responses._cassette import Interaction, RecordedRequest, RecordedResponse, save_cassette

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "recorded"}]}
COMPLETION = chat_completion("from the cassette", "chatcmpl-recorded")


def root(served: openai_responses.ServedMock) -> str:
    return served.server.url


def entries(served: openai_responses.ServedMock, test_id: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    headers = {"x-mock-test-id": test_id} if test_id else {}
    answer = httpx.get(f"{root(served)}/__mock/journal", headers=headers)
    assert answer.status_code == 200
    data: list[dict] = answer.json()["data"]  # type: ignore[type-arg]
    return data


def cassette_with_one_chat(path: Path, base: str) -> Path:
    request = RecordedRequest("POST", f"{base}/chat/completions", (), json.dumps(CHAT).encode())
    headers = (("content-type", "application/json"),)
    response = RecordedResponse(200, "OK", headers, json.dumps(COMPLETION).encode())
    save_cassette(path, [Interaction(request, response)])
    return path


def test_each_entry_names_the_step_that_answered(
    loopback_openai: FakeOpenAI, tmp_path: Path
) -> None:
    cassette = cassette_with_one_chat(tmp_path / "c.yaml", loopback_openai.url)
    recording = openai_responses.serve(
        upstream=loopback_openai.url, cassette=cassette, record_mode="new_episodes"
    )
    with recording as served:
        served.mock.embeddings.create.response = {"data": []}
        http = httpx.Client(base_url=served.url, headers={"authorization": "Bearer sk-j"})
        http.post("/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
        http.post("/chat/completions", json=CHAT)
        http.post("/chat/completions", json={**CHAT, "model": "gpt-4o-mini"})
        http.get("/no/such/path")  # the upstream's 404, recorded
        sources = [(e["source"], e["status"], e["path"]) for e in entries(served)]
    with openai_responses.serve() as served:
        client = openai.OpenAI(api_key="sk-j", base_url=served.url, max_retries=0)
        assistant = client.beta.assistants.create(model="gpt-4o")
        client.moderations.create(input="hello")
        http = httpx.Client(base_url=served.url)
        http.get(f"/assistants/{assistant.id}x")
        http.get("/no/such/path")  # no row, no cassette: nothing may answer it
        pure = [(e["source"], e["status"], e["path"]) for e in entries(served)]

    assert sources == [
        ("override", 200, "/v1/embeddings"),
        ("cassette", 200, "/v1/chat/completions"),
        ("record", 200, "/v1/chat/completions"),
        ("record", 404, "/v1/no/such/path"),
    ]
    assert pure == [
        ("state", 200, "/v1/assistants"),
        ("default", 200, "/v1/moderations"),
        ("state", 404, f"/v1/assistants/{assistant.id}x"),
        ("miss", 404, "/v1/no/such/path"),
    ]


def test_entries_show_method_body_query_and_stream_status() -> None:
    with openai_responses.serve() as served:
        client = openai.OpenAI(api_key="sk-j", base_url=served.url, max_retries=0)
        stream = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "s"}], stream=True
        )
        assert list(stream)
        client.beta.assistants.list(limit=2)
        client.files.create(file=("a.txt", b"bytes"), purpose="assistants")
        chat, listing, upload = entries(served)

    assert chat["method"] == "POST"
    assert chat["body"] == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "s"}],
        "stream": True,
    }
    assert (chat["status"], chat["source"]) == (200, "default")
    assert (listing["method"], listing["query"], listing["body"]) == ("GET", "limit=2", None)
    assert "multipart" not in upload["body"] and 'name="purpose"' in upload["body"]


def test_parallel_clients_see_and_clear_only_their_own_entries() -> None:
    clients, calls = 8, 12
    barrier = threading.Barrier(clients)
    seen: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    with openai_responses.serve() as served:

        def one_test(name: str) -> None:
            client = openai.OpenAI(
                api_key="sk-j",
                base_url=served.url,
                max_retries=0,
                default_headers={"x-mock-test-id": name},
            )
            barrier.wait()
            for index in range(calls):
                client.beta.assistants.create(model="gpt-4o", name=f"{name}-{index}")
            seen[name] = entries(served, name)

        threads = [threading.Thread(target=one_test, args=(f"t{i}",)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        everything = entries(served)
        cleared = httpx.delete(f"{root(served)}/__mock/journal", headers={"x-mock-test-id": "t0"})
        after_clear = {name: len(entries(served, name)) for name in seen}
        httpx.delete(f"{root(served)}/__mock/journal")
        left = entries(served)

    for name, mine in seen.items():
        assert [e["body"]["name"] for e in mine] == [f"{name}-{i}" for i in range(calls)]
        assert {e["test_id"] for e in mine} == {name}
    assert len(everything) == clients * calls
    assert cleared.json() == {"deleted": calls}
    assert after_clear == {name: 0 if name == "t0" else calls for name in seen}
    assert left == []


def test_the_test_id_never_reaches_the_upstream_or_the_cassette(
    loopback_openai: FakeOpenAI, tmp_path: Path
) -> None:
    cassette = tmp_path / "new.yaml"
    served = openai_responses.serve(
        upstream=loopback_openai.url, cassette=cassette, record_mode="once"
    )
    with served:
        httpx.post(f"{served.url}/chat/completions", json=CHAT, headers={"x-mock-test-id": "t"})

    assert "x-mock-test-id" not in loopback_openai.requests[0].headers
    assert "x-mock-test-id" not in cassette.read_text()
    assert loopback_openai.requests[0].url.path == "/v1/chat/completions"
