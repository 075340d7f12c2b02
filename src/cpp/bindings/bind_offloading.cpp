// Binding of the paper's single-cell problem: arrays in, schedule arrays out, the GIL released.
#include <string>

#include "bindings.hpp"
#include "options.hpp"
#include "paper.hpp"

namespace edgesched {

namespace {

py::dict solve_paper(const carray<double>& macs, const carray<double>& frames,
                     const carray<double>& frame_bits, const carray<double>& rate,
                     const carray<double>& tx_power, const carray<double>& f_local_max,
                     const carray<double>& kappa, const carray<double>& rho, double f_edge_max,
                     double w_delay, double w_energy, const std::string& method, std::uint64_t seed,
                     unsigned threads) {
    const py::ssize_t N = macs.ndim() == 1 ? macs.shape(0) : -1;
    const PaperDevices d{view1d(macs, "macs"),
                         view1d(frames, "frames", N),
                         view1d(frame_bits, "frame_bits", N),
                         view1d(rate, "rate", N),
                         view1d(tx_power, "tx_power", N),
                         view1d(f_local_max, "f_local_max", N),
                         view1d(kappa, "kappa", N),
                         view1d(rho, "rho", N)};
    const PaperSystem s{f_edge_max, w_delay, w_energy};
    if (method != "greedy" && method != "exhaustive" && method != "local" && method != "edge" &&
        method != "random")
        throw std::invalid_argument("unknown method '" + method + "'");

    carray<std::int32_t> choice(N);
    carray<double> f_local(N), f_edge(N), time_share(N), delay(N), energy(N);
    const Span<std::int32_t> ch = view1d_mut(choice);
    const PaperSchedule out{view1d_mut(f_local), view1d_mut(f_edge), view1d_mut(time_share),
                            view1d_mut(delay), view1d_mut(energy)};
    double cost = 0.0;
    {
        py::gil_scoped_release release;
        const PaperTable table = build_paper_table(d, s);
        const OptionTable t = table.view();
        if (method == "greedy")
            paper_greedy(t, ch);
        else if (method == "exhaustive")
            exhaustive(t, ch, threads);
        else if (method == "local")
            fixed_choice(t, 0, ch);
        else if (method == "edge")
            fixed_choice(t, 1, ch);
        else
            random_choice(t, seed, ch);
        cost = decode_paper(d, s, Span<const std::int32_t>(ch), out);
    }
    py::dict r;
    r["choice"] = choice;
    r["f_local"] = f_local;
    r["f_edge"] = f_edge;
    r["time_share"] = time_share;
    r["delay"] = delay;
    r["energy"] = energy;
    r["cost"] = cost;
    return r;
}

}  // namespace

void bind_offloading(py::module_& m) {
    m.def("solve_paper", &solve_paper, py::arg("macs"), py::arg("frames"), py::arg("frame_bits"),
          py::arg("rate"), py::arg("tx_power"), py::arg("f_local_max"), py::arg("kappa"),
          py::arg("rho"), py::arg("f_edge_max"), py::arg("w_delay"), py::arg("w_energy"),
          py::arg("method"), py::arg("seed"), py::arg("threads"),
          "Solve the paper's single-cell problem. Inputs must already be validated.");
    m.def("local_frequency", &local_frequency, py::arg("w_delay"), py::arg("w_energy"),
          py::arg("kappa"), py::arg("f_local_max"), "Theorem 1, eq. (13).");
}

}  // namespace edgesched
