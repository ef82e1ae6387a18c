"""Read a batch manifest (CSV or JSON Lines) into :class:`BatchItem` values.

Every line is checked before anything is sent: a bad line raises
:class:`~voicekit_core.errors.InvalidInput` naming the file and the line.

Fields (CSV columns or JSON keys):
    text: what to say (``say``);
    input: the input file (``convert``, ``dub``, ``clone``), relative to the manifest's
        folder, or a link; for ``clone`` several samples are separated by ``|`` in CSV or
        given as a JSON list;
    voice: the voice id (falls back to the command's ``--voice``);
    output: the output file name inside the output folder (optional);
    name, description: the new voice's (``clone``);
    options: a JSON object of further options;
    any other field: one option (``format``, ``pitch_shift``...). In CSV its value is read
        as a number or true/false when it looks like one, else as text.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .items import BatchItem, Operation, check_output_name

__all__ = ["read_manifest", "validate_items"]

_FIELDS = ("text", "input", "voice", "output", "name", "description", "options")


def read_manifest(path: str | os.PathLike[str], operation: Operation, *,
                  voice: str | None = None) -> list[BatchItem]:
    """The items of the manifest at ``path`` (``.csv``, or ``.jsonl``/``.ndjson``).

    ``voice`` is used for lines that name none. Input paths are taken relative to the
    manifest's folder.
    """
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the manifest {source}: {exc.strerror or exc}",
                           field="manifest") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InvalidInput(f"{source}:{line}: not UTF-8 text (byte {exc.start})",
                           field="manifest", limit="UTF-8") from None
    suffix = source.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(text, source)
    elif suffix in (".jsonl", ".ndjson", ".json"):
        rows = _jsonl_rows(text, source)
    else:
        raise InvalidInput(f"{source}: a manifest is a .csv or .jsonl file",
                           field="manifest", limit=".csv or .jsonl")
    items = [_item(row, line, operation, source, voice) for line, row in rows]
    if not items:
        raise InvalidInput(f"{source}: the manifest has no items", field="manifest")
    validate_items(items, operation, where=str(source))
    return items


def validate_items(items: Iterable[BatchItem], operation: Operation, *,
                   where: str | None = None) -> None:
    """Check outputs are unique and each item has what ``operation`` needs; errors name
    ``where:line`` (a manifest) or ``item N``."""
    outputs: dict[str, int] = {}
    for item in items:
        at = f"{where}:{item.line}" if where else f"item {item.line}"
        if operation.needs_voice and not item.voice:
            raise InvalidInput(f"{at}: no voice (give a voice field or --voice)",
                               field="voice")
        if operation.needs_name and not item.name:
            raise InvalidInput(f"{at}: cloning needs a name field", field="name")
        if item.output is not None:
            check_output_name(item.output, where=at)
            earlier = outputs.setdefault(item.output, item.line)
            if earlier != item.line:
                raise InvalidInput(f"{at}: output {item.output!r} is already used by "
                                   f"{'line' if where else 'item'} {earlier}", field="output")


def _csv_rows(text: str, source: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InvalidInput(f"{source}:1: {exc}", field="manifest") from None
    names = [h.strip() for h in header]
    if "" in names or len(set(names)) != len(names):
        raise InvalidInput(f"{source}:1: the header needs distinct, non-empty column names",
                           field="manifest")
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(f"{source}:{reader.line_num}: {exc}", field="manifest") \
                from None
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            raise InvalidInput(f"{source}:{line}: {len(values)} values for {len(names)} "
                               "columns", field="manifest")
        row: dict[str, Any] = {}
        for name, value in zip(names, values, strict=False):
            if value == "":
                continue
            row[name] = value if name in _FIELDS else _literal(value)
        if "input" in row and "|" in row["input"]:
            row["input"] = [p.strip() for p in row["input"].split("|")]
        yield line, row


def _literal(value: str) -> Any:
    """A CSV cell as a number or a boolean when it looks like one, else the text."""
    word = value.strip()
    if word.lower() in ("true", "false"):
        return word.lower() == "true"
    for kind in (int, float):
        try:
            return kind(word)
        except ValueError:
            pass
    return value


def _jsonl_rows(text: str, source: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except ValueError as exc:
            raise InvalidInput(f"{source}:{line}: not valid JSON ({exc})",
                               field="manifest") from None
        if not isinstance(row, dict):
            raise InvalidInput(f"{source}:{line}: each line must be a JSON object, got "
                               f"{type(row).__name__}", field="manifest")
        yield line, row


def _text_field(row: Mapping[str, Any], name: str, at: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{at}: {name} must be text, got {type(value).__name__}",
                           field=name)
    return value


def _item(row: dict[str, Any], line: int, operation: Operation, source: Path,
          default_voice: str | None) -> BatchItem:
    at = f"{source}:{line}"
    options = row.pop("options", None)
    if options is None:
        options = {}
    elif isinstance(options, str):
        try:
            options = json.loads(options)
        except ValueError as exc:
            raise InvalidInput(f"{at}: options is not valid JSON ({exc})",
                               field="options") from None
    if not isinstance(options, dict):
        raise InvalidInput(f"{at}: options must be a JSON object", field="options")
    extra = {k: v for k, v in row.items() if k not in _FIELDS}
    clash = sorted(set(extra) & set(options))
    if clash:
        raise InvalidInput(f"{at}: option {clash[0]} is given twice", field=clash[0])
    options = {**options, **extra}
    reserved = sorted(set(options) & {"max_credits", "voice", "text", "audio", "source",
                                      "samples"})
    if reserved:
        raise InvalidInput(f"{at}: {reserved[0]} is not an option here (use its own field; "
                           "the credit ceiling is the batch's --max-credits)",
                           field=reserved[0])
    voice = _text_field(row, "voice", at) or default_voice
    output = _text_field(row, "output", at)
    return BatchItem(
        input=_input(row, operation, source, at), voice=voice, options=options,
        output=output, name=_text_field(row, "name", at),
        description=_text_field(row, "description", at), line=line,
    )


def _input(row: Mapping[str, Any], operation: Operation, source: Path, at: str
           ) -> str | tuple[str, ...]:
    if operation.text_input:
        if "input" in row:
            raise InvalidInput(f"{at}: {operation.name} takes text: use a text field, not "
                               "input", field="text")
        text = _text_field(row, "text", at)
        if text is None or not text.strip():
            raise InvalidInput(f"{at}: no text to say", field="text", limit="non-empty")
        return text
    if "text" in row:
        raise InvalidInput(f"{at}: {operation.name} takes a file: use an input field, not "
                           "text", field="input")
    value = row.get("input")
    values = value if isinstance(value, list) else [value]
    if not values or any(not isinstance(v, str) or not v.strip() for v in values):
        raise InvalidInput(f"{at}: input must name a file (or a link)", field="input")
    if len(values) > 1 and not operation.needs_name:
        raise InvalidInput(f"{at}: {operation.name} takes one input file", field="input")
    paths = tuple(_resolve(str(v).strip(), source, at) for v in values)
    return paths if operation.needs_name else paths[0]


def _resolve(value: str, source: Path, at: str) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = source.parent / path
    if not path.is_file():
        raise InvalidInput(f"{at}: input file {value!r} not found ({path})", field="input")
    return str(path)
