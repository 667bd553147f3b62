package fivechats.race;

import fivechats.mutexmap.MutexMap;
import fivechats.transport.ChatModel;

/** The mutex map, fixed (the lock guards the map; one writer per connection behind a bounded outbox). */
class MutexMapContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return new MutexMap.Fixed(MutexMap.Fixed.DEFAULT_SEND_QUEUE);
    }
}
