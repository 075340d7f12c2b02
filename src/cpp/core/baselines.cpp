#include "baselines.hpp"

namespace edgesched {

std::uint64_t splitmix64(std::uint64_t seed, std::uint64_t n) {
    std::uint64_t z = seed + (n + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void fixed_choice(const OptionTable& t, std::int32_t k, Span<std::int32_t> choice) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) choice[n] = k;
}

void random_choice(const OptionTable& t, std::uint64_t seed, Span<std::int32_t> choice) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const double u = static_cast<double>(splitmix64(seed, n) >> 11) * 0x1.0p-53;
        const auto k = static_cast<double>(t.n_options(n));
        choice[n] = static_cast<std::int32_t>(u * k);  // floor(u * K); for K = 2 the top bit of z
    }
}

}  // namespace edgesched
