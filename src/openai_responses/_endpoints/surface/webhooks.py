"""Rows for the webhooks area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import collection, row, rows

collection("webhooks", "webhooks.webhook_endpoint_with_secret:WebhookEndpointWithSecret")

ENDPOINTS = rows(
    row(
        "webhooks.create",
        "POST",
        "/webhook_endpoints",
        "create",
        "webhooks.webhook_endpoint_with_secret:WebhookEndpointWithSecret",
        "webhooks",
        noun="webhook",
        id_prefix="we_",
    ),
    row(
        "webhooks.delete",
        "DELETE",
        "/webhook_endpoints/{webhook_endpoint_id}",
        "delete",
        "webhooks.deleted_webhook_endpoint:DeletedWebhookEndpoint",
        "webhooks",
        noun="webhook",
    ),
    row(
        "webhooks.event_types.list",
        "GET",
        "/webhook_event_types",
        "retrieve",
        "webhooks.webhook_event_type_list:WebhookEventTypeList",
        noun="event type",
    ),
    row(
        "webhooks.list",
        "GET",
        "/webhook_endpoints",
        "list",
        "webhooks.webhook_endpoint:WebhookEndpoint",
        "webhooks",
        noun="webhook",
    ),
    row(
        "webhooks.retrieve",
        "GET",
        "/webhook_endpoints/{webhook_endpoint_id}",
        "retrieve",
        "webhooks.webhook_endpoint:WebhookEndpoint",
        "webhooks",
        noun="webhook",
    ),
    row(
        "webhooks.rotate_secret",
        "POST",
        "/webhook_endpoints/{webhook_endpoint_id}/rotate_secret",
        "action",
        "webhooks.webhook_endpoint_with_secret:WebhookEndpointWithSecret",
        "webhooks",
        noun="webhook",
    ),
    row(
        "webhooks.test",
        "POST",
        "/webhook_endpoints/{webhook_endpoint_id}/test",
        "action",
        "webhooks.webhook_endpoint_test_result:WebhookEndpointTestResult",
        noun="webhook",
    ),
    row(
        "webhooks.update",
        "POST",
        "/webhook_endpoints/{webhook_endpoint_id}",
        "update",
        "webhooks.webhook_endpoint:WebhookEndpoint",
        "webhooks",
        noun="webhook",
    ),
)
