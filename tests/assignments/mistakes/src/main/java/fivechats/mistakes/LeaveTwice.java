package fivechats.mistakes;

import fivechats.transport.Outbox;
import fivechats.transport.Wire;

/**
 * MISTAKE: a leave that is not idempotent. "A client leaves once." Not when it is evicted: the broadcast that found
 * its queue full removes it and announces it, and then its own reader, woken by the close, does the same again.
 *
 * <p>Breaks: everyone else is told the evicted client left twice. Caught by: the mass-eviction test (every leave
 * counted).
 */
public final class LeaveTwice extends Honest {
    @Override
    protected boolean leave(Outbox client, int code, String reason) {
        synchronized (membership) {
            clients.remove(client.connection().id());
            client.finish(code, reason);
            broadcast(Wire.leave(client.connection().name()));
            return true;
        }
    }
}
