// The registry of the solving methods, in documented order: each method's name, a one-line summary (the
// Python API's docstrings and the command line's help), the problems it applies to, whether it can prove its
// schedule optimal, and the function that runs it. A new method is one new algorithm file pair and one row of
// the registry (methods.cpp).
#pragma once
#include <cstdint>
#include <string>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// What a method may use besides the table and the choice.
struct MethodArgs {
    std::uint64_t seed = 0;              // random: the SplitMix64 seed
    SearchLimits limits;                 // the budget and tolerances of the searches
    unsigned threads = 1;                // the exhaustive search's workers
    const DualState* prices = nullptr;   // warm: the starting multipliers (null: none)
};

// Fills `choice` (descent and warm start from it) and returns its cost and a certified lower bound.
using MethodRun = SearchResult (*)(const OptionTable& t, Span<std::int32_t> choice, const MethodArgs& args);

struct MethodInfo {
    const char* name;
    const char* summary;  // one line, no final period
    bool paper;           // applies to the paper's problem (solve_paper_cells)
    bool options;         // applies to general option tables (solve_method)
    bool proves;          // can prove its schedule optimal (SearchResult::proven)
    MethodRun run;
};

// Every method, in documented order.
Span<const MethodInfo> methods();

enum class Problem { kPaper, kOptions };
bool applies(const MethodInfo& m, Problem problem);

// The method called `name` for `problem`. Throws std::invalid_argument naming the methods of `problem` when
// no method has that name or the method does not apply.
const MethodInfo& find_method(const std::string& name, Problem problem);

// One entry point for every method of the registry by name, on an option table. Fills `choice` ("descent"
// and "warm" start from it); returns its cost and a certified lower bound: the relaxation bound for "auto",
// "bnb" and "warm", the tangent bound at the returned choice for the others (one pass, cheap, looser).
// `prices`: warm's starting multipliers (null: none; the other methods ignore them), each clamped to the range
// where the dual's maximum lies, [0, 2 A_j U_j] and [0, 2 B_j V_j] with U_j, V_j the sums of c and w over the
// options on server j (any multipliers there give a valid bound, and a price of a server with A_j = 0 or
// B_j = 0 must be 0). The table must be within the range of check_range (table.hpp); a result that is not
// finite all the same throws std::invalid_argument (check_finite).
//
SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads,
                          const DualState* prices = nullptr);

// Throws std::invalid_argument unless the result's cost, bound and prices are finite: the table's range
// (check_range) names where it is exceeded, else the result's numbers are named.
void check_finite(const OptionTable& t, const SearchResult& r);

}  // namespace edgesched
