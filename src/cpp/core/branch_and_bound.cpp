#include "branch_and_bound.hpp"

#include "decomposition.hpp"
#include "descent.hpp"
#include "relaxation.hpp"
#include "reduced_cost.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace edgesched {

namespace {

class BranchAndBound {
public:
    BranchAndBound(const OptionTable& t, Span<std::int32_t> best, const SearchLimits& lim)
        : t_(t), best_(best), lim_(lim), fixed_(t.n_devices(), -1), trial_(t.n_devices()),
          deadline_{std::chrono::steady_clock::now(), lim.time_limit_s} {
        incumbent_ = total_cost(t, Span<const std::int32_t>(best));
    }

    SearchResult run(const DualState& root, double root_bound) {
        const std::size_t N = t_.n_devices();
        SearchResult r;
        // First the reduced-cost search at the root multipliers, on half the node budget: near the dual
        // maximum it usually finishes within a few sets, each O(1).
        ReducedCostSearch rcs(t_, root, root_bound, incumbent_, lim_.rel_tol);
        double rc_pruned = kInf;
        if (rcs.run(best_, incumbent_, lim_.node_limit / 2, nodes_, rc_pruned, deadline_)) {
            r.cost = incumbent_;
            r.nodes = nodes_;
            r.proven = true;
            r.lower_bound = std::max(std::min(root_bound, incumbent_), std::min(incumbent_, rc_pruned));
            return r;
        }
        // Otherwise depth first on the dual bound, every device whose other options cannot pay fixed at the
        // rounding (no choice moving one of them beats the first incumbent by more than the tolerance).
        pruned_min_ = rcs.fixing_bound();
        for (std::size_t n = 0; n < N; ++n)
            if (!rcs.free(n)) fixed_[n] = rcs.base(n);
        // Branch first on the devices whose two best options are closest in linearised price: those
        // the bound is least sure about.
        std::vector<double> regret(N, kInf);
        for (std::size_t n = 0; n < N; ++n) {
            if (fixed_[n] >= 0) continue;
            double b1 = kInf, b2 = kInf;
            for (std::size_t o = t_.option(n, 0); o < t_.option(n, 0) + t_.n_options(n); ++o) {
                const double v = priced(t_, root, o);
                if (v < b1) {
                    b2 = b1;
                    b1 = v;
                } else if (v < b2) {
                    b2 = v;
                }
            }
            regret[n] = b2 - b1;
            order_.push_back(n);
        }
        std::stable_sort(order_.begin(), order_.end(),
                         [&](std::size_t a, std::size_t b) { return regret[a] < regret[b]; });
        visit(0, root);
        r.cost = incumbent_;
        r.nodes = nodes_;
        r.proven = !stopped_ && !too_deep_;
        r.lower_bound = std::min(root_bound, incumbent_);
        // A finished search pruned every node at a bound no lower than pruned_min_.
        if (r.proven) r.lower_bound = std::max(r.lower_bound, std::min(incumbent_, pruned_min_));
        return r;
    }

private:

    bool out_of_budget() {
        if (stopped_) return true;
        if (nodes_ >= lim_.node_limit) stopped_ = true;
        if ((nodes_ & 63u) == 0 && deadline_.passed()) stopped_ = true;
        return stopped_;
    }

    void consider(Span<const std::int32_t> choice) {
        const double c = total_cost(t_, choice);
        if (c < incumbent_) {
            incumbent_ = c;
            std::copy(choice.begin(), choice.end(), best_.begin());
        }
    }

    void visit(std::size_t depth, DualState dual) {
        if (out_of_budget()) return;
        if (depth > kMaxDepth) {  // the call stack's limit: leave the subtree unexplored (no proof)
            too_deep_ = true;
            return;
        }
        ++nodes_;
        const Span<const std::int32_t> fixed(fixed_.data(), fixed_.size());
        if (depth == order_.size()) {  // every device fixed: a leaf
            consider(fixed);
            pruned_min_ = std::min(pruned_min_, total_cost(t_, fixed));
            return;
        }
        const double bound = dual_bound(t_, fixed, dual, 2, kBisectionSteps);
        if (bound >= incumbent_ - lim_.rel_tol * std::abs(incumbent_)) {
            pruned_min_ = std::min(pruned_min_, bound);
            return;
        }
        // A cheap primal: round the node's relaxation (fixed devices keep their option).
        const Span<std::int32_t> trial(trial_.data(), trial_.size());
        dual_rounding(t_, dual, fixed, trial);
        consider(Span<const std::int32_t>(trial));
        const std::size_t n = order_[depth];
        const auto K = static_cast<std::int32_t>(t_.n_options(n));
        std::vector<std::pair<double, std::int32_t>> kids;
        kids.reserve(static_cast<std::size_t>(K));
        for (std::int32_t k = 0; k < K; ++k) kids.emplace_back(priced(t_, dual, t_.option(n, k)), k);
        std::sort(kids.begin(), kids.end());
        for (const auto& [price, k] : kids) {
            fixed_[n] = k;
            visit(depth + 1, dual);
            if (stopped_) break;
        }
        fixed_[n] = -1;
    }

    const OptionTable& t_;
    Span<std::int32_t> best_;
    SearchLimits lim_;
    std::vector<std::int32_t> fixed_, trial_;
    std::vector<std::size_t> order_;
    Deadline deadline_;
    double incumbent_ = kInf, pruned_min_ = kInf;
    std::uint64_t nodes_ = 0;
    bool stopped_ = false, too_deep_ = false;
    // Deepest node searched: each level is a stack frame of visit() (about 220-350 bytes, by -fstack-usage),
    // so a dive through every device of a huge table stops here, at about 0.7 MB of stack: within the 2 MB
    // that glibc gives a new thread when the stack limit is unlimited, and far within the usual 8 MB.
    static constexpr std::size_t kMaxDepth = 2048;
};

}  // namespace

SearchResult branch_and_bound(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                              const DualState& root, double root_bound) {
    return BranchAndBound(t, choice, limits).run(root, root_bound);
}

SearchResult solve_bnb(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits) {
    DualState dual;
    double bound = dual_bound(t, {}, dual, 4, kBisectionSteps);
    if (t.n_servers() > 1 && servers_coupled(t, {})) {  // servers sharing devices: the decomposition's search
        bound = relaxation_optimum(t, {}, dual, RelaxationLimits{}).bound;
        dual_rounding(t, dual, {}, choice);
        descent(t, choice, std::numeric_limits<std::size_t>::max());
        SearchResult r = decomposition_search(t, choice, limits, dual, bound);
        r.prices = std::move(dual);
        return r;
    }
    dual_rounding(t, dual, {}, choice);
    descent(t, choice, std::numeric_limits<std::size_t>::max());
    SearchResult r = branch_and_bound(t, choice, limits, dual, bound);
    r.prices = std::move(dual);
    return r;
}

}  // namespace edgesched
