#include "pool.hpp"

#include <algorithm>

namespace edgesched {

WorkerPool::WorkerPool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i) threads_.emplace_back([this] { wait_for_work(); });
}

WorkerPool::~WorkerPool() {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

void WorkerPool::run(unsigned workers, const std::function<void()>& work) {
    const unsigned helpers = std::min(std::max(workers, 1u), size()) - 1;
    if (helpers > 0) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            work_ = &work;
            wanted_ = helpers;
            running_ = helpers;
            ++round_;
        }
        wake_.notify_all();
    }
    work();
    if (helpers > 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return running_ == 0; });
        work_ = nullptr;
    }
}

void WorkerPool::wait_for_work() {
    std::size_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || (wanted_ > 0 && round_ != seen); });
        if (stop_) return;
        seen = round_;
        --wanted_;
        const std::function<void()>* work = work_;
        lock.unlock();
        (*work)();
        lock.lock();
        if (--running_ == 0) done_.notify_one();
    }
}

}  // namespace edgesched
