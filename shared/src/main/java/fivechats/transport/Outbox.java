package fivechats.transport;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One connection's single writer behind a bounded queue: gorilla's {@code client.send} channel and its
 * {@code writePump}. Used by the models whose fix is "exactly one writer per connection".
 *
 * <p>Invariant: <b>the outbox's writer thread is the only thread that writes to its connection</b>. Any
 * number of threads may {@link #offer} at once; they only queue. At most {@code limit} frames wait: a full
 * outbox refuses the frame, and the model decides what to do (the hub and thread-per-connection evict).
 */
public final class Outbox {
    /** What the writer takes. */
    private sealed interface Outgoing {
    }

    private record Frame(String json) implements Outgoing {
    }

    /** Write nothing more: close with this code, and end the writer. */
    private record Close(int code, String reason) implements Outgoing {
    }

    private final ChatConnection connection;
    private final ChatMetrics metrics;
    private final int limit;
    /** Frames plus at most one Close. The bound is kept by {@link #frames}, so a Close always fits. */
    private final BlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>();
    /** Frames queued right now. Reserved before a frame is queued, so concurrent offers never exceed the limit. */
    private final AtomicInteger frames = new AtomicInteger();
    private volatile boolean closing;
    private Thread writer;

    public Outbox(ChatConnection connection, int limit, ChatMetrics metrics) {
        if (limit < 1) {
            throw new IllegalArgumentException("outbox limit must be at least 1, was " + limit);
        }
        this.connection = connection;
        this.limit = limit;
        this.metrics = metrics;
    }

    /** Starts the writer: a virtual thread, one per connection. */
    public Outbox start(ModelThreads threads) {
        writer = threads.startVirtual("writer-" + connection, this::writeLoop);
        return this;
    }

    public ChatConnection connection() {
        return connection;
    }

    /** The writer thread, to wait for when flushing at shutdown. */
    public Thread writer() {
        return writer;
    }

    /** The frames waiting right now, oldest first (and "close CODE" for a queued close): for tests and diagnostics. */
    public List<String> pending() {
        return queue.stream().map(o -> switch (o) {
            case Frame(String json) -> json;
            case Close(int code, String reason) -> "close " + code;
        }).toList();
    }

    /**
     * Queues a frame; false only if {@code limit} frames are already waiting (the client is too slow). Once the
     * outbox is finishing, frames are discarded and true is returned: the client is on its way out, which is not
     * the same as being slow. Never blocks.
     */
    // snippet:offer
    public boolean offer(String frame) {
        if (!connection.wants(frame)) {
            return true;
        }
        synchronized (this) { // checked and queued in one step: a frame never lands behind the Close, unsent forever
            if (closing) {
                return true;
            }
            if (frames.incrementAndGet() > limit) {
                frames.decrementAndGet();
                return false;
            }
            queue.add(new Frame(frame));
        }
        metrics.queued(1);
        return true;
    }
    // end-snippet

    /** Ends the writer after the frames already queued, closing with this code. Idempotent. */
    public void finish(int code, String reason) {
        synchronized (this) {
            if (!closing) {
                closing = true;
                queue.add(new Close(code, reason));
            }
        }
    }

    /** Drops the queued frames (the client will not read them in time) and ends the writer with this close. */
    public void evict(int code, String reason) {
        finish(code, reason);
        for (Outgoing dropped : queue) {
            if (dropped instanceof Frame && queue.remove(dropped)) {
                frames.decrementAndGet();
                metrics.queued(-1);
            }
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                switch (queue.take()) {
                    case Frame(String json) -> {
                        frames.decrementAndGet();
                        metrics.queued(-1);
                        connection.write(json);
                    }
                    case Close(int code, String reason) -> {
                        connection.close(code, reason);
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // The write failed or timed out and the connection is closed: the model's reader sees that and lets
            // the model finish this outbox. Until then, discard, so the outbox never looks "too slow".
            connection.close(StatusCode.SERVER_ERROR, "write failed");
            discardUntilClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void discardUntilClose() {
        try {
            while (queue.take() instanceof Frame) {
                frames.decrementAndGet();
                metrics.queued(-1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- for jcstress, which plays the writer thread itself ------------------------------------------

    /**
     * Does on the calling thread what the writer thread does with every frame queued right now, stopping at a
     * queued close; returns how many frames it wrote. Only for tests that play the writer (the writer must not also
     * be started): a jcstress actor calls it to race the single writer against offers.
     */
    public int writeQueuedNow() throws IOException {
        int written = 0;
        for (Outgoing next; (next = queue.peek()) instanceof Frame(String json) && queue.remove(next); written++) {
            frames.decrementAndGet();
            metrics.queued(-1);
            connection.write(json);
        }
        return written;
    }
}
