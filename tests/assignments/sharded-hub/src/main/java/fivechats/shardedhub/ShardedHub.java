package fivechats.shardedhub;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Outbox;
import fivechats.transport.Wire;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * Assignment A's reference solution: the channel hub split into shards, so that fan-out uses every core.
 *
 * <p>Each client belongs to one of {@code n} shards (by connection id). A shard is a small hub: one thread, one
 * inbox, and a list of its clients that no other thread touches. A reader puts each line it reads into every
 * shard's inbox; each shard offers the line to its own clients' outboxes.
 *
 * <p>Invariants:
 * <ul>
 *   <li><b>only a shard's thread touches that shard's client list</b>, so it needs no lock;</li>
 *   <li><b>each connection has exactly one writer</b>: its {@link Outbox}'s thread;</li>
 *   <li><b>membership changes only under {@link #membership}</b>: a newcomer's welcome, its join to everyone and
 *       its arrival in its shard happen in one step, so every client sees presence in one consistent order;</li>
 *   <li>a reader puts its lines into every inbox in the order it read them, and every inbox is FIFO, so every
 *       client gets each sender's lines in order.</li>
 * </ul>
 * Shard threads never take the membership lock (an eviction announces the leave on a thread of its own), so a join
 * that waits for room in a full inbox, lock held, always sees the shard make progress.
 */
public final class ShardedHub implements ChatModel {
    /** One shard per core: fan-out is the work being spread. */
    public static final int DEFAULT_SHARDS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** gorilla's send buffer: a client may fall this many frames behind before it is evicted as too slow. */
    static final int SEND_QUEUE = 256;
    /** Events waiting for one shard; when full, readers block and TCP pushes back on their clients. */
    static final int INBOX_CAPACITY = 1024;

    sealed interface Event {
    }

    record Add(Outbox client) implements Event {
    }

    record Remove(Outbox client) implements Event {
    }

    record Line(String frame) implements Event {
    }

    record Stop(CountDownLatch done) implements Event {
    }

    private final Shard[] shards;
    private final Object membership = new Object();
    /** Everyone online, in join order. Guarded by {@link #membership}. */
    private final Map<Long, Outbox> online = new LinkedHashMap<>();
    /** Guarded by {@link #membership}. */
    private boolean stopping;
    private volatile int registered;
    private ModelContext context;

    /** The constructor the grader uses (through {@code META-INF/services}): one shard per core. */
    public ShardedHub() {
        this(DEFAULT_SHARDS);
    }

    public ShardedHub(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("--shards must be at least 1, was " + shards);
        }
        this.shards = new Shard[shards];
        for (int i = 0; i < shards; i++) {
            this.shards[i] = new Shard();
        }
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
        for (int i = 0; i < shards.length; i++) {
            context.threads().startPlatform("shard-" + i, shards[i]::run);
        }
    }

    @Override
    public void accept(ChatConnection connection) {
        context.threads().startVirtual("reader-" + connection, () -> serve(connection));
    }

    /** readPump: the only reader of this connection. */
    private void serve(ChatConnection connection) {
        Outbox self = new Outbox(connection, SEND_QUEUE, context.metrics()).start(context.threads());
        try {
            if (!join(self)) {
                return;
            }
            while (true) {
                String line = connection.read();
                for (Shard shard : shards) {
                    shard.put(new Line(line));
                }
            }
        } catch (ClosedConnectionException e) {
            // the client is gone: closed, vanished, timed out or evicted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            leave(self, StatusCode.NORMAL, "left");
        }
    }

    private Shard shardOf(Outbox client) {
        return shards[(int) Math.floorMod(client.connection().id(), (long) shards.length)];
    }

    /** Welcome, join and arrival in the shard, as one step. False if the server is already stopping. */
    private boolean join(Outbox self) throws InterruptedException {
        List<Outbox> slow = new ArrayList<>();
        String name = self.connection().name();
        synchronized (membership) {
            if (stopping) {
                self.finish(StatusCode.SHUTDOWN, "server shutting down");
                return false;
            }
            List<String> names = new ArrayList<>(online.values().stream().map(o -> o.connection().name()).toList());
            names.add(name);
            self.offer(Wire.welcome(name, names)); // queued before the client can receive any line
            String join = Wire.join(name);
            for (Outbox other : online.values()) {
                if (!other.offer(join)) {
                    slow.add(other);
                }
            }
            online.put(self.connection().id(), self);
            registered = online.size();
            shardOf(self).put(new Add(self)); // any line put into that inbox after this one reaches the newcomer
        }
        slow.forEach(this::evict);
        return true;
    }

    /** Idempotent: the reader leaves once, however it ended. */
    private void leave(Outbox self, int code, String reason) {
        List<Outbox> slow = new ArrayList<>();
        synchronized (membership) {
            if (online.remove(self.connection().id()) == null) {
                self.finish(code, reason);
                return;
            }
            registered = online.size();
            try {
                shardOf(self).put(new Remove(self)); // shards never take this lock, so the wait always ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the shard will skip its finished outbox; only memory is lost
            }
            self.finish(code, reason);
            String leave = Wire.leave(self.connection().name());
            for (Outbox other : online.values()) {
                if (!other.offer(leave)) {
                    slow.add(other);
                }
            }
        }
        slow.forEach(this::evict);
    }

    /**
     * Too slow: drop what is queued, close with 1008 behind it, and tell the others now, not when its reader notices.
     * The leave runs on a thread of its own because a shard must never wait for the membership lock.
     */
    private void evict(Outbox client) {
        String reason = "too slow: more than " + SEND_QUEUE + " messages waiting; reconnect to continue";
        // Shards and leaves may find one client full at once, and a leave acts on a list it made under the lock: only
        // the call that closes the outbox counts the eviction and announces the leave.
        if (client.evict(StatusCode.POLICY_VIOLATION, reason)) {
            context.metrics().evicted();
            context.threads().startVirtual("evict-" + client.connection(), () -> leave(client, StatusCode.POLICY_VIOLATION, reason));
        }
    }

    @Override
    public int registered() {
        return registered;
    }

    /** Lets every shard hand out the lines it holds, closes every client with 1001 behind them, waits for the writers. */
    @Override
    public void stop() {
        List<Outbox> everyone;
        synchronized (membership) {
            stopping = true;
            everyone = List.copyOf(online.values());
        }
        long deadline = System.nanoTime() + context.config().shutdownGrace().toNanos();
        try {
            CountDownLatch done = new CountDownLatch(shards.length);
            for (Shard shard : shards) {
                shard.put(new Stop(done));
            }
            done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            Outbox.shutDownAll(everyone, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "sharded-hub (" + shards.length + " shards, send queue " + SEND_QUEUE + ")";
    }

    /** One small hub. Its client list is confined to its thread. */
    private final class Shard {
        private final BlockingQueue<Event> inbox = new ArrayBlockingQueue<>(INBOX_CAPACITY);
        private final List<Outbox> clients = new ArrayList<>();
        private volatile boolean exited;

        void put(Event event) throws InterruptedException {
            if (!exited) {
                inbox.put(event); // blocks while the shard is behind: backpressure, not unbounded memory
            }
        }

        void run() {
            try {
                while (true) {
                    switch (inbox.take()) {
                        case Add(Outbox client) -> clients.add(client);
                        case Remove(Outbox client) -> clients.remove(client);
                        case Line(String frame) -> {
                            for (Outbox client : clients) {
                                if (!client.offer(frame)) {
                                    evict(client);
                                }
                            }
                        }
                        case Stop(CountDownLatch done) -> {
                            done.countDown();
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exited = true;
                inbox.clear(); // wakes any reader blocked on put; its lines are no longer wanted
            }
        }
    }
}
