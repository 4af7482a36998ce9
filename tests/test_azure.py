"""Azure OpenAI: the same routes under ``{endpoint}/openai[/deployments/{name}]``.

``AzureOpenAI(azure_endpoint=E, api_version=V)`` sends deployment endpoints (chat, embeddings,
audio, images, completions) to ``E/openai/deployments/{deployment}/…?api-version=V`` and the
rest to ``E/openai/…``. A mock whose base is ``E`` (or ``E/openai``, or one deployment) answers
them all from the plain API's routes; the deployment and ``api-version`` never decide the
route and stay in the call history.
"""

from __future__ import annotations

import re

import httpx
import openai
import pytest

import openai_responses
from openai_responses import OpenAIMock
from openai_responses._endpoints import ENDPOINTS, Endpoint

ENDPOINT = "https://example-endpoint.openai.azure.com"
VERSION = "2024-10-21"
BASES = [ENDPOINT, f"{ENDPOINT}/", f"{ENDPOINT}/openai", f"{ENDPOINT}/openai/deployments/mine"]
# The layouts the Azure client sends: with and without a deployment segment.
LAYOUTS = ["/openai/deployments/some-deployment", "/openai"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the Assistants API


def _filled(endpoint: Endpoint) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"{m.group(1)}-1", endpoint.path)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_row_is_routed_under_an_azure_base(base: str, layout: str) -> None:
    plain = OpenAIMock()
    azure = OpenAIMock(base_url=base)
    wrong = []
    for endpoint in ENDPOINTS:
        path = _filled(endpoint)
        request = httpx.Request(endpoint.method, f"{ENDPOINT}{layout}{path}?api-version={VERSION}")
        expected = plain._index.find(endpoint.method, path)
        assert expected is not None and endpoint in (expected[0].endpoint, endpoint), endpoint
        found_path = azure.base.endpoint_path(request.url.path)
        found = None if found_path is None else azure._index.find(request.method, found_path)
        route = expected[0].endpoint.sdk
        if found is None or found[0].endpoint is not expected[0].endpoint:
            wrong.append(f"{endpoint.sdk}: {request.url.path} -> {found and found[0]}")
        elif found[1] != expected[1] or not azure.routes[route].route.pattern.match(request):
            wrong.append(f"{endpoint.sdk}: params {found[1]} or call history pattern")
    assert not wrong, "\n".join(wrong)


def test_the_plain_layout_still_routes_under_an_azure_base() -> None:
    mock = OpenAIMock(base_url=ENDPOINT)
    client = openai.OpenAI(base_url=ENDPOINT, api_key="k", max_retries=0)
    with mock.router:
        assert client.models.list().data
    assert mock.models.list.call_count == 1


def _azure(**options: str) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=ENDPOINT, api_key="azure-key", api_version=VERSION, max_retries=0, **options
    )


def _answer(text: str) -> dict[str, object]:
    message = {"role": "assistant", "content": text}
    return {"choices": [{"index": 0, "finish_reason": "stop", "message": message}]}


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("deployment", [None, "chat-deployment"])
def test_the_azure_client_reaches_the_routes(base: str, deployment: str | None) -> None:
    options = {"azure_deployment": deployment} if deployment else {}
    client = _azure(**options)
    mock = OpenAIMock(base_url=base)
    mock.chat.completions.create.response = _answer("hi!")
    with mock.router:
        completion = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello"}]
        )
        embedding = client.embeddings.create(model="text-embedding-3-small", input="x")
        uploaded = client.files.create(file=("a.txt", b"hello"), purpose="assistants")
        assistant = client.beta.assistants.create(model="gpt-4o", name="helper")
        assert client.files.retrieve(uploaded.id).id == uploaded.id
        assert client.beta.assistants.retrieve(assistant.id).name == "helper"
    assert completion.choices[0].message.content == "hi!"
    assert embedding.data
    (call,) = mock.chat.completions.create.calls
    # the call history shows the request as sent: deployment, api-version and api-key
    sent = call.request
    assert sent.url.params["api-version"] == VERSION
    assert f"/openai/deployments/{deployment or 'gpt-4o'}/chat/completions" in sent.url.path
    assert sent.headers["api-key"] == "azure-key"
    assert mock.files.create.calls[0].request.url.path == "/openai/files"
    assert mock.beta.assistants.retrieve.call_count == 1


async def test_the_async_azure_client_reaches_the_routes() -> None:
    client = openai.AsyncAzureOpenAI(
        azure_endpoint=ENDPOINT, api_key="azure-key", api_version=VERSION, max_retries=0
    )
    mock = OpenAIMock(base_url=ENDPOINT)
    with mock.router:
        completion = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello"}]
        )
        await client.embeddings.create(model="text-embedding-3-small", input="x")
        uploaded = await client.files.create(file=("a.txt", b"hello"), purpose="assistants")
        thread = await client.beta.threads.create()
        await client.beta.threads.messages.create(thread.id, role="user", content="hi")
        listed = await client.beta.threads.messages.list(thread.id)
    assert completion.model == "gpt-4o"
    assert uploaded.id.startswith("file-")
    assert [m.content[0].text.value for m in listed.data] == ["hi"]  # type: ignore[union-attr]
    assert mock.beta.threads.messages.list.calls[0].request.url.params["api-version"] == VERSION


@openai_responses.mock(base_url=ENDPOINT)
def test_the_decorator_takes_an_azure_endpoint(openai_mock: OpenAIMock) -> None:
    openai_mock.chat.completions.create.response = _answer("Hello! How can I help?")
    completion = _azure().chat.completions.create(
        model="gpt-35-turbo", messages=[{"role": "user", "content": "Hello!"}]
    )
    assert completion.choices[0].message.content == "Hello! How can I help?"
    assert openai_mock.chat.completions.create.calls.call_count == 1


def test_an_azure_base_does_not_swallow_other_paths() -> None:
    mock = OpenAIMock(base_url=ENDPOINT)
    assert mock.base.endpoint_path("/openai/deployments/x/chat/completions") == "/chat/completions"
    assert mock.base.endpoint_path("/openai/files") == "/files"
    groq_like = OpenAIMock(base_url="https://api.example.com/openai/v1")
    # "/openai" inside a base that is not Azure's stays part of the base
    assert groq_like.base.endpoint_path("/openai/v1/chat/completions") == "/chat/completions"
    assert groq_like.base.endpoint_path("/v1/chat/completions") is None
