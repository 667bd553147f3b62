package fivechats.transport;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One connection's single writer behind a bounded {@link SendQueue}: gorilla's {@code client.send} channel and its
 * {@code writePump}. Used by the models whose fix is "exactly one writer per connection".
 *
 * <p>Invariant: <b>the outbox's writer thread is the only thread that writes to its connection</b>. Any
 * number of threads may {@link #offer} at once; they only queue. At most {@code limit} frames wait. The writer
 * sends what it finds queued as one send ({@link ChatConnection#send(List)}): one network write for a burst.
 *
 * <p>An offer to a full outbox follows the one full-queue rule in {@link SendQueue}: it returns false (evict) when
 * a send to the client has been stuck on its network for {@link SendQueue#STALL}, and otherwise waits for room, at
 * most the write wait.
 */
public final class Outbox {
    /**
     * The most frames one send takes from the queue: enough to turn a burst into a few network writes, few enough
     * that the list stays small. The transport writes them in chunks Jetty accepts (see {@link ChatConnection#send(List)}).
     */
    static final int BATCH = 64;

    private final ChatConnection connection;
    private final SendQueue queue;
    private Thread writer;

    /** @param writeWait the configured write wait ({@code --write-wait}): the longest an offer waits for room */
    public Outbox(ChatConnection connection, int limit, Duration writeWait, ChatMetrics metrics) {
        this.connection = connection;
        this.queue = new SendQueue(limit, writeWait, metrics);
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

    // snippet:offer
    /**
     * Queues a frame; false only if the client is too slow ({@link SendQueue#offer}): the caller evicts it. Returns at
     * once while there is room; on a full outbox it may wait, at most the write wait. Once the outbox is finishing,
     * frames are discarded and true is returned: the client is on its way out, which is not the same as being slow.
     */
    public boolean offer(String frame) {
        return !connection.wants(frame) || queue.offer(frame); // a join for a client with presence=off is skipped
    }
    // end-snippet

    /**
     * Ends the writer after the frames already queued, closing with this code. Idempotent: true only for the call that
     * closed the outbox.
     */
    public boolean finish(CloseCode code, String reason) {
        return queue.finish(code, reason);
    }

    /**
     * The client is too slow: drops its queued frames (it will not read them in time), ends the writer with this
     * close, and stops its reader ({@link ChatConnection#stopReading}), so that its own reader announces its leave after
     * its last line. True only for the call that closed the outbox: several threads may find one client too slow at
     * once, and only one of them should count the eviction.
     */
    public boolean evict(CloseCode code, String reason) {
        boolean first = queue.evict(code, reason); // first: closing and counting are one step, whoever else finishes it
        connection.stopReading(reason);
        return first;
    }

    /**
     * Shutdown for a model with outboxes: queues a 1001 behind each one's pending frames, then waits for their writers
     * to flush them, until {@code deadline} (a {@link System#nanoTime()} value).
     */
    public static void shutDownAll(List<Outbox> outboxes, long deadline) throws InterruptedException {
        outboxes.forEach(o -> o.finish(CloseCode.SHUTDOWN, "server shutting down")); // after what is queued
        for (Outbox o : outboxes) {
            o.writer().join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
    }

    // snippet:write-pump
    private void writeLoop() {
        try {
            // gorilla's writePump: what is already queued goes out together, as one send
            for (List<String> batch; !(batch = queue.awaitTake(BATCH)).isEmpty(); ) {
                write(batch);
            }
            connection.close(queue.closeCode(), queue.closeReason()); // finishing, and everything queued is sent
        } catch (IOException e) {
            // The write failed or timed out and the connection is closed: the model's reader sees that and leaves.
            // Until then, offers are discarded (the queue is closed), so the outbox never looks "too slow".
            connection.close(CloseCode.SERVER_ERROR, "write failed");
            queue.evict(CloseCode.SERVER_ERROR, "write failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    // end-snippet

    /** Sends frames and waits for them; the time Jetty waits on the client's network is what the full-queue rule judges. */
    private void write(List<String> frames) throws IOException, InterruptedException {
        CompletableFuture<Void> sent = connection.send(frames);
        if (!sent.isDone()) {
            queue.sendWaiting();
        }
        try {
            sent.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io
                    ? io
                    : new ClosedConnectionException(
                            "write to " + connection + " failed: " + e.getCause(), e.getCause());
        } finally {
            queue.sent();
        }
    }

    // --- for tests, which look into the queue or play the writer thread themselves (jcstress) ---------

    /** The frames waiting right now, oldest first (and "close CODE" for a queued close). */
    public List<String> pending() {
        return queue.pending();
    }

    /**
     * Does on the calling thread what the writer thread does with every frame queued right now; returns how many
     * frames it wrote. Only for tests that play the writer (the writer must not also be started): a jcstress actor
     * calls it to race the single writer against offers.
     */
    public int writeQueuedNow() throws IOException {
        int written = 0;
        for (List<String> one; !(one = queue.take(1)).isEmpty(); written++) {
            connection.write(one.getFirst());
        }
        return written;
    }
}
