// Binding of the thin call of the paper's problem and of the handle for repeated solves
// (src/edgesched/solvers/handle.py): the caller's objects read in place (plain.hpp), and the schedule returned
// as a Schedule whose state is one dict of its fields, its arrays fresh and read-only. Anything the thin call
// does not take (inputs of other kinds, values out of range, several cells) is left to the Python layer, which
// checks and names it: the call returns None.
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "cells.hpp"
#include "exhaustive.hpp"
#include "methods.hpp"
#include "plain.hpp"
#include "pool.hpp"
#include "search.hpp"

namespace edgesched {

namespace {

// The fields of a Schedule (src/edgesched/model/results.py) for one cell, as a dict built with the C API: its
// keys are made once, `method` is the caller's own string. The keys are every field of a Schedule.
py::dict schedule_fields(ScheduleArrays& a, double cost, double lower_bound, bool proven, py::handle method,
                         double w_delay, double w_energy) {
    // The keys, and a dict of them all (values None) that each schedule's dict is copied from: its table is then
    // sized once, and each item below replaces a value (a copy and 14 replacements cost half of 14 insertions).
    // The last two, deadline and dropped, stay None: the thin call has no deadlines.
    static PyObject* k[16];
    static PyObject* const* keys = [] {
        const char* names[16] = {"offload", "f_local", "f_edge",      "time_share", "delay",   "energy",   "cost",
                                 "method",  "lower_bound", "optimal", "w_delay",    "w_energy", "cell",    "cell_cost",
                                 "deadline", "dropped"};
        for (int i = 0; i < 16; ++i) k[i] = PyUnicode_InternFromString(names[i]);  // kept for the process
        return k;
    }();
    static PyObject* const blank = [] {
        PyObject* d = PyDict_New();  // kept for the process
        for (int i = 0; i < 16; ++i) PyDict_SetItem(d, keys[i], Py_None);
        return d;
    }();
    a.freeze();
    const py::object numbers[4] = {py::float_(cost), py::float_(lower_bound), py::float_(w_delay),
                                   py::float_(w_energy)};
    const py::handle values[14] = {a.offload, a.f_local, a.f_edge, a.time_share, a.delay, a.energy, numbers[0],
                                   method, numbers[1], proven ? Py_True : Py_False, numbers[2], numbers[3],
                                   Py_None, Py_None};
    py::dict d = py::reinterpret_steal<py::dict>(PyDict_Copy(blank));
    if (!d) throw py::error_already_set();
    for (int i = 0; i < 14; ++i)
        if (PyDict_SetItem(d.ptr(), keys[i], values[i].ptr()) != 0) throw py::error_already_set();
    return d;
}

// The Schedule class (src/edgesched/model/results.py), registered once by the Python layer (set_schedule_type).
py::handle& schedule_type() {
    static py::handle type;  // kept for the process: the module that registers it holds it too
    return type;
}

// A Schedule holding `fields` (all of its fields) as its state, made as Schedule.adopt_fields makes it: no field
// checked or copied. Before the class is registered, the dict itself.
py::object make_schedule(py::dict fields) {
    const py::handle type = schedule_type();
    if (!type) return std::move(fields);
    static PyObject* const empty = PyTuple_New(0);
    static PyObject* const dict_name = PyUnicode_InternFromString("__dict__");
    py::object s = py::reinterpret_steal<py::object>(
        PyBaseObject_Type.tp_new(reinterpret_cast<PyTypeObject*>(type.ptr()), empty, nullptr));  // object.__new__
    if (!s || PyObject_GenericSetAttr(s.ptr(), dict_name, fields.ptr()) != 0) throw py::error_already_set();
    return s;
}

// solve_offloading's arguments (src/edgesched/solvers/offloading.py) when `cell` is None.
py::object try_solve_paper(py::handle macs, py::handle frames, py::handle frame_bits, py::handle rate,
                           py::handle tx_power, py::handle f_local_max, py::handle kappa, py::handle rho,
                           py::handle f_edge_max, py::handle w_delay, py::handle w_energy, py::handle method,
                           py::handle seed, py::handle node_limit, py::handle time_limit, py::handle gap_tol) {
    PlainDevices in;
    double capacity = 0.0, b1 = 0.0, b2 = 0.0, seconds = 0.0, gap = 0.0;
    std::uint64_t nodes = 0, seed_value = 0;
    std::string name;
    Span<const double> one_capacity;
    const bool capacity_ok = plain_positive(f_edge_max, capacity) ||
                             (plain_array(f_edge_max, one_capacity) && one_capacity.size == 1 &&
                              (capacity = one_capacity[0]) > 0.0 && capacity <= std::numeric_limits<double>::max());
    if (!plain_devices({macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho}, in) || !capacity_ok ||
        !plain_positive(w_delay, b1) || !plain_positive(w_energy, b2, true) || !plain_text(method, name) ||
        !(seed.is_none() || plain_count(seed, seed_value)) || !plain_count(node_limit, nodes) ||
        !plain_positive(time_limit, seconds, true) || !plain_positive(gap_tol, gap, true) || !(gap < 1.0))
        return py::none();
    const std::size_t n = in.devices.size();
    if (name == "exhaustive" && n > kExhaustiveMaxDevices) return py::none();
    if (seed.is_none() && name == "random") seed_value = entropy_seed();
    SearchLimits limits;
    limits.node_limit = nodes;
    limits.time_limit_s = seconds;
    limits.gap_tol = gap;
    ScheduleArrays out(n);
    double cost = 0.0, bound = 0.0;
    std::uint8_t proven = 0;
    CellPartition one;
    one.ptr = {0, static_cast<std::int64_t>(n)};
    try {
        py::gil_scoped_release release;
        solve_paper_cells(in.devices, Span<const double>(&capacity, 1), b1, b2, one, name, seed_value, limits,
                          machine_threads(), out.spans(), CellOutcome{{&cost, 1}, {&bound, 1}, {&proven, 1}});
    } catch (const std::invalid_argument&) {  // an unknown method, a value outside the model: the Python layer
        return py::none();                    // names it
    }
    return make_schedule(schedule_fields(out, cost, bound, proven != 0, method, b1, b2));
}

// try_solve_paper as a function of CPython's fast calling convention: its 16 arguments positional, no pybind11
// dispatch (about an eighth of the thin call's instructions at N = 5). Errors become Python's exceptions.
PyObject* try_solve_paper_fast(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 16) {
        PyErr_Format(PyExc_TypeError, "try_solve_paper takes 16 positional arguments (%zd given)", nargs);
        return nullptr;
    }
    try {
        const auto a = [args](int i) { return py::handle(args[i]); };
        return try_solve_paper(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12),
                               a(13), a(14), a(15))
            .release()
            .ptr();
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

// The handle's engine: one partition of the devices into cells, settings checked once by the Python layer, the
// threads of a pool, and per cell the last choice and prices (cells.hpp: CellMemory).
class PaperHandle {
public:
    PaperHandle(std::size_t n_devices, std::string method, const carray<std::int64_t>& cell, std::size_t n_cells,
                py::object seed, std::uint64_t node_limit, double time_limit, double gap_tol)
        : n_(n_devices), method_(std::move(method)), seed_(std::move(seed)), memory_(n_cells), n_cells_(n_cells) {
        limits_.node_limit = node_limit;
        limits_.time_limit_s = time_limit;
        limits_.gap_tol = gap_tol;
        const Span<const std::int64_t> labels = view1d(cell, "cell");
        if (labels.size != 0) cell_ = output_array<std::int64_t>(labels.size);
        {
            py::gil_scoped_release release;  // each label read once, into the handle's copy (cells.hpp)
            cells_ = partition_cells(labels, view1d_mut(cell_), n_, n_cells);
        }
        if (labels.size != 0) freeze(cell_);  // every schedule of the handle holds this one read-only copy
        std::size_t busy = 0;
        for (std::size_t k = 0; k < n_cells; ++k) busy += cells_.ptr[k + 1] > cells_.ptr[k] ? 1 : 0;
        const auto threads = static_cast<unsigned>(std::min<std::size_t>(machine_threads(), busy));
        if (threads > 1) pool_ = std::make_unique<WorkerPool>(threads);

    }

    // One solve: the schedule's fields, or None where an input is not plain or not in range (with `raise_errors`,
    // the core's error instead of None once the inputs are plain).
    py::object solve(py::handle macs, py::handle frames, py::handle frame_bits, py::handle rate, py::handle tx_power,
                     py::handle f_local_max, py::handle kappa, py::handle rho, py::handle f_edge_max,
                     py::handle w_delay, py::handle w_energy, bool raise_errors) {
        PlainDevices in;
        double b1 = 0.0, b2 = 0.0;
        // Per call, not in the handle: another thread's call may run while this one reads its inputs.
        const std::size_t K = n_cells_;
        std::vector<double> capacity(K), bound(K);
        std::vector<std::uint8_t> proven(K);
        if (!plain_devices({macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho}, in) ||
            (in.length != n_ && in.length != 0) || !capacities(f_edge_max, capacity) || !plain_positive(w_delay, b1) ||
            !plain_positive(w_energy, b2, true))
            return py::none();
        in.devices.n_devices = n_;  // a scalar is one value for every device
        std::uint64_t seed = 0;
        if (!seed_.is_none())
            seed = seed_.cast<std::uint64_t>();
        else if (method_ == "random")
            seed = entropy_seed();
        ScheduleArrays out(n_);
        carray<double> cell_cost = output_array<double>(K);
        try {
            py::gil_scoped_release release;
            const std::lock_guard<std::mutex> lock(mutex_);  // one solve at a time
            solve_paper_cells(in.devices, Span<const double>(capacity.data(), K), b1, b2, cells_, method_, seed,
                              limits_, machine_threads(), out.spans(),
                              CellOutcome{view1d_mut(cell_cost), {bound.data(), K}, {proven.data(), K}},
                              pool_.get(), &memory_);
        } catch (const std::invalid_argument&) {
            if (raise_errors) throw;
            return py::none();
        }
        const py::str name(method_);
        if (cell_.size() == 0) {  // one cell: the schedule's fields as the thin call gives them
            return make_schedule(schedule_fields(out, cell_cost.data()[0], bound[0], proven[0] != 0, name, b1, b2));
        }
        // Cells: the totals are summed by the Python layer, as solve_offloading sums them.
        freeze(cell_cost);
        py::dict d = schedule_fields(out, 0.0, 0.0, false, name, b1, b2);
        carray<double> cell_bound = output_array<double>(K);
        carray<bool> cell_proven = output_array<bool>(K);
        for (std::size_t k = 0; k < K; ++k) {
            cell_bound.mutable_data()[k] = bound[k];
            cell_proven.mutable_data()[k] = proven[k] != 0;
        }
        d["cell"] = cell_;
        d["cell_cost"] = cell_cost;
        d["cell_lower_bound"] = cell_bound;
        d["cell_proven"] = cell_proven;
        return d;
    }

    // The last prices of every cell as a (2, K) array (row 0 lambda, row 1 mu); NaN for a cell not solved yet.
    carray<double> prices() {
        const std::size_t K = n_cells_;
        carray<double> p({py::ssize_t{2}, static_cast<py::ssize_t>(K)});
        double* data = p.mutable_data();
        py::gil_scoped_release release;
        const std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t k = 0; k < K; ++k) {
            const DualState& d = memory_.prices[k];
            const bool known = !d.lambda.empty() && !d.mu.empty();
            data[k] = known ? d.lambda[0] : std::numeric_limits<double>::quiet_NaN();
            data[K + k] = known ? d.mu[0] : std::numeric_limits<double>::quiet_NaN();
        }
        return p;
    }

    std::size_t n_devices() const { return n_; }
    std::size_t n_cells() const { return n_cells_; }
    unsigned threads() const { return pool_ ? pool_->size() : 1u; }

private:
    // f_edge_max: one plain capacity for every cell, or a plain array of one per cell; each finite and > 0.
    // Each value read once into `capacity` (n_cells long), the copy the solve uses.
    static bool capacities(py::handle f_edge_max, std::vector<double>& capacity) {
        double x = 0.0;
        if (plain_positive(f_edge_max, x)) {
            std::fill(capacity.begin(), capacity.end(), x);
            return true;
        }
        Span<const double> a;
        if (!plain_array(f_edge_max, a) || a.size != capacity.size()) return false;
        for (std::size_t k = 0; k < a.size; ++k) {
            const double c = read_once(a[k]);
            if (!(c > 0.0 && c <= std::numeric_limits<double>::max())) return false;
            capacity[k] = c;
        }
        return true;
    }

    std::size_t n_;
    std::string method_;
    py::object seed_;  // None (random draws one at every solve) or an int in [0, 2^64)
    SearchLimits limits_;
    CellPartition cells_;
    carray<std::int64_t> cell_{0};
    std::unique_ptr<WorkerPool> pool_;
    CellMemory memory_;
    std::size_t n_cells_;
    std::mutex mutex_;
};

}  // namespace

void bind_solver(py::module_& m) {
    py::class_<PaperHandle>(m, "PaperHandle",
                            "The engine of edgesched.Offloader: settings checked by the Python layer, kept with the "
                            "cells' partition, a pool of threads and per cell the last choice and prices.")
        .def(py::init<std::size_t, std::string, const carray<std::int64_t>&, std::size_t, py::object, std::uint64_t,
                      double, double>(),
             py::arg("n_devices"), py::arg("method"), py::arg("cell"), py::arg("n_cells"), py::arg("seed"),
             py::arg("node_limit"), py::arg("time_limit"), py::arg("gap_tol"))
        .def("solve", &PaperHandle::solve, py::arg("macs"), py::arg("frames"), py::arg("frame_bits"), py::arg("rate"),
             py::arg("tx_power"), py::arg("f_local_max"), py::arg("kappa"), py::arg("rho"), py::arg("f_edge_max"),
             py::arg("w_delay"), py::arg("w_energy"), py::arg("raise_errors"),
             "The Schedule (with cells, a dict of its fields and cell_lower_bound and cell_proven), or None for "
             "inputs that are "
             "not plain or not in range (raise_errors: the core's ValueError once they are plain).")
        .def_property_readonly("prices", &PaperHandle::prices,
                               "Shape (2, n_cells): each cell's last lambda (row 0) and mu (row 1); NaN before its "
                               "first solve.")
        .def_property_readonly("n_devices", &PaperHandle::n_devices)
        .def_property_readonly("n_cells", &PaperHandle::n_cells)
        .def_property_readonly("threads", &PaperHandle::threads, "Threads the cells are solved on (1: the caller's).");
    m.def(
        "set_schedule_type",
        [](py::handle type) {
            if (!PyType_Check(type.ptr())) throw py::type_error("set_schedule_type takes a class");
            schedule_type() = type.inc_ref();
        },
        py::arg("type"),
        "The class the thin call and the handle return their schedules as (edgesched.Schedule, a frozen dataclass "
        "whose fields are the keys of the dict they fill); before it is set, they return the dict.");
    m.attr("MACHINE_THREADS") = machine_threads();
    static PyMethodDef fast{
        "try_solve_paper", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&try_solve_paper_fast)),
        METH_FASTCALL,
        "try_solve_paper(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho, f_edge_max, w_delay, "
        "w_energy, method, seed, node_limit, time_limit, gap_tol), all positional: solve_offloading's one-cell call "
        "on the caller's own objects, read in place: float64 arrays (1-D, C order, native), floats, numpy float64 "
        "scalars and ints, every value in range. Returns the Schedule (arrays fresh and read-only), or None for "
        "anything else, which the Python layer then checks and names."};
    py::object f = py::reinterpret_steal<py::object>(PyCFunction_NewEx(&fast, nullptr, m.attr("__name__").ptr()));
    if (!f) throw py::error_already_set();
    m.attr("try_solve_paper") = f;
}

}  // namespace edgesched
