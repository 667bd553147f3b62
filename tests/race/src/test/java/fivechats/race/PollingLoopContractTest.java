package fivechats.race;

import fivechats.pollingloop.PollingLoop;
import fivechats.transport.ChatModel;

/** The polling loop against the contract. It has no queues: a client that stops reading stalls the loop until writeWait. */
class PollingLoopContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return new PollingLoop(PollingLoop.Idle.BACKOFF);
    }

    @Override
    public SlowClientPolicy slowClientPolicy() {
        return SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT;
    }
}
