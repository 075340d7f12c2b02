#include "descent.hpp"

#include "scan.hpp"

#include <cmath>
#include <utility>
#include <vector>

namespace edgesched {

namespace {

// Each device's best single move (its change of the total and its menu index) under a tournament tree:
// every node holds the device with the smallest delta in its subtree, ties to the lower index, so the
// root is the first best move in scan order. Padding leaves hold device N (delta +inf).
class MoveTree {
public:
    explicit MoveTree(std::size_t n) : n_(n), delta_(n + 1, kInf), to_(n + 1, -1) {
        while (leaves_ < n) leaves_ *= 2;
        win_.assign(2 * leaves_, n);
    }
    void set(std::size_t n, double delta, std::int32_t to) {
        delta_[n] = delta;
        to_[n] = to;
    }
    void build() {
        for (std::size_t n = 0; n < n_; ++n) win_[leaves_ + n] = n;
        for (std::size_t v = leaves_ - 1; v >= 1; --v) win_[v] = winner(v);
    }
    // After set(n, ...): replay n's matches up to the root, stopping where a match's winner neither
    // changed nor is n (the nodes above are then unchanged too).
    void update(std::size_t n) {
        for (std::size_t v = (leaves_ + n) / 2; v >= 1; v /= 2) {
            const std::size_t w = winner(v);
            if (w == win_[v] && w != n) break;
            win_[v] = w;
        }
    }
    std::size_t top() const { return win_[1]; }
    double delta(std::size_t n) const { return delta_[n]; }
    std::int32_t option(std::size_t n) const { return to_[n]; }

private:
    std::size_t winner(std::size_t v) const {
        const std::size_t a = win_[2 * v], b = win_[2 * v + 1];  // a < b: the left subtree's indices are lower
        return delta_[b] < delta_[a] ? b : a;
    }
    std::size_t n_, leaves_ = 1;
    std::vector<double> delta_;
    std::vector<std::int32_t> to_;
    std::vector<std::size_t> win_;
};

// The gain of device n's move (minus its delta) in descent_paper: -(sign to_edge + (A dc (U2 + dc) + B dw (V2 +
// dw))) with dc = sign c, dw = sign w; move_delta's arithmetic, operation for operation.
inline double paper_gain(double sign, double to_edge, double c, double w, double A, double B, double U2, double V2) {
    const double dc = sign * c, dw = sign * w;
    return -(sign * to_edge + (A * dc * (U2 + dc) + B * dw * (V2 + dw)));
}

// The first device n < N of the largest gain, and that gain (-inf and N if none counts; NaN never does).
std::pair<double, std::size_t> best_gain_scalar(const double* sign, const double* to_edge, const double* c,
                                                const double* w, double A, double B, double U2, double V2,
                                                std::size_t N) {
    double top = -kInf;
    std::size_t at = N;
    for (std::size_t n = 0; n < N; ++n) {
        const double g = paper_gain(sign[n], to_edge[n], c[n], w[n], A, B, U2, V2);
        if (g > top) top = g, at = n;
    }
    return {top, at};
}

#ifdef EDGESCHED_AVX2_SCAN
// best_gain_scalar over 4 lanes (AVX2 where the CPU has it): per lane the first largest gain (positions rise
// within a lane), then the lanes' winners, ties to the lowest device. The same operations, no fused
// multiply-add: the same gains.
__attribute__((target("avx2"))) std::pair<double, std::size_t> best_gain_avx2(
    const double* sign, const double* to_edge, const double* c, const double* w, double A, double B, double U2,
    double V2, std::size_t N) {
    const __m256d a = _mm256_set1_pd(A), b = _mm256_set1_pd(B), u2 = _mm256_set1_pd(U2), v2 = _mm256_set1_pd(V2);
    const __m256d minus = _mm256_set1_pd(-0.0), four = _mm256_set1_pd(4.0);  // -x flips the sign bit
    __m256d top = _mm256_set1_pd(-kInf), at = _mm256_set1_pd(kInf), pos = _mm256_set_pd(3.0, 2.0, 1.0, 0.0);
    std::size_t n = 0;
    for (; n + 4 <= N; n += 4) {
        const __m256d sg = _mm256_loadu_pd(sign + n);
        const __m256d dc = _mm256_mul_pd(sg, _mm256_loadu_pd(c + n)), dw = _mm256_mul_pd(sg, _mm256_loadu_pd(w + n));
        const __m256d quad = _mm256_add_pd(_mm256_mul_pd(_mm256_mul_pd(a, dc), _mm256_add_pd(u2, dc)),
                                           _mm256_mul_pd(_mm256_mul_pd(b, dw), _mm256_add_pd(v2, dw)));
        const __m256d g = _mm256_xor_pd(minus, _mm256_add_pd(_mm256_mul_pd(sg, _mm256_loadu_pd(to_edge + n)), quad));
        const __m256d take = _mm256_cmp_pd(g, top, _CMP_GT_OQ);
        top = _mm256_blendv_pd(top, g, take);
        at = _mm256_blendv_pd(at, pos, take);
        pos = _mm256_add_pd(pos, four);
    }
    alignas(32) double lane[4], lane_at[4];
    _mm256_store_pd(lane, top);
    _mm256_store_pd(lane_at, at);
    double best = -kInf, best_at = kInf;
    for (int q = 0; q < 4; ++q)
        if (lane[q] > best || (lane[q] == best && lane_at[q] < best_at)) best = lane[q], best_at = lane_at[q];
    std::size_t where = best_at < kInf ? static_cast<std::size_t>(best_at) : N;
    for (; n < N; ++n) {
        const double g = paper_gain(sign[n], to_edge[n], c[n], w[n], A, B, U2, V2);
        if (g > best) best = g, where = n;
    }
    return {best, where};
}
#endif

// Descent on the paper's table with one server (option 0 without it, option 1 on it): each device has one
// move, and all of them are priced in one vectorised pass with move_delta's arithmetic, operation for operation
// (from option 1 the linear change and the load change are the negations of those from option 0, exactly in
// floating point). The first device of the smallest delta moves, as in descent's scan.
std::size_t descent_paper(const OptionTable& t, Span<std::int32_t> choice, Loads& l, std::size_t max_moves) {
    const std::size_t N = t.n_devices();
    std::vector<double> sign(N), to_edge(N), c(N), w(N);
    for (std::size_t n = 0; n < N; ++n) {
        const std::size_t o = t.option(n, 1);
        to_edge[n] = t.linear[o] - t.linear[t.option(n, 0)];  // linear change of the move to the server
        c[n] = t.c[o];
        w[n] = t.w[o];
        sign[n] = choice[n] == 0 ? 1.0 : -1.0;
    }
    const double A = t.A[0], B = t.B[0];
    std::size_t moves = 0;
    while (moves < max_moves) {
        const double tol = 1e-13 * std::abs(l.total(t));
        const double U2 = 2.0 * l.U[0], V2 = 2.0 * l.V[0];
        // The largest gain (minus the move's delta) and the first device reaching it.
#ifdef EDGESCHED_AVX2_SCAN
        const auto [top, bn] = has_avx2() ? best_gain_avx2(sign.data(), to_edge.data(), c.data(), w.data(), A, B, U2, V2, N)
                                          : best_gain_scalar(sign.data(), to_edge.data(), c.data(), w.data(), A, B, U2, V2, N);
#else
        const auto [top, bn] = best_gain_scalar(sign.data(), to_edge.data(), c.data(), w.data(), A, B, U2, V2, N);
#endif
        if (!(top > tol)) break;  // no delta below -tol
        const std::int32_t to = 1 - choice[bn];
        apply_move(t, l, t.option(bn, choice[bn]), t.option(bn, to));
        choice[bn] = to;
        sign[bn] = -sign[bn];
        ++moves;
    }
    return moves;
}

}  // namespace

std::size_t descent(const OptionTable& t, Span<std::int32_t> choice, std::size_t max_moves) {
    const std::size_t N = t.n_devices();
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    if (t.n_servers() == 1 && is_paper_table(t)) return descent_paper(t, choice, l, max_moves);
    // A move of one device changes the loads of at most two servers (docs/model.md §4), so only the devices with
    // an option on them (and the mover) can see their move deltas change: each device's best move is kept,
    // and a tournament tree over the devices gives the best of all.
    std::vector<std::size_t> dev_ptr, devs;
    devices_by_server(t, {}, dev_ptr, devs);
    MoveTree tree(N);
    // Device n's best move: the lowest menu index reaching the smallest delta (+inf, index -1 for none).
    auto best_move = [&](std::size_t n) {
        const std::size_t a = t.option(n, choice[n]);
        const auto K = static_cast<std::int32_t>(t.n_options(n));
        double best = kInf;
        std::int32_t bk = -1;
        for (std::int32_t k = 0; k < K; ++k) {
            if (k == choice[n]) continue;
            const double d = move_delta(t, l, a, t.option(n, k));
            if (d < best) {
                best = d;
                bk = k;
            }
        }
        tree.set(n, best, bk);
    };
    for (std::size_t n = 0; n < N; ++n) best_move(n);
    tree.build();
    // Devices already recomputed for the current move (a device may have options on both servers).
    std::vector<std::size_t> stamp(N, 0);
    std::size_t moves = 0;
    while (moves < max_moves) {
        // An improvement must beat rounding noise on the total, or descent could cycle on ties. The tree's
        // winner is the lowest (device, option) among the smallest deltas: the first best in scan order.
        const double tol = 1e-13 * std::abs(l.total(t));
        const std::size_t bn = tree.top();
        if (!(tree.delta(bn) < -tol)) break;
        const std::size_t a = t.option(bn, choice[bn]), b = t.option(bn, tree.option(bn));
        apply_move(t, l, a, b);
        choice[bn] = tree.option(bn);
        ++moves;
        auto refresh = [&](std::size_t n) {
            if (stamp[n] == moves) return;
            stamp[n] = moves;
            best_move(n);
            tree.update(n);
        };
        refresh(bn);
        for (const std::int32_t s : {t.server[a], t.server[b]}) {
            if (s < 0) continue;
            const auto j = static_cast<std::size_t>(s);
            for (std::size_t i = dev_ptr[j]; i < dev_ptr[j + 1]; ++i) refresh(devs[i]);
        }
    }
    return moves;
}

}  // namespace edgesched
