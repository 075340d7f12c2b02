#include "deadlines.hpp"

#include <algorithm>
#include <cmath>

namespace edgesched {

namespace {

constexpr double kHalfPi = 1.57079632679489661923;

// docs/model.md §8: the set fits iff the quadratic form F x^2 + y^2 - sum (c x + w y)^2 / D is non-negative on
// the quadrant: a = F - sum c^2/D >= 0, d = 1 - sum w^2/D >= 0, b^2 <= a d with b = sum c w / D (strict here).
bool fits(const double* c, const double* w, const double* Dm, std::size_t n, double F) {
    double a = F, d = 1.0, b = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(Dm[i])) continue;
        a -= c[i] * c[i] / Dm[i];
        d -= w[i] * w[i] / Dm[i];
        b += c[i] * w[i] / Dm[i];
    }
    return a > 0.0 && d > 0.0 && b * b < a * d;
}

}  // namespace

bool deadlines_fit(const double* c, const double* w, const double* D, std::size_t n, double F) {
    std::vector<double> Dm(n);
    for (std::size_t i = 0; i < n; ++i) Dm[i] = D[i] * (1.0 - kDeadlineMargin);
    return fits(c, w, Dm.data(), n, F);
}

double DeadlineAllocator::allocate(const double* c, const double* w, const double* D, std::size_t n, double F,
                                   double w_delay, double* f, double* t) {
    if (n == 0) return 0.0;
    Dm_.resize(n);
    a_.resize(n);
    for (std::size_t i = 0; i < n; ++i) Dm_[i] = D[i] * (1.0 - kDeadlineMargin);  // inf stays inf
    const double* Dm = Dm_.data();
    if (!fits(c, w, Dm, n, F)) return -1.0;
    const double s0 = std::sqrt(w_delay);
    double U = 0.0, V = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        U += c[i];
        V += w[i];
    }
    // s_n = max(sqrt(b1), (c_n x + w_n y) / D_n), f_n = c_n s_n / x, t_n = w_n s_n / y (docs/model.md §8).
    double x = 0.0, y = 0.0;
    auto need = [&](std::size_t i, double xx, double yy) { return (c[i] * xx + w[i] * yy) / Dm[i]; };
    // The ray th: its dual stationarity sum a_n s_n(r) = K r, a_n = c_n cos th + w_n sin th, K = F cos^2 + sin^2,
    // piecewise linear in r; Newton steps from r = 0 rise monotonically to the root (the function is convex).
    auto ray = [&](double th) {
        const double cs = std::cos(th), sn = std::sin(th), K = F * cs * cs + sn * sn;
        for (std::size_t i = 0; i < n; ++i) a_[i] = c[i] * cs + w[i] * sn;
        double r = 0.0;
        std::size_t bound = 0;
        for (std::size_t step = 0; step <= n + 1; ++step) {
            double num = 0.0, den = K;
            std::size_t now = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (r * a_[i] >= s0 * Dm[i]) {  // bound at r (inf deadlines never)
                    den -= a_[i] * a_[i] / Dm[i];
                    ++now;
                } else {
                    num += s0 * a_[i];
                }
            }
            const double next = num / den;  // den > 0: the set fits
            if (step > 0 && now == bound) break;
            bound = now;
            if (!(next > r)) break;
            r = next;
        }
        x = r * cs;
        y = r * sn;
    };
    // The 2x2 system of the binding set at (x, y); true (and (x, y) replaced) when its solution is consistent.
    auto exact = [&]() {
        double a11 = F, a12 = 0.0, a22 = 1.0, r1 = 0.0, r2 = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            if (std::isfinite(Dm[i]) && need(i, x, y) > s0) {
                a11 -= c[i] * c[i] / Dm[i];
                a12 -= c[i] * w[i] / Dm[i];
                a22 -= w[i] * w[i] / Dm[i];
            } else {
                r1 += s0 * c[i];
                r2 += s0 * w[i];
            }
        }
        const double det = a11 * a22 - a12 * a12;
        if (!(det > 0.0)) return false;
        const double xe = (r1 * a22 - a12 * r2) / det, ye = (a11 * r2 - a12 * r1) / det;
        if (!(xe > 0.0 && ye > 0.0)) return false;
        for (std::size_t i = 0; i < n; ++i) {
            const bool was = std::isfinite(Dm[i]) && need(i, x, y) > s0;
            const double s = need(i, xe, ye);
            if (was ? s < s0 * (1.0 - 1e-12) : s > s0 * (1.0 + 1e-12)) return false;
        }
        x = xe;
        y = ye;
        return true;
    };
    bool proportional = U > 0.0 && V > 0.0;  // Theorem 2: x = s0 U / F, y = s0 V
    if (proportional) {
        x = s0 * U / F;
        y = s0 * V;
        for (std::size_t i = 0; i < n && proportional; ++i) proportional = !(need(i, x, y) > s0);
    }
    if (!proportional) {
        double lo = 0.0, hi = kHalfPi;
        if (U > 0.0 && V > 0.0) {
            for (int it = 0; it < 200; ++it) {
                const double mid = 0.5 * (lo + hi);
                if (!(mid > lo && mid < hi)) break;
                ray(mid);
                double airtime = -y;  // sum w s - y: > 0 asks for a larger y / x
                for (std::size_t i = 0; i < n; ++i) airtime += w[i] * std::max(s0, need(i, x, y));
                if (exact()) break;
                (airtime > 0.0 ? lo : hi) = mid;
            }
        } else {
            ray(V > 0.0 ? kHalfPi : 0.0);  // one resource only: the ray along it
        }
    }
    double Sf = 0.0, St = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double s = std::max(s0, need(i, x, y));
        f[i] = c[i] > 0.0 ? c[i] * s / x : 0.0;
        t[i] = w[i] > 0.0 ? w[i] * s / y : 0.0;
        Sf += f[i];
        St += t[i];
    }
    if (Sf > F)
        for (std::size_t i = 0; i < n; ++i) f[i] *= F / Sf;
    if (St > 1.0)
        for (std::size_t i = 0; i < n; ++i) t[i] /= St;
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double delay = (c[i] > 0.0 ? c[i] * c[i] / f[i] : 0.0) + (w[i] > 0.0 ? w[i] * w[i] / t[i] : 0.0);
        if (!(delay <= D[i])) return -1.0;  // not met after rounding: treated as not fitting
        total += delay;
    }
    return total;
}

}  // namespace edgesched
