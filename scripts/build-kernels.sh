#!/usr/bin/env bash
# Compile the project's TensorFlow kernels (src/ticket_triage/kernels/*.cc: TokenDense's training
# product, SparseRMSprop's row update) into one library, against the TensorFlow in the venv.
# Without a C++ compiler we say so and carry on: those layers then use TensorFlow ops, the same
# arithmetic, more slowly.
#   usage: scripts/build-kernels.sh <python of the venv>
set -euo pipefail
python="$1"
kernels=src/ticket_triage/kernels
library=$kernels/_kernels.so
if ! command -v g++ >/dev/null 2>&1; then
    echo "warning: no g++: TokenDense and SparseRMSprop will train with slower TensorFlow ops" >&2
    exit 0
fi
read -r -a flags < <("$python" -c "import tensorflow as tf; \
print(' '.join(tf.sysconfig.get_compile_flags() + tf.sysconfig.get_link_flags()))" 2>/dev/null)
# -fno-math-errno lets the row loops use vector square roots; -ffp-contract=off keeps Keras's
# arithmetic (no fused multiply-adds), so results match TensorFlow's ops to rounding.
g++ -O3 -march=native -fno-math-errno -ffp-contract=off -shared -fPIC \
    -Wno-deprecated-declarations -Wno-interference-size "$kernels"/*.cc -o "$library" "${flags[@]}"
echo "built $library"
