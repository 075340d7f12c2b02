#include "cells.hpp"

#include "deadline_search.hpp"
#include "methods.hpp"
#include "pool.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace edgesched {

CellDevices CellPartition::devices(std::size_t k) const {
    const auto lo = static_cast<std::size_t>(ptr[k]), hi = static_cast<std::size_t>(ptr[k + 1]);
    return CellDevices{order.empty() ? nullptr : order.data() + lo, lo, hi - lo};
}

CellPartition partition_cells(Span<const std::int64_t> cell, Span<std::int64_t> copy, std::size_t n_devices,
                              std::size_t n_cells) {
    CellPartition p;
    if (cell.size == 0) {
        p.ptr = {0, static_cast<std::int64_t>(n_devices)};
        return p;
    }
    p.ptr.assign(n_cells + 1, 0);
    bool sorted = true;
    std::int64_t last = 0;
    for (std::size_t n = 0; n < n_devices; ++n) {
        const std::int64_t k = read_once(cell[n]);  // the one read of the caller's label
        if (k < 0 || static_cast<std::uint64_t>(k) >= n_cells)
            throw std::invalid_argument("cell[" + std::to_string(n) + "] is " + std::to_string(k) +
                                        "; it must be in 0 .. " + std::to_string(n_cells - 1));
        copy[n] = k;
        ++p.ptr[static_cast<std::size_t>(k) + 1];
        sorted = sorted && last <= k;
        last = k;
    }
    for (std::size_t k = 0; k < n_cells; ++k) p.ptr[k + 1] += p.ptr[k];
    if (sorted) return p;  // every cell is a run of consecutive devices
    std::vector<std::int64_t> next(p.ptr.begin(), p.ptr.end() - 1);
    p.order.resize(n_devices);
    for (std::size_t n = 0; n < n_devices; ++n)  // the checked copy: in range, and counted above
        p.order[static_cast<std::size_t>(next[static_cast<std::size_t>(copy[n])]++)] = static_cast<std::int64_t>(n);
    return p;
}

namespace {
constexpr std::size_t kKeptDevices = std::size_t{1} << 16;  // about 6 MB of table kept per thread at most
}  // namespace

void solve_paper_cells(const PaperDevices& d, Span<const double> f_edge_max, double w_delay, double w_energy,
                       const CellPartition& cells, const std::string& method, std::uint64_t seed,
                       const SearchLimits& limits, unsigned threads, const PaperSchedule& out,
                       const CellOutcome& result, WorkerPool* pool, CellMemory* memory,
                       const CellDeadlines& deadlines) {
    // "warm" re-solves a remembered cell from its last choice and prices, and runs "auto" on the others.
    const bool warm = memory && method == "warm";
    const MethodInfo& solver = warm ? find_method(method, Problem::kOptions) : find_method(method, Problem::kPaper);
    const MethodInfo& first = warm ? find_method("auto", Problem::kPaper) : solver;
    const std::size_t K = cells.n_cells();
    // Every cell's server prices in range before any work (paper.hpp: check_paper_system).
    for (std::size_t k = 0; k < K; ++k)
        check_paper_system(PaperSystem{f_edge_max[k], w_delay, w_energy}, K > 1 ? k : kNoCell);
    std::size_t busy = 0;  // cells with devices
    for (std::size_t k = 0; k < K; ++k) busy += cells.ptr[k + 1] > cells.ptr[k] ? 1 : 0;
    if (pool) threads = std::min(threads, pool->size());
    const unsigned workers = static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(threads, busy)));
    MethodArgs args;
    args.seed = seed;
    args.limits = limits;
    args.threads = busy == 1 ? std::max(1u, threads) : 1u;
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;

    auto work = [&]() {
        // Storage reused from cell to cell, and from call to call in a thread that calls again (a simulation
        // re-solving at every step): fresh pages cost as much as the table's arithmetic. What a cell of more
        // than kKeptDevices needed is given back after the call.
        static thread_local PaperTable table;
        static thread_local std::vector<std::int32_t> choice;  // the cell's choice, in cell order
        struct Release {
            ~Release() {
                if (choice.capacity() > kKeptDevices) {
                    table = PaperTable{};
                    choice = std::vector<std::int32_t>{};
                }
            }
        } release;
        std::size_t k = 0;
        try {
            for (k = next++; k < K; k = next++) {
                const CellDevices idx = cells.devices(k);
                if (idx.size == 0) {
                    result.cost[k] = result.lower_bound[k] = 0.0;
                    result.proven[k] = 1;
                    continue;
                }
                const PaperSystem s{f_edge_max[k], w_delay, w_energy};
                build_paper_table(d, s, idx, table);  // the only read of the cell's inputs
                const bool again = memory && memory->choice[k].size() == idx.size;
                if (again)
                    choice = memory->choice[k];
                else
                    choice.assign(idx.size, 0);
                const Span<std::int32_t> ch(choice.data(), choice.size());
                SearchResult r;
                double cost;
                if (deadlines.deadline.size) {
                    static thread_local DeadlineCell cell;
                    static thread_local std::vector<double> D;
                    D.resize(idx.size);
                    for (std::size_t i = 0; i < idx.size; ++i)
                        D[i] = read_once(deadlines.deadline.size == 1 ? deadlines.deadline[0]
                                                                      : deadlines.deadline[idx[i]]);
                    cell.prepare(table, s, d, idx, D.data(), deadlines.drop);
                    r = cell.solve(table, s, again ? solver : first, args, ch);
                    cost = cell.decode(table, s, idx, Span<const std::int32_t>(ch), out);
                    for (const std::size_t i : cell.dropped()) deadlines.dropped[idx[i]] = 1;
                } else {
                    MethodArgs cell_args = args;
                    if (again && !memory->prices[k].lambda.empty()) cell_args.prices = &memory->prices[k];
                    r = (again ? solver : first).run(table.view(), ch, cell_args);
                    cost = decode_paper(table, s, idx, Span<const std::int32_t>(ch), out);
                }
                if (memory) {
                    memory->choice[k] = choice;
                    memory->prices[k] = r.prices;
                }
                result.cost[k] = cost;
                result.lower_bound[k] = std::min(r.lower_bound, cost);
                result.proven[k] = r.proven ? 1 : 0;
                if (!(std::abs(result.lower_bound[k]) <= kMaxMagnitude))  // the table's range bounds it
                    throw InvalidCell("its lower bound is " + number_text(result.lower_bound[k]) +
                                      ", not finite; check the units of the inputs");
            }
        } catch (...) {
            const std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) {
                error = std::current_exception();
                try {
                    throw;
                } catch (const InvalidCell& e) {  // name the cell
                    if (K > 1)
                        error = std::make_exception_ptr(InvalidCell("cell " + std::to_string(k) + ": " + e.what()));
                } catch (...) {
                }
            }
            next = K;  // the other workers stop at their next cell
        }
    };
    if (workers == 1) {
        work();
    } else if (pool) {
        pool->run(workers, work);
    } else {
        std::vector<std::thread> pool;
        for (unsigned i = 0; i < workers; ++i) pool.emplace_back(work);
        for (auto& th : pool) th.join();
    }
    if (error) std::rethrow_exception(error);
    // The cells' totals, which the caller adds up: each is within range, their sum must be too.
    double cost = 0.0, bound = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
        cost += std::abs(result.cost[k]);
        bound += std::abs(result.lower_bound[k]);
        if (!(cost <= kMaxMagnitude) || !(bound <= kMaxMagnitude))
            throw std::invalid_argument("the cells' costs add up to more than " + number_text(kMaxMagnitude) +
                                        " by cell " + std::to_string(k) + "; check the units of the inputs");
    }
}

}  // namespace edgesched
