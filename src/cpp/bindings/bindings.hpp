#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "span.hpp"

namespace edgesched {

namespace py = pybind11;

template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

// A 1-D array as a span, after checking its length.
template <class T>
Span<const T> view1d(const carray<T>& a, const char* name, py::ssize_t expected = -1) {
    if (a.ndim() != 1) throw std::invalid_argument(std::string(name) + " must be one-dimensional");
    if (expected >= 0 && a.shape(0) != expected)
        throw std::invalid_argument(std::string(name) + " has length " + std::to_string(a.shape(0)) +
                                    ", expected " + std::to_string(expected));
    return {a.data(), static_cast<std::size_t>(a.shape(0))};
}

template <class T>
Span<T> view1d_mut(carray<T>& a) {
    return {a.mutable_data(), static_cast<std::size_t>(a.shape(0))};
}

void bind_offloading(py::module_& m);
void bind_options(py::module_& m);

}  // namespace edgesched
