package fivechats.mutexmap;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Wire;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.eclipse.jetty.websocket.api.StatusCode;

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
 *   <li>{@link Fixed}: the map lock guards the map and nothing else. A broadcast copies the map under the read
 *       lock, releases it, and writes outside it, each write under that connection's own lock (one writer at a
 *       time per connection). Dead clients are removed after the read lock is released.</li>
 * </ul>
 * Why this fix rather than another: one exclusive lock around every broadcast would also be correct, but then one
 * slow client blocks every broadcast, and fan-out runs on one thread at a time. With the snapshot and a lock per
 * connection, broadcasts to different connections proceed in parallel. A slow client still holds up the
 * broadcasts that reach it, for at most writeWait, after which the transport drops it.
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

    /** The registry's size, read under the read lock like any other reader of the map. */
    protected int sizeOf(Map<Long, ?> clients) {
        lock.readLock().lock();
        try {
            return clients.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** For the deadlock test: how the map lock looks from outside. */
    public String lockState() {
        return "read holds " + lock.getReadLockCount() + ", write locked " + lock.isWriteLocked()
                + ", threads waiting " + lock.getQueueLength();
    }

    @Override
    public void stop() {
        // nothing queued: every write happens inline on a reader thread
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
                send(connection, Wire.welcome(connection.name(), clients.values().stream().map(ChatConnection::name).toList()));
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
        public int registered() {
            return sizeOf(clients);
        }

        @Override
        public String toString() {
            return "mutex-map naive (broadcast under the read lock)";
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** FIXED: copy under the read lock, write outside it under each connection's own lock, remove afterwards. */
    public static final class Fixed extends MutexMap {
        /** A client and the lock that makes its writes one at a time. */
        private record Member(ChatConnection connection, ReentrantLock writing) {
        }

        private final Map<Long, Member> clients = new HashMap<>();

        @Override
        protected void serve(ChatConnection connection) {
            register(connection);
            try {
                while (true) {
                    broadcast(connection.read());
                }
            } catch (ClosedConnectionException | InterruptedException e) {
                // the client is gone
            } finally {
                removeAndAnnounce(List.of(memberFor(connection)));
            }
        }

        private Member memberFor(ChatConnection connection) {
            lock.readLock().lock();
            try {
                Member member = clients.get(connection.id());
                return member != null ? member : new Member(connection, new ReentrantLock());
            } finally {
                lock.readLock().unlock();
            }
        }

        /** Adds the client, writes its welcome before anyone can broadcast to it, then tells the others. */
        void register(ChatConnection connection) {
            Member self = new Member(connection, new ReentrantLock());
            List<Member> others;
            List<String> online;
            lock.writeLock().lock();
            try {
                others = List.copyOf(clients.values());
                clients.put(connection.id(), self);
                online = clients.values().stream().map(m -> m.connection().name()).toList();
                self.writing().lock(); // taken before anyone can see us: our welcome is written before any broadcast
            } finally {
                lock.writeLock().unlock();
            }
            try {
                send(self, Wire.welcome(connection.name(), online));
            } finally {
                self.writing().unlock();
            }
            sendAll(others, Wire.join(connection.name()));
        }

        // snippet:fixed-broadcast
        void broadcast(String frame) {
            List<Member> snapshot;
            lock.readLock().lock(); // guards the map only: held for a copy, never during a write
            try {
                snapshot = List.copyOf(clients.values());
            } finally {
                lock.readLock().unlock();
            }
            sendAll(snapshot, frame);
        }

        /** Writes to each, one writer at a time per connection; removes the dead with no lock held. */
        private void sendAll(List<Member> recipients, String frame) {
            List<Member> dead = new ArrayList<>();
            for (Member member : recipients) {
                if (!send(member, frame)) {
                    dead.add(member);
                }
            }
            removeAndAnnounce(dead);
        }

        private static boolean send(Member member, String frame) {
            member.writing().lock();
            try {
                member.connection().write(frame);
                return true;
            } catch (IOException e) {
                return false;
            } finally {
                member.writing().unlock();
            }
        }
        // end-snippet

        private void removeAndAnnounce(List<Member> dead) {
            for (Member member : dead) {
                List<Member> remaining;
                lock.writeLock().lock();
                try {
                    if (clients.remove(member.connection().id()) == null) {
                        continue; // someone else removed it and announced it
                    }
                    remaining = List.copyOf(clients.values());
                } finally {
                    lock.writeLock().unlock();
                }
                member.connection().close(StatusCode.NORMAL, "left");
                sendAll(remaining, Wire.leave(member.connection().name()));
            }
        }

        @Override
        public int registered() {
            return sizeOf(clients);
        }

        @Override
        public String toString() {
            return "mutex-map fixed (snapshot under the read lock, a write lock per connection)";
        }
    }
}
