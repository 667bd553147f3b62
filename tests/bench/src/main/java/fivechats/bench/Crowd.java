package fivechats.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * One load process of the {@link Capacity} run: COUNT idle clients connected from one source address, each a bare
 * listener that notes its welcome, the probe line and its close, nothing else (a client of {@link Load} keeps a tally
 * per sender, too much for 100,000). A process of its own because a process may hold only so many sockets (the
 * open-files limit), and one source address only so many connections to one port (the ephemeral ports, 32768-60999).
 *
 * <pre>
 *   java fivechats.bench.Crowd PORT SOURCE-ADDRESS COUNT PREFIX
 * </pre>
 * Driven by its parent, a line each way: it prints {@code connected COUNT} once every client has its welcome; then
 * {@code open} is answered with {@code open K} (its clients still connected), {@code say} makes its first client send
 * {@link #PROBE}, {@code await} is answered with {@code heard K} once every client heard the probe (or after two
 * minutes). It exits when its input closes.
 */
public final class Crowd {
    static final String PROBE = "capacity probe";
    /** Connects in flight at once, as {@link Load} has them. */
    private static final int IN_FLIGHT = 32;

    /** A client that takes every frame (auto-demand) and looks only for its welcome and the probe. */
    public static final class Listener implements Session.Listener.AutoDemanding {
        private final CountDownLatch welcomed;
        private final CountDownLatch heard;
        private final AtomicInteger closed;
        private boolean probed;
        volatile Session session;

        Listener(CountDownLatch welcomed, CountDownLatch heard, AtomicInteger closed) {
            this.welcomed = welcomed;
            this.heard = heard;
            this.closed = closed;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        // one frame at a time per session (Jetty's demand): no race on probed
        public void onWebSocketText(String frame) {
            if (frame.startsWith("{\"type\":\"welcome\"")) {
                welcomed.countDown();
            } else if (!probed && frame.startsWith("{\"type\":\"chat\"") && frame.contains(PROBE)) {
                probed = true;
                heard.countDown();
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            closed.incrementAndGet();
            callback.succeed();
        }
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String source = args[1];
        int count = Integer.parseInt(args[2]);
        String prefix = args[3];
        QueuedThreadPool pool = new QueuedThreadPool(8, 8);
        pool.setName("crowd");
        HttpClient http = new HttpClient();
        http.setExecutor(pool);
        http.setBindAddress(new InetSocketAddress(source, 0));
        http.setMaxConnectionsPerDestination(count + 1);
        WebSocketClient webSockets = new WebSocketClient(http);
        webSockets.setIdleTimeout(Duration.ofMinutes(30)); // the server's heartbeat is the liveness check
        webSockets.start();
        CountDownLatch welcomed = new CountDownLatch(count);
        CountDownLatch heard = new CountDownLatch(count);
        AtomicInteger closed = new AtomicInteger();
        Listener[] clients = new Listener[count];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> connectors = new ArrayList<>();
        for (int t = 0; t < Math.min(IN_FLIGHT, count); t++) {
            int first = t;
            connectors.add(Thread.ofVirtual().start(() -> {
                for (int i = first; i < count && failure.get() == null; i += IN_FLIGHT) {
                    clients[i] = new Listener(welcomed, heard, closed);
                    URI uri = URI.create("ws://127.0.0.1:" + port + "/chat?name=" + prefix + i + "&presence=off");
                    try {
                        webSockets
                                .connect(clients[i], new ClientUpgradeRequest(uri))
                                .get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }));
        }
        for (Thread t : connectors) {
            t.join();
        }
        if (failure.get() != null) {
            System.out.println("failed " + failure.get());
            System.exit(1);
        }
        if (!welcomed.await(120, TimeUnit.SECONDS)) {
            System.out.println("failed " + welcomed.getCount() + " clients got no welcome within 120 s");
            System.exit(1);
        }
        System.out.println("connected " + count);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in));
        for (String command; (command = commands.readLine()) != null; ) {
            switch (command) {
                case "open" -> System.out.println("open " + (count - closed.get()));
                case "say" -> {
                    Callback.Completable sent = new Callback.Completable();
                    clients[0].session.sendText(PROBE, sent);
                    sent.get(30, TimeUnit.SECONDS);
                }
                case "await" -> {
                    heard.await(120, TimeUnit.SECONDS);
                    System.out.println(String.format(Locale.ROOT, "heard %d", count - heard.getCount()));
                }
                default -> System.out.println("failed unknown command " + command);
            }
        }
        System.exit(0); // the parent closed our input: it is done with us; the server sees the sockets close
    }
}
