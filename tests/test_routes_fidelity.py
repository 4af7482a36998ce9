"""Routes answer what the service (and the SDK's types) would: aliases, echoed fields, nested
objects made as the service makes them, 404s under parents, and overrides of one call of many."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from conftest import chat_completion
from openai_responses import OpenAIMock

BASE = "https://api.openai.com/v1"
MESSAGES: Any = [{"role": "user", "content": "hello"}]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", max_retries=0)


def _completion(text: str) -> dict[str, Any]:
    return chat_completion(text, f"chatcmpl-{text}")


def _cassette(tmp_path: Path, answers: list[str]) -> Path:
    """A cassette of one chat request per answer, each asking for it by name."""
    interactions = [
        {
            "request": {
                "method": "POST",
                "uri": f"{BASE}/chat/completions",
                "body": json.dumps({"model": "gpt-4o", "messages": _ask(text)}),
                "headers": {},
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"content-type": ["application/json"]},
                "body": {"string": json.dumps(_completion(text))},
            },
        }
        for text in answers
    ]
    path = tmp_path / "calls.yaml"
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}))
    return path


def _ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"say {text}"}]


# -- override one call of many -----------------------------------------------------------------
def test_a_callable_returning_none_leaves_the_call_to_the_cassette(tmp_path: Path) -> None:
    answers = ["one", "two", "three", "four", "five"]
    path = _cassette(tmp_path, answers)
    seen: list[str] = []

    def third_only(request: httpx.Request) -> dict[str, Any] | None:
        seen.append(json.loads(request.content)["messages"][0]["content"])
        if len(seen) != 3:
            return None
        return {"choices": [{"index": 0, "message": {"role": "assistant", "content": "mine"}}]}

    with OpenAIMock(cassette=path) as mock:
        mock.chat.completions.create.response = third_only
        got = [
            client()
            .chat.completions.create(model="gpt-4o", messages=_ask(text))  # type: ignore[arg-type]
            .choices[0]
            .message.content
            for text in answers
        ]
    assert got == ["one", "two", "mine", "four", "five"]
    assert len(seen) == 5 and mock.chat.completions.create.call_count == 5


def test_a_callable_returning_none_leaves_the_call_to_the_state() -> None:
    with OpenAIMock() as mock:
        sdk = client()
        first, second = (
            sdk.files.create(file=(n, b"x"), purpose="assistants") for n in ("a.txt", "b.txt")
        )

        def only_second(request: httpx.Request, file_id: str) -> dict[str, Any] | None:
            return {"filename": "overridden.txt"} if file_id == second.id else None

        mock.files.retrieve.response = only_second
        assert sdk.files.retrieve(first.id).filename == "a.txt"  # from the state
        assert sdk.files.retrieve(second.id).filename == "overridden.txt"
        with pytest.raises(openai.NotFoundError):  # the state's 404, not a made-up file
            sdk.files.retrieve("file-unknown")
        # and stateless routes fall through to their default object
        mock.embeddings.create.response = lambda request: None
        assert sdk.embeddings.create(model="text-embedding-3-small", input="x").data


# -- aliases -----------------------------------------------------------------------------------
def test_beta_chat_completions_are_the_chat_routes() -> None:
    mock = OpenAIMock()
    assert mock.beta.chat.completions.create is mock.chat.completions.create
    assert mock.beta.chat.completions.parse is mock.chat.completions.create
    assert mock.beta.chat.completions.stream is mock.chat.completions.create
    sdk = client()
    beta = getattr(sdk, "beta", None)
    if beta is None or not hasattr(beta, "chat"):
        pytest.skip("this SDK has no client.beta.chat")
    mock.beta.chat.completions.create.response = _completion("beta")
    with mock.router:
        parsed = beta.chat.completions.parse(model="gpt-4o", messages=MESSAGES)
        with beta.chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
            streamed = stream.get_final_completion()
    assert parsed.choices[0].message.content == "beta"
    assert streamed.choices[0].message.content == "beta"
    assert mock.beta.chat.completions.create.call_count == 2


# -- the models partial the 0.13 docs show -----------------------------------------------------
def test_models_list_takes_a_partial_listing() -> None:
    mock = OpenAIMock()
    mock.models.list.response = {
        "data": [{"id": "my-model", "object": "model", "created": 1, "owned_by": "me"}]
    }
    with mock.router:
        assert [m.id for m in client().models.list()] == ["my-model"]


# -- echoed and filled fields ------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_embeddings_echo_the_model(encoding: Any) -> None:
    with OpenAIMock():
        answer = client().embeddings.create(
            model="text-embedding-3-large", input=["a", "b"], encoding_format=encoding
        )
    assert answer.model == "text-embedding-3-large"
    assert [item.index for item in answer.data] == [0, 1]


def test_moderation_partials_keep_every_other_category_at_zero() -> None:
    from openai.types import Moderation

    with OpenAIMock() as mock:
        default = client().moderations.create(input=["a", "b"])
        mock.moderations.create.response = {
            "results": [{"flagged": True, "categories": {"harassment": True}}]
        }
        partial = client().moderations.create(input="a")
    assert len(default.results) == 2
    for result in (*default.results, *partial.results):
        for field in ("categories", "category_scores", "category_applied_input_types"):
            model = Moderation.model_fields[field].annotation
            values = getattr(result, field)
            # every category the SDK's type has, optional ones too, is answered
            assert model is not None
            missing = [n for n in model.model_fields if getattr(values, n) is None]
            assert not missing, (field, missing)
    (flagged,) = partial.results
    assert flagged.flagged and flagged.categories.harassment
    assert flagged.categories.illicit is False and flagged.category_scores.illicit == 0.0
    assert not any(default.results[0].categories.model_dump().values())


# -- vector stores made with files -------------------------------------------------------------
def _upload(sdk: openai.OpenAI, content: bytes) -> str:
    return sdk.files.create(file=("notes.txt", content), purpose="assistants").id


def test_a_vector_store_created_with_files_holds_them() -> None:
    with OpenAIMock():
        sdk = client()
        ids = [_upload(sdk, b"hello"), _upload(sdk, b"hello world")]
        store = sdk.vector_stores.create(name="docs", file_ids=ids)
        listed = sdk.vector_stores.files.list(store.id)
        again = sdk.vector_stores.retrieve(store.id)
        one = sdk.vector_stores.files.retrieve(ids[0], vector_store_id=store.id)
        with pytest.raises(openai.NotFoundError):
            sdk.vector_stores.create(file_ids=[ids[0], "file-nobody-uploaded"])
    assert store.name == "docs"
    assert (store.file_counts.total, store.file_counts.completed) == (2, 2)
    assert store.usage_bytes == 16
    assert sorted(f.id for f in listed.data) == sorted(ids)
    assert again.file_counts == store.file_counts
    assert one.vector_store_id == store.id and one.status == "completed"


@pytest.mark.parametrize("owner", ["assistant", "thread"])
def test_tool_resources_vector_stores_are_made_and_answered_by_id(owner: str) -> None:
    with OpenAIMock():
        sdk = client()
        file_id = _upload(sdk, b"facts")
        resources: Any = {"file_search": {"vector_stores": [{"file_ids": [file_id]}, {}]}}
        made = (
            sdk.beta.assistants.create(model="gpt-4o", tool_resources=resources)
            if owner == "assistant"
            else sdk.beta.threads.create(tool_resources=resources)
        )
        search = made.tool_resources.file_search  # type: ignore[union-attr]
        assert search is not None
        ids = search.vector_store_ids or []
        stores = [sdk.vector_stores.retrieve(i) for i in ids]
        files = [f.id for f in sdk.vector_stores.files.list(ids[0]).data]
        kept = (
            sdk.beta.assistants.retrieve(made.id)
            if owner == "assistant"
            else sdk.beta.threads.retrieve(made.id)
        )
        with pytest.raises(openai.NotFoundError):
            bad: Any = {"file_search": {"vector_stores": [{"file_ids": ["file-nope"]}]}}
            if owner == "assistant":
                sdk.beta.assistants.create(model="gpt-4o", tool_resources=bad)
            else:
                sdk.beta.threads.create(tool_resources=bad)
    assert len(ids) == 2 and all(i.startswith("vs_") for i in ids)
    assert [s.file_counts.total for s in stores] == [1, 0]
    assert files == [file_id]
    dumped = made.model_dump(exclude_unset=True)["tool_resources"]["file_search"]
    assert "vector_stores" not in dumped  # the service answers ids only
    assert kept.tool_resources == made.tool_resources


# -- stored children answer what was made --------------------------------------------------------
def test_skill_versions_are_numbered_and_retrieved_by_number() -> None:
    skill_md = ("SKILL.md", b"---\nname: notes\ndescription: takes notes\n---\n")
    with OpenAIMock():
        sdk: Any = client()
        _needs(sdk, "skills")
        skill = sdk.skills.create(files=[skill_md])
        second = sdk.skills.versions.create(skill.id, files=[skill_md])
        got = sdk.skills.versions.retrieve(second.version, skill_id=skill.id)
        first = sdk.skills.versions.retrieve("1", skill_id=skill.id)
        latest = sdk.skills.retrieve(skill.id).latest_version
        sdk.skills.versions.delete("1", skill_id=skill.id)
        with pytest.raises(openai.NotFoundError):
            sdk.skills.versions.retrieve("1", skill_id=skill.id)
        with pytest.raises(openai.NotFoundError):
            sdk.skills.versions.retrieve("7", skill_id=skill.id)
    assert (skill.latest_version, second.version, latest) == ("1", "2", "2")
    assert got.id == second.id and got.skill_id == skill.id
    assert first.version == "1" and first.id != second.id


def test_checkpoint_permissions_list_what_create_made() -> None:
    checkpoint = "ft:gpt-4o-mini:org:custom:ckpt-1"
    with OpenAIMock():
        sdk = client()
        made = sdk.fine_tuning.checkpoints.permissions.create(
            checkpoint, project_ids=["proj_a", "proj_b"]
        )
        listed = sdk.fine_tuning.checkpoints.permissions.list(checkpoint)
        other = sdk.fine_tuning.checkpoints.permissions.list("ft:other:ckpt")
        sdk.fine_tuning.checkpoints.permissions.delete(
            made.data[0].id, fine_tuned_model_checkpoint=checkpoint
        )
        after = sdk.fine_tuning.checkpoints.permissions.list(checkpoint)
        with pytest.raises(openai.NotFoundError):
            sdk.fine_tuning.checkpoints.permissions.delete(
                made.data[0].id, fine_tuned_model_checkpoint=checkpoint
            )
    assert [p.project_id for p in made.data] == ["proj_a", "proj_b"]
    assert all(p.id.startswith("cp_") for p in made.data)
    assert sorted(p.id for p in listed.data) == sorted(p.id for p in made.data)
    assert other.data == []
    assert [p.project_id for p in after.data] == ["proj_b"]


def test_stored_chat_messages_validate_as_the_sdk_type() -> None:
    from openai.types.chat import ChatCompletionStoreMessage

    messages: Any = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
    ]
    with OpenAIMock():
        sdk = client()
        completion = sdk.chat.completions.create(model="gpt-4o", messages=messages, store=True)
        listed = sdk.chat.completions.messages.list(completion.id, order="asc").data
    assert [m.role for m in listed] == ["system", "user"]  # as the API lists them
    assert [m.content for m in listed] == ["be brief", "what is this?"]
    parts = listed[1].content_parts or []
    assert [p.type for p in parts] == ["text", "image_url"]
    for message in listed:
        # every field but the role (the SDK's type says "assistant" only) validates
        data = message.model_dump(mode="json", exclude_unset=True)
        ChatCompletionStoreMessage.model_validate({**data, "role": "assistant"})


def test_videos_are_looked_up_in_state() -> None:
    with OpenAIMock():
        sdk: Any = client()
        _needs(sdk, "videos")
        video = sdk.videos.create(prompt="a cat")
        remix = sdk.videos.remix(video.id, prompt="a dog")
        assert sdk.videos.retrieve(remix.id).remixed_from_video_id == video.id
        assert sdk.videos.retrieve(video.id).id == video.id
        for call in (
            lambda: sdk.videos.retrieve("video_nobody"),
            lambda: sdk.videos.remix("video_nobody", prompt="x"),
            lambda: sdk.videos.download_content("video_nobody"),
            lambda: sdk.videos.delete("video_nobody"),
        ):
            with pytest.raises(openai.NotFoundError):
                call()
        sdk.videos.delete(video.id)
        with pytest.raises(openai.NotFoundError):
            sdk.videos.retrieve(video.id)


def _needs(sdk: Any, area: str) -> None:
    if not hasattr(sdk, area):
        pytest.skip(f"this SDK has no client.{area}")


def _admin() -> Any:
    """The admin API's organization resource, or a skip on an SDK without it."""
    if "admin_api_key" not in inspect.signature(openai.OpenAI).parameters:
        pytest.skip("this SDK has no admin client")
    options: Any = {"admin_api_key": "sk-admin"}
    sdk = openai.OpenAI(api_key="sk-test", max_retries=0, **options)
    _needs(sdk, "admin")
    return sdk.admin.organization


def test_nested_admin_routes_answer_404_under_unknown_parents() -> None:
    with OpenAIMock():
        admin = _admin()
        group = admin.groups.create(name="team")
        role = admin.roles.create(role_name="reader", permissions=[])
        admin.groups.roles.create(group.id, role_id=role.id)
        assert admin.groups.roles.retrieve(role.id, group_id=group.id)
        for call in (
            lambda: admin.groups.roles.retrieve(role.id, group_id="group_nobody"),
            lambda: admin.groups.roles.retrieve("role_nobody", group_id=group.id),
            lambda: admin.groups.users.retrieve("user_x", group_id="group_nobody"),
            lambda: admin.users.roles.retrieve("role_nobody", user_id="user_x"),
            lambda: admin.projects.groups.retrieve(group.id, project_id="proj_nobody"),
        ):
            with pytest.raises(openai.NotFoundError):
                call()


def test_admin_assignments_answer_only_who_was_assigned() -> None:
    with OpenAIMock():
        admin = _admin()
        group, other = admin.groups.create(name="team"), admin.groups.create(name="other")
        admin.groups.users.create(group.id, user_id="user_ann")
        assert admin.groups.users.retrieve("user_ann", group_id=group.id)
        for call in (
            lambda: admin.groups.users.retrieve("user_bob", group_id=group.id),
            lambda: admin.groups.users.retrieve("user_ann", group_id=other.id),
            lambda: admin.users.roles.retrieve("role_x", user_id="user_ann"),
        ):
            with pytest.raises(openai.NotFoundError):
                call()
        admin.groups.users.delete("user_ann", group_id=group.id)
        with pytest.raises(openai.NotFoundError):
            admin.groups.users.retrieve("user_ann", group_id=group.id)
