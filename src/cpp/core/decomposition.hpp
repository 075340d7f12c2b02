// The exact search on coupled tables by Lagrangian decomposition per station (docs/model.md §6.2); the
// stations' subproblems are in stations.hpp.
#pragma once
#include <cstdint>
#include <vector>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Steps of the subgradient ascent on the decomposition's prices at the root, at most.
inline constexpr int kAscentSteps = 400;

// The exact search on decomposition bounds. At the root, the prices nu (each device's best priced value at the
// multipliers `root`, or `prices` when it holds one per device) are raised by subgradient ascent on LD, each step
// re-solving only the stations of the devices whose price moved; the schedules the stations' parts suggest,
// improved by descent, lower the incumbent meanwhile, and when the ascent stalls the stations that disagree with
// the incumbent are re-solved with the rest of it held (station_moves.hpp). Then best-first over the devices the parts disagree on (taken by none or by
// several), each child fixing that device to one of its options; a child re-solves only the subproblems of the
// servers the device can use. Options whose reduced cost at `root` alone closes the gap to the incumbent are
// left out (`root_bound`: g at `root`). `choice` holds an incumbent on entry and the best choice found on exit;
// `lower_bound` is certified at any stop; `proven` when no node is left. `threads`: the stations of a step are
// solved on up to that many threads (the result does not depend on it). `prices`, when given, receives the best
// prices found (and, when it holds one per device on entry, the ascent starts from them).
SearchResult decomposition_search(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                                  const DualState& root, double root_bound, unsigned threads = 1,
                                  std::vector<double>* prices = nullptr);

}  // namespace edgesched
