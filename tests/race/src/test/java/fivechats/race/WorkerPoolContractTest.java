package fivechats.race;

import fivechats.transport.ChatModel;
import fivechats.workerpool.WorkerPool;
import java.time.Duration;

/** The worker pool, fixed (a serial lane per connection), against the contract. */
class WorkerPoolContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return new WorkerPool(WorkerPool.Variant.FIXED, WorkerPool.DEFAULT_WORKERS, Duration.ZERO);
    }
}
