// The paper's baselines: every device local, every device offloaded, or a random choice per device.
#pragma once
#include <cstdint>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// The n-th output (n = 0, 1, ...) of SplitMix64 seeded with `seed`.
std::uint64_t splitmix64(std::uint64_t seed, std::uint64_t n);

// Baselines: every device on menu index `k` (0 = local, 1 = edge in the paper's table), or a uniformly
// random index per device, from SplitMix64: choice_n = floor(u_n * K_n), u_n = (z_n >> 11) * 2^-53.
void fixed_choice(const OptionTable& t, std::int32_t k, Span<std::int32_t> choice);
void random_choice(const OptionTable& t, std::uint64_t seed, Span<std::int32_t> choice);

}  // namespace edgesched
