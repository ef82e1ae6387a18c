"""Fixtures for the voicedub tests, and the contract check against VoiceDub's OpenAPI spec.

Every test that starts an emulator through these fixtures validates, at teardown, every
answer the emulator's API origin gave against the spec's schemas (OAS 3.1 through
openapi-schema-validator). Answers whose status the spec leaves undocumented (401, 403,
429, 500, and 400s other than the documented ones) are checked against the vendor's error
envelope ``{code, message}`` with the code/status pairs of VoiceDub's guides. Bodies made
by deliberate faults (malformed, truncated, raw status) are skipped.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import referencing
import referencing.jsonschema
from jsonschema import FormatChecker
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from voicekit_voicedub.emulator import Exchange, VoiceDubEmulator
from voicekit_voicedub.provider import VoiceDubProvider

from voicekit_core.registry import connect

SPEC_PATH = Path(__file__).with_name("voicedub-openapi.json")
SPEC_URI = "urn:voicedub:openapi"

#: error codes by HTTP status, from VoiceDub's guides (429 and 5xx: any code)
ERROR_CODES: dict[int, tuple[str, ...] | None] = {
    400: ("invalid_arguments", "voice_not_found", "dub_is_not_new",
          "dub_is_not_in_preprocessed_state", "voice_is_not_new"),
    401: ("unauthorized",),
    403: ("not_enough_credits",),
    404: ("not_found", "voice_not_found"),
    429: None,
    500: None,
}
#: deliberate off-contract faults whose bodies are not the vendor's
SKIPPED_FAULTS = {"malformed", "truncate", "status", "reset"}


def _uri_format(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checkers = dict(oas31_format_checker.checkers)
    checker.checks("uri")(_uri_format)
    return checker


class SpecContract:
    """VoiceDub's OpenAPI document, able to validate recorded emulator answers."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.path = path
        self.spec: dict[str, Any] = json.loads(path.read_text())
        resource = referencing.jsonschema.DRAFT202012.create_resource(self.spec)
        self.registry: referencing.Registry[Any] = referencing.Registry().with_resource(
            SPEC_URI, resource)
        self.format_checker = _format_checker()
        self._templates = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", p) + "$"), p)
            for p in self.spec["paths"]
        ]
        self.seen: set[tuple[str, str, int]] = set()

    def fresh(self) -> SpecContract:
        """A new contract (its own ``seen`` set) over the same spec."""
        return SpecContract(self.path)

    # -- lookups ------------------------------------------------------------------------

    def template(self, path: str) -> str | None:
        """The spec path template that ``path`` matches (None if undocumented)."""
        matches = [t for regex, t in self._templates if regex.match(path)]
        # prefer the most literal template (/v1/me/voices over /v1/me/voices/{voiceId})
        return min(matches, key=lambda t: t.count("{")) if matches else None

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        op: dict[str, Any] | None = self.spec["paths"][template].get(method.lower())
        return op

    def validator(self, pointer: str) -> OAS31Validator:
        return OAS31Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry,
                              format_checker=self.format_checker)

    def schema_at(self, pointer: str) -> dict[str, Any]:
        node: Any = self.spec
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if "$ref" in node:
            return self.schema_at(node["$ref"].lstrip("#"))
        assert isinstance(node, dict)
        return node

    # -- validation ---------------------------------------------------------------------

    def errors(self, exchange: Exchange) -> list[str]:
        """What is wrong with one recorded answer (empty when it keeps the contract)."""
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        template = self.template(exchange.path)
        if template is None:
            return [f"{where}: path not in the spec"]
        if self.operation(exchange.method, template) is None:
            return [f"{where}: method not in the spec"]
        if not (exchange.content_type or "").startswith("application/json"):
            return [f"{where}: content type {exchange.content_type!r}, not JSON"]
        try:
            body = json.loads(exchange.body)
        except ValueError:
            return [f"{where}: body is not JSON: {exchange.body[:80]!r}"]
        self.seen.add((exchange.method, template, exchange.status))
        escaped = template.replace("~", "~0").replace("/", "~1")
        responses = f"/paths/{escaped}/{exchange.method.lower()}/responses"
        documented = self.spec["paths"][template][exchange.method.lower()]["responses"]
        problems: list[str] = self.request_errors(exchange, template, where)
        if str(exchange.status) in documented:
            pointer = f"{responses}/{exchange.status}/content/application~1json/schema"
            found = [f"{where}: {e.message} at {list(e.absolute_path)}"
                     for e in self.validator(pointer).iter_errors(body)]
            if not found:
                problems += [f"{where}: {p}" for p in self.extra_keys(pointer, body)]
                return problems
            if exchange.status < 400:
                return problems + found
            # else: an error code the spec's schema for this status omits
        if exchange.status >= 400:
            envelope = self.envelope_errors(exchange.status, body)
            return problems + [f"{where}: {p}" for p in envelope]
        return [*problems, f"{where}: status not documented"]

    def request_errors(self, exchange: Exchange, template: str, where: str) -> list[str]:
        """The client's JSON body of a request the emulator accepted, against the spec's
        requestBody schema (requests rejected on purpose are not the client's contract)."""
        operation = self.operation(exchange.method, template) or {}
        if "requestBody" not in operation or not 200 <= exchange.status < 300:
            return []
        try:
            sent = json.loads(exchange.request_body)
        except ValueError:
            return [f"{where}: request body is not JSON"]
        escaped = template.replace("~", "~0").replace("/", "~1")
        pointer = (f"/paths/{escaped}/{exchange.method.lower()}/requestBody/content/"
                   "application~1json/schema")
        return [f"{where}: request {e.message}"
                for e in self.validator(pointer).iter_errors(sent)] + [
            f"{where}: request {p}" for p in self.extra_keys(pointer, sent)]

    def envelope_errors(self, status: int, body: Any) -> list[str]:
        codes = ERROR_CODES.get(status, ERROR_CODES[500] if status >= 500 else ())
        if not isinstance(body, dict) or set(body) != {"code", "message"}:
            return [f"error body is not {{code, message}}: {body!r}"]
        if not isinstance(body["code"], str) or not isinstance(body["message"], str):
            return [f"error body fields are not strings: {body!r}"]
        if codes is not None and body["code"] not in codes:
            return [f"error code {body['code']!r} does not go with HTTP {status}"]
        return []

    def extra_keys(self, pointer: str, body: Any) -> list[str]:
        """Fields the emulator sends that the spec does not define (it must not invent)."""
        out: list[str] = []

        def walk(schema: dict[str, Any], value: Any, at: str) -> None:
            if "$ref" in schema:
                schema = self.schema_at(schema["$ref"].lstrip("#"))
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

    def check(self, emulator: VoiceDubEmulator) -> None:
        """Assert that every answer ``emulator`` gave keeps the contract."""
        problems: list[str] = []
        for exchange in emulator.exchanges:
            if exchange.fault in SKIPPED_FAULTS:
                continue
            problems += self.errors(exchange)
        assert not problems, "emulator answers break VoiceDub's spec:\n" + "\n".join(
            problems[:20])


@pytest.fixture(scope="session")
def spec_contract() -> SpecContract:
    return SpecContract()


@pytest.fixture
def emu_factory(spec_contract: SpecContract) -> Iterator[Callable[..., VoiceDubEmulator]]:
    """Start emulators (``emu_factory(instant=True)``); checked against the spec after."""
    started: list[VoiceDubEmulator] = []

    def make(**kwargs: Any) -> VoiceDubEmulator:
        emulator = VoiceDubEmulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()
    for emulator in started:
        spec_contract.check(emulator)
        assert not emulator.storage.violations, "credentials reached the storage origin"


@pytest.fixture
def emu(emu_factory: Callable[..., VoiceDubEmulator]) -> VoiceDubEmulator:
    return emu_factory()


@pytest.fixture
def vd(emu: VoiceDubEmulator, voicekit_fast_retries: None) -> Iterator[VoiceDubProvider]:
    provider = connect("voicedub", **emu.connect_options())
    assert isinstance(provider, VoiceDubProvider)
    yield provider
    provider.close()


@pytest.fixture
def public_voice(emu: VoiceDubEmulator) -> str:
    voice_id: str = emu.public_voices[0]["id"]
    return voice_id
