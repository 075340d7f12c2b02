// The paper's iterative greedy (Sec. IV-C) on its two-option table (docs/model.md §1).
#pragma once
#include <cstddef>
#include <cstdint>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The paper's iterative greedy (Sec. IV-C) on a two-option table (option 0 runs without a server,
// option 1 on a server). Returns the number of devices moved to option 0.
std::size_t paper_greedy(const OptionTable& t, Span<std::int32_t> choice);

}  // namespace edgesched
