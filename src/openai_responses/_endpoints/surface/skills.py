"""Rows for the skills area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import collection, row, rows

collection("skills", "skill:Skill")
collection("skill_versions", "skills.skill_version:SkillVersion", parent="skills")

ENDPOINTS = rows(
    row("skills.content.retrieve", "GET", "/skills/{skill_id}/content", "content", None),
    row(
        "skills.create",
        "POST",
        "/skills",
        "create",
        "skill:Skill",
        "skills",
        noun="skill",
        id_prefix="skill_",
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
    ),
)
