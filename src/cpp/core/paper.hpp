// The paper's single-cell model (Pan et al., Sec. II-IV): closed-form allocations and costs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "options.hpp"
#include "span.hpp"

namespace edgesched {

// Per-device physical inputs, all of one length (the caller broadcasts scalars).
struct PaperDevices {
    Span<const double> macs;         // C(M*_n), MAC
    Span<const double> frames;       // M*_n, frames
    Span<const double> frame_bits;   // d_n, bit per frame
    Span<const double> rate;         // R_n, bit/s
    Span<const double> tx_power;     // p_n, W
    Span<const double> f_local_max;  // f_n^{md,max}, cycle/s
    Span<const double> kappa;        // J s^2 / cycle^3
    Span<const double> rho;          // cycle/MAC
    std::size_t size() const { return macs.size; }
};

struct PaperSystem {
    double f_edge_max;  // F, cycle/s
    double w_delay;     // beta_1, 1/s
    double w_energy;    // beta_2, 1/J
};

// eq. (13), Theorem 1: f* = min(cbrt(b1 / (2 b2 kappa)), f_max); f_max when b2 == 0.
double local_frequency(double w_delay, double w_energy, double kappa, double f_local_max);

// Owning storage of the paper's two-option table: option 0 local, option 1 on server 0.
struct PaperTable {
    std::vector<std::int64_t> option_ptr;
    std::vector<double> linear, c, w, A, B;
    std::vector<std::int32_t> server;
    OptionTable view() const;
};
// Table of the devices idx[0], idx[1], ... (a cell), written into `t` (whose storage is reused).
void build_paper_table(const PaperDevices& d, const PaperSystem& s, Span<const std::int64_t> idx, PaperTable& t);

// Physical schedule of a choice (0 local, 1 offloaded): Theorem 1 and Theorem 2 (general form).
struct PaperSchedule {
    Span<double> f_local, f_edge, time_share, delay, energy;
};
// `choice[i]` is the option of device idx[i]; fills `out` at the indices idx[i] and returns the cell's cost
// sum_i (b1 * delay + b2 * energy), eq. (8).
double decode_paper(const PaperDevices& d, const PaperSystem& s, Span<const std::int64_t> idx,
                    Span<const std::int32_t> choice, const PaperSchedule& out);

}  // namespace edgesched
