// The exact search of the option model (docs/model.md §6): the reduced-cost enumeration, then
// branch-and-bound on the dual bound.
#pragma once
#include <cstdint>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The exact search. First the reduced-cost enumeration at the root multipliers, on half the node budget:
// total(x) = g + sum of x's reduced costs + completed squares (all >= 0), so only option sets whose reduced
// costs sum below incumbent - g can pay, and each is one O(1) change of the last (reduced_cost.hpp). If it does
// not finish, depth-first branch-and-bound on the dual bound, with the devices that cannot pay fixed. `choice`
// holds an incumbent on entry (its cost is the initial upper bound) and the best choice found on exit. `root`
// and `root_bound` are the caller's dual_bound of the whole table (the multipliers order the branching).
// Nodes count enumerated sets and branch-and-bound nodes alike.
SearchResult branch_and_bound(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                              const DualState& root, double root_bound);

// The `bnb` method: the dual bound from zero multipliers, its rounding improved by descent as the incumbent,
// then branch_and_bound within `limits`. The result's prices are the root multipliers.
SearchResult solve_bnb(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits);

}  // namespace edgesched
