// Threads kept across calls: the handle for repeated solves runs its cells on them instead of starting threads at
// every call (a thread's start and join cost about as much as solving a small cell).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgesched {

class WorkerPool {
public:
    // `threads` - 1 threads waiting for work (the caller is the last worker).
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    unsigned size() const { return static_cast<unsigned>(threads_.size()) + 1; }
    // Runs `work` on `workers` threads at once, the caller's among them (at most size()), and returns when every
    // one has returned. `work` must not throw (the caller catches inside it). One run at a time.
    void run(unsigned workers, const std::function<void()>& work);

private:
    void wait_for_work();

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void()>* work_ = nullptr;
    unsigned wanted_ = 0;      // pool threads still to start the present run
    unsigned running_ = 0;     // pool threads in the present run's work
    std::size_t round_ = 0;    // runs started: a thread takes part in each at most once
    bool stop_ = false;
};

}  // namespace edgesched
