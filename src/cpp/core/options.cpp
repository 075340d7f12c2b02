#include "options.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

namespace edgesched {

double Loads::total(const OptionTable& t) const {
    double quad = 0.0;
    for (std::size_t j = 0; j < U.size(); ++j) quad += t.A[j] * U[j] * U[j] + t.B[j] * V[j] * V[j];
    return linear + quad;
}

Loads compute_loads(const OptionTable& t, Span<const std::int32_t> choice) {
    Loads l;
    l.U.assign(t.n_servers(), 0.0);
    l.V.assign(t.n_servers(), 0.0);
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const std::size_t o = t.option(n, choice[n]);
        l.linear += t.linear[o];
        const std::int32_t j = t.server[o];
        if (j >= 0) {
            l.U[static_cast<std::size_t>(j)] += t.c[o];
            l.V[static_cast<std::size_t>(j)] += t.w[o];
        }
    }
    return l;
}

double total_cost(const OptionTable& t, Span<const std::int32_t> choice) {
    return compute_loads(t, choice).total(t);
}

std::size_t paper_greedy(const OptionTable& t, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices();
    // Sec. IV-C: start with every device offloaded (N_1 = all devices).
    for (std::size_t n = 0; n < N; ++n) choice[n] = 1;
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));

    // The argmax below need not look at every device: devices are grouped in blocks, and a block whose
    // upper bound on the score cannot beat the best score found so far is skipped. The bound uses the
    // largest intercept, c and w of the block's offloaded devices; the scores it admits are computed
    // exactly as a full scan would, so the sequence of choices is the paper's.
    const std::size_t bs = std::max<std::size_t>(32, static_cast<std::size_t>(std::sqrt(double(N))));
    const std::size_t n_blocks = (N + bs - 1) / bs;
    std::vector<double> b_icpt(n_blocks), b_c(n_blocks), b_w(n_blocks), b_mag(n_blocks);
    auto refresh = [&](std::size_t b) {
        double icpt = -std::numeric_limits<double>::infinity(), cm = 0.0, wm = 0.0, mag = 0.0;
        for (std::size_t n = b * bs; n < std::min(N, (b + 1) * bs); ++n) {
            if (choice[n] != 1) continue;
            const std::size_t o0 = t.option(n, 0), o1 = t.option(n, 1);
            icpt = std::max(icpt, t.linear[o1] - t.linear[o0]);
            cm = std::max(cm, t.c[o1]);
            wm = std::max(wm, t.w[o1]);
            mag = std::max(mag, std::abs(t.linear[o1]) + std::abs(t.linear[o0]));
        }
        b_icpt[b] = icpt;
        b_c[b] = cm;
        b_w[b] = wm;
        b_mag[b] = mag;
    };
    for (std::size_t b = 0; b < n_blocks; ++b) refresh(b);

    std::size_t moved = 0;
    for (;;) {
        double AU = 0.0, BV = 0.0;  // the largest server prices A_j U_j and B_j V_j
        for (std::size_t j = 0; j < t.n_servers(); ++j) {
            AU = std::max(AU, t.A[j] * l.U[j]);
            BV = std::max(BV, t.B[j] * l.V[j]);
        }
        // k = argmax over offloaded devices of F_{1,n} - F_{0,n}; ties go to the lowest index.
        std::size_t k = N;
        double best = -std::numeric_limits<double>::infinity();
        double best_f1 = 0.0;
        for (std::size_t b = 0; b < n_blocks; ++b) {
            if (b_icpt[b] == -std::numeric_limits<double>::infinity()) continue;  // nobody offloaded
            const double shared = AU * b_c[b] + BV * b_w[b];
            const double bound = b_icpt[b] + shared + 1e-12 * (b_mag[b] + shared);
            if (k != N && bound <= best) continue;  // later blocks win only with a strictly larger score
            for (std::size_t n = b * bs; n < std::min(N, (b + 1) * bs); ++n) {
                if (choice[n] != 1) continue;
                const std::size_t o0 = t.option(n, 0), o1 = t.option(n, 1);
                const auto j = static_cast<std::size_t>(t.server[o1]);
                // eq. (11) under Theorem 2: the device's own edge cost b2*p*M*d/R + (b1/F)*c_n*U + b1*w_n*V.
                const double f1 = t.linear[o1] + t.A[j] * t.c[o1] * l.U[j] + t.B[j] * t.w[o1] * l.V[j];
                const double score = f1 - t.linear[o0];  // eq. (10): F_{0,n} = linear of the local option
                if (k == N || score > best) {
                    k = n;
                    best = score;
                    best_f1 = f1;
                }
            }
        }
        if (k == N) break;  // every device is local
        // Change of the total if k moves to local: its own costs swap, and the others on its server
        // lose the share k held of the CPU and the airtime (the squares in DESIGN.md §1).
        const std::size_t o0 = t.option(k, 0), o1 = t.option(k, 1);
        const auto j = static_cast<std::size_t>(t.server[o1]);
        const double delta = t.linear[o0] - best_f1 - t.A[j] * t.c[o1] * (l.U[j] - t.c[o1]) -
                             t.B[j] * t.w[o1] * (l.V[j] - t.w[o1]);
        if (!(delta < 0.0)) break;  // the total does not strictly decrease: put k back and stop
        choice[k] = 0;
        l.U[j] -= t.c[o1];
        l.V[j] -= t.w[o1];
        refresh(k / bs);
        ++moved;
    }
    return moved;
}

std::uint64_t search_space_size(const OptionTable& t) {
    std::uint64_t size = 1;
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const std::uint64_t k = t.n_options(n);
        if (k != 0 && size > std::numeric_limits<std::uint64_t>::max() / k) {
            return std::numeric_limits<std::uint64_t>::max();
        }
        size *= k;
    }
    return size;
}

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
    threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n_tasks)));

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
                const double cost = run.total();
                if (cost < mine.cost || (cost == mine.cost && task < mine.task)) {
                    mine.cost = cost;
                    mine.task = static_cast<std::size_t>(task);
                    mine.choice = ch;
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
                if ((step & 4095u) == 0) run.resync();
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

std::uint64_t splitmix64(std::uint64_t seed, std::uint64_t n) {
    std::uint64_t z = seed + (n + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void fixed_choice(const OptionTable& t, std::int32_t k, Span<std::int32_t> choice) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) choice[n] = k;
}

void random_choice(const OptionTable& t, std::uint64_t seed, Span<std::int32_t> choice) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const double u = static_cast<double>(splitmix64(seed, n) >> 11) * 0x1.0p-53;
        const auto k = static_cast<double>(t.n_options(n));
        choice[n] = static_cast<std::int32_t>(u * k);  // floor(u * K); for K = 2 the top bit of z
    }
}

}  // namespace edgesched
