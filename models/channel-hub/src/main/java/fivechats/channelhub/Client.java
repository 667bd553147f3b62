package fivechats.channelhub;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelThreads;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One connected client of the {@link ChannelHub}: gorilla's {@code Client} with its readPump and writePump.
 *
 * <p>Invariant: <b>exactly one thread writes to a connection</b>, this client's writer. The hub and
 * everyone else only put frames into {@link #send}; the writer takes them one at a time and writes them,
 * so two sends can never overlap on one socket.
 */
final class Client {
    /** What the writer takes from the send queue. */
    sealed interface Outgoing {
    }

    /** A frame to write. One instance is shared by every recipient of a broadcast. */
    record Frame(String json) implements Outgoing {
    }

    /** Write nothing more: close with this code, and end the writer. */
    record Close(int code, String reason) implements Outgoing {
    }

    private final ChatConnection connection;
    private final ChannelHub hub;
    private final ChatMetrics metrics;
    /**
     * Frames waiting for the writer. The hub is the only producer. One slot more than the limit is kept
     * free, so a {@link Close} always fits, even behind a full queue.
     */
    private final BlockingQueue<Outgoing> send;
    private final int limit;
    private Thread writer;

    Client(ChatConnection connection, ChannelHub hub, int limit, ChatMetrics metrics) {
        this.connection = connection;
        this.hub = hub;
        this.limit = limit;
        this.metrics = metrics;
        this.send = new ArrayBlockingQueue<>(limit + 1);
    }

    void start(ModelThreads threads) {
        writer = threads.startVirtual("hub-writer-" + connection, this::writeLoop);
        threads.startVirtual("hub-reader-" + connection, this::readLoop);
    }

    ChatConnection connection() {
        return connection;
    }

    Thread writer() {
        return writer;
    }

    // --- called by the hub thread only -----------------------------------------------------------

    /** Queues a frame; false if {@link #limit} frames are already waiting (the hub then evicts). */
    boolean offer(Frame frame) {
        if (send.size() >= limit) {
            return false;
        }
        send.add(frame); // cannot fail: only the hub adds, and it just saw room
        metrics.queued(1);
        return true;
    }

    /** Ends the writer after the frames already queued. */
    void finish(int code, String reason) {
        send.offer(new Close(code, reason)); // the spare slot; a second finish finds it taken and is ignored
    }

    /** Drops what is queued (the client will not read it in time) and ends the writer with this close. */
    void evict(int code, String reason) {
        List<Outgoing> dropped = new ArrayList<>();
        send.drainTo(dropped);
        metrics.queued(-(int) dropped.stream().filter(Frame.class::isInstance).count());
        finish(code, reason);
    }

    // --- the client's own two threads --------------------------------------------------------------

    /** readPump: the only reader of this connection. Registers, forwards each line to the hub, unregisters. */
    private void readLoop() {
        try {
            hub.register(this);
            while (true) {
                hub.broadcast(connection.read());
            }
        } catch (ClosedConnectionException e) {
            // the client is gone: closed, vanished, timed out or evicted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                hub.unregister(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** writePump: the only writer of this connection. */
    private void writeLoop() {
        try {
            while (true) {
                switch (send.take()) {
                    case Frame(String json) -> {
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
            // Write failed or timed out: the connection is closed, so the reader wakes and unregisters us,
            // and the hub then sends the Close that ends this loop.
            connection.close(1011, "write failed");
            drainUntilClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After a failed write: discard frames until the hub's Close arrives, so the queue never looks "too slow". */
    private void drainUntilClose() {
        try {
            while (send.take() instanceof Frame) {
                metrics.queued(-1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
