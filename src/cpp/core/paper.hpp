// The paper's single-cell model (Pan et al., Sec. II-IV): closed-form allocations and costs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "span.hpp"
#include "table.hpp"

namespace edgesched {

// Per-device physical inputs. Each span holds one value per device, or one value for every device.
struct PaperDevices {
    Span<const double> macs;         // C(M*_n), MAC
    Span<const double> frames;       // M*_n, frames
    Span<const double> frame_bits;   // d_n, bit per frame
    Span<const double> rate;         // R_n, bit/s
    Span<const double> tx_power;     // p_n, W
    Span<const double> f_local_max;  // f_n^{md,max}, cycle/s
    Span<const double> kappa;        // J s^2 / cycle^3
    Span<const double> rho;          // cycle/MAC
    std::size_t n_devices = 0;
    std::size_t size() const { return n_devices; }
};

struct PaperSystem {
    double f_edge_max;  // F, cycle/s
    double w_delay;     // beta_1, 1/s
    double w_energy;    // beta_2, 1/J
};

// eq. (13), Theorem 1: f* = min(cbrt(b1 / (2 b2 kappa)), f_max); f_max when b2 == 0.
double local_frequency(double w_delay, double w_energy, double kappa, double f_local_max);

// The devices of one cell: order[i] (a slice of a permutation), or first + i (a run of consecutive devices).
struct CellDevices {
    const std::int64_t* order = nullptr;
    std::size_t first = 0, size = 0;
    std::size_t operator[](std::size_t i) const {
        return order ? static_cast<std::size_t>(order[i]) : first + i;
    }
};

// An input outside the model (non-finite, not positive, fractional frames) or an option whose cost
// overflows; `device` is the device's index in the caller's arrays.
struct InvalidDevice : std::invalid_argument {
    InvalidDevice(std::size_t device, const std::string& what)
        : std::invalid_argument("device " + std::to_string(device) + ": " + what), device(device) {}
    std::size_t device;
};

// A cell whose devices' terms together leave the range of the solvers' arithmetic (table.hpp: kMaxMagnitude):
// the message says which sums overflow; the caller names the cell.
struct InvalidCell : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// Throws std::invalid_argument unless the prices the system gives its server are above 0 (not lost to underflow)
// and in range (table.hpp: price_in_range): B = w_delay, and A = w_delay / f_edge_max, whose failure names
// f_edge_max, as f_edge_max[cell] unless `cell` is kNoCell.
inline constexpr std::size_t kNoCell = static_cast<std::size_t>(-1);
void check_paper_system(const PaperSystem& s, std::size_t cell = kNoCell);

// Owning storage of the paper's two-option table of a cell (option 0 local, option 1 on server 0), and per
// device what decoding a choice needs, so that the inputs are read once.
struct PaperTable {
    std::vector<std::int64_t> option_ptr;
    std::vector<double> linear, c, w, A, B;
    std::vector<std::int32_t> server;
    std::vector<double> f_local, local_delay, local_energy, edge_energy;  // eqs. (13), (1), (3), (5)
    std::vector<double> kappa;     // the devices' kappa, copied as Theorem 1 reads it
    std::vector<double> gathered;  // inputs copied into contiguous arrays where they are not already
    OptionTable view() const;
};
// Table of the devices idx[0], idx[1], ... (a cell), written into `t` (whose storage is reused). Each input is
// read once, and the value read is the value checked and used: another thread writing the inputs during the
// call gives a table of values it read, or an error, never an unchecked value. Throws InvalidDevice for an input
// outside the model or a device whose costs overflow or vanish, InvalidCell where the devices' terms together
// overflow, std::invalid_argument for prices out of range (check_paper_system) or an input that was outside the
// model when read and no longer is.
void build_paper_table(const PaperDevices& d, const PaperSystem& s, CellDevices idx, PaperTable& t);

// Physical schedule of a choice: Theorem 1 and Theorem 2 (general form).
struct PaperSchedule {
    Span<bool> offload;
    Span<double> f_local, f_edge, time_share, delay, energy;
};
// `choice[i]` is the option of device idx[i] (0 local, 1 offloaded) in the table `t` of those devices; fills
// `out` at the indices idx[i] and returns the cell's cost sum_i (b1 * delay + b2 * energy), eq. (8).
double decode_paper(const PaperTable& t, const PaperSystem& s, CellDevices idx, Span<const std::int32_t> choice,
                    const PaperSchedule& out);

}  // namespace edgesched
