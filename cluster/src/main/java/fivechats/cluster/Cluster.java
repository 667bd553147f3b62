package fivechats.cluster;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ChatServer;
import fivechats.transport.CloseCode;
import fivechats.transport.ClusterConfig;
import fivechats.transport.History;
import fivechats.transport.Relay;
import fivechats.transport.Replay;
import fivechats.transport.Wire;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's membership in a cluster: the broker connection, the {@link ClusterLink} its model reads, and
 * presence across servers. It is the transport's {@link Relay} when the server is started with {@code --broker}: the
 * transport calls it when a local client joins, sends a line and leaves, and when a newcomer is welcomed.
 *
 * <p>Presence across servers, and the burial of a server that died without a goodbye, is {@link Roster}'s: its
 * clients are announced as left within {@link #LEAVE_BOUND}.
 *
 * <p>Lettuce, the Redis client: one connection is thread-safe and pipelines commands in the order they are issued, so
 * Jetty's threads, the heartbeat and the buses share one for their commands without a lock, and one client's
 * envelopes reach Redis in the order it sent them. Replies complete on Lettuce's own event-loop threads, which must
 * never block. A subscription or a blocking XREAD holds a connection, so each bus reads on a connection of its own.
 */
public final class Cluster implements Relay {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);

    static {
        // Netty (under Lettuce) reaches for sun.misc.Unsafe, which JDK 24 and later warn about on every start. Its
        // portable path is fast enough for a broker connection, and a learner's terminal stays clean.
        if (System.getProperty("io.netty.noUnsafe") == null) {
            System.setProperty("io.netty.noUnsafe", "true");
        }
    }

    /** A dead server's clients are announced as left within this: its key expires, the next check, one stream read. */
    public static final Duration LEAVE_BOUND =
            Roster.NODE_TTL.plus(Roster.HEARTBEAT).plus(StreamBus.BLOCK);
    /** How long a stopping server waits for its last envelopes and its goodbye to reach Redis. */
    static final Duration GOODBYE = Duration.ofSeconds(2);
    /**
     * A local client's ending waits at most this long for its leave to come back through the stream. Past it (Redis
     * refuses writes, or is away) the model sees the client go anyway: <b>a late leave beats a ghost</b>, and the
     * others hear it when Redis takes it.
     */
    static final Duration ENDING_BOUND = Duration.ofSeconds(5);

    private static final java.util.concurrent.Executor ENDING_TIMER =
            CompletableFuture.delayedExecutor(ENDING_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    /** A command waits this long for Redis (through reconnects) before it fails. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /**
     * At most this many commands wait in Lettuce for Redis, on each connection: about 64 MiB of ordinary lines of at
     * most 4 KiB (the default {@code --max-message-bytes}) while Redis is away or stalled. Lettuce's own bound is
     * none: a pub/sub flood during an outage would pile up until the heap is gone. Past it a command fails at once:
     * with pub/sub the line is lost (counted in {@code chat_cluster_publish_failures_total{reason="queue full"}}); with
     * streams its sender is told the broker is unavailable. Far above what a reachable Redis ever lets wait.
     */
    static final int REQUEST_QUEUE = 16_384;

    /** What a bus does with a frame for the model: wait for room, or drop it. */
    @FunctionalInterface
    interface Handoff {
        void deliver(String frame) throws InterruptedException;
    }

    private final ClusterConfig config;
    private final String node;
    /** This run of the server: its node name and a random part, so a restarted node is a new sender. */
    private final String instance;

    private final ClusterMetrics metrics;
    private final RedisClient client = RedisClient.create();
    private final StatefulRedisConnection<String, String> commands;
    private final Bus bus;
    private final ClusterLink link = new ClusterLink();
    private final Roster roster;
    /** Who is online on the other servers: {@link Roster}'s, read and updated here as the bus hears joins and leaves. */
    private final RemoteClients remote;
    /** Local clients that left, waiting for their leave to come back through the stream before their reader ends. */
    private final Map<Long, Runnable> endings = new ConcurrentHashMap<>();
    /** True once a full queue of commands has been logged, until a publish lands again. */
    private volatile boolean queueFullSaid;
    /** The newest envelope published; shutdown waits for it, so the last leaves reach the broker. */
    private volatile CompletableFuture<Void> lastPublished = CompletableFuture.completedFuture(null);

    private Cluster(ClusterConfig config, String defaultNode, ChatMetrics serverMetrics) {
        this.config = config;
        this.node = config.node() != null ? config.node() : defaultNode;
        this.instance = node + "@"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        this.metrics = new ClusterMetrics(serverMetrics.registry());
        client.setOptions(
                ClientOptions.builder().requestQueueSize(REQUEST_QUEUE).build());
        StatefulRedisConnection<String, String> connected = null;
        try {
            connected = client.connect(StringCodec.UTF8, uri("commands"));
            this.commands = connected;
            this.roster = new Roster(node, instance, commands, metrics);
            this.remote = roster.remote();
            this.bus = config.mode() == ClusterConfig.Mode.STREAMS
                    ? new StreamBus(this, client, commands, metrics)
                    : new PubSubBus(this, client, commands, metrics);
        } catch (RuntimeException e) { // no broker there: leave no Netty threads behind
            if (connected != null) {
                connected.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw e;
        }
    }

    /**
     * Connects to the broker, learns who is online elsewhere and starts hearing the others. The model must
     * {@code accept} the {@link #link()} next, before the first client.
     *
     * @param defaultNode the node name when {@code --node} is not given: the server's host and port
     * @throws RedisException when the broker cannot be reached
     */
    public static Cluster join(ClusterConfig config, String defaultNode, ChatMetrics metrics) {
        Cluster cluster = new Cluster(config, defaultNode, metrics);
        try {
            cluster.bus.listen(); // first: from here on nothing is missed
            cluster.roster.learnWhoIsOnline(); // then the snapshot; what overlaps with the bus is idempotent
            // what welcomes list until the model takes a join or leave
            cluster.link.toldAtStart(cluster.remote.names());
            cluster.bus.start();
            cluster.roster.start(cluster.bus, cluster::announce);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        log.info("node {} joined the cluster on {} ({})", cluster.node, config.broker(), config.mode());
        return cluster;
    }

    RedisURI uri(String role) {
        RedisURI uri = RedisURI.create(config.broker().toString());
        uri.setClientName("fivechats:" + node + ":" + role); // what CLIENT LIST shows, and what the tests kill
        uri.setTimeout(COMMAND_TIMEOUT);
        return uri;
    }

    // --- what the transport calls ----------------------------------------------------------------------

    /** The connection the model reads: every client on the other servers. */
    @Override
    public Optional<ChatConnection> link() {
        return Optional.of(link);
    }

    /** The cluster {@code server} belongs to; for tests and tools that look inside it. */
    public static Cluster of(ChatServer server) {
        if (server.relay() instanceof Cluster cluster) {
            return cluster;
        }
        throw new IllegalStateException(
                server.httpUri() + " runs alone: build it with a ClusterConfig to join a cluster");
    }

    public ClusterMetrics metrics() {
        return metrics;
    }

    ClusterLink clusterLink() {
        return link;
    }

    /** True if local lines reach local clients only through the broker (streams); false if they go both ways (pubsub). */
    @Override
    public boolean throughBroker() {
        return bus.throughBroker();
    }

    // snippet:cluster-line
    /**
     * A local client sent a line. Through the broker (streams), it reaches this server's clients too only from the
     * stream, so all see one order; the client's next frame is read once the broker has this one, so a client cannot
     * outrun the broker, even while it reconnects. With pub/sub, the model has it at once and the others at most once.
     */
    @Override
    public CompletableFuture<Void> line(long conn, long seq, String line, Predicate<String> toModel) {
        Envelope envelope = new Envelope(Envelope.Kind.CHAT, instance, roster.epoch(), conn, seq, line);
        if (bus.throughBroker()) {
            return publish(envelope);
        }
        if (toModel.test(line)) { // to this server's clients at once, by the model
            publish(envelope); // and to the others' through the broker, at most once
        }
        return null;
    }
    // end-snippet

    /** A local client joined: remembered in Redis (for servers that start later) and told to the others. */
    @Override
    public void joined(long conn, String name) {
        roster.joined(conn, name);
        announce(conn, name);
    }

    private void announce(long conn, String name) {
        publish(new Envelope(Envelope.Kind.JOIN, instance, roster.epoch(), conn, Envelope.JOIN_SEQ, name));
    }

    /**
     * A local client left. {@code endOfLines} lets the model see the client gone. With the stream bus it runs only when
     * the leave has come back through the stream, after every line the client sent: so the model announces the leave
     * after those lines, on this server as on the others. With pub/sub it runs at once.
     */
    @Override
    public void left(long conn, String name, Runnable endOfLines) {
        roster.left(conn);
        if (bus.throughBroker()) {
            endings.put(conn, endOfLines);
            ENDING_TIMER.execute(() -> {
                Runnable end = endings.remove(conn);
                if (end != null) {
                    log.warn(
                            "the leave of {} did not come back from the broker within {}: it ends here now, and the"
                                    + " other servers hear of it when the broker takes it",
                            name,
                            ENDING_BOUND);
                    end.run();
                }
            });
        }
        publish(new Envelope(Envelope.Kind.LEAVE, instance, roster.epoch(), conn, Envelope.LEAVE_SEQ, name));
        if (!bus.throughBroker()) {
            endOfLines.run();
        }
    }

    /**
     * The model's welcome lists its own clients; the cluster's lists everyone, the link left out: the others' clients
     * as the model has taken their joins and leaves from the link (see {@link ClusterLink}), so that every join or
     * leave the newcomer hears after it says something new.
     *
     * @return the welcome, and the link's position it speaks for: see {@link #toldBefore}
     */
    @Override
    public Welcome welcome(String you, String modelWelcome, History resuming) {
        ClusterLink.Told told = link.told();
        List<String> online = new ArrayList<>(Wire.online(modelWelcome));
        online.remove(ClusterLink.NAME);
        online.addAll(told.names());
        return new Welcome(
                Wire.welcome(you, online), told.position(), resuming == null ? null : resume(resuming, told.lineId()));
    }

    /** What a client that reconnects with {@code since} is sent after its welcome: see {@link #history}. */
    @Override
    public History history(String since) {
        return bus.history(since);
    }

    /**
     * A resuming client's lines, made as its welcome goes out: the lines it missed that the model has taken already
     * ({@code taken}: the stream id of the newest), from the history read at its upgrade and, for what went by since,
     * from the link; then {@code resumed}, or {@code gap} and why. The model's own frames reach it from then on, <b>each
     * line once</b>: those the replay holds (the model took them before the welcome, and may pass them on after it) are
     * recognised by their id and dropped ({@link Replay#covers}).
     */
    Replay resume(History history, String taken) {
        String since = history.since();
        if (history.unknown() || taken == null) { // taken is null only without a stream (pub/sub): nothing to replay
            return Replay.none(history);
        }
        List<String> frames = new ArrayList<>();
        for (String line : history.lines()) {
            if (StreamBus.after(taken, Wire.lineId(line))) { // newer ones: the model passes them on after the welcome
                frames.add(line);
            }
        }
        String gap = history.gap();
        if (!StreamBus.after(history.upTo(), taken)) { // the model took lines after the history was read
            List<String> fromLink = link.linesTaken(history.upTo(), taken);
            if (fromLink == null) {
                gap = "more than " + ClusterLink.LINES_KEPT + " lines went by while you reconnected: some are not sent";
            } else {
                frames.addAll(fromLink);
            }
        }
        int lines = frames.size();
        frames.add(gap == null ? Wire.resumed(since, lines) : Wire.gap(since, gap));
        return new Replay(frames, StreamBus.after(taken, since) ? taken : since);
    }

    /**
     * True for a join or leave from the link that a welcome from {@code position} already counts: the model took it
     * before that welcome, and passes it on only now. The newcomer must not hear it.
     */
    private boolean toldBefore(String frame, long position) {
        return Wire.isPresence(frame) && link.toldBefore(frame, position);
    }

    /** The link's own join or leave, which no client should see, and a join or leave the welcome already counted. */
    @Override
    public boolean hides(String frame, long position) {
        return frame.equals(ClusterLink.JOIN) || frame.equals(ClusterLink.LEAVE) || toldBefore(frame, position);
    }

    @Override
    public void addStats(Map<String, Object> stats) {
        stats.put("cluster", toString());
        stats.put("remoteClients", metrics.remoteClientCount());
    }

    public String node() {
        return node;
    }

    public ClusterConfig config() {
        return config;
    }

    private CompletableFuture<Void> publish(Envelope envelope) {
        CompletableFuture<Void> published = bus.publish(envelope).whenComplete((ok, failure) -> {
            if (failure == null) {
                metrics.clusterPublished();
                queueFullSaid = false;
                return;
            }
            boolean queueFull = queueFull(failure);
            metrics.clusterPublishFailed(queueFull);
            if (!queueFull) {
                log.warn("could not publish {} of {}: {}", envelope.kind(), envelope.sender(), failure.toString());
            } else if (!queueFullSaid) {
                // A flood while Redis is away fails thousands of times: said once, then counted.
                queueFullSaid = true;
                log.warn(
                        "the broker is not taking commands and {} wait for it: what is published now is lost, and"
                                + " counted (chat_cluster_publish_failures_total) until the broker takes one again",
                        REQUEST_QUEUE);
            }
        });
        lastPublished = published;
        return published;
    }

    /** Lettuce's answer when {@link #REQUEST_QUEUE} commands already wait: a plain RedisException, told by its message. */
    private static boolean queueFull(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.startsWith("Request queue size exceeded")
                    || message.startsWith("Command buffer size exceeded")
                    || message.startsWith("Internal stack size exceeded")) { // waiting for replies: a stalled Redis
                return true;
            }
        }
        return false;
    }

    // --- what the buses call, on their receiving thread -------------------------------------------------

    /**
     * One envelope from the broker, in the broker's order; a duplicate has already been dropped by the bus.
     *
     * @param streamId the envelope's id in the stream, or null (pub/sub): a line with one carries it to the clients
     */
    // snippet:heard
    void heard(Envelope envelope, String streamId, Handoff model) throws InterruptedException {
        metrics.clusterHeard();
        boolean mine = envelope.instance().equals(instance);
        switch (envelope.kind()) {
            case CHAT -> {
                if (streamId != null) { // its position goes with it: a client that reconnects says where it was
                    link.put(Wire.withId(envelope.body(), streamId), streamId);
                } else if (!mine) { // with pub/sub, the model had a local line at once
                    model.deliver(envelope.body());
                }
            }
            case JOIN -> {
                if (!mine && remote.join(envelope.instance(), envelope.conn(), envelope.body())) {
                    model.deliver(Wire.join(envelope.body()));
                }
            }
            case LEAVE -> {
                if (mine) {
                    Runnable end = endings.remove(envelope.conn());
                    if (end != null) {
                        link.after(end); // once the model has taken the client's last line
                    }
                } else {
                    String name = remote.leave(envelope.instance(), envelope.conn());
                    if (name != null) {
                        model.deliver(Wire.leave(name));
                    }
                }
            }
        }
        metrics.remoteClients(remote.size());
    }
    // end-snippet

    /** A server that stopped its heartbeat: announce its clients as left, through {@code model}. */
    void bury(String other, Handoff model) throws InterruptedException {
        roster.bury(other, model);
    }

    // --- shutdown --------------------------------------------------------------------------------------

    /**
     * Leaves the cluster: waits (a little) for the last envelopes to reach the broker, removes this server's keys, and
     * closes the connections. Local clients still waiting for their leave to come back end now.
     */
    @Override
    public void close() {
        try {
            lastPublished.get(GOODBYE.toMillis(), TimeUnit.MILLISECONDS);
            roster.goodbye().get(GOODBYE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("node {} left the cluster without saying goodbye: {}", node, e.toString());
        }
        bus.close();
        endings.values().forEach(Runnable::run);
        endings.clear();
        link.close(CloseCode.SHUTDOWN, "server shutting down");
        commands.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "node " + node + " on " + config.broker() + " ("
                + config.mode().name().toLowerCase() + ")";
    }
}
