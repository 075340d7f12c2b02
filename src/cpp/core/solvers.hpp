// Solvers beyond the paper on the option model: descent, the relaxation lower bound, branch-and-bound,
// and `auto`, which combines them. See DESIGN.md §2.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"

namespace edgesched {

// Best-improvement descent: apply the single-device change that lowers the total most (by more than
// 1e-13 |total|; ties to the lowest device, then the lowest menu index), until none does (or `max_moves`
// changes were made). O(1) per candidate change; after a change only the devices with an option on the two
// servers involved are re-priced, so a change costs O(their options + log N), not O(all options); on the
// paper's one-server table every device's move is re-priced in one vectorised pass. Returns the number of
// changes.
std::size_t descent(const OptionTable& t, Span<std::int32_t> choice, std::size_t max_moves);

// Lower bound from the Lagrangian dual of the convex relaxation (DESIGN.md §1-2). For any multipliers
// lambda_j, mu_j (one pair per server), since A U^2 >= lambda U - lambda^2 / (4A) for every real lambda:
//
//   total(choice) >= g(lambda, mu) = sum_n min_o (linear_o + lambda_s(o) c_o + mu_s(o) w_o)
//                                    - sum_j (lambda_j^2 / (4 A_j) + mu_j^2 / (4 B_j)).
//
// g is concave; its maximum equals the optimum of the convex relaxation (each device mixing its options).
// `fixed[n] >= 0` restricts device n to that menu index (used by branch-and-bound); pass an empty span for
// none. The multipliers are improved in place (block coordinate ascent over servers, each block solved
// exactly by nested bisection on the supergradient; one block, the paper's case, is solved exactly).
// Cap on the root-finding steps per multiplier (bisection or Illinois): with bisection the bracket shrinks
// to 2^-34 of its width, about 1e-10 of the dual maximum; the bound is valid whatever the number of steps.
inline constexpr int kBisectionSteps = 34;

struct DualState {
    std::vector<double> lambda, mu;
};
// `warm`: search each server's mu around its value in `dual` (cheap when `dual` is near the maximum, as
// after a small change of the table) instead of over its whole range; the result differs only within the
// root-finding tolerance.
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

struct SearchLimits {
    std::uint64_t node_limit = 200000;
    double time_limit_s = 1.0;
    double rel_tol = 1e-9;  // a node is pruned when its bound is within this of the incumbent
    double gap_tol = 0.0;   // auto: no exact search once the certified relative gap is at most this
};

struct SearchResult {
    double cost = 0.0;         // cost of `choice`
    double lower_bound = 0.0;  // certified: no choice costs less
    bool proven = false;       // the search finished: `choice` is optimal to rel_tol
    std::uint64_t nodes = 0;
    DualState prices;          // multipliers of the relaxation bound, else the tangent prices at `choice`
};

// The exact search. First the reduced-cost enumeration at the root multipliers, on half the node budget:
// total(x) = g + sum of x's reduced costs + completed squares (all >= 0), so only option sets whose reduced
// costs sum below incumbent - g can pay, and each is one O(1) change of the last (solvers.cpp). If it does not
// finish, depth-first branch-and-bound on the dual bound, with the devices that cannot pay fixed. `choice`
// holds an incumbent on entry (its cost is the initial upper bound) and the best choice found on exit. `root`
// and `root_bound` are the caller's dual_bound of the whole table (the multipliers order the branching).
// Nodes count enumerated sets and branch-and-bound nodes alike.
SearchResult branch_and_bound(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                              const DualState& root, double root_bound);

// Does the paper's greedy apply (every device has two options: 0 without a server, 1 on a server)?
bool is_paper_table(const OptionTable& t);

// The default solver: the paper's greedy (where it applies) and the relaxation rounding, each improved by
// descent; then an exact search when the instance is small enough (exhaustive, or branch-and-bound within
// its limits). Never worse than `greedy`.
SearchResult solve_auto(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        unsigned threads);

// Re-solve of a table that changed a little since `choice` (on entry: the schedule in force) was decided:
//   A: descent from `choice`;
//   B: the relaxation rounded at near-optimal prices, then descent: `prices` (the previous solve's
//      multipliers, which move little between such tables; null: the tangent prices at A) after one sweep
//      of dual ascent searched around them (dual_bound with `warm`);
// keeping the cheaper (A on a tie: fewer decisions change), then improving it by pair moves: two devices
// trading load on a server, which descent (one device at a time) cannot see. The lower bound is the dual
// value at the prices after the sweep, returned in `prices`; `proven` when the gap is within
// limits.rel_tol.
SearchResult solve_warm(const OptionTable& t, Span<std::int32_t> choice, const DualState* prices,
                        const SearchLimits& limits);

// One entry point for every method by name ("auto", "greedy", "descent", "warm", "exhaustive", "bnb",
// "local", "edge", "random"). Fills `choice` ("descent" and "warm" start from it); returns its cost and a
// certified lower bound: the relaxation bound for "auto", "bnb" and "warm", the tangent bound at the
// returned choice for the others (one pass, cheap, looser). `prices`: warm's starting multipliers (null:
// none; the other methods ignore them).
SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads,
                          const DualState* prices = nullptr);

}  // namespace edgesched
