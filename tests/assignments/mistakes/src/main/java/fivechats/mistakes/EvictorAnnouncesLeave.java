package fivechats.mistakes;

import fivechats.transport.CloseCode;
import fivechats.transport.Outbox;

/**
 * MISTAKE: whoever finds a client too slow announces its leave at once. "Tell the others now, not when its reader
 * notices." The leave is idempotent, so nobody hears it twice; but the evicted client's reader may be in the middle of
 * a broadcast on another thread, and the line it is handing out lands behind the leave.
 *
 * <p>Breaks: nothing from a client after its leave. Caught by: the eviction test where stuck clients keep talking
 * (5f), through the promise checker ("a line from chatty0, who is not online here"): 3 of 3 grades. The window is
 * widened by real work: the chatty clients' readers wait for room in each other's full queues before they reach the
 * watcher, who joined last, while someone else's broadcast evicts them and announces their leaves.
 */
public final class EvictorAnnouncesLeave extends Honest {
    @Override
    protected void full(Outbox client) {
        if (leave(client, CloseCode.POLICY_VIOLATION, TOO_SLOW)) { // announced here, by a broadcast of someone else's
            context.metrics().evicted();
            client.evict(CloseCode.POLICY_VIOLATION, TOO_SLOW);
        }
    }
}
