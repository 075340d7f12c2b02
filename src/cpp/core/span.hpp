// A minimal non-owning view of a contiguous array (C++17 has no std::span).
#pragma once
#include <cstddef>

namespace edgesched {

template <class T>
struct Span {
    T* data = nullptr;
    std::size_t size = 0;

    Span() = default;
    Span(T* d, std::size_t n) : data(d), size(n) {}
    template <class U>
    Span(const Span<U>& other) : data(other.data), size(other.size) {}  // Span<T> -> Span<const T>

    T& operator[](std::size_t i) const { return data[i]; }
    T* begin() const { return data; }
    T* end() const { return data + size; }
};

// One read of x that the compiler may neither repeat nor split (a relaxed atomic load where the compiler has
// them; a plain load otherwise): for inputs that another thread may write while the core runs without the
// GIL, so that the value checked is the value used.
template <class T>
T read_once(const T& x) {
#if defined(__GNUC__) || defined(__clang__)
    T value;
    __atomic_load(&x, &value, __ATOMIC_RELAXED);
    return value;
#else
    return *static_cast<const volatile T*>(&x);
#endif
}

}  // namespace edgesched
