"""The Conversations API and ``responses.create(conversation=...)``: CRUD, items, pagination,
cascade deletes, and conversations that grow with each response turn."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

import openai_responses
from openai_responses import OpenAIMock

WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-fake123", max_retries=0)


@openai_responses.mock()
def test_create_with_items_retrieve_update_delete() -> None:
    sdk = client()
    conversation = sdk.conversations.create(
        items=[{"type": "message", "role": "user", "content": "Hello!"}],
        metadata={"topic": "demo"},
    )
    assert conversation.id.startswith("conv_") and conversation.object == "conversation"
    assert conversation.metadata == {"topic": "demo"}
    assert sdk.conversations.retrieve(conversation.id).id == conversation.id

    updated = sdk.conversations.update(conversation.id, metadata={"topic": "changed"})
    assert updated.metadata == {"topic": "changed"}
    assert sdk.conversations.retrieve(conversation.id).metadata == {"topic": "changed"}

    items = sdk.conversations.items.list(conversation.id).data
    assert len(items) == 1 and items[0].type == "message"
    item_id = items[0].id

    deleted = sdk.conversations.delete(conversation.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (
        conversation.id,
        True,
        "conversation.deleted",
    )
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.retrieve(conversation.id)
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.items.retrieve(item_id, conversation_id=conversation.id)


@openai_responses.mock()
def test_deleting_a_conversation_deletes_its_items(openai_mock: OpenAIMock) -> None:
    sdk = client()
    conversation = sdk.conversations.create(items=[{"role": "user", "content": "a"}])
    other = sdk.conversations.create(items=[{"role": "user", "content": "b"}])
    sdk.conversations.delete(conversation.id)
    assert openai_mock.state.ids("conversation_items", conversations=conversation.id) == []
    assert len(openai_mock.state.ids("conversation_items", conversations=other.id)) == 1


@openai_responses.mock()
def test_unknown_conversation_errors() -> None:
    sdk = client()
    with pytest.raises(openai.NotFoundError) as retrieve:
        sdk.conversations.retrieve("conv_nope")
    assert retrieve.value.body == {
        "message": "No conversation found with id 'conv_nope'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError) as create:
        sdk.responses.create(model="gpt-4o", input="x", conversation="conv_nope")
    assert create.value.body["param"] == "conversation"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.items.list("conv_nope")
    with pytest.raises(openai.BadRequestError, match="Mutually exclusive"):
        conversation = sdk.conversations.create()
        first = sdk.responses.create(model="gpt-4o", input="x")
        sdk.responses.create(
            model="gpt-4o", input="y", conversation=conversation.id, previous_response_id=first.id
        )


@openai_responses.mock()
def test_items_create_list_paginate_retrieve_delete() -> None:
    sdk = client()
    conversation = sdk.conversations.create()
    added = sdk.conversations.items.create(
        conversation.id,
        items=[{"type": "message", "role": "user", "content": f"m{i}"} for i in range(5)],
    )
    assert len(added.data) == 5 and added.first_id == added.data[0].id

    page = sdk.conversations.items.list(conversation.id, limit=2, order="asc")
    assert [i.content[0].text for i in page.data] == ["m0", "m1"]  # type: ignore[union-attr]
    assert page.has_more
    everything = list(sdk.conversations.items.list(conversation.id, limit=2, order="asc"))
    assert [i.content[0].text for i in everything] == [f"m{i}" for i in range(5)]  # type: ignore[union-attr]
    newest = sdk.conversations.items.list(conversation.id, limit=1).data
    assert newest[0].content[0].text == "m4"  # type: ignore[union-attr]

    target = added.data[2].id
    item = sdk.conversations.items.retrieve(target, conversation_id=conversation.id)
    assert item.id == target
    after_delete = sdk.conversations.items.delete(target, conversation_id=conversation.id)
    assert after_delete.id == conversation.id  # the API answers with the conversation
    with pytest.raises(openai.NotFoundError, match=f"No item found with id '{target}'"):
        sdk.conversations.items.retrieve(target, conversation_id=conversation.id)
    assert len(list(sdk.conversations.items.list(conversation.id))) == 4


@openai_responses.mock()
def test_responses_in_a_conversation_with_a_function_call(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(
        function_call={"name": "get_weather", "arguments": {"city": "Paris"}}
    ).script(text="Sunny, 24°C.")
    sdk = client()
    conversation = sdk.conversations.create()

    first = sdk.responses.create(
        model="gpt-4o",
        input="Weather in Paris?",
        tools=[WEATHER_TOOL],
        conversation=conversation.id,
    )
    assert first.conversation and first.conversation.id == conversation.id
    call = first.output[0]
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Paris"}

    second = sdk.responses.create(
        model="gpt-4o",
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        tools=[WEATHER_TOOL],
        conversation={"id": conversation.id},
    )
    assert second.output_text == "Sunny, 24°C."
    assert second.usage and first.usage and second.usage.input_tokens > first.usage.input_tokens

    items = list(sdk.conversations.items.list(conversation.id, order="asc"))
    assert [(i.type, getattr(i, "role", None)) for i in items] == [
        ("message", "user"),
        ("function_call", None),
        ("function_call_output", None),
        ("message", "assistant"),
    ]
    assert items[1].id == call.id  # output items keep their ids in the conversation
    assert items[3].id == second.output[0].id
    input_ids = [i.id for i in sdk.responses.input_items.list(first.id).data]
    assert input_ids == [items[0].id]  # a response's input items are the conversation's items


@openai_responses.mock()
def test_failed_turn_does_not_extend_the_conversation(openai_mock: OpenAIMock) -> None:
    openai_mock.responses.create.script(error={"message": "boom"})
    sdk = client()
    conversation = sdk.conversations.create()
    failed = sdk.responses.create(model="gpt-4o", input="x", conversation=conversation.id)
    assert failed.status == "failed"
    assert list(sdk.conversations.items.list(conversation.id)) == []


@openai_responses.mock()
def test_item_reference_resolves_a_stored_item() -> None:
    sdk = client()
    source = sdk.conversations.create(items=[{"role": "user", "content": "remember me"}])
    original = sdk.conversations.items.list(source.id).data[0]
    target = sdk.conversations.create(items=[{"type": "item_reference", "id": original.id}])
    copied = sdk.conversations.items.list(target.id).data
    assert copied[0].content[0].text == "remember me"  # type: ignore[union-attr]


@openai_responses.mock()
async def test_async_conversation_crud() -> None:
    sdk = openai.AsyncOpenAI(api_key="sk-fake123", max_retries=0)
    conversation = await sdk.conversations.create(items=[{"role": "user", "content": "hi"}])
    response = await sdk.responses.create(
        model="gpt-4o", input="and then?", conversation=conversation.id
    )
    items = [item async for item in sdk.conversations.items.list(conversation.id, order="asc")]
    assert [getattr(i, "role", None) for i in items] == ["user", "user", "assistant"]
    assert items[-1].id == response.output[0].id
    updated = await sdk.conversations.update(conversation.id, metadata={"k": "v"})
    assert updated.metadata == {"k": "v"}
    assert (await sdk.conversations.delete(conversation.id)).deleted
