// Primal moves across stations on coupled tables (docs/model.md §6.2): one station's devices re-solved exactly
// with the rest of the schedule held.
#pragma once
#include <cstddef>
#include <cstdint>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Re-solves station j with every other device's option and every other station's load held: each device with an
// option on j chooses between j (any of its options there) and its alternative. A device now on j has as
// alternative its best option off j, priced at the current loads of that option's server; a device elsewhere
// keeps its option, and its moves onto j earn the relief its leaving brings to its server. Each device's price
// is exact alone; for several devices leaving (or joining) the same other station the squares' cross terms are
// left out, so the result is priced exactly before it is kept. The schedule changes only if its total falls (by
// more than 1e-13 of it, as in descent). Returns the change of the total (0 or negative).
double station_resolve(const OptionTable& t, Span<std::int32_t> choice, std::size_t j);

// station_resolve over `stations` in order, then descent when one changed the schedule. Returns how many
// stations' re-solves lowered the total.
std::size_t station_moves(const OptionTable& t, Span<std::int32_t> choice, Span<const std::size_t> stations);

// First-improvement descent in sweeps: each device in turn takes its option that lowers the total most (by more
// than 1e-13 of it, as in descent) at the current loads, sweep after sweep until one changes nothing (at most
// `max_sweeps`). O(options) a sweep, against descent's O(options of the two servers) a move: on a city whose
// devices all start local it reaches a local optimum in a fraction of descent's time, a worse one, good as a start
// for the dual. Returns the number of changes.
std::size_t sweep_descent(const OptionTable& t, Span<std::int32_t> choice, int max_sweeps);

}  // namespace edgesched
