#include "deadline_search.hpp"

#include "greedy.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace edgesched {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string seconds(double x) { return number_text(x) + " s"; }

std::string device_list(CellDevices idx, const std::vector<std::size_t>& cell_devices) {
    std::string s;
    for (const std::size_t i : cell_devices) s += (s.empty() ? "" : ", ") + std::to_string(idx[i]);
    return s;
}

}  // namespace

void DeadlineCell::prepare(PaperTable& t, const PaperSystem& s, const PaperDevices& d, CellDevices idx,
                           const double* D, bool drop) {
    const std::size_t N = idx.size;
    idx_ = idx;
    D_.assign(D, D + N);
    local_ok_.assign(N, 1);
    dropped_mask_.assign(N, 0);
    dropped_.clear();
    const double F = s.f_edge_max;
    std::vector<std::size_t> forced;  // devices that must be offloaded
    for (std::size_t i = 0; i < N; ++i) {
        const double Di = D_[i];
        if (!(Di > 0.0))
            throw InvalidDevice(idx[i], "deadline is " + number_text(Di) + "; it must be > 0 s (inf: none)");
        if (std::isinf(Di)) continue;
        const double c = t.c[2 * i + 1], w = t.w[2 * i + 1], cycles = c * c;
        const double f_max = read_once(d.f_local_max.size == 1 ? d.f_local_max[0] : d.f_local_max[idx[i]]);
        if (cycles / Di > f_max) {  // eq. (1): rho C / f <= D needs f >= rho C / D
            local_ok_[i] = 0;
            if (deadlines_fit(&c, &w, &Di, 1, F)) {
                forced.push_back(i);
                continue;
            }
            if (drop) {
                dropped_mask_[i] = 1;
                continue;
            }
            const std::string offloaded =
                w * w >= Di ? "its upload alone takes M d / R = " + seconds(w * w)
                            : "offloaded with the whole edge server it takes rho C / f_edge_max + M d / R = " +
                                  seconds(cycles / F + w * w);
            throw InvalidDevice(idx[i], "cannot meet its deadline of " + seconds(Di) +
                                            ": it is too slow locally (rho C / D = " + number_text(cycles / Di) +
                                            " Hz > f_local_max = " + number_text(f_max) + " Hz), and " + offloaded);
        }
        // docs/model.md §8: Theorem 1's frequency clipped to [rho C / D, f_max], with the margin of deadlines.hpp
        const double floor = std::min(f_max, cycles / (Di * (1.0 - kDeadlineMargin)));
        if (t.f_local[i] < floor) {
            const double f = floor;
            t.f_local[i] = f;
            t.local_delay[i] = cycles / f;                     // eq. (1)
            t.local_energy[i] = t.kappa[i] * cycles * f * f;  // eq. (3)
            t.linear[2 * i] = s.w_delay * t.local_delay[i] + s.w_energy * t.local_energy[i];  // eq. (10)
        }
    }
    // The devices that must be offloaded fit the server together, or the instance has no schedule: leave out the
    // most demanding of them (c^2 / (D F) + w^2 / D) until the others fit.
    auto fit = [&](const std::vector<std::size_t>& set) {
        gc_.clear(), gw_.clear(), gD_.clear();
        for (const std::size_t i : set) {
            gc_.push_back(t.c[2 * i + 1]);
            gw_.push_back(t.w[2 * i + 1]);
            gD_.push_back(D_[i]);
        }
        return deadlines_fit(gc_.data(), gw_.data(), gD_.data(), set.size(), F);
    };
    if (!fit(forced)) {
        std::vector<std::size_t> kept = forced, left_out;
        while (!kept.empty() && !fit(kept)) {
            auto load = [&](std::size_t i) {
                const double c = t.c[2 * i + 1], w = t.w[2 * i + 1];
                return c * c / (D_[i] * F) + w * w / D_[i];
            };
            const auto worst = std::max_element(kept.begin(), kept.end(),
                                                [&](std::size_t a, std::size_t b) { return load(a) < load(b); });
            left_out.push_back(*worst);
            kept.erase(worst);
        }
        std::sort(left_out.begin(), left_out.end());
        if (!drop)
            throw std::invalid_argument(
                "devices " + device_list(idx, forced) +
                " are too slow locally for their deadlines and do not fit the edge server together: the best "
                "schedule found cannot serve device" + (left_out.size() > 1 ? "s " : " ") +
                device_list(idx, left_out) + " (infeasible='drop' solves without them)");
        for (const std::size_t i : left_out) dropped_mask_[i] = 1;
    }
    // Dropped devices: no deadline, no cost, kept local. Devices that cannot run locally: a local cost above any
    // saving offloading them can forgo, so that every search offloads them (the bound stays valid: every
    // schedule meeting the deadlines offloads them, and prices them as the table does).
    double U = 0.0, V = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        if (dropped_mask_[i]) {
            dropped_.push_back(i);
            D_[i] = kInfinity;
            local_ok_[i] = 1;
            t.linear[2 * i] = 0.0;
            continue;
        }
        U += t.c[2 * i + 1];
        V += t.w[2 * i + 1];
    }
    for (std::size_t i = 0; i < N; ++i) {
        if (local_ok_[i]) continue;
        const double c = t.c[2 * i + 1], w = t.w[2 * i + 1];
        t.linear[2 * i] = 2.0 * (t.linear[2 * i + 1] + 2.0 * t.A[0] * c * U + 2.0 * t.B[0] * w * V);
    }
}

double DeadlineCell::true_cost(const PaperTable& t, const PaperSystem& s, Span<const std::int32_t> choice) {
    const std::size_t N = choice.size;
    double linear = 0.0, U = 0.0, V = 0.0;
    on_.clear();
    for (std::size_t i = 0; i < N; ++i) {
        if (dropped_mask_[i]) continue;
        if (choice[i] == 1) {
            linear += t.linear[2 * i + 1];
            U += t.c[2 * i + 1];
            V += t.w[2 * i + 1];
            on_.push_back(i);
        } else {
            if (!local_ok_[i]) return kInfinity;
            linear += t.linear[2 * i];
        }
    }
    const double F = s.f_edge_max;
    bool proportional = true;  // Theorem 2's shares meet every deadline: they are the optimum (docs/model.md §8)
    for (const std::size_t i : on_) proportional = proportional && t.c[2 * i + 1] * U / F + t.w[2 * i + 1] * V <= D_[i];
    proportional_ = proportional;
    if (proportional) return linear + s.w_delay * (U * U / F + V * V);
    const std::size_t n = on_.size();
    gc_.resize(n), gw_.resize(n), gD_.resize(n), f_.resize(n), t_.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        gc_[k] = t.c[2 * on_[k] + 1];
        gw_[k] = t.w[2 * on_[k] + 1];
        gD_[k] = D_[on_[k]];
    }
    const double delays = alloc_.allocate(gc_.data(), gw_.data(), gD_.data(), n, F, s.w_delay, f_.data(), t_.data());
    return delays < 0.0 ? kInfinity : linear + s.w_delay * delays;
}

void DeadlineCell::repair(const PaperTable& t, const PaperSystem& s, Span<std::int32_t> choice) {
    for (std::size_t i = 0; i < choice.size; ++i) {
        if (dropped_mask_[i]) choice[i] = 0;
        if (!local_ok_[i]) choice[i] = 1;  // it cannot run locally
    }
    while (!std::isfinite(true_cost(t, s, choice))) {
        // Move to local the offloaded device with the largest demand on the server, c^2 / (D F) + w^2 / D.
        std::size_t best = choice.size;
        double most = -1.0;
        for (std::size_t i = 0; i < choice.size; ++i) {
            if (choice[i] != 1 || !local_ok_[i] || std::isinf(D_[i])) continue;
            const double c = t.c[2 * i + 1], w = t.w[2 * i + 1];
            const double load = c * c / (D_[i] * s.f_edge_max) + w * w / D_[i];
            if (load > most) {
                most = load;
                best = i;
            }
        }
        if (best == choice.size)
            throw std::invalid_argument("no schedule found that meets every deadline (the devices that must be "
                                        "offloaded fit the server only to within rounding)");
        choice[best] = 0;
    }
}

double DeadlineCell::improve(const PaperTable& t, const PaperSystem& s, Span<std::int32_t> choice, double cost,
                             double seconds) {
    const Deadline clock{std::chrono::steady_clock::now(), seconds};  // search.hpp: the time budget
    // Single-device changes at the true cost, first improvement; a change is priced only where the deadline-free
    // cost of the new set (a lower bound of its true cost) is below the current cost.
    const std::size_t N = choice.size;
    double linear = 0.0, U = 0.0, V = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t o = 2 * i + static_cast<std::size_t>(choice[i]);
        linear += t.linear[o];
        U += t.c[o];
        V += t.w[o];
    }
    const double A = t.A[0], B = t.B[0];
    std::size_t priced = 0;
    const std::size_t budget = 16 * N + 64;
    for (bool improved = true; improved && priced < budget;) {
        improved = false;
        for (std::size_t i = 0; i < N && priced < budget; ++i) {
            if (dropped_mask_[i] || (choice[i] == 1 && !local_ok_[i])) continue;
            const std::size_t from = 2 * i + static_cast<std::size_t>(choice[i]), to = from ^ 1u;
            const double l2 = linear + t.linear[to] - t.linear[from], U2 = U + t.c[to] - t.c[from],
                         V2 = V + t.w[to] - t.w[from];
            if (!(l2 + A * U2 * U2 + B * V2 * V2 < cost - 1e-12 * std::abs(cost))) continue;
            if ((priced & 15) == 15 && clock.passed()) return cost;
            choice[i] ^= 1;
            const double c2 = true_cost(t, s, Span<const std::int32_t>(choice));
            ++priced;
            if (c2 < cost - 1e-12 * std::abs(cost)) {
                cost = c2;
                linear = l2, U = U2, V = V2;
                improved = true;
            } else {
                choice[i] ^= 1;
            }
        }
    }
    return cost;
}

double DeadlineCell::exhaustive(const PaperTable& t, const PaperSystem& s, Span<std::int32_t> choice,
                                double incumbent) {
    // Every offloading set of the devices not dropped in Gray-code order; the deadline-free cost (O(1) per step)
    // bounds the true cost from below, so only sets below the incumbent are priced.
    const std::size_t N = choice.size;
    std::vector<std::size_t> free;
    for (std::size_t i = 0; i < N; ++i)
        if (!dropped_mask_[i]) free.push_back(i);
    std::vector<std::int32_t> cur(N, 0), best(choice.data, choice.data + N);
    double best_cost = incumbent;
    const double A = t.A[0], B = t.B[0];
    double linear = 0.0, U = 0.0, V = 0.0;
    std::size_t forced_local = 0;
    auto resync = [&]() {
        linear = U = V = 0.0;
        for (std::size_t i = 0; i < N; ++i) {
            const std::size_t o = 2 * i + static_cast<std::size_t>(cur[i]);
            linear += t.linear[o];
            U += t.c[o];
            V += t.w[o];
        }
    };
    resync();
    for (std::size_t i = 0; i < N; ++i) forced_local += local_ok_[i] ? 0 : 1;
    const std::uint64_t count = std::uint64_t{1} << free.size();
    for (std::uint64_t k = 0; k < count; ++k) {
        if (k > 0) {
            const std::size_t i = free[static_cast<std::size_t>(__builtin_ctzll(k))];
            const std::size_t from = 2 * i + static_cast<std::size_t>(cur[i]), to = from ^ 1u;
            cur[i] ^= 1;
            linear += t.linear[to] - t.linear[from];
            U += t.c[to] - t.c[from];
            V += t.w[to] - t.w[from];
            if (!local_ok_[i]) forced_local = cur[i] ? forced_local - 1 : forced_local + 1;
            if ((k & 4095) == 0) resync();
        }
        if (forced_local) continue;
        const double relaxed = linear + A * U * U + B * V * V;
        if (!(relaxed < best_cost + 1e-9 * std::abs(best_cost))) continue;
        const double cost = true_cost(t, s, Span<const std::int32_t>(cur.data(), N));
        if (cost < best_cost) {
            best_cost = cost;
            best = cur;
        }
    }
    std::copy(best.begin(), best.end(), choice.data);
    return best_cost;
}

SearchResult DeadlineCell::solve(const PaperTable& t, const PaperSystem& s, const MethodInfo& method,
                                 const MethodArgs& args, Span<std::int32_t> choice) {
    const OptionTable view = t.view();
    const std::size_t N = choice.size;
    const std::string name = method.name;
    SearchResult r;
    if (name == "auto" && N - dropped_.size() <= kDeadlineExhaustiveDevices) {
        // The deadline-free optimum (auto is exact here) is the optimum with deadlines where no deadline binds
        // in it: its true cost is then its table cost, a lower bound of every schedule's.
        r = method.run(view, choice, args);
        const double cost = true_cost(t, s, Span<const std::int32_t>(choice));
        if (r.proven && cost <= r.cost + 1e-12 * std::abs(r.cost)) {
            r.cost = r.lower_bound = cost;
            return r;
        }
    }
    if (name == "exhaustive" || (name == "auto" && N - dropped_.size() <= kDeadlineExhaustiveDevices)) {
        std::fill(choice.begin(), choice.end(), 1);
        paper_greedy(view, choice);
        repair(t, s, choice);
        const double cost = exhaustive(t, s, choice, true_cost(t, s, Span<const std::int32_t>(choice)));
        r.cost = r.lower_bound = cost;
        r.proven = true;
        return r;
    }
    r = method.run(view, choice, args);
    if (name == "local") {
        for (std::size_t i = 0; i < N; ++i)
            if (!local_ok_[i])
                throw std::invalid_argument("method 'local' cannot meet device " + std::to_string(idx_[i]) +
                                            "'s deadline of " + seconds(D_[i]) +
                                            ": it is too slow locally (rho C / D > f_local_max)");
    } else if (name == "edge") {
        for (std::size_t i = 0; i < N; ++i)
            if (dropped_mask_[i]) choice[i] = 0;
        if (!std::isfinite(true_cost(t, s, Span<const std::int32_t>(choice))))
            throw std::invalid_argument("method 'edge' cannot meet every deadline: the " +
                                        std::to_string(N - dropped_.size()) +
                                        " devices do not fit the edge server together within their deadlines");
    }
    const double relaxed = r.cost;
    repair(t, s, choice);
    double cost = true_cost(t, s, Span<const std::int32_t>(choice));
    if (name == "auto") cost = improve(t, s, choice, cost, args.limits.time_limit_s);
    r.proven = r.proven && cost <= relaxed + 1e-9 * std::abs(relaxed);
    r.cost = cost;
    r.lower_bound = std::min(r.lower_bound, cost);
    return r;
}

double DeadlineCell::decode(const PaperTable& t, const PaperSystem& s, CellDevices idx,
                            Span<const std::int32_t> choice, const PaperSchedule& out) {
    decode_paper(t, s, idx, choice, out);  // Theorem 1 (raised frequencies) and Theorem 2
    const double delays_cost = true_cost(t, s, choice);  // fills on_, and f_, t_ where a deadline binds
    if (!std::isfinite(delays_cost))
        throw std::invalid_argument("internal: a schedule that misses a deadline reached decoding");
    const std::size_t N = idx.size;
    if (!proportional_) {  // the deadline-aware shares (true_cost allocated them for exactly this set)
        for (std::size_t k = 0; k < on_.size(); ++k) {
            const std::size_t n = idx[on_[k]];
            const double c = gc_[k], w = gw_[k];
            out.f_edge[n] = f_[k];
            out.time_share[n] = t_[k];
            out.delay[n] = (c > 0.0 ? c * c / f_[k] : 0.0) + (w > 0.0 ? w * w / t_[k] : 0.0);  // eqs. (2) + (4)
        }
    }
    double cost = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t n = idx[i];
        if (dropped_mask_[i]) {
            out.offload[n] = false;
            out.f_local[n] = out.f_edge[n] = out.time_share[n] = out.energy[n] = 0.0;
            out.delay[n] = kInfinity;
            continue;
        }
        if (!(out.delay[n] <= D_[i]))
            throw std::invalid_argument("internal: device " + std::to_string(n) + "'s decoded delay " +
                                        seconds(out.delay[n]) + " misses its deadline " + seconds(D_[i]));
        cost += s.w_delay * out.delay[n] + s.w_energy * out.energy[n];  // eqs. (6)-(8)
    }
    return cost;
}

}  // namespace edgesched
