package fivechats.race;

import fivechats.pollingloop.PollingLoop;
import fivechats.transport.ChatModel;
import fivechats.transport.TransportConfig;
import java.time.Duration;

/** The polling loop against the contract. It has no queues: a client that stops reading stalls the loop until writeWait. */
class PollingLoopContractTest extends ChatContract {
    @Override
    protected ChatModel newModel() {
        return new PollingLoop(PollingLoop.Idle.BACKOFF);
    }

    @Override
    protected SlowClientPolicy slowClientPolicy() {
        return SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT;
    }

    /** A short writeWait, so the head-of-line stall the loop promises is seconds, not ten. */
    @Override
    protected TransportConfig config() {
        return super.config().withWriteWait(Duration.ofSeconds(3));
    }
}
