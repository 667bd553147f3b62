package fivechats.mutexmap;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Outbox;
import fivechats.transport.SendQueue;
import fivechats.transport.Wire;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * The mutex-map model: one map of clients behind a {@code ReentrantReadWriteLock} (Go's {@code sync.RWMutex}),
 * and every client's reader thread broadcasts its own lines by walking that map.
 *
 * <ul>
 *   <li>{@link Naive}, as the Go articles write it: broadcast under the <em>read</em> lock, writing to each
 *       connection; on a failed write, remove the client. Two faults. The read lock is shared, so two readers
 *       broadcast at once and write to the same connection at once (the transport refuses the second write and
 *       the line is lost). And removing takes the write lock while this thread still holds the read lock: a read
 *       lock cannot be upgraded, so the thread waits for itself forever, and every later broadcast queues
 *       behind it. The chat freezes.</li>
 *   <li>{@link Fixed}: the map lock guards the map and nothing else, and nobody writes under it. Each connection
 *       gets its own writer thread behind a bounded {@link Outbox}, as the Go article gives each connection a read
 *       and a write goroutine; a broadcast walks the map under the read lock and only queues. A client whose outbox
 *       is full while its writer waits on it is evicted with 1008, after the read lock is released.</li>
 * </ul>
 * Why this fix rather than another: writing under the lock (exclusive, or a lock per connection on a snapshot) would
 * also stop the overlaps, but then the broadcaster waits on every client it writes to: each client that stops
 * reading stalls every line for the write deadline, and the stalls add up. With a writer per connection, nobody
 * waits on a client but that client's own writer.
 */
public abstract sealed class MutexMap implements ChatModel {
    protected final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    protected ModelContext context;

    @Override
    public void start(ModelContext context) {
        this.context = context;
    }

    @Override
    public void accept(ChatConnection connection) {
        context.threads().startVirtual("reader-" + connection, () -> serve(connection));
    }

    protected abstract void serve(ChatConnection connection);

    /**
     * The registry's size, written under the write lock whenever the map changes. Read without the lock: /stats and
     * /metrics ask for it on Jetty's threads, and <b>no HTTP request ever waits for the map lock</b>, not even after the
     * naive form has deadlocked on it.
     */
    protected volatile int registered;

    @Override
    public int registered() {
        return registered;
    }

    /** For the deadlock test: how the map lock looks from outside. */
    public String lockState() {
        return "read holds " + lock.getReadLockCount() + ", write locked " + lock.isWriteLocked() + ", threads waiting "
                + lock.getQueueLength();
    }

    @Override
    public void stop() {
        // the naive form queues nothing: every write happens inline on a reader thread
    }

    // ---------------------------------------------------------------------------------------------

    /** NAIVE: broadcast under the read lock; remove a dead client while still holding it. */
    public static final class Naive extends MutexMap {
        private final Map<Long, ChatConnection> clients = new HashMap<>();

        @Override
        protected void serve(ChatConnection connection) {
            register(connection);
            broadcast(Wire.join(connection.name()), connection);
            try {
                while (true) {
                    broadcast(connection.read(), null);
                }
            } catch (ClosedConnectionException | InterruptedException e) {
                // the client is gone
            } finally {
                remove(connection);
                broadcast(Wire.leave(connection.name()), null);
            }
        }

        /** Adds the client and writes its welcome, under the write lock. */
        void register(ChatConnection connection) {
            lock.writeLock().lock();
            try {
                clients.put(connection.id(), connection);
                registered = clients.size();
                send(
                        connection,
                        Wire.welcome(connection, clients.values().stream().map(ChatConnection::name)));
            } finally {
                lock.writeLock().unlock();
            }
        }

        // snippet:naive-broadcast
        void broadcast(String frame, ChatConnection except) {
            lock.readLock().lock(); // BROKEN: shared, so other readers broadcast to the same connections right now
            try {
                for (ChatConnection client : List.copyOf(clients.values())) {
                    if (client == except) {
                        continue;
                    }
                    try {
                        client.write(frame);
                    } catch (IllegalStateException overlap) {
                        // another broadcast is writing to this client: the line is lost for it
                    } catch (IOException dead) {
                        remove(client); // BROKEN: takes the write lock while this thread holds the read lock
                    }
                }
            } finally {
                lock.readLock().unlock();
            }
        }

        private void remove(ChatConnection client) {
            lock.writeLock().lock(); // waits until every read lock is released, including this thread's own
            try {
                clients.remove(client.id());
                registered = clients.size();
            } finally {
                lock.writeLock().unlock();
            }
        }
        // end-snippet

        private static void send(ChatConnection client, String frame) {
            try {
                client.write(frame);
            } catch (IOException | IllegalStateException e) {
                // lost for this client
            }
        }

        @Override
        public String toString() {
            return "mutex-map naive (broadcast under the read lock)";
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * FIXED: the map lock guards the map, and each connection has its own writer behind a bounded {@link Outbox}, as
     * the Go article gives each connection a read and a write goroutine. A broadcast only queues, so it may hold the
     * read lock for the whole walk; the write lock is taken to join or leave, which is also when presence is queued,
     * so every client hears joins and leaves in the one order the map changed in.
     */
    public static final class Fixed extends MutexMap {
        public static final int DEFAULT_SEND_QUEUE = 256;

        private final int sendQueue;
        private final Map<Long, Outbox> clients = new HashMap<>();

        public Fixed(int sendQueue) {
            this.sendQueue = sendQueue;
        }

        @Override
        protected void serve(ChatConnection connection) {
            Outbox self = new Outbox(connection, sendQueue, context.config().writeWait(), context.metrics())
                    .start(context.threads());
            register(self);
            try {
                while (true) {
                    broadcast(connection.read());
                }
            } catch (ClosedConnectionException | InterruptedException e) {
                // the client is gone
            } finally {
                remove(self, CloseCode.NORMAL, "left");
            }
        }

        /** Adds the client; its welcome and the others' joins are queued under the write lock, in map order. */
        void register(Outbox self) {
            String name = self.connection().name();
            SequencedSet<Outbox> tooSlow = new LinkedHashSet<>();
            lock.writeLock().lock();
            try {
                Stream<String> online = Stream.concat(
                        clients.values().stream().map(o -> o.connection().name()), Stream.of(name));
                // before the client is in the map: before any broadcast
                self.offer(Wire.welcome(self.connection(), online));
                offerAll(Wire.join(name), tooSlow);
                clients.put(self.connection().id(), self);
                registered = clients.size();
            } finally {
                lock.writeLock().unlock();
            }
            evict(tooSlow);
        }

        // snippet:fixed-broadcast
        void broadcast(String frame) {
            SequencedSet<Outbox> tooSlow = new LinkedHashSet<>();
            lock.readLock().lock(); // shared: broadcasts walk the map together, and only queue
            try {
                offerAll(frame, tooSlow); // each outbox's single writer does the writing
            } finally {
                lock.readLock().unlock();
            }
            evict(tooSlow); // after the read lock is released: a read lock cannot be upgraded
        }
        // end-snippet

        /** Queues the frame for every client in the map; those too slow to take it go on {@code tooSlow}. */
        private void offerAll(String frame, SequencedSet<Outbox> tooSlow) {
            for (Outbox client : clients.values()) {
                if (!client.offer(frame)) {
                    tooSlow.add(client);
                }
            }
        }

        /** The client's reader leaves: remove it and queue its leave for the others, under the write lock. */
        void remove(Outbox self, CloseCode code, String reason) {
            SequencedSet<Outbox> tooSlow = new LinkedHashSet<>();
            lock.writeLock().lock();
            try {
                clients.remove(self.connection().id());
                registered = clients.size();
                self.finish(code, reason);
                offerAll(Wire.leave(self.connection().name()), tooSlow);
            } finally {
                lock.writeLock().unlock();
            }
            evict(tooSlow);
        }

        /**
         * Evicts every client found too slow, after the lock is released: its outbox drops what it holds and closes with
         * 1008, and its reader is stopped. <b>Only a client's own reader announces its leave</b>, after its last line: the
         * evicted reader leaves as every reader does ({@link #remove} from {@link #serve}), so nobody hears a line from
         * it after its leave. Counted once per client.
         */
        private void evict(SequencedSet<Outbox> tooSlow) {
            String reason = SendQueue.tooSlow(sendQueue);
            for (Outbox client : tooSlow) {
                if (client.evict(CloseCode.POLICY_VIOLATION, reason)) {
                    context.metrics().evicted();
                }
            }
        }

        /** Queues a 1001 behind each client's pending frames, then waits for the writers to flush them. */
        @Override
        public void stop() {
            long deadline = System.nanoTime() + context.config().shutdownGrace().toNanos();
            List<Outbox> all;
            lock.readLock().lock();
            try {
                all = List.copyOf(clients.values());
            } finally {
                lock.readLock().unlock();
            }
            try {
                Outbox.shutDownAll(all, deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return "mutex-map fixed (the lock guards the map; one writer per connection, send queue " + sendQueue + ")";
        }
    }
}
