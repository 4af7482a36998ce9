"""The mock engine served over real HTTP on loopback."""

from __future__ import annotations

import threading

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


def test_parallel_clients_keep_one_consistent_state() -> None:
    """Eight clients at once (the server answers each request on its own thread) create,
    list, update and delete across the stateful areas: no request fails, none is lost."""
    rounds, clients = 5, 8
    errors: list[BaseException] = []

    def work(served: openai_responses.ServedMock, n: int) -> None:
        client = openai.OpenAI(api_key="sk-served", base_url=served.url, max_retries=0)
        try:
            for i in range(rounds):
                client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": f"{n}-{i}"}], store=True
                )
                conversation = client.conversations.create()
                for text in ("a", "b"):
                    client.conversations.items.create(
                        conversation.id,
                        items=[{"type": "message", "role": "user", "content": text}],
                    )
                assert len(list(client.conversations.items.list(conversation.id))) == 2
                kept = client.files.create(file=(f"{n}-{i}.txt", b"x"), purpose="assistants")
                dropped = client.files.create(file=("gone.txt", b"y"), purpose="assistants")
                client.files.delete(dropped.id)
                assert client.files.retrieve(kept.id).filename == f"{n}-{i}.txt"
                list(client.files.list())
        except BaseException as error:  # reported by the test thread below
            errors.append(error)

    with openai_responses.serve() as served:
        threads = [threading.Thread(target=work, args=(served, n)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state = served.mock.state
        assert errors == []
        assert len(state.all("chat_completions")) == rounds * clients
        assert len(state.all("conversations")) == rounds * clients
        assert len(state.all("conversation_items")) == 2 * rounds * clients
        names = sorted(f.filename for f in state.all("files"))
        assert names == sorted(f"{n}-{i}.txt" for n in range(clients) for i in range(rounds))
