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

}  // namespace edgesched
