package fivechats.transport;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Jetty 12 server that serves one {@link ChatModel}: the page on {@code /} (with {@code /chat.js} and
 * {@code /chat.css}), the chat socket on {@code /chat?name=NAME}, {@code /healthz}, {@code /metrics} and
 * {@code /stats} ({@link #ROUTES}; shared/README.md lists them, and a test keeps the two the same).
 *
 * <pre>
 *   ChatServer server = ChatServer.newServer(TransportConfig.defaults().withPort(0), new ChannelHub(256)).start();
 *   ... server.port() ...
 *   server.shutdown();   // every client gets 1001, the model's threads end
 * </pre>
 */
public final class ChatServer {
    private static final Logger log = LoggerFactory.getLogger(ChatServer.class);
    /** Every path this server answers: the chat socket, the page's three files and the plain routes. */
    public static final List<String> ROUTES =
            Stream.concat(Stream.of("/chat"), HttpRoutes.PATHS.stream()).toList();

    /**
     * Jetty's own threads only parse frames and hand lines to the model; they never wait on a model. So a
     * small fixed pool serves thousands of connections, and a fixed size keeps the JVM's thread count flat,
     * which is what lets the leak tests compare it with a baseline.
     */
    private static final int JETTY_THREADS = 24;

    private final TransportConfig config;
    private final ChatModel model;
    /** Null unless started with {@code --broker}. */
    private final ClusterConfig clusterConfig;
    /** Found on the class path when {@code clusterConfig} is given: the cluster module's; null otherwise. */
    private final Relay.Provider clusterProvider;
    /** {@link Relay#ALONE}, or once a clustered server has joined (at start, before the first client), its cluster. */
    private volatile Relay relay = Relay.ALONE;

    private final ModelThreads threads = new ModelThreads();
    private final ChatMetrics metrics;
    /** One fan-out's frame is encoded once for all its recipients. */
    private final EncodedFrames encodedFrames = new EncodedFrames();

    private final Heartbeat heartbeat;
    private final OriginPolicy origins;
    private final Server server;
    private final ServerConnector connector;
    private final Map<Long, WebSocketConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean accepting;

    private ChatServer(TransportConfig config, ChatModel model, ClusterConfig clusterConfig) {
        this.config = config;
        this.model = model;
        this.clusterConfig = clusterConfig;
        this.clusterProvider = clusterConfig == null ? null : clusterProvider();
        this.metrics = new ChatMetrics(this::registered, threads::live, threads::died);
        this.heartbeat = new Heartbeat(config.pingPeriod(), config.pongWait(), metrics);
        this.origins = new OriginPolicy(config.host(), config.allowedOrigins());

        QueuedThreadPool pool = new QueuedThreadPool(JETTY_THREADS, JETTY_THREADS);
        pool.setName("jetty");
        server = new Server(pool);
        // A positive stop timeout lets Jetty finish close handshakes on stop instead of dropping connections (1006).
        server.setStopTimeout(config.shutdownGrace().toMillis());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // a version number tells an attacker which advisories to try
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        server.addConnector(connector);

        // ContextHandler("/") is required: the upgrade handler needs a context, and without one Jetty answers 500.
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxTextMessageSize(config.maxMessageBytes()); // larger: Jetty closes with 1009
            container.setMaxBinaryMessageSize(config.maxMessageBytes()); // binary is refused with 1003 anyway
            container.setMaxOutgoingFrames(config.maxOutgoingFrames());
            // Jetty's idle timeout is only a backstop: the heartbeat is the real liveness check.
            container.setIdleTimeout(config.pongWait().plus(config.pingPeriod()));
            container.addMapping("/chat", this::upgrade);
        });
        upgrades.setHandler(new HttpRoutes(metrics, this::unavailable, this::stats));
        context.setHandler(upgrades);
        HeaderDeadline deadline = new HeaderDeadline(config, connector.getScheduler(), metrics, context);
        connector.addEventListener(deadline);
        connector.addEventListener(new Connection.Listener() {
            /**
             * Jetty's graceful stop waits for every open connection, and shortens the idle timeout (to its shutdown
             * idle timeout, 1 s) only of those open when it starts. A connection accepted a moment later that sends
             * nothing (an HTTP client's spare, a browser's preconnect) would keep the 30 s default and hold the stop
             * for the whole grace. So every connection opened once shutdown has begun gets the short one at once.
             */
            @Override
            public void onOpened(Connection connection) {
                if (shutdownStarted.get()) {
                    connection.getEndPoint().setIdleTimeout(connector.getShutdownIdleTimeout());
                }
            }
        });
        server.setHandler(deadline);
    }

    /** Builds a server for this model; nothing listens until {@link #start()}. Port 0 picks a free port. */
    public static ChatServer newServer(TransportConfig config, ChatModel model) {
        return new ChatServer(config, model, null);
    }

    /**
     * A server that shares one conversation with the other servers on the same broker (chapter 12). The cluster module
     * must be on the class path (a model's jar finds {@code cluster/target/cluster.jar} beside it).
     *
     * @throws IllegalArgumentException when it is not
     */
    public static ChatServer newServer(TransportConfig config, ChatModel model, ClusterConfig cluster) {
        return new ChatServer(config, model, cluster);
    }

    public ChatServer start() throws Exception {
        model.start(new ModelContext(metrics, threads, config));
        server.start();
        if (clusterConfig != null) {
            try {
                relay = clusterProvider.join(clusterConfig, config.host() + ":" + port(), metrics);
            } catch (RuntimeException e) {
                server.stop();
                throw new IllegalStateException(
                        "cannot reach the broker at " + clusterConfig.broker() + " (" + e.getMessage()
                                + "): start Redis there (redis-server --port "
                                + clusterConfig.broker().getPort()
                                + "), or leave out --broker to run alone",
                        e);
            }
            relay.link().ifPresent(model::accept); // the model's one extra client: every other server's clients
        }
        accepting = true;
        return this;
    }

    // snippet:upgrade-gate
    /** The upgrade gate: every check that can refuse a client happens here, before a socket exists. */
    private Object upgrade(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String unavailable = unavailable();
        if (unavailable != null) {
            return refuse(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "server is " + unavailable);
        }
        Fields query = Request.extractQueryParameters(request);
        String name = query.getValue("name");
        if (name == null || name.isEmpty()) {
            return refuse(
                    request,
                    response,
                    callback,
                    HttpStatus.BAD_REQUEST_400,
                    "missing name: connect to /chat?name=NAME; " + Wire.NAME_RULE);
        }
        if (!Wire.isValidName(name)) {
            return refuse(request, response, callback, HttpStatus.BAD_REQUEST_400, Wire.NAME_RULE);
        }
        for (String option : List.of("presence", "coalesce")) { // on or off, nothing else
            String value = query.getValue(option);
            if (value != null && !value.equals("on") && !value.equals("off")) {
                return refuse(
                        request,
                        response,
                        callback,
                        HttpStatus.BAD_REQUEST_400,
                        option + " must be on or off, was '" + value + "'");
            }
        }
        String since = query.getValue("since");
        if (since != null && !Wire.STREAM_ID.matcher(since).matches()) {
            return refuse(
                    request,
                    response,
                    callback,
                    HttpStatus.BAD_REQUEST_400,
                    "since must be the id of the last"
                            + " chat line you received, as its \"id\" field gives it (like 1733412345678-0), was '"
                            + since + "'");
        }
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (!origins.allows(origin, port())) {
            return refuse(
                    request,
                    response,
                    callback,
                    HttpStatus.FORBIDDEN_403,
                    "origin " + origin + " is not allowed:"
                            + " only this server's own page (" + origins.ownOrigin(port()) + ") may connect. To let a"
                            + " page you trust connect,"
                            + " start the server with"
                            + " --allow-origin and that"
                            + " page's origin, for"
                            + " example --allow-origin"
                            + " https://chat.example.org");
        }
        String remote = Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
        History resuming = since == null ? null : relay.history(since); // read now, before the model sees the client
        // No permessage-deflate, though every browser offers it: the zlib state it keeps per connection, outside the
        // heap, costs more memory than compressing chat lines of 100 bytes could save (gorilla's upgrader leaves it
        // off).
        response.setExtensions(List.of());
        return new WebSocketConnection(
                ids.incrementAndGet(),
                name,
                !"off".equals(query.getValue("presence")),
                "on".equals(query.getValue("coalesce")),
                remote,
                this,
                resuming);
    }
    // end-snippet

    private Object refuse(
            ServerUpgradeRequest request,
            ServerUpgradeResponse response,
            Callback callback,
            int status,
            String reason) {
        metrics.upgradeRejected(status);
        // Plain text, not Jetty's HTML error page: the reader is wscat, a test or a browser's console.
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        // Nothing is left to do on this connection. Kept alive, it would also hold up a shutdown: Jetty's graceful
        // stop waits for every open connection, and one opened in the last moment keeps its 30 s idle timeout.
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        response.write(true, ByteBuffer.wrap((reason + "\n").getBytes(StandardCharsets.UTF_8)), callback);
        return null;
    }

    // --- connection lifecycle, called by WebSocketConnection -----------------------------------

    void opened(WebSocketConnection connection) {
        synchronized (connections) { // one step with shutdown's "stop accepting": in its snapshot, or turned away here
            if (!accepting) {
                connection.close(CloseCode.SHUTDOWN, "server shutting down"); // upgraded just as shutdown began
                return;
            }
            connections.put(connection.id(), connection);
        }
        metrics.connectionOpened();
        heartbeat.watch(connection);
        relay.joined(connection.id(), connection.name());
        model.accept(connection);
    }

    /** The client is gone; {@code endOfLines} lets the model see it (later, when the cluster must first catch up). */
    void closed(WebSocketConnection connection, Runnable endOfLines) {
        heartbeat.forget(connection);
        boolean accepted = connections.remove(connection.id()) != null;
        if (accepted) {
            metrics.connectionClosed();
        }
        if (accepted) {
            relay.left(connection.id(), connection.name(), endOfLines);
        } else {
            endOfLines.run();
        }
        synchronized (connections) {
            connections.notifyAll();
        }
    }

    // --- shutdown ------------------------------------------------------------------------------

    /**
     * Graceful shutdown, idempotent, safe from any thread (a signal handler or a test): refuse new clients,
     * let the model deliver what it has queued, close every client with 1001, wait for the model's threads
     * to end, stop Jetty. Each wait is bounded by the shutdown grace.
     */
    public void shutdown() {
        if (!shutdownStarted.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        try {
            synchronized (connections) {
                accepting = false; // from here on, a connection that opens is closed at once, never given to the model
            }
            model.stop();
            for (WebSocketConnection connection : List.copyOf(connections.values())) {
                connection.close(CloseCode.SHUTDOWN, "server shutting down");
            }
            Duration grace = config.shutdownGrace();
            if (!awaitNoConnections(grace)) {
                log.warn("{} clients did not finish the close handshake within {}", connections.size(), grace);
            }
            // After the clients' leaves were published; ends the cluster's link, so the model's threads can end.
            relay.close();
            if (!threads.awaitNone(grace)) {
                // A model thread that outlives the grace is blocked: say where, so the log names the lock or the write.
                if (threads.allInAWrite()) { // expected when a client stopped reading: not a deadlock
                    log.info(
                            "{} model threads still writing to clients that do not read, after a further {}: {}. Each"
                                    + " ends when its write does, within --write-wait ({}); stopped waiting for them",
                            threads.live(),
                            grace,
                            threads.whereRunning(),
                            config.writeWait());
                } else {
                    log.warn(
                            "{} model threads still running after {}, stopped waiting: {}. They wait for a lock or a"
                                + " condition that another thread must release; one that never ends is in a deadlock",
                            threads.live(),
                            grace,
                            threads.whereRunning());
                }
            }
            heartbeat.close();
            server.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("error while stopping", e);
        } finally {
            stopped.countDown();
        }
    }

    private boolean awaitNoConnections(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (connections) {
            while (!connections.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(connections, left);
            }
        }
        return true;
    }

    /** Blocks until {@link #shutdown()} has finished. */
    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- for tests, the launcher and the metrics ---------------------------------------------------

    public int port() {
        return connector.getLocalPort();
    }

    public URI httpUri() {
        return URI.create("http://" + config.host() + ":" + port() + "/");
    }

    public URI chatUri(String name) {
        return URI.create("ws://" + config.host() + ":" + port() + "/chat?name="
                + URLEncoder.encode(name, StandardCharsets.UTF_8));
    }

    public TransportConfig config() {
        return config;
    }

    /** How this server's clients reach its model: {@link Relay#ALONE}, or the cluster it belongs to. */
    public Relay relay() {
        return relay;
    }

    /** The model's registry without the cluster's link, which is not a client. */
    private int registered() {
        return Math.max(0, model.registered() - (relay.link().isPresent() ? 1 : 0));
    }

    /** The cluster module, if it is on the class path; a clear error if it is not. */
    private static Relay.Provider clusterProvider() {
        return ServiceLoader.load(Relay.Provider.class)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "--broker needs the cluster module, which is not on the class path: build it with"
                                + " ./mvnw -q package -DskipTests (a model's jar then finds"
                                + " cluster/target/cluster.jar by itself), or run alone without --broker"));
    }

    EncodedFrames encodedFrames() {
        return encodedFrames;
    }

    public ChatMetrics metrics() {
        return metrics;
    }

    public ModelThreads threads() {
        return threads;
    }

    public ChatModel model() {
        return model;
    }

    /**
     * What {@code GET /stats} answers and the page shows: which model serves, with which teaching aids, and the
     * counters in which a break shows (a concurrent write, a refusal by Jetty, an eviction, a queue that grows).
     */
    Map<String, Object> stats() {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("model", model.toString());
        stats.put("maxMessageBytes", config.maxMessageBytes());
        stats.put("raceWindowMs", config.raceWindow().toMillis());
        stats.put("detector", config.detector().name().toLowerCase(Locale.ROOT));
        stats.put("connections", metrics.connections());
        stats.put("registered", registered());
        relay.addStats(stats);
        stats.put("linesIn", metrics.messagesIn());
        stats.put("framesOut", metrics.messagesOut());
        stats.put("concurrentWrites", metrics.concurrentWrites());
        stats.put("jettyRefusals", metrics.jettyRefusals());
        ChatMetrics.Overlap last = metrics.lastOverlapSeen();
        stats.put("lastOverlap", last.who());
        stats.put("lastOverlapSteps", last.steps().lines().toList());
        stats.put("evictions", metrics.evictions());
        stats.put("queued", metrics.queuedMessages());
        stats.put("dropped", metrics.droppedMessages());
        stats.put("modelThreadDeaths", threads.died());
        return stats;
    }

    /** Connections the transport holds open right now. */
    public int openConnections() {
        return connections.size();
    }

    public boolean isAccepting() {
        return accepting;
    }

    /**
     * Null while clients are taken; otherwise why not, for /healthz and a refused upgrade. Jetty listens before a
     * clustered server has joined its cluster, and a client that comes then is told to come back, not that the
     * server is going away.
     */
    private String unavailable() {
        if (accepting) {
            return null;
        }
        return shutdownStarted.get() ? "shutting down" : "starting: try again in a moment";
    }
}
