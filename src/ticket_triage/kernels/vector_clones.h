// The row loops' runtime dispatch: one library for every x86-64 CPU.
//
// The library is built for a baseline (-march=x86-64-v2, any x86-64 CPU since 2009), so it
// never dies with an illegal instruction on a CPU older than the one that built it. The few
// loops that carry the arithmetic are compiled three times more (AVX-512, AVX2, the baseline)
// and the loader picks the widest the CPU runs, once, at load time (GCC's target_clones, an
// ifunc). Elsewhere (another architecture, another compiler) they are compiled once.
#ifndef TICKET_TRIAGE_KERNELS_VECTOR_CLONES_H_
#define TICKET_TRIAGE_KERNELS_VECTOR_CLONES_H_

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TICKET_TRIAGE_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TICKET_TRIAGE_VECTOR_CLONES
#endif

#endif  // TICKET_TRIAGE_KERNELS_VECTOR_CLONES_H_
