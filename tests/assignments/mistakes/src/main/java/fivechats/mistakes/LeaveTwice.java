package fivechats.mistakes;

import fivechats.transport.CloseCode;
import fivechats.transport.Outbox;
import fivechats.transport.Wire;

/**
 * MISTAKE: a leave that is not idempotent, announced by whoever evicts. "Tell the others now, not when its reader
 * notices." The broadcast that found its queue full removes it and announces it, and then its own reader, stopped by
 * the eviction, does the same again.
 *
 * <p>Breaks: everyone else is told the evicted client left twice. Caught by: the mass-eviction test (every leave
 * counted).
 */
public final class LeaveTwice extends Honest {
    @Override
    protected void full(Outbox client) {
        if (client.evict(CloseCode.POLICY_VIOLATION, TOO_SLOW)) {
            context.metrics().evicted();
            leave(client, CloseCode.POLICY_VIOLATION, TOO_SLOW);
        }
    }

    @Override
    protected boolean leave(Outbox client, CloseCode code, String reason) {
        synchronized (membership) {
            clients.remove(client.connection().id());
            client.finish(code, reason);
            broadcast(Wire.leave(client.connection().name()));
            return true;
        }
    }
}
