// Deadlines on option tables (docs/model.md §8): each option has a time budget for its shared part, its slack
// (the device's deadline less the option's local and fixed delays; inf: none). An option on server j meets it
// when c^2 / f + w^2 / t <= slack with its shares f, t of the server's CPU F_j = B_j / A_j and airtime.
#pragma once
#include <cstdint>
#include <string>

#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Solves the table with `method` (methods.hpp) so that every chosen option meets its slack: options that cannot
// (a negative slack, or one that its server alone cannot meet) are never chosen, the method runs on the table
// of the others (its bound is a lower bound with the slacks), and its choice is made to fit every server (a
// device on a server that cannot serve its devices in time moves to its cheapest option elsewhere, the most
// demanding first); `auto` then improves it by single-device changes at the true cost, and `exhaustive` prices
// every choice at the true cost (exact). The cost returned is the true cost: the table's linear costs plus, per
// server, B_j times the delays of the deadline-aware allocation (deadlines.hpp; Theorem 2's where no slack
// binds). Throws std::invalid_argument naming the device without a feasible option, or saying why the method's
// schedule cannot meet the slacks (`local`, `edge`, or no repair found).
SearchResult solve_with_slack(const OptionTable& t, Span<const double> slack, const std::string& method,
                              Span<std::int32_t> choice, std::uint64_t seed, const SearchLimits& limits,
                              unsigned threads, const DualState* prices);

// The true cost of a choice with the slacks (inf when a server cannot serve its chosen options in time).
double slack_cost(const OptionTable& t, Span<const double> slack, Span<const std::int32_t> choice);

// The shares of a choice's options (the allocation slack_cost prices): per device, its CPU share f_edge (Hz) and
// uplink time share of its option's server (0 without a server, or where the option sends or runs nothing
// there). Returns false when a server cannot serve its chosen options in time.
bool slack_allocation(const OptionTable& t, Span<const double> slack, Span<const std::int32_t> choice,
                      Span<double> f_edge, Span<double> time_share);

}  // namespace edgesched
