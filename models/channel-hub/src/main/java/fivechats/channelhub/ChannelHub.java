package fivechats.channelhub;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ModelContext;
import fivechats.transport.SendQueue;
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

/**
 * The channel-hub model: gorilla's chat hub in Java.
 *
 * <p>Invariant: <b>only the hub thread touches the registry</b> ({@link #clients}). Nothing else reads or
 * writes it, so it needs no lock; other threads talk to the hub by putting events into its inbox. Go's
 * hub selects over three channels (register, unregister, broadcast); Java has no select over several
 * queues, so the three become one queue of events, which also keeps their order: a reader's register
 * always comes before its broadcasts, and its unregister after them.
 *
 * <p>The hub never waits on a stuck client for longer than {@link SendQueue#STALL}: it offers each frame to the
 * client's bounded send queue, and a client whose queue is full and whose send has been stuck that long is evicted
 * (closed with 1008) instead of stalling everyone else. A full queue whose writer is making progress is this
 * server's lag, not the client's fault: then the hub waits for room (at most the write wait), its inbox fills, and
 * the senders feel TCP backpressure. gorilla's hub never waits at all ({@code select} with a {@code default}): it
 * evicts a client the moment its 256 slots are full, even one that is reading, only more slowly than the hub.
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
    sealed interface Event {}

    record Register(Client client) implements Event {}

    record Unregister(Client client) implements Event {}

    record Broadcast(String frame) implements Event {}

    /** Flush every client, then close it with 1001; the hub answers with the writers to wait for. */
    record Stop(CompletableFuture<List<Thread>> writers) implements Event {}

    private final int sendQueue;
    private final BlockingQueue<Event> inbox = new LinkedBlockingQueue<>(INBOX_CAPACITY);
    /** The registry, in join order. Confined to the hub thread. */
    private final Set<Client> clients = new LinkedHashSet<>();
    /** A copy of clients.size() for other threads (tests, metrics); written only by the hub thread. */
    private volatile int registered;

    private volatile boolean exited;

    private ModelContext context;
    private ChatMetrics metrics;
    private Thread hub;

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
        hub = context.threads().startPlatform("hub", this::run);
    }

    /** Called on a Jetty thread: start the client's two threads and return at once. */
    @Override
    public void accept(ChatConnection connection) {
        Client client = new Client(connection, this, sendQueue, context.config().writeWait(), metrics);
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
                hub.interrupt(); // the inbox stayed full for the whole grace: end the hub rather than let it outlive us
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
            client.outbox().finish(CloseCode.SHUTDOWN, "server shutting down");
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
            // Interrupted (the inbox stayed full for the whole grace): every writer must still end, behind its queue.
            clients.forEach(client -> client.outbox().finish(CloseCode.SHUTDOWN, "server shutting down"));
            // Wakes any reader still blocked on put. Its events are no longer wanted, but a newcomer's writer must end.
            for (Event late; (late = inbox.poll()) != null; ) {
                if (late instanceof Register(Client client)) {
                    client.outbox().finish(CloseCode.SHUTDOWN, "server shutting down");
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
                    client.outbox().finish(CloseCode.SHUTDOWN, "server shutting down");
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
                    client.outbox().finish(CloseCode.SHUTDOWN, "server shutting down"); // after what is queued
                    flushing.add(client.outbox().writer());
                }
                writers.complete(flushing);
            }
        }
        registered = clients.size();
    }
    // end-snippet

    private void add(Client client) {
        clients.add(client);
        offer(
                client,
                Wire.welcome(
                        client.connection(),
                        clients.stream().map(c -> c.connection().name())));
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
     * A frame into one client's outbox. A full outbox waits while its writer makes progress (this server's lag: the
     * hub slows down, its inbox fills, and the senders' readers stop reading), at most the write wait; <b>a client that
     * has had a send stuck on its network for {@link SendQueue#STALL} is evicted, not waited for</b>: one stuck client must not stall
     * everyone else for longer than that.
     */
    private void offer(Client client, String frame) {
        if (!client.outbox().offer(frame)
                && client.outbox().evict(CloseCode.POLICY_VIOLATION, SendQueue.tooSlow(sendQueue))) {
            metrics.evicted(); // counted once: its outbox is closed now, and later offers to it are discarded
        }
    }

    /**
     * The client's reader has ended (it left, vanished, or was evicted and stopped) and unregistered: its leave goes
     * out now, <b>after every line it broadcast</b>, since its reader put those into the inbox before its Unregister.
     */
    private void remove(Client client, String why) {
        if (!clients.remove(client)) {
            return;
        }
        client.outbox().finish(CloseCode.NORMAL, why);
        String leave = Wire.leave(client.connection().name());
        for (Client other : clients) {
            offer(other, leave);
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
