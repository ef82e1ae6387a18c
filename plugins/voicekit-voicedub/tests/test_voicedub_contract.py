"""The plugin against VoiceDub's OpenAPI spec: models, emulator routes, every documented
status, and the validator that keeps the emulator from drifting."""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from pathlib import Path
from typing import Any

import attrs
import pytest
from voicekit_voicedub import schema
from voicekit_voicedub.emulator import Exchange, VoiceDubEmulator
from voicekit_voicedub.provider import OutOfOrder, VoiceDubProvider

from voicekit_core.errors import NotFound
from voicekit_core.testing.media import tone_wav

SHARED_SPEC = Path(__file__).resolve().parents[3].parent / "shared" / "vendor-docs" / \
    "voicedub-openapi.json"

S = "/components/schemas"
DUB_VARIANTS = [f"{S}/DubPrivate", f"{S}/CreateDubResponse/properties/dub",
                f"{S}/PreprocessDubResponse/properties/dub",
                f"{S}/GenerateDubResponse/properties/dub"]
VOICE_VARIANTS = [f"{S}/VoicePrivate", f"{S}/GetVoiceResponse/properties/voice",
                  f"{S}/CreateVoiceResponse/properties/voice",
                  f"{S}/CloneVoiceResponse/properties/voice"]
ERRORS = ["DubNotFoundError", "DubVoiceNotFoundError", "DubNotNewError",
          "DubNotPreprocessedError", "VoiceNotFoundError", "VoiceNotNewError"]

MODELS: list[tuple[type, str]] = (
    [(schema.DubPrivate, p) for p in DUB_VARIANTS]
    + [(schema.VoicePrivate, p) for p in VOICE_VARIANTS]
    + [(schema.ErrorBody, f"{S}/{name}") for name in ERRORS]
    + [(schema.VoicePublic, f"{S}/VoicePublic"), (schema.UserPrivate, f"{S}/UserPrivate"),
       (schema.CreateDubRequest, f"{S}/CreateDubRequest"),
       (schema.CreateVoiceRequest, f"{S}/CreateVoiceRequest"),
       (schema.CreateDubResponse, f"{S}/CreateDubResponse"),
       (schema.DubEnvelope, f"{S}/PreprocessDubResponse"),
       (schema.DubEnvelope, f"{S}/GenerateDubResponse"),
       (schema.VoiceEnvelope, f"{S}/GetVoiceResponse"),
       (schema.VoiceEnvelope, f"{S}/CloneVoiceResponse"),
       (schema.CreateVoiceResponse, f"{S}/CreateVoiceResponse"),
       (schema.GetPublicVoicesResponse, f"{S}/GetPublicVoicesResponse"),
       (schema.GetMeResponse, f"{S}/GetMeResponse")]
)
PY_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool,
            "object": object, "array": tuple}


def _split_optional(hint: Any) -> tuple[Any, bool]:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return hint, False


def _check_type(hint: Any, prop: dict[str, Any], contract: Any, where: str,
                omittable: bool = False) -> None:
    if "$ref" in prop:
        prop = contract.schema_at(prop["$ref"].lstrip("#"))
    kinds = prop.get("type") or ("string" if "const" in prop else "object")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    inner, optional = _split_optional(hint)
    args = typing.get_args(inner)
    if typing.get_origin(inner) in (typing.Union, types.UnionType) and str in args:
        # ``Enum | str``: the spec's enum, with values it does not list kept as strings
        assert "enum" in prop, f"{where}: only enum fields are open"
        (inner,) = [a for a in args if a is not str]
    # None also stands for "left out" on optional request fields
    assert optional == ("null" in kinds or omittable), f"{where}: nullable mismatch"
    (kind,) = [k for k in kinds if k != "null"]
    if "enum" in prop:
        assert isinstance(inner, type) and issubclass(inner, enum.Enum), f"{where}: not enum"
        assert sorted(m.value for m in inner) == sorted(prop["enum"]), where
    elif kind == "array":
        assert typing.get_origin(inner) is tuple, where
        _check_type(typing.get_args(inner)[0], prop["items"], contract, where + "[]")
    elif kind == "object":
        assert attrs.has(inner), f"{where}: nested object without a model"
    else:
        assert inner is PY_TYPES[kind], f"{where}: {inner} is not {kind}"


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="vendor docs not beside the repo")
def test_the_spec_copy_is_the_vendors(spec_contract: Any) -> None:
    assert json.loads(SHARED_SPEC.read_text()) == spec_contract.spec


def _model_id(model: type, pointer: str) -> str:
    return f"{model.__name__}@{pointer.split('/')[3]}"


@pytest.mark.parametrize(("model", "pointer"), MODELS,
                         ids=[_model_id(m, p) for m, p in MODELS])
def test_models_are_faithful_to_the_spec(model: type, pointer: str, spec_contract: Any) -> None:
    spec = spec_contract.schema_at(pointer)
    hints = typing.get_type_hints(model)
    fields = {schema._camel(f.name): f for f in attrs.fields(model)}
    assert set(fields) == set(spec["properties"]), "fields differ from the spec's properties"
    required = set(spec.get("required", ()))
    for name, field in fields.items():
        prop = spec["properties"][name]
        has_default = field.default is not attrs.NOTHING
        kinds = prop.get("type", ())
        nullable = "null" in ([kinds] if isinstance(kinds, str) else kinds) or (
            model is schema.VoicePrivate and name == "requiredCredits")  # see below
        # a required field has no default unless it is nullable: then it defaults to None,
        # so an answer that leaves it out (dubUrl, requiredCredits: "default": null) reads
        # as null instead of breaking
        if name in required and nullable:
            assert field.default is None, f"{name}: nullable field without default None"
        else:
            assert has_default == (name not in required), f"{name}: required mismatch"
        if has_default and "default" in prop:
            assert field.default == prop["default"], f"{name}: default differs"
        hint = hints[field.name]
        if model is schema.VoicePrivate and name == "requiredCredits" \
                and "null" not in prop["type"]:
            # null in VoicePrivate, a number in the get/create/clone answers: the model
            # takes the wider of the two
            hint = float
        omittable = has_default and field.default is None and hint is not float
        _check_type(hint, prop, spec_contract, f"{model.__name__}.{name}", omittable)


def test_every_spec_operation_has_an_emulator_route(spec_contract: Any) -> None:
    emulator = VoiceDubEmulator()
    routes = {(m, r.path) for r in emulator.routes() for m in (r.methods or ()) - {"HEAD"}}
    documented = {(m.upper(), p) for p, ops in spec_contract.spec["paths"].items()
                  for m in ops}
    assert documented == routes


def _exchange(path: str, status: int, body: Any, method: str = "GET") -> Exchange:
    return Exchange(method, path, "", status, "application/json",
                    json.dumps(body).encode(), None)


def test_the_validator_catches_drift(spec_contract: Any) -> None:
    good = {"user": {"apiCredits": 5}}
    assert spec_contract.errors(_exchange("/v1/me", 200, good)) == []
    assert spec_contract.errors(_exchange("/v1/me", 200, {"user": {}}))
    assert spec_contract.errors(_exchange("/v1/me", 200, {"user": {"apiCredits": "5"}}))
    assert spec_contract.errors(_exchange("/v1/me", 200, {"user": {"apiCredits": 5,
                                                                   "plan": "pro"}}))
    dub_path = f"/v1/me/dubs/{uuid.uuid4()}"
    assert spec_contract.errors(_exchange(dub_path, 200, {"dub": {"id": "x"}}))
    assert spec_contract.errors(_exchange(dub_path, 404, {"code": "dub_is_not_new",
                                                          "message": "m"}))
    assert spec_contract.errors(_exchange(dub_path, 404, {"error": "not_found"}))
    assert spec_contract.errors(_exchange(dub_path, 404, {"code": "not_found",
                                                          "message": "m"})) == []
    assert spec_contract.errors(_exchange("/v1/me", 403, {"code": "forbidden",
                                                          "message": "m"}))
    assert spec_contract.errors(_exchange("/v2/nowhere", 200, {}))
    created = _exchange("/v1/me/voices", 200, {}, method="POST")
    created.request_body = json.dumps({"name": "x", "numberOfFiles": 9}).encode()
    assert any("request" in e for e in spec_contract.errors(created))


def test_every_documented_status_is_served_within_the_contract(
    emu: VoiceDubEmulator, vd: VoiceDubProvider, public_voice: str, spec_contract: Any
) -> None:
    contract = spec_contract.fresh()  # sees only this test's answers
    missing = str(uuid.uuid4())
    job = vd.dub(tone_wav(2.0), voice=public_voice)  # POST dubs, upload, preprocess 200
    with pytest.raises(OutOfOrder):
        vd.generate_dub(job.id)  # generate 400: not preprocessed yet
    with pytest.raises(OutOfOrder):
        vd.preprocess_dub(job.id)  # preprocess 400: not new
    job.wait()  # GET dub 200, generate 200
    voice_job = vd.clone_voice(tone_wav(1.0), name="Contract")  # POST voices, clone 200
    with pytest.raises(OutOfOrder):
        vd.train_voice(voice_job.id)  # clone 400
    voice_job.wait()  # GET voice 200
    vd.balance()
    next(vd.list_voices())
    with pytest.raises(NotFound):
        vd.dub("https://example.com/a.mp3", voice=missing)  # POST dubs 400 voice_not_found
    for call in (vd.get_dub, vd.preprocess_dub, vd.generate_dub, vd.get_voice,
                 vd.train_voice):
        with pytest.raises(NotFound):
            call(missing)
    contract.check(emu)
    documented = {(m.upper(), p, int(s)) for p, ops in contract.spec["paths"].items()
                  for m, op in ops.items() for s in op["responses"]}
    assert documented <= contract.seen, documented - contract.seen

