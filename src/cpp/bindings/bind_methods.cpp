// Binding of the registry of methods (methods.hpp) and of the constants the Python API shares with the core.
#include <string>

#include "auto.hpp"
#include "bindings.hpp"
#include "exhaustive.hpp"
#include "methods.hpp"
#include "search.hpp"

namespace edgesched {

std::string method_lines(Problem problem) {
    std::string s;
    for (const MethodInfo& m : methods()) {
        if (!applies(m, problem)) continue;
        s += std::string("\n  ") + m.name + ": " + m.summary + ".";
    }
    return s;
}

void bind_methods(py::module_& m) {
    py::class_<MethodInfo>(m, "MethodInfo", "A solving method of the registry (read-only).")
        .def_property_readonly("name", [](const MethodInfo& i) { return std::string(i.name); })
        .def_property_readonly("summary", [](const MethodInfo& i) { return std::string(i.summary); },
                               "One line, no final period.")
        .def_readonly("paper", &MethodInfo::paper, "Applies to the paper's problem (solve_paper).")
        .def_readonly("options", &MethodInfo::options, "Applies to general option tables (solve_options).")
        .def_readonly("proves", &MethodInfo::proves, "Can prove its schedule optimal.")
        .def("__repr__", [](const MethodInfo& i) {
            auto flag = [](bool b) { return b ? "True" : "False"; };
            return std::string("MethodInfo(name='") + i.name + "', paper=" + flag(i.paper) +
                   ", options=" + flag(i.options) + ", proves=" + flag(i.proves) + ")";
        });
    m.def(
        "methods",
        []() {
            py::list out;
            for (const MethodInfo& i : edgesched::methods()) out.append(py::cast(&i, py::return_value_policy::reference));
            return out;
        },
        "Every solving method, in documented order.");
    m.attr("DEFAULT_NODE_LIMIT") = kDefaultNodeLimit;
    m.attr("DEFAULT_TIME_LIMIT") = kDefaultTimeLimit;
    m.attr("AUTO_EXHAUSTIVE_CHOICES") = kAutoExhaustiveChoices;
    m.attr("EXHAUSTIVE_MAX_CHOICES") = kExhaustiveMaxChoices;
    m.attr("EXHAUSTIVE_MAX_DEVICES") = kExhaustiveMaxDevices;
}

}  // namespace edgesched
