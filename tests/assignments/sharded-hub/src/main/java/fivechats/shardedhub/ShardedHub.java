package fivechats.shardedhub;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Outbox;
import fivechats.transport.SendQueue;
import fivechats.transport.Wire;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
 *       client gets each sender's lines in order. Joins and leaves travel the same inboxes, so <b>a leave reaches
 *       everyone after the leaver's last line</b>: only the leaver's own reader announces it, after its last put.</li>
 * </ul>
 * Shard threads never take the membership lock (an eviction only stops the client's reader, which then leaves), so a
 * join or leave that waits for room in a full inbox, lock held, always sees the shard make progress.
 */
public final class ShardedHub implements ChatModel {
    /** One shard per core: fan-out is the work being spread. */
    public static final int DEFAULT_SHARDS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** gorilla's send buffer: a client may fall this many frames behind before it is evicted as too slow. */
    static final int SEND_QUEUE = 256;
    /** Events waiting for one shard; when full, readers block and TCP pushes back on their clients. */
    static final int INBOX_CAPACITY = 1024;

    sealed interface Event {}

    record Add(Outbox client) implements Event {}

    record Remove(Outbox client) implements Event {}

    record Line(String frame) implements Event {}

    record Stop(CountDownLatch done) implements Event {}

    private final Shard[] shards;
    private final Object membership = new Object();
    /** Everyone online, in join order. */
    @GuardedBy("membership")
    private final Map<Long, Outbox> online = new LinkedHashMap<>();

    @GuardedBy("membership")
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
        Outbox self = new Outbox(connection, SEND_QUEUE, context.config().writeWait(), context.metrics())
                .start(context.threads());
        try {
            if (!join(self)) {
                return;
            }
            while (true) {
                toEveryShard(new Line(connection.read()));
            }
        } catch (ClosedConnectionException e) {
            // the client is gone: closed, vanished, timed out or evicted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            leave(self, CloseCode.NORMAL, "left");
        }
    }

    private Shard shardOf(Outbox client) {
        return shards[(int) Math.floorMod(client.connection().id(), (long) shards.length)];
    }

    /** Welcome, join and arrival in the shard, as one step. False if the server is already stopping. */
    boolean join(Outbox self) throws InterruptedException {
        String name = self.connection().name();
        synchronized (membership) {
            if (stopping) {
                self.finish(CloseCode.SHUTDOWN, "server shutting down");
                return false;
            }
            List<String> names = new ArrayList<>(
                    online.values().stream().map(o -> o.connection().name()).toList());
            names.add(name);
            self.offer(Wire.welcome(name, names)); // queued before the client can receive any line
            online.put(self.connection().id(), self);
            registered = online.size();
            toEveryShard(new Line(Wire.join(name))); // through the shards, like lines: one order for all of them
            shardOf(self).put(new Add(self)); // after its own join: any line put into that inbox after this reaches it
        }
        return true;
    }

    /** The reader leaves, once, however it ended (closed, vanished, or evicted and stopped). */
    private void leave(Outbox self, CloseCode code, String reason) {
        synchronized (membership) {
            self.finish(code, reason);
            if (online.remove(self.connection().id()) == null) {
                return; // it never joined: the server was stopping
            }
            registered = online.size();
            try {
                shardOf(self).put(new Remove(self)); // shards never take this lock, so the wait always ends
                // Through every shard, behind this reader's own lines: <b>a leave never overtakes the leaver's
                // lines</b>.
                toEveryShard(new Line(Wire.leave(self.connection().name())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the server is stopping: the shards are going too
            }
        }
    }

    private void toEveryShard(Event event) throws InterruptedException {
        for (Shard shard : shards) {
            shard.put(event);
        }
    }

    /**
     * Too slow: drop what is queued, close with 1008 behind it, and stop its reader, which then leaves as every reader
     * does, after its last line. Shards may find one client full at once: only the call that closes it counts.
     */
    private void evict(Outbox client) {
        String reason = SendQueue.tooSlow(SEND_QUEUE);
        if (client.evict(CloseCode.POLICY_VIOLATION, reason)) {
            context.metrics().evicted();
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
                while (handle(inbox.take())) {
                    // one event at a time, in the order they were put
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exited = true;
                inbox.clear(); // wakes any reader blocked on put; its lines are no longer wanted
            }
        }

        /** Handles one event; false for Stop, after which the shard ends. */
        private boolean handle(Event event) {
            switch (event) {
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
                    return false;
                }
            }
            return true;
        }
    }

    // --- for tests that play the shard threads themselves (jcstress, the grader's explorer): none is started --------

    /** What every shard thread does with the events queued right now, here on the calling thread. */
    void handleQueued() {
        for (Shard shard : shards) {
            for (Event event; (event = shard.inbox.poll()) != null; ) {
                shard.handle(event);
            }
        }
    }
}
