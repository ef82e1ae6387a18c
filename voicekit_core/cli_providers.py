"""``voicekit providers``: kept light (no provider, HTTP or options machinery imported), so
listing what is installed costs little more than starting Python."""

from __future__ import annotations

import argparse
import os
import sys

from . import registry
from .cli_output import print_json, print_table
from .credentials import load_keys
from .errors import ConfigurationError
from .registry import ProviderInfo

__all__ = ["cmd_providers"]


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _credential_state(info: ProviderInfo, stored: dict[str, dict[str, str]]
                      ) -> dict[str, bool]:
    """For each credential env var: configured (env or key file)? Never reads values out.
    A white-label vendor's base URL counts as one (``NAME_BASE_URL``)."""
    mine = stored.get(info.name, {})
    names = (*info.credentials, info.base_url_env) if info.needs_base_url \
        else info.credentials
    return {env: bool(os.environ.get(env)) or bool(mine.get(env)) for env in names}


def _missing_text(state: dict[str, bool], info: ProviderInfo) -> str:
    missing = [k for k, v in state.items() if not v]
    words = ["base URL missing" if k == info.base_url_env else f"missing {k}" for k in missing]
    return ", ".join(words)


def _safe_keys() -> dict[str, dict[str, str]]:
    try:
        return load_keys()
    except ConfigurationError as exc:
        _err(f"voicekit: warning: {exc}")
        return {}


def cmd_providers(args: argparse.Namespace) -> int:
    infos, errors = registry.get_registry().listing()
    if args.errors:
        if args.json:
            print_json([{"plugin": e.plugin, "distribution": e.distribution, "error": e.error}
                        for e in errors])
        elif not errors:
            print("no plugin failed to load")
        else:
            print_table([(e.plugin, e.distribution or "-", e.error) for e in errors],
                        ("PLUGIN", "DISTRIBUTION", "ERROR"))
        return 0
    stored = _safe_keys()
    if args.json:
        rows = []
        for info in infos:
            state = _credential_state(info, stored)
            url_set = state.pop(info.base_url_env, True)
            rows.append({
                "name": info.name, "distribution": info.distribution, "version": info.version,
                "capabilities": list(info.capabilities), "credentials": state,
                "base_url_missing": not url_set,
                "configured": url_set and all(state.values()), "summary": info.summary,
            })
        print_json(rows)
    else:
        table = []
        for info in infos:
            state = _credential_state(info, stored)
            if not state:
                creds = "not needed"
            elif all(state.values()):
                creds = "configured"
            else:
                creds = _missing_text(state, info)
            table.append((info.name, info.distribution or "-", info.version or "-",
                          ",".join(info.capabilities), creds))
        if table:
            print_table(table, ("NAME", "DISTRIBUTION", "VERSION", "CAPABILITIES",
                                "CREDENTIALS"))
        else:
            print("no provider installed: pip install ./plugins/voicekit-espeak (offline "
                  "default, from a voicekit checkout)")
    if errors:
        _err(f"voicekit: {len(errors)} plugin(s) failed to load; see "
             "`voicekit providers --errors`")
    return 0
