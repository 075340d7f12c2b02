#include "paper.hpp"

#include "scan.hpp"

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

// Whether x is outside (0, max]: not finite or not > 0, as 0 or 1 (no branch, so that loops over it vectorise).
inline unsigned out_of_range(double x) {
    return static_cast<unsigned>(!(x > 0.0)) | static_cast<unsigned>(!(x <= std::numeric_limits<double>::max()));
}

bool positive_finite(double x) { return out_of_range(x) == 0; }

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

namespace {

// Every input of devices 0 .. N-1 (contiguous arrays) finite and > 0, frames whole: one branch-free pass the
// compiler vectorises (an AVX2 build is picked at load time where the CPU has it). Below 2^52,
// (x + 2^52) - 2^52 rounds x to a whole number, so it equals x exactly when x is whole; from 2^52 on every
// double is whole.
EDGESCHED_CLONES bool all_in_model(const double* __restrict macs, const double* __restrict frames,
                                   const double* __restrict frame_bits, const double* __restrict rate,
                                   const double* __restrict tx_power, const double* __restrict f_local_max,
                                   const double* __restrict kappa, const double* __restrict rho, std::size_t N) {
    unsigned bad = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const double m = frames[i];
        bad |= out_of_range(macs[i]) | out_of_range(m) | out_of_range(frame_bits[i]) | out_of_range(rate[i]) |
               out_of_range(tx_power[i]) | out_of_range(f_local_max[i]) | out_of_range(kappa[i]) |
               out_of_range(rho[i]) | static_cast<unsigned>(!((m >= 0x1p52) | ((m + 0x1p52) - 0x1p52 == m)));
    }
    return bad == 0;
}

// The table's arithmetic for devices 0 .. N-1 at local frequencies f (eqs. (1), (3), (5), (10), (11)): the
// local delay, local and edge energies per device, and per option pair (local, edge) the linear cost and the
// edge option's c and w (the local option's are 0). Returns whether every cost is finite and every weight
// neither overflows nor vanishes. Branch-free and vectorised like all_in_model (the same operations in every
// build).
EDGESCHED_CLONES bool table_arithmetic(const double* __restrict macs, const double* __restrict frames,
                                       const double* __restrict frame_bits, const double* __restrict rate,
                                       const double* __restrict tx_power, const double* __restrict kappa,
                                       const double* __restrict rho, const double* __restrict f, double w_delay,
                                       double w_energy, std::size_t N, double* __restrict linear,
                                       double* __restrict c, double* __restrict w, double* __restrict local_delay,
                                       double* __restrict local_energy, double* __restrict edge_energy) {
    unsigned bad = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const double cycles = rho[i] * macs[i];          // rho * C(M*_n)
        const double bits = frames[i] * frame_bits[i];  // M*_n * d_n
        // Option 0, local: eq. (10) with eqs. (1), (3) at the Theorem 1 frequency.
        const double delay0 = cycles / f[i];                     // eq. (1)
        const double energy0 = kappa[i] * cycles * f[i] * f[i];  // eq. (3)
        const double cost0 = w_delay * cycles / f[i] + w_energy * kappa[i] * cycles * f[i] * f[i];
        // Option 1, edge: eq. (11) after Theorem 2; the shared part is (b1/F) U^2 + b1 V^2.
        const double energy1 = tx_power[i] * bits / rate[i];  // eq. (5)
        const double cost1 = w_energy * tx_power[i] * bits / rate[i];
        const double c1 = std::sqrt(cycles), w1 = std::sqrt(bits / rate[i]);
        local_delay[i] = delay0;
        local_energy[i] = energy0;
        edge_energy[i] = energy1;
        linear[2 * i] = cost0;
        linear[2 * i + 1] = cost1;
        c[2 * i] = 0.0;
        c[2 * i + 1] = c1;
        w[2 * i] = 0.0;
        w[2 * i + 1] = w1;
        // Theorem 2 divides by the sums of c and w, decoding by f: they must neither overflow nor vanish; the
        // delays and energies must be finite (an energy can overflow where w_energy is 0 or tiny).
        bad |= out_of_range(c1) | out_of_range(w1) | out_of_range(delay0) |
               static_cast<unsigned>(!(std::abs(cost0) <= std::numeric_limits<double>::max())) |
               static_cast<unsigned>(!(std::abs(cost1) <= std::numeric_limits<double>::max())) |
               static_cast<unsigned>(!(std::abs(energy0) <= std::numeric_limits<double>::max())) |
               static_cast<unsigned>(!(std::abs(energy1) <= std::numeric_limits<double>::max()));
    }
    return bad == 0;
}

}  // namespace

void build_paper_table(const PaperDevices& d, const PaperSystem& s, CellDevices idx, PaperTable& t) {
    const std::size_t N = idx.size;
    for (auto* v : {&t.linear, &t.c, &t.w}) v->resize(2 * N);
    for (auto* v : {&t.f_local, &t.local_delay, &t.local_energy, &t.edge_energy}) v->resize(N);
    t.option_ptr.resize(N + 1);
    t.server.resize(2 * N);
    // The cell's inputs as contiguous arrays: the caller's own where they are a run of per-device values,
    // else gathered (a permuted cell, or one value for every device).
    const Span<const double> fields[8] = {d.macs, d.frames, d.frame_bits, d.rate,
                                          d.tx_power, d.f_local_max, d.kappa, d.rho};
    const double* in[8];
    auto in_place = [&](int f) { return fields[f].size != 1 && !idx.order; };
    std::size_t n_gathered = 0;
    for (int f = 0; f < 8; ++f) n_gathered += in_place(f) ? 0 : 1;
    t.gathered.resize(n_gathered * N);
    for (int f = 0, g = 0; f < 8; ++f) {
        if (in_place(f)) {
            in[f] = fields[f].data + idx.first;
            continue;
        }
        double* to = t.gathered.data() + static_cast<std::size_t>(g++) * N;
        for (std::size_t i = 0; i < N; ++i) to[i] = at(fields[f], idx[i]);
        in[f] = to;
    }
    auto first_bad = [&](auto bad) {
        for (std::size_t i = 0; i < N; ++i)
            if (bad(i)) return i;
        return N;
    };
    auto in_model = [&](std::size_t i, std::size_t n) {
        return all_in_model(in[0] + i, in[1] + i, in[2] + i, in[3] + i, in[4] + i, in[5] + i, in[6] + i,
                            in[7] + i, n);
    };
    if (!in_model(0, N)) reject(d, idx[first_bad([&](std::size_t i) { return !in_model(i, 1); })]);
    // eq. (13), Theorem 1: the cube root once per change of kappa.
    LocalFrequency frequency(s);
    for (std::size_t i = 0; i < N; ++i) t.f_local[i] = frequency(in[6][i], in[5][i]);
    if (!table_arithmetic(in[0], in[1], in[2], in[3], in[4], in[6], in[7], t.f_local.data(), s.w_delay,
                          s.w_energy, N, t.linear.data(), t.c.data(), t.w.data(), t.local_delay.data(),
                          t.local_energy.data(), t.edge_energy.data())) {
        const std::size_t i = first_bad([&](std::size_t k) {
            return !(std::isfinite(t.linear[2 * k]) && std::isfinite(t.linear[2 * k + 1]) &&
                     positive_finite(t.c[2 * k + 1]) && positive_finite(t.w[2 * k + 1]) &&
                     positive_finite(t.local_delay[k]) && std::isfinite(t.local_energy[k]) &&
                     std::isfinite(t.edge_energy[k]));
        });
        throw InvalidDevice(idx[i], "its costs overflow or vanish (local cost " + number(t.linear[2 * i]) +
                                        ", edge cost " + number(t.linear[2 * i + 1]) + ", local energy " +
                                        number(t.local_energy[i]) + " J, edge energy " +
                                        number(t.edge_energy[i]) + " J); check the units of its inputs");
    }
    for (std::size_t i = 0; i < N; ++i) {
        t.option_ptr[i] = static_cast<std::int64_t>(2 * i);
        t.server[2 * i] = -1;
        t.server[2 * i + 1] = 0;
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
        const bool on = choice[i] == 1;
        U += on ? t.c[2 * i + 1] : 0.0;
        V += on ? t.w[2 * i + 1] : 0.0;
    }
    // Both options' values, then the chosen one's, without a branch (the edge values of a local device may
    // divide by U = 0 and are dropped).
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t n = idx[i];
        const bool on = choice[i] == 1;
        const double c = t.c[2 * i + 1], w = t.w[2 * i + 1], f_local = t.f_local[i], local_delay = t.local_delay[i],
                     local_energy = t.local_energy[i], edge_energy = t.edge_energy[i];
        const double f_edge = s.f_edge_max * c / U;  // eq. (19), Theorem 2
        const double time_share = w / V;             // eq. (20), general d_n
        // eqs. (2) + (4) at Theorem 2's shares: rho C / f_edge + M d / (R tau) = c U / F + w V.
        const double edge_delay = c * U / s.f_edge_max + w * V;
        out.offload[n] = on;
        out.f_local[n] = on ? 0.0 : f_local;             // eq. (13), Theorem 1
        out.f_edge[n] = on ? f_edge : 0.0;
        out.time_share[n] = on ? time_share : 0.0;
        out.delay[n] = on ? edge_delay : local_delay;     // or eq. (1)
        out.energy[n] = on ? edge_energy : local_energy;  // eq. (5) or eq. (3)
    }
    double cost = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t n = idx[i];
        cost += s.w_delay * out.delay[n] + s.w_energy * out.energy[n];  // eqs. (6)-(8)
    }
    return cost;
}

}  // namespace edgesched
