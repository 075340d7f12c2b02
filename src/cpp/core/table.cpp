#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace edgesched {

double Loads::total(const OptionTable& t) const {
    double quad = 0.0;
    for (std::size_t j = 0; j < U.size(); ++j) quad += t.A[j] * U[j] * U[j] + t.B[j] * V[j] * V[j];
    return linear + quad;
}

Loads compute_loads(const OptionTable& t, Span<const std::int32_t> choice) {
    Loads l;
    l.U.assign(t.n_servers(), 0.0);
    l.V.assign(t.n_servers(), 0.0);
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const std::size_t o = t.option(n, choice[n]);
        l.linear += t.linear[o];
        const std::int32_t j = t.server[o];
        if (j >= 0) {
            l.U[static_cast<std::size_t>(j)] += t.c[o];
            l.V[static_cast<std::size_t>(j)] += t.w[o];
        }
    }
    return l;
}

double total_cost(const OptionTable& t, Span<const std::int32_t> choice) {
    return compute_loads(t, choice).total(t);
}

double rounding_scale(const OptionTable& t) {
    double scale = 0.0;
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        double lin = 0.0;
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
            lin = std::max(lin, std::abs(t.linear[o]));
        scale += lin;
    }
    std::vector<double> c_cap(t.n_servers(), 0.0), w_cap(t.n_servers(), 0.0);
    for (std::size_t o = 0; o < t.linear.size; ++o) {
        if (t.server[o] < 0) continue;
        c_cap[static_cast<std::size_t>(t.server[o])] += t.c[o];
        w_cap[static_cast<std::size_t>(t.server[o])] += t.w[o];
    }
    for (std::size_t j = 0; j < t.n_servers(); ++j) {  // a zero price adds nothing (and no 0 * inf)
        if (t.A[j] > 0.0) scale += t.A[j] * c_cap[j] * c_cap[j];
        if (t.B[j] > 0.0) scale += t.B[j] * w_cap[j] * w_cap[j];
    }
    return scale;
}

OutOfRange server_out_of_range(double A, double B, double U, double V) {
    // Each test is written so that NaN fails it.
    if (!(U <= kMaxMagnitude)) return {"U", U};
    if (!(V <= kMaxMagnitude)) return {"V", V};
    const double lambda = 2.0 * A * U, mu = 2.0 * B * V;  // the largest useful dual prices (docs/model.md §5)
    if (!(lambda * lambda <= kMaxMagnitude)) return {"(2 A U)^2", lambda * lambda};
    if (!(mu * mu <= kMaxMagnitude)) return {"(2 B V)^2", mu * mu};
    const double quad = A * U * U + B * V * V;
    if (!(quad <= kMaxMagnitude)) return {"A U^2 + B V^2", quad};
    return {};
}

std::string number_text(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", x);
    return text;
}

void check_range(const OptionTable& t) {
    const std::string limit = number_text(kMaxMagnitude);
    for (std::size_t j = 0; j < t.n_servers(); ++j) {
        for (const auto& [name, p] : {std::pair<const char*, double>{"A", t.A[j]}, {"B", t.B[j]}})
            if (!price_in_range(p))
                throw std::invalid_argument(std::string(name) + "[" + std::to_string(j) + "] is " + number_text(p) +
                                            "; a server's price must be within 0 .. " + limit);
    }
    std::vector<double> U(t.n_servers(), 0.0), V(t.n_servers(), 0.0);
    for (std::size_t o = 0; o < t.linear.size; ++o) {
        if (t.server[o] < 0) continue;
        U[static_cast<std::size_t>(t.server[o])] += t.c[o];
        V[static_cast<std::size_t>(t.server[o])] += t.w[o];
    }
    double scale = 0.0;
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        double lin = 0.0;
        for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
            lin = std::max(lin, std::abs(t.linear[o]));
        scale += lin;
        if (!(scale <= kMaxMagnitude))
            throw std::invalid_argument("linear: the devices' largest |linear| sum to " + number_text(scale) +
                                        " by device " + std::to_string(n) + ", beyond " + limit +
                                        "; scale the table's costs down");
    }
    for (std::size_t j = 0; j < t.n_servers(); ++j) {
        const OutOfRange bad = server_out_of_range(t.A[j], t.B[j], U[j], V[j]);
        if (bad.what)
            throw std::invalid_argument("server " + std::to_string(j) + ": " + bad.what + " is " +
                                        number_text(bad.value) + ", beyond " + limit + " (A = A[" + std::to_string(j) +
                                        "] = " + number_text(t.A[j]) + ", B = B[" + std::to_string(j) +
                                        "] = " + number_text(t.B[j]) + ", U = " + number_text(U[j]) + " and V = " +
                                        number_text(V[j]) + " the sums of c and w over its options); scale the "
                                        "table's numbers down");
        scale += t.A[j] * U[j] * U[j] + t.B[j] * V[j] * V[j];
        if (!(scale <= kMaxMagnitude))
            throw std::invalid_argument("server " + std::to_string(j) + ": the table's costs can reach " +
                                        number_text(scale) + " with this server's terms, beyond " + limit +
                                        "; scale the table's numbers down");
    }
}

std::uint64_t search_space_size(const OptionTable& t) {
    std::uint64_t size = 1;
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const std::uint64_t k = t.n_options(n);
        if (k != 0 && size > std::numeric_limits<std::uint64_t>::max() / k) {
            return std::numeric_limits<std::uint64_t>::max();
        }
        size *= k;
    }
    return size;
}

bool is_paper_table(const OptionTable& t) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        if (t.n_options(n) != 2) return false;
        if (t.server[t.option(n, 0)] >= 0 || t.server[t.option(n, 1)] < 0) return false;
    }
    return true;
}

void devices_by_server(const OptionTable& t, Span<const std::int32_t> fixed, std::vector<std::size_t>& dev_ptr,
                       std::vector<std::size_t>& devs) {
    const std::size_t S = t.n_servers(), N = t.n_devices();
    std::vector<std::size_t> seen(S, N);  // the last device counted on each server
    dev_ptr.assign(S + 1, 0);
    auto each = [&](auto&& f) {
        std::fill(seen.begin(), seen.end(), N);
        for (std::size_t n = 0; n < N; ++n) {
            const auto [lo, hi] = allowed(t, fixed, n);
            for (std::size_t o = lo; o < hi; ++o) {
                const std::int32_t j = t.server[o];
                if (j >= 0 && seen[static_cast<std::size_t>(j)] != n) {
                    seen[static_cast<std::size_t>(j)] = n;
                    f(static_cast<std::size_t>(j), n);
                }
            }
        }
    };
    each([&](std::size_t j, std::size_t) { ++dev_ptr[j + 1]; });
    for (std::size_t j = 0; j < S; ++j) dev_ptr[j + 1] += dev_ptr[j];
    devs.resize(dev_ptr[S]);
    std::vector<std::size_t> next(dev_ptr.begin(), dev_ptr.end() - 1);
    each([&](std::size_t j, std::size_t n) { devs[next[j]++] = n; });
}

}  // namespace edgesched
