#include "option_deadlines.hpp"

#include "deadlines.hpp"
#include "dual.hpp"
#include "methods.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace edgesched {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The true cost of choices of one table (docs/model.md §8): linear costs plus, per server, Theorem 2's shared
// cost where it meets every slack, else B_j times the delays of the deadline-aware allocation.
class Pricer {
public:
    Pricer(const OptionTable& t, Span<const double> slack) : t_(t), slack_(slack), on_(t.n_servers()) {}

    double F(std::size_t j) const { return t_.B[j] / t_.A[j]; }

    // Option indices (into the table) chosen on each server.
    void gather(Span<const std::int32_t> choice) {
        for (auto& v : on_) v.clear();
        linear_ = 0.0;
        for (std::size_t n = 0; n < choice.size; ++n) {
            const std::size_t o = t_.option(n, choice[n]);
            linear_ += t_.linear[o];
            if (t_.server[o] >= 0) on_[static_cast<std::size_t>(t_.server[o])].push_back(o);
        }
    }

    // Server j's shared cost for the gathered choice; inf when it cannot serve its options in time.
    double server_cost(std::size_t j) { return allocate(j, nullptr, nullptr); }

    double cost(Span<const std::int32_t> choice) {
        gather(choice);
        double total = linear_;
        for (std::size_t j = 0; j < on_.size() && std::isfinite(total); ++j) total += server_cost(j);
        return total;
    }

    const std::vector<std::size_t>& on(std::size_t j) const { return on_[j]; }

    // Server j's shares for the gathered choice, the allocation server_cost prices. f[k], t[k] for the k-th
    // option of on(j); false when it cannot serve them in time.
    bool shares(std::size_t j, std::vector<double>& f, std::vector<double>& t) {
        f.assign(on_[j].size(), 0.0), t.assign(on_[j].size(), 0.0);
        return std::isfinite(allocate(j, f.data(), t.data()));
    }

private:
    // Server j's allocation for the gathered choice: Theorem 2's shares where they meet every slack, else the
    // deadline-aware ones. Returns its shared cost (inf when it cannot serve its options in time) and, where
    // `f` and `t` are given, writes the shares of the k-th option of on(j) to f[k], t[k].
    double allocate(std::size_t j, double* f, double* t) {
        const std::vector<std::size_t>& opts = on_[j];
        const std::size_t n = opts.size();
        double U = 0.0, V = 0.0;
        for (const std::size_t o : opts) {
            U += t_.c[o];
            V += t_.w[o];
        }
        const double Fj = F(j);
        bool proportional = true;
        for (const std::size_t o : opts) proportional = proportional && t_.c[o] * U / Fj + t_.w[o] * V <= slack_[o];
        if (proportional) {
            if (f != nullptr)
                for (std::size_t k = 0; k < n; ++k) {  // eqs. (19), (20), Theorem 2
                    f[k] = t_.c[opts[k]] > 0.0 ? Fj * t_.c[opts[k]] / U : 0.0;
                    t[k] = t_.w[opts[k]] > 0.0 ? t_.w[opts[k]] / V : 0.0;
                }
            return t_.A[j] * U * U + t_.B[j] * V * V;
        }
        c_.resize(n), w_.resize(n), D_.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            c_[k] = t_.c[opts[k]];
            w_[k] = t_.w[opts[k]];
            D_[k] = slack_[opts[k]];
        }
        if (f == nullptr) {
            f_.resize(n), s_.resize(n);
            f = f_.data(), t = s_.data();
        }
        const double delays = alloc_.allocate(c_.data(), w_.data(), D_.data(), n, Fj, t_.B[j], f, t);
        return delays < 0.0 ? kInfinity : t_.B[j] * delays;
    }

    const OptionTable& t_;
    Span<const double> slack_;
    std::vector<std::vector<std::size_t>> on_;
    double linear_ = 0.0;
    std::vector<double> c_, w_, D_, f_, s_;
    DeadlineAllocator alloc_;
};

// The table of the feasible options (each device's menu in order), with the map back to menu indices.
struct Filtered {
    std::vector<std::int64_t> ptr;
    std::vector<double> linear, c, w, slack;
    std::vector<std::int32_t> server, menu_index;
    OptionTable view(const OptionTable& t) const {
        return OptionTable{{ptr.data(), ptr.size()}, {linear.data(), linear.size()}, {server.data(), server.size()},
                           {c.data(), c.size()},     {w.data(), w.size()},           t.A,
                           t.B};
    }
};

Filtered feasible_options(const OptionTable& t, Span<const double> slack) {
    Filtered f;
    f.ptr.push_back(0);
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)); ++k) {
            const std::size_t o = t.option(n, k);
            const double D = slack[o], c = t.c[o], w = t.w[o];
            bool ok;
            if (t.server[o] < 0 || (c == 0.0 && w == 0.0)) {
                ok = D >= 0.0;
            } else {
                const auto j = static_cast<std::size_t>(t.server[o]);
                ok = D > 0.0 && deadlines_fit(&c, &w, &D, 1, t.B[j] / t.A[j]);
            }
            if (!ok) continue;
            f.linear.push_back(t.linear[o]);
            f.c.push_back(c);
            f.w.push_back(w);
            f.slack.push_back(D);
            f.server.push_back(t.server[o]);
            f.menu_index.push_back(k);
        }
        if (static_cast<std::int64_t>(f.linear.size()) == f.ptr.back())
            throw std::invalid_argument("device " + std::to_string(n) +
                                        ": none of its options meets its deadline (every slack is negative, or "
                                        "more than its server alone can serve in time)");
        f.ptr.push_back(static_cast<std::int64_t>(f.linear.size()));
    }
    return f;
}

// The relaxed (deadline-free) total of a choice: a lower bound of its true cost.
double relaxed(const OptionTable& t, Span<const std::int32_t> choice) { return total_cost(t, choice); }

// "devices a, b, c" of `order` (the most demanding first), at most ten named.
std::string device_list(const std::vector<std::pair<double, std::size_t>>& order) {
    std::string out = order.size() == 1 ? "device " : "devices ";
    for (std::size_t i = 0; i < order.size() && i < 10; ++i)
        out += (i ? ", " : "") + std::to_string(order[i].second);
    if (order.size() > 10) out += " and " + std::to_string(order.size() - 10) + " more";
    return out;
}

void repair(const OptionTable& t, Pricer& price, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices();
    std::size_t last_bad = 0;
    std::vector<std::pair<double, std::size_t>> last_order;
    for (std::size_t round = 0; round < 4 * N + 16; ++round) {
        price.gather(Span<const std::int32_t>(choice));
        std::size_t bad = t.n_servers();
        for (std::size_t j = 0; j < t.n_servers() && bad == t.n_servers(); ++j)
            if (!std::isfinite(price.server_cost(j))) bad = j;
        if (bad == t.n_servers()) return;
        // The most demanding device on the server (c^2 / (D F) + w^2 / D) that has an option elsewhere moves to
        // its cheapest such option (linear cost plus its relaxed share).
        const Loads l = compute_loads(t, Span<const std::int32_t>(choice));
        std::vector<std::pair<double, std::size_t>> order;
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t o = t.option(n, choice[n]);
            if (t.server[o] == static_cast<std::int32_t>(bad))
                order.push_back({t.c[o] * t.c[o] / price.F(bad) + t.w[o] * t.w[o], n});
        }
        std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        bool moved = false;
        for (const auto& [load, n] : order) {
            const std::size_t from = t.option(n, choice[n]);
            double best = kInfinity;
            std::int32_t to = -1;
            for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)); ++k) {
                const std::size_t o = t.option(n, k);
                if (t.server[o] == static_cast<std::int32_t>(bad)) continue;
                const double d = move_delta(t, l, from, o);
                if (d < best) {
                    best = d;
                    to = k;
                }
            }
            if (to >= 0) {
                choice[n] = to;
                moved = true;
                break;
            }
        }
        if (!moved)
            throw std::invalid_argument("no schedule found that meets every deadline: server " + std::to_string(bad) +
                                        " cannot serve its " + device_list(order) +
                                        " in time, and none of them has an option elsewhere");
        last_bad = bad;
        last_order = std::move(order);
    }
    throw std::invalid_argument("no schedule found that meets every deadline: after " + std::to_string(4 * N + 16) +
                                " moves of devices between servers, server " + std::to_string(last_bad) +
                                " still cannot serve its " + device_list(last_order) +
                                " in time (the most demanding first); their deadlines are likely too tight "
                                "together");
}

double improve(const OptionTable& t, Pricer& price, Span<std::int32_t> choice, double cost, double seconds) {
    const Deadline clock{std::chrono::steady_clock::now(), seconds};  // search.hpp: the time budget
    const std::size_t N = t.n_devices();
    std::size_t priced = 0;
    const std::size_t budget = 16 * N + 64;
    for (bool improved = true; improved && priced < budget;) {
        improved = false;
        for (std::size_t n = 0; n < N && priced < budget; ++n) {
            const std::int32_t was = choice[n];
            bool moved = false;
            for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)) && priced < budget; ++k) {
                if (k == was) continue;
                choice[n] = k;
                if (!(relaxed(t, Span<const std::int32_t>(choice)) < cost - 1e-12 * std::abs(cost))) continue;
                if ((priced & 15) == 15 && clock.passed()) {
                    choice[n] = was;
                    return cost;
                }
                const double c = price.cost(Span<const std::int32_t>(choice));
                ++priced;
                if (c < cost - 1e-12 * std::abs(cost)) {
                    cost = c;
                    moved = improved = true;
                    break;
                }
            }
            if (!moved) choice[n] = was;
        }
    }
    return cost;
}

}  // namespace

double slack_cost(const OptionTable& t, Span<const double> slack, Span<const std::int32_t> choice) {
    Pricer price(t, slack);
    return price.cost(choice);
}

bool slack_allocation(const OptionTable& t, Span<const double> slack, Span<const std::int32_t> choice,
                      Span<double> f_edge, Span<double> time_share) {
    Pricer price(t, slack);
    price.gather(choice);
    std::vector<std::size_t> device_of(t.linear.size, 0);
    for (std::size_t n = 0; n < choice.size; ++n) {
        device_of[t.option(n, choice[n])] = n;
        f_edge[n] = 0.0;
        time_share[n] = 0.0;
    }
    std::vector<double> f, s;
    for (std::size_t j = 0; j < t.n_servers(); ++j) {
        if (!price.shares(j, f, s)) return false;
        const std::vector<std::size_t>& opts = price.on(j);
        for (std::size_t k = 0; k < opts.size(); ++k) {
            f_edge[device_of[opts[k]]] = f[k];
            time_share[device_of[opts[k]]] = s[k];
        }
    }
    return true;
}

SearchResult solve_with_slack(const OptionTable& t, Span<const double> slack, const std::string& method,
                              Span<std::int32_t> choice, std::uint64_t seed, const SearchLimits& limits,
                              unsigned threads, const DualState* prices) {
    for (std::size_t j = 0; j < t.n_servers(); ++j)
        if (!(t.A[j] > 0.0 && t.B[j] > 0.0))
            throw std::invalid_argument("server " + std::to_string(j) + " has A = " + number_text(t.A[j]) +
                                        " and B = " + number_text(t.B[j]) +
                                        "; with deadlines both must be > 0 (its CPU is B / A)");
    const std::size_t N = t.n_devices();
    if (method == "local" || method == "edge") {
        const std::int32_t k = method == "local" ? 0 : 1;
        for (std::size_t n = 0; n < N; ++n) choice[n] = k;
        SearchResult r = solve_method(t, method, choice, seed, limits, threads, prices);
        Pricer price(t, slack);
        r.cost = price.cost(Span<const std::int32_t>(choice));
        for (std::size_t n = 0; n < N && !std::isfinite(r.cost); ++n)
            if (slack[t.option(n, k)] < 0.0)
                throw std::invalid_argument("method '" + method + "' cannot meet device " + std::to_string(n) +
                                            "'s deadline: its option " + std::to_string(k) + " alone is too slow");
        if (!std::isfinite(r.cost))
            throw std::invalid_argument("method '" + method + "' cannot meet every deadline: its devices do not fit "
                                        "their servers together in time");
        r.lower_bound = std::min(r.lower_bound, r.cost);
        r.proven = false;
        return r;
    }
    const Filtered f = feasible_options(t, slack);
    const OptionTable ft = f.view(t);
    const Span<const double> fslack(f.slack.data(), f.slack.size());
    Pricer price(ft, fslack);
    // The caller's choice (a start), in the filtered menus: its option where feasible, else the first.
    std::vector<std::int32_t> ch(N, 0);
    for (std::size_t n = 0; n < N; ++n)
        for (std::int64_t o = f.ptr[n]; o < f.ptr[n + 1]; ++o)
            if (f.menu_index[static_cast<std::size_t>(o)] == choice[n]) ch[n] = static_cast<std::int32_t>(o - f.ptr[n]);
    const Span<std::int32_t> fch(ch.data(), N);
    SearchResult r;
    if (method == "exhaustive") {
        // Every choice (odometer order), priced at the true cost where its relaxed cost is below the incumbent.
        std::vector<std::int32_t> cur(N, 0), best(N, 0);
        double best_cost = kInfinity;
        for (;;) {
            const Span<const std::int32_t> cc(cur.data(), N);
            if (relaxed(ft, cc) < best_cost + 1e-9 * std::abs(best_cost)) {
                const double c = price.cost(cc);
                if (c < best_cost) {
                    best_cost = c;
                    best = cur;
                }
            }
            std::size_t n = 0;
            while (n < N && ++cur[n] == static_cast<std::int32_t>(ft.n_options(n))) cur[n++] = 0;
            if (n == N) break;
        }
        if (!std::isfinite(best_cost))
            throw std::invalid_argument("no schedule meets every deadline: the devices do not fit their servers "
                                        "together in time");
        std::copy(best.begin(), best.end(), ch.begin());
        r.cost = r.lower_bound = best_cost;
        r.proven = true;
    } else {
        if (method == "greedy") {
            // The paper's greedy needs every device's two options: it runs on the whole table, the options that
            // miss their deadlines priced above anything they could save, and its choice is mapped to the
            // feasible options (a device left on an infeasible one takes its first feasible option).
            std::vector<double> linear(t.linear.begin(), t.linear.end());
            const std::size_t S = t.n_servers();
            std::vector<double> Ucap(S, 0.0), Vcap(S, 0.0);
            double most = 0.0;
            for (std::size_t o = 0; o < t.linear.size; ++o) {
                most = std::max(most, std::abs(t.linear[o]));
                if (t.server[o] < 0) continue;
                Ucap[static_cast<std::size_t>(t.server[o])] += t.c[o];
                Vcap[static_cast<std::size_t>(t.server[o])] += t.w[o];
            }
            double shared = 0.0;
            for (std::size_t j = 0; j < S; ++j) shared += t.A[j] * Ucap[j] * Ucap[j] + t.B[j] * Vcap[j] * Vcap[j];
            for (std::size_t n = 0; n < N; ++n) {
                std::size_t next = static_cast<std::size_t>(f.ptr[n]);
                for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)); ++k) {
                    if (next < static_cast<std::size_t>(f.ptr[n + 1]) && f.menu_index[next] == k) {
                        ++next;
                        continue;
                    }
                    linear[t.option(n, k)] = 4.0 * (most + shared) + 1.0;  // infeasible: never worth keeping
                }
            }
            OptionTable pt = t;
            pt.linear = Span<const double>(linear.data(), linear.size());
            r = solve_method(pt, method, choice, seed, limits, threads, prices);
            std::fill(ch.begin(), ch.end(), 0);
            for (std::size_t n = 0; n < N; ++n)
                for (std::int64_t o = f.ptr[n]; o < f.ptr[n + 1]; ++o)
                    if (f.menu_index[static_cast<std::size_t>(o)] == choice[n])
                        ch[n] = static_cast<std::int32_t>(o - f.ptr[n]);
        } else {
            r = solve_method(ft, method, fch, seed, limits, threads, prices);
        }
        const double relaxed_cost = r.cost;
        repair(ft, price, fch);
        double cost = price.cost(Span<const std::int32_t>(fch));
        if (method == "auto") cost = improve(ft, price, fch, cost, limits.time_limit_s);
        r.proven = r.proven && cost <= relaxed_cost + 1e-9 * std::abs(relaxed_cost);
        r.cost = cost;
        r.lower_bound = std::min(r.lower_bound, cost);
    }
    for (std::size_t n = 0; n < N; ++n)
        choice[n] = f.menu_index[static_cast<std::size_t>(f.ptr[n] + ch[n])];
    return r;
}

}  // namespace edgesched
