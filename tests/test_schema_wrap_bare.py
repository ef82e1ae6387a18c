"""schema.wrap_bare: a model also read from a bare string or list (vendors that shorten)."""

from __future__ import annotations

import attrs
import cattrs
import pytest

import voicekit_core as vk
from voicekit_core.schema import structure, vendor_converter, wrap_bare


@attrs.frozen
class Label:
    category: str | None = None
    label: str | None = None


@attrs.frozen
class Listing:
    items: tuple[Label, ...] = ()


def _conv() -> cattrs.Converter:
    conv = vendor_converter()
    wrap_bare(conv, Label, shape=str, field="label")
    wrap_bare(conv, Listing, shape=list, field="items")
    return conv


def test_bare_values_are_read_as_the_field() -> None:
    conv = _conv()
    got = structure(conv, ["x", {"category": "language", "label": "English"}], Listing,
                    what="labels", provider="p")
    assert got == Listing((Label(label="x"), Label("language", "English")))


@pytest.mark.parametrize("body", [5, [5], {"items": "x"}, "x"])
def test_other_shapes_are_still_bad_responses(body: object) -> None:
    with pytest.raises(vk.BadResponse):
        structure(_conv(), body, Listing, what="labels", provider="p")
