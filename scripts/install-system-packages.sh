#!/usr/bin/env bash
# Programs pip cannot provide: Graphviz's `dot` (keras.utils.plot_model), Chromium (UI tests),
# PostgreSQL (the team tracking server, `make tracking-server`) and g++ (the compiled kernels of
# sparse training, scripts/build-kernels.sh).
# Installed from Debian's packages when we can (root with apt-get); otherwise we say what is
# missing and carry on: plot_model then skips its images with a warning.
set -euo pipefail
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "warning: please install ${need[*]} with your system's package manager" >&2
    echo "         (without graphviz, model plots are skipped; without chromium, UI tests fail;" >&2
    echo "          without postgresql, make tracking-server and its tests fail;" >&2
    echo "          without g++, sparse training uses slower TensorFlow ops)" >&2
fi
