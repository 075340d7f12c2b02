// Deadlines (docs/model.md §8): the allocation of one server's CPU and uplink when devices must finish within
// their deadlines, its feasibility test, and its cost. Used by the paper's cells (deadline_search.hpp) for
// pricing candidate schedules and for decoding.
#pragma once
#include <cstddef>
#include <vector>

namespace edgesched {

// The allocation keeps every delay at most D (1 - kDeadlineMargin), so that the delays as decoded (and as a
// user recomputes them from the shares) stay at most D after rounding.
inline constexpr double kDeadlineMargin = 1e-11;

// Whether devices with weights c_n = sqrt(cycles), w_n = sqrt(bits / R) and deadlines D_n (inf: none) fit one
// server of CPU F and one uplink frame: with a = F - sum c^2/D', d = 1 - sum w^2/D', b = sum c w / D' (D' the
// deadline less the margin), a > 0, d > 0 and b^2 < a d (docs/model.md §8; strict, so that the allocation's
// multipliers are finite).
bool deadlines_fit(const double* c, const double* w, const double* D, std::size_t n, double F);

// The minimiser of sum_n w_delay (c_n^2 / f_n + w_n^2 / t_n) subject to sum f <= F, sum t <= 1 and
// c_n^2 / f_n + w_n^2 / t_n <= D_n (docs/model.md §8, KKT: f_n = c_n s_n / x, t_n = w_n s_n / y,
// s_n = max(sqrt(w_delay), (c_n x + w_n y) / D_n)). Writes f and t (n each) and returns the sum of the delays
// c^2 / f + w^2 / t; returns a negative number when the devices do not fit (deadlines_fit).
//
// The multipliers (x, y) = r (cos th, sin th) maximise the concave dual; along a ray (fixed th) the dual's
// stationarity is piecewise linear in r and is solved exactly by Newton steps from 0 (each adds breakpoints),
// and the dual's derivative in th has the sign of the airtime equation's residual y - sum w s, so th is found
// by bisection. Once the binding set B is stable, the 2x2 linear system of B gives (x, y) exactly.
class DeadlineAllocator {
public:
    double allocate(const double* c, const double* w, const double* D, std::size_t n, double F, double w_delay,
                    double* f, double* t);

private:
    std::vector<double> a_, Dm_;
};

}  // namespace edgesched
