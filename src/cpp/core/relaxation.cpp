#include "relaxation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace edgesched {

bool servers_coupled(const OptionTable& t, Span<const std::uint8_t> off) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        std::int32_t first = -1;
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o) {
            const std::int32_t j = t.server[o];
            if (j < 0 || (off.size && off[o])) continue;
            if (first < 0) {
                first = j;
            } else if (j != first) {
                return true;
            }
        }
    }
    return false;
}

namespace {

// Smoothed terms below this many eps above a device's best are taken as 0 (exp(-40) ~ 4e-18).
constexpr double kCutoff = 40.0;

// The allowed options device by device, in scaled form: pi_o(z) = lin + 2 (z[2j] a + z[2j+1] b).
struct Scaled {
    std::vector<std::size_t> ptr, opt;
    std::vector<std::int32_t> server;
    std::vector<double> lin, a, b;
};

Scaled scaled_table(const OptionTable& t, Span<const std::uint8_t> off) {
    Scaled s;
    const std::size_t N = t.n_devices();
    s.ptr.reserve(N + 1);
    s.ptr.push_back(0);
    for (std::size_t n = 0; n < N; ++n) {
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o) {
            if (off.size && off[o]) continue;
            const std::int32_t j = t.server[o];
            s.opt.push_back(o);
            s.server.push_back(j);
            s.lin.push_back(t.linear[o]);
            const auto js = static_cast<std::size_t>(j < 0 ? 0 : j);
            s.a.push_back(j < 0 ? 0.0 : std::sqrt(t.A[js]) * t.c[o]);
            s.b.push_back(j < 0 ? 0.0 : std::sqrt(t.B[js]) * t.w[o]);
        }
        s.ptr.push_back(s.opt.size());
    }
    return s;
}

// One evaluation of the smoothed dual at z: its value G, the exact dual value g, the primal value P of the softmax
// mix, the gradient of G and (when asked) minus its Hessian, H = 2 I + (1/eps) sum_n Cov_n(d).
class Smoothed {
public:
    Smoothed(const Scaled& s, std::size_t servers) : s_(s), D_(2 * servers), pi_(s.lin.size()), p_(s.lin.size()) {}

    std::size_t dim() const { return D_; }
    const std::vector<double>& weights() const { return p_; }

    struct Value {
        double G = 0.0, g = 0.0, P = 0.0;
        double mix_rc = 0.0;  // sum_n sum_o p_o (pi_o - min pi): the mix's reduced cost at z
        double drift = 0.0;   // |u(p) - z|^2; P - g = mix_rc + drift
    };

    Value eval(const std::vector<double>& z, double eps, std::vector<double>* grad, std::vector<double>* H) {
        Value v;
        std::vector<double> sums(D_, 0.0);  // sum_n sum_o p a (even) and p b (odd)
        double lin = 0.0;
        if (H) H->assign(D_ * D_, 0.0);
        const std::size_t N = s_.ptr.size() - 1;
        const double inv_eps = 1.0 / eps;
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t lo = s_.ptr[n], hi = s_.ptr[n + 1];
            double m = kInf;
            for (std::size_t q = lo; q < hi; ++q) {
                const std::int32_t j = s_.server[q];
                double pi = s_.lin[q];
                if (j >= 0) {
                    const auto k = 2 * static_cast<std::size_t>(j);
                    pi += 2.0 * (z[k] * s_.a[q] + z[k + 1] * s_.b[q]);
                }
                pi_[q] = pi;
                m = std::min(m, pi);
            }
            double total = 0.0;
            std::size_t active = 0;
            for (std::size_t q = lo; q < hi; ++q) {
                const double d = (pi_[q] - m) * inv_eps;
                const double e = d == 0.0 ? 1.0 : d < kCutoff ? std::exp(-d) : 0.0;
                p_[q] = e;
                total += e;
                active += e > 0.0 ? 1 : 0;
            }
            v.G += active == 1 ? m : m - eps * std::log(total);  // one option in play: total is exp(0) = 1
            v.g += m;
            const double inv_total = 1.0 / total;
            for (std::size_t q = lo; q < hi; ++q) {
                const double p = p_[q] * inv_total;
                p_[q] = p;
                if (p == 0.0) continue;
                lin += p * s_.lin[q];
                v.mix_rc += p * (pi_[q] - m);
                const std::int32_t j = s_.server[q];
                if (j >= 0) {
                    const auto k = 2 * static_cast<std::size_t>(j);
                    sums[k] += p * s_.a[q];
                    sums[k + 1] += p * s_.b[q];
                }
            }
            if (H && active >= 2) add_covariance(lo, hi, eps, *H);
        }
        double quad = 0.0, zz = 0.0;
        for (std::size_t i = 0; i < D_; ++i) {
            quad += sums[i] * sums[i];
            zz += z[i] * z[i];
            v.drift += (sums[i] - z[i]) * (sums[i] - z[i]);
        }
        v.G -= zz;
        v.g -= zz;
        v.P = lin + quad;
        if (grad) {
            grad->resize(D_);
            for (std::size_t i = 0; i < D_; ++i) (*grad)[i] = 2.0 * sums[i] - 2.0 * z[i];
        }
        if (H)
            for (std::size_t i = 0; i < D_; ++i) (*H)[i * D_ + i] += 2.0;
        return v;
    }

private:
    // (1/eps) Cov_p(d) of one device, d_o = (2a at 2j, 2b at 2j+1) for option o on server j, 0 for none.
    void add_covariance(std::size_t lo, std::size_t hi, double eps, std::vector<double>& H) {
        coords_.clear();
        for (std::size_t q = lo; q < hi; ++q) {
            if (p_[q] == 0.0 || s_.server[q] < 0) continue;
            const auto k = 2 * static_cast<std::size_t>(s_.server[q]);
            if (std::find(coords_.begin(), coords_.end(), k) == coords_.end()) coords_.push_back(k);
        }
        const std::size_t C = 2 * coords_.size();
        mean_.assign(C, 0.0);
        auto slot = [&](std::size_t q) {  // position of q's server in coords_
            const auto k = 2 * static_cast<std::size_t>(s_.server[q]);
            return static_cast<std::size_t>(std::find(coords_.begin(), coords_.end(), k) - coords_.begin());
        };
        for (std::size_t q = lo; q < hi; ++q) {
            if (p_[q] == 0.0 || s_.server[q] < 0) continue;
            const std::size_t i = slot(q);
            mean_[2 * i] += p_[q] * 2.0 * s_.a[q];
            mean_[2 * i + 1] += p_[q] * 2.0 * s_.b[q];
        }
        diff_.resize(C);
        for (std::size_t q = lo; q < hi; ++q) {
            if (p_[q] == 0.0) continue;
            for (std::size_t i = 0; i < C; ++i) diff_[i] = -mean_[i];
            if (s_.server[q] >= 0) {
                const std::size_t i = slot(q);
                diff_[2 * i] += 2.0 * s_.a[q];
                diff_[2 * i + 1] += 2.0 * s_.b[q];
            }
            const double wq = p_[q] / eps;
            for (std::size_t r = 0; r < C; ++r) {
                const std::size_t R = coords_[r / 2] + r % 2;
                const double x = wq * diff_[r];
                for (std::size_t c = 0; c < C; ++c) H[R * D_ + coords_[c / 2] + c % 2] += x * diff_[c];
            }
        }
    }

    const Scaled& s_;
    std::size_t D_;
    std::vector<double> pi_, p_;
    std::vector<std::size_t> coords_;
    std::vector<double> mean_, diff_;
};

// Solves H x = r for a symmetric positive definite H (dense, row-major, overwritten by its Cholesky factor).
// Returns false if H is not numerically positive definite. Row i of H is zero left of its first nonzero column
// first[i] (its envelope), and so is row i of the factor: the products run over the envelopes only. Stations
// numbered along a grid couple only with near neighbours, so the envelopes are narrow and the factorisation
// costs D times the square of their width instead of D^3 / 3.
bool cholesky_solve(std::vector<double>& H, std::size_t D, const std::vector<double>& r, std::vector<double>& x) {
    std::vector<std::size_t> first(D);
    for (std::size_t i = 0; i < D; ++i) {
        std::size_t f = 0;
        while (f < i && H[i * D + f] == 0.0) ++f;
        first[i] = f;
    }
    for (std::size_t k = 0; k < D; ++k) {
        double d = H[k * D + k];
        for (std::size_t i = first[k]; i < k; ++i) d -= H[k * D + i] * H[k * D + i];
        if (!(d > 0.0)) return false;
        d = std::sqrt(d);
        H[k * D + k] = d;
        for (std::size_t i = k + 1; i < D; ++i) {
            if (first[i] > k) continue;  // H[i][k] and every product below are zero
            double s = H[i * D + k];
            for (std::size_t l = std::max(first[i], first[k]); l < k; ++l) s -= H[i * D + l] * H[k * D + l];
            H[i * D + k] = s / d;
        }
    }
    x = r;
    for (std::size_t i = 0; i < D; ++i) {
        double s = x[i];
        for (std::size_t l = first[i]; l < i; ++l) s -= H[i * D + l] * x[l];
        x[i] = s / H[i * D + i];
    }
    for (std::size_t i = D; i-- > 0;) {
        double s = x[i];
        for (std::size_t l = i + 1; l < D; ++l)
            if (first[l] <= i) s -= H[l * D + i] * x[l];
        x[i] = s / H[i * D + i];
    }
    return true;
}

// The dual value g(z) and the relaxation's cost P(p) of a mix p (per scaled option), without smoothing.
std::pair<double, double> exact_values(const Scaled& s, std::size_t D, const std::vector<double>& z,
                                       const std::vector<double>& p) {
    std::vector<double> sums(D, 0.0);
    double g = 0.0, lin = 0.0;
    for (std::size_t n = 0; n + 1 < s.ptr.size(); ++n) {
        double m = kInf;
        for (std::size_t q = s.ptr[n]; q < s.ptr[n + 1]; ++q) {
            double pi = s.lin[q];
            if (s.server[q] >= 0) {
                const auto k = 2 * static_cast<std::size_t>(s.server[q]);
                pi += 2.0 * (z[k] * s.a[q] + z[k + 1] * s.b[q]);
                sums[k] += p[q] * s.a[q];
                sums[k + 1] += p[q] * s.b[q];
            }
            m = std::min(m, pi);
            lin += p[q] * s.lin[q];
        }
        g += m;
    }
    double P = lin;
    for (std::size_t i = 0; i < D; ++i) {
        g -= z[i] * z[i];
        P += sums[i] * sums[i];
    }
    return {g, P};
}

// Crossover: the relaxation's optimum on a guessed tie structure. Every device keeps its options whose weight in
// `p` is at least 1e-3 of its largest (its reference option o0 the largest). At the optimum z = sum_o p_o d_o with
// d_o = (a_o, b_o) on its server's two coordinates, and every kept option's price equals o0's:
// (d_o - d_o0) . z = (lin_o0 - lin_o) / 2. With E the rows d_o - d_o0 and z = c0 + E^T beta (c0: every device on
// its o0, beta: the weights of the other kept options), E E^T beta = r - E c0: one small linear system. Writes the
// candidate z and mix (clipped into the simplices) and returns false when the structure is too large to try.
bool crossover(const Scaled& s, std::size_t D, const std::vector<double>& p, std::vector<double>& z,
               std::vector<double>& mix) {
    struct Row {
        std::size_t q, q0;
    };
    std::vector<Row> rows;
    std::vector<double> c0(D, 0.0);
    const std::size_t N = s.ptr.size() - 1;
    for (std::size_t n = 0; n < N; ++n) {
        std::size_t q0 = s.ptr[n];
        for (std::size_t q = s.ptr[n]; q < s.ptr[n + 1]; ++q)
            if (p[q] > p[q0]) q0 = q;
        if (s.server[q0] >= 0) {
            const auto k = 2 * static_cast<std::size_t>(s.server[q0]);
            c0[k] += s.a[q0];
            c0[k + 1] += s.b[q0];
        }
        for (std::size_t q = s.ptr[n]; q < s.ptr[n + 1]; ++q)
            if (q != q0 && p[q] >= 1e-3 * p[q0]) rows.push_back({q, q0});
    }
    const std::size_t R = rows.size();
    if (R > 4 * D + 64) return false;
    // Row r of E as up to four (coordinate, value) entries.
    auto entries = [&](const Row& row, std::size_t (&k)[4], double (&v)[4]) {
        std::size_t used = 0;
        auto add = [&](std::size_t q, double sign) {
            if (s.server[q] < 0) return;
            const auto kk = 2 * static_cast<std::size_t>(s.server[q]);
            k[used] = kk, v[used++] = sign * s.a[q];
            k[used] = kk + 1, v[used++] = sign * s.b[q];
        };
        add(row.q, 1.0);
        add(row.q0, -1.0);
        for (std::size_t i = used; i < 4; ++i) k[i] = 0, v[i] = 0.0;
    };
    // Dense E (R x D) is small: R and D are at most a few hundred where this runs.
    std::vector<double> E(R * D, 0.0), rhs(R), G(R * R, 0.0), beta;
    for (std::size_t r = 0; r < R; ++r) {
        std::size_t k[4];
        double v[4];
        entries(rows[r], k, v);
        for (int i = 0; i < 4; ++i) E[r * D + k[i]] += v[i];
        double ec0 = 0.0;
        for (int i = 0; i < 4; ++i) ec0 += v[i] * c0[k[i]];
        rhs[r] = 0.5 * (s.lin[rows[r].q0] - s.lin[rows[r].q]) - ec0;
    }
    double trace = 0.0;
    for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t c = 0; c <= r; ++c) {
            double x = 0.0;
            for (std::size_t i = 0; i < D; ++i) x += E[r * D + i] * E[c * D + i];
            G[r * R + c] = G[c * R + r] = x;
        }
        trace += G[r * R + r];
    }
    // A ridge of 1e-12 of the mean diagonal: ties that repeat one another (alike devices) make E E^T singular,
    // and any of their splits is as good.
    const double ridge = 1e-12 * (trace / static_cast<double>(std::max<std::size_t>(R, 1)) + 1e-300);
    for (std::size_t r = 0; r < R; ++r) G[r * R + r] += ridge;
    if (R > 0 && !cholesky_solve(G, R, rhs, beta)) return false;
    z = c0;
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t i = 0; i < D; ++i) z[i] += E[r * D + i] * beta[r];
    // The mix: beta on the kept options, the rest on o0; clipped into each device's simplex.
    mix.assign(p.size(), 0.0);
    for (std::size_t r = 0; r < R; ++r) mix[rows[r].q] = std::clamp(beta[r], 0.0, 1.0);
    for (std::size_t n = 0; n < N; ++n) {
        std::size_t q0 = s.ptr[n];
        double others = 0.0;
        for (std::size_t q = s.ptr[n]; q < s.ptr[n + 1]; ++q) {
            if (p[q] > p[q0]) q0 = q;
        }
        for (std::size_t q = s.ptr[n]; q < s.ptr[n + 1]; ++q)
            if (q != q0) others += mix[q];
        if (others > 1.0) {
            for (std::size_t q = s.ptr[n]; q < s.ptr[n + 1]; ++q) mix[q] /= others;
            others = 1.0;
        }
        mix[q0] = 1.0 - others;
    }
    return true;
}

}  // namespace

double masked_dual_value(const OptionTable& t, Span<const std::uint8_t> off, const DualState& d) {
    double g = 0.0;
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        double best = kInf;
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
            if (!(off.size && off[o])) best = std::min(best, priced(t, d, o));
        g += best;
    }
    return g - penalty(t, d);
}

RelaxationResult relaxation_optimum(const OptionTable& t, Span<const std::uint8_t> off, DualState& dual,
                                    const RelaxationLimits& limits, std::vector<double>* mix) {
    const std::size_t S = t.n_servers(), N = t.n_devices();
    if (dual.lambda.size() != S) dual.lambda.assign(S, 0.0);
    if (dual.mu.size() != S) dual.mu.assign(S, 0.0);
    const Scaled s = scaled_table(t, off);
    Smoothed f(s, S);
    const std::size_t D = f.dim();
    std::vector<double> z(D, 0.0);
    for (std::size_t j = 0; j < S; ++j) {
        z[2 * j] = t.A[j] > 0.0 ? dual.lambda[j] / (2.0 * std::sqrt(t.A[j])) : 0.0;
        z[2 * j + 1] = t.B[j] > 0.0 ? dual.mu[j] / (2.0 * std::sqrt(t.B[j])) : 0.0;
    }
    RelaxationResult r;
    std::vector<double> grad, H, step, trial(D), best_z = z, best_mix, cz, cmix;
    Smoothed::Value v = f.eval(z, 1.0, nullptr, nullptr);
    // The smoothing starts at a small fraction of a device's mean priced cost (or the caller's), and stops above
    // the rounding of the prices' differences.
    const double per_device = (std::abs(v.g) + 1e-300) / static_cast<double>(std::max<std::size_t>(N, 1));
    double eps = limits.eps0 > 0.0 ? limits.eps0 : 1e-3 * per_device;
    const double eps_floor = 1e-11 * per_device;
    eps = std::max(eps, eps_floor);
    r.bound = v.g;
    auto keep = [&](const Smoothed::Value& val, const std::vector<double>& at) {
        if (val.g > r.bound) {
            r.bound = val.g;
            best_z = at;
        }
    };
    for (;;) {
        v = f.eval(z, eps, &grad, &H);
        keep(v, z);
        if (v.P < r.primal) {
            r.primal = v.P;
            if (mix) best_mix = f.weights();
        }
        const double tol = limits.rel_gap * 0.5 * (std::abs(r.bound) + std::abs(r.primal));
        if (r.primal - r.bound <= tol) {
            r.converged = true;
            break;
        }
        if (r.bound >= limits.prune_at || r.primal < limits.give_up_below || r.steps >= limits.max_steps) break;
        // P - g = mix_rc + drift: mix_rc shrinks with eps, drift (|grad|^2 / 4) with Newton steps. Once drift is
        // small next to mix_rc, this smoothing's maximiser is close enough: sharpen it.
        if (v.drift <= 0.25 * v.mix_rc && eps > eps_floor) {
            // Before sharpening, try the tie structure this smoothing shows.
            if (crossover(s, D, f.weights(), cz, cmix)) {
                const auto [cg, cP] = exact_values(s, D, cz, cmix);
                if (cg > r.bound) r.bound = cg, best_z = cz;
                if (cP < r.primal) {
                    r.primal = cP;
                    if (mix) best_mix = cmix;
                }
                if (r.primal - r.bound <= limits.rel_gap * 0.5 * (std::abs(r.bound) + std::abs(r.primal))) {
                    r.converged = true;
                    break;
                }
            }
            eps = std::max(eps * 0.1, eps_floor);
            continue;
        }
        if (!cholesky_solve(H, D, grad, step)) break;
        double dec = 0.0;
        for (std::size_t i = 0; i < D; ++i) dec += grad[i] * step[i];
        ++r.steps;
        // Backtracking (Armijo) on the smoothed dual, within its rounding.
        const double slack = 64.0 * std::numeric_limits<double>::epsilon() * (std::abs(v.G) + 1.0);
        double alpha = 1.0;
        for (int it = 0; it < 30; ++it, alpha *= 0.5) {
            for (std::size_t i = 0; i < D; ++i) trial[i] = z[i] + alpha * step[i];
            const Smoothed::Value w = f.eval(trial, eps, nullptr, nullptr);
            keep(w, trial);
            if (w.G >= v.G + 0.25 * alpha * dec - slack) break;
        }
        z = trial;
    }
    for (std::size_t j = 0; j < S; ++j) {
        dual.lambda[j] = 2.0 * std::sqrt(t.A[j]) * best_z[2 * j];
        dual.mu[j] = 2.0 * std::sqrt(t.B[j]) * best_z[2 * j + 1];
    }
    // The bound in the table's own units at the returned multipliers (the arithmetic every caller uses).
    r.bound = masked_dual_value(t, off, dual);
    if (mix) {
        mix->assign(t.linear.size, 0.0);
        if (best_mix.empty()) best_mix = f.weights();
        for (std::size_t q = 0; q < s.opt.size(); ++q) (*mix)[s.opt[q]] = best_mix[q];
    }
    return r;
}

}  // namespace edgesched
