"""The facades: ``voicekit_core`` (users) and ``voicekit_core.kit`` (plugin authors) re-export
lazily and completely, each from one table; names that moved stay importable."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from voicekit_core import kit

CONTRACT = {
    "Provider", "ProviderInfo", "hookimpl",
    "Options", "opt", "operation", "Call",
    "AudioRules", "TextRules", "segment", "language_code", "language_name",
    "Page", "paginate", "next_cursor", "next_page_number", "names_next",
    "ErrorMap", "error_text",
    "JobKind", "StatusMap", "PollPolicy", "Job", "JobUpdate", "JobState",
    "vendor_converter", "structure", "wrap_bare", "duration_seconds", "progress_fraction",
    "provides",
    "VendorStatus", "reader", "listing",
    "read_audio",
    "CloseMap",
}


def test_kit_lists_every_contract_name() -> None:
    assert set(kit.__all__) == CONTRACT
    assert set(dir(kit)) >= CONTRACT


def test_importing_kit_loads_none_of_the_building_blocks() -> None:
    code = ("import sys, voicekit_core.kit; "
            "print(sorted(m for m in sys.modules if m.startswith('voicekit_core.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert eval(out) == ["voicekit_core._lazy", "voicekit_core.kit"]


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_name_resolves_to_the_module_that_defines_it(name: str) -> None:
    value = getattr(kit, name)
    assert value is not None
    module = getattr(value, "__module__", None) or type(value).__module__
    assert module.startswith(("voicekit_core.", "pluggy"))
    assert getattr(kit, name) is value  # cached after the first lookup


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        kit.no_such_name  # noqa: B018
    assert importlib.import_module("voicekit_core.kit") is kit


def test_the_package_exports_come_from_one_table() -> None:
    import voicekit_core as vk

    assert vk.__all__ == sorted(vk._EXPORTS)
    assert set(dir(vk)) >= set(vk.__all__)
    for name in vk.__all__:
        assert getattr(vk, name) is not None
    assert vk.http.__name__ == "voicekit_core.http"  # submodules load on first use too
    with pytest.raises(AttributeError):
        vk.no_such_name  # noqa: B018


def test_importing_the_package_or_the_registry_stays_light() -> None:
    code = ("import sys, voicekit_core, voicekit_core.registry; "
            "print(sorted(m for m in ('cattrs', 'requests', 'voicekit_core.models', "
            "'voicekit_core.provider') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert eval(out) == []


def test_moved_names_still_import_from_models() -> None:
    from voicekit_core import events, registry, schema
    from voicekit_core.models import Event, ProviderInfo, converter, make_converter

    assert ProviderInfo is registry.ProviderInfo and Event is events.Event
    assert make_converter is schema.make_converter
    assert converter.structure("7", int) == 7


def test_the_commands_hook_is_typed_by_a_protocol_the_cli_registry_meets() -> None:
    import argparse

    from voicekit_core.cli import CommandRegistry
    from voicekit_core.hookspecs import Commands

    assert isinstance(CommandRegistry(argparse.ArgumentParser().add_subparsers()), Commands)
