#!/usr/bin/env bash
# Run README's first quick-start command in a fresh copy of the checkout (fresh venv) and
# check that hello.wav holds speech: a sane sample rate, > 0.5 s, and non-silent samples.
set -euo pipefail
cd "$(dirname "$0")/.."

# the first ```sh block after "## Quick start"
command=$(awk '/^## Quick start/{q=1} q&&/^```sh/{b=1;next} b&&/^```/{exit} b{print}' README.md)
if [ -z "$command" ]; then
    echo "no quick-start command found in README.md" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# tracked and untracked-but-not-ignored files: what a fresh clone of this work tree holds
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"

echo "== in a fresh copy: $command"
(cd "$work" && bash -c "$command")

"$work/.venv/bin/python" - "$work/hello.wav" <<'PY'
import array, sys, wave

with wave.open(sys.argv[1]) as w:
    rate, width, frames = w.getframerate(), w.getsampwidth(), w.getnframes()
    pcm = array.array("h", w.readframes(frames))
seconds = frames / rate
peak = max(abs(s) for s in pcm)
print(f"hello.wav: {rate} Hz, {seconds:.2f} s, peak {peak}")
assert 8000 <= rate <= 48000 and width == 2, (rate, width)
assert seconds > 0.5, seconds
assert peak > 1000, "silent audio"
PY
echo "quick start OK"
