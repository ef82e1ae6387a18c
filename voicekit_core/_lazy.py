"""Lazy re-exports (PEP 562) driven by one ``name -> module`` table.

A facade module lists where each public name lives; the name is imported on first use,
so importing the facade costs nothing and does not fail while one module is broken.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ExportTable", "lazy_exports"]

#: ``public name -> (module, attribute)``; the module is relative to the package
#: (``"jobs"``). ``"errormap|http"`` tries ``errormap`` first, then ``http``.
ExportTable = Mapping[str, tuple[str, str]]


def _import(package: str, modules: str) -> Any:
    *preferred, last = modules.split("|")
    for module in preferred:
        try:
            return importlib.import_module(f"{package}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{module}":
                raise
    return importlib.import_module(f"{package}.{last}")


def lazy_exports(
    module: str, package: str, table: ExportTable, namespace: dict[str, Any],
    *, submodules: bool = False,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``module`` (whose globals are ``namespace``).

    Table entries are looked up in ``package``; with ``submodules``, any other name is
    tried as a submodule of ``module``. A loaded value is cached in ``namespace``.
    """

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            if submodules and not name.startswith("__"):
                try:
                    return importlib.import_module(f"{module}.{name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{module}.{name}":
                        raise
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(_import(package, target[0]), target[1])
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
