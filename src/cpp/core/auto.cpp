#include "auto.hpp"

#include "decomposition.hpp"
#include "branch_and_bound.hpp"
#include "descent.hpp"
#include "exhaustive.hpp"
#include "greedy.hpp"
#include "relaxation.hpp"
#include "station_moves.hpp"
#include "warm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace edgesched {

namespace {

// Sweeps of the coupled path's first descent, at most.
constexpr int kFirstSweeps = 100;

// `auto` on a table whose servers share devices (docs/model.md §6, item 6).
SearchResult solve_auto_coupled(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                                unsigned threads) {
    const std::size_t N = t.n_devices();
    const std::size_t max_moves = std::numeric_limits<std::size_t>::max();
    // A first schedule, every device's cheapest option by linear cost improved by sweeps of first-improvement
    // descent (a worse local optimum than descent's, reached for a fraction of its best-move loop's time on a city
    // whose devices start local); its tangent prices start a few sweeps of block coordinate ascent, which the
    // relaxation's Newton method takes to the maximum (docs/model.md §6, item 6).
    std::vector<std::int32_t> cand(N);
    const Span<std::int32_t> cs(cand.data(), N);
    DualState dual;
    dual.lambda.assign(t.n_servers(), 0.0);
    dual.mu.assign(t.n_servers(), 0.0);
    dual_rounding(t, dual, {}, cs);
    sweep_descent(t, cs, kFirstSweeps);
    dual = tangent_point(t, compute_loads(t, Span<const std::int32_t>(cs)));
    dual_bound(t, {}, dual, 2, kBisectionSteps);
    const RelaxationResult root = relaxation_optimum(t, {}, dual, RelaxationLimits{});
    // Primal: the rounding at the maximiser, improved by descent and by pair moves (trades between servers).
    dual_rounding(t, dual, {}, choice);
    descent(t, choice, max_moves);
    pair_exchange(t, choice);
    double best = total_cost(t, Span<const std::int32_t>(choice));
    const double c = total_cost(t, Span<const std::int32_t>(cs));
    if (c < best) {
        best = c;
        std::copy(cand.begin(), cand.end(), choice.begin());
    }
    SearchResult r;
    r.cost = best;
    r.lower_bound = std::min(root.bound, best);
    r.prices = dual;
    if (search_space_size(t) <= kAutoExhaustiveChoices) {
        r.cost = exhaustive(t, choice, threads);
        r.lower_bound = r.cost;
        r.proven = true;
        return r;
    }
    r.proven = best - r.lower_bound <= limits.rel_tol * std::abs(best);
    if (r.proven || limits.node_limit == 0 || !(limits.time_limit_s > 0.0)) return r;
    // The decomposition by station (a few one-server solves a node): first a short search for the optimum itself,
    // which its bounds often finish (a stronger bound and better schedules if not); then, while the certified gap
    // is above gap_tol, the search within the whole budget, pruning what cannot gain more than gap_tol.
    SearchLimits search = limits;
    std::vector<double> nu;  // the decomposition's prices, carried from the first search to the second
    const std::uint64_t first = std::min<std::uint64_t>(limits.node_limit, kAutoFirstNodes);
    for (const std::uint64_t budget : {first, limits.node_limit}) {
        const bool exact = budget == first;
        if (!exact && r.cost - r.lower_bound <= limits.gap_tol * std::abs(r.cost)) break;
        search.node_limit = budget;
        search.rel_tol = exact ? limits.rel_tol : std::max(limits.rel_tol, limits.gap_tol);
        const SearchResult b = decomposition_search(t, choice, search, dual, root.bound, threads, &nu);
        r.cost = b.cost;
        r.lower_bound = std::max(r.lower_bound, b.lower_bound);
        r.proven = (b.proven && search.rel_tol == limits.rel_tol) ||
                   r.cost - r.lower_bound <= limits.rel_tol * std::abs(r.cost);
        r.nodes += b.nodes;
        if (r.proven || !exact || budget == limits.node_limit) break;
    }
    return r;
}

}  // namespace

SearchResult solve_auto(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        unsigned threads) {
    if (t.n_servers() > 1 && servers_coupled(t, {})) return solve_auto_coupled(t, choice, limits, threads);
    const std::size_t N = t.n_devices();
    const std::size_t max_moves = std::numeric_limits<std::size_t>::max();
    // A first schedule: the paper's greedy improved by descent where it applies, else every device's
    // cheapest option alone. Its tangent prices start the dual ascent: with several servers, coordinate
    // ascent from zero prices can stall (a device priced out of one free server moves to another).
    std::vector<std::int32_t> cand(N);
    const Span<std::int32_t> cs(cand.data(), N);
    DualState dual;
    const bool paper = is_paper_table(t);
    if (paper) {
        paper_greedy(t, cs);
        descent(t, cs, max_moves);
    } else {  // a poor schedule, but its tangent prices are a good start for the ascent
        dual.lambda.assign(t.n_servers(), 0.0);
        dual.mu.assign(t.n_servers(), 0.0);
        dual_rounding(t, dual, {}, cs);
    }
    const Loads first = compute_loads(t, Span<const std::int32_t>(cs));
    dual = tangent_point(t, first);
    // One server: the dual's maximum is found exactly from any start, and the search around the first
    // schedule's tangent prices takes fewer steps. Several: coordinate ascent searches each server's whole
    // range (warm searches stop at weaker bounds there).
    const double root_bound = dual_bound(t, {}, dual, 4, kBisectionSteps, t.n_servers() == 1);

    dual_rounding(t, dual, {}, choice);
    descent(t, choice, max_moves);
    double best = total_cost(t, Span<const std::int32_t>(choice));
    const double c = first.total(t);
    if (c < best) {
        best = c;
        std::copy(cand.begin(), cand.end(), choice.begin());
    }
    SearchResult r;
    r.cost = best;
    r.lower_bound = std::min(root_bound, best);
    r.prices = dual;
    if (search_space_size(t) <= kAutoExhaustiveChoices) {
        r.cost = exhaustive(t, choice, threads);
        r.lower_bound = r.cost;
        r.proven = true;
        return r;
    }
    // Certified close enough (like a MIP solver's relative gap limit): no exact search.
    r.proven = best - r.lower_bound <= limits.rel_tol * std::abs(best);
    if (r.proven || best - r.lower_bound <= limits.gap_tol * std::abs(best)) return r;
    if (limits.node_limit > 0 && limits.time_limit_s > 0.0) {
        SearchLimits search = limits;
        search.rel_tol = std::max(limits.rel_tol, limits.gap_tol);  // prune what cannot gain more than that
        const SearchResult b = branch_and_bound(t, choice, search, dual, root_bound);
        r.cost = b.cost;
        r.lower_bound = std::max(r.lower_bound, b.lower_bound);
        r.proven = (b.proven && search.rel_tol == limits.rel_tol) ||
                   r.cost - r.lower_bound <= limits.rel_tol * std::abs(r.cost);
        r.nodes = b.nodes;
    }
    return r;
}

}  // namespace edgesched
