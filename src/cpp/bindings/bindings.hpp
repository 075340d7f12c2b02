#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "methods.hpp"
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

// Storage of large output arrays (a city's per-device results, from 1 MB): an array that owned such a buffer
// hands it back when it is freed, and the next solve's outputs of the same size reuse it (at most 256 MB are
// kept), so that re-solves do not write to fresh pages: a fresh page costs the kernel's zeroing and a fault
// on first write, a costly trap in a virtual machine, and as much as a small cell's whole solve. Buffers are
// taken and handed back with the GIL held (the pool: buffers.cpp).
void* take_buffer(std::size_t bytes);
void give_back_buffer(void* data, std::size_t bytes);
inline constexpr std::size_t kPooledBytes = std::size_t{1} << 20;

// A new 1-D array of n elements for a solver's output, its storage from the pool when it is large.
template <class T>
carray<T> output_array(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kPooledBytes) {  // numpy's own storage, allocated without pybind11's shape vectors
        const auto& api = py::detail::npy_api::get();
        const Py_intptr_t length = static_cast<Py_intptr_t>(n);
        PyObject* a = api.PyArray_NewFromDescr_(api.PyArray_Type_, py::dtype::of<T>().release().ptr(), 1, &length,
                                                nullptr, nullptr, 0, nullptr);  // takes the dtype's reference
        if (!a) throw py::error_already_set();
        return py::reinterpret_steal<carray<T>>(a);
    }
    void* data = take_buffer(bytes);
    struct Buffer {
        void* data;
        std::size_t bytes;
    };
    py::capsule owner(new Buffer{data, bytes}, [](void* b) {
        const auto* buffer = static_cast<Buffer*>(b);
        give_back_buffer(buffer->data, buffer->bytes);
        delete buffer;
    });
    return carray<T>({static_cast<py::ssize_t>(n)}, {static_cast<py::ssize_t>(sizeof(T))}, static_cast<T*>(data),
                     owner);
}

// The areas of the module, one file each (bind_<area>.cpp).
void bind_methods(py::module_& m);     // the registry of methods and the search constants
void bind_offloading(py::module_& m);  // the paper's problem
void bind_options(py::module_& m);     // the general option model
void bind_solver(py::module_& m);      // the thin call and the handle for repeated solves

// One line "name: summary" per method of the registry for `problem`, for docstrings.
std::string method_lines(Problem problem);

}  // namespace edgesched
