package fivechats.transport;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One connection's single writer behind a bounded queue: gorilla's {@code client.send} channel and its
 * {@code writePump}. Used by the models whose fix is "exactly one writer per connection".
 *
 * <p>Invariant: <b>the outbox's writer thread is the only thread that writes to its connection</b>. Any
 * number of threads may {@link #offer} at once; they only queue. At most {@code limit} frames wait. The writer
 * sends what it finds queued as one send ({@link ChatConnection#send(List)}): one network write for a burst.
 *
 * <p>Who pays when the outbox is full depends on why it is full:
 * <ul>
 *   <li>the writer is waiting on the network (Jetty could not write at once: the client's TCP window is closed):
 *       the client is too slow, the outbox refuses the frame, and the model evicts the client;</li>
 *   <li>the writer is busy, not waiting: the frames came faster than this server writes, which is the server's lag,
 *       not the client's fault. The offering thread waits for room, so whoever produced the frame slows down and,
 *       in the end, the sending client feels TCP backpressure. The wait is bounded by {@link #ROOM_WAIT}.</li>
 * </ul>
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

    /**
     * The most frames one send takes from the queue: enough to turn a burst into a few network writes, few enough
     * that the list stays small. The transport writes them in chunks Jetty accepts (see {@link ChatConnection#send(List)}).
     */
    static final int BATCH = 64;

    /** The longest an offer waits for room while the writer is busy: the default write wait, after which it is too slow. */
    public static final Duration ROOM_WAIT = TransportConfig.defaults().writeWait();

    private final ChatConnection connection;
    private final ChatMetrics metrics;
    private final int limit;
    /** Frames plus at most one Close. The bound is kept by {@link #frames}, so a Close always fits. */
    private final BlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>();
    /** Frames queued right now. Reserved before a frame is queued, so concurrent offers never exceed the limit. */
    private final AtomicInteger frames = new AtomicInteger();
    private volatile boolean closing;
    /** The writer's current frame is waiting on the client's network. Guarded by this. */
    private boolean waitingOnClient;
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

    /**
     * Queues a frame; false only if {@code limit} frames are already waiting and the writer is waiting on the client
     * (the client is too slow). If the writer is merely behind, waits for room (at most {@link #ROOM_WAIT}). Once the
     * outbox is finishing, frames are discarded and true is returned: the client is on its way out, which is not the
     * same as being slow.
     */
    // snippet:offer
    public boolean offer(String frame) {
        if (!connection.wants(frame)) {
            return true;
        }
        synchronized (this) { // checked and queued in one step: a frame never lands behind the Close, unsent forever
            long deadline = 0; // read the clock only once the outbox is found full, never on the common path
            while (!closing && frames.get() >= limit) {
                long now = System.nanoTime();
                deadline = deadline == 0 ? now + ROOM_WAIT.toNanos() : deadline;
                long left = deadline - now;
                if (waitingOnClient || left <= 0) {
                    return false; // full because of the client: the model evicts it
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left); // full because of us: the offering thread waits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the server is stopping the offering thread
                    return true;
                }
            }
            if (closing) {
                return true;
            }
            frames.incrementAndGet();
            queue.add(new Frame(frame));
        }
        metrics.queued(1);
        return true;
    }
    // end-snippet

    /**
     * Ends the writer after the frames already queued, closing with this code. Idempotent: true only for the call that
     * closed the outbox.
     */
    public boolean finish(int code, String reason) {
        synchronized (this) {
            if (closing) {
                return false;
            }
            closing = true;
            queue.add(new Close(code, reason));
            notifyAll(); // offers waiting for room stop waiting
            return true;
        }
    }

    /**
     * Shutdown for a model with outboxes: queues a 1001 behind each one's pending frames, then waits for their writers
     * to flush them, until {@code deadline} (a {@link System#nanoTime()} value).
     */
    public static void shutDownAll(List<Outbox> outboxes, long deadline) throws InterruptedException {
        outboxes.forEach(o -> o.finish(StatusCode.SHUTDOWN, "server shutting down")); // after what is queued
        for (Outbox o : outboxes) {
            o.writer().join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
    }

    /**
     * Drops the queued frames (the client will not read them in time) and ends the writer with this close. Returns
     * true only for the call that closed the outbox: several threads may find one client too slow at once, and only
     * one of them should count the eviction and announce the leave. An outbox already closing is left as it is.
     */
    public boolean evict(int code, String reason) {
        if (!finish(code, reason)) {
            return false;
        }
        for (Outgoing dropped : queue) {
            if (dropped instanceof Frame && queue.remove(dropped)) {
                frames.decrementAndGet();
                metrics.queued(-1);
            }
        }
        return true;
    }

    // snippet:write-pump
    private void writeLoop() {
        List<String> batch = new ArrayList<>(BATCH);
        Outgoing next = null; // taken from the queue, not yet handled
        try {
            next = queue.take();
            while (next instanceof Frame) {
                // gorilla's writePump: what is already queued goes out with this frame, as one send
                batch.clear();
                for (; next instanceof Frame(String json) && batch.size() < BATCH; next = queue.poll()) {
                    taken();
                    batch.add(json);
                }
                write(batch);
                next = next == null ? queue.take() : next; // a Frame beyond the batch, the Close, or the next to come
            }
            Close close = (Close) next;
            connection.close(close.code(), close.reason());
        } catch (IOException e) {
            // The write failed or timed out and the connection is closed: the model's reader sees that and lets
            // the model finish this outbox. Until then, discard, so the outbox never looks "too slow".
            connection.close(StatusCode.SERVER_ERROR, "write failed");
            discardUntilClose(next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    // end-snippet

    /** One frame out of the queue: the room it leaves may be what an offer waits for. */
    private void taken() {
        metrics.queued(-1);
        if (frames.getAndDecrement() == limit) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Sends frames and waits for them; while Jetty waits on the client's network, a full outbox is the client's fault. */
    private void write(List<String> frames) throws IOException, InterruptedException {
        CompletableFuture<Void> sent = connection.send(frames);
        if (!sent.isDone()) {
            synchronized (this) {
                waitingOnClient = true;
                notifyAll(); // an offer waiting for room now knows whose fault it is
            }
        }
        try {
            sent.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new ClosedConnectionException("write to " + connection
                    + " failed: " + e.getCause(), e.getCause());
        } finally {
            synchronized (this) {
                waitingOnClient = false;
            }
        }
    }

    /** Drops frames until the Close, which may be the one the failed batch had already taken ({@code next}). */
    private void discardUntilClose(Outgoing next) {
        try {
            for (Outgoing o = next == null ? queue.take() : next; o instanceof Frame; o = queue.take()) {
                taken();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- for tests, which look into the queue or play the writer thread themselves (jcstress) ---------

    /** The frames waiting right now, oldest first (and "close CODE" for a queued close). */
    public List<String> pending() {
        return queue.stream().map(o -> switch (o) {
            case Frame(String json) -> json;
            case Close(int code, String reason) -> "close " + code;
        }).toList();
    }

    /**
     * Does on the calling thread what the writer thread does with every frame queued right now, stopping at a
     * queued close; returns how many frames it wrote. Only for tests that play the writer (the writer must not also
     * be started): a jcstress actor calls it to race the single writer against offers.
     */
    public int writeQueuedNow() throws IOException {
        int written = 0;
        for (Outgoing next; (next = queue.peek()) instanceof Frame(String json) && queue.remove(next); written++) {
            taken();
            connection.write(json);
        }
        return written;
    }
}
