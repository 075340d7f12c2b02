#include "methods.hpp"

#include "auto.hpp"
#include "baselines.hpp"
#include "branch_and_bound.hpp"
#include "descent.hpp"
#include "exhaustive.hpp"
#include "greedy.hpp"
#include "warm.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace edgesched {

SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads,
                          const DualState* prices) {
    if (method == "auto") return solve_auto(t, choice, limits, threads);
    if (method == "warm") return solve_warm(t, choice, prices, limits);
    SearchResult r;
    if (method == "exhaustive") {
        r.cost = exhaustive(t, choice, threads);
        r.lower_bound = r.cost;
        r.proven = true;
        r.prices = tangent_point(t, compute_loads(t, Span<const std::int32_t>(choice)));
        return r;
    }
    if (method == "bnb") return solve_bnb(t, choice, limits);
    if (method == "greedy") {
        if (!is_paper_table(t))
            throw std::invalid_argument(
                "method 'greedy' needs two options per device: option 0 without a server, option 1 on one");
        paper_greedy(t, choice);
    } else if (method == "descent") {
        descent(t, choice, std::numeric_limits<std::size_t>::max());  // from the caller's start
    } else if (method == "local") {
        fixed_choice(t, 0, choice);
    } else if (method == "edge") {
        fixed_choice(t, 1, choice);
    } else if (method == "random") {
        random_choice(t, seed, choice);
    } else {
        throw std::invalid_argument("unknown method '" + method + "'");
    }
    const Loads l = compute_loads(t, Span<const std::int32_t>(choice));  // once, for the cost and the bound
    r.cost = l.total(t);
    r.prices = tangent_point(t, l);
    r.lower_bound = std::min(dual_value(t, {}, r.prices), r.cost);
    return r;
}

}  // namespace edgesched
