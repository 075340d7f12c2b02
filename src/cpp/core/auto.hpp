// The default method, `auto`: the heuristics, the dual bound, then an exact search where it can pay.
#pragma once
#include <cstdint>

#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Largest search space the default solver always solves exactly: the bound-first search, with the Gray-code
// enumeration of every choice where that does not finish (its time is in bench/RESULTS.md).
inline constexpr std::uint64_t kAutoExhaustiveChoices = std::uint64_t{1} << 22;
// Up to exhaustive's limit (kExhaustiveMaxChoices), a search for a proof of optimality within this many nodes
// (and the caller's budget) runs before the certified gap is compared with gap_tol.
inline constexpr std::uint64_t kAutoProofNodes = std::uint64_t{1} << 14;
// Nodes of the first, exact search by station decomposition on coupled tables (docs/model.md §6, item 6).
inline constexpr std::uint64_t kAutoFirstNodes = 256;

// The default solver: the paper's greedy (where it applies) and the relaxation rounding, each improved by
// descent; then the exact search, bound first: up to kAutoExhaustiveChoices choices the reduced-cost
// enumeration, with the Gray-code search of every choice only where it does not finish within its budget (always
// proven); up to kExhaustiveMaxChoices a short search for the proof; then, while the certified gap is above
// gap_tol, the reduced-cost enumeration and branch-and-bound within the limits. Never worse than `greedy`.
SearchResult solve_auto(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        unsigned threads);

}  // namespace edgesched
