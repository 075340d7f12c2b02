#include "auto.hpp"

#include "decomposition.hpp"
#include "branch_and_bound.hpp"
#include "descent.hpp"
#include "exhaustive.hpp"
#include "greedy.hpp"
#include "reduced_cost.hpp"
#include "relaxation.hpp"
#include "station_moves.hpp"
#include "warm.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace edgesched {

namespace {

// Sweeps of the coupled path's first descent, at most.
constexpr int kFirstSweeps = 100;

// The proof on a table of at most kAutoExhaustiveChoices choices, `r` the best schedule so far (in `choice`) and
// `root_bound` the dual bound at r.prices. First the reduced-cost enumeration at those prices: on a two-option
// table it visits at most 2^(devices free to move) sets, each an O(1) change of the last, and near the dual
// maximum usually a handful. A set costs about as much as a step of the Gray-code search of every choice, so
// the enumeration gets a quarter of that search's steps on a thread (per thread it would run on); the Gray-code
// search runs only where the enumeration does not finish within them (devices nearly alike, all fractional in
// the relaxation: 2^N sets), and no table costs more than 1.25 times that search.
SearchResult prove_small(const OptionTable& t, Span<std::int32_t> choice, SearchResult r, double root_bound,
                         std::uint64_t space, unsigned threads, double rel_tol) {
    ReducedCostSearch rcs(t, r.prices, root_bound, r.cost, rel_tol);
    const std::uint64_t budget = std::max<std::uint64_t>(64, space / (4 * exhaustive_threads(space, threads)));
    double pruned = kInf;
    const Deadline none{std::chrono::steady_clock::now(), kInf};
    if (rcs.run(choice, r.cost, budget, r.nodes, pruned, none)) {
        r.lower_bound = std::max(std::min(root_bound, r.cost), std::min(r.cost, pruned));
        r.proven = true;
        return r;
    }
    r.cost = exhaustive(t, choice, threads);
    r.lower_bound = r.cost;
    r.proven = true;
    return r;
}

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
    r.proven = best - r.lower_bound <= limits.rel_tol * std::abs(best);
    if (r.proven) return r;
    const std::uint64_t space = search_space_size(t);
    if (space <= kAutoExhaustiveChoices) return prove_small(t, choice, r, root.bound, space, threads, limits.rel_tol);
    if (limits.node_limit == 0 || !(limits.time_limit_s > 0.0)) return r;
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
    r.proven = best - r.lower_bound <= limits.rel_tol * std::abs(best);
    if (r.proven) return r;
    const std::uint64_t space = search_space_size(t);
    // Small tables are solved exactly whatever the budget: bound first, the enumeration only where the bound
    // does not finish (docs/model.md §6, item 6).
    if (space <= kAutoExhaustiveChoices) return prove_small(t, choice, r, root_bound, space, threads, limits.rel_tol);
    const bool search = limits.node_limit > 0 && limits.time_limit_s > 0.0;
    auto merge = [&r, &limits](const SearchResult& b, double tol) {
        r.cost = b.cost;
        r.lower_bound = std::max(r.lower_bound, b.lower_bound);
        r.proven = (b.proven && tol == limits.rel_tol) || r.cost - r.lower_bound <= limits.rel_tol * std::abs(r.cost);
        r.nodes += b.nodes;
    };
    // Up to exhaustive's limit (30 two-option devices): a short search for the proof itself.
    if (space <= kExhaustiveMaxChoices && search) {
        SearchLimits proof = limits;
        proof.node_limit = std::min(limits.node_limit, kAutoProofNodes);
        merge(branch_and_bound(t, choice, proof, dual, root_bound), limits.rel_tol);
        if (r.proven) return r;
    }
    // Certified close enough (like a MIP solver's relative gap limit): no exact search.
    if (r.cost - r.lower_bound <= limits.gap_tol * std::abs(r.cost) || !search) return r;
    SearchLimits within = limits;
    within.rel_tol = std::max(limits.rel_tol, limits.gap_tol);  // prune what cannot gain more than that
    merge(branch_and_bound(t, choice, within, dual, root_bound), within.rel_tol);
    return r;
}

}  // namespace edgesched
