package fivechats.jcstress;

import fivechats.transport.ChatConnection;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory {@link ChatConnection} for jcstress: it records what is written to it, in order, and trips on
 * overlap exactly as the transport does (a second writer during a write gets an IllegalStateException and its
 * frame is not recorded). {@link #poll()} hands out the lines given to {@link #withLine}, once each. A connection
 * made {@link #gone()} fails every write, as the transport's does once the client's network is gone.
 */
public final class RecordingConnection implements ChatConnection {
    private final long id;
    private final String name;
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicInteger overlaps = new AtomicInteger();
    // guarded by the single-writer flag, and read by the arbiter
    private final List<String> written = new ArrayList<>();
    private final Queue<String> inbound = new ConcurrentLinkedQueue<>();
    private volatile boolean gone;

    public RecordingConnection(long id, String name) {
        this.id = id;
        this.name = name;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String remoteAddress() {
        return "memory";
    }

    @Override
    public String read() throws ClosedConnectionException {
        throw new ClosedConnectionException("a recording connection has nothing to read");
    }

    @Override
    public String poll() {
        return inbound.poll();
    }

    /** Queues a line (already encoded as a chat frame) for the model to {@link #poll()}. */
    public RecordingConnection withLine(String frame) {
        inbound.add(frame);
        return this;
    }

    /** The client's network is gone: every later write fails with a {@link ClosedConnectionException}. */
    public RecordingConnection gone() {
        gone = true;
        return this;
    }

    @Override
    public void write(String frame) throws ClosedConnectionException {
        if (gone) {
            throw new ClosedConnectionException("the network of " + name + " is gone");
        }
        if (!writing.compareAndSet(false, true)) {
            overlaps.incrementAndGet();
            throw new IllegalStateException("concurrent write to connection " + name);
        }
        try {
            written.add(frame);
        } finally {
            writing.set(false);
        }
    }

    @Override
    public void close(CloseCode code, String reason) {}

    @Override
    public boolean isOpen() {
        return !gone;
    }

    /** How many writes found another write in progress. */
    public int overlaps() {
        return overlaps.get();
    }

    /** What was written, in order. Read it from the arbiter, after the actors. */
    public List<String> written() {
        return written;
    }
}
