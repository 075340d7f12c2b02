// The paper's problem in one cell with per-device deadlines (docs/model.md §8): local frequencies raised to meet
// them, every method's schedule made to meet them, candidate schedules priced with the deadline-aware
// allocation (deadlines.hpp), bounds from the deadline-free table with the raised local costs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "deadlines.hpp"
#include "methods.hpp"
#include "paper.hpp"
#include "search.hpp"
#include "span.hpp"

namespace edgesched {

// Largest cell `auto` searches exhaustively with deadlines (2^22 choices, as without: auto.hpp).
inline constexpr std::size_t kDeadlineExhaustiveDevices = 22;

class DeadlineCell {
public:
    // Applies the deadlines D (in the cell's order, inf: none) to the cell's table t: each local device's
    // frequency raised to rho C / D where Theorem 1's is slower; a device that cannot meet its deadline locally
    // gets a local cost so high that every search offloads it (the table's bound stays a lower bound of every
    // schedule that meets the deadlines). Throws InvalidDevice for a device that cannot meet its deadline even
    // with the server to itself, and std::invalid_argument naming the devices that cannot run locally and do
    // not fit the server together; with `drop`, such devices are left out instead (dropped()).
    void prepare(PaperTable& t, const PaperSystem& s, const PaperDevices& d, CellDevices idx, const double* D,
                 bool drop);

    // Runs `method` on the prepared table and makes its schedule meet every deadline: `local` and `edge` throw
    // std::invalid_argument when theirs cannot; `exhaustive` (and `auto` up to kDeadlineExhaustiveDevices) is
    // an exact search priced with the deadline-aware allocation; the others move offloaded devices to local
    // until the offloaded set fits (`auto` then improves it by single-device changes at the true cost, within its
    // time limit).
    SearchResult solve(const PaperTable& t, const PaperSystem& s, const MethodInfo& method, const MethodArgs& args,
                       Span<std::int32_t> choice);

    // Decodes `choice` as decode_paper does, with the deadline-aware shares where a deadline binds; dropped
    // devices get no resources, delay inf and energy 0, and add nothing to the returned cost.
    double decode(const PaperTable& t, const PaperSystem& s, CellDevices idx, Span<const std::int32_t> choice,
                  const PaperSchedule& out);

    // The cell's devices (indices in the cell) left out with `drop`.
    const std::vector<std::size_t>& dropped() const { return dropped_; }

private:
    double true_cost(const PaperTable& t, const PaperSystem& s, Span<const std::int32_t> choice);
    bool set_fits(const PaperTable& t, const PaperSystem& s, Span<const std::int32_t> choice);
    void repair(const PaperTable& t, const PaperSystem& s, Span<std::int32_t> choice);
    double exhaustive(const PaperTable& t, const PaperSystem& s, Span<std::int32_t> choice, double incumbent);
    double improve(const PaperTable& t, const PaperSystem& s, Span<std::int32_t> choice, double cost,
                   double seconds);

    CellDevices idx_;
    bool proportional_ = true;  // the last set true_cost priced took Theorem 2's shares
    std::vector<double> D_;
    std::vector<std::uint8_t> local_ok_, dropped_mask_;
    std::vector<std::size_t> dropped_;
    std::vector<double> gc_, gw_, gD_, f_, t_;
    std::vector<std::size_t> on_;
    DeadlineAllocator alloc_;
};

}  // namespace edgesched
