package fivechats.race;

import fivechats.transport.ChatConnection;
import fivechats.transport.ClosedConnectionException;

/**
 * An in-memory client that never reads, for driving a model's classes below the network: nothing is ever written
 * to it (no writer runs in these tests), so whatever a model queues for it stays queued until the queue is full.
 * It can be told to stop hearing presence, so a crowd can join without filling each other's queues.
 */
public final class StalledConnection implements ChatConnection {
    private final long id;
    private volatile boolean hearsPresence = true;
    private volatile int closeCode;

    public StalledConnection(long id) {
        this.id = id;
    }

    /** Joins and leaves are skipped (as for a client that connected with presence=off) until this is set back. */
    public StalledConnection hearsPresence(boolean hears) {
        this.hearsPresence = hears;
        return this;
    }

    @Override
    public boolean hearsPresence() {
        return hearsPresence;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return "stalled" + id;
    }

    @Override
    public String remoteAddress() {
        return "memory";
    }

    @Override
    public String read() throws ClosedConnectionException {
        throw new ClosedConnectionException("a stalled connection sends nothing");
    }

    @Override
    public String poll() {
        return null;
    }

    @Override
    public void write(String frame) {
        throw new AssertionError("nothing writes in these tests: " + name() + " was written " + frame);
    }

    @Override
    public void close(int statusCode, String reason) {
        closeCode = statusCode;
    }

    /** The code the model closed it with, 0 if never. */
    public int closeCode() {
        return closeCode;
    }

    @Override
    public boolean isOpen() {
        return closeCode == 0;
    }
}
