"""multipart/form-data bodies (file uploads, audio, images), parsed with python-multipart."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Form", "Upload", "parse_multipart"]


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


def parse_multipart(content_type: str, body: bytes) -> Form:
    """Fields and files of a multipart body; raises ValueError when it is not one."""
    # Imported with the first upload: most suites send none.
    from python_multipart.multipart import parse_options_header

    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ValueError(f"not a multipart/form-data body: {content_type!r}")
    parts = _split_parts(boundary, body)
    form = Form()
    for part in parts:
        _, disposition = parse_options_header(part.headers.get("content-disposition", b""))
        name = disposition.get(b"name", b"").decode()
        if b"filename" in disposition:
            form.files[name] = Upload(
                filename=disposition[b"filename"].decode(),
                content_type=part.headers.get("content-type", b"").decode(),
                content=bytes(part.data),
            )
        else:
            form.fields[name] = part.data.decode("utf-8", "replace")
    return form


def _split_parts(boundary: bytes, body: bytes) -> list[_Part]:
    from python_multipart.multipart import MultipartParser

    parts: list[_Part] = []
    header_name = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        parts[-1].headers[header_name.decode().lower()] = bytes(header_value)
        header_name.clear()
        header_value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data.extend(data[start:end])

    ended: list[bool] = []

    def on_end() -> None:
        ended.append(True)

    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_end": on_end,
        },
    )
    parser.write(body)
    parser.finalize()
    if not ended:  # the parser forgives a missing closing boundary; a truncated upload is bad
        raise ValueError("the body ends before its closing boundary")
    return parts
