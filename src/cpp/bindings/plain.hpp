// The caller's own Python objects read in place, for the calls whose inputs are already of the plain kinds the
// Python layer would pass on unchanged: float64 arrays (one-dimensional, C order, aligned, native byte order, not
// a subclass), floats, numpy float64 scalars and ints. Each reader returns false for anything else (a list, an
// int array, a bool, a string, a NaN where a finite number is needed), and the caller then hands the call to the
// Python layer, whose checks name the field, the index and the unit (src/edgesched/_validation.py): the fast
// path never words an error of its own.
#pragma once
#include <cstdint>
#include <string>

#include "bindings.hpp"
#include "paper.hpp"

namespace edgesched {

// A float, a numpy float64 scalar, or an int that a double holds (a bool is none of these).
bool plain_real(py::handle h, double& x);
// plain_real, finite and > 0 (>= 0 with `zero`).
bool plain_positive(py::handle h, double& x, bool zero = false);
// An int (not a bool) in [0, 2^64).
bool plain_count(py::handle h, std::uint64_t& x);
// A str.
bool plain_text(py::handle h, std::string& s);
// A float64 array of one dimension and at least one element, read in place.
bool plain_array(py::handle h, Span<const double>& x);

// The eight per-device inputs of the paper's problem (paper.hpp: PaperDevices), each a plain array or a plain
// real (one value for every device, kept in `scalars`); every array of one length, `length` (0: no array), which
// is the device count (1 without an array).
struct PlainDevices {
    double scalars[8];
    std::size_t length = 0;
    PaperDevices devices;
};
bool plain_devices(const py::handle (&inputs)[8], PlainDevices& out);

// The schedule's per-device arrays, new and read-only once filled (freeze), ready for the schedule to keep.
struct ScheduleArrays {
    carray<bool> offload;
    carray<double> f_local, f_edge, time_share, delay, energy;
    explicit ScheduleArrays(std::size_t n);
    PaperSchedule spans();
    void freeze();
};
// Makes a numpy array read-only (the schedule's arrays are).
void freeze(const py::array& a);

// Threads a solve may use: the machine's (read once).
unsigned machine_threads();
// A seed drawn from the operating system's entropy (for "random" without a seed).
std::uint64_t entropy_seed();

}  // namespace edgesched
