// Exact minimum of an option table by enumeration of every choice (docs/model.md §6).
#pragma once
#include <cstddef>
#include <cstdint>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The largest searches the Python API lets `exhaustive` run (it checks them before calling the core): 2^30
// choices of an option table, and 30 devices a cell of the paper's problem (2^30 choices too).
inline constexpr std::uint64_t kExhaustiveMaxChoices = std::uint64_t{1} << 30;
inline constexpr std::size_t kExhaustiveMaxDevices = 30;

// Exact minimum by enumeration of every choice in reflected mixed-radix Gray-code order, with an O(1)
// update of the sums per step. Ties keep the first minimum in a fixed order independent of `threads`.
// Returns the minimum cost.
double exhaustive(const OptionTable& t, Span<std::int32_t> choice, unsigned threads);

}  // namespace edgesched
