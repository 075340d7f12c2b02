#include "paper.hpp"

#include "scan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

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
            // eq. (13); 2 (b2 kappa), not (2 b2) kappa: the same bits, and no overflow where b2 alone is huge
            root_ = std::cbrt(s_.w_delay / (2.0 * (s_.w_energy * kappa)));
        }
        return std::min(root_, f_local_max);
    }

private:
    PaperSystem s_;
    double kappa_ = std::numeric_limits<double>::quiet_NaN(), root_ = 0.0;
};

// Device n's value of an input given per device or once for all.
double at(Span<const double> x, std::size_t n) { return x.size == 1 ? x[0] : x[n]; }
// The same, for an input that another thread may be writing: one read (span.hpp: read_once).
double read_at(Span<const double> x, std::size_t n) { return read_once(x.size == 1 ? x[0] : x[n]); }

// Whether x is outside (0, max]: not finite or not > 0, as 0 or 1 (no branch, so that loops over it vectorise).
inline unsigned out_of_range(double x) {
    return static_cast<unsigned>(!(x > 0.0)) | static_cast<unsigned>(!(x <= std::numeric_limits<double>::max()));
}

bool positive_finite(double x) { return out_of_range(x) == 0; }

std::string number(double x) { return number_text(x); }

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

constexpr double kDoubleMax = std::numeric_limits<double>::max();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Whether x is a whole number: below 2^52, (x + 2^52) - 2^52 rounds x to a whole number, so it equals x exactly
// when x is whole; from 2^52 on every double is whole. As 0 or 1, without a branch.
inline unsigned fractional(double x) {
    return static_cast<unsigned>(!((x >= 0x1p52) | ((x + 0x1p52) - 0x1p52 == x)));
}

inline unsigned not_finite(double x) { return static_cast<unsigned>(!(std::abs(x) <= kDoubleMax)); }

// Per-device shares of a cell's range (table.hpp: kMaxMagnitude) for N devices on a server with capacity F,
// A = w_delay / F and B = w_delay: if every device's c, w and both linear costs are within them, the sums U, V
// (of c and w over the devices) and the sum of the costs are within the range without being formed: with
// q = kMaxMagnitude / 8, U <= U_max gives U <= q, (2 A U)^2 <= q, A U^2 <= q and U^2 / F <= q (V likewise with
// B and V^2 <= q), and the costs sum to at most q / 2, so that the scale is at most 2.5 q and the largest delay
// U^2 / F + V^2 at most 2 q; a share is half of the limit over N, which covers the rounding of N-term sums.
struct Shares {
    double c, w, cost;
};
Shares device_shares(const PaperSystem& s, std::size_t N) {
    const double q = kMaxMagnitude / 8.0, A = s.w_delay / s.f_edge_max, B = s.w_delay;
    const double U_max = std::min({q, std::sqrt(q) / (2.0 * A), std::sqrt(q / A), std::sqrt(q * s.f_edge_max)});
    const double V_max = std::min({q, std::sqrt(q) / (2.0 * B), std::sqrt(q / B), std::sqrt(q)});
    const double half_n = 2.0 * static_cast<double>(std::max<std::size_t>(N, 1));
    return {U_max / half_n, V_max / half_n, q / half_n};
}

// What table_arithmetic finds: a device outside the model or whose costs overflow or vanish, and a device
// beyond its share of the cell's range (the cell's sums must then be formed).
constexpr unsigned kOutside = 1, kBeyondShare = 2;

// The table's arithmetic for devices 0 .. N-1 at local frequencies f (eqs. (1), (3), (5), (10), (11)): the
// local delay, local and edge energies per device, and per option pair (local, edge) the linear cost and the
// edge option's c and w (the local option's are 0). Each input is read once, and the value read is both checked
// and used: returns kOutside unless every input is finite and > 0 (frames whole), every cost and energy finite,
// and every weight and the local delay neither overflow nor vanish, and kBeyondShare unless every device is
// within `share`. Branch-free, so that the compiler vectorises it (an AVX2 build is picked at load time where
// the CPU has it; the same operations in every build).
EDGESCHED_CLONES unsigned table_arithmetic(const double* __restrict macs, const double* __restrict frames,
                                           const double* __restrict frame_bits, const double* __restrict rate,
                                           const double* __restrict tx_power, const double* __restrict kappa,
                                           const double* __restrict rho, const double* __restrict f,
                                           double w_delay, double w_energy, Shares share, std::size_t N,
                                           double* __restrict linear, double* __restrict c,
                                           double* __restrict w, double* __restrict local_delay,
                                           double* __restrict local_energy, double* __restrict edge_energy) {
    unsigned bad = 0, beyond = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const double C = macs[i], M = frames[i], d = frame_bits[i], R = rate[i], p = tx_power[i], k = kappa[i],
                     r = rho[i], fi = f[i];
        const unsigned outside = out_of_range(C) | out_of_range(M) | fractional(M) | out_of_range(d) |
                                 out_of_range(R) | out_of_range(p) | out_of_range(k) | out_of_range(r) |
                                 out_of_range(fi);
        const double cycles = r * C;  // rho * C(M*_n)
        const double bits = M * d;    // M*_n * d_n
        // Option 0, local: eq. (10) with eqs. (1), (3) at the Theorem 1 frequency.
        const double delay0 = cycles / fi;            // eq. (1)
        const double energy0 = k * cycles * fi * fi;  // eq. (3)
        const double cost0 = w_delay * cycles / fi + w_energy * k * cycles * fi * fi;
        // Option 1, edge: eq. (11) after Theorem 2; the shared part is (b1/F) U^2 + b1 V^2.
        const double energy1 = p * bits / R;  // eq. (5)
        const double cost1 = w_energy * p * bits / R;
        const double c1 = std::sqrt(cycles), w1 = std::sqrt(bits / R);
        local_delay[i] = outside ? kNaN : delay0;  // NaN marks a device read outside the model (reject)
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
        bad |= outside | out_of_range(c1) | out_of_range(w1) | out_of_range(delay0) |
               not_finite(cost0) | not_finite(cost1) | not_finite(energy0) | not_finite(energy1);
        beyond |= static_cast<unsigned>(!(c1 <= share.c)) | static_cast<unsigned>(!(w1 <= share.w)) |
                  static_cast<unsigned>(!(std::abs(cost0) <= share.cost)) |
                  static_cast<unsigned>(!(std::abs(cost1) <= share.cost));
    }
    return (bad ? kOutside : 0u) | (beyond ? kBeyondShare : 0u);
}

// Why build_paper_table found the cell bad: the first input outside the model, each read once; else the first
// device read outside the model (its local delay NaN, table_arithmetic's mark) whose inputs are no longer
// (another thread changed them back during the call), or whose costs overflow or vanish (from the table, the
// core's own numbers); indexes only devices of the cell.
[[noreturn]] void reject(const PaperDevices& d, CellDevices idx, const PaperTable& t, const PaperSystem& s) {
    const std::pair<const char*, Span<const double>> fields[] = {
        {"macs", d.macs},         {"frames", d.frames}, {"frame_bits", d.frame_bits},   {"rate", d.rate},
        {"tx_power", d.tx_power}, {"f_local_max", d.f_local_max}, {"kappa", d.kappa}, {"rho", d.rho}};
    for (std::size_t i = 0; i < idx.size; ++i) {
        const std::size_t n = idx[i];
        for (const auto& [name, x] : fields) {
            const double v = read_at(x, n);
            if (!positive_finite(v))
                throw InvalidDevice(n, std::string(name) + " is " + number(v) + "; it must be finite and > 0");
            if (&x == &fields[1].second && fractional(v))
                throw InvalidDevice(n, "frames is " + number(v) + "; it must be a whole number");
        }
    }
    for (std::size_t i = 0; i < idx.size; ++i) {
        const double root = local_frequency(s.w_delay, s.w_energy, t.kappa[i], kInf);  // kappa as it was read
        if (!(root > 0.0))
            throw InvalidDevice(idx[i], "Theorem 1's frequency cbrt(w_delay / (2 w_energy kappa)) vanishes (w_delay " +
                                            number(s.w_delay) + ", w_energy " + number(s.w_energy) + ", kappa " +
                                            number(t.kappa[i]) + "); check the units of the weights and of kappa");
        if (std::isnan(t.local_delay[i]))
            throw InvalidDevice(idx[i], "an input was outside the model when the core read it, and is no longer: "
                                        "another thread changed it during the call");
        if (std::isfinite(t.linear[2 * i]) && std::isfinite(t.linear[2 * i + 1]) && positive_finite(t.c[2 * i + 1]) &&
            positive_finite(t.w[2 * i + 1]) && positive_finite(t.local_delay[i]) && std::isfinite(t.local_energy[i]) &&
            std::isfinite(t.edge_energy[i]))
            continue;
        throw InvalidDevice(idx[i], "its costs overflow or vanish (local cost " + number(t.linear[2 * i]) +
                                        ", edge cost " + number(t.linear[2 * i + 1]) + ", local energy " +
                                        number(t.local_energy[i]) + " J, edge energy " +
                                        number(t.edge_energy[i]) + " J); check the units of its inputs");
    }
    throw std::invalid_argument("an input of the devices was outside the model when the core read it, and is no "
                                "longer: another thread changed it during the call");
}

// The largest edge delay any schedule of the cell can give, in s: c U / F + w V <= U^2 / F + V^2 with U, V the
// sums over every device (docs/model.md §3).
double largest_edge_delay(double U, double V, double f_edge_max) { return U * (U / f_edge_max) + V * V; }

}  // namespace

void check_paper_system(const PaperSystem& s, std::size_t cell) {
    const double A = s.w_delay / s.f_edge_max;  // the edge CPU's price; B = w_delay, the uplink's (docs/model.md §4)
    if (s.w_delay > 0.0 && price_in_range(s.w_delay) && A > 0.0 && price_in_range(A)) return;
    const std::string limit = number(kMaxMagnitude);
    if (!(s.w_delay > 0.0 && price_in_range(s.w_delay)))
        throw std::invalid_argument("w_delay is " + number(s.w_delay) + "; it must be > 0 and at most " + limit +
                                    " 1/s (it prices the uplink's airtime)");
    const bool high = !(A <= kMaxMagnitude);
    const std::string name = cell == kNoCell ? "f_edge_max" : "f_edge_max[" + std::to_string(cell) + "]";
    throw std::invalid_argument(
        name + " is " + number(s.f_edge_max) + " Hz; the edge CPU's price w_delay / f_edge_max is then " + number(A) +
        (high ? ", beyond " + limit + ": f_edge_max must be at least " + number(s.w_delay / kMaxMagnitude)
              : " (it underflows): f_edge_max must be below " +
                    number(s.w_delay / std::numeric_limits<double>::denorm_min())) +
        " Hz with w_delay = " + number(s.w_delay));
}

void build_paper_table(const PaperDevices& d, const PaperSystem& s, CellDevices idx, PaperTable& t) {
    check_paper_system(s);
    const std::size_t N = idx.size;
    for (auto* v : {&t.linear, &t.c, &t.w}) v->resize(2 * N);
    for (auto* v : {&t.f_local, &t.kappa, &t.local_delay, &t.local_energy, &t.edge_energy}) v->resize(N);
    t.option_ptr.resize(N + 1);
    t.server.resize(2 * N);
    // The cell's inputs as contiguous arrays: the caller's own where they are a run of per-device values,
    // else gathered (a permuted cell, or one value for every device). kappa and f_local_max are read by the
    // Theorem 1 loop below, which keeps its own copy of kappa for the table's arithmetic.
    const Span<const double> fields[6] = {d.macs, d.frames, d.frame_bits, d.rate, d.tx_power, d.rho};
    const double* in[6];
    auto in_place = [&](int f) { return fields[f].size != 1 && !idx.order; };
    std::size_t n_gathered = 0;
    for (int f = 0; f < 6; ++f) n_gathered += in_place(f) ? 0 : 1;
    t.gathered.resize(n_gathered * N);
    for (int f = 0, g = 0; f < 6; ++f) {
        if (in_place(f)) {
            in[f] = fields[f].data + idx.first;
            continue;
        }
        double* to = t.gathered.data() + static_cast<std::size_t>(g++) * N;
        for (std::size_t i = 0; i < N; ++i) to[i] = at(fields[f], idx[i]);
        in[f] = to;
    }
    // eq. (13), Theorem 1: the cube root once per change of kappa. Each kappa and f_local_max is read once
    // (where f_local_max is outside the model the frequency is NaN, or f_local_max <= 0 itself: table_arithmetic
    // then rejects the device), and kappa copied: the table's arithmetic uses the value read here.
    auto theorem_1 = [N, s, kappa_out = t.kappa.data(), f_out = t.f_local.data()](auto kappa_of, auto f_max_of) {
        LocalFrequency frequency(s);
        for (std::size_t i = 0; i < N; ++i) {
            const double kappa = read_once(kappa_of(i)), f_max = read_once(f_max_of(i));
            kappa_out[i] = kappa;
            f_out[i] = f_max <= kDoubleMax ? frequency(kappa, f_max) : kNaN;  // f_max <= 0: f <= 0
        }
    };
    if (idx.order) {  // a permuted cell
        theorem_1([&](std::size_t i) -> const double& { return d.kappa.size == 1 ? d.kappa[0] : d.kappa[idx[i]]; },
                  [&](std::size_t i) -> const double& {
                      return d.f_local_max.size == 1 ? d.f_local_max[0] : d.f_local_max[idx[i]];
                  });
    } else {  // a run: strides of 0 (one value for all) or 1
        const std::size_t sk = d.kappa.size == 1 ? 0 : 1, sf = d.f_local_max.size == 1 ? 0 : 1;
        const double* kappa = d.kappa.data + sk * idx.first;
        const double* f_max = d.f_local_max.data + sf * idx.first;
        theorem_1([kappa, sk](std::size_t i) -> const double& { return kappa[sk * i]; },
                  [f_max, sf](std::size_t i) -> const double& { return f_max[sf * i]; });
    }
    const unsigned found =
        table_arithmetic(in[0], in[1], in[2], in[3], in[4], t.kappa.data(), in[5], t.f_local.data(), s.w_delay,
                         s.w_energy, device_shares(s, N), N, t.linear.data(), t.c.data(), t.w.data(),
                         t.local_delay.data(), t.local_energy.data(), t.edge_energy.data());
    if (found & kOutside) reject(d, idx, t, s);
    // From here on only the table is read: the core's own copy of the cell.
    for (std::size_t i = 0; i < N; ++i) {
        t.option_ptr[i] = static_cast<std::int64_t>(2 * i);
        t.server[2 * i] = -1;
        t.server[2 * i + 1] = 0;
    }
    t.option_ptr[N] = static_cast<std::int64_t>(2 * N);
    t.A = {s.w_delay / s.f_edge_max};
    t.B = {s.w_delay};
    if (!(found & kBeyondShare)) return;  // within range (device_shares), without forming the sums
    // The cell's magnitudes (table.hpp: check_range), and its largest delay: every number of its solve finite.
    double U = 0.0, V = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        U += t.c[2 * i + 1];
        V += t.w[2 * i + 1];
        scale += std::max(std::abs(t.linear[2 * i]), std::abs(t.linear[2 * i + 1]));
    }
    const OutOfRange far = server_out_of_range(t.A[0], t.B[0], U, V);
    const double delay = largest_edge_delay(U, V, s.f_edge_max);
    scale += t.A[0] * U * U + t.B[0] * V * V;
    if (far.what || !(delay <= kMaxMagnitude) || !(scale <= kMaxMagnitude))
        throw InvalidCell("its devices' costs together overflow: over them, U = sum sqrt(rho C) = " + number(U) +
                          " and V = sum sqrt(M d / R) = " + number(V) + ", with A = w_delay / f_edge_max = " +
                          number(t.A[0]) + " and B = w_delay = " + number(t.B[0]) + "; then " +
                          (far.what ? std::string(far.what) + " reaches " + number(far.value)
                                    : "the delay U^2 / f_edge_max + V^2 reaches " + number(delay) +
                                          " s and the total cost " + number(scale)) +
                          ", beyond " + number(kMaxMagnitude) + "; check the units of the inputs");
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
    // divide by U = 0 and are dropped). F c / U and c U / F as the array version forms them, unless F U or U^2
    // overflows (as c <= U, F c and c U cannot otherwise): then F (c / U) and c (U / F), which cannot.
    auto decode = [&, U, V, F = s.f_edge_max](auto robust) {
        for (std::size_t i = 0; i < N; ++i) {
            const std::size_t n = idx[i];
            const bool on = choice[i] == 1;
            const double c = t.c[2 * i + 1], w = t.w[2 * i + 1], f_local = t.f_local[i],
                         local_delay = t.local_delay[i], local_energy = t.local_energy[i],
                         edge_energy = t.edge_energy[i];
            const double f_edge = robust ? F * (c / U) : F * c / U;  // eq. (19), Theorem 2
            const double time_share = w / V;  // eq. (20), general d_n
            // eqs. (2) + (4) at Theorem 2's shares: rho C / f_edge + M d / (R tau) = c U / F + w V.
            const double edge_delay = (robust ? c * (U / F) : c * U / F) + w * V;
            out.offload[n] = on;
            out.f_local[n] = on ? 0.0 : f_local;  // eq. (13), Theorem 1
            out.f_edge[n] = on ? f_edge : 0.0;
            out.time_share[n] = on ? time_share : 0.0;
            out.delay[n] = on ? edge_delay : local_delay;     // or eq. (1)
            out.energy[n] = on ? edge_energy : local_energy;  // eq. (5) or eq. (3)
        }
    };
    if (s.f_edge_max * U <= kDoubleMax && U * U <= kDoubleMax)
        decode(std::false_type{});
    else
        decode(std::true_type{});
    double cost = 0.0;
    for (std::size_t i = 0; i < N; ++i) {
        const std::size_t n = idx[i];
        cost += s.w_delay * out.delay[n] + s.w_energy * out.energy[n];  // eqs. (6)-(8)
    }
    // build_paper_table bounds every number above (shares, delays, cost); a failure here would be the core's.
    if (!(std::abs(cost) <= kMaxMagnitude))
        throw InvalidCell("its schedule's cost is " + number(cost) + "; check the units of the inputs");
    return cost;
}

}  // namespace edgesched
