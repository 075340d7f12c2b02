// The `warm` method: a re-solve of an option table (docs/model.md §4) that changed a little since its
// schedule was decided, and the pair moves it ends with.
#pragma once
#include <cstddef>
#include <cstdint>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Pair moves after descent. At a descent optimum every single move has delta >= 0, so two moves can only
// gain together through a server where one removes load and the other adds it: a trade. Per server, the
// kPairCandidates (warm.cpp) cheapest moves off it and onto it (to or from another server or none) are
// paired. A pass applies, best first, every server's best improving pair (one lowering the total by more
// than 1e-13 |total|, as in descent) that touches no server or device an earlier pair of the pass touched,
// so that its computed change stays exact; then descent. Passes repeat until one finds no improving pair.
// Returns the number of pairs applied.
std::size_t pair_exchange(const OptionTable& t, Span<std::int32_t> choice);

// Re-solve of a table that changed a little since `choice` (on entry: the schedule in force) was decided:
//   A: descent from `choice`;
//   B: the relaxation rounded at near-optimal prices, then descent: `prices` (the previous solve's
//      multipliers, which move little between such tables; null: the tangent prices at A) after one sweep
//      of dual ascent searched around them (dual_bound with `warm`);
// keeping the cheaper (A on a tie: fewer decisions change), then improving it by pair moves: two devices
// trading load on a server, which descent (one device at a time) cannot see. The lower bound is the dual
// value at the prices after the sweep, returned in `prices`; `proven` when the gap is within
// limits.rel_tol.
SearchResult solve_warm(const OptionTable& t, Span<std::int32_t> choice, const DualState* prices,
                        const SearchLimits& limits);

}  // namespace edgesched
