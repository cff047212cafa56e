#!/usr/bin/env bash
# Compile SparseRMSprop's row update (src/ticket_triage/optimizers/rmsprop_rows.cc) against the
# TensorFlow in the venv. Without a C++ compiler we say so and carry on: SparseRMSprop then
# updates its rows with TensorFlow ops, the same arithmetic, more slowly.
#   usage: scripts/build-rmsprop-rows.sh <python of the venv>
set -euo pipefail
python="$1"
source=src/ticket_triage/optimizers/rmsprop_rows.cc
library=src/ticket_triage/optimizers/_rmsprop_rows.so
if ! command -v g++ >/dev/null 2>&1; then
    echo "warning: no g++: SparseRMSprop will update rows with TensorFlow ops (slower)" >&2
    exit 0
fi
read -r -a flags < <("$python" -c "import tensorflow as tf; \
print(' '.join(tf.sysconfig.get_compile_flags() + tf.sysconfig.get_link_flags()))" 2>/dev/null)
# -fno-math-errno lets the row loop use vector square roots; -ffp-contract=off keeps the
# arithmetic of Keras's RMSprop (no fused multiply-adds), so results match it to rounding.
g++ -O3 -march=native -fno-math-errno -ffp-contract=off -shared -fPIC \
    -Wno-deprecated-declarations -Wno-interference-size "$source" -o "$library" "${flags[@]}"
echo "built $library"
