package fivechats.channelhub;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ChatModel;
import fivechats.transport.ModelContext;
import fivechats.transport.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * The channel-hub model: gorilla's chat hub in Java.
 *
 * <p>Invariant: <b>only the hub thread touches the registry</b> ({@link #clients}). Nothing else reads or
 * writes it, so it needs no lock; other threads talk to the hub by putting events into its inbox. Go's
 * hub selects over three channels (register, unregister, broadcast); Java has no select over several
 * queues, so the three become one queue of events, which also keeps their order: a reader's register
 * always comes before its broadcasts, and its unregister after them.
 *
 * <p>The hub never blocks on a client: it offers each frame to the client's bounded send queue, and a
 * client whose queue is full is evicted (closed with 1008) instead of stalling everyone else.
 * Each {@link Client} has a reader thread and an {@link fivechats.transport.Outbox} with its single writer.
 */
public final class ChannelHub implements ChatModel {
    /** gorilla's send buffer: a client may fall this many frames behind before it is evicted as too slow. */
    public static final int DEFAULT_SEND_QUEUE = 256;
    /**
     * Events waiting for the hub. When it is full, readers block on put, stop reading their sockets, and
     * their clients feel TCP backpressure: the role of gorilla's unbuffered broadcast channel, with room
     * for a burst.
     */
    static final int INBOX_CAPACITY = 1024;

    /** What readers and {@link #stop()} ask of the hub. */
    sealed interface Event {
    }

    record Register(Client client) implements Event {
    }

    record Unregister(Client client) implements Event {
    }

    record Broadcast(String frame) implements Event {
    }

    /** Flush every client, then close it with 1001; the hub answers with the writers to wait for. */
    record Stop(CompletableFuture<List<Thread>> writers) implements Event {
    }

    private final int sendQueue;
    private final BlockingQueue<Event> inbox = new LinkedBlockingQueue<>(INBOX_CAPACITY);
    /** The registry, in join order. Confined to the hub thread. */
    private final Set<Client> clients = new LinkedHashSet<>();
    /** A copy of clients.size() for other threads (tests, metrics); written only by the hub thread. */
    private volatile int registered;
    private volatile boolean exited;

    private ModelContext context;
    private ChatMetrics metrics;

    public ChannelHub(int sendQueue) {
        if (sendQueue < 1) {
            throw new IllegalArgumentException("--send-queue must be at least 1, was " + sendQueue);
        }
        this.sendQueue = sendQueue;
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
        this.metrics = context.metrics();
        context.threads().startPlatform("hub", this::run);
    }

    /** Called on a Jetty thread: start the client's two threads and return at once. */
    @Override
    public void accept(ChatConnection connection) {
        Client client = new Client(connection, this, sendQueue, metrics);
        client.start(context.threads());
    }

    @Override
    public int registered() {
        return registered;
    }

    @Override
    public void stop() {
        Duration grace = context.config().shutdownGrace();
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            CompletableFuture<List<Thread>> writers = new CompletableFuture<>();
            if (!inbox.offer(new Stop(writers), grace.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
            for (Thread writer : writers.get(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                writer.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the hub did not answer in time; the transport closes every client anyway
        }
    }

    // --- what client threads call ----------------------------------------------------------------

    void register(Client client) throws InterruptedException {
        submit(new Register(client));
        if (exited) { // the hub has gone (a shutdown): nobody else will ever end this client's writer
            client.outbox().finish(StatusCode.SHUTDOWN, "server shutting down");
        }
    }

    void unregister(Client client) throws InterruptedException {
        submit(new Unregister(client));
    }

    void broadcast(String frame) throws InterruptedException {
        submit(new Broadcast(frame));
    }

    private void submit(Event event) throws InterruptedException {
        if (!exited) {
            inbox.put(event); // blocks while the hub is behind: backpressure, not unbounded memory
        }
    }

    // --- the hub thread --------------------------------------------------------------------------

    /** Set by the hub thread when a Stop arrives; from then on it only drains. */
    private boolean stopping;

    // snippet:hub-loop
    private void run() {
        try {
            while (!(stopping && clients.isEmpty())) {
                handle(inbox.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exited = true;
            // Wakes any reader still blocked on put. Its events are no longer wanted, but a newcomer's writer must end.
            for (Event late; (late = inbox.poll()) != null; ) {
                if (late instanceof Register(Client client)) {
                    client.outbox().finish(StatusCode.SHUTDOWN, "server shutting down");
                }
            }
        }
    }
    // end-snippet

    // snippet:handle
    /** One event. Called only by the hub thread (and by jcstress, as it). */
    void handle(Event event) {
        switch (event) {
            case Register(Client client) -> {
                if (stopping) {
                    client.outbox().finish(StatusCode.SHUTDOWN, "server shutting down");
                } else {
                    add(client);
                }
            }
            case Unregister(Client client) -> remove(client, "left");
            case Broadcast(String frame) -> {
                if (!stopping) {
                    deliver(frame);
                }
            }
            case Stop(CompletableFuture<List<Thread>> writers) -> {
                stopping = true;
                List<Thread> flushing = new ArrayList<>();
                for (Client client : clients) {
                    client.outbox().finish(StatusCode.SHUTDOWN, "server shutting down"); // after what is queued
                    flushing.add(client.outbox().writer());
                }
                writers.complete(flushing);
            }
        }
        evictTooSlow();
        registered = clients.size();
    }
    // end-snippet

    private void add(Client client) {
        clients.add(client);
        List<String> online = clients.stream().map(c -> c.connection().name()).toList();
        offer(client, Wire.welcome(client.connection().name(), online));
        String join = Wire.join(client.connection().name());
        for (Client other : clients) {
            if (other != client) {
                offer(other, join);
            }
        }
    }

    private void deliver(String frame) {
        for (Client client : clients) {
            offer(client, frame);
        }
    }

    /**
     * Clients found too slow, waiting to be evicted. A worklist, not a call: evicting one client announces its leave
     * to the others, which may find more clients full, and so on. Handled in a loop after each event, that chain
     * costs one queue entry per client, never one stack frame per client (3,000 full clients once overflowed the
     * hub thread's stack and silenced the chat for good).
     */
    private final LinkedHashSet<Client> tooSlow = new LinkedHashSet<>(); // a set: a client is on it once, however often found full

    /** The hub never blocks on a client: a full queue puts the client on the worklist instead. */
    private void offer(Client client, String frame) {
        if (!client.outbox().offer(frame)) {
            tooSlow.add(client);
        }
    }

    /**
     * A client whose queue is full is dropped, not waited for: one slow client must not stall the hub. Each client
     * is counted once, when it is removed, however many frames found it full.
     */
    private void evictTooSlow() {
        while (!tooSlow.isEmpty()) {
            Client client = tooSlow.removeFirst();
            if (clients.contains(client)) {
                metrics.evicted();
                client.outbox().evict(StatusCode.POLICY_VIOLATION,
                        "too slow: more than " + sendQueue + " messages waiting; reconnect to continue");
                remove(client, "evicted");
            }
        }
    }

    /** Idempotent: a client may be evicted first and unregister itself later. */
    private void remove(Client client, String why) {
        if (!clients.remove(client)) {
            return;
        }
        client.outbox().finish(StatusCode.NORMAL, why);
        String leave = Wire.leave(client.connection().name());
        for (Client other : clients) {
            offer(other, leave); // a full one joins the worklist: evicted after this, by the loop, not from here
        }
    }

    @Override
    public String toString() {
        return "channel-hub (send queue " + sendQueue + " per client, hub inbox " + INBOX_CAPACITY + ")";
    }

    // --- for tests that play the hub thread themselves (jcstress): no thread is started ---------------

    /** Instead of {@link #start}: metrics attached, no hub thread started. */
    void attach(ChatMetrics metrics) {
        this.metrics = metrics;
    }

    /** What the hub thread does: handle every queued event, here on the calling thread. */
    void handleQueued() {
        for (Event event; (event = inbox.poll()) != null; ) {
            handle(event);
        }
    }
}
