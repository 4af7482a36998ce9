"""The "object" literals of the openai types collections name (generated: do not edit).

Regenerate with ``python scripts/object_literals.py``; a type missing here is imported when its
collection registers (slower, still right). ``tests/test_lazy_types.py`` checks the list.
"""

from __future__ import annotations

OBJECT_LITERALS: dict[str, tuple[str, ...]] = {
    "admin.organization.admin_api_key_create_response:AdminAPIKeyCreateResponse": (
        "organization.admin_api_key",
    ),
    "admin.organization.certificate:Certificate": (
        "certificate",
        "organization.certificate",
        "organization.project.certificate",
    ),
    "admin.organization.external_key:ExternalKey": (),
    "admin.organization.external_storage_configuration:ExternalStorageConfiguration": (
        "organization.external_storage",
    ),
    "admin.organization.group:Group": (),
    "admin.organization.invite:Invite": ("organization.invite",),
    "admin.organization.organization_spend_alert:OrganizationSpendAlert": (
        "organization.spend_alert",
    ),
    "admin.organization.project:Project": ("organization.project",),
    "admin.organization.projects.project_spend_alert:ProjectSpendAlert": ("project.spend_alert",),
    "admin.organization.projects.project_user:ProjectUser": ("organization.project.user",),
    "admin.organization.projects.service_account_create_response:ServiceAccountCreateResponse": (
        "organization.project.service_account",
    ),
    "admin.organization.role:Role": ("role",),
    "admin.organization.workload_identity_provider:WorkloadIdentityProvider": (
        "organization.workload_identity_provider",
    ),
    "admin.organization.workload_identity_providers.federation_rule:FederationRule": (
        "organization.workload_identity_federation_rule",
    ),
    "audio.voice_consent:VoiceConsent": ("audio.voice_consent",),
    "batch:Batch": ("batch",),
    "beta.agent:Agent": ("agent",),
    "beta.agent_session:AgentSession": ("agent.session",),
    "beta.agents.automations.automation_invocation:AutomationInvocation": (
        "agent.automation.invocation",
    ),
    "beta.agents.environment_info:EnvironmentInfo": ("agent.environment",),
    "beta.agents.environments.environment_template:EnvironmentTemplate": (
        "agent.environment.template",
    ),
    "beta.agents.periodic_automation:PeriodicAutomation": ("agent.automation",),
    "beta.agents.vault:Vault": ("vault",),
    "beta.agents.vaults.credential:Credential": ("vault.credential",),
    "beta.assistant:Assistant": ("assistant",),
    "beta.thread:Thread": ("thread",),
    "beta.threads.message:Message": ("thread.message",),
    "beta.threads.run:Run": ("thread.run",),
    "beta.threads.runs.run_step:RunStep": ("thread.run.step",),
    "container_create_response:ContainerCreateResponse": (),
    "containers.file_create_response:FileCreateResponse": ("container.file",),
    "conversations.conversation:Conversation": ("conversation",),
    "conversations.message:Message": (),
    "eval_create_response:EvalCreateResponse": ("eval",),
    "evals.run_create_response:RunCreateResponse": ("eval.run",),
    "fine_tuning.checkpoints.permission_create_response:PermissionCreateResponse": (
        "checkpoint.permission",
    ),
    "fine_tuning.fine_tuning_job:FineTuningJob": ("fine_tuning.job",),
    "skill:Skill": ("skill",),
    "skills.skill_version:SkillVersion": ("skill.version",),
    "upload:Upload": ("upload",),
    "uploads.upload_part:UploadPart": ("upload.part",),
    "vector_store:VectorStore": ("vector_store",),
    "vector_stores.vector_store_file:VectorStoreFile": ("vector_store.file",),
    "vector_stores.vector_store_file_batch:VectorStoreFileBatch": ("vector_store.files_batch",),
    "video:Video": ("video",),
    "webhooks.webhook_endpoint_with_secret:WebhookEndpointWithSecret": ("webhook_endpoint",),
}
