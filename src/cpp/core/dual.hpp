// The lower bound from the Lagrangian dual of the convex relaxation (docs/model.md §5). For any multipliers
// lambda_j, mu_j (one pair per server), since A U^2 >= lambda U - lambda^2 / (4A) for every real lambda:
//
//   total(choice) >= g(lambda, mu) = sum_n min_o (linear_o + lambda_s(o) c_o + mu_s(o) w_o)
//                                    - sum_j (lambda_j^2 / (4 A_j) + mu_j^2 / (4 B_j)).
//
// g is concave; its maximum equals the optimum of the convex relaxation (each device mixing its options).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

struct DualState {
    std::vector<double> lambda, mu;
};

// Linearised value of option o at the multipliers: linear_o + lambda_s c_o + mu_s w_o (inline: the dual
// ascent and the exact searches price options in their inner loops).
inline double priced(const OptionTable& t, const DualState& d, std::size_t o) {
    const std::int32_t s = t.server[o];
    if (s < 0) return t.linear[o];
    const auto j = static_cast<std::size_t>(s);
    return t.linear[o] + d.lambda[j] * t.c[o] + d.mu[j] * t.w[o];
}

// sum_j (lambda_j^2 / (4 A_j) + mu_j^2 / (4 B_j)), a zero price's term left out.
double penalty(const OptionTable& t, const DualState& d);

// g at the multipliers, each device restricted to its allowed options (see `allowed`).
double dual_value(const OptionTable& t, Span<const std::int32_t> fixed, const DualState& d);

// Cap on the root-finding steps per multiplier (bisection or Illinois): with bisection the bracket shrinks
// to 2^-34 of its width, about 1e-10 of the dual maximum; the bound is valid whatever the number of steps.
inline constexpr int kBisectionSteps = 34;

// Maximises g. `fixed[n] >= 0` restricts device n to that menu index (used by branch-and-bound); pass an
// empty span for none. The multipliers are improved in place (block coordinate ascent over servers, each
// block solved exactly by nested bisection on the supergradient; one block, the paper's case, is solved
// exactly). `warm`: search each server's mu around its value in `dual` (cheap when `dual` is near the
// maximum, as after a small change of the table) instead of over its whole range; the result differs only
// within the root-finding tolerance.
double dual_bound(const OptionTable& t, Span<const std::int32_t> fixed, DualState& dual, int sweeps,
                  int bisection_steps, bool warm = false);

// The multipliers where the quadratic terms touch their tangents at a choice's loads `l` (lambda_j =
// 2 A_j U_j, mu_j = 2 B_j V_j). The dual function there is a valid lower bound in one pass over the table,
// equal to the choice's cost minus, summed over devices, how much cheaper a device's best option is at
// those prices.
DualState tangent_point(const OptionTable& t, const Loads& l);

// Choice minimising the linearised objective at the multipliers (relaxation rounding); devices with
// `fixed[n] >= 0` keep that option (pass an empty span for none).
void dual_rounding(const OptionTable& t, const DualState& dual, Span<const std::int32_t> fixed,
                   Span<std::int32_t> choice);

}  // namespace edgesched
