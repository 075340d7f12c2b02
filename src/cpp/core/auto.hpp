// The default method, `auto`: the heuristics, the dual bound, then an exact search where it can pay.
#pragma once
#include <cstdint>

#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Largest search space the default solver enumerates outright (its time is in bench/RESULTS.md).
inline constexpr std::uint64_t kAutoExhaustiveChoices = std::uint64_t{1} << 22;
// Nodes of the first, exact search by station decomposition on coupled tables (docs/model.md §6, item 6).
inline constexpr std::uint64_t kAutoFirstNodes = 256;

// The default solver: the paper's greedy (where it applies) and the relaxation rounding, each improved by
// descent; then an exact search when the instance is small enough (exhaustive up to kAutoExhaustiveChoices
// choices, or branch-and-bound within its limits). Never worse than `greedy`.
SearchResult solve_auto(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        unsigned threads);

}  // namespace edgesched
