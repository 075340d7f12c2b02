// Exact minimum of an option table by enumeration of every choice (docs/model.md §6).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The largest searches the Python API lets `exhaustive` run (it checks them before calling the core): 2^30
// choices of an option table, and 30 devices a cell of the paper's problem (2^30 choices too).
inline constexpr std::uint64_t kExhaustiveMaxChoices = std::uint64_t{1} << 30;
inline constexpr std::size_t kExhaustiveMaxDevices = 30;

// Threads the exhaustive search of `choices` choices runs on, of `threads` offered: one for each
// kChoicesPerThread choices (a thread's start costs about as much as that many steps), at least one.
inline constexpr std::uint64_t kChoicesPerThread = std::uint64_t{1} << 16;
inline unsigned exhaustive_threads(std::uint64_t choices, unsigned threads) {
    const std::uint64_t useful = choices / kChoicesPerThread;
    return static_cast<unsigned>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(threads, useful)));
}

// Exact minimum by enumeration of every choice in reflected mixed-radix Gray-code order, with an O(1)
// update of the sums per step. Ties keep the first minimum in a fixed order independent of `threads`
// (of which exhaustive_threads(choices, threads) run).
// Returns the minimum cost.
double exhaustive(const OptionTable& t, Span<std::int32_t> choice, unsigned threads);

}  // namespace edgesched
