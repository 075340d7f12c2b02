#include "paper.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgesched {

namespace {

// Theorem 1 over a run of devices. The cube root depends only on kappa, usually shared by every device, so it
// is computed once per change of kappa (eq. (13): f* = min(cbrt(b1 / (2 b2 kappa)), f_max), f_max if b2 == 0).
class LocalFrequency {
public:
    explicit LocalFrequency(const PaperSystem& s) : s_(s) {}
    double operator()(double kappa, double f_local_max) {
        if (s_.w_energy <= 0.0) return f_local_max;
        if (!(kappa == kappa_)) {
            kappa_ = kappa;
            root_ = std::cbrt(s_.w_delay / (2.0 * s_.w_energy * kappa));  // eq. (13)
        }
        return std::min(root_, f_local_max);
    }

private:
    PaperSystem s_;
    double kappa_ = std::numeric_limits<double>::quiet_NaN(), root_ = 0.0;
};

}  // namespace

double local_frequency(double w_delay, double w_energy, double kappa, double f_local_max) {
    return LocalFrequency(PaperSystem{0.0, w_delay, w_energy})(kappa, f_local_max);
}

OptionTable PaperTable::view() const {
    return OptionTable{{option_ptr.data(), option_ptr.size()}, {linear.data(), linear.size()},
                       {server.data(), server.size()},         {c.data(), c.size()},
                       {w.data(), w.size()},                   {A.data(), A.size()},
                       {B.data(), B.size()}};
}

void build_paper_table(const PaperDevices& d, const PaperSystem& s, Span<const std::int64_t> idx, PaperTable& t) {
    const std::size_t N = idx.size;
    t.option_ptr.resize(N + 1);
    t.linear.resize(2 * N);
    t.c.resize(2 * N);
    t.w.resize(2 * N);
    t.server.resize(2 * N);
    LocalFrequency frequency(s);
    for (std::size_t i = 0; i < N; ++i) {
        const auto n = static_cast<std::size_t>(idx[i]);
        t.option_ptr[i] = static_cast<std::int64_t>(2 * i);
        const double cycles = d.rho[n] * d.macs[n];            // rho * C(M*_n)
        const double bits = d.frames[n] * d.frame_bits[n];     // M*_n * d_n
        const double f = frequency(d.kappa[n], d.f_local_max[n]);
        // Option 0, local: eq. (10) with eqs. (1), (3) at the Theorem 1 frequency.
        t.linear[2 * i] = s.w_delay * cycles / f + s.w_energy * d.kappa[n] * cycles * f * f;
        t.server[2 * i] = -1;
        t.c[2 * i] = 0.0;
        t.w[2 * i] = 0.0;
        // Option 1, edge: eq. (11) after Theorem 2; the shared part is (b1/F) U^2 + b1 V^2.
        t.linear[2 * i + 1] = s.w_energy * d.tx_power[n] * bits / d.rate[n];  // eq. (5)
        t.server[2 * i + 1] = 0;
        t.c[2 * i + 1] = std::sqrt(cycles);
        t.w[2 * i + 1] = std::sqrt(bits / d.rate[n]);
    }
    t.option_ptr[N] = static_cast<std::int64_t>(2 * N);
    t.A = {s.w_delay / s.f_edge_max};
    t.B = {s.w_delay};
}

double decode_paper(const PaperDevices& d, const PaperSystem& s, Span<const std::int64_t> idx,
                    Span<const std::int32_t> choice, const PaperSchedule& out) {
    const std::size_t N = idx.size;
    // Theorem 2 denominators: U = sum_S sqrt(rho C), V = sum_S sqrt(M d / R) over offloaded devices.
    double U = 0.0, V = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        const auto n = static_cast<std::size_t>(idx[i]);
        if (choice[i] == 1) {
            U += std::sqrt(d.rho[n] * d.macs[n]);
            V += std::sqrt(d.frames[n] * d.frame_bits[n] / d.rate[n]);
        }
    }
    double cost = 0.0;
    LocalFrequency frequency(s);
    for (std::size_t i = 0; i < N; ++i) {
        const auto n = static_cast<std::size_t>(idx[i]);
        const double cycles = d.rho[n] * d.macs[n];
        const double bits = d.frames[n] * d.frame_bits[n];
        if (choice[i] == 1) {
            out.f_local[n] = 0.0;
            out.f_edge[n] = s.f_edge_max * std::sqrt(cycles) / U;         // eq. (19), Theorem 2
            out.time_share[n] = std::sqrt(bits / d.rate[n]) / V;         // eq. (20), general d_n
            out.delay[n] = cycles / out.f_edge[n] + bits / (d.rate[n] * out.time_share[n]);  // (2)+(4)
            out.energy[n] = d.tx_power[n] * bits / d.rate[n];             // eq. (5)
        } else {
            const double f = frequency(d.kappa[n], d.f_local_max[n]);
            out.f_local[n] = f;
            out.f_edge[n] = 0.0;
            out.time_share[n] = 0.0;
            out.delay[n] = cycles / f;                                    // eq. (1)
            out.energy[n] = d.kappa[n] * cycles * f * f;                  // eq. (3)
        }
        cost += s.w_delay * out.delay[n] + s.w_energy * out.energy[n];   // eqs. (6)-(8)
    }
    return cost;
}

}  // namespace edgesched
