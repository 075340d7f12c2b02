#include "warm.hpp"

#include "descent.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace edgesched {

namespace {

// Candidates per server and direction for pair moves (about as good as 16 on city tables, half the time).
constexpr std::size_t kPairCandidates = 8;

// A move of device n from option a to option b (global option indices) and its change of the total.
struct Move {
    double delta;
    std::size_t n, a, b;
};

// Change of server s's loads (U_s, V_s) by a move.
std::pair<double, double> load_change(const OptionTable& t, const Move& m, std::int32_t s) {
    double du = 0.0, dv = 0.0;
    if (t.server[m.b] == s) du += t.c[m.b], dv += t.w[m.b];
    if (t.server[m.a] == s) du -= t.c[m.a], dv -= t.w[m.a];
    return {du, dv};
}

// Change of the total when two devices' moves x and y are made together: A_s (U_s + du_x + du_y)^2 -
// A_s U_s^2 = (x's change) + (y's change) + 2 A_s du_x du_y on every server s both touch (B_s, V_s likewise).
double pair_delta(const OptionTable& t, const Move& x, const Move& y) {
    double d = x.delta + y.delta;
    const std::int32_t sx[2] = {t.server[x.a], t.server[x.b]};
    for (int i = 0; i < 2; ++i) {
        const std::int32_t s = sx[i];
        if (s < 0 || (i == 1 && s == sx[0]) || (t.server[y.a] != s && t.server[y.b] != s)) continue;
        const auto [ux, vx] = load_change(t, x, s);
        const auto [uy, vy] = load_change(t, y, s);
        const auto j = static_cast<std::size_t>(s);
        d += 2.0 * (t.A[j] * ux * uy + t.B[j] * vx * vy);
    }
    return d;
}

}  // namespace

std::size_t pair_exchange(const OptionTable& t, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices(), S = t.n_servers(), L = kPairCandidates;
    std::vector<Move> off(S * L), on(S * L);  // per server, sorted by delta
    std::vector<std::size_t> n_off(S), n_on(S);
    std::vector<std::pair<double, std::pair<Move, Move>>> found;
    std::vector<char> server_used(S), device_used(N);
    // Insert m into server j's sorted list of at most L moves, if it is among the L cheapest.
    auto offer = [&](std::vector<Move>& list, std::vector<std::size_t>& count, std::size_t j, const Move& m) {
        Move* v = &list[j * L];
        std::size_t& k = count[j];
        if (k == L && !(m.delta < v[L - 1].delta)) return;
        std::size_t i = k < L ? k++ : L - 1;
        for (; i > 0 && m.delta < v[i - 1].delta; --i) v[i] = v[i - 1];
        v[i] = m;
    };
    std::size_t applied = 0;
    for (;;) {
        const Loads l = compute_loads(t, Span<const std::int32_t>(choice));
        const double tol = 1e-13 * std::abs(l.total(t));
        std::fill(n_off.begin(), n_off.end(), 0);
        std::fill(n_on.begin(), n_on.end(), 0);
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t a = t.option(n, choice[n]);
            const std::int32_t sa = t.server[a];
            for (std::size_t b = t.option(n, 0); b < t.option(n, 0) + t.n_options(n); ++b) {
                const std::int32_t sb = t.server[b];
                if (sb == sa) continue;  // no trade: the same server, or none on both sides
                const Move m{move_delta(t, l, a, b), n, a, b};
                if (sa >= 0) offer(off, n_off, static_cast<std::size_t>(sa), m);
                if (sb >= 0) offer(on, n_on, static_cast<std::size_t>(sb), m);
            }
        }
        found.clear();
        for (std::size_t j = 0; j < S; ++j) {
            double best = -tol;
            const Move *bx = nullptr, *by = nullptr;
            for (std::size_t p = 0; p < n_off[j]; ++p) {
                for (std::size_t q = 0; q < n_on[j]; ++q) {
                    const Move &x = off[j * L + p], &y = on[j * L + q];
                    if (x.n == y.n) continue;
                    const double d = pair_delta(t, x, y);
                    if (d < best) best = d, bx = &x, by = &y;
                }
            }
            if (bx) found.push_back({best, {*bx, *by}});
        }
        if (found.empty()) break;
        std::stable_sort(found.begin(), found.end(), [](const auto& u, const auto& v) { return u.first < v.first; });
        std::fill(server_used.begin(), server_used.end(), 0);
        std::fill(device_used.begin(), device_used.end(), 0);
        for (const auto& [d, xy] : found) {
            const std::int32_t touched[4] = {t.server[xy.first.a], t.server[xy.first.b], t.server[xy.second.a],
                                             t.server[xy.second.b]};
            bool free = !device_used[xy.first.n] && !device_used[xy.second.n];
            for (const std::int32_t s : touched) free = free && (s < 0 || !server_used[static_cast<std::size_t>(s)]);
            if (!free) continue;
            for (const std::int32_t s : touched)
                if (s >= 0) server_used[static_cast<std::size_t>(s)] = 1;
            for (const Move& m : {xy.first, xy.second}) {
                device_used[m.n] = 1;
                choice[m.n] = static_cast<std::int32_t>(m.b - t.option(m.n, 0));
            }
            ++applied;
        }
        descent(t, choice, std::numeric_limits<std::size_t>::max());
    }
    return applied;
}

SearchResult solve_warm(const OptionTable& t, Span<std::int32_t> choice, const DualState* prices,
                        const SearchLimits& limits) {
    const std::size_t N = t.n_devices();
    const std::size_t max_moves = std::numeric_limits<std::size_t>::max();
    descent(t, choice, max_moves);  // A
    SearchResult r;
    r.prices = prices ? *prices : tangent_point(t, compute_loads(t, Span<const std::int32_t>(choice)));
    // Any multipliers give a valid bound (docs/model.md §5); one warm sweep brings them back near the maximum
    // of the dual after the table's small change (exactly there when each device uses one server).
    const double bound = dual_bound(t, {}, r.prices, 1, kBisectionSteps, true);
    std::vector<std::int32_t> cand(N);  // B
    const Span<std::int32_t> cs(cand.data(), N);
    dual_rounding(t, r.prices, {}, cs);
    descent(t, cs, max_moves);
    if (total_cost(t, Span<const std::int32_t>(cs)) < total_cost(t, Span<const std::int32_t>(choice)))
        std::copy(cand.begin(), cand.end(), choice.begin());
    pair_exchange(t, choice);
    r.cost = total_cost(t, Span<const std::int32_t>(choice));
    r.lower_bound = std::min(bound, r.cost);
    r.proven = r.cost - r.lower_bound <= limits.rel_tol * std::abs(r.cost);
    return r;
}

}  // namespace edgesched
