package fivechats.mistakes;

import fivechats.transport.Outbox;

/**
 * MISTAKE: a full queue drops the frame. "A slow client can miss a line; better than closing it." It misses lines and
 * is never told: it stays connected, believing it saw the whole conversation, while others' memory stays bounded.
 *
 * <p>Breaks: every client gets every line or is closed. Caught by: the slow-client test, whichever slow-client mode.
 */
public final class DropWhenFull extends Honest {
    @Override
    protected void full(Outbox client) {
        context.metrics().dropped(); // counted, and nothing else
    }
}
