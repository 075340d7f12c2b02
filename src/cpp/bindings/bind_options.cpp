// Binding of the general option model: a CSR option table in, the chosen options and bounds out.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "dual.hpp"
#include "methods.hpp"
#include "option_deadlines.hpp"
#include "relaxation.hpp"
#include "search.hpp"
#include "station_moves.hpp"
#include "table.hpp"

namespace edgesched {

// Result of solve_options: the choice (menu index per device), its cost, a certified lower bound, whether the
// choice is proven optimal, the nodes of the exact search, and the dual prices as a (2, S) array (row 0 lambda,
// row 1 mu).
struct OptionSolution {
    carray<std::int32_t> choice;
    double cost = 0.0, lower_bound = 0.0;
    bool proven = false;
    std::uint64_t nodes = 0;
    carray<double> prices;
};

namespace {

OptionTable table_view(const carray<std::int64_t>& option_ptr, const carray<double>& linear,
                       const carray<std::int32_t>& server, const carray<double>& c, const carray<double>& w,
                       const carray<double>& A, const carray<double>& B) {
    const Span<const std::int64_t> ptr = view1d(option_ptr, "option_ptr");
    if (ptr.size < 2) throw std::invalid_argument("option_ptr needs at least two entries");
    const auto n_opt = static_cast<py::ssize_t>(ptr[ptr.size - 1]);
    const Span<const double> a = view1d(A, "A");
    return OptionTable{ptr,
                       view1d(linear, "linear", n_opt),
                       view1d(server, "server", n_opt),
                       view1d(c, "c", n_opt),
                       view1d(w, "w", n_opt),
                       a,
                       view1d(B, "B", static_cast<py::ssize_t>(a.size))};
}

// `prices`: None, or warm's starting multipliers as a (2, S) array (row 0 lambda, row 1 mu). The result's
// prices have the same layout.
OptionSolution solve_options(const carray<std::int64_t>& option_ptr, const carray<double>& linear,
                       const carray<std::int32_t>& server, const carray<double>& c, const carray<double>& w,
                       const carray<double>& A, const carray<double>& B, const std::string& method,
                       const carray<std::int32_t>& start, const py::object& prices, std::uint64_t seed,
                       unsigned threads, std::uint64_t node_limit, double time_limit, double gap_tol,
                       const carray<double>& slack) {
    const OptionTable t = table_view(option_ptr, linear, server, c, w, A, B);
    const Span<const double> slacks = view1d(slack, "slack");
    if (slacks.size != 0 && slacks.size != t.linear.size)
        throw std::invalid_argument("slack must have one entry per option, or none");
    const auto N = static_cast<py::ssize_t>(t.n_devices());
    const auto S = static_cast<py::ssize_t>(t.n_servers());
    const Span<const std::int32_t> st = view1d(start, "start", N);
    DualState given;
    if (!prices.is_none()) {
        const auto p = prices.cast<carray<double>>();
        if (p.ndim() != 2 || p.shape(0) != 2 || p.shape(1) != S)
            throw std::invalid_argument("prices must have shape (2, " + std::to_string(S) + ")");
        given.lambda.assign(p.data(), p.data() + S);  // C order: row 0, then row 1
        given.mu.assign(p.data() + S, p.data() + 2 * S);
    }
    carray<std::int32_t> choice(N);
    const Span<std::int32_t> ch = view1d_mut(choice);
    std::copy(st.begin(), st.end(), ch.begin());
    SearchResult r;
    {
        py::gil_scoped_release release;
        SearchLimits limits;
        limits.node_limit = node_limit;
        limits.time_limit_s = time_limit;
        limits.gap_tol = gap_tol;
        r = slacks.size ? solve_with_slack(t, slacks, method, ch, seed, limits, threads,
                                           prices.is_none() ? nullptr : &given)
                        : solve_method(t, method, ch, seed, limits, threads, prices.is_none() ? nullptr : &given);
    }
    carray<double> out_prices({py::ssize_t{2}, S});
    std::copy(r.prices.lambda.begin(), r.prices.lambda.end(), out_prices.mutable_data());
    std::copy(r.prices.mu.begin(), r.prices.mu.end(), out_prices.mutable_data() + S);
    return OptionSolution{std::move(choice), r.cost, r.lower_bound, r.proven, r.nodes, std::move(out_prices)};
}

double table_cost(const carray<std::int64_t>& option_ptr, const carray<double>& linear,
                  const carray<std::int32_t>& server, const carray<double>& c, const carray<double>& w,
                  const carray<double>& A, const carray<double>& B, const carray<std::int32_t>& choice) {
    const OptionTable t = table_view(option_ptr, linear, server, c, w, A, B);
    SearchResult r;
    r.cost = r.lower_bound = total_cost(t, view1d(choice, "choice", static_cast<py::ssize_t>(t.n_devices())));
    check_finite(t, r);
    return r.cost;
}

double relaxation_bound(const carray<std::int64_t>& option_ptr, const carray<double>& linear,
                        const carray<std::int32_t>& server, const carray<double>& c, const carray<double>& w,
                        const carray<double>& A, const carray<double>& B) {
    const OptionTable t = table_view(option_ptr, linear, server, c, w, A, B);
    py::gil_scoped_release release;
    DualState dual;
    double bound = dual_bound(t, {}, dual, 4, kBisectionSteps);
    // one block per server: that is the maximum; otherwise the relaxation's own optimum
    if (servers_coupled(t, {})) bound = relaxation_optimum(t, {}, dual, RelaxationLimits{}).bound;
    if (!std::isfinite(bound)) {
        check_range(t);
        throw std::invalid_argument("the relaxation's bound is not finite although the table is within range");
    }
    return bound;
}

void check_table(const carray<std::int64_t>& option_ptr, const carray<double>& linear,
                 const carray<std::int32_t>& server, const carray<double>& c, const carray<double>& w,
                 const carray<double>& A, const carray<double>& B) {
    check_range(table_view(option_ptr, linear, server, c, w, A, B));
}

// station_resolve on a copy of `choice`: the new choice and the change of the total.
py::tuple resolve_station(const carray<std::int64_t>& option_ptr, const carray<double>& linear,
                          const carray<std::int32_t>& server, const carray<double>& c, const carray<double>& w,
                          const carray<double>& A, const carray<double>& B, const carray<std::int32_t>& choice,
                          std::int64_t station) {
    const OptionTable t = table_view(option_ptr, linear, server, c, w, A, B);
    const Span<const std::int32_t> in = view1d(choice, "choice", static_cast<py::ssize_t>(t.n_devices()));
    for (std::size_t n = 0; n < t.n_devices(); ++n)
        if (in[n] < 0 || static_cast<std::size_t>(in[n]) >= t.n_options(n))
            throw std::invalid_argument("choice[" + std::to_string(n) + "] is " + std::to_string(in[n]) +
                                        ", outside device " + std::to_string(n) + "'s menu");
    if (station < 0 || static_cast<std::size_t>(station) >= t.n_servers())
        throw std::invalid_argument("station is " + std::to_string(station) + "; the table has " +
                                    std::to_string(t.n_servers()) + " servers");
    carray<std::int32_t> out(static_cast<py::ssize_t>(t.n_devices()));
    const Span<std::int32_t> ch = view1d_mut(out);
    std::copy(in.begin(), in.end(), ch.begin());
    double delta;
    {
        py::gil_scoped_release release;
        delta = station_resolve(t, ch, static_cast<std::size_t>(station));
    }
    if (!std::isfinite(delta)) {
        check_range(t);
        throw std::invalid_argument("the station re-solve's change is not finite although the table is within range");
    }
    return py::make_tuple(std::move(out), delta);
}

}  // namespace

void bind_options(py::module_& m) {
    py::class_<OptionSolution>(m, "OptionSolution", "Result of solve_options (read-only attributes).")
        .def_readonly("choice", &OptionSolution::choice)
        .def_readonly("cost", &OptionSolution::cost)
        .def_readonly("lower_bound", &OptionSolution::lower_bound)
        .def_readonly("proven", &OptionSolution::proven)
        .def_readonly("nodes", &OptionSolution::nodes)
        .def_readonly("prices", &OptionSolution::prices);
    m.def("solve_options", &solve_options, py::arg("option_ptr"), py::arg("linear"), py::arg("server"),
          py::arg("c"), py::arg("w"), py::arg("A"), py::arg("B"), py::arg("method"), py::arg("start"),
          py::arg("prices"), py::arg("seed"), py::arg("threads"), py::arg("node_limit"), py::arg("time_limit"),
          py::arg("gap_tol"), py::arg("slack") = carray<double>(0),
          ("Solve an option table (slack: per option, the time budget of its shared part, docs/model.md §8; "
           "empty: none). Inputs must already be validated.\n\nMethods:" + method_lines(Problem::kOptions))
              .c_str());
    m.def(
        "slack_cost",
        [](const carray<std::int64_t>& option_ptr, const carray<double>& linear, const carray<std::int32_t>& server,
           const carray<double>& c, const carray<double>& w, const carray<double>& A, const carray<double>& B,
           const carray<double>& slack, const carray<std::int32_t>& choice) {
            const OptionTable t = table_view(option_ptr, linear, server, c, w, A, B);
            return slack_cost(t, view1d(slack, "slack", static_cast<py::ssize_t>(t.linear.size)),
                              view1d(choice, "choice", static_cast<py::ssize_t>(t.n_devices())));
        },
        py::arg("option_ptr"), py::arg("linear"), py::arg("server"), py::arg("c"), py::arg("w"), py::arg("A"),
        py::arg("B"), py::arg("slack"), py::arg("choice"),
        "Total cost of a choice with deadlines (docs/model.md §8); inf when it misses one.");
    m.def(
        "slack_allocation",
        [](const carray<std::int64_t>& option_ptr, const carray<double>& linear, const carray<std::int32_t>& server,
           const carray<double>& c, const carray<double>& w, const carray<double>& A, const carray<double>& B,
           const carray<double>& slack, const carray<std::int32_t>& choice) {
            const OptionTable t = table_view(option_ptr, linear, server, c, w, A, B);
            const std::size_t N = t.n_devices();
            const Span<const std::int32_t> ch = view1d(choice, "choice", static_cast<py::ssize_t>(N));
            carray<double> f = output_array<double>(N), share = output_array<double>(N);
            const bool ok = slack_allocation(t, view1d(slack, "slack", static_cast<py::ssize_t>(t.linear.size)), ch,
                                             Span<double>(f.mutable_data(), N), Span<double>(share.mutable_data(), N));
            if (!ok)
                throw std::invalid_argument("the choice misses a deadline: a server cannot serve its chosen options "
                                            "in time");
            return py::make_tuple(std::move(f), std::move(share));
        },
        py::arg("option_ptr"), py::arg("linear"), py::arg("server"), py::arg("c"), py::arg("w"), py::arg("A"),
        py::arg("B"), py::arg("slack"), py::arg("choice"),
        "Per device, the edge CPU (Hz) and uplink time share of a choice with deadlines (docs/model.md §8): the "
        "allocation slack_cost prices.");
    m.def("table_cost", &table_cost, py::arg("option_ptr"), py::arg("linear"), py::arg("server"),
          py::arg("c"), py::arg("w"), py::arg("A"), py::arg("B"), py::arg("choice"),
          "Total cost of a choice (menu index per device).");
    m.def("check_table", &check_table, py::arg("option_ptr"), py::arg("linear"), py::arg("server"), py::arg("c"),
          py::arg("w"), py::arg("A"), py::arg("B"),
          "ValueError unless the table's magnitudes are within the range of the solvers' arithmetic (every number "
          "they compute finite), naming the price, server or device where they are not. Other checks must already "
          "be done.");
    m.def("relaxation_bound", &relaxation_bound, py::arg("option_ptr"), py::arg("linear"), py::arg("server"),
          py::arg("c"), py::arg("w"), py::arg("A"), py::arg("B"),
          "The convex relaxation's optimum: the maximum of its Lagrangian dual, a lower bound on every choice.");
    m.def("station_resolve", &resolve_station, py::arg("option_ptr"), py::arg("linear"), py::arg("server"),
          py::arg("c"), py::arg("w"), py::arg("A"), py::arg("B"), py::arg("choice"), py::arg("station"),
          "Re-solve one station's devices with the rest of the schedule held: (new choice, change of the total).");
}

}  // namespace edgesched
