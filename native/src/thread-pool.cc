#include "thread-pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace siamese {
namespace {

class Pool {
 public:
  explicit Pool(int threads) : wanted_(threads < 1 ? 1 : threads) {}

  bool run(int parts, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    ensureWorkers(parts - 1);
    {
      std::lock_guard<std::mutex> g(m_);
      job_ = &fn;
      parts_ = parts;
      remaining_.store(parts - 1);
      ++generation_;
    }
    cv_.notify_all();
    fn(0);
    // Spin briefly (the other parts usually finish within microseconds of ours), then block.
    for (int spin = 0; remaining_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin > 20000) {
        std::unique_lock<std::mutex> l(m_);
        done_.wait(l, [&] { return remaining_.load() == 0; });
        break;
      }
      std::this_thread::yield();
    }
    return true;
  }

  int threads() const { return wanted_.load(); }
  void setThreads(int n) { wanted_.store(n < 1 ? 1 : n); }

 private:
  void ensureWorkers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      int index = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, index] { loop(index); });
      workers_.back().detach();  // lives as long as the process
    }
  }

  void loop(int index) {
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] { return generation_ != seen; });
        seen = generation_;
        if (index >= parts_) continue;
        job = job_;
      }
      (*job)(index);
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> g(m_);
        done_.notify_all();
      }
    }
  }

  std::atomic<int> wanted_;
  std::mutex busy_;
  std::mutex m_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  unsigned long generation_ = 0;
  std::atomic<int> remaining_{0};
};

Pool& pool() {
  static Pool* p = new Pool(hardwareThreads());  // never destroyed: detached workers reference it
  return *p;
}

}  // namespace

int hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

bool parallelRun(int parts, const std::function<void(int)>& fn) {
  if (parts <= 1) {
    fn(0);
    return true;
  }
  return pool().run(parts, fn);
}

int poolThreads() { return pool().threads(); }
void setPoolThreads(int n) { pool().setThreads(n); }

}  // namespace siamese
