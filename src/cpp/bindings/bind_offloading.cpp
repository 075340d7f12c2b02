// Binding of the paper's problem, one cell or many: arrays in, schedule arrays out, the GIL released.
#include <algorithm>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "cells.hpp"
#include "deadlines.hpp"
#include "paper.hpp"
#include "search.hpp"
#include "table.hpp"

namespace edgesched {

// Result of solve_paper: per device, the schedule (Theorems 1-2); per cell, its cost, certified lower bound and
// whether it is proven optimal; and the core's copy of the cell index (empty for one cell).
struct PaperSolution {
    carray<bool> offload;
    carray<double> f_local, f_edge, time_share, delay, energy;
    carray<double> cell_cost, cell_lower_bound;
    carray<std::uint8_t> cell_proven;
    carray<std::int64_t> cell;
    carray<std::uint8_t> dropped;  // with deadlines: the devices left out (infeasible='drop'); else empty
};

// The arrays of an option table (the paper's two-option table from paper_table).
struct TableArrays {
    carray<std::int64_t> option_ptr;
    carray<double> linear;
    carray<std::int32_t> server;
    carray<double> c, w, A, B;
};

namespace {

// The per-device arrays as spans: each of one length N, or of length 1 (one value for every device).
PaperDevices paper_devices(const carray<double>& macs, const carray<double>& frames,
                           const carray<double>& frame_bits, const carray<double>& rate,
                           const carray<double>& tx_power, const carray<double>& f_local_max,
                           const carray<double>& kappa, const carray<double>& rho) {
    const std::pair<const char*, const carray<double>*> fields[] = {
        {"macs", &macs},         {"frames", &frames},           {"frame_bits", &frame_bits}, {"rate", &rate},
        {"tx_power", &tx_power}, {"f_local_max", &f_local_max}, {"kappa", &kappa},           {"rho", &rho}};
    py::ssize_t N = 1;
    for (const auto& [name, a] : fields) {
        view1d(*a, name);
        N = std::max(N, a->shape(0));
    }
    auto span = [N](const carray<double>& a, const char* name) {
        return view1d(a, name, a.shape(0) == 1 ? 1 : N);
    };
    return PaperDevices{span(macs, "macs"),         span(frames, "frames"),         span(frame_bits, "frame_bits"),
                        span(rate, "rate"),         span(tx_power, "tx_power"),     span(f_local_max, "f_local_max"),
                        span(kappa, "kappa"),       span(rho, "rho"),               static_cast<std::size_t>(N)};
}

PaperSolution solve_paper(const carray<double>& macs, const carray<double>& frames,
                     const carray<double>& frame_bits, const carray<double>& rate,
                     const carray<double>& tx_power, const carray<double>& f_local_max,
                     const carray<double>& kappa, const carray<double>& rho, const carray<std::int64_t>& cell,
                     const carray<double>& f_edge_max, double w_delay, double w_energy, const std::string& method,
                     std::uint64_t seed, unsigned threads, std::uint64_t node_limit, double time_limit, double gap_tol,
                     const carray<double>& deadline, bool drop) {
    const PaperDevices d = paper_devices(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho);
    const auto N = static_cast<py::ssize_t>(d.size());
    const Span<const std::int64_t> cell_of = view1d(cell, "cell");
    if (cell_of.size != 0 && cell_of.size != d.size()) throw std::invalid_argument("cell must have one entry per device");
    const Span<const double> capacity = view1d(f_edge_max, "f_edge_max");
    const auto K = static_cast<py::ssize_t>(capacity.size);
    if (K < 1) throw std::invalid_argument("f_edge_max needs one entry per cell");

    const auto n = static_cast<std::size_t>(N);
    carray<bool> offload = output_array<bool>(n);
    carray<double> f_local = output_array<double>(n), f_edge = output_array<double>(n),
                   time_share = output_array<double>(n), delay = output_array<double>(n),
                   energy = output_array<double>(n), cell_cost(K), cell_bound(K);
    carray<std::uint8_t> cell_proven(K);
    carray<std::int64_t> cell_copy = output_array<std::int64_t>(cell_of.size);  // the schedule's own
    const Span<const double> deadline_of = view1d(deadline, "deadline");
    if (deadline_of.size > 1 && deadline_of.size != d.size())
        throw std::invalid_argument("deadline must have one entry per device, one for all, or none");
    carray<std::uint8_t> dropped(deadline_of.size ? N : 0);
    std::fill(dropped.mutable_data(), dropped.mutable_data() + dropped.size(), std::uint8_t{0});
    const PaperSchedule out{{offload.mutable_data(), d.size()}, view1d_mut(f_local), view1d_mut(f_edge),
                            view1d_mut(time_share), view1d_mut(delay), view1d_mut(energy)};
    {
        py::gil_scoped_release release;
        const CellPartition cells =
            partition_cells(cell_of, view1d_mut(cell_copy), d.size(), static_cast<std::size_t>(K));
        SearchLimits limits;
        limits.node_limit = node_limit;
        limits.time_limit_s = time_limit;
        limits.gap_tol = gap_tol;
        solve_paper_cells(d, capacity, w_delay, w_energy, cells, method, seed, limits, threads, out,
                          CellOutcome{view1d_mut(cell_cost), view1d_mut(cell_bound), view1d_mut(cell_proven)},
                          nullptr, nullptr, CellDeadlines{deadline_of, drop, view1d_mut(dropped)});
    }
    return PaperSolution{std::move(offload),   std::move(f_local), std::move(f_edge), std::move(time_share),
                         std::move(delay),     std::move(energy),  std::move(cell_cost), std::move(cell_bound),
                         std::move(cell_proven), std::move(cell_copy), std::move(dropped)};
}

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
    return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

TableArrays paper_table(const carray<double>& macs, const carray<double>& frames, const carray<double>& frame_bits,
                     const carray<double>& rate, const carray<double>& tx_power,
                     const carray<double>& f_local_max, const carray<double>& kappa, const carray<double>& rho,
                     double f_edge_max, double w_delay, double w_energy) {
    const PaperDevices d = paper_devices(macs, frames, frame_bits, rate, tx_power, f_local_max, kappa, rho);
    PaperTable t;
    build_paper_table(d, PaperSystem{f_edge_max, w_delay, w_energy}, CellDevices{nullptr, 0, d.size()}, t);
    return TableArrays{to_numpy(t.option_ptr), to_numpy(t.linear), to_numpy(t.server), to_numpy(t.c),
                       to_numpy(t.w),          to_numpy(t.A),      to_numpy(t.B)};
}

}  // namespace

void bind_offloading(py::module_& m) {
    py::class_<PaperSolution>(m, "PaperSolution",
                              "Result of solve_paper (read-only attributes; the arrays are fresh, owned by it).")
        .def_readonly("offload", &PaperSolution::offload)
        .def_readonly("f_local", &PaperSolution::f_local)
        .def_readonly("f_edge", &PaperSolution::f_edge)
        .def_readonly("time_share", &PaperSolution::time_share)
        .def_readonly("delay", &PaperSolution::delay)
        .def_readonly("energy", &PaperSolution::energy)
        .def_readonly("cell_cost", &PaperSolution::cell_cost)
        .def_readonly("cell_lower_bound", &PaperSolution::cell_lower_bound)
        .def_readonly("cell_proven", &PaperSolution::cell_proven)
        .def_readonly("cell", &PaperSolution::cell)
        .def_readonly("dropped", &PaperSolution::dropped);
    py::class_<TableArrays>(m, "TableArrays", "The arrays of an option table (read-only attributes).")
        .def_readonly("option_ptr", &TableArrays::option_ptr)
        .def_readonly("linear", &TableArrays::linear)
        .def_readonly("server", &TableArrays::server)
        .def_readonly("c", &TableArrays::c)
        .def_readonly("w", &TableArrays::w)
        .def_readonly("A", &TableArrays::A)
        .def_readonly("B", &TableArrays::B);
    m.def("solve_paper", &solve_paper, py::arg("macs"), py::arg("frames"), py::arg("frame_bits"),
          py::arg("rate"), py::arg("tx_power"), py::arg("f_local_max"), py::arg("kappa"),
          py::arg("rho"), py::arg("cell"), py::arg("f_edge_max"), py::arg("w_delay"), py::arg("w_energy"),
          py::arg("method"), py::arg("seed"), py::arg("threads"), py::arg("node_limit"),
          py::arg("time_limit"), py::arg("gap_tol"),
          py::arg("deadline") = carray<double>(0), py::arg("drop") = false,
          ("Solve the paper's problem in every cell (per-device arrays of one length, or of length 1 for all; "
           "cell: per-device cell index, or empty for one cell, returned copied; f_edge_max: per cell). ValueError "
           "names the first device found outside the model. deadline: per device, one for all, or empty for none "
           "(s, inf: none); drop: leave out the devices no schedule can serve (returned in dropped).\n\nMethods:" +
           method_lines(Problem::kPaper))
              .c_str());
    m.def("paper_table", &paper_table, py::arg("macs"), py::arg("frames"), py::arg("frame_bits"),
          py::arg("rate"), py::arg("tx_power"), py::arg("f_local_max"), py::arg("kappa"), py::arg("rho"),
          py::arg("f_edge_max"), py::arg("w_delay"), py::arg("w_energy"),
          "The paper's two-option table. Inputs must already be validated.");
    m.def(
        "deadline_allocation",
        [](const carray<double>& c, const carray<double>& w, const carray<double>& D, double f_edge_max,
           double w_delay) -> py::object {
            const Span<const double> cs = view1d(c, "c"), ws = view1d(w, "w", c.shape(0)),
                                     Ds = view1d(D, "deadline", c.shape(0));
            carray<double> f(c.shape(0)), t(c.shape(0));
            double delays;
            {
                py::gil_scoped_release release;
                DeadlineAllocator a;
                delays = a.allocate(cs.data, ws.data, Ds.data, cs.size, f_edge_max, w_delay, f.mutable_data(),
                                    t.mutable_data());
            }
            if (delays < 0.0) return py::none();
            return py::make_tuple(f, t);
        },
        py::arg("c"), py::arg("w"), py::arg("deadline"), py::arg("f_edge_max"), py::arg("w_delay"),
        "One server's CPU and airtime shares with deadlines (docs/model.md §8): (f, t), or None when the devices "
        "do not fit. Inputs must already be validated.");
    m.def("local_frequency", &local_frequency, py::arg("w_delay"), py::arg("w_energy"),
          py::arg("kappa"), py::arg("f_local_max"), "Theorem 1, eq. (13).");
}

}  // namespace edgesched
