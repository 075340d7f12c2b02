#include "reduced_cost.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgesched {

ReducedCostSearch::ReducedCostSearch(const OptionTable& t, const DualState& dual, double bound, double incumbent,
                                     double rel_tol)
    : t_(t), g_(bound), rel_tol_(rel_tol), base_(t.n_devices()), choice_(t.n_devices()),
      free_(t.n_devices(), 0) {
    const std::size_t N = t.n_devices();
    dual_rounding(t, dual, {}, Span<std::int32_t>(base_.data(), base_.size()));
    // Rounding. The bounds g + sum rc and the running totals are sums of up to ~N terms each no larger in
    // magnitude than, respectively, P (priced options and the penalty) and Q (every linear cost and every
    // server's largest possible squares): each is off by at most about N ulps of its scale. The tests are
    // widened by 16 (N + 8) ulps, so that no set is left out, and no set skipped unchecked, by rounding
    // (on tables whose terms span many decades the margins grow and the search checks more sets exactly).
    double P = penalty(t, dual);
    for (std::size_t n = 0; n < N; ++n) {
        double p = 0.0;
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
            p = std::max(p, std::abs(priced(t, dual, o)));
        P += p;
    }
    const double Q = rounding_scale(t);
    const double ulps = 16.0 * (static_cast<double>(N) + 8.0) * std::numeric_limits<double>::epsilon();
    bound_slack_ = ulps * P;
    total_slack_ = ulps * Q;
    const double fit = incumbent - rel_tol * std::abs(incumbent) - g_ + bound_slack_;
    for (std::size_t n = 0; n < N; ++n) {
        const double best = priced(t, dual, t.option(n, base_[n]));
        for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)); ++k) {
            if (k == base_[n]) continue;
            const double rc = priced(t, dual, t.option(n, k)) - best;
            if (rc < fit) {
                items_.push_back({rc, n, k});
                free_[n] = 1;
            } else {
                fixing_bound_ = std::min(fixing_bound_, g_ + rc - bound_slack_);
            }
        }
    }
    // By reduced cost; items of equal reduced cost by the move they make, so that interchangeable items (alike
    // devices) sit side by side, each run in device order.
    std::stable_sort(items_.begin(), items_.end(), [&](const Item& a, const Item& b) {
        if (a.rc != b.rc) return a.rc < b.rc;
        return move_key(a) < move_key(b);
    });
}

ReducedCostSearch::MoveKey ReducedCostSearch::move_key(const Item& it) const {
    const std::size_t from = t_.option(it.n, base_[it.n]), to = t_.option(it.n, it.k);
    return {t_.linear[from], t_.linear[to], t_.c[from], t_.c[to], t_.w[from], t_.w[to], t_.server[from],
            t_.server[to]};
}

bool ReducedCostSearch::run(Span<std::int32_t> best, double& incumbent, std::uint64_t node_limit,
                            std::uint64_t& nodes, double& pruned_min, const Deadline& deadline) {
    const std::size_t N = t_.n_devices();
    pruned_min = std::min(pruned_min, fixing_bound_);
    std::copy(base_.begin(), base_.end(), choice_.begin());
    Loads l = compute_loads(t_, Span<const std::int32_t>(choice_.data(), N));
    double quad = l.total(t_) - l.linear;
    auto server_term = [&](std::size_t j) { return t_.A[j] * l.U[j] * l.U[j] + t_.B[j] * l.V[j] * l.V[j]; };
    auto offer = [&]() {
        if (l.linear + quad < incumbent + total_slack_) {  // confirmed from scratch: the running sums round
            const double exact = total_cost(t_, Span<const std::int32_t>(choice_.data(), N));
            if (exact < incumbent) {
                incumbent = exact;
                std::copy(choice_.begin(), choice_.end(), best.begin());
            }
        }
    };
    offer();
    // The taken items, each with the sums it changed as they were before (undone exactly).
    struct Taken {
        std::size_t item;
        double sum, linear, quad, u[2], v[2];
    };
    std::vector<Taken> stack;
    std::vector<char> moved(N, 0);
    double sum = 0.0;  // reduced costs of the taken items
    std::size_t next = 0;
    // The servers an item's move touches: those of its base option and of its option, each once.
    auto servers = [&](const Item& it, std::int32_t (&sv)[2]) {
        sv[0] = t_.server[t_.option(it.n, base_[it.n])];
        sv[1] = t_.server[t_.option(it.n, it.k)];
        if (sv[1] == sv[0]) sv[1] = -1;
    };
    for (;;) {
        // The first item from `next` on whose device is at its base option: if it does not fit, no later
        // one does (they cost more), and the set cannot grow.
        while (next < items_.size() && moved[items_[next].n]) ++next;
        if (next < items_.size()) {
            const Item& it = items_[next];
            if (sum + it.rc < incumbent - rel_tol_ * std::abs(incumbent) - g_ + bound_slack_) {
                if (nodes >= node_limit || ((nodes & 4095u) == 0 && deadline.passed())) return false;
                ++nodes;
                std::int32_t sv[2];
                servers(it, sv);
                Taken tk{next, sum, l.linear, quad, {0.0, 0.0}, {0.0, 0.0}};
                for (int i = 0; i < 2; ++i) {
                    if (sv[i] < 0) continue;
                    const auto j = static_cast<std::size_t>(sv[i]);
                    tk.u[i] = l.U[j];
                    tk.v[i] = l.V[j];
                    quad -= server_term(j);
                }
                apply_move(t_, l, t_.option(it.n, base_[it.n]), t_.option(it.n, it.k));
                for (int i = 0; i < 2; ++i)
                    if (sv[i] >= 0) quad += server_term(static_cast<std::size_t>(sv[i]));
                choice_[it.n] = it.k;
                moved[it.n] = 1;
                sum += it.rc;
                stack.push_back(tk);
                offer();
                ++next;
                continue;
            }
            pruned_min = std::min(pruned_min, g_ + sum + it.rc - bound_slack_);
        }
        if (stack.empty()) return true;
        const Taken tk = stack.back();
        stack.pop_back();
        const Item& it = items_[tk.item];
        std::int32_t sv[2];
        servers(it, sv);
        for (int i = 0; i < 2; ++i) {
            if (sv[i] < 0) continue;
            l.U[static_cast<std::size_t>(sv[i])] = tk.u[i];
            l.V[static_cast<std::size_t>(sv[i])] = tk.v[i];
        }
        l.linear = tk.linear;
        quad = tk.quad;
        sum = tk.sum;
        choice_[it.n] = base_[it.n];
        moved[it.n] = 0;
        // Every set with this item is done. An interchangeable item (the same move: alike devices) in its place
        // would give the same sums, so the sets with it and without this one are skipped: of a run of alike
        // items, only its first k are ever taken together, k + 1 sets where there were 2^(run length).
        const MoveKey key = move_key(it);
        next = tk.item + 1;
        while (next < items_.size() && items_[next].rc == it.rc && move_key(items_[next]) == key) ++next;
    }
}

}  // namespace edgesched
