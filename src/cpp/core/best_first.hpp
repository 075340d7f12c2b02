// The exact search of coupled tables (docs/model.md §6.2): best-first branch-and-bound on the relaxation's
// certified optimum (relaxation.hpp), branching on the device the relaxation mixes most.
#pragma once
#include <cstdint>
#include <vector>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// `choice` holds an incumbent on entry and the best choice found on exit; `root` and `root_bound` are the
// relaxation's maximiser and value over the whole table. Options whose reduced cost at `root` alone closes the gap
// are left out (reduced-cost fixing); each node then solves the relaxation with its devices fixed, warm-started
// from its parent's multipliers, and is pruned once its bound reaches the incumbent less the tolerance. Nodes are
// expanded lowest bound first, so that the smallest open bound is a certified lower bound at any stop. Each node's
// relaxation rounded, then improved by descent, is a candidate schedule. Stops at `node_limit` nodes or
// `time_limit_s`; `proven` when no node is left.
SearchResult best_first(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        const DualState& root, double root_bound);

}  // namespace edgesched
