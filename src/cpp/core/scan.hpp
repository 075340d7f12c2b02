// Scans of a short array of doubles for its largest value and where it is, shared by the greedy and descent:
// the maximum and the matches run over SIMD lanes where available (SSE2), with the scalar rules kept exactly;
// has_avx2() picks the AVX2 builds of the fused scans in greedy.cpp and descent.cpp.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <limits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EDGESCHED_AVX2_SCAN 1
#include <immintrin.h>
#endif
// A plain loop built twice, its AVX2 build picked at load time where the CPU has it (GCC on x86-64 Linux; one
// build elsewhere): the same operations in both, no fused multiply-add, so the same values.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define EDGESCHED_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EDGESCHED_CLONES
#endif

namespace edgesched {

#ifdef EDGESCHED_AVX2_SCAN
// Whether the scans run their AVX2 builds (functions with __attribute__((target("avx2"))), picked at run time
// where the CPU has AVX2; they compute the same values as the portable loops beside them, which the
// environment variable EDGESCHED_NO_AVX2 (any value) selects instead, so that tests can compare the two).
inline bool has_avx2() {
    static const bool avx2 = __builtin_cpu_supports("avx2") && !std::getenv("EDGESCHED_NO_AVX2");
    return avx2;
}
#endif

// The largest of s[0..n) (NaN never counts; -inf if none). Over SIMD lanes where available: maxpd keeps its
// second operand unless the first is greater, so NaN never enters.
inline double largest(const double* s, std::size_t n) {
    double top = -std::numeric_limits<double>::infinity();
    std::size_t i = 0;
#if defined(__SSE2__)
    __m128d m0 = _mm_set1_pd(-std::numeric_limits<double>::infinity()), m1 = m0;
    for (; i + 4 <= n; i += 4) {
        m0 = _mm_max_pd(_mm_loadu_pd(s + i), m0);
        m1 = _mm_max_pd(_mm_loadu_pd(s + i + 2), m1);
    }
    alignas(16) double lanes[2];
    _mm_store_pd(lanes, _mm_max_pd(m0, m1));
    top = lanes[0] > lanes[1] ? lanes[0] : lanes[1];
#endif
    for (; i < n; ++i) top = s[i] > top ? s[i] : top;
    return top;
}

// Calls f(i), in increasing i, for every i < n with s[i] == value (kEqual) or s[i] >= value (kAtLeast); the
// hits are rare, so the test runs over SIMD lanes where available.
enum class Match { kEqual, kAtLeast };
template <Match how, class F>
void for_each_match(const double* s, std::size_t n, double value, F f) {
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128d v = _mm_set1_pd(value);
    auto test = [&](std::size_t at) {
        const __m128d x = _mm_loadu_pd(s + at);
        return _mm_movemask_pd(how == Match::kEqual ? _mm_cmpeq_pd(x, v) : _mm_cmpge_pd(x, v));
    };
    for (; i + 4 <= n; i += 4) {
        const int hit = test(i) | (test(i + 2) << 2);
        if (hit == 0) continue;
        for (std::size_t q = 0; q < 4; ++q)
            if (hit & (1 << q)) f(i + q);
    }
#endif
    for (; i < n; ++i)
        if (how == Match::kEqual ? s[i] == value : s[i] >= value) f(i);
}

}  // namespace edgesched
