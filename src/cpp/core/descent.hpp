// Best-improvement descent on the option model (docs/model.md §4): one device changes its option at a time.
#pragma once
#include <cstddef>
#include <cstdint>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Best-improvement descent: apply the single-device change that lowers the total most (by more than
// 1e-13 |total|; ties to the lowest device, then the lowest menu index), until none does (or `max_moves`
// changes were made). O(1) per candidate change; after a change only the devices with an option on the two
// servers involved are re-priced, so a change costs O(their options + log N), not O(all options); on the
// paper's one-server table every device's move is re-priced in one vectorised pass. Returns the number of
// changes.
std::size_t descent(const OptionTable& t, Span<std::int32_t> choice, std::size_t max_moves);

}  // namespace edgesched
