// The pool of large output buffers (bindings.hpp: output_array).
#include <cstdlib>
#include <map>
#include <new>

#include "bindings.hpp"

namespace edgesched {

namespace {
// Buffers handed back, by size; the GIL serialises every use.
struct Pool {
    std::multimap<std::size_t, void*> free;
    std::size_t bytes = 0;
    ~Pool() {
        for (auto& [size, data] : free) std::free(data);
    }
};
Pool& pool() {
    static Pool p;
    return p;
}
constexpr std::size_t kPoolLimit = std::size_t{256} << 20;
}  // namespace

void* take_buffer(std::size_t bytes) {
    Pool& p = pool();
    const auto it = p.free.find(bytes);
    if (it != p.free.end()) {
        void* data = it->second;
        p.free.erase(it);
        p.bytes -= bytes;
        return data;
    }
    void* data = std::malloc(bytes);  // 16-byte aligned, as numpy's own
    if (!data) throw std::bad_alloc();
    return data;
}

void give_back_buffer(void* data, std::size_t bytes) {
    Pool& p = pool();
    if (p.bytes + bytes > kPoolLimit) {
        std::free(data);
        return;
    }
    p.free.emplace(bytes, data);
    p.bytes += bytes;
}

}  // namespace edgesched
