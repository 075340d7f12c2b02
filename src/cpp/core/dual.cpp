#include "dual.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace edgesched {

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

namespace {

// Maximise g over (lambda_j, mu_j) with the other servers' multipliers held: nested bisection on the
// supergradients  sum_n c_active(n) - lambda/(2A)  and  sum_n w_active(n) - mu/(2B).
struct Step {
    double tau, c, w;  // a device is on server j for lambda < tau (-inf: for no lambda >= 0); its c and w there
    double slack0;     // rest_n - linear_o: its slack at mu = 0
};

void optimise_server(const OptionTable& t, Span<const std::int32_t> fixed, DualState& d, std::size_t j,
                     Span<const std::size_t> devs, int steps, std::vector<double>& rest,
                     std::vector<std::size_t>& on_j_ptr, std::vector<std::size_t>& on_j,
                     std::vector<Step>& tau_steps, bool warm) {
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
    // with one step per device: sorting the steps finds its zero exactly, in O(N log N). The steps are built
    // and sorted at the first probe and keep their order from probe to probe: mu moves little between late
    // probes, so they stay nearly sorted and an insertion sort restores the order in about one pass (the walk
    // below does not depend on the order of equal taus).
    double sw_fixed = 0.0;  // devices on j whatever lambda is (c_o == 0), at the last mu
    bool steps_built = false;
    auto best_lambda_sorted = [&](double mu) -> Inner {
        const bool first_probe = !steps_built;
        if (first_probe) {
            tau_steps.clear();
            for (std::size_t n = 0; n < N; ++n) {
                if (on_j_ptr[n] == on_j_ptr[n + 1]) continue;
                const std::size_t o = on_j[on_j_ptr[n]];
                tau_steps.push_back({0.0, t.c[o], t.w[o], rest[n] - t.linear[o]});
            }
            steps_built = true;
        }
        sw_fixed = 0.0;
        for (Step& st : tau_steps) {
            const double slack = st.slack0 - mu * st.w;
            if (st.c > 0.0) {
                st.tau = slack > 0.0 ? slack / st.c : -kInf;
            } else {
                st.tau = -kInf;
                if (slack > 0.0) sw_fixed += st.w;
            }
        }
        // Descending tau: insertion sort while the steps are nearly in order, else a full sort.
        auto later = [](const Step& a, const Step& b) { return a.tau > b.tau; };
        std::size_t shifts = first_probe ? std::numeric_limits<std::size_t>::max() : 0;
        for (std::size_t i = 1; i < tau_steps.size() && shifts <= 4 * tau_steps.size(); ++i) {
            const Step x = tau_steps[i];
            std::size_t k = i;
            for (; k > 0 && later(x, tau_steps[k - 1]); --k) tau_steps[k] = tau_steps[k - 1];
            tau_steps[k] = x;
            shifts += i - k;
        }
        if (shifts > 4 * tau_steps.size()) std::sort(tau_steps.begin(), tau_steps.end(), later);
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
    if (!(B > 0.0)) {
        d.mu[j] = 0.0;
        d.lambda[j] = best_lambda(0.0).lambda;
        return;
    }
    // psi(mu) = w_sum - mu / (2B) decreases in mu and is piecewise linear (between breakpoints the inner
    // solution moves linearly with mu), so regula falsi with the Illinois modification finds its zero in a
    // few steps; it never leaves the bracket, and `steps` caps it. Each probe keeps its inner solution, so
    // the one kept needs no second evaluation.
    struct Probe {
        double m, f;
        Inner in;
    };
    auto probe = [&](double m) -> Probe {
        const Inner in = best_lambda(m);
        return {m, in.w_sum - m / (2.0 * B), in};
    };
    const double top = 2.0 * B * w_max;
    Probe lo, hi;
    if (warm) {
        // The root lies between m0 (the current mu) and m1 = 2B w_sum(m0) = m0 + 2B psi(m0): w_sum does not
        // increase with mu, so psi(m) <= w_sum(m0) - m/(2B) for m >= m0 (zero at m1), and >= it for m <= m0.
        // Near the maximum this bracket is narrow: a few steps instead of a search over [0, top].
        const Probe p0 = probe(std::clamp(d.mu[j], 0.0, top));
        const double m1 = std::clamp(p0.m + 2.0 * B * p0.f, 0.0, top);
        const Probe p1 = m1 != p0.m ? probe(m1) : p0;
        lo = p0.f > 0.0 ? p0 : p1;
        hi = p0.f > 0.0 ? p1 : p0;
    } else {
        lo = probe(0.0);
        hi = top > 0.0 ? probe(top) : Probe{top, 0.0, lo.in};
    }
    Probe best = std::abs(hi.f) < std::abs(lo.f) ? hi : lo;
    const double tol = 1e-15 * (w_max + top / (2.0 * B));
    int side = 0;
    for (int it = 0; it < steps && lo.f > tol && hi.f < -tol && hi.m - lo.m > 1e-15 * hi.m; ++it) {
        double m = (lo.m * hi.f - hi.m * lo.f) / (hi.f - lo.f);
        if (!(m > lo.m && m < hi.m)) m = 0.5 * (lo.m + hi.m);
        const Probe p = probe(m);
        if (std::abs(p.f) < std::abs(best.f)) best = p;
        if (p.f > 0.0) {
            lo = p;
            if (side == -1) hi.f *= 0.5;  // Illinois: the same end kept twice
            side = -1;
        } else {
            hi = p;
            if (side == 1) lo.f *= 0.5;
            side = 1;
        }
    }
    d.mu[j] = best.m;
    d.lambda[j] = best.in.lambda;
}

}  // namespace

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

double dual_bound(const OptionTable& t, Span<const std::int32_t> fixed, DualState& dual, int sweeps,
                  int bisection_steps, bool warm) {
    const std::size_t S = t.n_servers(), N = t.n_devices();
    if (dual.lambda.size() != S) dual.lambda.assign(S, 0.0);
    if (dual.mu.size() != S) dual.mu.assign(S, 0.0);
    std::vector<double> rest(N), old_best;
    std::vector<std::size_t> on_j_ptr, on_j;
    std::vector<Step> tau_steps;
    if (S == 1) {  // one block, the whole problem: maximised exactly from any start
        std::vector<std::size_t> on;
        on.reserve(N);
        for (std::size_t n = 0; n < N; ++n) {
            const auto [lo, hi] = allowed(t, fixed, n);
            for (std::size_t o = lo; o < hi; ++o)
                if (t.server[o] == 0) {
                    on.push_back(n);
                    break;
                }
        }
        const DualState start = dual;
        const double g_start = dual_value(t, fixed, dual);
        optimise_server(t, fixed, dual, 0, {on.data(), on.size()}, bisection_steps, rest, on_j_ptr, on_j,
                        tau_steps, warm);
        const double g = dual_value(t, fixed, dual);
        if (g >= g_start) return g;
        dual = start;  // landed off the maximum by rounding: keep the start
        return g_start;
    }
    // The devices with an allowed option on each server (CSR), and each device's best price.
    std::vector<std::size_t> dev_ptr, devs;
    devices_by_server(t, fixed, dev_ptr, devs);
    std::vector<double> best(N);
    for (std::size_t n = 0; n < N; ++n) {
        const auto [lo, hi] = allowed(t, fixed, n);
        best[n] = kInf;
        for (std::size_t o = lo; o < hi; ++o) best[n] = std::min(best[n], priced(t, dual, o));
    }
    // Block coordinate ascent improves g monotonically from the caller's multipliers but may stop short of its
    // maximum (the bound stays valid).
    for (int sweep = 0; sweep < sweeps; ++sweep) {
        for (std::size_t j = 0; j < S; ++j) {
            const Span<const std::size_t> on(devs.data() + dev_ptr[j], dev_ptr[j + 1] - dev_ptr[j]);
            const double lam = dual.lambda[j], mu = dual.mu[j];
            optimise_server(t, fixed, dual, j, on, bisection_steps, rest, on_j_ptr, on_j, tau_steps, warm);
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

}  // namespace edgesched
