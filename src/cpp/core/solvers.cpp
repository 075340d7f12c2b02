#include "solvers.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace edgesched {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Change of the total when one device moves from option a to option b (DESIGN.md §1: only the linear
// term and the sums of the servers involved change).
double move_delta(const OptionTable& t, const Loads& l, std::size_t a, std::size_t b) {
    double d = t.linear[b] - t.linear[a];
    const std::int32_t sa = t.server[a], sb = t.server[b];
    auto quad = [&](std::int32_t s, double dc, double dw) {
        const auto j = static_cast<std::size_t>(s);
        return t.A[j] * dc * (2.0 * l.U[j] + dc) + t.B[j] * dw * (2.0 * l.V[j] + dw);
    };
    if (sa == sb) {
        if (sa >= 0) d += quad(sa, t.c[b] - t.c[a], t.w[b] - t.w[a]);
    } else {
        if (sa >= 0) d += quad(sa, -t.c[a], -t.w[a]);
        if (sb >= 0) d += quad(sb, t.c[b], t.w[b]);
    }
    return d;
}

void apply_move(const OptionTable& t, Loads& l, std::size_t a, std::size_t b) {
    l.linear += t.linear[b] - t.linear[a];
    if (t.server[a] >= 0) {
        const auto j = static_cast<std::size_t>(t.server[a]);
        l.U[j] -= t.c[a];
        l.V[j] -= t.w[a];
    }
    if (t.server[b] >= 0) {
        const auto j = static_cast<std::size_t>(t.server[b]);
        l.U[j] += t.c[b];
        l.V[j] += t.w[b];
    }
}

// Linearised value of option o at the multipliers: linear_o + lambda_s c_o + mu_s w_o.
double priced(const OptionTable& t, const DualState& d, std::size_t o) {
    const std::int32_t s = t.server[o];
    if (s < 0) return t.linear[o];
    const auto j = static_cast<std::size_t>(s);
    return t.linear[o] + d.lambda[j] * t.c[o] + d.mu[j] * t.w[o];
}

// Options device n may take: all of its menu, or the one it is fixed to.
std::pair<std::size_t, std::size_t> allowed(const OptionTable& t, Span<const std::int32_t> fixed,
                                            std::size_t n) {
    if (fixed.size && fixed[n] >= 0) {
        const std::size_t o = t.option(n, fixed[n]);
        return {o, o + 1};
    }
    return {t.option(n, 0), t.option(n, 0) + t.n_options(n)};
}

double penalty(const OptionTable& t, const DualState& d) {
    double p = 0.0;
    for (std::size_t j = 0; j < t.n_servers(); ++j) {
        if (t.A[j] > 0.0) p += d.lambda[j] * d.lambda[j] / (4.0 * t.A[j]);
        if (t.B[j] > 0.0) p += d.mu[j] * d.mu[j] / (4.0 * t.B[j]);
    }
    return p;
}

double dual_value(const OptionTable& t, Span<const std::int32_t> fixed, const DualState& d) {
    double g = 0.0;
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const auto [lo, hi] = allowed(t, fixed, n);
        double best = kInf;
        for (std::size_t o = lo; o < hi; ++o) best = std::min(best, priced(t, d, o));
        g += best;
    }
    return g - penalty(t, d);
}

// Maximise g over (lambda_j, mu_j) with the other servers' multipliers held: nested bisection on the
// supergradients  sum_n c_active(n) - lambda/(2A)  and  sum_n w_active(n) - mu/(2B).
struct Step {
    double tau, c, w;  // a device is on server j for lambda < tau; its c and w there
};

void optimise_server(const OptionTable& t, Span<const std::int32_t> fixed, DualState& d, std::size_t j,
                     Span<const std::size_t> devs, int steps, std::vector<double>& rest,
                     std::vector<std::size_t>& on_j_ptr, std::vector<std::size_t>& on_j,
                     std::vector<Step>& tau_steps) {
    // Only the devices `devs` with an allowed option on j depend on (lambda_j, mu_j). Per such device
    // (position i in `devs`): the best price among its allowed options off server j, and its options on j.
    const std::size_t N = devs.size;
    on_j.clear();
    on_j_ptr.assign(N + 1, 0);
    double c_max = 0.0, w_max = 0.0;
    bool one_per_device = true;
    for (std::size_t i = 0; i < N; ++i) {
        const auto [lo, hi] = allowed(t, fixed, devs[i]);
        double r = kInf, cm = 0.0, wm = 0.0;
        for (std::size_t o = lo; o < hi; ++o) {
            if (t.server[o] == static_cast<std::int32_t>(j)) {
                on_j.push_back(o);
                cm = std::max(cm, t.c[o]);
                wm = std::max(wm, t.w[o]);
            } else {
                r = std::min(r, priced(t, d, o));
            }
        }
        rest[i] = r;
        on_j_ptr[i + 1] = on_j.size();
        one_per_device = one_per_device && on_j_ptr[i + 1] - on_j_ptr[i] <= 1;
        c_max += cm;
        w_max += wm;
    }
    // Sum over devices of the active option's c and w at (lam, mu); ties go to the option off server j
    // (or the first on it), which only picks one supergradient among several.
    auto active_sums = [&](double lam, double mu, double& sc, double& sw) {
        sc = 0.0;
        sw = 0.0;
        for (std::size_t n = 0; n < N; ++n) {
            double best = rest[n], bc = 0.0, bw = 0.0;
            for (std::size_t q = on_j_ptr[n]; q < on_j_ptr[n + 1]; ++q) {
                const std::size_t o = on_j[q];
                const double v = t.linear[o] + lam * t.c[o] + mu * t.w[o];
                if (v < best) {
                    best = v;
                    bc = t.c[o];
                    bw = t.w[o];
                }
            }
            sc += bc;
            sw += bw;
        }
    };
    const double A = t.A[j], B = t.B[j];
    // The inner maximiser lambda*(mu) often sits on a kink (a device indifferent between options, i.e.
    // fractional in the relaxation). The supergradient of max_lambda g in mu is then the w-sum of the
    // convex combination of the active sets on both sides of the kink that zeroes the lambda-gradient;
    // using either side alone can send the outer bisection the wrong way.
    struct Inner {
        double lambda, w_sum;
    };
    auto combine = [&](double lam, double sc_lo, double sw_lo, double sc_hi, double sw_hi) -> Inner {
        const double g_lo = sc_lo - lam / (2.0 * A), g_hi = sc_hi - lam / (2.0 * A);
        const double theta = g_lo - g_hi > 0.0 ? std::clamp(-g_hi / (g_lo - g_hi), 0.0, 1.0) : 1.0;
        return {lam, theta * sw_lo + (1.0 - theta) * sw_hi};
    };
    // With at most one option per device on server j (the paper's table), device n is on j exactly when
    // lambda < tau_n = (rest_n - linear_o - mu w_o) / c_o, so the lambda-supergradient is a step function
    // with one step per device: sorting the steps finds its zero exactly, in O(N log N).
    auto best_lambda_sorted = [&](double mu) -> Inner {
        tau_steps.clear();
        double sw_fixed = 0.0;  // devices on j whatever lambda is (c_o == 0)
        for (std::size_t n = 0; n < N; ++n) {
            if (on_j_ptr[n] == on_j_ptr[n + 1]) continue;
            const std::size_t o = on_j[on_j_ptr[n]];
            const double slack = rest[n] - t.linear[o] - mu * t.w[o];
            if (t.c[o] > 0.0) {
                if (slack > 0.0) tau_steps.push_back({slack / t.c[o], t.c[o], t.w[o]});
            } else if (slack > 0.0) {
                sw_fixed += t.w[o];
            }
        }
        std::sort(tau_steps.begin(), tau_steps.end(), [](const Step& a, const Step& b) { return a.tau > b.tau; });
        // Walk down from lambda = +inf: on (tau_{k+1}, tau_k) the first k steps are active.
        double sc = 0.0, lam = 0.0;
        for (std::size_t k = 0; k <= tau_steps.size(); ++k) {
            const double lower = k < tau_steps.size() ? std::max(tau_steps[k].tau, 0.0) : 0.0;
            if (sc >= lower / (2.0 * A)) {
                lam = std::min(2.0 * A * sc, k > 0 ? tau_steps[k - 1].tau : kInf);
                break;
            }
            sc += tau_steps[k].c;
        }
        // Sums on both sides of lam (they differ only when lam sits on a step: a kink of g).
        double sc_lo = 0.0, sw_lo = sw_fixed, sc_hi = 0.0, sw_hi = sw_fixed;
        for (const Step& st : tau_steps) {
            if (st.tau < lam) break;
            sc_lo += st.c;
            sw_lo += st.w;
            if (st.tau > lam) {
                sc_hi += st.c;
                sw_hi += st.w;
            }
        }
        return combine(lam, sc_lo, sw_lo, sc_hi, sw_hi);
    };
    auto best_lambda = [&](double mu) -> Inner {
        if (one_per_device && A > 0.0) return best_lambda_sorted(mu);
        double sc_lo, sw_lo, sc_hi, sw_hi;
        double lo = 0.0, hi = A > 0.0 ? 2.0 * A * c_max : 0.0;
        active_sums(lo, mu, sc_lo, sw_lo);
        if (!(A > 0.0)) return {0.0, sw_lo};
        active_sums(hi, mu, sc_hi, sw_hi);
        for (int it = 0; it < steps; ++it) {
            const double mid = 0.5 * (lo + hi);
            double sc, sw;
            active_sums(mid, mu, sc, sw);
            if (sc - mid / (2.0 * A) > 0.0) {
                lo = mid, sc_lo = sc, sw_lo = sw;
            } else {
                hi = mid, sc_hi = sc, sw_hi = sw;
            }
        }
        return combine(0.5 * (lo + hi), sc_lo, sw_lo, sc_hi, sw_hi);
    };
    double mu = 0.0;
    if (B > 0.0) {
        // psi(mu) = w_sum - mu / (2B) decreases in mu and is piecewise linear (between breakpoints the
        // inner solution moves linearly with mu), so regula falsi with the Illinois modification finds its
        // zero in a few steps; it never leaves the bracket, and `steps` caps it.
        auto psi = [&](double m) { return best_lambda(m).w_sum - m / (2.0 * B); };
        double lo = 0.0, hi = 2.0 * B * w_max;
        double f_lo = psi(lo), f_hi = hi > lo ? psi(hi) : 0.0;
        double best_abs = std::abs(f_lo);
        mu = lo;
        auto keep = [&](double m, double f) {
            if (std::abs(f) < best_abs) best_abs = std::abs(f), mu = m;
        };
        keep(hi, f_hi);
        const double tol = 1e-15 * (w_max + hi / (2.0 * B));
        int side = 0;
        for (int it = 0; it < steps && f_lo > tol && f_hi < -tol && hi - lo > 1e-15 * hi; ++it) {
            double m = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
            if (!(m > lo && m < hi)) m = 0.5 * (lo + hi);
            const double f = psi(m);
            keep(m, f);
            if (f > 0.0) {
                lo = m, f_lo = f;
                if (side == -1) f_hi *= 0.5;  // Illinois: the same end kept twice
                side = -1;
            } else {
                hi = m, f_hi = f;
                if (side == 1) f_lo *= 0.5;
                side = 1;
            }
        }
    }
    d.mu[j] = mu;
    d.lambda[j] = best_lambda(mu).lambda;
}

}  // namespace

std::size_t descent(const OptionTable& t, Span<std::int32_t> choice, std::size_t max_moves) {
    const std::size_t N = t.n_devices();
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    std::size_t moves = 0;
    while (moves < max_moves) {
        // An improvement must beat rounding noise on the total, or descent could cycle on ties.
        const double tol = 1e-13 * std::abs(l.total(t));
        double best = -tol;
        std::size_t bn = N;
        std::int32_t bk = -1;
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t a = t.option(n, choice[n]);
            const auto K = static_cast<std::int32_t>(t.n_options(n));
            for (std::int32_t k = 0; k < K; ++k) {
                if (k == choice[n]) continue;
                const double d = move_delta(t, l, a, t.option(n, k));
                if (d < best) {
                    best = d;
                    bn = n;
                    bk = k;
                }
            }
        }
        if (bn == N) break;
        apply_move(t, l, t.option(bn, choice[bn]), t.option(bn, bk));
        choice[bn] = bk;
        ++moves;
    }
    return moves;
}

DualState tangent_point(const OptionTable& t, const Loads& l) {
    DualState d;
    d.lambda.resize(t.n_servers());
    d.mu.resize(t.n_servers());
    for (std::size_t j = 0; j < t.n_servers(); ++j) {
        d.lambda[j] = 2.0 * t.A[j] * l.U[j];
        d.mu[j] = 2.0 * t.B[j] * l.V[j];
    }
    return d;
}

double tangent_bound(const OptionTable& t, const Loads& l) {
    return dual_value(t, {}, tangent_point(t, l));
}

double dual_bound(const OptionTable& t, Span<const std::int32_t> fixed, DualState& dual, int sweeps,
                  int bisection_steps) {
    const std::size_t S = t.n_servers(), N = t.n_devices();
    if (dual.lambda.size() != S) dual.lambda.assign(S, 0.0);
    if (dual.mu.size() != S) dual.mu.assign(S, 0.0);
    // The devices with an allowed option on each server (CSR), and each device's best price.
    std::vector<std::size_t> dev_ptr(S + 1, 0), devs, seen(S, N);
    std::vector<double> best(N);
    for (std::size_t n = 0; n < N; ++n) {
        const auto [lo, hi] = allowed(t, fixed, n);
        best[n] = kInf;
        for (std::size_t o = lo; o < hi; ++o) {
            best[n] = std::min(best[n], priced(t, dual, o));
            const std::int32_t j = t.server[o];
            if (j >= 0 && seen[static_cast<std::size_t>(j)] != n) {
                seen[static_cast<std::size_t>(j)] = n;
                ++dev_ptr[static_cast<std::size_t>(j) + 1];
            }
        }
    }
    for (std::size_t j = 0; j < S; ++j) dev_ptr[j + 1] += dev_ptr[j];
    devs.resize(dev_ptr[S]);
    {
        std::vector<std::size_t> next(dev_ptr.begin(), dev_ptr.end() - 1);
        std::fill(seen.begin(), seen.end(), N);
        for (std::size_t n = 0; n < N; ++n) {
            const auto [lo, hi] = allowed(t, fixed, n);
            for (std::size_t o = lo; o < hi; ++o) {
                const std::int32_t j = t.server[o];
                if (j >= 0 && seen[static_cast<std::size_t>(j)] != n) {
                    seen[static_cast<std::size_t>(j)] = n;
                    devs[next[static_cast<std::size_t>(j)]++] = n;
                }
            }
        }
    }
    std::vector<double> rest(N), old_best;
    std::vector<std::size_t> on_j_ptr, on_j;
    std::vector<Step> tau_steps;
    // With one server the block is the whole problem and one sweep is exact; with several, block
    // coordinate ascent improves g monotonically from the caller's multipliers but may stop short of its
    // maximum (the bound stays valid).
    const int n_sweeps = S <= 1 ? 1 : sweeps;
    for (int sweep = 0; sweep < n_sweeps; ++sweep) {
        for (std::size_t j = 0; j < S; ++j) {
            const Span<const std::size_t> on(devs.data() + dev_ptr[j], dev_ptr[j + 1] - dev_ptr[j]);
            const double lam = dual.lambda[j], mu = dual.mu[j];
            optimise_server(t, fixed, dual, j, on, bisection_steps, rest, on_j_ptr, on_j, tau_steps);
            // Only the devices on j changed their best price: the change of g is theirs and j's penalty.
            double delta = 0.0;
            old_best.resize(on.size);
            for (std::size_t i = 0; i < on.size; ++i) {
                const std::size_t n = on[i];
                const auto [lo, hi] = allowed(t, fixed, n);
                double b = kInf;
                for (std::size_t o = lo; o < hi; ++o) b = std::min(b, priced(t, dual, o));
                old_best[i] = best[n];
                delta += b - best[n];
                best[n] = b;
            }
            const double pen_j_old = (t.A[j] > 0.0 ? lam * lam / (4.0 * t.A[j]) : 0.0) +
                                     (t.B[j] > 0.0 ? mu * mu / (4.0 * t.B[j]) : 0.0);
            const double pen_j_new =
                (t.A[j] > 0.0 ? dual.lambda[j] * dual.lambda[j] / (4.0 * t.A[j]) : 0.0) +
                (t.B[j] > 0.0 ? dual.mu[j] * dual.mu[j] / (4.0 * t.B[j]) : 0.0);
            if (delta - (pen_j_new - pen_j_old) < 0.0) {  // landed off the maximum by rounding: keep the old
                dual.lambda[j] = lam;
                dual.mu[j] = mu;
                for (std::size_t i = 0; i < on.size; ++i) best[on[i]] = old_best[i];
            }
        }
    }
    return dual_value(t, fixed, dual);
}

void dual_rounding(const OptionTable& t, const DualState& dual, Span<const std::int32_t> fixed,
                   Span<std::int32_t> choice) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        if (fixed.size && fixed[n] >= 0) {
            choice[n] = fixed[n];
            continue;
        }
        double best = kInf;
        const auto K = static_cast<std::int32_t>(t.n_options(n));
        for (std::int32_t k = 0; k < K; ++k) {
            const double v = priced(t, dual, t.option(n, k));
            if (v < best) {
                best = v;
                choice[n] = k;
            }
        }
    }
}

namespace {

class BranchAndBound {
public:
    BranchAndBound(const OptionTable& t, Span<std::int32_t> best, const SearchLimits& lim)
        : t_(t), best_(best), lim_(lim), fixed_(t.n_devices(), -1), trial_(t.n_devices()),
          start_(std::chrono::steady_clock::now()) {
        incumbent_ = total_cost(t, Span<const std::int32_t>(best));
    }

    SearchResult run(const DualState& root, double root_bound) {
        const std::size_t N = t_.n_devices();
        // Branch first on the devices whose two best options are closest in linearised price: those
        // the bound is least sure about.
        std::vector<double> regret(N, kInf);
        for (std::size_t n = 0; n < N; ++n) {
            if (t_.n_options(n) < 2) continue;
            double b1 = kInf, b2 = kInf;
            for (std::size_t o = t_.option(n, 0); o < t_.option(n, 0) + t_.n_options(n); ++o) {
                const double v = priced(t_, root, o);
                if (v < b1) {
                    b2 = b1;
                    b1 = v;
                } else if (v < b2) {
                    b2 = v;
                }
            }
            regret[n] = b2 - b1;
            order_.push_back(n);
        }
        std::stable_sort(order_.begin(), order_.end(),
                         [&](std::size_t a, std::size_t b) { return regret[a] < regret[b]; });
        for (std::size_t n = 0; n < N; ++n)
            if (t_.n_options(n) == 1) fixed_[n] = 0;
        pruned_min_ = kInf;
        visit(0, root);
        SearchResult r;
        r.cost = incumbent_;
        r.nodes = nodes_;
        r.proven = !stopped_;
        r.lower_bound = std::min(root_bound, incumbent_);
        // A finished search pruned every node at a bound no lower than pruned_min_.
        if (r.proven) r.lower_bound = std::max(r.lower_bound, std::min(incumbent_, pruned_min_));
        return r;
    }

private:

    bool out_of_budget() {
        if (stopped_) return true;
        if (nodes_ >= lim_.node_limit) stopped_ = true;
        if ((nodes_ & 63u) == 0) {
            const std::chrono::duration<double> el = std::chrono::steady_clock::now() - start_;
            if (el.count() > lim_.time_limit_s) stopped_ = true;
        }
        return stopped_;
    }

    void consider(Span<const std::int32_t> choice) {
        const double c = total_cost(t_, choice);
        if (c < incumbent_) {
            incumbent_ = c;
            std::copy(choice.begin(), choice.end(), best_.begin());
        }
    }

    void visit(std::size_t depth, DualState dual) {
        if (out_of_budget()) return;
        ++nodes_;
        const Span<const std::int32_t> fixed(fixed_.data(), fixed_.size());
        if (depth == order_.size()) {  // every device fixed: a leaf
            consider(fixed);
            pruned_min_ = std::min(pruned_min_, total_cost(t_, fixed));
            return;
        }
        const double bound = dual_bound(t_, fixed, dual, 2, kBisectionSteps);
        if (bound >= incumbent_ - lim_.rel_tol * std::abs(incumbent_)) {
            pruned_min_ = std::min(pruned_min_, bound);
            return;
        }
        // A cheap primal: round the node's relaxation (fixed devices keep their option).
        const Span<std::int32_t> trial(trial_.data(), trial_.size());
        dual_rounding(t_, dual, fixed, trial);
        consider(Span<const std::int32_t>(trial));
        const std::size_t n = order_[depth];
        const auto K = static_cast<std::int32_t>(t_.n_options(n));
        std::vector<std::pair<double, std::int32_t>> kids;
        kids.reserve(static_cast<std::size_t>(K));
        for (std::int32_t k = 0; k < K; ++k) kids.emplace_back(priced(t_, dual, t_.option(n, k)), k);
        std::sort(kids.begin(), kids.end());
        for (const auto& [price, k] : kids) {
            fixed_[n] = k;
            visit(depth + 1, dual);
            if (stopped_) break;
        }
        fixed_[n] = -1;
    }

    const OptionTable& t_;
    Span<std::int32_t> best_;
    SearchLimits lim_;
    std::vector<std::int32_t> fixed_, trial_;
    std::vector<std::size_t> order_;
    std::chrono::steady_clock::time_point start_;
    double incumbent_ = kInf, pruned_min_ = kInf;
    std::uint64_t nodes_ = 0;
    bool stopped_ = false;
};

}  // namespace

SearchResult branch_and_bound(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                              const DualState& root, double root_bound) {
    return BranchAndBound(t, choice, limits).run(root, root_bound);
}

bool is_paper_table(const OptionTable& t) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        if (t.n_options(n) != 2) return false;
        if (t.server[t.option(n, 0)] >= 0 || t.server[t.option(n, 1)] < 0) return false;
    }
    return true;
}

namespace {
// Largest search space the default solver enumerates outright (about 0.1 s on one core).
constexpr std::uint64_t kAutoExhaustiveLimit = std::uint64_t{1} << 22;
}  // namespace

SearchResult solve_auto(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        unsigned threads) {
    const std::size_t N = t.n_devices();
    const std::size_t max_moves = std::numeric_limits<std::size_t>::max();
    // A first schedule: the paper's greedy improved by descent where it applies, else every device's
    // cheapest option alone. Its tangent prices start the dual ascent: with several servers, coordinate
    // ascent from zero prices can stall (a device priced out of one free server moves to another).
    std::vector<std::int32_t> cand(N);
    const Span<std::int32_t> cs(cand.data(), N);
    DualState dual;
    const bool paper = is_paper_table(t);
    if (paper) {
        paper_greedy(t, cs);
        descent(t, cs, max_moves);
    } else {  // a poor schedule, but its tangent prices are a good start for the ascent
        dual.lambda.assign(t.n_servers(), 0.0);
        dual.mu.assign(t.n_servers(), 0.0);
        dual_rounding(t, dual, {}, cs);
    }
    dual = tangent_point(t, compute_loads(t, Span<const std::int32_t>(cs)));
    const double root_bound = dual_bound(t, {}, dual, 4, kBisectionSteps);

    dual_rounding(t, dual, {}, choice);
    descent(t, choice, max_moves);
    double best = total_cost(t, Span<const std::int32_t>(choice));
    const double c = total_cost(t, Span<const std::int32_t>(cs));
    if (c < best) {
        best = c;
        std::copy(cand.begin(), cand.end(), choice.begin());
    }
    SearchResult r;
    r.cost = best;
    r.lower_bound = std::min(root_bound, best);
    if (search_space_size(t) <= kAutoExhaustiveLimit) {
        r.cost = exhaustive(t, choice, threads);
        r.lower_bound = r.cost;
        r.proven = true;
        return r;
    }
    // Certified close enough (like a MIP solver's relative gap limit): no exact search.
    r.proven = best - r.lower_bound <= limits.rel_tol * std::abs(best);
    if (r.proven || best - r.lower_bound <= limits.gap_tol * std::abs(best)) return r;
    if (limits.node_limit > 0 && limits.time_limit_s > 0.0) {
        SearchLimits search = limits;
        search.rel_tol = std::max(limits.rel_tol, limits.gap_tol);  // prune what cannot gain more than that
        const SearchResult b = branch_and_bound(t, choice, search, dual, root_bound);
        r.cost = b.cost;
        r.lower_bound = std::max(r.lower_bound, b.lower_bound);
        r.proven = (b.proven && search.rel_tol == limits.rel_tol) ||
                   r.cost - r.lower_bound <= limits.rel_tol * std::abs(r.cost);
        r.nodes = b.nodes;
    }
    return r;
}

SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads) {
    if (method == "auto") return solve_auto(t, choice, limits, threads);
    SearchResult r;
    if (method == "exhaustive") {
        r.cost = exhaustive(t, choice, threads);
        r.lower_bound = r.cost;
        r.proven = true;
        return r;
    }
    if (method == "bnb") {
        DualState dual;
        const double bound = dual_bound(t, {}, dual, 4, kBisectionSteps);
        dual_rounding(t, dual, {}, choice);
        descent(t, choice, std::numeric_limits<std::size_t>::max());
        return branch_and_bound(t, choice, limits, dual, bound);
    }
    if (method == "greedy") {
        if (!is_paper_table(t))
            throw std::invalid_argument(
                "method 'greedy' needs two options per device: option 0 without a server, option 1 on one");
        paper_greedy(t, choice);
    } else if (method == "descent") {
        descent(t, choice, std::numeric_limits<std::size_t>::max());  // from the caller's start
    } else if (method == "local") {
        fixed_choice(t, 0, choice);
    } else if (method == "edge") {
        fixed_choice(t, 1, choice);
    } else if (method == "random") {
        random_choice(t, seed, choice);
    } else {
        throw std::invalid_argument("unknown method '" + method + "'");
    }
    const Loads l = compute_loads(t, Span<const std::int32_t>(choice));  // once, for the cost and the bound
    r.cost = l.total(t);
    r.lower_bound = std::min(tangent_bound(t, l), r.cost);
    return r;
}

}  // namespace edgesched
