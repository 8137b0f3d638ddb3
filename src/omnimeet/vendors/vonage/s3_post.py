"""An S3-style browser-POST upload: the multipart form as S3 reads it, and S3's XML error answers.

S3 reads the form's parts in order up to the ``file`` part and ignores whatever follows it. A field may
come as a plain part or as a part with a filename (the Python SDK sends every field that way, through
``requests``' ``files=``): only its value counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from starlette.responses import Response

XML_PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n'
ACCESS_KEY_ID = "ASIAOMNIMEETLOGOS001"
"""The access key id named in the announced credentials (and in SignatureDoesNotMatch answers)."""


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class Form:
    fields: dict[str, str]
    """The fields before the file, by name (case kept; the first of a repeated name wins)."""
    file: Part | None
    files: int
    """How many ``file`` parts the form has."""

    def get(self, name: str) -> str | None:
        """A field by name, ignoring case (S3 matches field names case-insensitively)."""
        wanted = name.lower()
        for key, value in self.fields.items():
            if key.lower() == wanted:
                return value
        return None


_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


def boundary_of(content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    if media != "multipart/form-data":
        return None
    match = _BOUNDARY.search(content_type)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def parse_parts(body: bytes, boundary: str) -> list[Part] | None:
    """The parts of a multipart body in order; None when it is malformed."""
    delimiter = b"--" + boundary.encode("latin-1")
    if body.startswith(delimiter):
        rest = body[len(delimiter) :]
    else:  # a preamble, ignored, ends with the first delimiter on a line of its own
        start = body.find(b"\r\n" + delimiter)
        if start < 0:
            return None
        rest = body[start + 2 + len(delimiter) :]
    parts: list[Part] = []
    # Each part's data ends at CRLF + delimiter + CRLF; the last delimiter is followed by "--". The same bytes
    # followed by anything else are data.
    chunks: list[bytes] = []
    for piece in rest.split(b"\r\n" + delimiter):
        if chunks and not piece.startswith((b"\r\n", b"--")):
            chunks[-1] += b"\r\n" + delimiter + piece
        else:
            chunks.append(piece)
    for chunk in chunks:
        if chunk.startswith(b"--"):
            return parts
        if not chunk.startswith(b"\r\n"):
            return None
        head, separator, data = chunk[2:].partition(b"\r\n\r\n")
        if not separator:
            if head.strip():
                return None
            data = b""  # a part without headers ends right after its blank line
        part = _part(head.decode("utf-8", "replace"), data)
        if part is None:
            return None
        parts.append(part)
    return None  # no closing delimiter


def _part(head: str, data: bytes) -> Part | None:
    name = filename = content_type = None
    for line in head.split("\r\n"):
        header, _, value = line.partition(":")
        header = header.strip().lower()
        if header == "content-disposition":
            if not value.strip().lower().startswith("form-data"):
                return None
            params = {
                match.group(1).lower(): match.group(2)
                if match.group(2) is not None
                else match.group(3).strip()
                for match in _DISPOSITION_PARAM.finditer(value)
            }
            name, filename = params.get("name"), params.get("filename")
        elif header == "content-type":
            content_type = value.strip()
    if name is None:
        return None
    return Part(name, filename, content_type, data)


def read_form(parts: list[Part]) -> Form:
    fields: dict[str, str] = {}
    file = None
    files = sum(1 for part in parts if part.name == "file")
    for part in parts:
        if part.name == "file":
            file = part
            break
        fields.setdefault(part.name, part.data.decode("utf-8", "replace"))
    return Form(fields, file, files)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """``value`` as XML character data (characters XML 1.0 cannot hold become U+FFFD)."""
    return escape(_NOT_XML.sub("\ufffd", value))


def xml_error(status: int, code: str, message: str, request_id: str, host_id: str, **extra: str) -> Response:
    """S3's error document: ``<Error><Code/><Message/>...<RequestId/><HostId/></Error>``."""
    details = "".join(f"<{name}>{_text(value)}</{name}>" for name, value in extra.items())
    body = (
        f"{XML_PROLOGUE}<Error><Code>{_text(code)}</Code><Message>{_text(message)}</Message>{details}"
        f"<RequestId>{_text(request_id)}</RequestId><HostId>{_text(host_id)}</HostId></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")
