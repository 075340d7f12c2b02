#include "greedy.hpp"

#include "scan.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace edgesched {

namespace {

// Scores ((l1 + Ac U) + Bw V) - l0 of n devices into s (a loop the compiler vectorises, with an AVX2 build:
// 4 lanes instead of 2, the same scores); returns the largest.
EDGESCHED_CLONES double block_scores(const double* l0, const double* l1, const double* Ac, const double* Bw, double U, double V,
                    std::size_t n, double* s) {
    for (std::size_t i = 0; i < n; ++i) s[i] = (l1[i] + Ac[i] * U + Bw[i] * V) - l0[i];
    return largest(s, n);
}

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Over positions i < n, the device dev[i] (indices as doubles: exact below 2^53) of the largest score
// ((l1 + Ac U) + Bw V) - l0, ties to the lowest device; kNone if no score counts (NaN never does). The
// same operations as block_scores, in one pass, nothing stored.
std::size_t best_score_scalar(const double* l0, const double* l1, const double* Ac, const double* Bw,
                              const double* dev, double U, double V, std::size_t n) {
    double top = -kInf, top_dev = kInf;
    for (std::size_t i = 0; i < n; ++i) {
        const double s = (l1[i] + Ac[i] * U + Bw[i] * V) - l0[i];
        if (s > top || (s == top && dev[i] < top_dev)) top = s, top_dev = dev[i];
    }
    return top_dev < kInf ? static_cast<std::size_t>(top_dev) : kNone;
}

#ifdef EDGESCHED_AVX2_SCAN
// One step of best_score_avx2: the scores of devices i .. i+3 against one set of lanes.
__attribute__((target("avx2"))) inline void best_score_step(const double* l0, const double* l1, const double* Ac,
                                                            const double* Bw, const double* dev, __m256d u,
                                                            __m256d v, std::size_t i, __m256d& top,
                                                            __m256d& top_dev) {
    const __m256d s = _mm256_sub_pd(
        _mm256_add_pd(_mm256_add_pd(_mm256_loadu_pd(l1 + i), _mm256_mul_pd(_mm256_loadu_pd(Ac + i), u)),
                      _mm256_mul_pd(_mm256_loadu_pd(Bw + i), v)),
        _mm256_loadu_pd(l0 + i));
    const __m256d d = _mm256_loadu_pd(dev + i);
    const __m256d take = _mm256_or_pd(
        _mm256_cmp_pd(s, top, _CMP_GT_OQ),
        _mm256_and_pd(_mm256_cmp_pd(s, top, _CMP_EQ_OQ), _mm256_cmp_pd(d, top_dev, _CMP_LT_OQ)));
    top = _mm256_blendv_pd(top, s, take);
    top_dev = _mm256_blendv_pd(top_dev, d, take);
}

// best_score_scalar over 2 x 4 lanes (AVX2, picked at run time where the CPU has it): per lane the best score
// and its device (two sets of lanes, so that consecutive steps do not wait on each other), then the lanes'
// winners by the same rule. Multiplications and additions as in the scalar loop, no fused multiply-add: the
// same scores.
__attribute__((target("avx2"))) std::size_t best_score_avx2(const double* l0, const double* l1, const double* Ac,
                                                            const double* Bw, const double* dev, double U, double V,
                                                            std::size_t n) {
    const __m256d u = _mm256_set1_pd(U), v = _mm256_set1_pd(V);
    __m256d top0 = _mm256_set1_pd(-kInf), top1 = top0, dev0 = _mm256_set1_pd(kInf), dev1 = dev0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        best_score_step(l0, l1, Ac, Bw, dev, u, v, i, top0, dev0);
        best_score_step(l0, l1, Ac, Bw, dev, u, v, i + 4, top1, dev1);
    }
    if (i + 4 <= n) best_score_step(l0, l1, Ac, Bw, dev, u, v, i, top0, dev0), i += 4;
    alignas(32) double lane[8], lane_dev[8];
    _mm256_store_pd(lane, top0);
    _mm256_store_pd(lane + 4, top1);
    _mm256_store_pd(lane_dev, dev0);
    _mm256_store_pd(lane_dev + 4, dev1);
    double best = -kInf, best_dev = kInf;
    for (int q = 0; q < 8; ++q)
        if (lane[q] > best || (lane[q] == best && lane_dev[q] < best_dev)) best = lane[q], best_dev = lane_dev[q];
    for (; i < n; ++i) {
        const double s = (l1[i] + Ac[i] * U + Bw[i] * V) - l0[i];
        if (s > best || (s == best && dev[i] < best_dev)) best = s, best_dev = dev[i];
    }
    return best_dev < kInf ? static_cast<std::size_t>(best_dev) : kNone;
}
#endif

std::size_t best_score(const double* l0, const double* l1, const double* Ac, const double* Bw, const double* dev,
                       double U, double V, std::size_t n) {
#ifdef EDGESCHED_AVX2_SCAN
    if (has_avx2()) return best_score_avx2(l0, l1, Ac, Bw, dev, U, V, n);
#endif
    return best_score_scalar(l0, l1, Ac, Bw, dev, U, V, n);
}

// Most devices of a table that paper_greedy_one_block handles (its arrays live on the stack).
constexpr std::size_t kOneBlock = 256;

// The paper's greedy (Sec. IV-C) where every device's edge option is on one server and the table is small (N <=
// kOneBlock): start with every device offloaded; every iteration scans the devices still offloaded, kept packed
// (a moved device's place takes the last one's), in one fused pass. The same scores, ties and stopping rule as
// paper_greedy.
std::size_t paper_greedy_one_block(const OptionTable& t, std::size_t j, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices();
    double l0[kOneBlock], l1[kOneBlock], Ac[kOneBlock], Bw[kOneBlock], dev[kOneBlock];
    std::size_t pos[kOneBlock];  // device n's position
    double U = 0.0, V = 0.0;  // in device order, as compute_loads sums them
    for (std::size_t n = 0; n < N; ++n) {
        const std::size_t o1 = t.option(n, 1);
        choice[n] = 1;
        l0[n] = t.linear[t.option(n, 0)];
        l1[n] = t.linear[o1];
        Ac[n] = t.A[j] * t.c[o1];
        Bw[n] = t.B[j] * t.w[o1];
        dev[n] = static_cast<double>(n);
        pos[n] = n;
        U += t.c[o1];
        V += t.w[o1];
    }
    std::size_t n_on = N, moved = 0;
    while (n_on > 0) {
        const std::size_t k = best_score(l0, l1, Ac, Bw, dev, U, V, n_on);
        if (k == kNone) break;
        const std::size_t o1 = t.option(k, 1);
        // As in paper_greedy: F_{1,k}, then the change of the total if k moves to local.
        const double f1 = t.linear[o1] + t.A[j] * t.c[o1] * U + t.B[j] * t.w[o1] * V;
        const double delta = t.linear[t.option(k, 0)] - f1 - t.A[j] * t.c[o1] * (U - t.c[o1]) -
                             t.B[j] * t.w[o1] * (V - t.w[o1]);
        if (!(delta < 0.0)) break;
        choice[k] = 0;
        U -= t.c[o1];
        V -= t.w[o1];
        ++moved;
        const std::size_t i = pos[k], last = static_cast<std::size_t>(dev[--n_on]);
        l0[i] = l0[n_on], l1[i] = l1[n_on], Ac[i] = Ac[n_on], Bw[i] = Bw[n_on], dev[i] = dev[n_on];
        pos[last] = i;
    }
    return moved;
}

// The devices of a two-option table ordered by their server, then by (c, w) of their option 1 to about six
// digits (the leading 32 bits of each, whose bit patterns order like the values since c, w >= 0): a radix sort
// (eight byte passes over a 64-bit key, then a counting pass by server; each pass is stable), with each
// position's key. Only how tight the greedy's block bounds are depends on this order, not its choices.
void order_by_server_c_w(const OptionTable& t, std::vector<std::size_t>& order, std::vector<std::uint64_t>& key) {
    const std::size_t N = order.size();
    auto lead = [](double x) {
        std::uint64_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        return bits >> 32;
    };
    key.resize(N);
    std::vector<std::uint64_t> key_tmp(N);
    std::vector<std::size_t> tmp(N);
    for (std::size_t n = 0; n < N; ++n) {
        const std::size_t o = t.option(n, 1);
        key[n] = lead(t.c[o]) << 32 | lead(t.w[o]);
        order[n] = n;
    }
    for (int shift = 0; shift < 64; shift += 8) {
        std::size_t count[257] = {};
        for (std::size_t i = 0; i < N; ++i) ++count[((key[i] >> shift) & 0xff) + 1];
        if (std::find(count + 1, count + 257, N) != count + 257) continue;  // one digit for all: nothing moves
        for (std::size_t d = 0; d < 256; ++d) count[d + 1] += count[d];
        for (std::size_t i = 0; i < N; ++i) {
            const std::size_t at = count[(key[i] >> shift) & 0xff]++;
            key_tmp[at] = key[i];
            tmp[at] = order[i];
        }
        key.swap(key_tmp);
        order.swap(tmp);
    }
    std::vector<std::size_t> start(t.n_servers() + 1, 0);
    auto server = [&](std::size_t n) { return static_cast<std::size_t>(t.server[t.option(n, 1)]); };
    for (std::size_t n = 0; n < N; ++n) ++start[server(n) + 1];
    for (std::size_t j = 0; j < t.n_servers(); ++j) start[j + 1] += start[j];
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t at = start[server(order[i])]++;
        tmp[at] = order[i];
        key_tmp[at] = key[i];
    }
    order.swap(tmp);
    key.swap(key_tmp);
}

// A device's score terms as the greedy's scans store them: its server, the linear costs of its options, and the
// products A c and B w of its edge option (docs/model.md §3).
struct Terms {
    std::size_t server;
    double l0, l1, Ac, Bw;
};
Terms terms_of(const OptionTable& t, std::size_t n) {
    const std::size_t o1 = t.option(n, 1), j = static_cast<std::size_t>(t.server[o1]);
    return {j, t.linear[t.option(n, 0)], t.linear[o1], t.A[j] * t.c[o1], t.B[j] * t.w[o1]};
}
// The terms' bit patterns (equal patterns: equal scores at every load, computed by the same operations).
std::array<std::uint64_t, 5> bits_of(const Terms& x) {
    std::array<std::uint64_t, 5> b{x.server, 0, 0, 0, 0};
    std::memcpy(&b[1], &x.l0, 8);
    std::memcpy(&b[2], &x.l1, 8);
    std::memcpy(&b[3], &x.Ac, 8);
    std::memcpy(&b[4], &x.Bw, 8);
    return b;
}

// Groups `order` (devices sorted by server, then by `key`, the leading bits of c and w, each run of equal keys in
// increasing index) into classes of devices whose terms are equal bit for bit, so whose scores are equal at every
// load. Keeps in `order` one device per class, its lowest index (in the order of the classes), and links the
// others in increasing index: next[n] is the device after n in its class, kNone after the last. Devices of equal
// terms share their server and key, so only runs of equal ones are sorted (by terms, stably); a device whose key
// no other device shares is a class of its own, at the cost of one comparison of neighbours.
void group_alike(const OptionTable& t, std::vector<std::size_t>& order, const std::vector<std::uint64_t>& key,
                 std::vector<std::size_t>& next) {
    const std::size_t N = order.size();
    auto server = [&](std::size_t n) { return t.server[t.option(n, 1)]; };
    next.assign(N, kNone);
    std::vector<std::pair<std::array<std::uint64_t, 5>, std::size_t>> run;
    std::size_t E = 0;  // classes so far
    for (std::size_t lo = 0; lo < N;) {
        std::size_t hi = lo + 1;
        while (hi < N && key[hi] == key[lo] && server(order[hi]) == server(order[lo])) ++hi;
        if (hi - lo == 1) {
            order[E++] = order[lo];
        } else {
            run.clear();
            for (std::size_t i = lo; i < hi; ++i) run.push_back({bits_of(terms_of(t, order[i])), order[i]});
            std::stable_sort(run.begin(), run.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            for (std::size_t i = 0; i < run.size(); ++i) {
                if (i == 0 || run[i].first != run[i - 1].first)
                    order[E++] = run[i].second;
                else
                    next[run[i - 1].second] = run[i].second;
            }
        }
        lo = hi;
    }
    order.resize(E);
}

std::size_t paper_greedy_blocks(const OptionTable& t, Span<std::int32_t> choice);

}  // namespace

std::size_t paper_greedy(const OptionTable& t, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices();
    if (N == 0) return 0;
    if (N <= kOneBlock) {
        const std::int32_t j = t.server[t.option(0, 1)];
        bool one_server = true;
        for (std::size_t n = 1; n < N; ++n) one_server = one_server && t.server[t.option(n, 1)] == j;
        if (one_server) return paper_greedy_one_block(t, static_cast<std::size_t>(j), choice);
    }
    return paper_greedy_blocks(t, choice);
}

namespace {

// The paper's greedy on any two-option table (paper_greedy), by blocks of devices and their bounds.
std::size_t paper_greedy_blocks(const OptionTable& t, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices();
    // Sec. IV-C: start with every device offloaded (N_1 = all devices).
    for (std::size_t n = 0; n < N; ++n) choice[n] = 1;
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    auto edge = [&](std::size_t n) { return t.option(n, 1); };
    auto server = [&](std::size_t n) { return static_cast<std::size_t>(t.server[edge(n)]); };

    // Score of device n, the paper's F_{1,n} - F_{0,n}: eq. (11) under Theorem 2 (its own edge cost
    // b2*p*M*d/R + (b1/F)*c_n*U + b1*w_n*V) minus eq. (10) (the linear cost of the local option).
    auto score = [&](std::size_t n, double& f1) {
        const std::size_t o1 = edge(n), j = server(n);
        f1 = t.linear[o1] + t.A[j] * t.c[o1] * l.U[j] + t.B[j] * t.w[o1] * l.V[j];
        return f1 - t.linear[t.option(n, 0)];
    };

    // The argmax need not rescan every device. A score is a_n + (A c)_n U + (B w)_n V with the products
    // as stored (rounded), and a server's U and V only fall. Devices are cut into blocks sorted by
    // (server, c, w). A block scanned when its server's loads were (U_r, V_r) had best score s_r; as long as
    // it loses no device, no score in it can now exceed  s_r - Ac_min (U_r - U) - Bw_min (V_r - V), with
    // Ac_min and Bw_min the block's smallest stored products: a tight bound, since the block's devices have
    // similar c and w. Each iteration scans the blocks whose bound can beat the best score found. Ranking is
    // (score, lower index first), the tie rule of a full scan, and the scores are computed exactly as a
    // full scan would, so the sequence of choices is the paper's.
    //
    // Devices whose terms are equal bit for bit (alike devices: a class, group_alike) have equal scores at
    // every load, so a full scan would pick the lowest index among them first: each class is one entry of the
    // scans, standing for its lowest-index device still offloaded. Without this, n alike devices tie at every
    // move, every block's bound (its slack above the score) beats the best found, and every move rescans them
    // all: O(n^2).
    using Entry = std::pair<double, std::size_t>;  // (score or bound, device)
    auto ranks_below = [](const Entry& a, const Entry& b) {
        return a.first < b.first || (a.first == b.first && a.second > b.second);
    };
    std::vector<std::size_t> order(N), next;
    for (std::size_t n = 0; n < N; ++n) order[n] = n;
    if (N > kOneBlock) {
        std::vector<std::uint64_t> key;
        order_by_server_c_w(t, order, key);
        group_alike(t, order, key, next);  // `order`: one device per class
    } else {  // small tables: every device a class of its own
        next.assign(N, kNone);
    }
    const std::size_t E = order.size();  // entries of the scans: the classes
    // Small tables (several servers here: one server is paper_greedy_one_block's) are a block per server.
    const std::size_t bs = E <= kOneBlock ? E : static_cast<std::size_t>(2.0 * std::sqrt(double(E)));
    // Per position of the scans (an entry, standing for its class's lowest index still offloaded, order[i]), the
    // terms of the score laid out for the scan: a score is (linear_1 + (A c) U + (B w) V) - linear_0, the same
    // operations in the same order as `score`. Per device standing for its class, its block and position.
    std::vector<double> l0(E), l1(E), Ac(E), Bw(E);
    std::vector<std::size_t> block_of(N), pos_of(N);
    std::vector<std::size_t> b_begin, b_end, b_server;
    std::vector<double> b_Ac, b_Bw, b_mag, b_K, b_K_next;
    std::vector<Entry> b_best;
    for (std::size_t b = 0; b < E;) {
        const std::size_t j = server(order[b]);
        double Ac_min = kInf, Bw_min = kInf, mag = 0.0;
        std::size_t e = b;
        for (; e < E && e - b < bs && server(order[e]) == j; ++e) {
            const std::size_t n = order[e], o1 = edge(n);
            l0[e] = t.linear[t.option(n, 0)];
            l1[e] = t.linear[o1];
            Ac[e] = t.A[j] * t.c[o1];
            Bw[e] = t.B[j] * t.w[o1];
            block_of[n] = b_begin.size();
            pos_of[n] = e;
            Ac_min = std::min(Ac_min, Ac[e]);
            Bw_min = std::min(Bw_min, Bw[e]);
            mag = std::max(mag, std::abs(l1[e]) + std::abs(l0[e]));
        }
        b_begin.push_back(b);
        b_end.push_back(e);
        b_server.push_back(j);
        b_Ac.push_back(Ac_min);
        b_Bw.push_back(Bw_min);
        b_mag.push_back(mag);
        b = e;
    }
    const std::size_t n_blocks = b_begin.size();
    b_K.assign(n_blocks, 0.0);
    b_K_next.assign(n_blocks, 0.0);
    b_best.assign(n_blocks, {-kInf, N});
    double f1 = 0.0;
    std::vector<double> s(bs);  // one block's scores
    // A bound K + Ac_min U + Bw_min V from a score scanned at the present loads; -inf without a score. The
    // slack has an absolute floor for subnormal magnitudes; a bound lost to overflow (NaN) is +inf, so the
    // block is always rescanned rather than never.
    auto bound_from = [&](std::size_t k, double score) {
        const std::size_t j = b_server[k];
        const double shared = b_Ac[k] * l.U[j] + b_Bw[k] * l.V[j];
        const double K = score - shared + 1e-12 * (std::abs(score) + shared + b_mag[k]) +
                         64.0 * std::numeric_limits<double>::denorm_min();
        return score == -kInf ? -kInf : (K == K ? K : kInf);
    };
    auto scan = [&](std::size_t k) {
        const std::size_t j = b_server[k], lo = b_begin[k], n = b_end[k] - lo;
        // The block's largest score, then the lowest device index reaching it (NaN never ranks).
        const double top = block_scores(&l0[lo], &l1[lo], &Ac[lo], &Bw[lo], l.U[j], l.V[j], n, s.data());
        Entry best{-kInf, N};
        std::size_t at = n;
        for_each_match<Match::kEqual>(s.data(), n, top, [&](std::size_t i) {
            if (order[lo + i] < best.second) best = {top, order[lo + i]}, at = i;
        });
        b_best[k] = best;
        b_K[k] = best.second == N ? -kInf : bound_from(k, top);
        // The next best score: the block's bound once its best entry has gone, without rescanning it (a block
        // loses no other entry before its next scan: a device moves only as the best of a scan).
        if (at < n) s[at] = -kInf;
        b_K_next[k] = best.second == N ? -kInf : bound_from(k, largest(s.data(), n));
    };
    auto remove = [&](std::size_t n) {  // swap n's position with its block's last one still offloaded
        const std::size_t i = pos_of[n], e = --b_end[block_of[n]];
        std::swap(order[i], order[e]);
        std::swap(l0[i], l0[e]);
        std::swap(l1[i], l1[e]);
        std::swap(Ac[i], Ac[e]);
        std::swap(Bw[i], Bw[e]);
        pos_of[order[i]] = i;
        pos_of[order[e]] = e;
    };
    for (std::size_t k = 0; k < n_blocks; ++k) scan(k);
    std::vector<double> bound(n_blocks);

    std::size_t moved = 0;
    for (;;) {
        // Scan the best-bounded block (ties: the lower best device), then every other block whose bound can
        // still beat the best found (in block order: the best only rises, so every block left unscanned ranks
        // below it). A bound lost to overflow (NaN) is +inf: the block is scanned.
        for (std::size_t b = 0; b < n_blocks; ++b) {
            const double x = b_K[b] + b_Ac[b] * l.U[b_server[b]] + b_Bw[b] * l.V[b_server[b]];
            bound[b] = x == x ? x : kInf;
        }
        std::size_t top = n_blocks;
        for_each_match<Match::kEqual>(bound.data(), n_blocks, largest(bound.data(), n_blocks), [&](std::size_t b) {
            if (top == n_blocks || b_best[b].second < b_best[top].second) top = b;
        });
        scan(top);
        Entry best = b_best[top];
        for_each_match<Match::kAtLeast>(bound.data(), n_blocks, best.first, [&](std::size_t b) {
            if (b == top || !ranks_below(best, {bound[b], b_best[b].second})) return;
            scan(b);
            if (ranks_below(best, b_best[b])) best = b_best[b];
        });
        const std::size_t k = best.second;
        if (k == N) break;  // every device is local
        score(k, f1);
        // Change of the total if k moves to local: its own costs swap, and the others on its server
        // lose the share k held of the CPU and the airtime (the squares of Theorem 2, docs/model.md §3).
        const std::size_t o0 = t.option(k, 0), o1 = edge(k), j = server(k);
        const double delta = t.linear[o0] - f1 - t.A[j] * t.c[o1] * (l.U[j] - t.c[o1]) -
                             t.B[j] * t.w[o1] * (l.V[j] - t.w[o1]);
        if (!(delta < 0.0)) break;  // the total does not strictly decrease: put k back and stop
        choice[k] = 0;
        l.U[j] -= t.c[o1];
        l.V[j] -= t.w[o1];
        ++moved;
        const std::size_t b = block_of[k], after = next[k];
        if (after != kNone) {
            // The next device of k's class stands for it: the same score at every load, so the block's bound
            // from its last scan (whose best this class was) still holds.
            order[pos_of[k]] = after;
            pos_of[after] = pos_of[k];
            block_of[after] = b;
        } else {
            remove(k);
            b_K[b] = b_K_next[b];  // the block lost its best entry: bounded by its next best
        }
        b_best[b].second = 0;  // which ranks first among equal bounds (a rescan decides)
    }
    return moved;
}

}  // namespace

}  // namespace edgesched
