"""Rows for the containers area (first written from the installed SDK's surface, then edited)."""

from __future__ import annotations

from ._rows import collection, row, rows

collection("containers", "container_create_response:ContainerCreateResponse")
collection(
    "container_files", "containers.file_create_response:FileCreateResponse", parent="containers"
)

ENDPOINTS = rows(
    row(
        "containers.create",
        "POST",
        "/containers",
        "create",
        "container_create_response:ContainerCreateResponse",
        "containers",
        noun="container",
        id_prefix="cntr_",
    ),
    row(
        "containers.delete",
        "DELETE",
        "/containers/{container_id}",
        "delete",
        None,
        "containers",
        noun="container",
    ),
    row(
        "containers.files.content.retrieve",
        "GET",
        "/containers/{container_id}/files/{file_id}/content",
        "content",
        None,
    ),
    row(
        "containers.files.create",
        "POST",
        "/containers/{container_id}/files",
        "create",
        "containers.file_create_response:FileCreateResponse",
        "container_files",
        noun="file",
        id_prefix="cfile_",
        parents=(("container_id", "containers"),),
    ),
    row(
        "containers.files.delete",
        "DELETE",
        "/containers/{container_id}/files/{file_id}",
        "delete",
        None,
        "container_files",
        noun="file",
        parents=(("container_id", "containers"),),
    ),
    row(
        "containers.files.list",
        "GET",
        "/containers/{container_id}/files",
        "list",
        "containers.file_list_response:FileListResponse",
        "container_files",
        noun="file",
        parents=(("container_id", "containers"),),
    ),
    row(
        "containers.files.retrieve",
        "GET",
        "/containers/{container_id}/files/{file_id}",
        "retrieve",
        "containers.file_retrieve_response:FileRetrieveResponse",
        "container_files",
        noun="file",
        parents=(("container_id", "containers"),),
    ),
    row(
        "containers.list",
        "GET",
        "/containers",
        "list",
        "container_list_response:ContainerListResponse",
        "containers",
        noun="container",
    ),
    row(
        "containers.retrieve",
        "GET",
        "/containers/{container_id}",
        "retrieve",
        "container_retrieve_response:ContainerRetrieveResponse",
        "containers",
        noun="container",
    ),
)
