#include "exhaustive.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

namespace edgesched {

namespace {

// Incrementally maintained objective of one choice vector.
class RunningTotal {
public:
    RunningTotal(const OptionTable& t, std::vector<std::int32_t>& choice) : t_(t), choice_(choice) {
        resync();
    }

    void resync() {
        Loads l = compute_loads(t_, Span<const std::int32_t>(choice_.data(), choice_.size()));
        U_ = std::move(l.U);
        V_ = std::move(l.V);
        linear_ = l.linear;
        quad_ = 0.0;
        for (std::size_t j = 0; j < U_.size(); ++j) quad_ += server_term(j);
    }

    double total() const { return linear_ + quad_; }

    void set(std::size_t n, std::int32_t k) {
        const std::size_t from = t_.option(n, choice_[n]), to = t_.option(n, k);
        choice_[n] = k;
        linear_ += t_.linear[to] - t_.linear[from];
        shift(t_.server[from], -t_.c[from], -t_.w[from]);
        shift(t_.server[to], t_.c[to], t_.w[to]);
    }

private:
    double server_term(std::size_t j) const { return t_.A[j] * U_[j] * U_[j] + t_.B[j] * V_[j] * V_[j]; }

    void shift(std::int32_t server, double dc, double dw) {
        if (server < 0) return;
        const auto j = static_cast<std::size_t>(server);
        quad_ -= server_term(j);
        U_[j] += dc;
        V_[j] += dw;
        quad_ += server_term(j);
    }

    const OptionTable& t_;
    std::vector<std::int32_t>& choice_;
    std::vector<double> U_, V_;
    double linear_ = 0.0, quad_ = 0.0;
};

struct TaskBest {
    double cost = std::numeric_limits<double>::infinity();
    std::size_t task = 0;
    std::vector<std::int32_t> choice;
    bool better_than(const TaskBest& o) const { return cost < o.cost || (cost == o.cost && task < o.task); }
};

}  // namespace

double exhaustive(const OptionTable& t, Span<std::int32_t> choice, unsigned threads) {
    const std::size_t N = t.n_devices();
    // Devices with a single option never change; the others are split into "outer" devices whose
    // choices enumerate independent tasks (one per thread at a time) and "inner" devices walked in
    // reflected mixed-radix Gray-code order inside each task (Knuth, TAOCP 7.2.1.1, Algorithm H).
    std::vector<std::size_t> free_devices;
    for (std::size_t n = 0; n < N; ++n)
        if (t.n_options(n) > 1) free_devices.push_back(n);
    std::vector<std::size_t> outer;
    std::uint64_t n_tasks = 1;
    while (!free_devices.empty() && n_tasks < 64 && free_devices.size() > 1) {
        outer.push_back(free_devices.back());
        n_tasks *= t.n_options(free_devices.back());
        free_devices.pop_back();
    }
    const std::vector<std::size_t>& inner = free_devices;
    const std::size_t m = inner.size();
    threads = std::min(exhaustive_threads(search_space_size(t), threads), static_cast<unsigned>(n_tasks));

    // A running total is off by at most about (steps since its last re-sum + N) ulps of the table's scale: a
    // choice whose running total comes within that of the best so far is priced from scratch before it is
    // kept or dropped (on tables whose terms span many decades, nearly every choice; elsewhere, few).
    constexpr std::uint64_t kResync = 4096;
    const double slack = 4.0 * (static_cast<double>(N) + 3.0 * kResync + 8.0) *
                         std::numeric_limits<double>::epsilon() * rounding_scale(t);
    std::atomic<std::uint64_t> next_task{0};
    std::vector<TaskBest> best(threads);
    auto worker = [&](unsigned id) {
        std::vector<std::int32_t> ch(N, 0);
        std::vector<std::int32_t> a(m), o(m);
        std::vector<std::size_t> f(m + 1);
        TaskBest& mine = best[id];
        for (std::uint64_t task; (task = next_task.fetch_add(1)) < n_tasks;) {
            std::fill(ch.begin(), ch.end(), 0);
            std::uint64_t rest = task;
            for (std::size_t d : outer) {
                const std::uint64_t k = t.n_options(d);
                ch[d] = static_cast<std::int32_t>(rest % k);
                rest /= k;
            }
            RunningTotal run(t, ch);
            std::fill(a.begin(), a.end(), 0);
            std::fill(o.begin(), o.end(), 1);
            for (std::size_t j = 0; j <= m; ++j) f[j] = j;
            for (std::uint64_t step = 1;; ++step) {
                if (run.total() <= mine.cost + slack) {
                    const double cost = total_cost(t, Span<const std::int32_t>(ch.data(), N));
                    if (cost < mine.cost || (cost == mine.cost && task < mine.task)) {
                        mine.cost = cost;
                        mine.task = static_cast<std::size_t>(task);
                        mine.choice = ch;
                    }
                }
                const std::size_t j = f[0];
                f[0] = 0;
                if (j == m) break;
                a[j] += o[j];
                const auto kj = static_cast<std::int32_t>(t.n_options(inner[j]));
                if (a[j] == 0 || a[j] == kj - 1) {
                    o[j] = -o[j];
                    f[j] = f[j + 1];
                    f[j + 1] = j + 1;
                }
                run.set(inner[j], a[j]);
                // Re-sum from scratch now and then so rounding cannot drift over 2^30 updates.
                if (step % kResync == 0) run.resync();
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned id = 1; id < threads; ++id) pool.emplace_back(worker, id);
    worker(0);
    for (auto& th : pool) th.join();

    const TaskBest* winner = &best[0];
    for (const auto& b : best)
        if (!b.choice.empty() && (winner->choice.empty() || b.better_than(*winner))) winner = &b;
    std::copy(winner->choice.begin(), winner->choice.end(), choice.begin());
    // Report the cost of the winner summed from scratch, not the running value.
    return total_cost(t, Span<const std::int32_t>(choice));
}

}  // namespace edgesched
