// The Lagrangian decomposition of a coupled table by station (docs/model.md §6.3).
//
// Relax only "each device takes one option", with a price nu_n per device. What remains separates: for each
// server j, choose any set of devices to run on it (each with one of its options on j),
//
//   OPT_j(nu) = min_S  sum_{n in S} (linear_o - nu_n) + A_j U_S^2 + B_j V_S^2,
//
// a one-server problem of the paper's kind (solved exactly, with the core's one-server search), and for each
// device its options without a server, min(0, linear_o - nu_n). Then for every choice x
//
//   total(x) >= LD(nu) = sum_n nu_n + sum_j OPT_j(nu) + sum_n min(0, min_{o without server} linear_o - nu_n),
//
// which is at least the relaxation's bound at nu = each device's best priced value at the relaxation's
// multipliers, and more by each server's own integrality gap. Devices fixed in a search keep their option (their
// constraint is not relaxed): on its server they are always in S at their full linear cost.
#pragma once
#include <cstdint>
#include <vector>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The exact search on decomposition bounds: best-first over the devices the servers' subproblems disagree on
// (taken by none or by several), each child fixing that device to one of its options; a child re-solves only the
// subproblems of the servers the device can use. Prices nu from the multipliers `root` (each device's best priced
// value), options left out whose reduced cost at `root` alone closes the gap to the incumbent (`root_bound`: g at
// `root`). `choice` holds an incumbent on entry and the best choice found on exit; `lower_bound` is certified at
// any stop; `proven` when no node is left.
SearchResult decomposition_search(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                                  const DualState& root, double root_bound);

// LD(nu) at nu = each device's best priced value at `dual`, with nothing fixed: a lower bound on every choice
// (no weaker than g at `dual`).
double decomposition_bound(const OptionTable& t, const DualState& dual);

}  // namespace edgesched
