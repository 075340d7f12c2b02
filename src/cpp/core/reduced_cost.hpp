// Exact search around the relaxation, from the identity behind the dual bound (docs/model.md §6): for any
// multipliers (lambda_j, mu_j) and every choice x, completing the squares A U^2 = lambda U - lambda^2 / (4A)
// + A (U - lambda / (2A))^2 gives
//
//   total(x) = g(lambda, mu) + sum_n rc_n(x_n) + sum_j [ A_j (U_j - lambda_j / (2 A_j))^2
//                                                       + B_j (V_j - mu_j / (2 B_j))^2 ],
//
// with rc_n(o) = priced(o) - min_o' priced(o') >= 0 the reduced cost of device n's option o. Every term after
// g is >= 0, so a choice that beats the incumbent by more than tol differs from the rounding at the
// multipliers only in options whose reduced costs sum to less than incumbent - tol - g. Those sets are few
// near the dual maximum (a device whose reduced cost alone exceeds the gap is fixed: reduced-cost fixing), and
// each is one O(1) change of the previous, so they are enumerated: options sorted by reduced cost, a set
// extended by the next option that fits, depth first with an explicit stack. The incumbent only falls, so the
// sets pruned stay pruned. Interchangeable items (alike devices: the same move) are taken only in their
// sorted order, so a run of k of them costs k + 1 sets, not 2^k. Finishing proves that nothing cheaper than
// incumbent - tol exists.
#pragma once
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <vector>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

class ReducedCostSearch {
public:
    // Multipliers `dual` with dual value `bound`; `incumbent` the cost of the best choice known. Options whose
    // reduced cost alone reaches incumbent - tol - g are left out from the start (reduced-cost fixing).
    ReducedCostSearch(const OptionTable& t, const DualState& dual, double bound, double incumbent, double rel_tol);

    // Device n's option at the multipliers (the rounding), and whether any other option of it can still pay.
    std::int32_t base(std::size_t n) const { return base_[n]; }
    bool free(std::size_t n) const { return free_[n] != 0; }
    // No choice with an option left out costs less than this.
    double fixing_bound() const { return fixing_bound_; }

    // Improves `best` (of cost `incumbent`) in place, visiting at most `node_limit` sets (`nodes` counts
    // them); `pruned_min` receives the smallest bound g + sum rc of a set left out. Returns whether the search
    // finished: then no choice costs less than min(incumbent, pruned_min).
    bool run(Span<std::int32_t> best, double& incumbent, std::uint64_t node_limit, std::uint64_t& nodes,
             double& pruned_min, const Deadline& deadline);

private:
    struct Item {
        double rc;  // reduced cost of option k of device n
        std::size_t n;
        std::int32_t k;
    };
    // What an item's move changes: the linear costs, c and w of the options left and taken, and their servers.
    // Two items with the same key are interchangeable in every set (same reduced cost, same sums).
    using MoveKey = std::tuple<double, double, double, double, double, double, std::int32_t, std::int32_t>;
    MoveKey move_key(const Item& it) const;
    const OptionTable& t_;
    double g_, rel_tol_, fixing_bound_ = kInf;
    double bound_slack_ = 0.0, total_slack_ = 0.0;  // rounding margins of the bounds and of the running totals
    std::vector<std::int32_t> base_, choice_;
    std::vector<char> free_;
    std::vector<Item> items_;
};

}  // namespace edgesched
