// Reading the caller's plain objects in place (plain.hpp).
#include "plain.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <thread>

namespace edgesched {

namespace {

namespace npy = py::detail;

// numpy's float64 scalar type and the float64 dtype, looked up once (the module holds them for its lifetime).
PyTypeObject* float64_type() {
    static PyTypeObject* type =
        reinterpret_cast<PyTypeObject*>(py::object(py::module_::import("numpy").attr("float64")).release().ptr());
    return type;
}

PyObject* float64_descr() {
    static PyObject* descr = py::dtype::of<double>().release().ptr();
    return descr;
}

bool finite_positive(double x, bool zero) {
    return (zero ? x >= 0.0 : x > 0.0) && x <= std::numeric_limits<double>::max();
}

}  // namespace

bool plain_real(py::handle h, double& x) {
    PyObject* o = h.ptr();
    if (PyFloat_CheckExact(o) || Py_TYPE(o) == float64_type()) {
        x = PyFloat_AS_DOUBLE(o);
        return true;
    }
    if (PyLong_CheckExact(o)) {
        x = PyLong_AsDouble(o);
        if (x == -1.0 && PyErr_Occurred()) {  // beyond a double: the Python layer says so
            PyErr_Clear();
            return false;
        }
        return true;
    }
    return false;
}

bool plain_positive(py::handle h, double& x, bool zero) { return plain_real(h, x) && finite_positive(x, zero); }

bool plain_count(py::handle h, std::uint64_t& x) {
    PyObject* o = h.ptr();
    if (!PyLong_CheckExact(o)) return false;
    const unsigned long long v = PyLong_AsUnsignedLongLong(o);
    if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {  // negative, or 2^64 and beyond
        PyErr_Clear();
        return false;
    }
    x = static_cast<std::uint64_t>(v);
    return true;
}

bool plain_text(py::handle h, std::string& s) {
    PyObject* o = h.ptr();
    if (!PyUnicode_CheckExact(o)) return false;
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(o, &size);
    if (!text) {
        PyErr_Clear();
        return false;
    }
    s.assign(text, static_cast<std::size_t>(size));
    return true;
}

bool plain_array(py::handle h, Span<const double>& x) {
    const auto& api = npy::npy_api::get();
    if (Py_TYPE(h.ptr()) != api.PyArray_Type_) return false;
    const auto* a = npy::array_proxy(h.ptr());
    constexpr int kLayout = npy::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | npy::npy_api::NPY_ARRAY_ALIGNED_;
    if (a->nd != 1 || a->dimensions[0] < 1 || (a->flags & kLayout) != kLayout) return false;
    if (a->descr != float64_descr() && !api.PyArray_EquivTypes_(a->descr, float64_descr())) return false;
    x = {reinterpret_cast<const double*>(a->data), static_cast<std::size_t>(a->dimensions[0])};
    return true;
}

bool plain_devices(const py::handle (&inputs)[8], PlainDevices& out) {
    Span<const double> span[8];
    std::size_t n = 0;
    for (int f = 0; f < 8; ++f) {
        if (plain_array(inputs[f], span[f])) {
            // Lengths differ (an array of one element beside longer ones too): the Python layer names them.
            if (n != 0 && span[f].size != n) return false;
            n = span[f].size;
        } else if (plain_real(inputs[f], out.scalars[f])) {
            span[f] = {&out.scalars[f], 1};
        } else {
            return false;
        }
    }
    out.length = n;
    out.devices = PaperDevices{span[0], span[1], span[2], span[3], span[4], span[5], span[6], span[7],
                               n == 0 ? 1 : n};
    return true;
}

ScheduleArrays::ScheduleArrays(std::size_t n)
    : offload(output_array<bool>(n)), f_local(output_array<double>(n)), f_edge(output_array<double>(n)),
      time_share(output_array<double>(n)), delay(output_array<double>(n)), energy(output_array<double>(n)) {}

PaperSchedule ScheduleArrays::spans() {
    return PaperSchedule{view1d_mut(offload), view1d_mut(f_local), view1d_mut(f_edge),
                         view1d_mut(time_share), view1d_mut(delay), view1d_mut(energy)};
}

void freeze(const py::array& a) { npy::array_proxy(a.ptr())->flags &= ~npy::npy_api::NPY_ARRAY_WRITEABLE_; }

void ScheduleArrays::freeze() {
    for (const py::array* a : {static_cast<const py::array*>(&offload), static_cast<const py::array*>(&f_local),
                               static_cast<const py::array*>(&f_edge), static_cast<const py::array*>(&time_share),
                               static_cast<const py::array*>(&delay), static_cast<const py::array*>(&energy)})
        edgesched::freeze(*a);
}

unsigned machine_threads() {
    static const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    return threads;
}

std::uint64_t entropy_seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ static_cast<std::uint64_t>(device());
}

}  // namespace edgesched
