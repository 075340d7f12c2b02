// Every method by name.
#pragma once
#include <cstdint>
#include <string>

#include "dual.hpp"
#include "search.hpp"
#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// One entry point for every method by name ("auto", "greedy", "descent", "warm", "exhaustive", "bnb",
// "local", "edge", "random"). Fills `choice` ("descent" and "warm" start from it); returns its cost and a
// certified lower bound: the relaxation bound for "auto", "bnb" and "warm", the tangent bound at the
// returned choice for the others (one pass, cheap, looser). `prices`: warm's starting multipliers (null:
// none; the other methods ignore them).
SearchResult solve_method(const OptionTable& t, const std::string& method, Span<std::int32_t> choice,
                          std::uint64_t seed, const SearchLimits& limits, unsigned threads,
                          const DualState* prices = nullptr);

}  // namespace edgesched
