#!/usr/bin/env bash
# Does the pinned set (pyproject.toml's dependencies under requirements/constraints.txt) resolve
# on the platforms the README lists, beyond the one CI runs on? uv resolves for a target Python
# and platform without that Python on the machine; environment markers are evaluated for the
# target (so macOS gets `tensorflow`, Linux `tensorflow-cpu`).
#   usage: scripts/check-resolution.sh <uv>
set -euo pipefail
uv="$1"
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "3.12 x86_64-manylinux_2_28" "3.13 x86_64-manylinux_2_28" "3.12 aarch64-apple-darwin"; do
    read -r python platform <<<"$target"
    if out=$("$uv" pip compile pyproject.toml --extra dev --extra docs \
        -c requirements/constraints.txt --python-version "$python" --python-platform "$platform" \
        --no-header --no-annotate 2>"$log"); then
        echo "ok      Python $python on $platform: $(grep -c '==' <<<"$out") packages, $(grep -m1 -E '^tensorflow(-cpu)?==' <<<"$out")"
    else
        echo "FAILED  Python $python on $platform:"; tail -n 15 "$log"
        status=1
    fi
done
exit $status
