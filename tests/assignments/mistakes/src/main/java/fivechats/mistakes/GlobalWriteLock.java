package fivechats.mistakes;

/**
 * NOT WRONG, BUT COSTLY: one global lock around every broadcast. Correct (one writer per connection, since only the
 * lock holder writes), and serial: every line waits for every write of the line before it, and one client that stops
 * reading holds the lock, and so the whole chat, for the write deadline.
 *
 * <p>Breaks: nothing in stall mode; a stuck client stalls everyone. Caught by: the slow-client tests in evict mode; in
 * stall mode the report's cost line shows the price against the reference model.
 */
public final class GlobalWriteLock extends ReadersWriteDirectly {
    private final Object writeLock = new Object();

    @Override
    protected void broadcast(String frame) {
        synchronized (writeLock) {
            super.broadcast(frame);
        }
    }
}
