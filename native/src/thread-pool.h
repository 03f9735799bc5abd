// A process-wide pool of worker threads for the large GEMMs. Node worker
// threads (the embedding pool, the data-parallel trainer) share it: a call that
// finds it busy runs on its own thread, which is what one-worker-per-core wants.
#pragma once
#include <functional>

namespace siamese {

// Runs fn(0..parts-1), part 0 on the calling thread; returns when all are done.
// Returns false (running nothing) when the pool is busy with another caller.
bool parallelRun(int parts, const std::function<void(int)>& fn);
int poolThreads();          // threads a parallelRun may use (including the caller)
void setPoolThreads(int n);  // 1 = single-threaded
int hardwareThreads();

}  // namespace siamese
