// The compiled module edgesched._core: each area registers its functions, classes and constants.
#include <pybind11/pybind11.h>

#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "edgesched solver core (C++17). Use the public API in edgesched, not this module.";
    edgesched::bind_methods(m);
    edgesched::bind_offloading(m);
    edgesched::bind_options(m);
    edgesched::bind_solver(m);
}
