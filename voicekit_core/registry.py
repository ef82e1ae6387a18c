"""Plugin discovery and the provider registry.

Plugins are found through the ``voicekit`` entry-point group, once per process, on first
use (never at ``import voicekit_core``). Each entry point is loaded under its own guard: a
plugin that fails is recorded in :func:`plugin_errors` and the others still work.
``VOICEKIT_LOAD_PLUGINS=name,name`` limits loading to the named entry points.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .capabilities import BY_NAME, Capability
from .errors import CapabilityNotSupported, ConfigurationError, ProviderNotInstalled

if TYPE_CHECKING:
    import pluggy

    from .events import Event
    from .provider import Provider

__all__ = [
    "FIRST_PARTY",
    "PluginError",
    "ProviderInfo",
    "Registry",
    "connect",
    "get_registry",
    "plugin_errors",
    "providers",
    "require",
]

log = logging.getLogger("voicekit.registry")

ENTRY_POINT_GROUP = "voicekit"

#: Install hints for the first-party plugins (not yet on PyPI: installed from a checkout).
FIRST_PARTY: dict[str, str] = {
    name: f"pip install ./plugins/voicekit-{name} (from a voicekit checkout; the package "
          f"voicekit-{name} is not published yet)"
    for name in ("espeak", "piper", "gemelo", "beautyface", "voicedub", "speechgen",
                 "captions")
}

C = TypeVar("C", bound=Capability)


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


# Plain frozen dataclasses, not attrs: listing providers (``voicekit providers``) then
# imports no attrs at all (about as long as starting Python itself).
@dataclasses.dataclass(frozen=True)
class ProviderInfo:
    """What a plugin registers: enough to list a provider without importing it.

    Attributes:
        name: the name users pass to ``connect()``.
        factory: ``"module:Class"`` of the provider, imported only by ``connect()``.
        capabilities: names of the capability ABCs the class implements.
        credentials: environment variable names of the credentials, e.g.
            ``("GEMELO_CLIENT_KEY", "GEMELO_API_KEY")``; the ``connect()`` option of each is
            its lower-case name without the ``NAME_`` prefix (``client_key=``).
        summary: one line for ``voicekit providers``.
        default_base_url: the vendor's API root, or None when each user must configure it.
        emulator: ``"module:Class"`` of the plugin's emulator (for ``voicekit emulate``).
        distribution, version: filled in by the registry from the entry point.
    """

    name: str
    factory: str
    capabilities: tuple[str, ...]
    credentials: tuple[str, ...] = ()
    summary: str = ""
    default_base_url: str | None = None
    docs_url: str | None = None
    emulator: str | None = None
    distribution: str | None = None
    version: str | None = None

    def __post_init__(self) -> None:  # any iterable of names is kept as a tuple
        object.__setattr__(self, "capabilities", _str_tuple(self.capabilities))
        object.__setattr__(self, "credentials", _str_tuple(self.credentials))

    @property
    def env_prefix(self) -> str:
        return self.name.upper().replace("-", "_") + "_"

    def option_name(self, env_var: str) -> str:
        """The ``connect()`` option that gives credential ``env_var`` (``api_key``)."""
        prefix = self.env_prefix
        name = env_var[len(prefix):] if env_var.startswith(prefix) else env_var
        return name.lower()

    @property
    def needs_base_url(self) -> bool:
        """Whether each user must configure the API root (a remote vendor, white-label:
        credentials but no default base URL)."""
        return self.default_base_url is None and bool(self.credentials)

    @property
    def base_url_env(self) -> str:
        """The environment variable that overrides the base URL (``GEMELO_BASE_URL``)."""
        return self.env_prefix + "BASE_URL"


@dataclasses.dataclass(frozen=True)
class PluginError:
    """A plugin that could not be loaded or registered, and why."""

    plugin: str
    distribution: str | None
    error: str


class Registry:
    """A pluggy PluginManager plus the providers its plugins registered.

    ``get_registry()`` returns the process-wide one; tests may build their own.
    """

    def __init__(self, *, entry_points: bool = True) -> None:
        self._pm: pluggy.PluginManager | None = None
        self._observers: bool | None = None  # cached has_observers (reset on register)
        self._modules: list[str] = []  # plugin files loaded (the listing cache watches them)
        self._entry_points = entry_points
        self._infos: dict[str, ProviderInfo] = {}
        self._conflicts: dict[str, list[str]] = {}
        self._errors: list[PluginError] = []
        self._loaded = False
        self._lock = threading.RLock()

    @property
    def pm(self) -> pluggy.PluginManager:
        """The pluggy PluginManager (made on first use: listing from the cache needs none)."""
        if self._pm is None:
            with self._lock:
                if self._pm is None:
                    import pluggy

                    from . import hookspecs

                    manager = pluggy.PluginManager("voicekit")
                    manager.add_hookspecs(hookspecs)
                    self._pm = manager
        return self._pm

    # -- discovery -------------------------------------------------------------------

    def load(self) -> None:
        """Discover plugins (once); safe to call from several threads."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            if self._entry_points:
                self._load_entry_points()
            self._loaded = True

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        wanted = _wanted_plugins()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if wanted is not None and ep.name not in wanted:
                continue
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else None
            version = dist.version if dist is not None else None
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not break the others
                self._record_error(ep.name, dist_name, exc)
                continue
            where = getattr(sys.modules.get(ep.module), "__file__", None)
            if where:
                self._modules.append(where)
            self.register_plugin(module, name=ep.name, distribution=dist_name, version=version)

    def register_plugin(
        self,
        plugin: object,
        *,
        name: str | None = None,
        distribution: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register a plugin object (module or class instance with hookimpls) directly."""
        with self._lock:
            self._observers = None
            plugin_name = self.pm.register(plugin, name=name)
            if plugin_name is None:
                return
            impl = getattr(plugin, "voicekit_register_providers", None)
            if impl is None:
                return

            def register(info: ProviderInfo) -> None:
                self._add(dataclasses.replace(info, distribution=info.distribution or distribution,
                                       version=info.version or version))

            try:
                impl(register=register)
            except Exception as exc:
                self._record_error(plugin_name, distribution, exc)

    def _add(self, info: ProviderInfo) -> None:
        if not isinstance(info, ProviderInfo):
            raise ConfigurationError("register() takes a voicekit_core.ProviderInfo")
        unknown = [c for c in info.capabilities if c not in BY_NAME]
        if unknown:
            raise ConfigurationError(f"{info.name}: unknown capabilities {unknown}")
        existing = self._infos.get(info.name)
        if existing is not None and existing.factory != info.factory:
            owners = self._conflicts.setdefault(info.name, [str(existing.distribution)])
            owners.append(str(info.distribution))
            self._errors.append(PluginError(
                info.name, info.distribution,
                f"provider name {info.name!r} registered by both {' and '.join(owners)}",
            ))
            return
        self._infos[info.name] = info

    def _record_error(self, plugin: str, distribution: str | None, exc: BaseException) -> None:
        log.warning("voicekit plugin %s failed to load: %s", plugin, exc)
        self._errors.append(PluginError(plugin, distribution, f"{type(exc).__name__}: {exc}"))

    # -- queries ---------------------------------------------------------------------

    def providers(self, capability: type[Capability] | str | None = None) -> list[ProviderInfo]:
        """Installed providers (sorted by name), optionally only those with ``capability``."""
        self.load()
        cap = _capability_name(capability) if capability is not None else None
        return sorted(
            (i for n, i in self._infos.items() if n not in self._conflicts
             and (cap is None or cap in i.capabilities)),
            key=lambda i: i.name,
        )

    def info(self, name: str) -> ProviderInfo:
        """The registration of ``name``; raises ProviderNotInstalled / ConfigurationError."""
        if not isinstance(name, str):  # a list or dict would fail the lookup with TypeError
            raise ConfigurationError(f"a provider name is text such as 'espeak', not "
                                     f"{type(name).__name__}")
        self.load()
        if name in self._conflicts:
            raise ConfigurationError(
                f"provider name {name!r} is registered by several distributions: "
                f"{', '.join(self._conflicts[name])}; uninstall all but one"
            )
        try:
            return self._infos[name]
        except KeyError:
            failed = [e for e in self._errors if e.plugin == name]
            if failed:
                raise ConfigurationError(
                    f"the plugin for {name!r} is installed but failed to load: {failed[0].error}"
                ) from None
            raise ProviderNotInstalled(
                name, hint=FIRST_PARTY.get(name), installed=sorted(self._infos)
            ) from None

    def errors(self) -> list[PluginError]:
        """Plugins that failed to load or register."""
        self.load()
        return list(self._errors)

    def provider_class(self, name: str) -> type[Provider]:
        """Import and return the provider class of ``name`` (the only place that imports it)."""
        info = self.info(name)
        module_name, _, attr = info.factory.partition(":")
        try:
            module = importlib.import_module(module_name)
            cls: type[Provider] = getattr(module, attr)
        except Exception as exc:
            raise ConfigurationError(
                f"cannot import provider {name!r} from {info.factory}: {exc}", provider=name
            ) from exc
        return cls

    def connect(self, name: str, **options: Any) -> Provider:
        """Build provider ``name`` with ``options`` (see :func:`connect`)."""
        cls = self.provider_class(name)
        return cls(registry=self, **options)

    def require(self, provider: object, capability: type[C] | str) -> C:
        """Return ``provider`` typed as ``capability``; raise CapabilityNotSupported if not."""
        cap = BY_NAME[_capability_name(capability)]
        if isinstance(provider, cap):
            return provider  # type: ignore[return-value]
        name = getattr(provider, "name", type(provider).__name__)
        others = [i.name for i in self.providers(cap) if i.name != name]
        raise CapabilityNotSupported(str(name), cap.__name__, others)

    # -- hooks -----------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Send ``event`` to every ``voicekit_on_event`` observer; their errors are logged."""
        hook = self.pm.hook.voicekit_on_event
        for impl in hook.get_hookimpls():
            try:
                impl.function(event=event)
            except Exception:
                log.exception("voicekit_on_event observer %s failed", impl.plugin_name)

    @property
    def has_observers(self) -> bool:
        """Whether any plugin observes events (asked once per registration, not per call)."""
        found = self._observers
        if found is None:
            found = self._observers = bool(self.pm.hook.voicekit_on_event.get_hookimpls())
        return found

    def listing(self) -> tuple[list[ProviderInfo], list[PluginError]]:
        """Installed providers and plugin errors, for listing only: read from the plugin
        cache (:mod:`voicekit_core.plugin_cache`) when nothing installed has changed, so no
        plugin is imported; otherwise loaded as usual and cached."""
        if self._loaded or not self._entry_points:
            return self.providers(), self.errors()
        from . import plugin_cache

        key = plugin_cache.installed_key()
        cached = plugin_cache.read(key)
        if cached is not None:
            try:
                return ([ProviderInfo(**i) for i in cached["providers"]],
                        [PluginError(**e) for e in cached["errors"]])
            except (KeyError, TypeError, ValueError):
                pass
        infos, errors = self.providers(), self.errors()
        plugin_cache.write(key, {"providers": [dataclasses.asdict(i) for i in infos],
                                 "errors": [dataclasses.asdict(e) for e in errors]},
                           self._modules)
        return infos, errors

    def register_commands(self, commands: Any) -> None:
        """Let plugins add CLI subcommands (loads plugins)."""
        self.load()
        for impl in self.pm.hook.voicekit_register_commands.get_hookimpls():
            try:
                impl.function(commands=commands)
            except Exception as exc:
                self._record_error(impl.plugin_name, None, exc)


def _wanted_plugins() -> set[str] | None:
    value = os.environ.get("VOICEKIT_LOAD_PLUGINS")
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def _capability_name(capability: type[Capability] | str) -> str:
    name = capability if isinstance(capability, str) else capability.__name__
    if name not in BY_NAME:
        raise ConfigurationError(
            f"unknown capability {name!r}; known: {', '.join(BY_NAME)}"
        )
    return name


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry (created on first use)."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = Registry()
    return _registry


def providers(capability: type[Capability] | str | None = None) -> list[ProviderInfo]:
    """Installed providers, optionally only those that have ``capability``."""
    return get_registry().providers(capability)


def plugin_errors() -> list[PluginError]:
    """Plugins that failed to load, and why."""
    return get_registry().errors()


def connect(name: str, **options: Any) -> Provider:
    """Connect to provider ``name``.

    Every provider takes ``base_url=``, ``timeout=``, ``max_retries=``, ``allow_http=``,
    ``clock=`` and its credentials by their lower-case names (``api_key=``). Missing
    credentials are read from the environment or the key file.

    Raises:
        ProviderNotInstalled: not installed (the message gives the pip command).
        MissingCredentials: a key is nowhere to be found.
    """
    return get_registry().connect(name, **options)


def require(provider: object, capability: type[C] | str) -> C:
    """Check ``provider`` has ``capability`` and return it typed as such.

    Raises CapabilityNotSupported naming the installed providers that do have it.
    """
    return get_registry().require(provider, capability)




