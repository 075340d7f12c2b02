#include "paper.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

// Device n's value of an input given per device or once for all.
double at(Span<const double> x, std::size_t n) { return x.size == 1 ? x[0] : x[n]; }

bool positive_finite(double x) { return x > 0.0 && x <= std::numeric_limits<double>::max(); }

std::string number(double x) {  // %g: readable for the huge and tiny values these messages are about
    char text[32];
    std::snprintf(text, sizeof text, "%g", x);
    return text;
}

// Names the first input of device n outside the model (the Python layer normally reports it first).
[[noreturn]] void reject(const PaperDevices& d, std::size_t n) {
    const std::pair<const char*, Span<const double>> fields[] = {
        {"macs", d.macs},         {"frames", d.frames}, {"frame_bits", d.frame_bits},   {"rate", d.rate},
        {"tx_power", d.tx_power}, {"f_local_max", d.f_local_max}, {"kappa", d.kappa}, {"rho", d.rho}};
    for (const auto& [name, x] : fields)
        if (!positive_finite(at(x, n)))
            throw InvalidDevice(n, std::string(name) + " is " + number(at(x, n)) + "; it must be finite and > 0");
    throw InvalidDevice(n, "frames is " + number(at(d.frames, n)) + "; it must be a whole number");
}

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

void build_paper_table(const PaperDevices& d, const PaperSystem& s, CellDevices idx, PaperTable& t) {
    const std::size_t N = idx.size;
    for (auto* v : {&t.linear, &t.c, &t.w}) v->resize(2 * N);
    for (auto* v : {&t.f_local, &t.local_delay, &t.local_energy, &t.edge_energy}) v->resize(N);
    t.option_ptr.resize(N + 1);
    t.server.resize(2 * N);
    LocalFrequency frequency(s);
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t n = idx[i];
        const double macs = at(d.macs, n), frames = at(d.frames, n), frame_bits = at(d.frame_bits, n),
                     rate = at(d.rate, n), tx_power = at(d.tx_power, n), f_max = at(d.f_local_max, n),
                     kappa = at(d.kappa, n), rho = at(d.rho, n);
        // Every input finite and > 0, frames whole (below 2^53 through an integer; above, every double is).
        const bool valid = positive_finite(macs) && positive_finite(frames) && positive_finite(frame_bits) &&
                           positive_finite(rate) && positive_finite(tx_power) && positive_finite(f_max) &&
                           positive_finite(kappa) && positive_finite(rho) &&
                           (frames >= 0x1p53 || static_cast<double>(static_cast<std::int64_t>(frames)) == frames);
        if (!valid) reject(d, n);
        const double cycles = rho * macs;        // rho * C(M*_n)
        const double bits = frames * frame_bits;  // M*_n * d_n
        const double f = frequency(kappa, f_max);
        t.option_ptr[i] = static_cast<std::int64_t>(2 * i);
        // Option 0, local: eq. (10) with eqs. (1), (3) at the Theorem 1 frequency.
        t.f_local[i] = f;
        t.local_delay[i] = cycles / f;                  // eq. (1)
        t.local_energy[i] = kappa * cycles * f * f;     // eq. (3)
        t.linear[2 * i] = s.w_delay * cycles / f + s.w_energy * kappa * cycles * f * f;
        t.server[2 * i] = -1;
        t.c[2 * i] = 0.0;
        t.w[2 * i] = 0.0;
        // Option 1, edge: eq. (11) after Theorem 2; the shared part is (b1/F) U^2 + b1 V^2.
        t.edge_energy[i] = tx_power * bits / rate;      // eq. (5)
        t.linear[2 * i + 1] = s.w_energy * tx_power * bits / rate;
        t.server[2 * i + 1] = 0;
        t.c[2 * i + 1] = std::sqrt(cycles);
        t.w[2 * i + 1] = std::sqrt(bits / rate);
        // Theorem 2 divides by the sums of c and w, decoding by f: they must neither overflow nor vanish; the
        // delays and energies must be finite (an energy can overflow where w_energy is 0 or tiny).
        if (!(std::isfinite(t.linear[2 * i]) && std::isfinite(t.linear[2 * i + 1]) && positive_finite(t.c[2 * i + 1]) &&
              positive_finite(t.w[2 * i + 1]) && positive_finite(t.local_delay[i]) &&
              std::isfinite(t.local_energy[i]) && std::isfinite(t.edge_energy[i])))
            throw InvalidDevice(n, "its costs overflow or vanish (local cost " + number(t.linear[2 * i]) +
                                       ", edge cost " + number(t.linear[2 * i + 1]) + ", local energy " +
                                       number(t.local_energy[i]) + " J, edge energy " + number(t.edge_energy[i]) +
                                       " J); check the units of its inputs");
    }
    t.option_ptr[N] = static_cast<std::int64_t>(2 * N);
    t.A = {s.w_delay / s.f_edge_max};
    t.B = {s.w_delay};
}

double decode_paper(const PaperTable& t, const PaperSystem& s, CellDevices idx, Span<const std::int32_t> choice,
                    const PaperSchedule& out) {
    const std::size_t N = idx.size;
    // Theorem 2 denominators: U = sum_S sqrt(rho C), V = sum_S sqrt(M d / R) over offloaded devices.
    double U = 0.0, V = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        if (choice[i] == 1) {
            U += t.c[2 * i + 1];
            V += t.w[2 * i + 1];
        }
    }
    double cost = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t n = idx[i];
        if (choice[i] == 1) {
            const double c = t.c[2 * i + 1], w = t.w[2 * i + 1];
            out.offload[n] = true;
            out.f_local[n] = 0.0;
            out.f_edge[n] = s.f_edge_max * c / U;               // eq. (19), Theorem 2
            out.time_share[n] = w / V;                          // eq. (20), general d_n
            // eqs. (2) + (4) at Theorem 2's shares: rho C / f_edge + M d / (R tau) = c U / F + w V.
            out.delay[n] = c * U / s.f_edge_max + w * V;
            out.energy[n] = t.edge_energy[i];                   // eq. (5)
        } else {
            out.offload[n] = false;
            out.f_local[n] = t.f_local[i];                      // eq. (13), Theorem 1
            out.f_edge[n] = 0.0;
            out.time_share[n] = 0.0;
            out.delay[n] = t.local_delay[i];                    // eq. (1)
            out.energy[n] = t.local_energy[i];                  // eq. (3)
        }
        cost += s.w_delay * out.delay[n] + s.w_energy * out.energy[n];  // eqs. (6)-(8)
    }
    return cost;
}

}  // namespace edgesched
