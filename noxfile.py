"""nox sessions of the voicekit monorepo.

    nox -s tests        core alone, then each plugin in its own venv beside voicekit-core only
    nox -s lint         ruff
    nox -s typecheck    mypy, strict on voicekit_core
    nox -s docs         regenerate docs/capabilities.md from the registry
    nox -s bench        run bench/run_all.py (writes docs/performance.md)
    nox -s fuzz         bench/fuzz_all.py: 10,000 hostile answers and inputs per plugin

``scripts/test.sh`` (README's test command) runs everything in one venv instead; the
``tests`` session proves that each distribution installs and passes on its own.
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p.parent.name for p in ROOT.glob("plugins/voicekit-*/pyproject.toml"))

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
@nox.parametrize("package", ["voicekit-core", *PLUGINS])
def tests(session: nox.Session, package: str) -> None:
    """One distribution per venv: voicekit-core alone, or one plugin beside voicekit-core."""
    session.install(".[testing,media]")
    if package == "voicekit-core":
        session.run("pytest", "tests", *session.posargs)
        return
    session.install(f"./plugins/{package}[test]")
    # run from the plugin's directory so the installed package, not the checkout, is tested
    session.chdir(f"plugins/{package}")
    session.run("pytest", "tests", "-p", "no:cacheprovider", *session.posargs,
                success_codes=[0, 5])


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the whole tree."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy, strict on voicekit_core (see [tool.mypy] in pyproject.toml)."""
    session.install("-e", ".[testing,media,cli]", "mypy>=1.10", "types-requests")
    session.run("mypy")


def _install_all(session: nox.Session, extras: str = "") -> None:
    session.install(f".{extras}", *[f"./plugins/{p}" for p in PLUGINS])


@nox.session
def docs(session: nox.Session) -> None:
    """Regenerate docs/capabilities.md from the installed providers' registrations."""
    _install_all(session)
    session.run("voicekit", "docs", "matrix", "-o", "docs/capabilities.md")


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark and write docs/performance.md."""
    _install_all(session, "[dev]")
    session.run("python", "bench/run_all.py", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz every plugin (``nox -s fuzz -- gemelo -n 500`` for one, fewer examples)."""
    _install_all(session, "[dev]")
    session.run("python", "bench/fuzz_all.py", *session.posargs)
