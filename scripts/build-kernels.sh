#!/usr/bin/env bash
# Compile the optional kernels of the sparse path (src/ticket_triage/kernels/*.cc: TokenDense's
# product, SparseRMSprop's row update) into one library, against the venv's TensorFlow.
#
#   scripts/build-kernels.sh <python of the venv>                 build the library
#   scripts/build-kernels.sh <python of the venv> --check M...    compile only, once per -march=M
#
# The kernels are a speed-up, never a requirement: when they cannot be built (no compiler, a
# compiler error, TensorFlow's headers missing) this prints one warning line naming the cause
# and exits 0; training then uses TensorFlow ops, the same arithmetic. TICKET_TRIAGE_KERNELS=off
# skips the build; =require makes a failure fail (benchmarks, the kernels' tests in CI).
#
# The library is portable: built for the x86-64-v2 baseline (KERNELS_MARCH to change it), its
# row loops dispatched at load time to AVX-512, AVX2 or the baseline (vector_clones.h), so it
# runs on any x86-64 CPU whatever CPU built it. Its name carries the TensorFlow version it was
# built against (_kernels.tf<version>.so), which the loader checks before loading.
set -uo pipefail
python="$1"
shift
mode="${TICKET_TRIAGE_KERNELS:-auto}"
kernels=src/ticket_triage/kernels
cxx="${CXX:-g++}"

fail() {  # the one warning line; a failure only where the kernels are required
    if [ "$mode" = require ]; then
        echo "error: kernels not built: $1 (TICKET_TRIAGE_KERNELS=require)" >&2
        exit 1
    fi
    echo "warning: kernels not built: $1; sparse training uses TensorFlow ops (same results, slower)" >&2
    exit 0
}

[ "$mode" = off ] && { echo "kernels not built: TICKET_TRIAGE_KERNELS=off"; exit 0; }
command -v "$cxx" >/dev/null 2>&1 || fail "no C++ compiler ($cxx)"
tf=$("$python" -c "import tensorflow as tf; print(tf.__version__); \
print(' '.join(tf.sysconfig.get_compile_flags() + tf.sysconfig.get_link_flags()))" 2>/dev/null) \
    || fail "TensorFlow's build flags are not available from $python"
version=$(head -n1 <<<"$tf")
read -r -a tf_flags <<<"$(tail -n1 <<<"$tf")"

# -fno-math-errno lets the row loops use vector square roots; -ffp-contract=off keeps Keras's
# arithmetic (no fused multiply-adds), so results match TensorFlow's ops to rounding.
flags=(-O3 -fno-math-errno -ffp-contract=off -fPIC -Wno-deprecated-declarations)
echo | "$cxx" -Wno-interference-size -x c++ -c - -o /dev/null 2>/dev/null \
    && flags+=(-Wno-interference-size)
target_flags() {  # $1: an -march value; empty on other architectures
    [ "$(uname -m)" = x86_64 ] || return 0
    local march=(-march="$1")
    if [ "$1" = znver4 ] && ! echo | "$cxx" -march=znver4 -x c++ -c - -o /dev/null 2>/dev/null; then
        # Compilers before GCC 12.3 lack the name: Zen 3 plus Zen 4's AVX-512 subsets.
        march=(-march=znver3 -mavx512f -mavx512cd -mavx512bw -mavx512dq -mavx512vl -mavx512ifma
               -mavx512vbmi -mavx512vbmi2 -mavx512bitalg -mavx512vnni -mavx512vpopcntdq
               -mavx512bf16)
    fi
    echo "${march[@]}"
    # TensorFlow's Eigen headers do not compile with AVX-512 FP16 under GCC 12 (Sapphire Rapids
    # and later have it): its half-precision packets are not used here, so leave them out.
    echo | "$cxx" -mno-avx512fp16 -x c++ -c - -o /dev/null 2>/dev/null && echo -mno-avx512fp16
}

if [ "${1:-}" = --check ]; then
    shift
    status=0
    for march in "$@"; do
        read -r -a target <<<"$(target_flags "$march" | tr '\n' ' ')"
        for source in "$kernels"/*.cc; do
            if "$cxx" "${flags[@]}" "${target[@]}" -c "$source" -o /dev/null "${tf_flags[@]}" \
                2>/tmp/kernels-check.$$; then
                echo "ok      -march=$march  $source"
            else
                echo "FAILED  -march=$march  $source:"; grep -m3 error /tmp/kernels-check.$$
                status=1
            fi
        done
    done
    rm -f /tmp/kernels-check.$$
    exit $status
fi

library="$kernels/_kernels.tf$version.so"
read -r -a target <<<"$(target_flags "${KERNELS_MARCH:-x86-64-v2}" | tr '\n' ' ')"
log=$(mktemp)
trap 'rm -f "$log" "$library.partial"' EXIT
if ! "$cxx" "${flags[@]}" "${target[@]}" -shared "$kernels"/*.cc -o "$library.partial" \
    "${tf_flags[@]}" 2>"$log"; then
    fail "$cxx failed ($(grep -m1 -i error "$log" || tail -n1 "$log"))"
fi
rm -f "$kernels"/_kernels*.so
mv "$library.partial" "$library"
echo "built $library"
