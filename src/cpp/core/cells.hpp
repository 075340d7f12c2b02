// Independent cells solved in one call: the devices of a cell share its edge server and uplink, and cells
// share nothing, so each is the paper's problem on its own (docs/model.md §1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "paper.hpp"
#include "search.hpp"
#include "span.hpp"

namespace edgesched {

// Devices grouped by cell: those of cell k are order[ptr[k]] .. order[ptr[k+1] - 1], in ascending index;
// `order` is empty when the cells are already consecutive runs (cell sorted), device ptr[k] + i then.
struct CellPartition {
    std::vector<std::int64_t> ptr;    // n_cells + 1
    std::vector<std::int64_t> order;  // a permutation of 0 .. n_devices - 1, or empty
    std::size_t n_cells() const { return ptr.size() - 1; }
    CellDevices devices(std::size_t k) const;
};
// Counting sort of `cell`; an empty `cell` puts every device in one cell. Each label is read once, checked as it
// is read and written to `copy` (of cell's length: the schedule's own copy), and the sort reads the copy, not
// `cell`: a label that another thread changes during the call can neither index out of range nor make the
// partition inconsistent. Throws std::invalid_argument for an entry outside [0, n_cells), naming it.
CellPartition partition_cells(Span<const std::int64_t> cell, Span<std::int64_t> copy, std::size_t n_devices,
                              std::size_t n_cells);

// Per-cell results.
struct CellOutcome {
    Span<double> cost;               // eq. (8) summed over the cell's devices
    Span<double> lower_bound;        // certified lower bound of the cell's optimum
    Span<std::uint8_t> proven;       // the cell's schedule is proven optimal
};

// What a caller that solves the same cells again keeps of each between solves (the handle for repeated solves):
// its last choice, in cell order, and the last dual prices (SearchResult::prices; empty before the first solve).
struct CellMemory {
    std::vector<std::vector<std::int32_t>> choice;
    std::vector<DualState> prices;
    explicit CellMemory(std::size_t n_cells) : choice(n_cells), prices(n_cells) {}
};

class WorkerPool;

// Solves every cell with `method`, one of the registry's methods for the paper's problem (methods.hpp; else
// std::invalid_argument naming them), `threads` workers taking cells in turn; a single cell with devices gets
// the threads itself (the exhaustive search uses them). `f_edge_max[k]` is cell k's server capacity. `out` is
// per device, in the caller's order. Every result equals that of the cell solved alone; `limits` apply to
// each cell. Throws InvalidDevice for a device outside the model.
//
// With a `pool`, its threads take the cells (at most its size), none is started. With a `memory`, each cell's
// choice and prices are kept in it after its solve, and `method` may also be "warm": a cell solved before starts
// from its last choice and prices (the registry's `warm`), one not yet solved runs `auto`; the other methods
// give the same results with or without a memory.
//
// Deadlines (docs/model.md §8): `deadline` holds one per device, one for every device, or none (empty: the
// deadline-free path, unchanged); inf is no deadline. Each cell is then solved by DeadlineCell
// (deadline_search.hpp; a memory is then not used); with `drop`, the devices it leaves out are marked in
// `dropped` (one per device).
struct CellDeadlines {
    Span<const double> deadline;
    bool drop = false;
    Span<std::uint8_t> dropped;
};
void solve_paper_cells(const PaperDevices& d, Span<const double> f_edge_max, double w_delay, double w_energy,
                       const CellPartition& cells, const std::string& method, std::uint64_t seed,
                       const SearchLimits& limits, unsigned threads, const PaperSchedule& out,
                       const CellOutcome& result, WorkerPool* pool = nullptr, CellMemory* memory = nullptr,
                       const CellDeadlines& deadlines = {});

}  // namespace edgesched
