// The option model (docs/model.md §4): every device picks one option from its menu.
//
//   total(choice) = sum_n linear[choice_n] + sum_j ( A[j] * U_j^2 + B[j] * V_j^2 ),
//   U_j = sum of c[o] over chosen options o on server j, V_j likewise with w.
//
// Options of device n are option_ptr[n] .. option_ptr[n+1]-1; server[o] == -1 means the option uses no
// shared server. Solvers write `choice[n]`, the chosen option's index *within the device's menu*.
//
// Besides the table, the arithmetic every solver shares: loads, totals, and the change of the total when one
// device changes its option (inline: the solvers call it in their inner loops).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "span.hpp"

namespace edgesched {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct OptionTable {
    Span<const std::int64_t> option_ptr;  // n_devices + 1
    Span<const double> linear;            // per option: cost independent of other devices
    Span<const std::int32_t> server;      // per option: shared server, -1 for none
    Span<const double> c;                 // per option: compute weight sqrt(rho * C)
    Span<const double> w;                 // per option: airtime weight sqrt(bits / R)
    Span<const double> A;                 // per server: w_delay / F_j
    Span<const double> B;                 // per server: w_delay

    std::size_t n_devices() const { return option_ptr.size - 1; }
    std::size_t n_servers() const { return A.size; }
    std::size_t n_options(std::size_t n) const {
        return static_cast<std::size_t>(option_ptr[n + 1] - option_ptr[n]);
    }
    std::size_t option(std::size_t n, std::int32_t k) const {
        return static_cast<std::size_t>(option_ptr[n] + k);
    }
};

// Per-server sums U_j, V_j and the total cost of a choice; recomputed from scratch. Out of line: inlined into
// the exhaustive search's loop (which prices some choices from scratch) they slowed it by about 7%.
struct Loads {
    std::vector<double> U, V;
    double linear = 0.0;
    double total(const OptionTable& t) const;
};
Loads compute_loads(const OptionTable& t, Span<const std::int32_t> choice);
double total_cost(const OptionTable& t, Span<const std::int32_t> choice);

// A scale of every total the table can take and of the running sums that compute it: sum_n max_o |linear_o| +
// sum_j (A_j Ucap_j^2 + B_j Vcap_j^2), with Ucap_j, Vcap_j the sums of c and w over all options on server j.
// A running total of k updates is off by at most about (k + N) ulps of it.
double rounding_scale(const OptionTable& t);

// The range of the solvers' arithmetic (docs/model.md §5). With U_j and V_j the sums of c and w over every option
// on server j (the largest loads a choice can put on it), every total and running sum the solvers form is at most
// a small multiple of the scale  sum_n max_o |linear_o| + sum_j (A_j U_j^2 + B_j V_j^2),  every dual price at most
// 2 A_j U_j or 2 B_j V_j (beyond, the supergradient is negative), and every penalty the square of such a price
// over 4 A_j or 4 B_j. A table whose prices, loads, scale and squared largest prices are at most kMaxMagnitude
// (DBL_MAX / 2^20, a margin for those small multiples) therefore gives finite numbers everywhere.
inline constexpr double kMaxMagnitude = 0x1p1004;

// Whether a price A_j or B_j is in range: in [0, kMaxMagnitude].
inline bool price_in_range(double p) { return p >= 0.0 && p <= kMaxMagnitude; }

// The first of a server's magnitudes out of range, given its prices A, B and its loads U, V (the sums of c and w
// over every option on it): what (null when all are in range: "U", "V", "(2 A U)^2", "(2 B V)^2" or
// "A U^2 + B V^2") and its value. The prices themselves are checked by price_in_range.
struct OutOfRange {
    const char* what = nullptr;
    double value = 0.0;
};
OutOfRange server_out_of_range(double A, double B, double U, double V);

// x as %g: readable for the huge and tiny values the range's messages are about.
std::string number_text(double x);

// Throws std::invalid_argument unless the table is within the range above, naming the price, the server or the
// device where it leaves it.
void check_range(const OptionTable& t);

// Number of choices an exhaustive search visits, saturated at UINT64_MAX.
std::uint64_t search_space_size(const OptionTable& t);

// Does the paper's greedy apply (every device has two options: 0 without a server, 1 on a server)?
bool is_paper_table(const OptionTable& t);

// Change of the total when one device moves from option a to option b (docs/model.md §4: only the linear
// term and the sums of the servers involved change).
inline double move_delta(const OptionTable& t, const Loads& l, std::size_t a, std::size_t b) {
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

inline void apply_move(const OptionTable& t, Loads& l, std::size_t a, std::size_t b) {
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

// Options device n may take: all of its menu, or the one it is fixed to (`fixed[n] >= 0`; an empty `fixed`
// fixes none).
inline std::pair<std::size_t, std::size_t> allowed(const OptionTable& t, Span<const std::int32_t> fixed,
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
                       std::vector<std::size_t>& devs);

}  // namespace edgesched
