package fivechats.race;

import fivechats.mutexmap.MutexMap;
import fivechats.transport.ChatModel;
import fivechats.transport.TransportConfig;
import java.time.Duration;

/** The mutex map, fixed (snapshot, then one writer per connection). No queues: a stuck client holds up broadcasts until writeWait. */
class MutexMapContractTest extends ChatContract {
    @Override
    protected ChatModel newModel() {
        return new MutexMap.Fixed();
    }

    @Override
    protected SlowClientPolicy slowClientPolicy() {
        return SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT;
    }

    @Override
    protected TransportConfig config() {
        return super.config().withWriteWait(Duration.ofSeconds(3));
    }
}
