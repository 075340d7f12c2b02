#include "solvers.hpp"

#include "scan.hpp"

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

// The devices with an allowed option on each server, in CSR form: server j's are
// devs[dev_ptr[j] .. dev_ptr[j+1]-1], each once, in increasing order.
void devices_by_server(const OptionTable& t, Span<const std::int32_t> fixed, std::vector<std::size_t>& dev_ptr,
                       std::vector<std::size_t>& devs) {
    const std::size_t S = t.n_servers(), N = t.n_devices();
    std::vector<std::size_t> seen(S, N);  // the last device counted on each server
    dev_ptr.assign(S + 1, 0);
    auto each = [&](auto&& f) {
        std::fill(seen.begin(), seen.end(), N);
        for (std::size_t n = 0; n < N; ++n) {
            const auto [lo, hi] = allowed(t, fixed, n);
            for (std::size_t o = lo; o < hi; ++o) {
                const std::int32_t j = t.server[o];
                if (j >= 0 && seen[static_cast<std::size_t>(j)] != n) {
                    seen[static_cast<std::size_t>(j)] = n;
                    f(static_cast<std::size_t>(j), n);
                }
            }
        }
    };
    each([&](std::size_t j, std::size_t) { ++dev_ptr[j + 1]; });
    for (std::size_t j = 0; j < S; ++j) dev_ptr[j + 1] += dev_ptr[j];
    devs.resize(dev_ptr[S]);
    std::vector<std::size_t> next(dev_ptr.begin(), dev_ptr.end() - 1);
    each([&](std::size_t j, std::size_t n) { devs[next[j]++] = n; });
}

// Each device's best single move (its change of the total and its menu index) under a tournament tree:
// every node holds the device with the smallest delta in its subtree, ties to the lower index, so the
// root is the first best move in scan order. Padding leaves hold device N (delta +inf).
class MoveTree {
public:
    explicit MoveTree(std::size_t n) : n_(n), delta_(n + 1, kInf), to_(n + 1, -1) {
        while (leaves_ < n) leaves_ *= 2;
        win_.assign(2 * leaves_, n);
    }
    void set(std::size_t n, double delta, std::int32_t to) {
        delta_[n] = delta;
        to_[n] = to;
    }
    void build() {
        for (std::size_t n = 0; n < n_; ++n) win_[leaves_ + n] = n;
        for (std::size_t v = leaves_ - 1; v >= 1; --v) win_[v] = winner(v);
    }
    // After set(n, ...): replay n's matches up to the root, stopping where a match's winner neither
    // changed nor is n (the nodes above are then unchanged too).
    void update(std::size_t n) {
        for (std::size_t v = (leaves_ + n) / 2; v >= 1; v /= 2) {
            const std::size_t w = winner(v);
            if (w == win_[v] && w != n) break;
            win_[v] = w;
        }
    }
    std::size_t top() const { return win_[1]; }
    double delta(std::size_t n) const { return delta_[n]; }
    std::int32_t option(std::size_t n) const { return to_[n]; }

private:
    std::size_t winner(std::size_t v) const {
        const std::size_t a = win_[2 * v], b = win_[2 * v + 1];  // a < b: the left subtree's indices are lower
        return delta_[b] < delta_[a] ? b : a;
    }
    std::size_t n_, leaves_ = 1;
    std::vector<double> delta_;
    std::vector<std::int32_t> to_;
    std::vector<std::size_t> win_;
};

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

namespace {

// The gain of device n's move (minus its delta) in descent_paper: -(sign to_edge + (A dc (U2 + dc) + B dw (V2 +
// dw))) with dc = sign c, dw = sign w; move_delta's arithmetic, operation for operation.
inline double paper_gain(double sign, double to_edge, double c, double w, double A, double B, double U2, double V2) {
    const double dc = sign * c, dw = sign * w;
    return -(sign * to_edge + (A * dc * (U2 + dc) + B * dw * (V2 + dw)));
}

// The first device n < N of the largest gain, and that gain (-inf and N if none counts; NaN never does).
std::pair<double, std::size_t> best_gain_scalar(const double* sign, const double* to_edge, const double* c,
                                                const double* w, double A, double B, double U2, double V2,
                                                std::size_t N) {
    double top = -kInf;
    std::size_t at = N;
    for (std::size_t n = 0; n < N; ++n) {
        const double g = paper_gain(sign[n], to_edge[n], c[n], w[n], A, B, U2, V2);
        if (g > top) top = g, at = n;
    }
    return {top, at};
}

#ifdef EDGESCHED_AVX2_SCAN
// best_gain_scalar over 4 lanes (AVX2 where the CPU has it): per lane the first largest gain (positions rise
// within a lane), then the lanes' winners, ties to the lowest device. The same operations, no fused
// multiply-add: the same gains.
__attribute__((target("avx2"))) std::pair<double, std::size_t> best_gain_avx2(
    const double* sign, const double* to_edge, const double* c, const double* w, double A, double B, double U2,
    double V2, std::size_t N) {
    const __m256d a = _mm256_set1_pd(A), b = _mm256_set1_pd(B), u2 = _mm256_set1_pd(U2), v2 = _mm256_set1_pd(V2);
    const __m256d minus = _mm256_set1_pd(-0.0), four = _mm256_set1_pd(4.0);  // -x flips the sign bit
    __m256d top = _mm256_set1_pd(-kInf), at = _mm256_set1_pd(kInf), pos = _mm256_set_pd(3.0, 2.0, 1.0, 0.0);
    std::size_t n = 0;
    for (; n + 4 <= N; n += 4) {
        const __m256d sg = _mm256_loadu_pd(sign + n);
        const __m256d dc = _mm256_mul_pd(sg, _mm256_loadu_pd(c + n)), dw = _mm256_mul_pd(sg, _mm256_loadu_pd(w + n));
        const __m256d quad = _mm256_add_pd(_mm256_mul_pd(_mm256_mul_pd(a, dc), _mm256_add_pd(u2, dc)),
                                           _mm256_mul_pd(_mm256_mul_pd(b, dw), _mm256_add_pd(v2, dw)));
        const __m256d g = _mm256_xor_pd(minus, _mm256_add_pd(_mm256_mul_pd(sg, _mm256_loadu_pd(to_edge + n)), quad));
        const __m256d take = _mm256_cmp_pd(g, top, _CMP_GT_OQ);
        top = _mm256_blendv_pd(top, g, take);
        at = _mm256_blendv_pd(at, pos, take);
        pos = _mm256_add_pd(pos, four);
    }
    alignas(32) double lane[4], lane_at[4];
    _mm256_store_pd(lane, top);
    _mm256_store_pd(lane_at, at);
    double best = -kInf, best_at = kInf;
    for (int q = 0; q < 4; ++q)
        if (lane[q] > best || (lane[q] == best && lane_at[q] < best_at)) best = lane[q], best_at = lane_at[q];
    std::size_t where = best_at < kInf ? static_cast<std::size_t>(best_at) : N;
    for (; n < N; ++n) {
        const double g = paper_gain(sign[n], to_edge[n], c[n], w[n], A, B, U2, V2);
        if (g > best) best = g, where = n;
    }
    return {best, where};
}
#endif

// Descent on the paper's table with one server (option 0 without it, option 1 on it): each device has one
// move, and all of them are priced in one vectorised pass with move_delta's arithmetic, operation for operation
// (from option 1 the linear change and the load change are the negations of those from option 0, exactly in
// floating point). The first device of the smallest delta moves, as in descent's scan.
std::size_t descent_paper(const OptionTable& t, Span<std::int32_t> choice, Loads& l, std::size_t max_moves) {
    const std::size_t N = t.n_devices();
    std::vector<double> sign(N), to_edge(N), c(N), w(N);
    for (std::size_t n = 0; n < N; ++n) {
        const std::size_t o = t.option(n, 1);
        to_edge[n] = t.linear[o] - t.linear[t.option(n, 0)];  // linear change of the move to the server
        c[n] = t.c[o];
        w[n] = t.w[o];
        sign[n] = choice[n] == 0 ? 1.0 : -1.0;
    }
    const double A = t.A[0], B = t.B[0];
    std::size_t moves = 0;
    while (moves < max_moves) {
        const double tol = 1e-13 * std::abs(l.total(t));
        const double U2 = 2.0 * l.U[0], V2 = 2.0 * l.V[0];
        // The largest gain (minus the move's delta) and the first device reaching it.
#ifdef EDGESCHED_AVX2_SCAN
        const auto [top, bn] = has_avx2() ? best_gain_avx2(sign.data(), to_edge.data(), c.data(), w.data(), A, B, U2, V2, N)
                                          : best_gain_scalar(sign.data(), to_edge.data(), c.data(), w.data(), A, B, U2, V2, N);
#else
        const auto [top, bn] = best_gain_scalar(sign.data(), to_edge.data(), c.data(), w.data(), A, B, U2, V2, N);
#endif
        if (!(top > tol)) break;  // no delta below -tol
        const std::int32_t to = 1 - choice[bn];
        apply_move(t, l, t.option(bn, choice[bn]), t.option(bn, to));
        choice[bn] = to;
        sign[bn] = -sign[bn];
        ++moves;
    }
    return moves;
}

}  // namespace

std::size_t descent(const OptionTable& t, Span<std::int32_t> choice, std::size_t max_moves) {
    const std::size_t N = t.n_devices();
    Loads l = compute_loads(t, Span<const std::int32_t>(choice));
    if (t.n_servers() == 1 && is_paper_table(t)) return descent_paper(t, choice, l, max_moves);
    // A move of one device changes the loads of at most two servers (DESIGN.md §1), so only the devices with
    // an option on them (and the mover) can see their move deltas change: each device's best move is kept,
    // and a tournament tree over the devices gives the best of all.
    std::vector<std::size_t> dev_ptr, devs;
    devices_by_server(t, {}, dev_ptr, devs);
    MoveTree tree(N);
    // Device n's best move: the lowest menu index reaching the smallest delta (+inf, index -1 for none).
    auto best_move = [&](std::size_t n) {
        const std::size_t a = t.option(n, choice[n]);
        const auto K = static_cast<std::int32_t>(t.n_options(n));
        double best = kInf;
        std::int32_t bk = -1;
        for (std::int32_t k = 0; k < K; ++k) {
            if (k == choice[n]) continue;
            const double d = move_delta(t, l, a, t.option(n, k));
            if (d < best) {
                best = d;
                bk = k;
            }
        }
        tree.set(n, best, bk);
    };
    for (std::size_t n = 0; n < N; ++n) best_move(n);
    tree.build();
    // Devices already recomputed for the current move (a device may have options on both servers).
    std::vector<std::size_t> stamp(N, 0);
    std::size_t moves = 0;
    while (moves < max_moves) {
        // An improvement must beat rounding noise on the total, or descent could cycle on ties. The tree's
        // winner is the lowest (device, option) among the smallest deltas: the first best in scan order.
        const double tol = 1e-13 * std::abs(l.total(t));
        const std::size_t bn = tree.top();
        if (!(tree.delta(bn) < -tol)) break;
        const std::size_t a = t.option(bn, choice[bn]), b = t.option(bn, tree.option(bn));
        apply_move(t, l, a, b);
        choice[bn] = tree.option(bn);
        ++moves;
        auto refresh = [&](std::size_t n) {
            if (stamp[n] == moves) return;
            stamp[n] = moves;
            best_move(n);
            tree.update(n);
        };
        refresh(bn);
        for (const std::int32_t s : {t.server[a], t.server[b]}) {
            if (s < 0) continue;
            const auto j = static_cast<std::size_t>(s);
            for (std::size_t i = dev_ptr[j]; i < dev_ptr[j + 1]; ++i) refresh(devs[i]);
        }
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

namespace {

// A search's time budget.
struct Deadline {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double seconds;
    bool passed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds;
    }
};

// Exact search around the relaxation, from the identity behind the dual bound (DESIGN.md §1-2): for any
// multipliers (lambda_j, mu_j) and every choice x, completing the squares A U^2 = lambda U - lambda^2 / (4A)
// + A (U - lambda / (2A))^2 gives
//
//   total(x) = g(lambda, mu) + sum_n rc_n(x_n) + sum_j [ A_j (U_j - lambda_j / (2 A_j))^2
//                                                       + B_j (V_j - mu_j / (2 B_j))^2 ],
//
// with rc_n(o) = priced(o) - min_o' priced(o') >= 0 the reduced cost of device n's option o. Every term after
// g is >= 0, so a choice that beats the incumbent by more than tol differs from the rounding at the
// multipliers only in options whose reduced costs sum to less than incumbent - tol - g. Those sets are few
// near the dual maximum (a device whose reduced cost alone exceeds the gap is fixed: reduced-cost fixing), and
// each is one O(1) change of the previous, so they are enumerated: options sorted by reduced cost, a set
// extended by the next option that fits, depth first with an explicit stack. The incumbent only falls, so the
// sets pruned stay pruned. Finishing proves that nothing cheaper than incumbent - tol exists.
class ReducedCostSearch {
public:
    // Multipliers `dual` with dual value `bound`; `incumbent` the cost of the best choice known. Options whose
    // reduced cost alone reaches incumbent - tol - g are left out from the start (reduced-cost fixing).
    ReducedCostSearch(const OptionTable& t, const DualState& dual, double bound, double incumbent, double rel_tol)
        : t_(t), g_(bound), rel_tol_(rel_tol), base_(t.n_devices()), choice_(t.n_devices()),
          free_(t.n_devices(), 0) {
        const std::size_t N = t.n_devices();
        dual_rounding(t, dual, {}, Span<std::int32_t>(base_.data(), base_.size()));
        // Rounding. The bounds g + sum rc and the running totals are sums of up to ~N terms each no larger in
        // magnitude than, respectively, P (priced options and the penalty) and Q (every linear cost and every
        // server's largest possible squares): each is off by at most about N ulps of its scale. The tests are
        // widened by 16 (N + 8) ulps, so that no set is left out, and no set skipped unchecked, by rounding
        // (on tables whose terms span many decades the margins grow and the search checks more sets exactly).
        double P = penalty(t, dual);
        for (std::size_t n = 0; n < N; ++n) {
            double p = 0.0;
            for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
                p = std::max(p, std::abs(priced(t, dual, o)));
            P += p;
        }
        const double Q = rounding_scale(t);
        const double ulps = 16.0 * (static_cast<double>(N) + 8.0) * std::numeric_limits<double>::epsilon();
        bound_slack_ = ulps * P;
        total_slack_ = ulps * Q;
        const double fit = incumbent - rel_tol * std::abs(incumbent) - g_ + bound_slack_;
        for (std::size_t n = 0; n < N; ++n) {
            const double best = priced(t, dual, t.option(n, base_[n]));
            for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)); ++k) {
                if (k == base_[n]) continue;
                const double rc = priced(t, dual, t.option(n, k)) - best;
                if (rc < fit) {
                    items_.push_back({rc, n, k});
                    free_[n] = 1;
                } else {
                    fixing_bound_ = std::min(fixing_bound_, g_ + rc - bound_slack_);
                }
            }
        }
        std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) { return a.rc < b.rc; });
    }

    // Device n's option at the multipliers (the rounding), and whether any other option of it can still pay.
    std::int32_t base(std::size_t n) const { return base_[n]; }
    bool free(std::size_t n) const { return free_[n] != 0; }
    // No choice with an option left out costs less than this.
    double fixing_bound() const { return fixing_bound_; }

    // Improves `best` (of cost `incumbent`) in place, visiting at most `node_limit` sets (`nodes` counts
    // them); `pruned_min` receives the smallest bound g + sum rc of a set left out. Returns whether the search
    // finished: then no choice costs less than min(incumbent, pruned_min).
    bool run(Span<std::int32_t> best, double& incumbent, std::uint64_t node_limit, std::uint64_t& nodes,
             double& pruned_min, const Deadline& deadline) {
        const std::size_t N = t_.n_devices();
        pruned_min = std::min(pruned_min, fixing_bound_);
        std::copy(base_.begin(), base_.end(), choice_.begin());
        Loads l = compute_loads(t_, Span<const std::int32_t>(choice_.data(), N));
        double quad = l.total(t_) - l.linear;
        auto server_term = [&](std::size_t j) { return t_.A[j] * l.U[j] * l.U[j] + t_.B[j] * l.V[j] * l.V[j]; };
        auto offer = [&]() {
            if (l.linear + quad < incumbent + total_slack_) {  // confirmed from scratch: the running sums round
                const double exact = total_cost(t_, Span<const std::int32_t>(choice_.data(), N));
                if (exact < incumbent) {
                    incumbent = exact;
                    std::copy(choice_.begin(), choice_.end(), best.begin());
                }
            }
        };
        offer();
        // The taken items, each with the sums it changed as they were before (undone exactly).
        struct Taken {
            std::size_t item;
            double sum, linear, quad, u[2], v[2];
        };
        std::vector<Taken> stack;
        std::vector<char> moved(N, 0);
        double sum = 0.0;  // reduced costs of the taken items
        std::size_t next = 0;
        // The servers an item's move touches: those of its base option and of its option, each once.
        auto servers = [&](const Item& it, std::int32_t (&sv)[2]) {
            sv[0] = t_.server[t_.option(it.n, base_[it.n])];
            sv[1] = t_.server[t_.option(it.n, it.k)];
            if (sv[1] == sv[0]) sv[1] = -1;
        };
        for (;;) {
            // The first item from `next` on whose device is at its base option: if it does not fit, no later
            // one does (they cost more), and the set cannot grow.
            while (next < items_.size() && moved[items_[next].n]) ++next;
            if (next < items_.size()) {
                const Item& it = items_[next];
                if (sum + it.rc < incumbent - rel_tol_ * std::abs(incumbent) - g_ + bound_slack_) {
                    if (nodes >= node_limit || ((nodes & 4095u) == 0 && deadline.passed())) return false;
                    ++nodes;
                    std::int32_t sv[2];
                    servers(it, sv);
                    Taken tk{next, sum, l.linear, quad, {0.0, 0.0}, {0.0, 0.0}};
                    for (int i = 0; i < 2; ++i) {
                        if (sv[i] < 0) continue;
                        const auto j = static_cast<std::size_t>(sv[i]);
                        tk.u[i] = l.U[j];
                        tk.v[i] = l.V[j];
                        quad -= server_term(j);
                    }
                    apply_move(t_, l, t_.option(it.n, base_[it.n]), t_.option(it.n, it.k));
                    for (int i = 0; i < 2; ++i)
                        if (sv[i] >= 0) quad += server_term(static_cast<std::size_t>(sv[i]));
                    choice_[it.n] = it.k;
                    moved[it.n] = 1;
                    sum += it.rc;
                    stack.push_back(tk);
                    offer();
                    ++next;
                    continue;
                }
                pruned_min = std::min(pruned_min, g_ + sum + it.rc - bound_slack_);
            }
            if (stack.empty()) return true;
            const Taken tk = stack.back();
            stack.pop_back();
            const Item& it = items_[tk.item];
            std::int32_t sv[2];
            servers(it, sv);
            for (int i = 0; i < 2; ++i) {
                if (sv[i] < 0) continue;
                l.U[static_cast<std::size_t>(sv[i])] = tk.u[i];
                l.V[static_cast<std::size_t>(sv[i])] = tk.v[i];
            }
            l.linear = tk.linear;
            quad = tk.quad;
            sum = tk.sum;
            choice_[it.n] = base_[it.n];
            moved[it.n] = 0;
            next = tk.item + 1;
        }
    }

private:
    struct Item {
        double rc;  // reduced cost of option k of device n
        std::size_t n;
        std::int32_t k;
    };
    const OptionTable& t_;
    double g_, rel_tol_, fixing_bound_ = kInf;
    double bound_slack_ = 0.0, total_slack_ = 0.0;  // rounding margins of the bounds and of the running totals
    std::vector<std::int32_t> base_, choice_;
    std::vector<char> free_;
    std::vector<Item> items_;
};

class BranchAndBound {
public:
    BranchAndBound(const OptionTable& t, Span<std::int32_t> best, const SearchLimits& lim)
        : t_(t), best_(best), lim_(lim), fixed_(t.n_devices(), -1), trial_(t.n_devices()),
          deadline_{std::chrono::steady_clock::now(), lim.time_limit_s} {
        incumbent_ = total_cost(t, Span<const std::int32_t>(best));
    }

    SearchResult run(const DualState& root, double root_bound) {
        const std::size_t N = t_.n_devices();
        SearchResult r;
        // First the reduced-cost search at the root multipliers, on half the node budget: near the dual
        // maximum it usually finishes within a few sets, each O(1).
        ReducedCostSearch rcs(t_, root, root_bound, incumbent_, lim_.rel_tol);
        double rc_pruned = kInf;
        if (rcs.run(best_, incumbent_, lim_.node_limit / 2, nodes_, rc_pruned, deadline_)) {
            r.cost = incumbent_;
            r.nodes = nodes_;
            r.proven = true;
            r.lower_bound = std::max(std::min(root_bound, incumbent_), std::min(incumbent_, rc_pruned));
            return r;
        }
        // Otherwise depth first on the dual bound, every device whose other options cannot pay fixed at the
        // rounding (no choice moving one of them beats the first incumbent by more than the tolerance).
        pruned_min_ = rcs.fixing_bound();
        for (std::size_t n = 0; n < N; ++n)
            if (!rcs.free(n)) fixed_[n] = rcs.base(n);
        // Branch first on the devices whose two best options are closest in linearised price: those
        // the bound is least sure about.
        std::vector<double> regret(N, kInf);
        for (std::size_t n = 0; n < N; ++n) {
            if (fixed_[n] >= 0) continue;
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
        visit(0, root);
        r.cost = incumbent_;
        r.nodes = nodes_;
        r.proven = !stopped_ && !too_deep_;
        r.lower_bound = std::min(root_bound, incumbent_);
        // A finished search pruned every node at a bound no lower than pruned_min_.
        if (r.proven) r.lower_bound = std::max(r.lower_bound, std::min(incumbent_, pruned_min_));
        return r;
    }

private:

    bool out_of_budget() {
        if (stopped_) return true;
        if (nodes_ >= lim_.node_limit) stopped_ = true;
        if ((nodes_ & 63u) == 0 && deadline_.passed()) stopped_ = true;
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
        if (depth > kMaxDepth) {  // the call stack's limit: leave the subtree unexplored (no proof)
            too_deep_ = true;
            return;
        }
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
    Deadline deadline_;
    double incumbent_ = kInf, pruned_min_ = kInf;
    std::uint64_t nodes_ = 0;
    bool stopped_ = false, too_deep_ = false;
    // Deepest node searched: each level is a stack frame of visit() (about 220-350 bytes, by -fstack-usage),
    // so a dive through every device of a huge table stops here, at about 0.7 MB of stack: within the 2 MB
    // that glibc gives a new thread when the stack limit is unlimited, and far within the usual 8 MB.
    static constexpr std::size_t kMaxDepth = 2048;
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
    const Loads first = compute_loads(t, Span<const std::int32_t>(cs));
    dual = tangent_point(t, first);
    // One server: the dual's maximum is found exactly from any start, and the search around the first
    // schedule's tangent prices takes fewer steps. Several: coordinate ascent searches each server's whole
    // range (warm searches stop at weaker bounds there).
    const double root_bound = dual_bound(t, {}, dual, 4, kBisectionSteps, t.n_servers() == 1);

    dual_rounding(t, dual, {}, choice);
    descent(t, choice, max_moves);
    double best = total_cost(t, Span<const std::int32_t>(choice));
    const double c = first.total(t);
    if (c < best) {
        best = c;
        std::copy(cand.begin(), cand.end(), choice.begin());
    }
    SearchResult r;
    r.cost = best;
    r.lower_bound = std::min(root_bound, best);
    r.prices = dual;
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

namespace {

// Candidates per server and direction for pair moves (about as good as 16 on city tables, half the time).
constexpr std::size_t kPairCandidates = 8;

// A move of device n from option a to option b (global option indices) and its change of the total.
struct Move {
    double delta;
    std::size_t n, a, b;
};

// Change of server s's loads (U_s, V_s) by a move.
std::pair<double, double> load_change(const OptionTable& t, const Move& m, std::int32_t s) {
    double du = 0.0, dv = 0.0;
    if (t.server[m.b] == s) du += t.c[m.b], dv += t.w[m.b];
    if (t.server[m.a] == s) du -= t.c[m.a], dv -= t.w[m.a];
    return {du, dv};
}

// Change of the total when two devices' moves x and y are made together: A_s (U_s + du_x + du_y)^2 -
// A_s U_s^2 = (x's change) + (y's change) + 2 A_s du_x du_y on every server s both touch (B_s, V_s likewise).
double pair_delta(const OptionTable& t, const Move& x, const Move& y) {
    double d = x.delta + y.delta;
    const std::int32_t sx[2] = {t.server[x.a], t.server[x.b]};
    for (int i = 0; i < 2; ++i) {
        const std::int32_t s = sx[i];
        if (s < 0 || (i == 1 && s == sx[0]) || (t.server[y.a] != s && t.server[y.b] != s)) continue;
        const auto [ux, vx] = load_change(t, x, s);
        const auto [uy, vy] = load_change(t, y, s);
        const auto j = static_cast<std::size_t>(s);
        d += 2.0 * (t.A[j] * ux * uy + t.B[j] * vx * vy);
    }
    return d;
}

// Pair moves after descent. At a descent optimum every single move has delta >= 0, so by pair_delta two
// moves can only gain together through a server where one removes load and the other adds it: a trade.
// Per server, the kPairCandidates cheapest moves off it and onto it (to or from another server or none)
// are paired. A pass applies, best first, every server's best improving pair (one lowering the total by
// more than 1e-13 |total|, as in descent) that touches no server or device an earlier pair of the pass
// touched, so that its computed change stays exact; then descent. Passes repeat until one finds no
// improving pair. Returns the number of pairs applied.
std::size_t pair_exchange(const OptionTable& t, Span<std::int32_t> choice) {
    const std::size_t N = t.n_devices(), S = t.n_servers(), L = kPairCandidates;
    std::vector<Move> off(S * L), on(S * L);  // per server, sorted by delta
    std::vector<std::size_t> n_off(S), n_on(S);
    std::vector<std::pair<double, std::pair<Move, Move>>> found;
    std::vector<char> server_used(S), device_used(N);
    // Insert m into server j's sorted list of at most L moves, if it is among the L cheapest.
    auto offer = [&](std::vector<Move>& list, std::vector<std::size_t>& count, std::size_t j, const Move& m) {
        Move* v = &list[j * L];
        std::size_t& k = count[j];
        if (k == L && !(m.delta < v[L - 1].delta)) return;
        std::size_t i = k < L ? k++ : L - 1;
        for (; i > 0 && m.delta < v[i - 1].delta; --i) v[i] = v[i - 1];
        v[i] = m;
    };
    std::size_t applied = 0;
    for (;;) {
        const Loads l = compute_loads(t, Span<const std::int32_t>(choice));
        const double tol = 1e-13 * std::abs(l.total(t));
        std::fill(n_off.begin(), n_off.end(), 0);
        std::fill(n_on.begin(), n_on.end(), 0);
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t a = t.option(n, choice[n]);
            const std::int32_t sa = t.server[a];
            for (std::size_t b = t.option(n, 0); b < t.option(n, 0) + t.n_options(n); ++b) {
                const std::int32_t sb = t.server[b];
                if (sb == sa) continue;  // no trade: the same server, or none on both sides
                const Move m{move_delta(t, l, a, b), n, a, b};
                if (sa >= 0) offer(off, n_off, static_cast<std::size_t>(sa), m);
                if (sb >= 0) offer(on, n_on, static_cast<std::size_t>(sb), m);
            }
        }
        found.clear();
        for (std::size_t j = 0; j < S; ++j) {
            double best = -tol;
            const Move *bx = nullptr, *by = nullptr;
            for (std::size_t p = 0; p < n_off[j]; ++p) {
                for (std::size_t q = 0; q < n_on[j]; ++q) {
                    const Move &x = off[j * L + p], &y = on[j * L + q];
                    if (x.n == y.n) continue;
                    const double d = pair_delta(t, x, y);
                    if (d < best) best = d, bx = &x, by = &y;
                }
            }
            if (bx) found.push_back({best, {*bx, *by}});
        }
        if (found.empty()) break;
        std::stable_sort(found.begin(), found.end(), [](const auto& u, const auto& v) { return u.first < v.first; });
        std::fill(server_used.begin(), server_used.end(), 0);
        std::fill(device_used.begin(), device_used.end(), 0);
        for (const auto& [d, xy] : found) {
            const std::int32_t touched[4] = {t.server[xy.first.a], t.server[xy.first.b], t.server[xy.second.a],
                                             t.server[xy.second.b]};
            bool free = !device_used[xy.first.n] && !device_used[xy.second.n];
            for (const std::int32_t s : touched) free = free && (s < 0 || !server_used[static_cast<std::size_t>(s)]);
            if (!free) continue;
            for (const std::int32_t s : touched)
                if (s >= 0) server_used[static_cast<std::size_t>(s)] = 1;
            for (const Move& m : {xy.first, xy.second}) {
                device_used[m.n] = 1;
                choice[m.n] = static_cast<std::int32_t>(m.b - t.option(m.n, 0));
            }
            ++applied;
        }
        descent(t, choice, std::numeric_limits<std::size_t>::max());
    }
    return applied;
}

}  // namespace

SearchResult solve_warm(const OptionTable& t, Span<std::int32_t> choice, const DualState* prices,
                        const SearchLimits& limits) {
    const std::size_t N = t.n_devices();
    const std::size_t max_moves = std::numeric_limits<std::size_t>::max();
    descent(t, choice, max_moves);  // A
    SearchResult r;
    r.prices = prices ? *prices : tangent_point(t, compute_loads(t, Span<const std::int32_t>(choice)));
    // Any multipliers give a valid bound (DESIGN.md §1-2); one warm sweep brings them back near the maximum
    // of the dual after the table's small change (exactly there when each device uses one server).
    const double bound = dual_bound(t, {}, r.prices, 1, kBisectionSteps, true);
    std::vector<std::int32_t> cand(N);  // B
    const Span<std::int32_t> cs(cand.data(), N);
    dual_rounding(t, r.prices, {}, cs);
    descent(t, cs, max_moves);
    if (total_cost(t, Span<const std::int32_t>(cs)) < total_cost(t, Span<const std::int32_t>(choice)))
        std::copy(cand.begin(), cand.end(), choice.begin());
    pair_exchange(t, choice);
    r.cost = total_cost(t, Span<const std::int32_t>(choice));
    r.lower_bound = std::min(bound, r.cost);
    r.proven = r.cost - r.lower_bound <= limits.rel_tol * std::abs(r.cost);
    return r;
}

SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads,
                          const DualState* prices) {
    if (method == "auto") return solve_auto(t, choice, limits, threads);
    if (method == "warm") return solve_warm(t, choice, prices, limits);
    SearchResult r;
    if (method == "exhaustive") {
        r.cost = exhaustive(t, choice, threads);
        r.lower_bound = r.cost;
        r.proven = true;
        r.prices = tangent_point(t, compute_loads(t, Span<const std::int32_t>(choice)));
        return r;
    }
    if (method == "bnb") {
        DualState dual;
        const double bound = dual_bound(t, {}, dual, 4, kBisectionSteps);
        dual_rounding(t, dual, {}, choice);
        descent(t, choice, std::numeric_limits<std::size_t>::max());
        r = branch_and_bound(t, choice, limits, dual, bound);
        r.prices = std::move(dual);
        return r;
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
    r.prices = tangent_point(t, l);
    r.lower_bound = std::min(dual_value(t, {}, r.prices), r.cost);
    return r;
}

}  // namespace edgesched
