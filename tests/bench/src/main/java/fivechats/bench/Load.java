package fivechats.bench;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The load generator: real WebSocket clients on 127.0.0.1 (Jetty's client), the same for every server. Each line
 * carries its send time ({@code System.nanoTime()} of this JVM, which also receives it), so every delivery gives a
 * latency. Receivers check each sender's seq, so loss and reordering are counted, not assumed.
 *
 * <p>A server that speaks raw lines (gorilla's examples/chat: no welcome, no frame type, several lines to a frame) is
 * read as that example's page reads it: each frame split on newlines, each line one delivery, its sender and number
 * read from the line itself ({@code ts=SENT;NAME line SEQ}, which every sender writes).
 */
final class Load implements AutoCloseable {
    /** Latency is recorded up to a minute, in microseconds, to 3 significant digits. */
    private static final long MAX_LATENCY_MICROS = 60_000_000L;

    private final WebSocketClient webSockets;

    Load() throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(8, 8);
        pool.setName("load");
        HttpClient http = new HttpClient();
        http.setExecutor(pool);
        http.setMaxConnectionsPerDestination(20_000);
        webSockets = new WebSocketClient(http);
        webSockets.setMaxTextMessageSize(1024 * 1024); // a welcome lists everyone online: about 80 KiB at 10,000
        webSockets.setIdleTimeout(java.time.Duration.ofMinutes(10));
        webSockets.start();
    }

    /** What one fan-out run measured. */
    record FanOut(
            long delivered,
            long expected,
            long outOfOrder,
            double seconds,
            double deliveriesPerSecond,
            double p50Millis,
            double p99Millis,
            double maxMillis) {
        long lost() {
            return expected - delivered;
        }
    }

    /** Shared by every client of one run. */
    private static final class Tally {
        final ConcurrentHistogram latency = new ConcurrentHistogram(MAX_LATENCY_MICROS, 3);
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong outOfOrder = new AtomicLong();
        final AtomicLong lastDelivery = new AtomicLong();
        final Map<String, Semaphore> echoes = new ConcurrentHashMap<>();
    }

    /** A client that reads as fast as it can (auto-demand) and tallies chat frames. */
    public static final class Client implements Session.Listener.AutoDemanding {
        final String name;
        /** True for a server of raw lines: see the class's comment. */
        private final boolean lines;
        /** Where this client's deliveries are counted: a fresh tally for every scenario the client takes part in. */
        private volatile Tally tally;
        /** Counted down by the welcome: from then on the model has registered this client and every line reaches it. */
        final java.util.concurrent.CountDownLatch welcomed = new java.util.concurrent.CountDownLatch(1);

        private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();

        void countInto(Tally next) {
            lastSeq.clear();
            tally = next;
        }

        volatile Session session;

        Client(String name, boolean lines, Tally tally) {
            this.name = name;
            this.lines = lines;
            this.tally = tally;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        /**
         * Frames are parsed by hand, not by a JSON library: at a million frames a run the parser would cost the load
         * generator more CPU than some servers spend. Both servers write {"type":"chat","from":F,"seq":N,"text":T}.
         */
        @Override
        public void onWebSocketText(String frame) {
            long now = System.nanoTime();
            if (lines) {
                welcomed.countDown(); // no welcome in raw lines: the first line heard says this client is registered
                Tally tally = this.tally;
                for (int from = 0, end; tally != null && from < frame.length(); from = end + 1) {
                    end = frame.indexOf('\n', from);
                    end = end < 0 ? frame.length() : end;
                    if (frame.startsWith("ts=", from)) { // not a probe
                        int nameAt = frame.indexOf(';', from) + 1;
                        int seqAt = frame.indexOf(" line ", nameAt);
                        count(
                                tally,
                                now,
                                frame.substring(nameAt, seqAt),
                                Long.parseLong(frame.substring(seqAt + 6, end)),
                                Long.parseLong(frame.substring(from + 3, nameAt - 1)));
                    }
                }
                return;
            }
            for (int from = 0, end; from < frame.length(); from = end + 1) { // with coalesce=on, events a line each
                end = frame.indexOf('\n', from);
                end = end < 0 ? frame.length() : end;
                event(frame, from, end, now);
            }
        }

        /** The event in {@code frame} from {@code at} to {@code end}. */
        private void event(String frame, int at, int end, long now) {
            if (frame.startsWith("{\"type\":\"welcome\"", at)) {
                welcomed.countDown();
                return;
            }
            Tally tally = this.tally;
            if (tally == null || !frame.startsWith("{\"type\":\"chat\"", at)) {
                return;
            }
            int fromAt = frame.indexOf("\"from\":\"", at) + 8;
            String from = frame.substring(fromAt, frame.indexOf('"', fromAt));
            int seqAt = frame.indexOf("\"seq\":", fromAt) + 6;
            long seq = Long.parseLong(frame.substring(seqAt, frame.indexOf(',', seqAt)));
            int tsAt = frame.indexOf("ts=", seqAt) + 3;
            if (tsAt < 3 || tsAt > end) { // every line the load sends carries its time: this one is not the load's
                throw new IllegalStateException("a chat line without its send time: " + frame.substring(at, end));
            }
            count(tally, now, from, seq, Long.parseLong(frame.substring(tsAt, frame.indexOf(';', tsAt))));
        }

        /** One delivery of {@code from}'s line {@code seq}, sent at {@code sent}, heard at {@code now}. */
        private void count(Tally tally, long now, String from, long seq, long sent) {
            tally.latency.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, (now - sent) / 1000)));
            Long previous = lastSeq.put(from, seq);
            if (previous != null && seq <= previous) {
                tally.outOfOrder.incrementAndGet();
            }
            tally.delivered.incrementAndGet();
            tally.lastDelivery.accumulateAndGet(now, Math::max);
            if (from.equals(name)) {
                Semaphore echo = tally.echoes.get(name);
                if (echo != null) {
                    echo.release();
                }
            }
        }

        void send(String text) throws Exception {
            Callback.Completable sent = new Callback.Completable();
            session.sendText(text, sent);
            sent.get(30, TimeUnit.SECONDS);
        }
    }

    /** Connects n clients from several threads at once; returns them in name order. */
    List<Client> connect(ServerProcess server, String prefix, int n, Tally tally) throws Exception {
        Client[] clients = new Client[n];
        int threads = Math.min(32, n); // connects in flight at once: enough to keep two cores busy accepting
        List<Thread> connectors = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Exception> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            connectors.add(Thread.ofVirtual().start(() -> {
                for (int i = first; i < n && failure.get() == null; i += threads) {
                    String name = prefix + i;
                    Client client = new Client(name, server.lines, tally);
                    try {
                        webSockets
                                .connect(client, new ClientUpgradeRequest(server.chatUri(name)))
                                .get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        failure.compareAndSet(null, new IllegalStateException("connecting " + name + ": " + e, e));
                    }
                    clients[i] = client;
                }
            }));
        }
        for (Thread t : connectors) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        if (server.lines) {
            probe(clients);
        }
        for (Client c : clients) { // connected is not yet registered: wait for every welcome
            if (!c.welcomed.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(c.name + " got no welcome within 60 s");
            }
        }
        return List.of(clients);
    }

    /**
     * A server of raw lines sends no welcome, and registers a client after its upgrade has been answered: the first
     * client says "probe" until every client has heard a line, so that no client misses the scenario's first lines.
     */
    private static void probe(Client[] clients) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (java.util.Arrays.stream(clients).anyMatch(c -> c.welcomed.getCount() > 0)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "a client of a raw-lines server heard no probe within 60 s: not registered");
            }
            clients[0].send("probe");
            Thread.sleep(50); // a probe's pace, not a wait for anything: the loop's condition is what it waits for
        }
    }

    static void closeAll(List<Client> clients) {
        for (Client c : clients) {
            Session s = c.session;
            if (s != null) {
                s.close(1000, "done", Callback.NOOP);
            }
        }
    }

    /**
     * N clients; the first {@code senders} each send {@code lines} lines. Closed loop (linesPerSecond 0): a sender
     * sends its next line when its previous one has come back to it. Steady: each sender at a fixed rate.
     */
    FanOut fanOut(List<Client> clients, int senders, int lines, double linesPerSecond) throws Exception {
        Tally tally = new Tally();
        clients.forEach(c -> c.countInto(tally));
        int n = clients.size();
        try {
            for (Client c : clients.subList(0, senders)) {
                tally.echoes.put(c.name, new Semaphore(0));
            }
            long expected = (long) senders * lines * n;
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Exception> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            for (int k = 0; k < senders; k++) {
                Client sender = clients.get(k);
                // Steady senders are spread evenly over one period (sender k starts k/senders of a period late), so
                // the server sees a steady stream of lines, not all senders' lines in one burst every period.
                long phase = linesPerSecond > 0 ? (long) (k * 1e9 / linesPerSecond / senders) : 0;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        Semaphore echo = tally.echoes.get(sender.name);
                        for (int i = 1; i <= lines; i++) {
                            if (linesPerSecond > 0) {
                                long due = start + phase + (long) ((i - 1) * 1e9 / linesPerSecond);
                                LockSupport.parkNanos(due - System.nanoTime()); // the steady rate's schedule
                            }
                            sender.send("ts=" + System.nanoTime() + ";" + sender.name + " line " + i);
                            if (linesPerSecond == 0 && !echo.tryAcquire(30, TimeUnit.SECONDS)) {
                                throw new IllegalStateException(sender.name + "'s line " + i + " never came back");
                            }
                        }
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            // Deliveries may still be arriving. Wait for all of them, or until none has arrived for 2 s (a lossy
            // server never delivers them all), at most 60 s.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long seen = -1;
            long quietSince = System.nanoTime();
            while (tally.delivered.get() < expected
                    && System.nanoTime() < deadline
                    && System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(2)) {
                Thread.sleep(20);
                long now = tally.delivered.get();
                if (now != seen) {
                    seen = now;
                    quietSince = System.nanoTime();
                }
            }
            if (failure.get() != null && tally.delivered.get() < expected) {
                System.out.println("    (a sender gave up: " + failure.get().getMessage() + ")");
            }
            double seconds = Math.max(1, tally.lastDelivery.get() - start) / 1e9;
            return new FanOut(
                    tally.delivered.get(),
                    expected,
                    tally.outOfOrder.get(),
                    seconds,
                    tally.delivered.get() / seconds,
                    tally.latency.getValueAtPercentile(50) / 1000.0,
                    tally.latency.getValueAtPercentile(99) / 1000.0,
                    tally.latency.getMaxValue() / 1000.0);
        } finally {
            clients.forEach(c -> c.countInto(null));
        }
    }

    /** A client that connects and then never reads: its socket's buffers fill, and the server must cope. */
    static Socket stuckClient(ServerProcess server) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port));
        String upgrade = "GET /chat?name=stuck HTTP/1.1\r\nHost: 127.0.0.1:" + server.port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        socket.getOutputStream().write(upgrade.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket; // never read from again
    }

    /** Connects n idle clients and returns them (the caller measures, then closes them). */
    List<Client> idle(ServerProcess server, String prefix, int n) throws Exception {
        return connect(server, prefix, n, null);
    }

    @Override
    public void close() throws Exception {
        webSockets.stop();
    }
}
