"""Rows for the evals area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

import openai

from ._rows import collection, row, rows

collection("evals", "eval_create_response:EvalCreateResponse")
collection("eval_runs", "evals.run_create_response:RunCreateResponse", parent="evals")

# openai 2.x cancels a run by posting to the run itself (the path the API documents); 3.x
# posts to ``…/cancel``. A row has one path, so it takes the one the installed SDK sends.
_RUN_CANCEL = "/evals/{eval_id}/runs/{run_id}" + (
    "" if openai.__version__.startswith(("0.", "1.", "2.")) else "/cancel"
)

ENDPOINTS = rows(
    row(
        "evals.create",
        "POST",
        "/evals",
        "create",
        "eval_create_response:EvalCreateResponse",
        "evals",
        noun="eval",
        id_prefix="eval_",
    ),
    row(
        "evals.delete",
        "DELETE",
        "/evals/{eval_id}",
        "delete",
        "eval_delete_response:EvalDeleteResponse",
        "evals",
        noun="eval",
    ),
    row(
        "evals.list",
        "GET",
        "/evals",
        "list",
        "eval_list_response:EvalListResponse",
        "evals",
        noun="eval",
    ),
    row(
        "evals.retrieve",
        "GET",
        "/evals/{eval_id}",
        "retrieve",
        "eval_retrieve_response:EvalRetrieveResponse",
        "evals",
        noun="eval",
    ),
    row(
        "evals.runs.cancel",
        "POST",
        _RUN_CANCEL,
        "action",
        "evals.run_cancel_response:RunCancelResponse",
        "eval_runs",
        noun="run",
        parents=(("eval_id", "evals"),),
    ),
    row(
        "evals.runs.create",
        "POST",
        "/evals/{eval_id}/runs",
        "create",
        "evals.run_create_response:RunCreateResponse",
        "eval_runs",
        noun="run",
        id_prefix="evalrun_",
        parents=(("eval_id", "evals"),),
    ),
    row(
        "evals.runs.delete",
        "DELETE",
        "/evals/{eval_id}/runs/{run_id}",
        "delete",
        "evals.run_delete_response:RunDeleteResponse",
        "eval_runs",
        noun="run",
        parents=(("eval_id", "evals"),),
    ),
    row(
        "evals.runs.list",
        "GET",
        "/evals/{eval_id}/runs",
        "list",
        "evals.run_list_response:RunListResponse",
        "eval_runs",
        noun="run",
        parents=(("eval_id", "evals"),),
    ),
    row(
        "evals.runs.output_items.list",
        "GET",
        "/evals/{eval_id}/runs/{run_id}/output_items",
        "list",
        "evals.runs.output_item_list_response:OutputItemListResponse",
    ),
    row(
        "evals.runs.output_items.retrieve",
        "GET",
        "/evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}",
        "retrieve",
        "evals.runs.output_item_retrieve_response:OutputItemRetrieveResponse",
        noun="output item",
    ),
    row(
        "evals.runs.retrieve",
        "GET",
        "/evals/{eval_id}/runs/{run_id}",
        "retrieve",
        "evals.run_retrieve_response:RunRetrieveResponse",
        "eval_runs",
        noun="run",
        parents=(("eval_id", "evals"),),
    ),
    row(
        "evals.update",
        "POST",
        "/evals/{eval_id}",
        "update",
        "eval_update_response:EvalUpdateResponse",
        "evals",
        noun="eval",
    ),
)
