#include "stations.hpp"

#include "branch_and_bound.hpp"
#include "descent.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

namespace edgesched {

std::pair<double, double> one_server_search(const OptionTable& sub, Span<std::int32_t> choice, DualState& dual,
                                            const SearchLimits& limits) {
    const std::size_t M = sub.n_devices();
    const std::size_t max_moves = std::numeric_limits<std::size_t>::max();
    std::vector<std::int32_t> round(M);
    const Span<std::int32_t> rs(round.data(), M);
    dual_rounding(sub, dual, {}, rs);
    descent(sub, rs, max_moves);
    double cost = total_cost(sub, Span<const std::int32_t>(choice));
    const double rounded = total_cost(sub, Span<const std::int32_t>(rs));
    if (rounded < cost) {
        cost = rounded;
        std::copy(round.begin(), round.end(), choice.begin());
    }
    // One server: the dual's maximum from any start (docs/model.md §5), here around the given multipliers.
    const double bound = dual_bound(sub, {}, dual, 1, kBisectionSteps, true);
    double value = std::min(bound, cost);
    if (cost - bound > 1e-12 * std::abs(cost) && limits.node_limit > 0) {
        const SearchResult r = branch_and_bound(sub, choice, limits, dual, bound);
        cost = r.cost;
        value = std::max(value, std::min(r.lower_bound, r.cost));
    }
    return {value, cost};
}

StationProblems::StationProblems(const OptionTable& t, const DualState& dual, const std::vector<std::uint8_t>& off)
    : t_(t), lambda_(dual.lambda), mu_(dual.mu), nu_(t.n_devices(), kInf), local_(t.n_devices(), kInf),
      local_linear_(t.n_devices(), kInf) {
    const std::size_t N = t.n_devices(), S = t.n_servers();
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
            nu_[n] = std::min(nu_[n], priced(t, dual, o));
    // Per server, its (device, option) pairs, device by device; per device, the servers it can use.
    ptr_.assign(S + 1, 0);
    for (std::size_t o = 0; o < t.linear.size; ++o)
        if (t.server[o] >= 0 && !off[o]) ++ptr_[static_cast<std::size_t>(t.server[o]) + 1];
    for (std::size_t j = 0; j < S; ++j) ptr_[j + 1] += ptr_[j];
    pairs_.resize(ptr_[S]);
    std::vector<std::size_t> next(ptr_.begin(), ptr_.end() - 1);
    dev_ptr_.assign(N + 1, 0);
    for (std::size_t n = 0; n < N; ++n) {
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o) {
            if (off[o]) continue;
            const std::int32_t j = t.server[o];
            if (j < 0) {
                local_linear_[n] = std::min(local_linear_[n], t.linear[o]);
                continue;
            }
            pairs_[next[static_cast<std::size_t>(j)]++] = {n, o};
            if (std::find(dev_servers_.begin() + static_cast<std::ptrdiff_t>(dev_ptr_[n]), dev_servers_.end(),
                          static_cast<std::size_t>(j)) == dev_servers_.end())
                dev_servers_.push_back(static_cast<std::size_t>(j));
        }
        dev_ptr_[n + 1] = dev_servers_.size();
        local_[n] = local_linear_[n] - nu_[n];
    }
}

void StationProblems::set_nu(std::size_t n, double v) {
    nu_[n] = v;
    local_[n] = local_linear_[n] - v;
}

double StationProblems::free_terms(const std::vector<std::int32_t>& fixed) const {
    double s = 0.0;
    for (std::size_t n = 0; n < nu_.size(); ++n)
        if (fixed[n] < 0) s += nu_[n] + std::min(0.0, local_[n]);
    return s;
}

StationPart StationProblems::solve(std::size_t j, const std::vector<std::int32_t>& fixed) const {
    // The subproblem as a one-server table of the paper's kind: per device, option 0 off the server (cost 0),
    // then its options on it at linear - nu (a fixed device: only its option, at its full linear cost).
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::vector<std::int64_t> ptr(1, 0);
    std::vector<double> linear, c, w;
    std::vector<std::int32_t> server;
    std::vector<std::size_t> who, opts;  // per sub-device its device; per sub-option the table's option
    auto add = [&](double lin, std::int32_t s, double cc, double ww, std::size_t o) {
        opts.push_back(o);
        linear.push_back(lin);
        server.push_back(s);
        c.push_back(cc);
        w.push_back(ww);
    };
    bool any_free = false;
    for (std::size_t i = ptr_[j]; i < ptr_[j + 1];) {
        const std::size_t n = pairs_[i].first;
        std::size_t end = i;
        while (end < ptr_[j + 1] && pairs_[end].first == n) ++end;
        if (fixed[n] >= 0) {
            const std::size_t o = t_.option(n, fixed[n]);
            if (t_.server[o] == static_cast<std::int32_t>(j)) {  // forced onto j at its full cost
                add(t_.linear[o], 0, t_.c[o], t_.w[o], o);
                ptr.push_back(static_cast<std::int64_t>(linear.size()));
                who.push_back(kNone);
            }
        } else {
            any_free = true;
            add(0.0, -1, 0.0, 0.0, t_.linear.size);
            for (std::size_t q = i; q < end; ++q) {
                const std::size_t o = pairs_[q].second;
                add(t_.linear[o] - nu_[n], 0, t_.c[o], t_.w[o], o);
            }
            ptr.push_back(static_cast<std::int64_t>(linear.size()));
            who.push_back(n);
        }
        i = end;
    }
    StationPart part;
    auto out = std::make_shared<Taken>();
    const double A[1] = {t_.A[j]}, B[1] = {t_.B[j]};
    const OptionTable sub{{ptr.data(), ptr.size()}, {linear.data(), linear.size()}, {server.data(), server.size()},
                          {c.data(), c.size()},     {w.data(), w.size()},           {A, 1},
                          {B, 1}};
    const std::size_t M = ptr.size() - 1;
    if (M == 0) {
        part.value = 0.0;
    } else if (!any_free) {
        std::vector<std::int32_t> zero(M, 0);
        part.value = total_cost(sub, Span<const std::int32_t>(zero.data(), M));
    } else {
        std::vector<std::int32_t> choice(M, 0);
        const Span<std::int32_t> ch(choice.data(), M);
        DualState d;
        d.lambda.assign(1, lambda_[j]);
        d.mu.assign(1, mu_[j]);
        SearchLimits limits;
        limits.node_limit = 1u << 20;
        limits.time_limit_s = 1.0;
        const auto [value, cost] = one_server_search(sub, ch, d, limits);
        lambda_[j] = d.lambda[0];
        mu_[j] = d.mu[0];
        part.value = value;
        part.exact = cost <= part.value + 1e-12 * std::abs(cost);
        for (std::size_t m = 0; m < M; ++m)
            if (who[m] != kNone && choice[m] > 0)
                out->emplace_back(static_cast<std::uint32_t>(who[m]),
                                  opts[static_cast<std::size_t>(ptr[m]) + static_cast<std::size_t>(choice[m])]);
    }
    part.taken = std::move(out);
    return part;
}

void StationProblems::solve_all(Span<const std::size_t> servers, const std::vector<std::int32_t>& fixed,
                                std::vector<StationPart>& parts, unsigned threads) const {
    // Each subproblem is solved alone and written to its own slot: the parts do not depend on the thread count.
    // A thread is started only for about kThreadWork options of subproblems (a few milliseconds of work): below
    // that, starting it costs more than it saves.
    constexpr std::size_t kThreadWork = 8192;
    const std::size_t K = servers.size;
    std::size_t options = 0;
    for (const std::size_t j : servers) options += ptr_[j + 1] - ptr_[j];
    const auto workers =
        static_cast<unsigned>(std::min<std::size_t>({std::max(1u, threads), K, options / kThreadWork + 1}));
    if (workers <= 1) {
        for (const std::size_t j : servers) parts[j] = solve(j, fixed);
        return;
    }
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < K;) parts[servers[i]] = solve(servers[i], fixed);
    };
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
}

}  // namespace edgesched
