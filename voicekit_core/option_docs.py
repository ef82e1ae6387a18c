"""Option tables of a provider, generated from its :func:`~voicekit_core.options.operation`
declarations (for ``docs/providers/<name>.md`` and help texts), so they never drift from
what the code accepts.
"""

from __future__ import annotations

from typing import Any

from .options import OperationInfo

__all__ = ["operations", "options_markdown"]


def operations(cls: type[Any]) -> dict[str, OperationInfo]:
    """The declared operations of a provider class, by method name (sorted)."""
    found: dict[str, OperationInfo] = {}
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        info = getattr(getattr(cls, name, None), "__voicekit_operation__", None)
        if isinstance(info, OperationInfo):
            found[name] = info
    return found


def options_markdown(cls: type[Any], *, heading: str = "###") -> str:
    """One Markdown table per declared operation: its options, what each accepts, the
    default and the help text, plus ``max_credits`` / ``on_upload_progress`` where taken;
    then the provider's own ``connect()`` settings, when it declares ``Settings``."""
    lines: list[str] = []
    for name, info in operations(cls).items():
        lines.append(f"{heading} `{name}()`\n")
        rows = [(spec.name, spec.limit, _default(spec.default), spec.help)
                for spec in info.options.specs()]
        if info.spends:
            rows.append(("max_credits", "a number, >= 0", "no limit",
                         "refuse the call (nothing sent) when it would cost more"))
        if info.uploads:
            rows.append(("on_upload_progress", "a callable", "-",
                         "called with (bytes sent, total or None) while uploading"))
        if not rows:
            lines.append("No options.\n")
            continue
        lines.append("| Option | Accepts | Default | Meaning |")
        lines.append("|---|---|---|---|")
        lines.extend(f"| `{o}` | {_cell(a)} | {_cell(d)} | {_cell(h)} |" for o, a, d, h in rows)
        lines.append("")
    settings = getattr(cls, "Settings", None)
    if settings is not None:
        lines.append(f"{heading} `connect()` settings\n")
        lines.append("| Setting | Accepts | Default | Meaning |")
        lines.append("|---|---|---|---|")
        lines.extend(f"| `{spec.name}` | {_cell(spec.limit)} | "
                     f"{'not set' if spec.default is None else f'`{spec.default!r}`'} "
                     f"| {_cell(spec.help)} |" for spec in settings.specs())
        lines.append("")
    return "\n".join(lines)


def _default(value: Any) -> str:
    return "vendor default" if value is None else f"`{value!r}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "-"
