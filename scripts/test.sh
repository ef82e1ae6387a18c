#!/usr/bin/env bash
# Install everything needed for the tests into .venv (idempotent) and run the whole suite:
# the core tests, then each plugin's tests in its own pytest process, then ruff and mypy,
# and a check that docs/capabilities.md is what the registry generates.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh -k keys -x      # extra arguments go to every pytest run
#
# Environment: VOICEKIT_VENV (default .venv), PYTHON (default python3, >= 3.10),
# VOICEKIT_SKIP_LINT=1 to skip ruff and mypy.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VOICEKIT_VENV:-.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv"
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"

# voicekit-core with every extra the tests use, and every plugin (editable) with its test extra
packages=(-e ".[dev]")
plugins=()
for dir in plugins/voicekit-*/; do
    dir="${dir%/}"
    if [ -f "$dir/pyproject.toml" ]; then
        packages+=(-e "$dir[test]")
        plugins+=("$dir")
    fi
done
echo "== installing voicekit-core and ${#plugins[@]} plugin(s) into $venv"
"$py" -m pip install --quiet --disable-pip-version-check "${packages[@]}"

failed=()
run_pytest() {
    local label="$1"; shift
    echo "== pytest $label"
    local status=0
    "$py" -m pytest "$@" || status=$?
    # 5 = no tests collected: acceptable for a plugin whose tests are not written yet
    if [ "$status" -ne 0 ] && { [ "$status" -ne 5 ] || [ "$label" = core ]; }; then
        failed+=("$label (exit $status)")
    fi
}

# The core tests, then each plugin's tests in its own process (plugin test modules and
# conftest files never meet each other).
run_pytest core tests "$@"
for dir in "${plugins[@]}"; do
    if [ -d "$dir/tests" ]; then
        run_pytest "$(basename "$dir")" "$dir/tests" "$@"
    fi
done

if [ "${VOICEKIT_SKIP_LINT:-0}" != 1 ]; then
    echo "== ruff"
    "$venv/bin/ruff" check . || failed+=("ruff")
    echo "== mypy (strict on voicekit_core)"
    "$venv/bin/mypy" || failed+=("mypy")
fi

echo "== docs/capabilities.md matches the registry (regenerate: nox -s docs)"
"$venv/bin/voicekit" docs matrix --check -o docs/capabilities.md || failed+=("capability matrix")

if [ "${#failed[@]}" -ne 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "all passed"
