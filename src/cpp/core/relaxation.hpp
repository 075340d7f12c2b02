// The convex relaxation solved to a certified optimum on any number of servers (docs/model.md §5.1).
//
// The dual g(lambda, mu) of dual.hpp is concave but not smooth: block coordinate ascent over servers stops short
// of its maximum when devices that can reach several servers sit on ties between them. Here g is maximised by
// Newton's method on its smoothing
//
//   g_eps(z) = sum_n -eps log sum_o exp(-pi_o(z) / eps) - |z|^2,   z = the scaled multipliers (below),
//
// whose maximiser tends to g's as eps -> 0, with eps lowered stage by stage. The softmax weights p_{n,o} at z are
// a feasible point of the relaxation (every device mixing its options), so P(p) - g(z) >= 0 bounds the distance
// of both to the relaxation's optimum: the stopping test is this duality gap, not a count of steps.
//
// Scaled multipliers: z_{2j} = lambda_j / (2 sqrt(A_j)), z_{2j+1} = mu_j / (2 sqrt(B_j)), so that the penalty
// lambda_j^2/(4A_j) + mu_j^2/(4B_j) is z_{2j}^2 + z_{2j+1}^2 and lambda_j c_o = 2 z_{2j} sqrt(A_j) c_o.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dual.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Does some device have allowed options on two different servers? (`off[o] != 0` leaves option o out; an empty
// `off` leaves none out.) When none does, the servers share no device and the dual separates into one block per
// server, which dual_bound maximises exactly in one sweep.
bool servers_coupled(const OptionTable& t, Span<const std::uint8_t> off);

// g at the multipliers over the allowed options (dual_value with a mask of options instead of fixed devices).
double masked_dual_value(const OptionTable& t, Span<const std::uint8_t> off, const DualState& d);

struct RelaxationLimits {
    double rel_gap = 1e-10;         // stop once primal - bound <= rel_gap * (|bound| + |primal|) / 2
    int max_steps = 300;            // Newton steps at most
    double prune_at = kInf;         // stop as soon as the bound reaches this (a branch-and-bound node pruned)
    double give_up_below = -kInf;   // stop as soon as the primal value is below this (the node cannot be pruned)
    double eps0 = 0.0;              // the first smoothing (0: 1e-3 of the mean priced cost of a device)
};

struct RelaxationResult {
    double bound = -kInf;   // g at the returned multipliers: no choice costs less
    double primal = kInf;   // the relaxation's cost at the mixed solution: >= the relaxation's optimum
    int steps = 0;          // Newton steps taken
    bool converged = false; // primal - bound within the tolerance
};

// Maximises g over the allowed options (every device keeps at least one), from the multipliers in `dual`, which
// receive the maximiser. `mix`, when given, receives per option the weight of the mixed solution (0 for options
// left out).
RelaxationResult relaxation_optimum(const OptionTable& t, Span<const std::uint8_t> off, DualState& dual,
                                    const RelaxationLimits& limits, std::vector<double>* mix = nullptr);

}  // namespace edgesched
