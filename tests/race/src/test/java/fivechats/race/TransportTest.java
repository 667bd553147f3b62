package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.TransportConfig;
import fivechats.transport.Wire;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transport's own promises, below any model: one send at a time (a second writer is refused and
 * counted, never queued or hidden behind a lock), the write deadline, explicit demand, the origin
 * allow-list and the HTTP routes. A probe model hands each connection to the test and never reads or
 * writes on its own, so the test decides exactly which thread does what.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportTest {
    /** Frames big enough to fill a stopped client's TCP buffers in a few hundred writes. */
    private static final String BIG = "x".repeat(32 * 1024);

    /** A model with no strategy: it registers nothing and gives the test every connection. */
    static final class ProbeModel implements ChatModel {
        final BlockingQueue<ChatConnection> accepted = new LinkedBlockingQueue<>();

        @Override
        public void start(ModelContext context) {}

        @Override
        public void accept(ChatConnection connection) {
            accepted.add(connection);
        }

        @Override
        public int registered() {
            return 0;
        }

        @Override
        public void stop() {}
    }

    private static WebSocketClient webSockets;
    private ChatServer server;
    private ProbeModel probe;

    @BeforeAll
    static void startClients() throws Exception {
        webSockets = new WebSocketClient();
        webSockets.start();
    }

    @AfterAll
    static void stopClients() throws Exception {
        webSockets.stop();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.shutdown();
        }
    }

    private ChatConnection connect(TransportConfig config, ChatClient[] client, String name) throws Exception {
        return connect(config, client, name, "");
    }

    /** {@code options} goes after the name in the URI, like {@code "&coalesce=on"}. */
    private ChatConnection connect(TransportConfig config, ChatClient[] client, String name, String options)
            throws Exception {
        if (server == null) {
            probe = new ProbeModel();
            server = ChatServer.newServer(config, probe).start();
        }
        client[0] = ChatClient.connect(webSockets, URI.create(server.chatUri(name) + options), name);
        ChatConnection connection = probe.accepted.poll(10, TimeUnit.SECONDS);
        assertTrue(connection != null, "the model was never told of " + name);
        return connection;
    }

    private static TransportConfig config() {
        return TransportConfig.defaults().withPort(0);
    }

    /** Writes BIG frames on a thread of its own until one blocks (the client stopped reading) or fails. */
    private static final class BlockedWriter {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        /** On a platform thread named "first-writer". */
        BlockedWriter(ChatConnection connection) {
            this(connection, body -> Thread.ofPlatform().name("first-writer").start(body));
        }

        /** On a thread {@code start} starts, such as a model thread. */
        BlockedWriter(ChatConnection connection, Function<Runnable, Thread> start) {
            thread = start.apply(() -> {
                try {
                    while (true) {
                        started.incrementAndGet();
                        connection.write(Wire.chat("probe", started.get(), BIG));
                        finished.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
        }

        /** True while a write has begun and is waiting for Jetty to take its frame. */
        boolean blockedInWrite() {
            Thread.State state = thread.getState();
            return started.get() == finished.get() + 1 && state == Thread.State.TIMED_WAITING;
        }
    }

    @Test
    @DisplayName(
            "a second writer on one connection is refused with IllegalStateException, counted, and its frame is never"
                    + " sent")
    void secondWriterIsRefusedAndCounted() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config(), client, "reader");
        client[0].pauseReading();
        BlockedWriter first = new BlockedWriter(connection);
        await().atMost(Duration.ofSeconds(20))
                .alias("the first writer is blocked inside write()")
                .until(first::blockedInWrite);

        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> connection.write(Wire.chat("intruder", 1, "this must never arrive")));
        assertTrue(refused.getMessage().startsWith("concurrent write to connection reader#"), refused.getMessage());
        assertTrue(
                refused.getMessage().contains("while first-writer was writing"),
                "the message must name both threads: " + refused.getMessage());
        assertEquals(1, server.metrics().concurrentWrites(), "concurrent writes counted");
        String me = Thread.currentThread().getName();
        assertStepsEndWith(List.of(
                "first-writer  starts a write",
                me + "  starts a write while first-writer holds the slot: overlap",
                me + "  refused: its frame is lost"));
        try (HttpClient http = HttpClient.newHttpClient()) {
            String stats = http.send(
                            HttpRequest.newBuilder(server.httpUri().resolve("/stats"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(
                    stats.contains("\"lastOverlapSteps\":[\"writes to reader#")
                            && stats.contains(me + "  starts a write while first-writer holds the slot: overlap\""),
                    "/stats shows the steps: " + stats);
        }

        int written = first.started.get();
        connection.close(CloseCode.NORMAL, "done");
        client[0].resumeReading();
        client[0].awaitClose(Duration.ofSeconds(20));
        first.thread.join(Duration.ofSeconds(20));
        List<String> after = steps();
        String next = after.get(after.lastIndexOf(me + "  refused: its frame is lost") + 1);
        assertTrue(
                next.startsWith("first-writer  ") && next.endsWith(", gives the slot back"),
                "the step after the refusal: the first writer gives the slot back, but was " + after);
        assertTrue(
                client[0].framesOfType("chat").stream()
                        .noneMatch(f -> f.path("from").asText().equals("intruder")),
                "the refused frame reached the client");
        assertTrue(client[0].count("chat") <= written, "the client got more frames than the first writer wrote");
    }

    /**
     * What the shutdown's last line says of model threads that outlive the grace: writing to a client that does not
     * read (they end within the write deadline, not a deadlock), or waiting for a lock. Fails with the
     * {@code WebSocketConnection} clause removed from {@code ModelThreads.allInAWrite} (the writer is not seen writing).
     */
    @Test
    @DisplayName(
            "a model thread stuck writing to a client that does not read is told apart from one waiting for a lock")
    void aStuckWriterIsNoDeadlock() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config(), client, "reader");
        client[0].pauseReading();
        BlockedWriter writer =
                new BlockedWriter(connection, body -> server.threads().startPlatform("writer", body));
        await().atMost(Duration.ofSeconds(20))
                .alias("the writer waits in a write")
                .until(writer::blockedInWrite);
        assertTrue(
                server.threads().allInAWrite(),
                "a model thread blocked in a write is in a write: "
                        + server.threads().whereRunning());

        ReentrantLock lock = new ReentrantLock();
        lock.lock();
        try {
            server.threads().startPlatform("waiter", () -> {
                lock.lock();
                lock.unlock();
            });
            await().alias("the waiter waits for the lock").until(lock::hasQueuedThreads);
            assertFalse(
                    server.threads().allInAWrite(),
                    "a thread waiting for a lock is in no write: "
                            + server.threads().whereRunning());
        } finally {
            lock.unlock();
        }
        connection.close(CloseCode.NORMAL, "done");
        client[0].resumeReading();
    }

    /**
     * The steps around the last overlap ({@code ChatMetrics.lastOverlapSeen()}, also on /stats) end with these, in
     * this order. Fails with the {@code record(...)} call in {@code SlotSteps.ended} removed (the first writer's end
     * never shows), and with the {@code record(writer, What.OVERLAP, ...)} call in {@code SlotSteps.met} removed (the
     * overlap never shows).
     */
    private void assertStepsEndWith(List<String> expected) {
        List<String> steps = steps();
        assertEquals(
                expected,
                steps.subList(Math.max(0, steps.size() - expected.size()), steps.size()),
                "the last steps of " + server.metrics().lastOverlapSeen().steps());
    }

    /** The steps after the header naming the connection (but "...": steps left out), numbered from 1, each without its number and time. */
    private List<String> steps() {
        List<String> lines = server.metrics().lastOverlapSeen().steps().lines().toList();
        assertTrue(lines.get(0).startsWith("writes to reader#"), "a header naming the connection: " + lines);
        List<String> steps = lines.subList(1, lines.size()).stream()
                .filter(line -> !line.isBlank() && !line.trim().equals("..."))
                .toList();
        for (int i = 0; i < steps.size(); i++) {
            assertTrue(steps.get(i).matches("\\s*" + (i + 1) + " +\\d+  .*"), "numbered from 1, then µs: " + lines);
        }
        return steps.stream()
                .map(step -> step.replaceFirst("^\\s*\\d+ +\\d+  ", ""))
                .toList();
    }

    /** Shown to fail (the intruder's frame never arrives) when the detector refuses in report mode too. */
    @Test
    @DisplayName("with the detector reporting only, a second writer is counted and named, and Jetty takes its frame")
    void reportingDetectorLetsJettyDecide() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config().withDetector(TransportConfig.Detector.REPORT), client, "reader");
        client[0].pauseReading();
        BlockedWriter first = new BlockedWriter(connection);
        await().atMost(Duration.ofSeconds(20))
                .alias("the first writer is blocked inside write()")
                .until(first::blockedInWrite);

        Thread second = Thread.ofPlatform().name("second-writer").start(() -> {
            try {
                connection.write(Wire.chat("intruder", 1, "queued by Jetty behind the first writer"));
            } catch (Exception e) {
                // a timeout would be the stuck client's, not a refusal; the client's frames below tell
            }
        });
        await().alias("the overlap is counted").until(() -> server.metrics().concurrentWrites() == 1);
        assertTrue(
                server.metrics().lastOverlap().contains("second-writer wrote while first-writer was writing"),
                "the overlap must name both threads: " + server.metrics().lastOverlap());
        client[0].resumeReading();
        await().alias("the second writer's frame, queued by Jetty, arrives")
                .until(() -> client[0].framesOfType("chat").stream()
                        .anyMatch(f -> f.path("from").asText().equals("intruder")));
        assertEquals(0, server.metrics().jettyRefusals(), "two sends are within Jetty's bound: nothing refused");
        connection.close(CloseCode.NORMAL, "done");
        second.join(Duration.ofSeconds(20));
        first.thread.join(Duration.ofSeconds(20));
    }

    /** One send of lines 1 to n, each a small chat frame, and waits until the client has every one, in order. */
    private static void sendLinesInOrder(ChatConnection connection, ChatClient client, int n) throws Exception {
        List<String> frames = new ArrayList<>();
        for (int seq = 1; seq <= n; seq++) {
            frames.add(Wire.chat("batch", seq, "line " + seq));
        }
        connection.send(frames).get(20, TimeUnit.SECONDS);
        await().alias("every line of the send arrives").until(() -> client.count("chat") == n);
        List<Long> seqs = client.framesOfType("chat").stream()
                .map(f -> f.path("seq").asLong())
                .toList();
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), seqs, "lines arrived out of order");
    }

    /**
     * A batched send goes out in chunks, each started from the previous chunk's completion. Shown to fail (the send
     * failed: "Jetty refused it (WritePendingException: more than 8 sends at once)") with chunks as long as
     * maxOutgoingFrames: Jetty still counts the previous chunk's last frame while its callback starts the next chunk.
     */
    @Test
    @DisplayName("one batched send writes 500 frames, in order, and Jetty refuses none of them")
    void batchedSendWritesEveryFrameInOrder() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config(), client, "reader");
        sendLinesInOrder(connection, client[0], 500);
        assertEquals(0, server.metrics().jettyRefusals(), "Jetty refused frames of a single writer's batch");
        assertEquals(0, server.metrics().concurrentWrites(), "one batch is one writer");
        assertEquals(
                500, client[0].textFrameBytes().size(), "a client that did not ask for coalesce=on got events joined");
    }

    /**
     * Fails with {@code coalesces ? encoded.coalesced(wanted) : ...} in WebSocketConnection.send changed to send every
     * event in a frame of its own (500 frames arrive), and with EncodedFrames.COALESCED_BYTES ignored (one frame).
     */
    @Test
    @DisplayName("with coalesce=on, one send of 500 lines arrives as few frames of at most 16 KiB, several lines to a"
            + " frame, in order; a bigger line goes alone")
    void coalescedSendJoinsEventsIntoFewFrames() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config(), client, "reader", "&coalesce=on");
        sendLinesInOrder(connection, client[0], 500);
        List<Integer> sizes = client[0].textFrameBytes();
        // 500 lines of 54-58 bytes, about 28 KiB with their newlines: the first frame as full as 16 KiB allows, then
        // the rest
        assertEquals(2, sizes.size(), "frames of several lines, as few as fit: " + sizes);
        assertTrue(sizes.stream().allMatch(size -> size <= 16 * 1024), "a frame above 16 KiB: " + sizes);

        String big = Wire.chat("batch", 501, "x".repeat(20 * 1024)); // more than a frame of several may hold
        connection
                .send(List.of(Wire.chat("batch", 502, "before"), big, Wire.chat("batch", 503, "after")))
                .get(20, TimeUnit.SECONDS);
        await().alias("the three lines arrive").until(() -> client[0].count("chat") == 503);
        List<Integer> last =
                client[0].textFrameBytes().subList(2, client[0].textFrameBytes().size());
        assertEquals(3, last.size(), "the big line alone, the small ones in frames of their own: " + last);
        assertEquals(
                big.getBytes(StandardCharsets.UTF_8).length, last.get(1), "the big line's frame holds more: " + last);
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=x&coalesce=maybe", null)) {
            RawClient.Handshake answer = raw.handshake();
            assertEquals(400, answer.status(), "coalesce=maybe answered " + answer);
            assertTrue(answer.body().contains("coalesce must be on or off"), "no reason given: " + answer.body());
        }
    }

    /**
     * Fails with {@code newcomer.hearsPresence() ? online.toList() : List.of(you)} in Wire.welcome changed to
     * {@code online.toList()}: the stream is read for the quiet client too.
     */
    @Test
    @DisplayName(
            "Wire.welcome reads the names online only for a client that hears presence: a quiet client's welcome names"
                    + " itself")
    void quietWelcomeReadsNoNames() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection quiet = connect(config(), client, "quiet", "&presence=off");
        ChatConnection hearing = connect(config(), client, "hearing");
        Stream<String> unreadable = Stream.generate(() -> {
            throw new AssertionError("the names were read for a client that does not hear presence");
        });
        assertEquals(Wire.welcome("quiet", List.of("quiet")), Wire.welcome(quiet, unreadable));
        assertEquals(
                Wire.welcome("hearing", List.of("quiet", "hearing")),
                Wire.welcome(hearing, Stream.of("quiet", "hearing")));
    }

    /**
     * Shown to fail (the intruder's write was not refused: Jetty queued it behind the batch, where it waited on the
     * stalled client until the write wait ended it) when the batch gave the slot back as soon as its first chunk was
     * handed to Jetty.
     */
    @Test
    @DisplayName(
            "a batched send holds the single-send slot until its last frame is written: a second writer is refused")
    void batchedSendHoldsTheSlot() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config(), client, "reader");
        client[0].pauseReading();
        List<String> frames = new ArrayList<>();
        for (int seq = 1; seq <= 600; seq++) {
            frames.add(Wire.chat("batch", seq, BIG)); // about 20 MB: far more than the loopback's TCP buffers hold
        }
        var batch = connection.send(frames);
        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> connection.write(Wire.chat("intruder", 1, "this must never arrive")));
        assertTrue(refused.getMessage().startsWith("concurrent write to connection reader#"), refused.getMessage());
        client[0].resumeReading();
        batch.get(30, TimeUnit.SECONDS);
        await().alias("every frame of the batch arrives").until(() -> client[0].count("chat") == 600);
        assertTrue(
                client[0].framesOfType("chat").stream()
                        .noneMatch(f -> f.path("from").asText().equals("intruder")),
                "the refused frame reached the client");
    }

    @Test
    @DisplayName("a write to a client that stopped reading fails after writeWait and disconnects the client")
    void writeDeadlineDisconnectsAStuckClient() throws Exception {
        Duration writeWait = Duration.ofMillis(500);
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config().withWriteWait(writeWait), client, "stuck");
        client[0].pauseReading();
        BlockedWriter writer = new BlockedWriter(connection);
        await().atMost(Duration.ofSeconds(20))
                .alias("the writer gives up on the stuck client")
                .until(() -> writer.failure.get() != null);
        Throwable failure = writer.failure.get();
        assertTrue(
                failure instanceof ClosedConnectionException
                        && failure.getMessage().contains("timed out"),
                "expected a write timeout, got " + failure);
        assertEquals(1, server.metrics().writeFailures(), "failed writes counted");
        await().alias("the transport drops the stuck connection").until(() -> server.openConnections() == 0);
        assertThrows(ClosedConnectionException.class, connection::read, "a reader sees the end of the connection");
    }

    /*
     * The model holds the talker's first line and never takes it, so Jetty reads nothing more from the talker, its pong
     * neither. A silent client that connects after it is the clock: once the heartbeat has closed it, a pongWait has
     * passed for the talker too. Fails on main 550e2ba ("talker was closed: 1008 no pong within 1500 ms"), and with
     * WebSocketConnection.demandNext's "lastPongNanos += ..." line and silentNanos's held branch removed.
     */
    @Test
    @DisplayName("the heartbeat never closes a client whose line the model has not taken yet: it judges the client's"
            + " silence, not the model's")
    void heartbeatDoesNotJudgeAHeldLine() throws Exception {
        Duration pongWait = Duration.ofMillis(1500);
        ChatClient[] talker = new ChatClient[1];
        ChatConnection connection = connect(config().withPongWait(pongWait), talker, "talker");
        talker[0].send("held by the model");
        await().alias("the line reaches the transport")
                .until(() -> server.metrics().messagesIn() == 1);
        RawClient silent = RawClient.upgrade(server.port(), "/chat?name=silent", null); // never reads, never pongs
        await().atMost(pongWait.multipliedBy(4))
                .alias("the silent client, connected later, is closed by the heartbeat")
                .until(() -> server.metrics().heartbeatTimeouts() >= 1);
        assertTrue(
                !talker[0].isClosed(),
                "talker was closed: " + talker[0].closed().getNow(null));
        assertEquals(1, server.metrics().heartbeatTimeouts(), "heartbeat timeouts: only the silent client's");
        String line = connection.read(); // the model takes the line at last: the clock runs again, from now
        connection.write(line);
        await().alias("talker hears its line").until(() -> talker[0].hasChat("talker", "held by the model"));
        silent.close();
    }

    @Test
    @DisplayName("while the model does not read, the transport holds at most one line: the rest stay in TCP (explicit"
            + " demand)")
    void modelThatStopsReadingPushesBack() throws Exception {
        ChatClient[] client = new ChatClient[1];
        ChatConnection connection = connect(config(), client, "talker");
        for (int i = 1; i <= 100; i++) {
            client[0].send(DeliveryCheck.line("talker", i));
        }
        await().alias("the first line reaches the transport")
                .until(() -> server.metrics().messagesIn() == 1);
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(2))
                .alias("no further line is taken off the socket while the model is not reading")
                .until(() -> server.metrics().messagesIn() == 1);
        for (int i = 1; i <= 100; i++) {
            assertEquals(
                    Wire.chat("talker", i, DeliveryCheck.line("talker", i)),
                    connection.read(),
                    "line " + i + " in order, with its seq");
        }
        assertEquals(100, server.metrics().messagesIn(), "lines taken in");
        assertEquals(null, connection.poll(), "nothing more to read");
    }

    /** Fails with the {@code response.setExtensions(List.of())} line of {@code ChatServer.upgrade} deleted: Jetty agrees. */
    @Test
    @DisplayName("a client that offers permessage-deflate, as every browser does, is given no extension")
    void compressionOfferIsDeclined() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        ChatClient zipper = ChatClient.connect(webSockets, server.chatUri("zipper"), "zipper", "permessage-deflate");
        assertEquals(List.of("permessage-deflate"), zipper.offeredExtensions(), "the extensions the client offered");
        assertEquals(List.of(), zipper.extensions(), "the extensions the server agreed to");
    }

    /**
     * The gate refuses before a model hears of the client, so this is the transport's promise (the contract kit leaves
     * it out). Fails with {@code !Wire.isValidName(name)} replaced by {@code false} in
     * {@code ChatServer.upgrade} (three of the bad names are upgraded with 101, and reach the model).
     */
    @Test
    @DisplayName(
            "a bad or missing name is refused at the upgrade with HTTP 400 and the reason, and never reaches the model")
    void badNameIsRefusedWith400() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        for (String query : List.of(
                "/chat?name=bad%20name",
                "/chat?name=" + "x".repeat(33), "/chat?name=%3Cscript%3E", "/chat?name=", "/chat")) {
            try (RawClient raw = RawClient.upgrade(server.port(), query, null)) {
                RawClient.Handshake answer = raw.handshake();
                assertEquals(400, answer.status(), query + " answered " + answer);
                assertTrue(
                        answer.body().contains("name must be 1-32 characters"),
                        query + " gave no reason: " + answer.body());
            }
        }
        ChatConnection first = connect(config(), new ChatClient[1], "good"); // the first connection the model is handed
        assertEquals("good", first.name(), "refused clients never reach the model");
    }

    /**
     * The transport's promise too, for the same reason. Fails with {@code !origins.allows(origin,
     * port())} replaced by {@code false} in {@code ChatServer.upgrade} (the foreign page is upgraded with 101).
     */
    @Test
    @DisplayName("a foreign Origin is refused with HTTP 403 and the reason; the page's own origin is accepted")
    void foreignOriginIsRefusedWith403() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=mallory", "http://evil.example")) {
            assertEquals(403, raw.handshake().status(), "foreign origin answered " + raw.handshake());
            assertTrue(
                    raw.handshake().body().contains("not allowed"),
                    "no reason given: " + raw.handshake().body());
        }
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=page", "http://127.0.0.1:" + server.port())) {
            assertEquals(101, raw.handshake().status(), "same origin answered " + raw.handshake());
        }
    }

    @Test
    @DisplayName("--allow-origin admits the listed origins and still refuses any other")
    void allowListAdmitsOnlyListedOrigins() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config().withAllowedOrigins(List.of("https://chat.example.org")), probe)
                .start();
        try (RawClient listed = RawClient.upgrade(server.port(), "/chat?name=listed", "https://chat.example.org")) {
            assertEquals(101, listed.handshake().status(), "listed origin: " + listed.handshake());
        }
        try (RawClient other = RawClient.upgrade(server.port(), "/chat?name=other", "https://evil.example.org")) {
            assertEquals(403, other.handshake().status(), "unlisted origin: " + other.handshake());
        }
    }

    /**
     * Shown to fail without the {@code Connection: close} on refusals: the refused socket was kept alive, and such
     * sockets, opened in a connect storm just as the server stopped, made Jetty's graceful stop wait out the whole
     * shutdown grace (contract test 7b saw it).
     */
    @Test
    @DisplayName("a refused upgrade ends its connection: nothing is kept alive to hold up a shutdown")
    void refusedUpgradeEndsItsConnection() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        try (RawClient refused = RawClient.upgrade(server.port(), "/chat?name=", null)) {
            assertEquals(400, refused.handshake().status(), "no name: " + refused.handshake());
            assertEquals("close", refused.handshake().headers().get("connection"), "the refusal's Connection header");
            assertTrue(refused.endedByServer(ChatContract.PATIENCE), "the server kept the refused connection open");
        }
    }

    /**
     * Shown to fail without the header deadline: every dribbling socket stayed open (Jetty's idle timeout restarts
     * with each byte), and the latch ran out.
     */
    @Test
    @DisplayName(
            "clients that dribble their request head a byte at a time (slowloris) are closed at the header timeout;"
                    + " others still connect")
    void slowlorisIsClosedAtTheHeaderTimeout() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config().withHeaderTimeout(Duration.ofSeconds(1)), probe)
                .start();
        int dribblers = 20;
        CountDownLatch closedByServer = new CountDownLatch(dribblers);
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < dribblers; i++) {
            Socket socket = new Socket("127.0.0.1", server.port());
            sockets.add(socket);
            Thread.ofVirtual()
                    // the server's side of the story: end of stream, or a reset
                    .start(() -> {
                        try {
                            while (socket.getInputStream().read() >= 0) {
                                // a 4xx answer would do as well as a close; keep reading until the end
                            }
                        } catch (IOException reset) {
                            // closed by the server all the same
                        }
                        closedByServer.countDown();
                    });
            Thread.ofVirtual().start(() -> {
                try {
                    socket.getOutputStream()
                            .write("GET /chat?name=slow HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    while (true) { // one byte every 100 ms: never idle long enough for an idle timeout
                        socket.getOutputStream().write('a');
                        socket.getOutputStream().flush();
                        TimeUnit.MILLISECONDS.sleep(100); // the attack's pace, not a synchronisation
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server closed it: what this test waits for
                }
            });
        }
        try {
            assertTrue(
                    closedByServer.await(20, TimeUnit.SECONDS),
                    closedByServer.getCount() + " of " + dribblers
                            + " dribbling connections still open 20 s after a header timeout of 1 s");
            assertEquals(dribblers, server.metrics().headerTimeouts(), "header timeouts counted");
            try (RawClient page = RawClient.upgrade(server.port(), "/chat?name=prompt", null)) {
                assertEquals(101, page.handshake().status(), "a prompt client after the attack: " + page.handshake());
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** Fails at fdc4a9e^, whose origin check compared the Origin with Host and accepted the rebinding page with 101. */
    @Test
    @DisplayName("a page whose name was re-pointed at this server (Host and Origin agree, both foreign) is refused: DNS"
            + " rebinding")
    void dnsRebindingIsRefused() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        try (RawClient rebound = RawClient.upgrade(
                server.port(),
                "/chat?name=mallory",
                "evil.example:" + server.port(),
                "http://evil.example:" + server.port())) {
            assertEquals(403, rebound.handshake().status(), "rebinding page answered " + rebound.handshake());
            String body = rebound.handshake().body();
            assertTrue(body.contains("--allow-origin"), "the refusal must say how to allow a trusted origin: " + body);
            assertTrue(
                    !body.contains("--allow-origin http://evil.example"),
                    "the refusal must not suggest allowing the origin that knocked: " + body);
        }
        try (RawClient localhost = RawClient.upgrade(
                server.port(), "/chat?name=page", "localhost:" + server.port(), "http://localhost:" + server.port())) {
            assertEquals(
                    101,
                    localhost.handshake().status(),
                    "the page opened as localhost answered " + localhost.handshake());
        }
    }

    /** Fails at fdc4a9e^, whose routes gave POST the page with 200 and sent none of the three headers. */
    @Test
    @DisplayName(
            "the page routes answer only GET and HEAD (405 otherwise), with nosniff, DENY framing and a CSP, and no"
                    + " Server version")
    void httpRoutesRefuseOtherMethodsAndSendSecurityHeaders() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        for (String path : List.of("/", "/chat.js", "/healthz", "/metrics", "/stats")) {
            for (String method : List.of("POST", "PUT", "DELETE")) {
                RawClient.Handshake answer = RawClient.request(server.port(), method, path);
                assertEquals(405, answer.status(), method + " " + path + " answered " + answer);
                assertEquals("GET, HEAD", answer.headers().get("allow"), method + " " + path + ": Allow header");
            }
        }
        RawClient.Handshake page = RawClient.request(server.port(), "GET", "/");
        assertEquals(200, page.status(), "GET / answered " + page);
        assertEquals("nosniff", page.headers().get("x-content-type-options"), "headers: " + page.headers());
        assertEquals("DENY", page.headers().get("x-frame-options"), "headers: " + page.headers());
        assertTrue(
                String.valueOf(page.headers().get("content-security-policy")).contains("frame-ancestors 'none'"),
                "headers: " + page.headers());
        assertTrue(
                !page.headers().containsKey("server"),
                "the Server header announces " + page.headers().get("server"));
        assertEquals(200, RawClient.request(server.port(), "HEAD", "/healthz").status(), "HEAD /healthz");
    }

    @Test
    @DisplayName("GET / serves the page, /healthz answers ok, /metrics serves Prometheus text, /stats the page's JSON")
    void httpRoutes() throws Exception {
        probe = new ProbeModel();
        server = ChatServer.newServer(config(), probe).start();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page =
                http.send(HttpRequest.newBuilder(server.httpUri()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"chat.js\">"), "the chat page");
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(server.httpUri().resolve("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        HttpResponse<String> metrics = http.send(
                HttpRequest.newBuilder(server.httpUri().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        for (String name : List.of(
                "chat_connections",
                "chat_messages_in_total",
                "chat_messages_out_total",
                "chat_queued_messages",
                "chat_evictions_total",
                "chat_concurrent_writes_total",
                "chat_model_threads",
                "jvm_threads_current",
                "jvm_memory_used_bytes{area=\"heap\"}",
                "chat_registered_clients")) {
            assertTrue(metrics.body().contains("\n" + name + " "), name + " missing from /metrics:\n" + metrics.body());
        }
        HttpResponse<String> stats = http.send(
                HttpRequest.newBuilder(server.httpUri().resolve("/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stats.statusCode());
        assertEquals(
                "application/json", stats.headers().firstValue("content-type").orElse(""));
        assertTrue(stats.body().startsWith("{\"model\":\"" + probe + "\",\"maxMessageBytes\":"), stats.body());
        for (String key :
                List.of("concurrentWrites", "jettyRefusals", "evictions", "queued", "dropped", "modelThreadDeaths")) {
            assertTrue(stats.body().contains("\"" + key + "\":0"), key + " missing from /stats: " + stats.body());
        }
        assertTrue(stats.body().contains("\"lastOverlapSteps\":[\"none\"]"), "no overlap yet: " + stats.body());
        HttpResponse<String> missing = http.send(
                HttpRequest.newBuilder(URI.create(server.httpUri() + "nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }
}
