"""Checking an emulator's answers against the vendor's OpenAPI 3.1 document.

An emulator with ``record_exchanges = True`` keeps every answer it gave
(:class:`~voicekit_core.testing.exchanges.Exchange`); :meth:`OpenApiContract.check` asserts
that each one keeps the spec:

- the path and method are in the spec, the answer is JSON;
- a documented status's body validates against its schema (OAS 3.1, formats checked) and
  carries no field the schema does not define (an emulator must not invent fields);
- a 2xx answer's request body validates against the operation's ``requestBody`` schema;
- an error status the spec leaves undocumented has the vendor's error envelope
  (``envelope`` fields, strings only), with a code allowed for that status (``error_codes``).

Answers produced by deliberate off-contract faults (``skipped_faults``) are skipped.
Needs ``jsonschema`` and ``openapi-schema-validator`` (the ``dev`` extra).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

__all__ = ["ExchangeLike", "OpenApiContract"]

_URI = "urn:voicekit:openapi"


class ExchangeLike(Protocol):
    """What the contract reads of a recorded answer."""

    method: str
    path: str
    status: int
    content_type: str | None
    body: bytes
    fault: str | None
    request_body: bytes


def _uri_format(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class OpenApiContract:
    """A vendor's OpenAPI document, able to validate recorded emulator answers.

    Args:
        path: the spec (JSON).
        error_codes: allowed error ``code`` values by HTTP status; ``None`` for a status
            means any code; a status >= 500 not listed takes the entry for 500.
        envelope: the exact field names of the vendor's error body (``("code",
            "message")``); ``None`` skips the envelope check.
        code_field: which envelope field holds the code.
        path_prefix: stripped from recorded paths before matching (when the emulator
            serves the API under a prefix the spec's paths omit).
        skipped_faults: fault kinds whose answers are not the vendor's.
    """

    def __init__(self, path: Path | str, *, error_codes: Mapping[int, Iterable[str] | None]
                 | None = None, envelope: tuple[str, ...] | None = ("code", "message"),
                 code_field: str = "code", path_prefix: str = "",
                 skipped_faults: Iterable[str] = ("malformed", "truncate", "status", "reset")
                 ) -> None:
        import referencing
        import referencing.jsonschema

        self.path = Path(path)
        self.spec: dict[str, Any] = json.loads(self.path.read_text())
        self.error_codes: dict[int, tuple[str, ...] | None] = {
            status: None if codes is None else tuple(codes)
            for status, codes in (error_codes or {}).items()}
        self.envelope = envelope
        self.code_field = code_field
        self.path_prefix = path_prefix
        self.skipped_faults = frozenset(skipped_faults)
        resource = referencing.jsonschema.DRAFT202012.create_resource(self.spec)
        self.registry: Any = referencing.Registry().with_resource(_URI, resource)
        self.format_checker = self._format_checker()
        self._templates = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", p) + "$"), p)
            for p in self.spec.get("paths", {})
        ]
        #: (method, template, status) triples validated so far (coverage checks)
        self.seen: set[tuple[str, str, int]] = set()

    def fresh(self) -> OpenApiContract:
        """A new contract (its own ``seen`` set) with the same settings."""
        return OpenApiContract(self.path, error_codes=self.error_codes, envelope=self.envelope,
                               code_field=self.code_field, path_prefix=self.path_prefix,
                               skipped_faults=self.skipped_faults)

    @staticmethod
    def _format_checker() -> Any:
        from jsonschema import FormatChecker  # type: ignore[import-untyped,unused-ignore]
        from openapi_schema_validator import oas31_format_checker

        checker = FormatChecker(formats=())
        checker.checkers = dict(oas31_format_checker.checkers)
        checker.checks("uri")(_uri_format)
        return checker

    # -- lookups ------------------------------------------------------------------------

    def template(self, path: str) -> str | None:
        """The spec path template ``path`` matches (the most literal one), or None."""
        if self.path_prefix and path.startswith(self.path_prefix):
            path = path[len(self.path_prefix):] or "/"
        matches = [t for regex, t in self._templates if regex.match(path)]
        return min(matches, key=lambda t: t.count("{")) if matches else None

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        """The spec's operation object for ``method`` on ``template``."""
        op = self.spec["paths"][template].get(method.lower())
        return op if isinstance(op, dict) else None

    def validator(self, pointer: str) -> Any:
        """A validator for the schema at JSON ``pointer`` in the spec."""
        from openapi_schema_validator import OAS31Validator

        return OAS31Validator({"$ref": f"{_URI}#{pointer}"}, registry=self.registry,
                              format_checker=self.format_checker)

    def schema_at(self, pointer: str) -> dict[str, Any]:
        """The schema at JSON ``pointer``, following ``$ref``."""
        node: Any = self.spec
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if isinstance(node, dict) and "$ref" in node:
            return self.schema_at(str(node["$ref"]).lstrip("#"))
        assert isinstance(node, dict)
        return node

    # -- validation ---------------------------------------------------------------------

    def errors(self, exchange: ExchangeLike) -> list[str]:
        """What is wrong with one recorded answer (empty when it keeps the contract)."""
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        template = self.template(exchange.path)
        if template is None:
            return [f"{where}: path not in the spec"]
        operation = self.operation(exchange.method, template)
        if operation is None:
            return [f"{where}: method not in the spec"]
        if not (exchange.content_type or "").startswith("application/json"):
            return [f"{where}: content type {exchange.content_type!r}, not JSON"]
        try:
            body = json.loads(exchange.body)
        except ValueError:
            return [f"{where}: body is not JSON: {exchange.body[:80]!r}"]
        self.seen.add((exchange.method, template, exchange.status))
        responses = f"/paths/{_escape(template)}/{exchange.method.lower()}/responses"
        documented = operation.get("responses", {})
        problems = self.request_errors(exchange, template, where)
        if str(exchange.status) in documented:
            pointer = f"{responses}/{exchange.status}/content/application~1json/schema"
            found = [f"{where}: {e.message} at {list(e.absolute_path)}"
                     for e in self.validator(pointer).iter_errors(body)]
            if not found:
                return problems + [f"{where}: {p}" for p in self.extra_keys(pointer, body)]
            if exchange.status < 400:
                return problems + found
            # else: an error code this status's schema omits; the envelope check decides
        if exchange.status >= 400:
            return problems + [f"{where}: {p}"
                               for p in self.envelope_errors(exchange.status, body)]
        return [*problems, f"{where}: status not documented"]

    def request_errors(self, exchange: ExchangeLike, template: str, where: str) -> list[str]:
        """The client's JSON body of a request the emulator accepted (2xx), against the
        operation's requestBody schema."""
        operation = self.operation(exchange.method, template) or {}
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content or not 200 <= exchange.status < 300:
            return []
        try:
            sent = json.loads(exchange.request_body)
        except ValueError:
            return [f"{where}: request body is not JSON"]
        pointer = (f"/paths/{_escape(template)}/{exchange.method.lower()}/requestBody/"
                   "content/application~1json/schema")
        return [f"{where}: request {e.message}"
                for e in self.validator(pointer).iter_errors(sent)] + [
            f"{where}: request {p}" for p in self.extra_keys(pointer, sent)]

    def envelope_errors(self, status: int, body: Any) -> list[str]:
        """What is wrong with an error body against the vendor's envelope and codes."""
        if self.envelope is None:
            return []
        fallback = self.error_codes.get(500) if status >= 500 else ()
        codes = self.error_codes.get(status, fallback)
        if not isinstance(body, dict) or set(body) != set(self.envelope):
            return [f"error body is not {{{', '.join(self.envelope)}}}: {body!r}"]
        if not all(isinstance(body[k], str) for k in self.envelope):
            return [f"error body fields are not strings: {body!r}"]
        code = body.get(self.code_field)
        if codes is not None and code not in codes:
            return [f"error code {code!r} does not go with HTTP {status}"]
        return []

    def extra_keys(self, pointer: str, body: Any) -> list[str]:
        """Fields in ``body`` that the schema at ``pointer`` does not define."""
        out: list[str] = []

        def walk(schema: dict[str, Any], value: Any, at: str) -> None:
            if "$ref" in schema:
                schema = self.schema_at(str(schema["$ref"]).lstrip("#"))
            if isinstance(value, dict) and "properties" in schema:
                for key, item in value.items():
                    if key not in schema["properties"]:
                        out.append(f"undocumented field {at}.{key}")
                    else:
                        walk(schema["properties"][key], item, f"{at}.{key}")
            elif isinstance(value, list) and isinstance(schema.get("items"), dict):
                for i, item in enumerate(value):
                    walk(schema["items"], item, f"{at}[{i}]")

        walk(self.schema_at(pointer), body, "$")
        return out

    def problems(self, exchanges: Iterable[ExchangeLike]) -> list[str]:
        """Every contract problem among ``exchanges`` (deliberate faults skipped)."""
        found: list[str] = []
        for exchange in exchanges:
            if exchange.fault not in self.skipped_faults:
                found += self.errors(exchange)
        return found

    def check(self, emulator: Any) -> None:
        """Assert that every answer ``emulator`` recorded (its ``exchanges``) keeps the
        contract."""
        problems = self.problems(emulator.exchanges)
        assert not problems, (f"emulator answers break {self.path.name}:\n"
                              + "\n".join(problems[:20]))
