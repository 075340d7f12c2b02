// What the searches share: their budget, their result, and the default budget of `auto`'s and `bnb`'s exact
// search (the Python API's defaults too).
#pragma once
#include <chrono>
#include <cstdint>

#include "dual.hpp"

namespace edgesched {

// Default node budget of an exact search (reduced-cost sets plus branch-and-bound nodes).
inline constexpr std::uint64_t kDefaultNodeLimit = 200000;
// Default time budget of an exact search, in seconds.
inline constexpr double kDefaultTimeLimit = 1.0;

struct SearchLimits {
    std::uint64_t node_limit = kDefaultNodeLimit;
    double time_limit_s = kDefaultTimeLimit;
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

// A search's time budget.
struct Deadline {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double seconds;
    bool passed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds;
    }
};

}  // namespace edgesched
