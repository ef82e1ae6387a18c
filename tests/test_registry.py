"""Discovery, registration, install hints, capability checks — all before any network use."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from fakevendor import INFO, FakePlugin

import voicekit_core as vk
from voicekit_core.registry import FIRST_PARTY, Registry


def _registry(*plugins: object) -> Registry:
    registry = Registry(entry_points=False)
    for i, plugin in enumerate(plugins):
        registry.register_plugin(plugin, name=f"p{i}", distribution=f"dist-{i}")
    return registry


class _Plugin:
    def __init__(self, *infos: vk.ProviderInfo) -> None:
        self.infos = infos

    @vk.hookimpl
    def voicekit_register_providers(self, register: Any) -> None:
        for info in self.infos:
            register(info)


DUBBER = vk.ProviderInfo(name="dubber", factory="nowhere:Dubber", capabilities=("Dub",))


@pytest.mark.parametrize("name", sorted(FIRST_PARTY))
def test_known_but_missing_provider_gives_the_pip_command(name: str) -> None:
    hint = f"pip install ./plugins/voicekit-{name}"
    with pytest.raises(vk.ProviderNotInstalled, match=hint) as info:
        _registry(FakePlugin()).connect(name)
    assert info.value.installed == ("fakevendor",)


def test_unknown_provider_lists_what_is_installed() -> None:
    with pytest.raises(vk.ProviderNotInstalled, match="installed: fakevendor"):
        _registry(FakePlugin()).info("nope")


@pytest.mark.parametrize("name", [[], {}, None, 5, b"espeak"])
def test_a_provider_name_that_is_not_text_is_a_configuration_error(name: object) -> None:
    registry = _registry(FakePlugin())
    for call in (registry.info, registry.connect, vk.connect):
        with pytest.raises(vk.ConfigurationError, match="provider name is text"):
            call(name)  # type: ignore[operator]


def test_require_names_installed_providers_that_have_the_capability() -> None:
    registry = _registry(FakePlugin(), _Plugin(DUBBER))
    provider = registry.connect("fakevendor", base_url="https://x.example", api_key="k")
    assert registry.require(provider, vk.Synthesize) is provider
    assert registry.require(provider, "Balance") is provider
    with pytest.raises(vk.CapabilityNotSupported, match="installed providers that do: dubber"):
        registry.require(provider, vk.Dub)


def test_capabilities_are_derived_from_the_class() -> None:
    provider = vk.connect("fakevendor", base_url="https://x.example", api_key="k")
    assert provider.capabilities == INFO.capabilities
    assert isinstance(provider, vk.Balance) and not isinstance(provider, vk.Dub)


def test_providers_filter_by_capability() -> None:
    registry = _registry(FakePlugin(), _Plugin(DUBBER))
    assert [i.name for i in registry.providers()] == ["dubber", "fakevendor"]
    assert [i.name for i in registry.providers(vk.Dub)] == ["dubber"]
    assert [i.name for i in registry.providers("Synthesize")] == ["fakevendor"]
    with pytest.raises(vk.ConfigurationError, match="unknown capability"):
        registry.providers("Teleport")


def test_a_plugin_that_fails_to_register_does_not_break_the_others() -> None:
    class Broken:
        @vk.hookimpl
        def voicekit_register_providers(self, register: Any) -> None:
            raise RuntimeError("boom")

    registry = _registry(Broken(), FakePlugin())
    assert [i.name for i in registry.providers()] == ["fakevendor"]
    assert [(e.plugin, "boom" in e.error) for e in registry.errors()] == [("p0", True)]


def test_two_distributions_registering_one_name_is_an_error_naming_both() -> None:
    other = vk.ProviderInfo(name="fakevendor", factory="elsewhere:Fake",
                            capabilities=("Synthesize",))
    registry = _registry(FakePlugin(), _Plugin(other))
    with pytest.raises(vk.ConfigurationError, match=r"dist-0.*dist-1"):
        registry.connect("fakevendor")
    assert "fakevendor" not in [i.name for i in registry.providers()]
    assert any("dist-0 and dist-1" in e.error for e in registry.errors())


def test_unknown_capability_names_are_refused() -> None:
    bad = vk.ProviderInfo(name="bad", factory="x:Y", capabilities=("Fly",))
    registry = _registry(_Plugin(bad))
    assert registry.providers() == []
    assert "Fly" in registry.errors()[0].error


def test_provider_that_cannot_be_imported_is_a_configuration_error() -> None:
    with pytest.raises(vk.ConfigurationError, match="cannot import"):
        _registry(_Plugin(DUBBER)).connect("dubber")


def test_unknown_connect_option_is_refused() -> None:
    with pytest.raises(vk.ConfigurationError, match="does not take option"):
        vk.connect("fakevendor", base_url="https://x.example", api_key="k", client_key="c")


def test_import_voicekit_core_discovers_nothing() -> None:
    code = ("import sys, json, voicekit_core, voicekit_core.registry as r;"
            "print(json.dumps({'loaded': r._registry is not None and r._registry._loaded,"
            "'plugins': [m for m in sys.modules if m.startswith('voicekit_') and"
            " m != 'voicekit_core' and not m.startswith('voicekit_core.')],"
            "'requests': 'requests' in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout) == {"loaded": False, "plugins": [], "requests": False}


def test_voicekit_load_plugins_limits_loading() -> None:
    code = ("import json, voicekit_core as vk;"
            "print(json.dumps([i.name for i in vk.providers()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, env=_env(VOICEKIT_LOAD_PLUGINS="nothing"))
    assert json.loads(out.stdout) == []


def _env(**extra: str) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


def test_a_plugin_module_registers_with_one_line_of_provides() -> None:
    import types

    from voicekit_core import kit

    info = vk.ProviderInfo(name="acme", factory="acme_mod:Acme", capabilities=("Synthesize",))
    plugin = types.ModuleType("voicekit_acme.plugin")
    plugin.voicekit_register_providers = kit.provides(info)  # type: ignore[attr-defined]
    registered = _registry(plugin).info("acme")
    assert (registered.name, registered.factory) == ("acme", "acme_mod:Acme")
