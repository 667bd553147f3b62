package fivechats.race;

import fivechats.mutexmap.MutexMap;
import fivechats.transport.ChatModel;

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
}
