"""Rows for the skills area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from ..._defaults import deep_merge, new_id, now
from ..._errors import not_found
from ..._handlers import build_object
from .._table import Answer, Context
from ._kinds import apply, deleted_answer
from ._rows import collection, model, row, rows

collection("skills", "skill:Skill")
collection("skill_versions", "skills.skill_version:SkillVersion", parent="skills")


# A skill is made with version "1"; each new version takes the next number and becomes the
# latest. Versions are named by number in paths (``/skills/{skill_id}/versions/{version}``).
def _new_version(ctx: Context, skill: BaseModel) -> BaseModel:
    skill_id = str(getattr(skill, "id", ""))
    versions = ctx.state.all("skill_versions", skills=skill_id)
    numbers = [int(getattr(v, "version", 0) or 0) for v in versions]
    version_model = model("skills.skill_version:SkillVersion")
    assert version_model is not None
    version = version_model.model_validate(
        {
            "id": new_id("skillver_"),
            "object": "skill.version",
            "created_at": now(),
            "skill_id": skill_id,
            "version": str(max(numbers, default=0) + 1),
            "name": getattr(skill, "name", None) or "",
            "description": getattr(skill, "description", None) or "",
        }
    )
    ctx.state.put(version, "skill_versions", skills=skill_id)
    return version


def _skill_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    first = {"default_version": "1", "latest_version": "1"}
    skill = build_object(ctx, deep_merge(first, partial or {}))
    ctx.state.put(skill, "skills")
    _new_version(ctx, skill)
    return skill


def _version_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    skill = ctx.state.get("skills", ctx.params["skill_id"])
    assert skill is not None  # the row's parent check ran first
    version = _new_version(ctx, skill)
    latest = getattr(version, "version", "")
    ctx.state.put(skill.model_copy(update={"latest_version": latest}), "skills")
    return version if not partial else apply(ctx, version, partial)


def _version(ctx: Context) -> BaseModel | httpx.Response:
    number = ctx.params["version"]
    skill_id = ctx.params["skill_id"]
    for version in ctx.state.all("skill_versions", skills=skill_id):
        if getattr(version, "version", None) == number:
            return version
    return not_found("version", number)


def _version_retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    return _version(ctx)


def _version_delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    version = _version(ctx)
    if isinstance(version, httpx.Response):
        return version
    version_id = str(getattr(version, "id", ""))
    ctx.state.delete("skill_versions", version_id)
    assert ctx.endpoint.model is not None
    answer = deleted_answer(ctx.endpoint.model, version, ctx)
    return ctx.endpoint.model.model_validate({**answer, "id": version_id})


def _version_content(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    version = _version(ctx)
    if isinstance(version, httpx.Response):
        return version
    return httpx.Response(200, content=b"", headers={"content-type": "application/zip"})


def _skill_content(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    return httpx.Response(200, content=b"", headers={"content-type": "application/zip"})


ENDPOINTS = rows(
    row(
        "skills.content.retrieve",
        "GET",
        "/skills/{skill_id}/content",
        "content",
        None,
        parents=(("skill_id", "skills"),),
        handler=_skill_content,
    ),
    row(
        "skills.create",
        "POST",
        "/skills",
        "create",
        "skill:Skill",
        "skills",
        noun="skill",
        id_prefix="skill_",
        handler=_skill_create,
    ),
    row(
        "skills.delete",
        "DELETE",
        "/skills/{skill_id}",
        "delete",
        "deleted_skill:DeletedSkill",
        "skills",
        noun="skill",
    ),
    row("skills.list", "GET", "/skills", "list", "skill:Skill", "skills", noun="skill"),
    row(
        "skills.retrieve",
        "GET",
        "/skills/{skill_id}",
        "retrieve",
        "skill:Skill",
        "skills",
        noun="skill",
    ),
    row(
        "skills.update",
        "POST",
        "/skills/{skill_id}",
        "update",
        "skill:Skill",
        "skills",
        noun="skill",
    ),
    row(
        "skills.versions.content.retrieve",
        "GET",
        "/skills/{skill_id}/versions/{version}/content",
        "content",
        None,
        "skill_versions",
        noun="version",
        parents=(("skill_id", "skills"),),
        handler=_version_content,
    ),
    row(
        "skills.versions.create",
        "POST",
        "/skills/{skill_id}/versions",
        "create",
        "skills.skill_version:SkillVersion",
        "skill_versions",
        noun="version",
        id_prefix="skillver_",
        parents=(("skill_id", "skills"),),
        handler=_version_create,
    ),
    row(
        "skills.versions.delete",
        "DELETE",
        "/skills/{skill_id}/versions/{version}",
        "delete",
        "skills.deleted_skill_version:DeletedSkillVersion",
        "skill_versions",
        noun="version",
        parents=(("skill_id", "skills"),),
        handler=_version_delete,
    ),
    row(
        "skills.versions.list",
        "GET",
        "/skills/{skill_id}/versions",
        "list",
        "skills.skill_version:SkillVersion",
        "skill_versions",
        noun="version",
        parents=(("skill_id", "skills"),),
    ),
    row(
        "skills.versions.retrieve",
        "GET",
        "/skills/{skill_id}/versions/{version}",
        "retrieve",
        "skills.skill_version:SkillVersion",
        "skill_versions",
        noun="version",
        parents=(("skill_id", "skills"),),
        handler=_version_retrieve,
    ),
)
