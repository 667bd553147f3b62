package fivechats.threadperconnection;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Outbox;
import fivechats.transport.SendQueue;
import fivechats.transport.TransportConfig;
import fivechats.transport.Wire;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The thread-per-connection model: each client gets its own reader thread, the Java form of Go's
 * {@code go handleConn(conn)}. The two variants differ only in who writes and how the registry is shared.
 *
 * <ul>
 *   <li>{@link Naive}: a plain {@code HashMap}, and each reader writes every line to every connection itself.
 *       Two readers broadcasting at once write to the same connection at once: the transport refuses the
 *       second write ({@code IllegalStateException: concurrent write}), and that client never gets the line.</li>
 *   <li>{@link Fixed}: a {@code ConcurrentHashMap}, and each connection has exactly one writer behind a bounded
 *       {@link Outbox}; readers only queue. A client whose outbox is full is evicted with 1008.</li>
 * </ul>
 */
public abstract sealed class ThreadPerConnection implements ChatModel {
    /** Readers on virtual threads (cheap: thousands are fine) or platform threads (a megabyte of stack each). */
    public enum Threads {
        VIRTUAL,
        PLATFORM
    }

    protected final Threads threads;
    protected ModelContext context;

    ThreadPerConnection(Threads threads) {
        this.threads = threads;
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
    }

    /** Starts this client's reader: one thread per connection is the whole idea. */
    @Override
    public void accept(ChatConnection connection) {
        Runnable reader = () -> serve(connection);
        if (threads == Threads.VIRTUAL) {
            context.threads().startVirtual("reader-" + connection, reader);
        } else {
            context.threads().startPlatform("reader-" + connection, reader);
        }
    }

    /** Runs on the client's own reader thread for as long as the client is connected. */
    protected abstract void serve(ChatConnection connection);

    // ---------------------------------------------------------------------------------------------

    /**
     * NAIVE, as the Go articles first write it: a map every reader touches without a lock, and a broadcast that
     * writes to every connection from whichever reader got the line. Nothing stops two readers from writing to
     * one connection at the same moment.
     */
    public static final class Naive extends ThreadPerConnection {
        /** BROKEN: a plain HashMap, read and written by every reader thread at once. */
        private final Map<Long, ChatConnection> clients = new HashMap<>();

        public Naive(Threads threads) {
            super(threads);
        }

        @Override
        // snippet:naive-serve
        protected void serve(ChatConnection connection) {
            register(connection);
            send(connection, Wire.welcome(connection, clients.values().stream().map(ChatConnection::name)));
            broadcast(Wire.join(connection.name()), connection);
            try {
                while (true) {
                    broadcast(connection.read(), null);
                }
            } catch (ClosedConnectionException | InterruptedException e) {
                // the client is gone
            } finally {
                unregister(connection);
                broadcast(Wire.leave(connection.name()), null);
            }
        }
        // end-snippet

        // snippet:naive-broadcast
        /** BROKEN: a put into a HashMap that other readers read and write at the same time. */
        void register(ChatConnection connection) {
            clients.put(connection.id(), connection);
        }

        void unregister(ChatConnection connection) {
            clients.remove(connection.id());
        }

        /** BROKEN: this reader writes to every connection itself, while other readers may be writing to them too. */
        void broadcast(String frame, ChatConnection except) {
            for (ChatConnection client : List.copyOf(clients.values())) {
                if (client != except) {
                    send(client, frame);
                }
            }
        }

        /** A failed write is skipped, like Go's {@code if err != nil { continue }}: that client just misses the line. */
        private static void send(ChatConnection client, String frame) {
            try {
                client.write(frame);
            } catch (IOException | IllegalStateException e) {
                // lost for this client
            }
        }
        // end-snippet

        @Override
        public int registered() {
            return clients.size();
        }

        @Override
        public void stop() {
            // nothing queued: every write happens inline on a reader thread
        }

        @Override
        public String toString() {
            return "thread-per-connection naive (" + threads.name().toLowerCase() + " threads)";
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * FIXED: readers only queue; each connection's single {@link Outbox} writer does the writing. The registry
     * is a ConcurrentHashMap, and joins and leaves take one small lock so that every client sees presence in one
     * consistent order (a newcomer's welcome before any other frame, a join before that client's lines).
     */
    public static final class Fixed extends ThreadPerConnection {
        public static final int DEFAULT_SEND_QUEUE = 256;

        private final int sendQueue;
        /** Safe to iterate while others join and leave: broadcasts never lock. */
        private final Map<Long, Outbox> clients = new ConcurrentHashMap<>();
        /** Held only to join or leave (never while writing), so presence frames are queued in one order. */
        private final Object membership = new Object();

        private ChatMetrics metrics;
        /** How long an offer may wait for room in a full outbox: the configured write wait. */
        private Duration writeWait;

        public Fixed(Threads threads, int sendQueue) {
            super(threads);
            this.sendQueue = sendQueue;
        }

        @Override
        public void start(ModelContext context) {
            super.start(context);
            this.metrics = context.metrics();
            this.writeWait = context.config().writeWait();
        }

        @Override
        protected void serve(ChatConnection connection) {
            Outbox self = outbox(connection, sendQueue);
            join(self);
            // Its writer only now: its first send, the welcome, goes out once broadcasts reach this client. The
            // transport completes a welcome as it sends it (in a cluster, with the other servers' clients), and one
            // sent
            // before the client is in the map could miss a join broadcast meanwhile.
            self.start(context.threads());
            try {
                while (true) {
                    broadcast(connection.read());
                }
            } catch (ClosedConnectionException | InterruptedException e) {
                // the client is gone
            } finally {
                leave(self, CloseCode.NORMAL, "left");
            }
        }

        // snippet:fixed-broadcast
        /** Readers only queue: the frame goes into every outbox, and each outbox's single writer sends it. */
        void broadcast(String line) {
            SequencedSet<Outbox> tooSlow = new LinkedHashSet<>();
            for (Outbox client : clients.values()) {
                if (!client.offer(line)) {
                    tooSlow.add(client);
                }
            }
            evict(tooSlow);
        }
        // end-snippet

        Outbox outbox(ChatConnection connection, int limit) {
            return new Outbox(connection, limit, writeWait, metrics);
        }

        void join(Outbox self) {
            String name = self.connection().name();
            SequencedSet<Outbox> tooSlow = new LinkedHashSet<>();
            synchronized (membership) {
                Stream<String> online = Stream.concat(
                        clients.values().stream().map(o -> o.connection().name()), Stream.of(name));
                // queued before the client is visible to any broadcast
                self.offer(Wire.welcome(self.connection(), online));
                String join = Wire.join(name);
                for (Outbox other : clients.values()) {
                    if (!other.offer(join)) {
                        tooSlow.add(other);
                    }
                }
                clients.put(self.connection().id(), self);
            }
            evict(tooSlow);
        }

        /** The client's reader leaves: remove it and queue its leave for the others. Called once, by that reader. */
        void leave(Outbox self, CloseCode code, String reason) {
            SequencedSet<Outbox> tooSlow = new LinkedHashSet<>();
            synchronized (membership) {
                clients.remove(self.connection().id());
                self.finish(code, reason);
                String leave = Wire.leave(self.connection().name());
                for (Outbox other : clients.values()) {
                    if (!other.offer(leave)) {
                        tooSlow.add(other);
                    }
                }
            }
            evict(tooSlow);
        }

        /**
         * Evicts every client found too slow: its outbox drops what it holds and closes with 1008, and its reader is
         * stopped. <b>Only a client's own reader announces its leave</b>, after its last line: the evicted reader leaves
         * as every reader does (from {@link #serve}'s finally), so nobody hears a line from it after its leave. Counted
         * once per client, however many broadcasts found it full.
         */
        private void evict(SequencedSet<Outbox> tooSlow) {
            String reason = SendQueue.tooSlow(sendQueue);
            for (Outbox client : tooSlow) {
                if (client.evict(CloseCode.POLICY_VIOLATION, reason)) {
                    metrics.evicted();
                }
            }
        }

        @Override
        public int registered() {
            return clients.size();
        }

        /** Queues a 1001 behind each client's pending frames, then waits for the writers to flush them. */
        @Override
        public void stop() {
            Duration grace = context.config().shutdownGrace();
            long deadline = System.nanoTime() + grace.toNanos();
            List<Outbox> all;
            synchronized (membership) {
                all = List.copyOf(clients.values());
            }
            try {
                Outbox.shutDownAll(all, deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return "thread-per-connection fixed (" + threads.name().toLowerCase() + " threads, send queue " + sendQueue
                    + ")";
        }

        // --- for tests that play the readers themselves (jcstress) ---

        /** Instead of {@link #start}: metrics attached, no thread started. */
        void attach(ChatMetrics metrics) {
            this.metrics = metrics;
            this.writeWait = TransportConfig.defaults().writeWait();
        }
    }
}
