// The stations' subproblems of the decomposition of a coupled table by station (docs/model.md §6.2).
//
// Relax only "each device takes one option", with a price nu_n per device. What remains separates: for each
// server j, choose any set T of devices to run on it (each with one of its options on j),
//
//   OPT_j(nu) = min_T  sum_{n in T} (linear_o - nu_n) + A_j U_T^2 + B_j V_T^2,
//
// a one-server problem of the paper's kind (solved exactly, with the core's one-server search), and for each
// device its options without a server, min(0, linear_o - nu_n). Then for every choice x
//
//   total(x) >= LD(nu) = sum_n nu_n + sum_j OPT_j(nu) + sum_n min(0, min_{o without server} linear_o - nu_n).
//
// Devices fixed in a search keep their option (their constraint is not relaxed): on its server a fixed device is
// always in T at its full linear cost, and left out of the other servers' problems.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The free devices a server's subproblem takes, in increasing order, each with the option (of the table) it takes.
using Taken = std::vector<std::pair<std::uint32_t, std::size_t>>;
using Selection = std::shared_ptr<const Taken>;

// One subproblem's answer: its certified lower bound, the devices its best set takes, and whether that set's
// cost equals the bound (solved exactly).
struct StationPart {
    double value = 0.0;
    Selection taken;
    bool exact = true;
};

// The one-server search on a table with one server (a station's problem): `choice` holds a start on entry; the
// rounding at the multipliers `dual` (which receive the dual's maximum) improved by descent replaces it when
// cheaper; then the exact dual bound (docs/model.md §5), and branch-and-bound within `limits` while a gap is left.
// `choice` receives the best choice found. Returns {certified lower bound, cost of `choice`}.
std::pair<double, double> one_server_search(const OptionTable& sub, Span<std::int32_t> choice, DualState& dual,
                                            const SearchLimits& limits);

class StationProblems {
public:
    // Prices nu_n = min_o priced(o) at `dual` (the relaxation's multipliers; each subproblem's one-server search
    // starts from its server's pair). Options with off[o] != 0 are left out.
    StationProblems(const OptionTable& t, const DualState& dual, const std::vector<std::uint8_t>& off);

    const OptionTable& table() const { return t_; }
    double nu(std::size_t n) const { return nu_[n]; }
    const std::vector<double>& prices() const { return nu_; }
    void set_nu(std::size_t n, double v);
    // min over the device's allowed options without a server of linear - nu (inf: none).
    double local_gap(std::size_t n) const { return local_[n]; }
    // The servers device n has an allowed option on.
    Span<const std::size_t> servers_of(std::size_t n) const {
        return {dev_servers_.data() + dev_ptr_[n], dev_ptr_[n + 1] - dev_ptr_[n]};
    }
    // sum over free devices of nu_n + min(0, local gap): LD's terms outside the subproblems.
    double free_terms(const std::vector<std::int32_t>& fixed) const;

    // OPT_j with the devices `fixed` (menu index, -1 free). Safe to call for different servers at once.
    StationPart solve(std::size_t j, const std::vector<std::int32_t>& fixed) const;
    // solve() for each server of `servers` into parts[j], on up to `threads` threads.
    void solve_all(Span<const std::size_t> servers, const std::vector<std::int32_t>& fixed,
                   std::vector<StationPart>& parts, unsigned threads) const;

private:
    const OptionTable& t_;
    mutable std::vector<double> lambda_, mu_;  // per server, its last solve's multipliers (the next one's start)
    std::vector<double> nu_, local_, local_linear_;
    std::vector<std::size_t> ptr_, dev_ptr_, dev_servers_;
    std::vector<std::pair<std::size_t, std::size_t>> pairs_;  // per server its (device, option), by device
};

}  // namespace edgesched
