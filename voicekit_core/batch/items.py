"""Batch items, the operations a batch can run, and the key that identifies an item."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from ..errors import InvalidInput

__all__ = ["OPERATIONS", "BatchItem", "Operation", "item_key", "operation_named"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen
class Operation:
    """One capability method a batch can run over many items.

    Attributes:
        name: the provider method (``"synthesize"``).
        input: the name of the method's first argument (``"text"``, ``"audio"``...).
        text_input: the input is text (else a file, bytes or a link).
        needs_voice: the method takes ``voice=``.
        needs_name: the method takes ``name=`` (cloning).
    """

    name: str
    input: str
    text_input: bool = False
    needs_voice: bool = True
    needs_name: bool = False


OPERATIONS: Mapping[str, Operation] = MappingProxyType({
    "synthesize": Operation("synthesize", "text", text_input=True),
    "convert_voice": Operation("convert_voice", "audio"),
    "dub": Operation("dub", "source"),
    "clone_voice": Operation("clone_voice", "samples", needs_voice=False, needs_name=True),
})

#: the CLI's words for the operations
_ALIASES = {"say": "synthesize", "tts": "synthesize", "convert": "convert_voice",
            "clone": "clone_voice"}


def operation_named(name: str) -> Operation:
    """The operation called ``name`` (a method name or a CLI word: say, convert, dub, clone)."""
    key = _ALIASES.get(name, name)
    try:
        return OPERATIONS[key]
    except KeyError:
        known = ", ".join(sorted({*OPERATIONS, *_ALIASES}))
        raise InvalidInput(f"unknown batch operation {name!r}; known: {known}",
                           field="operation", limit=known) from None


def _freeze(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if value else _EMPTY


@attrs.frozen
class BatchItem:
    """One unit of work of a batch.

    Attributes:
        input: the text to speak, or the input file's path (a tuple of paths for cloning
            from several samples), or a link where the vendor takes links.
        voice: the voice id (None for cloning).
        options: further keyword arguments of the operation (``format``, ``pitch_shift``).
        output: the output file's name inside the output folder (None: one is made up).
        name: the new voice's name (cloning).
        description: the new voice's description (cloning).
        line: where the item comes from (manifest line, or position in the iterable).
    """

    input: str | tuple[str, ...]
    voice: str | None = None
    options: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_freeze)
    output: str | None = None
    name: str | None = None
    description: str | None = None
    line: int = 0

    def arguments(self, operation: Operation) -> dict[str, Any]:
        """The keyword arguments of the provider call (the input included)."""
        args: dict[str, Any] = dict(self.options)
        value: Any = self.input
        if isinstance(value, tuple) and len(value) == 1:
            value = value[0]
        elif isinstance(value, tuple):
            value = list(value)
        args[operation.input] = value
        if operation.needs_voice:
            args["voice"] = self.voice
        if operation.needs_name:
            args["name"] = self.name
            if self.description is not None:
                args["description"] = self.description
        return args


def _digest_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _input_fingerprint(value: str, operation: Operation) -> str:
    """The text itself, a file's content hash, or a link as written."""
    if operation.text_input or "://" in value:
        return value
    if os.path.isfile(value):
        return "sha256:" + _digest_file(value)
    return value


def item_key(provider: str, operation: Operation, item: BatchItem) -> str:
    """A stable key for ``item``: the hash of provider, operation, voice, options and input.

    A file input counts by its content, so renaming or moving a file keeps its key.
    """
    inputs = item.input if isinstance(item.input, tuple) else (item.input,)
    payload = {
        "provider": provider,
        "operation": operation.name,
        "voice": item.voice,
        "name": item.name,
        "description": item.description,
        "options": {k: item.options[k] for k in sorted(item.options)},
        "input": [_input_fingerprint(v, operation) for v in inputs],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def output_name(item: BatchItem, key: str) -> str:
    """The item's output file name (without folder): its own, or ``<line>-<key>``."""
    if item.output:
        return item.output
    return f"{item.line:06d}-{key[:12]}"


def check_output_name(name: str, *, where: str) -> str:
    """Refuse an output name that would leave the output folder or is not a file name."""
    path = Path(name)
    if (not name.strip() or path.is_absolute() or ".." in path.parts
            or any(ord(c) < 32 for c in name) or name.endswith(("/", os.sep))):
        raise InvalidInput(f"{where}: output {name!r} must be a relative file name inside "
                           "the output folder", field="output",
                           limit="a relative path without '..'")
    return name
