#include "methods.hpp"

#include "auto.hpp"
#include "baselines.hpp"
#include "branch_and_bound.hpp"
#include "descent.hpp"
#include "exhaustive.hpp"
#include "greedy.hpp"
#include "warm.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <vector>

namespace edgesched {

namespace {

// The cost of `choice` and the dual bound at its tangent prices (one pass over the table: cheap, looser).
SearchResult at_tangent(const OptionTable& t, Span<const std::int32_t> choice) {
    const Loads l = compute_loads(t, choice);  // once, for the cost and the bound
    SearchResult r;
    r.cost = l.total(t);
    r.prices = tangent_point(t, l);
    r.lower_bound = std::min(dual_value(t, {}, r.prices), r.cost);
    return r;
}

using Choice = Span<std::int32_t>;

// The registry. Columns: name, summary, paper's problem, option tables, proves optimality, run.
constexpr MethodInfo kMethods[] = {
    {"auto",
     "the greedy (where it applies) and the rounded relaxation, each improved by descent, then an exact search "
     "within the budget; never worse than greedy",
     true, true, true,
     [](const OptionTable& t, Choice ch, const MethodArgs& a) { return solve_auto(t, ch, a.limits, a.threads); }},
    {"greedy", "the paper's iterative greedy (Sec. IV-C); two-option tables only", true, true, false,
     [](const OptionTable& t, Choice ch, const MethodArgs&) {
         if (!is_paper_table(t))
             throw std::invalid_argument(
                 "method 'greedy' needs two options per device: option 0 without a server, option 1 on one");
         paper_greedy(t, ch);
         return at_tangent(t, ch);
     }},
    {"descent", "best single-device changes from the start until none improves", false, true, false,
     [](const OptionTable& t, Choice ch, const MethodArgs&) {
         descent(t, ch, std::numeric_limits<std::size_t>::max());  // from the caller's start
         return at_tangent(t, ch);
     }},
    {"warm",
     "a re-solve after a small change of the table, from the schedule in force and its prices, ending with pair "
     "moves",
     false, true, true,
     [](const OptionTable& t, Choice ch, const MethodArgs& a) { return solve_warm(t, ch, a.prices, a.limits); }},
    {"bnb",
     "the reduced-cost enumeration at the relaxation's dual prices, then branch-and-bound on the dual bound; on "
     "tables whose servers share devices, the search by station decomposition",
     false, true, true,
     [](const OptionTable& t, Choice ch, const MethodArgs& a) { return solve_bnb(t, ch, a.limits); }},
    {"exhaustive", "every choice in Gray-code order: the exact optimum of small instances", true, true, true,
     [](const OptionTable& t, Choice ch, const MethodArgs& a) {
         SearchResult r;
         r.cost = exhaustive(t, ch, a.threads);
         r.lower_bound = r.cost;
         r.proven = true;
         r.prices = tangent_point(t, compute_loads(t, Span<const std::int32_t>(ch)));
         return r;
     }},
    {"local", "every device on option 0 (in the paper's problem: computing locally)", true, true, false,
     [](const OptionTable& t, Choice ch, const MethodArgs&) {
         fixed_choice(t, 0, ch);
         return at_tangent(t, ch);
     }},
    {"edge", "every device on option 1 (in the paper's problem: offloading)", true, true, false,
     [](const OptionTable& t, Choice ch, const MethodArgs&) {
         fixed_choice(t, 1, ch);
         return at_tangent(t, ch);
     }},
    {"random", "a uniformly random option per device, from SplitMix64 and the seed", true, true, false,
     [](const OptionTable& t, Choice ch, const MethodArgs& a) {
         random_choice(t, a.seed, ch);
         return at_tangent(t, ch);
     }},
};

std::string names(Problem problem) {
    std::string s;
    for (const MethodInfo& m : kMethods) {
        if (!applies(m, problem)) continue;
        if (!s.empty()) s += ", ";
        s += m.name;
    }
    return s;
}

}  // namespace

Span<const MethodInfo> methods() { return {kMethods, std::size(kMethods)}; }

bool applies(const MethodInfo& m, Problem problem) { return problem == Problem::kPaper ? m.paper : m.options; }

const MethodInfo& find_method(const std::string& name, Problem problem) {
    const char* what = problem == Problem::kPaper ? "the paper's problem" : "option tables";
    for (const MethodInfo& m : kMethods) {
        if (name != m.name) continue;
        if (!applies(m, problem))
            throw std::invalid_argument("method '" + name + "' does not apply to " + what + "; use one of " +
                                        names(problem));
        return m;
    }
    throw std::invalid_argument("unknown method '" + name + "'; the methods of " + what + " are " + names(problem));
}

SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads,
                          const DualState* prices) {
    MethodArgs args;
    args.seed = seed;
    args.limits = limits;
    args.threads = threads;
    DualState start;
    if (prices) {  // clamped into the box that holds the dual's maximum (docs/model.md §5)
        start = *prices;
        const std::size_t S = t.n_servers();
        std::vector<double> U(S, 0.0), V(S, 0.0);
        for (std::size_t o = 0; o < t.linear.size; ++o) {
            if (t.server[o] < 0) continue;
            U[static_cast<std::size_t>(t.server[o])] += t.c[o];
            V[static_cast<std::size_t>(t.server[o])] += t.w[o];
        }
        for (std::size_t j = 0; j < S && j < start.lambda.size() && j < start.mu.size(); ++j) {
            start.lambda[j] = std::clamp(start.lambda[j], 0.0, 2.0 * t.A[j] * U[j]);
            start.mu[j] = std::clamp(start.mu[j], 0.0, 2.0 * t.B[j] * V[j]);
        }
        args.prices = &start;
    }
    const SearchResult r = find_method(method, Problem::kOptions).run(t, choice, args);
    check_finite(t, r);
    return r;
}

void check_finite(const OptionTable& t, const SearchResult& r) {
    bool finite = std::isfinite(r.cost) && std::isfinite(r.lower_bound);
    for (const std::vector<double>* p : {&r.prices.lambda, &r.prices.mu})
        for (const double x : *p) finite = finite && std::isfinite(x);
    if (finite) return;
    check_range(t);
    throw std::invalid_argument("the solve's numbers are not finite (cost " + number_text(r.cost) + ", bound " +
                                number_text(r.lower_bound) + ") although the table is within range");
}

}  // namespace edgesched
