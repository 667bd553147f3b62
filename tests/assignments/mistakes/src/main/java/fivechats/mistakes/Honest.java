package fivechats.mistakes;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Outbox;
import fivechats.transport.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control: assignment B's shape done right, which the grader must PASS. A reader thread per client, one
 * {@link Outbox} writer per client, a concurrent registry that broadcasts walk without a lock, and one small lock
 * around joins and leaves. Each mistake in this package is this model with one step done the way students do it.
 *
 * <p>Invariants: <b>at most one writer per connection</b> (its outbox's); <b>presence changes one at a time</b>
 * (under {@code membership}), so every client sees joins and leaves in one order, and a newcomer's welcome is queued
 * before any broadcast can find it.
 */
public class Honest implements ChatModel {
    /** The close reason of an evicted client. */
    protected static final String TOO_SLOW = "too slow: stopped reading";
    /** Frames one client may have waiting before it is too slow and is evicted with 1008. */
    protected static final int SEND_QUEUE = 256;

    protected ModelContext context;
    /** Safe to walk while others join and leave: broadcasts never lock. */
    protected final Map<Long, Outbox> clients;
    /** Held to join or leave, never while writing. */
    protected final Object membership = new Object();

    public Honest() {
        this(new ConcurrentHashMap<>());
    }

    protected Honest(Map<Long, Outbox> registry) {
        this.clients = registry;
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
    }

    @Override
    public void accept(ChatConnection connection) {
        context.threads().startVirtual("reader-" + connection, () -> serve(connection));
    }

    private void serve(ChatConnection connection) {
        Outbox self = new Outbox(connection, SEND_QUEUE, context.config().writeWait(), context.metrics())
                .start(context.threads());
        join(self);
        try {
            while (true) {
                broadcast(connection.read());
            }
        } catch (ClosedConnectionException | InterruptedException gone) {
            // the client left, or the server is stopping
        } finally {
            leave(self, CloseCode.NORMAL, "left");
        }
    }

    protected void join(Outbox self) {
        String name = self.connection().name();
        synchronized (membership) {
            List<String> online = new ArrayList<>(names());
            online.add(name);
            self.offer(Wire.welcome(name, online)); // before any broadcast can find the newcomer
            broadcast(Wire.join(name));
            clients.put(self.connection().id(), self);
        }
    }

    /** The reader's leave, after its last line. Idempotent all the same: only the first call announces it. */
    protected boolean leave(Outbox client, CloseCode code, String reason) {
        synchronized (membership) {
            if (clients.remove(client.connection().id()) == null) {
                return false;
            }
            client.finish(code, reason);
            broadcast(Wire.leave(client.connection().name()));
            return true;
        }
    }

    /** Readers only queue; a client whose queue is full is evicted. */
    protected void broadcast(String frame) {
        for (Outbox client : clients.values()) {
            if (!client.offer(frame)) {
                full(client);
            }
        }
    }

    /**
     * A full queue means the client stopped reading: close it with 1008 rather than lose its lines silently. Evicting
     * also stops its reader, which then leaves as every reader does: its leave comes after its last line.
     */
    protected void full(Outbox client) {
        if (client.evict(CloseCode.POLICY_VIOLATION, TOO_SLOW)) {
            context.metrics().evicted();
        }
    }

    protected List<String> names() {
        return clients.values().stream().map(o -> o.connection().name()).toList();
    }

    @Override
    public int registered() {
        return clients.size();
    }

    @Override
    public void stop() {
        List<Outbox> all;
        synchronized (membership) {
            all = List.copyOf(clients.values());
        }
        try {
            Outbox.shutDownAll(
                    all, System.nanoTime() + context.config().shutdownGrace().toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
