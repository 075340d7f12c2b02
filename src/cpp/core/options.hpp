// The option model (DESIGN.md §2): every device picks one option from its menu.
//
//   total(choice) = sum_n linear[choice_n] + sum_j ( A[j] * U_j^2 + B[j] * V_j^2 ),
//   U_j = sum of c[o] over chosen options o on server j, V_j likewise with w[o].
//
// Options of device n are option_ptr[n] .. option_ptr[n+1]-1; server[o] == -1 means the option uses no
// shared server. Solvers write `choice[n]`, the chosen option's index *within the device's menu*.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "span.hpp"

namespace edgesched {

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

// Per-server sums U_j, V_j and the total cost of a choice; recomputed from scratch.
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

// The paper's iterative greedy (Sec. IV-C) on a two-option table (option 0 runs without a server,
// option 1 on a server). Returns the number of devices moved to option 0.
std::size_t paper_greedy(const OptionTable& t, Span<std::int32_t> choice);

// Exact minimum by enumeration of every choice in reflected mixed-radix Gray-code order, with an O(1)
// update of the sums per step. Ties keep the first minimum in a fixed order independent of `threads`.
// Returns the minimum cost.
double exhaustive(const OptionTable& t, Span<std::int32_t> choice, unsigned threads);

// Number of choices an exhaustive search visits, saturated at UINT64_MAX.
std::uint64_t search_space_size(const OptionTable& t);

// The n-th output (n = 0, 1, ...) of SplitMix64 seeded with `seed`.
std::uint64_t splitmix64(std::uint64_t seed, std::uint64_t n);

// Baselines: every device on menu index `k` (0 = local, 1 = edge in the paper's table), or a uniformly
// random index per device, from SplitMix64: choice_n = floor(u_n * K_n), u_n = (z_n >> 11) * 2^-53.
void fixed_choice(const OptionTable& t, std::int32_t k, Span<std::int32_t> choice);
void random_choice(const OptionTable& t, std::uint64_t seed, Span<std::int32_t> choice);

}  // namespace edgesched
