#include "station_moves.hpp"

#include "descent.hpp"
#include "stations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace edgesched {

namespace {

// Node and time budget of one station's re-solve.
SearchLimits resolve_limits() {
    SearchLimits limits;
    limits.node_limit = std::uint64_t{1} << 16;
    limits.time_limit_s = 0.05;
    return limits;
}

// Storage of one re-solve's subproblem, reused from station to station.
struct Scratch {
    std::vector<std::int64_t> ptr;
    std::vector<double> linear, c, w;
    std::vector<std::int32_t> server, start, choice;
    std::vector<std::size_t> device, alt, opt;  // per sub-device: its device, its option off j; per sub-option
};

// station_resolve on the devices `devs` that have an option on j, at the loads `l` of `choice` (kept up to date).
double resolve(const OptionTable& t, Span<std::int32_t> choice, std::size_t j, Span<const std::size_t> devs,
               Loads& l, Scratch& s) {
    const auto js = static_cast<std::int32_t>(j);
    s.ptr.assign(1, 0);
    s.linear.clear(), s.c.clear(), s.w.clear(), s.server.clear(), s.start.clear(), s.device.clear(),
        s.alt.clear(), s.opt.clear();
    auto add = [&](double lin, std::int32_t sv, double cc, double ww, std::size_t o) {
        s.linear.push_back(lin), s.server.push_back(sv), s.c.push_back(cc), s.w.push_back(ww), s.opt.push_back(o);
    };
    // The change of the total when option b joins its server at the current loads (docs/model.md §3).
    auto join = [&](std::size_t b) {
        if (t.server[b] < 0) return 0.0;
        const auto k = static_cast<std::size_t>(t.server[b]);
        return t.A[k] * t.c[b] * (2.0 * l.U[k] + t.c[b]) + t.B[k] * t.w[b] * (2.0 * l.V[k] + t.w[b]);
    };
    for (const std::size_t n : devs) {
        const std::size_t lo = t.option(n, 0), hi = lo + t.n_options(n);
        const std::size_t a = t.option(n, choice[n]);
        const bool on_j = t.server[a] == js;
        double off = t.linear[a], relief = 0.0;
        std::size_t alt = a;
        if (on_j) {  // its best option off j, joining that option's server at its current load
            off = kInf;
            for (std::size_t b = lo; b < hi; ++b) {
                if (t.server[b] == js) continue;
                const double v = t.linear[b] + join(b);
                if (v < off) off = v, alt = b;
            }
            if (alt == a) continue;  // every option is on j: the device stays on j
        } else if (t.server[a] >= 0) {  // leaving its server relieves the devices still there
            const auto k = static_cast<std::size_t>(t.server[a]);
            relief = t.A[k] * t.c[a] * (2.0 * l.U[k] - t.c[a]) + t.B[k] * t.w[a] * (2.0 * l.V[k] - t.w[a]);
        }
        add(off, -1, 0.0, 0.0, alt);
        std::int32_t start = 0;
        for (std::size_t o = lo; o < hi; ++o) {
            if (t.server[o] != js) continue;
            if (o == a) start = static_cast<std::int32_t>(s.linear.size() - static_cast<std::size_t>(s.ptr.back()));
            add(t.linear[o] - relief, 0, t.c[o], t.w[o], o);
        }
        s.ptr.push_back(static_cast<std::int64_t>(s.linear.size()));
        s.start.push_back(start);
        s.device.push_back(n);
        s.alt.push_back(alt);
    }
    const std::size_t M = s.device.size();
    if (M == 0) return 0.0;
    // Devices on j that must stay there (no option off it) still load it: their sums enter as a constant.
    double fixed_u = l.U[j], fixed_v = l.V[j];
    for (std::size_t m = 0; m < M; ++m) {
        if (s.start[m] == 0) continue;
        const std::size_t o = s.opt[static_cast<std::size_t>(s.ptr[m]) + static_cast<std::size_t>(s.start[m])];
        fixed_u -= t.c[o], fixed_v -= t.w[o];
    }
    if (fixed_u > 1e-12 * l.U[j] || fixed_v > 1e-12 * l.V[j]) {  // one more sub-device, always on j
        add(0.0, 0, std::max(fixed_u, 0.0), std::max(fixed_v, 0.0), t.linear.size);
        s.ptr.push_back(static_cast<std::int64_t>(s.linear.size()));
        s.start.push_back(0);
    }
    const std::size_t Ms = s.ptr.size() - 1;
    const double A[1] = {t.A[j]}, B[1] = {t.B[j]};
    const OptionTable sub{{s.ptr.data(), s.ptr.size()}, {s.linear.data(), s.linear.size()},
                          {s.server.data(), s.server.size()}, {s.c.data(), s.c.size()},
                          {s.w.data(), s.w.size()}, {A, 1}, {B, 1}};
    s.choice = s.start;
    const Span<std::int32_t> ch(s.choice.data(), Ms);
    const double before = total_cost(sub, Span<const std::int32_t>(s.start.data(), Ms));
    DualState d;
    d.lambda.assign(1, 2.0 * t.A[j] * l.U[j]);  // the tangent prices of the current loads
    d.mu.assign(1, 2.0 * t.B[j] * l.V[j]);
    const double after = one_server_search(sub, ch, d, resolve_limits()).second;
    if (!(after < before)) return 0.0;
    // Apply the changes one device at a time, each priced exactly at the loads it meets.
    const double total = l.total(t);
    double delta = 0.0;
    std::vector<std::pair<std::size_t, std::int32_t>> undo;
    for (std::size_t m = 0; m < M; ++m) {
        if (s.choice[m] == s.start[m]) continue;
        const std::size_t n = s.device[m], a = t.option(n, choice[n]);
        const std::size_t b =
            s.choice[m] == 0 ? s.alt[m] : s.opt[static_cast<std::size_t>(s.ptr[m]) + static_cast<std::size_t>(s.choice[m])];
        if (a == b) continue;
        delta += move_delta(t, l, a, b);
        apply_move(t, l, a, b);
        undo.emplace_back(n, choice[n]);
        choice[n] = static_cast<std::int32_t>(b - t.option(n, 0));
    }
    if (delta < -1e-13 * std::abs(total)) return delta;
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        const std::size_t n = it->first;
        apply_move(t, l, t.option(n, choice[n]), t.option(n, it->second));
        choice[n] = it->second;
    }
    return 0.0;
}

}  // namespace

double station_resolve(const OptionTable& t, Span<std::int32_t> choice, std::size_t j) {
    std::vector<std::size_t> dev_ptr, devs;
    devices_by_server(t, {}, dev_ptr, devs);
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    Scratch s;
    return resolve(t, choice, j, {devs.data() + dev_ptr[j], dev_ptr[j + 1] - dev_ptr[j]}, l, s);
}

std::size_t station_moves(const OptionTable& t, Span<std::int32_t> choice, Span<const std::size_t> stations) {
    std::vector<std::size_t> dev_ptr, devs;
    devices_by_server(t, {}, dev_ptr, devs);
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    Scratch s;
    std::size_t improved = 0;
    for (const std::size_t j : stations)
        if (resolve(t, choice, j, {devs.data() + dev_ptr[j], dev_ptr[j + 1] - dev_ptr[j]}, l, s) < 0.0) ++improved;
    if (improved) descent(t, choice, std::numeric_limits<std::size_t>::max());
    return improved;
}

std::size_t sweep_descent(const OptionTable& t, Span<std::int32_t> choice, int max_sweeps) {
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    std::size_t moves = 0;
    for (int sweep = 0; sweep < max_sweeps; ++sweep) {
        const double tol = 1e-13 * std::abs(l.total(t));
        bool changed = false;
        for (std::size_t n = 0; n < t.n_devices(); ++n) {
            const std::size_t a = t.option(n, choice[n]), lo = t.option(n, 0), hi = lo + t.n_options(n);
            std::size_t to = a;
            double best = -tol;
            for (std::size_t b = lo; b < hi; ++b) {
                if (b == a) continue;
                const double d = move_delta(t, l, a, b);
                if (d < best) best = d, to = b;
            }
            if (to == a) continue;
            apply_move(t, l, a, to);
            choice[n] = static_cast<std::int32_t>(to - lo);
            changed = true;
            ++moves;
        }
        if (!changed) break;
    }
    return moves;
}

}  // namespace edgesched
