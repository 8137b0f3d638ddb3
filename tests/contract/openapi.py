"""Checks HTTP responses against the committed OpenAPI documents (``openapi/<vendor>.yaml``).

``assert_matches_spec(spec, method, path, response)`` finds the operation (by path template, or by a
concrete URL path with or without the document's server prefix), picks the response object for the
status (exact code first, then its ``4XX``/``5XX`` range, then ``default``), validates the JSON body
against its schema with JSON Schema 2020-12 (OpenAPI 3.1's dialect; ``$ref``s resolve inside the
document through a ``referencing`` registry), checks that every header the response object declares
is present, and fails when the status is not documented for the operation at all.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
PATH_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "vonage": (("/vonage/beta/meetings/", "/vonage/v1/meetings/"),),
}
"""Per document: URL path prefixes a vendor also serves under another base, and the documented base they
stand for (Vonage serves every route under ``/beta/meetings`` too; only ``/v1/meetings`` is documented)."""
ERROR_SCHEMAS: dict[str, str] = {"opentalk": "ErrorBody"}
"""Per document, when not ``Error``: the schema of its error bodies (for answers to undocumented routes)."""
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/{}]+\})", template)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") and part.endswith("}") else re.escape(part) for part in parts)
        + "$"
    )


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pointer: str
    """JSON pointer of the operation object inside the document."""
    operation: dict[str, Any]


@dataclass(frozen=True)
class ResponseSpec:
    key: str
    """The key the response object was found under: ``"404"``, ``"4XX"`` or ``"default"``."""
    pointer: str
    response: dict[str, Any]


class Spec:
    """An OpenAPI 3.1 document, loaded once, with a schema registry for validating bodies."""

    def __init__(
        self,
        document: dict[str, Any],
        uri: str,
        aliases: tuple[tuple[str, str], ...] = (),
        error_schema: str = "Error",
    ) -> None:
        assert str(document.get("openapi", "")).startswith("3.1"), "only OpenAPI 3.1 documents"
        self.document = document
        self.error_schema = error_schema
        self.aliases = aliases
        self.uri = uri
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(uri, resource)
        self.prefixes = tuple(
            urlsplit(server["url"]).path.rstrip("/") for server in document.get("servers", [])
        )
        self._templates: list[tuple[str, re.Pattern[str]]] = [
            (template, _template_regex(template)) for template in document.get("paths", {})
        ]

    def template_for(self, path: str) -> str | None:
        """The path template that ``path`` (a template itself, or a concrete URL path) belongs to."""
        path = urlsplit(path).path
        for alias, documented in self.aliases:
            if path.startswith(alias):
                path = documented + path[len(alias) :]
        paths: dict[str, Any] = self.document.get("paths", {})
        candidates: list[str] = [path]
        candidates += [
            path[len(prefix) :] for prefix in self.prefixes if prefix and path.startswith(prefix + "/")
        ]
        for candidate in candidates:
            if candidate in paths:
                return candidate
        for candidate in candidates:
            # Literal segments beat parameters: try templates with fewer parameters first.
            for template, regex in sorted(self._templates, key=lambda item: item[0].count("{")):
                if regex.match(candidate):
                    return template
        return None

    def operation(self, method: str, path: str) -> Operation | None:
        template = self.template_for(path)
        if template is None:
            return None
        method = method.lower()
        if method not in HTTP_METHODS:
            return None
        found = self.document["paths"][template].get(method)
        if found is None:
            return None
        return Operation(method, template, f"/paths/{_pointer_token(template)}/{method}", found)

    def validate(self, instance: Any, pointer: str, what: str) -> None:
        """Validates ``instance`` against the schema at ``pointer`` in the document."""
        validator = Draft202012Validator({"$ref": f"{self.uri}#{pointer}"}, registry=self.registry)
        error = best_match(validator.iter_errors(instance))
        if error is not None:
            path = "/".join(str(part) for part in error.absolute_path) or "(root)"
            raise AssertionError(
                f"{what} does not match the schema at {pointer}: at {path}: {error.message}\n"
                f"instance: {json.dumps(instance, ensure_ascii=False)[:2000]}"
            )

    def schema_pointer(self, name: str) -> str:
        assert name in self.document.get("components", {}).get("schemas", {}), f"no schema {name!r}"
        return f"/components/schemas/{_pointer_token(name)}"


@functools.cache
def load_spec(vendor: str = "telemost") -> Spec:
    path = OPENAPI_DIR / f"{vendor}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Spec(
        document,
        f"urn:omnimeet:openapi:{vendor}",
        PATH_ALIASES.get(vendor, ()),
        ERROR_SCHEMAS.get(vendor, "Error"),
    )


def select_response(operation: Operation, status: int) -> ResponseSpec:
    """The response object documented for ``status``: exact code, else its ``NXX`` range, else
    ``default``. Fails when the status is not documented."""
    responses: dict[str, Any] = operation.operation.get("responses", {})
    for key in (str(status), f"{status // 100}XX", "default"):
        for candidate in (key, key.lower()):
            if candidate in responses:
                pointer = f"{operation.pointer}/responses/{_pointer_token(candidate)}"
                return ResponseSpec(candidate, pointer, responses[candidate])
    raise AssertionError(
        f"{operation.method.upper()} {operation.template}: status {status} is not documented "
        f"(documented: {', '.join(responses) or 'none'})"
    )


def _media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";")[0].strip().lower()


def check_body(spec: Spec, found: ResponseSpec, response: httpx.Response, what: str) -> None:
    content: dict[str, Any] = found.response.get("content") or {}
    if not content:
        assert response.content == b"", f"{what}: the spec declares no body, got {response.content[:200]!r}"
        return
    media = _media_type(response)
    assert media in content, f"{what}: content type {media!r} is not one of {sorted(content)}"
    schema = content[media].get("schema")
    if schema is None:
        return
    if media in ("application/json", "text/json") or media.endswith("+json"):
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise AssertionError(f"{what}: body is not JSON: {response.content[:200]!r}") from exc
    else:
        body = response.text
    pointer = f"{found.pointer}/content/{_pointer_token(media)}/schema"
    spec.validate(body, pointer, f"{what} body")


def check_headers(spec: Spec, found: ResponseSpec, response: httpx.Response, what: str) -> None:
    for name, header in (found.response.get("headers") or {}).items():
        if name.lower() == "content-type":
            continue  # OpenAPI ignores a Content-Type header definition
        assert name in response.headers, (
            f"{what}: header {name} is missing (headers: {dict(response.headers)})"
        )
        schema = header.get("schema")
        if isinstance(schema, dict) and schema.get("type", "string") == "string":
            pointer = f"{found.pointer}/headers/{_pointer_token(name)}/schema"
            spec.validate(response.headers[name], pointer, f"{what} header {name}")


def assert_matches_spec(spec: Spec, method: str, path: str, response: httpx.Response) -> ResponseSpec:
    """Fails unless ``response`` is what the spec documents for ``method path`` and its status.

    ``path`` is a path template (``/v1/telemost-api/conferences/{id}``) or a request's URL path, with
    or without the server prefix (``/telemost/v1/telemost-api/conferences/12345678901234``).
    """
    operation = spec.operation(method, path)
    if operation is None:
        raise AssertionError(f"{method.upper()} {path}: no such operation in the spec")
    found = select_response(operation, response.status_code)
    what = f"{method.upper()} {operation.template} -> {response.status_code} (spec: {found.key})"
    check_body(spec, found, response, what)
    check_headers(spec, found, response, what)
    return found


def assert_undocumented_route_error(
    spec: Spec, response: httpx.Response, *, error_schema: str = "Error", headers: tuple[str, ...] = ()
) -> None:
    """For a request the spec has no operation for (unknown path, unsupported method): the answer must
    be a client error in the document's error schema, carrying ``headers``."""
    what = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert 400 <= response.status_code < 500, f"{what}: expected a 4XX answer for an undocumented route"
    assert _media_type(response) in ("application/json", "text/json"), f"{what}: error body is not JSON"
    if response.request.method != "HEAD":
        spec.validate(json.loads(response.content), spec.schema_pointer(error_schema), f"{what} body")
    for name in headers:
        assert name in response.headers, f"{what}: header {name} is missing"


def check_response(spec: Spec, response: httpx.Response, *, headers: tuple[str, ...] = ()) -> None:
    """For an event hook: documented operations go through ``assert_matches_spec``, anything else must be
    an error in the document's format."""
    request = response.request
    if spec.operation(request.method, request.url.path) is not None:
        assert_matches_spec(spec, request.method, request.url.path, response)
    else:
        assert_undocumented_route_error(spec, response, error_schema=spec.error_schema, headers=headers)
