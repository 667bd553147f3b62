package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.SendQueue;
import fivechats.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract every model must keep, run against a real server on port 0 with real WebSocket clients.
 *
 * <p>To test a model, subclass this with one line:
 * <pre>
 *   class ChannelHubContractTest extends ChatContract {
 *       protected ChatModel newModel() { return new ChannelHub(256); }
 *   }
 * </pre>
 * Every test names the invariant it checks and, when it fails, says what it saw. No test sleeps to
 * synchronise: each waits for a condition (Awaitility, latches) with a bound.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ChatContract {
    /** Bound for any one expected event; generous, because CI machines are slow and shared. */
    protected static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The heartbeat tests' pongWait: short, so they run in seconds. */
    protected static final Duration SHORT_PONG_WAIT = Duration.ofMillis(1500);

    @RegisterExtension
    static final TestClients webSockets = new TestClients();

    protected ChatServer server;
    private final List<ChatClient> clients = Collections.synchronizedList(new ArrayList<>());

    /** The model under test; a fresh instance for every test. */
    protected abstract ChatModel newModel();

    /** writeWait for a model that stalls everyone on a stuck client until writeWait: the stall is seconds, not ten. */
    protected static final Duration STALL_WRITE_WAIT = Duration.ofSeconds(3);

    /** The server's limits for these tests: production defaults, on a free port. */
    protected TransportConfig config() {
        TransportConfig config = TransportConfig.defaults().withPort(0).withPongWait(Duration.ofSeconds(30));
        return slowClientPolicy() == SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT ? config.withWriteWait(STALL_WRITE_WAIT) : config;
    }

    /** What the model promises about a client that stops reading (test 5). */
    protected SlowClientPolicy slowClientPolicy() {
        return SlowClientPolicy.EVICTED_WITH_1008;
    }

    /** The most frames the model may hold queued while one client has stopped reading (memory stays bounded). */
    protected int maxQueuedFrames() {
        return 1024;
    }

    @BeforeEach
    void startServer() throws Exception {
        server = ChatServer.newServer(config(), newModel()).start();
    }

    /**
     * After every test: the clients leave, the server stops, every client got what the chat promises ({@link Promises}:
     * welcome first, presence a set, nothing from a client after its leave, each sender's lines once, in order, without a
     * gap), and no model thread may have died along the way. The thread check was added for
     * tests/assignments/mistakes HashMapRegistry, whose talker's reader died of ConcurrentModificationException in 1e
     * while 1e itself still passed (every newcomer got its welcome first).
     */
    @AfterEach
    void stopServer() {
        clients.forEach(ChatClient::leave);
        server.shutdown();
        List<ChatClient> everyone;
        synchronized (clients) { // a synchronized list is copied under its own lock
            everyone = List.copyOf(clients);
        }
        assertEquals(0, server.threads().died(), () -> "model threads died of an uncaught exception during the test;"
                + " the first: " + server.threads().firstDeath() + ". A thread that dies takes its client (or the whole"
                + " chat) with it: catch what you expect, and fix the race behind what you did not expect");
        Promises.assertKept(everyone, "a promise every client is owed, whatever the test did");
    }

    /** Replaces the running server with one configured differently. */
    protected void restartWith(TransportConfig config) throws Exception {
        server.shutdown();
        server = ChatServer.newServer(config, newModel()).start();
    }

    /** Connects a client and waits for its welcome. */
    protected ChatClient join(String name) {
        ChatClient client = webSockets.connect(server.chatUri(name), name);
        clients.add(client);
        client.awaitWelcome();
        return client;
    }

    protected static JsonNode first(ChatClient client) {
        return client.frames().get(0);
    }

    protected void awaitChat(ChatClient receiver, String from, String text) {
        await().alias(receiver + " receives '" + text + "' from " + from).until(() -> receiver.hasChat(from, text));
    }

    /** Two new clients exchange a line: proves the chat survived whatever the test just did. */
    protected void assertOthersStillChat(String why) {
        String tag = why.replaceAll("[^A-Za-z0-9]+", "-");
        tag = tag.substring(0, Math.min(tag.length(), 24));
        ChatClient a = join(tag + "-a");
        ChatClient b = join(tag + "-b");
        a.send("still chatting after " + why);
        awaitChat(b, a.name(), "still chatting after " + why);
        awaitChat(a, a.name(), "still chatting after " + why);
    }

    /** The names a client believes are online: its welcome, plus joins, minus leaves (a multiset). */
    protected static List<String> onlineAsSeenBy(ChatClient client) {
        List<String> online = new ArrayList<>();
        for (JsonNode frame : client.frames()) {
            switch (frame.path("type").asText()) {
                case "welcome" -> frame.path("online").forEach(n -> online.add(n.asText()));
                case "join" -> online.add(frame.path("name").asText());
                case "leave" -> online.remove(frame.path("name").asText());
                default -> { }
            }
        }
        Collections.sort(online);
        return online;
    }

    /** Threads, platform and virtual, alive now and not in {@code baseline}: "name#id", sorted. */
    private static List<String> threadsStartedSince(Set<Long> baseline) {
        return ThreadCensus.alive().entrySet().stream().filter(t -> !baseline.contains(t.getKey()))
                .map(t -> t.getValue() + "#" + t.getKey()).sorted().toList();
    }

    private static List<String> sorted(List<String> names) {
        List<String> copy = new ArrayList<>(names);
        Collections.sort(copy);
        return copy;
    }

    // ---------------------------------------------------------------------------------------------
    // 1. welcome, join, leave, echo

    @Test
    @DisplayName("1a. a new client's first frame is its welcome, listing everyone online, itself included")
    void welcomeComesFirstAndListsEveryoneOnline() {
        ChatClient alice = join("alice");
        assertEquals("{\"type\":\"welcome\",\"you\":\"alice\",\"online\":[\"alice\"]}", first(alice).toString(),
                "alice's first frame");
        ChatClient bob = join("bob");
        JsonNode welcome = first(bob);
        assertEquals("welcome", welcome.path("type").asText(), "bob's first frame was " + welcome);
        assertEquals("bob", welcome.path("you").asText());
        assertEquals(List.of("alice", "bob"), sorted(StreamSupport.stream(welcome.path("online").spliterator(), false)
                .map(JsonNode::asText).toList()), "bob's welcome lists who is online");
    }

    @Test
    @DisplayName("1b. a join reaches everyone already online and not the newcomer; a leave reaches everyone left")
    void joinAndLeaveReachTheRightClients() {
        ChatClient alice = join("alice");
        ChatClient bob = join("bob");
        await().alias("alice hears bob join").until(() -> alice.count("join") == 1);
        assertEquals("bob", alice.framesOfType("join").get(0).path("name").asText());
        ChatClient carol = join("carol");
        await().alias("alice and bob hear carol join").until(() -> alice.count("join") == 2 && bob.count("join") == 1);
        bob.leave();
        await().alias("alice and carol hear bob leave").until(() -> alice.count("leave") == 1 && carol.count("leave") == 1);
        assertEquals("bob", carol.framesOfType("leave").get(0).path("name").asText());
        assertEquals(0, carol.count("join"), "carol must not get a join for herself: her welcome already lists her");
        assertEquals(List.of("alice", "carol"), onlineAsSeenBy(alice), "alice's view of who is online");
        assertEquals(List.of("alice", "carol"), onlineAsSeenBy(carol), "carol's view of who is online");
    }

    @Test
    @DisplayName("1c. a line reaches every client, the sender included, as a chat frame with seq counting from 1")
    void lineReachesEveryoneSenderIncluded() {
        ChatClient alice = join("alice");
        ChatClient bob = join("bob");
        alice.send("hi \"bob\" <b>&amp; ☃");
        for (ChatClient c : List.of(alice, bob)) {
            awaitChat(c, "alice", "hi \"bob\" <b>&amp; ☃");
            JsonNode chat = c.framesOfType("chat").get(0);
            assertEquals(1, chat.path("seq").asLong(), c + ": the first line of a sender has seq 1");
        }
        alice.send("second");
        awaitChat(bob, "alice", "second");
        assertEquals(2, bob.framesOfType("chat").get(1).path("seq").asLong(), "the second line has seq 2");
    }

    @Test
    @DisplayName("1d. a client that connects with presence=off gets a welcome listing only itself and every line, but no join or leave")
    void quietClientHearsLinesButNoPresence() throws Exception {
        ChatClient alice = join("alice");
        ChatClient quiet = webSockets.connect(URI.create(server.chatUri("quiet") + "&presence=off"), "quiet");
        clients.add(quiet);
        quiet.awaitWelcome();
        assertEquals("{\"type\":\"welcome\",\"you\":\"quiet\",\"online\":[\"quiet\"]}", first(quiet).toString(),
                "quiet's welcome lists only quiet: who else is online is presence too");
        await().alias("alice, who hears presence, hears quiet join").until(() -> alice.count("join") == 1);
        ChatClient bob = join("bob");
        await().alias("alice hears bob join").until(() -> alice.count("join") == 2);
        bob.leave();
        await().alias("alice hears bob leave").until(() -> alice.count("leave") == 1);
        alice.send("after bob");
        awaitChat(quiet, "alice", "after bob"); // the leave was handled before this line, so it would have come first
        assertEquals(0, quiet.count("join") + quiet.count("leave"), "quiet asked for no presence, and got " + quiet.frames());
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=x&presence=maybe", null)) {
            RawClient.Handshake answer = raw.handshake();
            assertEquals(400, answer.status(), "presence=maybe answered " + answer);
            assertTrue(answer.body().contains("presence must be on or off"), "no reason given: " + answer.body());
        }
    }

    /** Clients online (quietly) while newcomers join in test 1e: each welcome lists them all, so building it takes time. */
    private static final int QUIET_CROWD = 300;
    /** The most newcomers test 1e lets join: the bound on "repeat until seen". */
    private static final int NEWCOMERS = 60;

    /*
     * Shown to fail on tests/assignments/mistakes RegistryBeforeWelcome (the newcomer is added, then its welcome is
     * built by listing everyone: a broadcast in between queues a line first). The quiet crowd is the workload that
     * widens that real window: a welcome listing 300 names takes long enough to build that a broadcast meets it.
     */
    @Test
    @DisplayName("1e. under traffic, with 300 online, every newcomer's first frame is still its welcome, and it then hears every line sent after it joined")
    void welcomeComesFirstUnderTraffic() throws Exception {
        clients.addAll(Crowd.joinStorm(webSockets.client(), server, 4, QUIET_CROWD / 4, PATIENCE, "quiet", false));
        await().alias("the quiet crowd of " + QUIET_CROWD + " is online").until(() -> server.model().registered() == QUIET_CROWD);
        ChatClient talker = join("talker");
        CountDownLatch stop = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> talkerFailed = new ConcurrentLinkedQueue<>();
        Thread talking = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 1; stop.getCount() > 0 && i <= 20_000; i++) {
                    talker.send("line " + i);
                    talker.awaitChatsFrom(talker.name(), Math.max(0, i - 16), PATIENCE); // never more than 16 ahead
                }
            } catch (Throwable e) {
                talkerFailed.add(e);
            }
        });
        List<ChatClient> newcomers = new ArrayList<>();
        try {
            for (int i = 0; i < NEWCOMERS; i++) {
                ChatClient newcomer = join("newcomer" + i);
                newcomers.add(newcomer);
                if (!"welcome".equals(first(newcomer).path("type").asText())) {
                    break; // seen: no need to go on
                }
            }
        } finally {
            stop.countDown();
            talking.join(PATIENCE);
        }
        assertTrue(talkerFailed.isEmpty(), () -> "the talker's lines stopped coming back while newcomers joined: "
                + talkerFailed.peek().getMessage());
        for (ChatClient c : newcomers) {
            assertEquals("welcome", first(c).path("type").asText(), c + "'s first frame, with lines flying, was " + first(c)
                    + ": a newcomer must be sent its welcome before any broadcast can find it in the registry"
                    + " (queue the welcome, then add the client, in one step)");
            List<Long> seqs = c.framesOfType("chat").stream().map(f -> f.path("seq").asLong()).toList();
            for (int i = 1; i < seqs.size(); i++) {
                assertEquals(seqs.get(i - 1) + 1, seqs.get(i), c + " missed a line after its first: " + seqs);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 2. concurrent senders

    @Test
    @DisplayName("2. 10 senders x 200 lines to 50 clients: every client gets every line exactly once, in seq order, uncorrupted")
    void concurrentSendersDeliverEveryLineOnceInOrder() throws Exception {
        int clientCount = 50;
        int senderCount = 10;
        int perSender = 200;
        // A sender sends line i only when every client has line i - window. The senders still race each other
        // (that is the test), but no receiver can lag by more than senders x window = 80 frames, so a model
        // that evicts slow clients (at 256) is tested for order and loss, never for capacity.
        int window = 8;
        List<ChatClient> everyone = IntStream.range(0, clientCount).mapToObj(i -> join("c" + i)).toList();
        List<ChatClient> senders = everyone.subList(0, senderCount);
        List<String> senderNames = senders.stream().map(ChatClient::name).toList();

        List<Throwable> failures = Crowd.atOnce(senders, PATIENCE, sender -> {
            for (int i = 1; i <= perSender; i++) {
                if (i > window) {
                    for (ChatClient receiver : everyone) {
                        receiver.awaitChatsFrom(sender.name(), i - window, PATIENCE);
                    }
                }
                sender.send(DeliveryCheck.line(sender.name(), i));
            }
        });
        int expected = senderCount * perSender;
        try {
            await().alias("every client receives " + expected + " lines")
                    .until(() -> everyone.stream().allMatch(c -> c.count("chat") >= expected));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // fall through: the reports below say who is missing what
        }
        assertTrue(failures.isEmpty(), failures.size() + " senders failed; first: " + failures.stream().findFirst().orElse(null));
        List<DeliveryCheck.Report> broken = everyone.stream()
                .map(c -> DeliveryCheck.check(c, senderNames, perSender))
                .filter(r -> !r.perfect()).toList();
        assertTrue(broken.isEmpty(), broken.size() + " of " + clientCount + " clients saw a broken delivery ("
                + server.metrics().evictions() + " evicted, " + server.metrics().concurrentWrites() + " concurrent writes); first: "
                + broken.stream().limit(3).map(String::valueOf).toList());
        assertEquals(0, server.metrics().concurrentWrites(), "concurrent writes detected by the transport");
    }

    // ---------------------------------------------------------------------------------------------
    // 3. churn

    @Test
    @DisplayName("3. clients joining and leaving while others chat: every view of who is online ends right")
    void churnLeavesTheOnlineListRight() throws Exception {
        List<ChatClient> stable = IntStream.range(0, 8).mapToObj(i -> join("stable" + i)).toList();
        List<String> stableNames = stable.stream().map(ChatClient::name).toList();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int churner = t;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 10; i++) {
                        ChatClient passer = join("churn" + churner + "-" + i);
                        passer.send("passing through");
                        passer.leave();
                        passer.awaitClose(PATIENCE);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (ChatClient c : stable) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 1; i <= 30; i++) {
                        c.send(DeliveryCheck.line(c.name(), i));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join(PATIENCE);
        }
        assertTrue(failures.isEmpty(), "a churning client failed: " + failures.peek());

        for (ChatClient c : stable) {
            await().alias(c + "'s view of who is online settles on the stable clients")
                    .until(() -> onlineAsSeenBy(c).equals(stableNames.stream().sorted().toList()));
        }
        ChatClient observer = join("observer");
        List<String> expected = new ArrayList<>(stableNames);
        expected.add("observer");
        assertEquals(sorted(expected), sorted(StreamSupport.stream(first(observer).path("online").spliterator(), false)
                .map(JsonNode::asText).toList()), "a newcomer's welcome after the churn");
        await().alias("registry holds the 9 connected clients").until(() -> server.model().registered() == 9);
        DeliveryCheck.assertPerfect(stable, stableNames, 30, "during churn");
    }

    /** Rounds of the same-moment join storm: the bound on "repeat until seen" (the mistake below shows in the first). */
    private static final int PRESENCE_ROUNDS = 3;

    /*
     * Shown to fail on tests/assignments/mistakes PresenceWithoutLock (list, announce and add without a lock: two
     * clients that join together never hear of each other) in the first round.
     */
    @Test
    @DisplayName("3b. 40 clients join at the same moment, in rounds: each then sees every other online exactly once")
    void sameMomentJoinsSeeEachOtherOnce() throws Exception {
        List<ChatClient> everyone = new ArrayList<>();
        for (int round = 1; round <= PRESENCE_ROUNDS; round++) {
            List<ChatClient> storm = Crowd.joinStorm(webSockets.client(), server, 8, 5, PATIENCE, "p" + round + "-", true);
            clients.addAll(storm);
            storm.forEach(ChatClient::awaitWelcome);
            everyone.addAll(storm);
            int n = everyone.size();
            await().alias("the registry holds all " + n).until(() -> server.model().registered() == n);
            // A line from the last to join reaches each client behind every presence frame queued for it before.
            ChatClient last = everyone.get(n - 1);
            last.send("round " + round + " done");
            for (ChatClient c : everyone) {
                awaitChat(c, last.name(), "round " + round + " done");
            }
            List<String> names = sorted(everyone.stream().map(ChatClient::name).toList());
            for (ChatClient c : everyone) {
                List<String> view = onlineAsSeenBy(c);
                if (!view.equals(names)) {
                    List<String> missing = new ArrayList<>(names);
                    view.forEach(missing::remove);
                    List<String> twice = new ArrayList<>(view);
                    names.forEach(twice::remove);
                    throw new AssertionError(c + "'s view of who is online is wrong after " + n + " clients joined at the"
                            + " same moment (round " + round + "): never heard of " + missing + ", listed twice or"
                            + " unknown " + twice + ". Listing who is online, announcing the newcomer and adding it"
                            + " must happen as one step (under one lock, or on one thread), or two joins interleave");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 4. bad input: a clear error, and nothing else lost

    @Test
    @DisplayName("4a. a bad or missing name is refused at the upgrade with HTTP 400 and the reason")
    void badNameIsRefusedWith400() throws Exception {
        ChatClient bystander = join("bystander");
        for (String query : List.of("/chat?name=bad%20name", "/chat?name=" + "x".repeat(33), "/chat?name=%3Cscript%3E",
                "/chat?name=", "/chat")) {
            try (RawClient raw = RawClient.upgrade(server.port(), query, null)) {
                RawClient.Handshake answer = raw.handshake();
                assertEquals(400, answer.status(), query + " answered " + answer);
                assertTrue(answer.body().contains("name must be 1-32 characters"), query + " gave no reason: " + answer.body());
            }
        }
        assertEquals(1, server.model().registered(), "refused clients never reach the model");
        assertOthersStillChat("bad names");
        assertEquals(0, bystander.count("leave"), "nobody left");
    }

    @Test
    @DisplayName("4b. a foreign Origin is refused with HTTP 403; the page's own origin is accepted")
    void foreignOriginIsRefusedWith403() throws Exception {
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=mallory", "http://evil.example")) {
            assertEquals(403, raw.handshake().status(), "foreign origin answered " + raw.handshake());
            assertTrue(raw.handshake().body().contains("not allowed"), "no reason given: " + raw.handshake().body());
        }
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=page", "http://127.0.0.1:" + server.port())) {
            assertEquals(101, raw.handshake().status(), "same origin answered " + raw.handshake());
        }
        assertOthersStillChat("a foreign origin");
    }

    @Test
    @DisplayName("4c. a line over the size limit is closed with 1009; others keep chatting")
    void oversizedLineIsClosedWith1009() throws Exception {
        ChatClient bystander = join("bystander");
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=big", null)) {
            raw.sendFrame(RawClient.TEXT, "x".repeat(server.config().maxMessageBytes() + 1).getBytes(StandardCharsets.UTF_8), true);
            assertEquals(1009, raw.awaitCloseCode(PATIENCE), "close code for an oversized line");
        }
        await().alias("bystander hears 'big' leave").until(() -> bystander.count("leave") == 1);
        assertOthersStillChat("an oversized line");
    }

    @Test
    @DisplayName("4d. a binary frame is closed with 1003; others keep chatting")
    void binaryFrameIsClosedWith1003() throws Exception {
        ChatClient bystander = join("bystander");
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=binary", null)) {
            raw.sendFrame(RawClient.BINARY, new byte[] {1, 2, 3}, true);
            assertEquals(1003, raw.awaitCloseCode(PATIENCE), "close code for a binary frame");
        }
        await().alias("bystander hears 'binary' leave").until(() -> bystander.count("leave") == 1);
        assertOthersStillChat("a binary frame");
    }

    @Test
    @DisplayName("4e. invalid UTF-8 is closed with 1007; others keep chatting")
    void invalidUtf8IsClosedWith1007() throws Exception {
        ChatClient bystander = join("bystander");
        try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=garbled", null)) {
            raw.sendFrame(RawClient.TEXT, new byte[] {'h', 'i', (byte) 0xC3, (byte) 0x28}, true);
            assertEquals(1007, raw.awaitCloseCode(PATIENCE), "close code for invalid UTF-8");
        }
        await().alias("bystander hears 'garbled' leave").until(() -> bystander.count("leave") == 1);
        assertEquals(0, bystander.count("chat"), "the invalid line must not be delivered: " + bystander.frames());
        assertOthersStillChat("invalid UTF-8");
    }

    @Test
    @DisplayName("4f. a client that vanishes in the middle of a frame is cleaned up; others keep chatting")
    void clientVanishingMidFrameIsCleanedUp() throws Exception {
        ChatClient bystander = join("bystander");
        RawClient raw = RawClient.upgrade(server.port(), "/chat?name=halfway", null);
        await().until(() -> server.model().registered() == 2);
        raw.sendHalfAFrame("this line never finishes");
        raw.vanish();
        await().alias("bystander hears 'halfway' leave").until(() -> bystander.count("leave") == 1);
        await().alias("the transport drops the connection").until(() -> server.openConnections() == 1);
        assertEquals(0, bystander.count("chat"), "half a line must never be delivered: " + bystander.frames());
        assertOthersStillChat("a vanished client");
    }

    // ---------------------------------------------------------------------------------------------
    // 5. a client that stops reading

    @Test
    @DisplayName("5. a client that stops reading is dealt with as the model promises (evicted with 1008, or dropped after writeWait); the others' lines keep flowing; memory stays bounded")
    void slowClientIsDealtWithOthersKeepFlowing() {
        SlowClientPolicy policy = slowClientPolicy();
        ChatClient slow = join("slow");
        slow.pauseReading();
        ChatClient flooder = join("flooder");
        ChatClient watcher = join("watcher");
        // Big lines fill the slow client's TCP buffers (a few MB on loopback) quickly; then the model must act.
        // At most `window` lines go unechoed, so the healthy clients are never the ones that fall behind.
        String filler = "#".repeat(3000);
        int window = 32;
        int maxLines = 20_000;
        long maxQueued = 0;
        long longestSendNanos = 0;
        int sent = 0;
        while (sent < maxLines && server.metrics().evictions() == 0 && server.metrics().writeFailures() == 0) {
            sent++;
            long before = System.nanoTime();
            try {
                if (sent > window) {
                    flooder.awaitChatsFrom(flooder.name(), sent - window, PATIENCE);
                }
                flooder.send(sent + " " + filler);
            } catch (IllegalStateException | AssertionError e) {
                throw new AssertionError("line " + sent + " from a healthy client was not taken: the model stalled"
                        + " behind the client that stopped reading (head-of-line blocking) for longer than writeWait", e);
            }
            longestSendNanos = Math.max(longestSendNanos, System.nanoTime() - before);
            maxQueued = Math.max(maxQueued, server.metrics().queuedMessages());
        }
        String what = "sent " + sent + " lines of 3 KB to a client that stopped reading";
        switch (policy) {
            case EVICTED_WITH_1008 -> {
                assertEquals(1, server.metrics().evictions(), what + "; expected exactly one eviction (1008)"
                        + (server.metrics().writeFailures() > 0 ? ", but the model never evicted it and the transport's"
                        + " write deadline dropped it instead: a full queue must close its client, not skip frames or"
                        + " wait on it" : ""));
                assertTrue(maxQueued <= maxQueuedFrames(), "the model queued up to " + maxQueued
                        + " frames: memory is not bounded by its send queues");
            }
            case DROPPED_AFTER_WRITE_WAIT -> {
                assertEquals(1, server.metrics().writeFailures(), what + "; expected the write deadline to drop it");
                Duration longest = Duration.ofNanos(longestSendNanos);
                assertTrue(longest.compareTo(server.config().writeWait().plusSeconds(5)) < 0,
                        "a healthy client waited " + longest + " for one send: longer than writeWait allows");
            }
        }

        int total = sent;
        await().alias("watcher receives all " + total + " lines").until(() -> watcher.count("chat") >= total);
        List<JsonNode> lines = watcher.framesOfType("chat");
        for (int i = 0; i < total; i++) {
            assertEquals(i + 1, lines.get(i).path("seq").asLong(), "watcher's line " + (i + 1) + " is out of order or lost");
        }
        await().alias("watcher hears 'slow' leave").until(() -> watcher.count("leave") == 1);
        assertEquals("slow", watcher.framesOfType("leave").get(0).path("name").asText());

        slow.resumeReading();
        ChatClient.Close close = slow.awaitClose(PATIENCE);
        switch (policy) {
            case EVICTED_WITH_1008 -> assertEquals(1008, close.code(), "the slow client's close: " + close);
            // The transport sends 1008 and drops the connection at once, so the client may only see the drop.
            case DROPPED_AFTER_WRITE_WAIT -> assertTrue(close.code() == 1008 || close.code() == 1006,
                    "the slow client's close: " + close);
        }
        assertOthersStillChat("a slow client");
    }

    // ---------------------------------------------------------------------------------------------
    // 5b. bursts and stuck clients: the server's lag is never a prompt reader's fault

    /*
     * Guards the full-queue rule's wait for room: a queue filled by the server's own lag is not the client's fault.
     * Failed at fd9fac9^, whose lane and outbox evicted whoever was full (the worker pool: "b5 Close[code=1008 ...]",
     * 10 evictions; the channel hub: 19 of the 20 prompt readers). Today's twin, SendQueue.offer's too-slow test
     * (stalledFor >= stallNanos || now >= waitUntil) replaced by true, is caught here only with more lines than these:
     * 100 per sender do not fill a prompt reader's queue of 256 on two cores, 1,000 caught it in two or three of the four
     * queueing models per run (measured twice). The test keeps 100, so that a loaded machine never holds a prompt
     * reader's send for a whole SendQueue.STALL.
     */
    @Test
    @DisplayName("5b. a burst: 5 of 20 clients send 100 lines each as fast as they can; every client reads promptly, gets all 500 in order, and nobody is evicted")
    void burstNeverEvictsPromptReaders() throws Exception {
        List<ChatClient> everyone = IntStream.range(0, 20).mapToObj(i -> join("b" + i)).toList();
        List<ChatClient> senders = everyone.subList(0, 5);
        List<String> senderNames = senders.stream().map(ChatClient::name).toList();
        int perSender = 100;
        List<Thread> threads = new ArrayList<>();
        for (ChatClient sender : senders) { // no window: the senders outrun the server, which must push back on them
            threads.add(Thread.ofVirtual().start(() -> IntStream.rangeClosed(1, perSender)
                    .forEach(i -> sender.send(DeliveryCheck.line(sender.name(), i)))));
        }
        for (Thread t : threads) {
            t.join(PATIENCE);
        }
        int expected = senders.size() * perSender;
        await().alias("every client has all " + expected + " lines, or someone was closed")
                .until(() -> everyone.stream().allMatch(c -> c.count("chat") >= expected)
                        || everyone.stream().anyMatch(ChatClient::isClosed));
        List<ChatClient> closed = everyone.stream().filter(ChatClient::isClosed).toList();
        assertEquals(List.of(), closed.stream().map(c -> c + " " + c.closed().getNow(null)).toList(), "clients that read"
                + " promptly were closed during a burst (" + server.metrics().evictions() + " evictions): the server"
                + " blamed them for its own lag; a sender should feel backpressure instead");
        DeliveryCheck.assertPerfect(everyone, senderNames, perSender, "during a burst");
    }

    /*
     * Fails on tests/assignments/mistakes GlobalWriteLock, graded in evict mode (writes inline under one lock: the
     * flooders' lines wait for the stuck client's writeWait), as it failed at fd9fac9^ on the worker pool (blocking
     * writes: 10 clients dropped instead of the 4 stuck ones) and on the mutex map (a lock per connection).
     * The bound is what the full-queue rule promises: whoever offers waits on a stuck client at most SendQueue.STALL,
     * counted from when that client's send got stuck, so clients that get stuck together cost that once, not
     * once each (measured: 0.8-1.0 s for 1, 4 and 8 stuck clients, every fixed model). Fails with SendQueue.offer's
     * "stalledFor >= stallNanos ||" removed (a stuck client waited for the whole write wait: "took 10005 ms").
     * Counting the stall from each offer's own start instead stacks the waits (8 stuck clients: 2.0 s): under this
     * bound, which leaves room for a loaded machine, so that twin is not caught here.
     */
    @Test
    @DisplayName("5c. one client stops reading while four others flood: no other client is closed, and none of their lines waits longer than 3 x SendQueue.STALL (models that queue; the polling loop's stall is its lesson)")
    void oneStuckClientNeverHoldsUpTheOthers() {
        stuckClientsNeverHoldUpTheOthers(1);
    }

    @Test
    @DisplayName("5c. four clients stop reading while four others flood: the same bound, not four times it")
    void fourStuckClientsNeverHoldUpTheOthers() {
        stuckClientsNeverHoldUpTheOthers(4);
    }

    @Test
    @DisplayName("5c. eight clients stop reading while four others flood: the same bound, not eight times it")
    void eightStuckClientsNeverHoldUpTheOthers() {
        stuckClientsNeverHoldUpTheOthers(8);
    }

    private void stuckClientsNeverHoldUpTheOthers(int k) {
        // The polling loop's stall (writeWait per stuck client, for everyone) is its documented lesson, shown by test 5.
        assumeTrue(slowClientPolicy() == SlowClientPolicy.EVICTED_WITH_1008, "a model that stalls on a stuck client");
        List<ChatClient> stuck = IntStream.range(0, k).mapToObj(i -> join("stuck" + i)).toList();
        stuck.forEach(ChatClient::pauseReading);
        List<ChatClient> flooders = IntStream.range(0, 4).mapToObj(i -> join("flood" + i)).toList();
        ChatClient observer = join("observer");
        Duration bound = SendQueue.STALL.multipliedBy(3);
        // Big lines fill the stuck clients' TCP buffers quickly. Each flooder waits for its own echo (so it never
        // runs ahead of the server) and times it: the echo goes through the model like every other line.
        String filler = "#".repeat(3000);
        Duration slowest = Duration.ZERO;
        int rounds = 0;
        while (rounds < 5000 && server.metrics().evictions() + server.metrics().writeFailures() < stuck.size()) {
            rounds++;
            for (ChatClient flooder : flooders) {
                long before = System.nanoTime();
                flooder.send(rounds + " " + filler);
                flooder.awaitChatsFrom(flooder.name(), rounds, PATIENCE);
                Duration took = Duration.ofNanos(System.nanoTime() - before);
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
            }
        }
        String what = rounds + " rounds of 4 lines of 3 KB beside " + k + " stuck client(s)";
        assertEquals(stuck.size(), server.metrics().evictions() + server.metrics().writeFailures(),
                what + ": expected exactly the " + stuck.size() + " stuck clients to be dropped");
        assertTrue(slowest.compareTo(bound) < 0, what + ": a healthy client's line took " + slowest.toMillis()
                + " ms to come back, more than " + bound.toMillis() + " ms: the stuck clients held up everyone"
                + " (a writer that waits on a stuck client, shared by others, is the usual cause)");
        System.out.printf("5c. %s: %d stuck client(s) cost the others at most %d ms (%d rounds)%n", newModel(), k,
                slowest.toMillis(), rounds);
        int total = rounds;
        List<ChatClient> healthy = new ArrayList<>(flooders);
        healthy.add(observer);
        for (ChatClient c : healthy) {
            await().alias(c + " gets every flooder's " + total + " lines").until(() -> c.count("chat") >= 4L * total);
            assertTrue(!c.isClosed(), c + " reads promptly and was closed: " + c.closed().getNow(null));
            for (ChatClient flooder : flooders) {
                List<Long> seqs = c.framesOfType("chat").stream().filter(f -> f.path("from").asText().equals(flooder.name()))
                        .map(f -> f.path("seq").asLong()).toList();
                assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), seqs, c + " got " + flooder + "'s lines");
            }
        }
        assertOthersStillChat("stuck clients");
    }

    /*
     * A hundred clients stop reading at the same moment, so their queues fill together: evicting one offers its leave
     * to the others, which are full too. An eviction that evicts from inside itself recurses once per full client
     * (thousands overflow the stack: see the models' MassEvictionTest, below the network) and counts some twice.
     * Fails on tests/assignments/mistakes LeaveTwice (the evicted clients' own readers announce them again); it failed
     * at 848b7e0^ on the channel hub, whose eviction recursed (112 evictions counted for the 100 clients).
     */
    @Test
    @DisplayName("5d. mass eviction: 100 clients stop reading at once while others chat: each is evicted and counted exactly once, the others get every line and every leave, and the chat goes on (models that queue)")
    void massEvictionLeavesTheChatWorking() {
        assumeTrue(slowClientPolicy() == SlowClientPolicy.EVICTED_WITH_1008, "a model that stalls on a stuck client");
        int crowd = 100;
        ChatClient flooder = join("flooder");
        ChatClient watcher = join("watcher");
        int threadsBefore = server.threads().live();
        List<ChatClient> stuck = IntStream.range(0, crowd).mapToObj(i -> join("mass" + i)).toList();
        stuck.forEach(ChatClient::pauseReading);
        // As in test 5: big lines fill the stuck clients' TCP buffers, then their queues; a window keeps the flooder
        // from running ahead of the model, so the healthy clients are never the ones that fall behind.
        String filler = "#".repeat(4000);
        int window = 32;
        int sent = 0;
        while (sent < 20_000 && server.metrics().evictions() + server.metrics().writeFailures() < crowd) {
            sent++;
            if (sent > window) {
                flooder.awaitChatsFrom(flooder.name(), sent - window, PATIENCE);
            }
            flooder.send(sent + " " + filler);
        }
        await().alias("the model lets go of the " + crowd + " stuck clients").until(() -> server.model().registered() == 2);
        String what = "sent " + sent + " lines of 4 KB while " + crowd + " clients had stopped reading";
        assertEquals(crowd, server.metrics().evictions(), what + ": the count of evictions is wrong (more than one per"
                + " client: an eviction that evicts others from inside itself counts some twice; fewer: some were"
                + " dropped by write failures instead, so their queues were not bounded)");
        int total = sent;
        await().alias("watcher receives all " + total + " lines").until(() -> watcher.count("chat") >= total);
        List<Long> seqs = watcher.framesOfType("chat").stream().map(f -> f.path("seq").asLong()).toList();
        assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), seqs, "the lines watcher got, by seq");
        await().alias("watcher hears all " + crowd + " leaves").until(() -> watcher.count("leave") >= crowd);
        List<String> left = sorted(watcher.framesOfType("leave").stream().map(f -> f.path("name").asText()).toList());
        assertEquals(sorted(stuck.stream().map(ChatClient::name).toList()), left, "the leaves watcher heard");
        assertTrue(!flooder.isClosed() && !watcher.isClosed(), "a client that reads was closed: flooder "
                + flooder.closed().getNow(null) + ", watcher " + watcher.closed().getNow(null));
        stuck.forEach(ChatClient::resumeReading); // each reads what its buffers hold, then its close
        stuck.forEach(c -> c.awaitClose(PATIENCE));
        // Each evicted client's own reader now wakes to its close and leaves again: that second leave must change
        // nothing. Once their threads have ended, a newcomer's join queues behind anything they announced.
        await().alias("the model threads of the " + crowd + " evicted clients end")
                .until(() -> server.threads().live() <= threadsBefore);
        join("latecomer");
        await().alias("watcher hears the latecomer join").until(() -> watcher.count("join") >= crowd + 1);
        List<String> leftInTheEnd = sorted(watcher.framesOfType("leave").stream().map(f -> f.path("name").asText()).toList());
        List<String> twice = new ArrayList<>(leftInTheEnd);
        left.forEach(twice::remove);
        assertEquals(List.of(), twice, "leaves watcher heard again once the evicted clients' own readers had ended"
                + " (" + twice.size() + " extra): a client's departure must be announced once, however many threads"
                + " see it go; make leave idempotent (only the call that removes the client announces it)");
        assertOthersStillChat("a mass eviction");
    }

    /*
     * Four clients stop reading but keep talking while a flood fills their queues. Once evicted, each must go quiet at
     * once: its queued frames dropped (not sent to a client that cannot read them, nor held for the write wait), and
     * not one more of its lines delivered after its leave (the after-each promise check reads every frame the watcher
     * got). Shown to fail on main 550e2ba, where an evicted client's reader went on broadcasting until its connection
     * closed: thread-per-connection's watcher got "a line from chatty0, who is not online here"; the same code also
     * kept thread-per-connection's and mutex-map's 4 x 256 frames queued (evict ran after remove had finished the
     * outbox, so nothing was dropped). Fails with SendQueue.evict's frames.clear() removed ("frames still queued").
     */
    @Test
    @DisplayName("5f. clients that stop reading but keep sending: once evicted, their queues are dropped at once and nobody hears a line from them after their leave (models that queue)")
    void evictedClientGoesQuiet() throws Exception {
        assumeTrue(slowClientPolicy() == SlowClientPolicy.EVICTED_WITH_1008, "a model that stalls on a stuck client");
        ChatClient flooder = join("flooder");
        List<ChatClient> chatty = IntStream.range(0, 4).mapToObj(i -> join("chatty" + i)).toList();
        chatty.forEach(ChatClient::pauseReading);
        // Last, so a registry walked in join order (most are) offers to it after the stuck ones: a chatty client's line
        // that waits for room in another stuck queue reaches the watcher late, widening the window a leave can overtake.
        ChatClient watcher = join("watcher");
        String filler = "#".repeat(3000);
        int window = 32;
        int sent = 0;
        int said = 0;
        while (sent < 20_000 && server.metrics().evictions() + server.metrics().writeFailures() < chatty.size()) {
            sent++;
            if (sent > window) {
                flooder.awaitChatsFrom(flooder.name(), sent - window, PATIENCE);
            }
            flooder.send(sent + " " + filler);
            if (sent % 4 == 0) {
                said++;
                for (ChatClient c : chatty) {
                    c.send(said + " still talking"); // they read nothing, but their lines keep coming in
                }
            }
        }
        assertEquals(chatty.size(), server.metrics().evictions(), "sent " + sent + " lines of 3 KB: expected the "
                + chatty.size() + " clients that stopped reading to be evicted");
        // At once: well within the write wait, which is how long a stuck send takes to fail by itself.
        await().atMost(server.config().writeWait().dividedBy(2)).alias("frames still queued for the evicted clients dropped")
                .until(() -> server.metrics().queuedMessages() <= 2L * 64);
        for (int i = 0; i < 50; i++) {
            for (ChatClient c : chatty) {
                c.send("after eviction " + i); // nobody may hear these after the leave
            }
        }
        await().alias("watcher hears the " + chatty.size() + " evicted clients leave").until(() -> watcher.count("leave") >= chatty.size());
        flooder.send("the last line");
        awaitChat(watcher, flooder.name(), "the last line"); // everything the model took before it has reached watcher
        Promises.assertKept(List.of(watcher, flooder), "after an eviction");
        chatty.forEach(ChatClient::resumeReading);
        for (ChatClient c : chatty) {
            assertEquals(1008, c.awaitClose(PATIENCE).code(), c + " was evicted and must hear 1008");
        }
        assertOthersStillChat("evicted clients that kept talking");
    }

    /*
     * Shown to fail on tests/assignments/mistakes DropWhenFull (a full queue skips the frame): "slow" came back
     * connected, with hundreds of lines missing.
     */
    @Test
    @DisplayName("5e. a client that stops reading, then catches up, either gets every line sent meanwhile or is closed: never silently skipped")
    void laggingClientGetsEverythingOrIsClosed() throws Exception {
        if (slowClientPolicy() == SlowClientPolicy.EVICTED_WITH_1008) {
            // A write deadline longer than the flood, so the transport's own timeout cannot hide a model that drops.
            restartWith(config().withWriteWait(PATIENCE));
        }
        ChatClient slow = join("slow");
        slow.pauseReading();
        ChatClient flooder = join("flooder");
        String filler = "#".repeat(4000);
        int window = 32;
        int lines = 3000; // 12 MB: more than the TCP buffers and any bounded queue of 4 KB lines hold
        int sent = 0;
        while (sent < lines && server.metrics().evictions() + server.metrics().writeFailures() == 0) {
            sent++;
            if (sent > window) {
                flooder.awaitChatsFrom(flooder.name(), sent - window, PATIENCE);
            }
            flooder.send(sent + " " + filler);
        }
        slow.resumeReading();
        // Markers until one reaches slow (a model that drops may drop the first ones too) or slow is closed.
        boolean arrived = false;
        for (int i = 1; i <= 10 && !arrived && !slow.isClosed(); i++) {
            String marker = "marker " + i;
            flooder.send(marker);
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> slow.hasChat(flooder.name(), marker) || slow.isClosed());
                arrived = slow.hasChat(flooder.name(), marker);
            } catch (ConditionTimeoutException stillNothing) {
                // the next marker
            }
        }
        if (slow.isClosed()) {
            return; // closed: it knows it missed lines, and can reconnect
        }
        assertTrue(arrived, "slow, reading again, got none of 10 markers within 5 s each and is still connected");
        int total = sent;
        long got = slow.framesOfType("chat").stream().filter(f -> f.path("seq").asLong() <= total).count();
        assertEquals(total, got, "slow stopped reading while " + total + " lines were sent, then read again: it is still"
                + " connected, yet got only " + got + " of them. A client that cannot keep up must be closed (1008), never"
                + " skipped silently: it believes it saw the whole conversation");
    }

    // ---------------------------------------------------------------------------------------------
    // 6. heartbeat

    @Test
    @DisplayName("6a. a client whose process dies (TCP reset, no close frame) is cleaned up at once, by the transport, not by the heartbeat")
    void vanishedClientIsCleanedUpAtOnce() throws Exception {
        ChatClient watcher = join("watcher"); // pongWait is the default minute: only the reset can explain a quick cleanup
        RawClient raw = RawClient.upgrade(server.port(), "/chat?name=ghost", null);
        await().until(() -> server.model().registered() == 2);
        raw.vanish();
        await().alias("ghost is dropped and unregistered after its reset")
                .until(() -> server.model().registered() == 1 && server.openConnections() == 1);
        await().alias("watcher hears ghost leave").until(() -> watcher.count("leave") == 1);
        assertEquals(0, server.metrics().heartbeatTimeouts(), "the reset, not the heartbeat, must have ended ghost");
    }

    @Test
    @DisplayName("6b. a client that never answers pings (as when its network died: not even a FIN arrives) is closed pongWait after it connected, not before")
    void silentClientIsClosedAfterPongWait() throws Exception {
        restartWith(config().withPongWait(SHORT_PONG_WAIT));
        ChatClient watcher = join("watcher");
        RawClient silent = RawClient.upgrade(server.port(), "/chat?name=silent", null); // never reads, never pongs
        await().until(() -> server.model().registered() == 2);
        await().atLeast(SHORT_PONG_WAIT.multipliedBy(8).dividedBy(10))
                .atMost(SHORT_PONG_WAIT.plusSeconds(2))
                .alias("silent client closed by the heartbeat")
                .until(() -> server.openConnections() == 1);
        assertEquals(1, server.metrics().heartbeatTimeouts(), "heartbeat timeouts");
        await().alias("watcher hears silent leave").until(() -> watcher.count("leave") == 1);
        silent.close();
    }

    /*
     * With explicit demand a client's pong is read only after the model takes its previous line. Here one client stops
     * reading while a talker floods: a model that waits on the stuck client (the polling loop, for the write wait) does
     * not take the talker's lines meanwhile, and the talker's pong waits behind them. The heartbeat must judge the
     * client's silence, not the model's. A guard, not the demonstration: on main 550e2ba the polling loop failed it in
     * 1 of 2 runs (the talker closed under its send), because the stall ends when the stuck client's own heartbeat
     * fires, so it overlaps the talker's pong deadline only in some phases. TransportTest's
     * heartbeatDoesNotJudgeAHeldLine holds the line on purpose and fails on 550e2ba every time.
     */
    @Test
    @DisplayName("6d. a healthy client chatting through a model that is slow to take its lines is never closed by the heartbeat")
    void heartbeatNeverJudgesAHeldLine() throws Exception {
        restartWith(config().withPongWait(SHORT_PONG_WAIT).withWriteWait(STALL_WRITE_WAIT));
        ChatClient stuck = join("stuck");
        stuck.pauseReading();
        ChatClient talker = join("talker");
        ChatClient watcher = join("watcher");
        String filler = "#".repeat(3000);
        int sent = 0;
        // Until the stuck client is dropped (by eviction, write deadline or heartbeat), and for some lines after.
        int after = -1;
        while (sent < 20_000 && (after < 0 || sent < after) && !talker.isClosed()) {
            sent++;
            try {
                talker.send(sent + " " + filler); // no window: the talker's lines wait in the server while the model is held
            } catch (IllegalStateException closedUnderIt) {
                talker.awaitClose(PATIENCE); // the server closed the talker: the assertion below says how
                break;
            }
            if (after < 0 && stuck.isClosed() || after < 0 && server.model().registered() < 3) {
                after = sent + 200;
            }
            if (sent % 32 == 0) {
                talker.awaitChatsFrom(talker.name(), sent - 32, PATIENCE);
            }
        }
        int total = sent;
        await().alias("talker's " + total + " lines reach watcher, or talker is closed")
                .until(() -> watcher.count("chat") >= total || talker.isClosed());
        assertTrue(!talker.isClosed(), "talker was closed: " + talker.closed().getNow(null) + ". It answered every"
                + " ping; its pong waited behind its own line, which the model had not taken yet");
        assertTrue(!watcher.isClosed(), "watcher was closed: " + watcher.closed().getNow(null));
    }

    /*
     * The header timeout is short here too, so the client must also outlive it: it is meant for request heads, and an
     * upgraded connection has sent its own. Fails at 531e623^, whose header deadline was armed for the WebSocket
     * connection as well and closed every client exactly one header timeout after it connected (10 s in production,
     * so the short tests never saw it; the full benchmark did).
     */
    @Test
    @DisplayName("6c. a client that answers pings stays connected for many pongWaits, long past the header timeout")
    void liveClientSurvivesManyPongWaits() throws Exception {
        restartWith(config().withPongWait(SHORT_PONG_WAIT).withHeaderTimeout(SHORT_PONG_WAIT.dividedBy(3)));
        ChatClient alive = join("alive");
        await().during(SHORT_PONG_WAIT.multipliedBy(3)).atMost(SHORT_PONG_WAIT.multipliedBy(4))
                .alias("alive stays connected").until(() -> !alive.isClosed());
        assertEquals(0, server.metrics().heartbeatTimeouts(), "heartbeat timeouts");
        assertEquals(0, server.metrics().headerTimeouts(), "header timeouts: a connected client's head came long ago");
        alive.send("still here");
        awaitChat(alive, "alive", "still here");
    }

    // ---------------------------------------------------------------------------------------------
    // 7. shutdown

    @Test
    @DisplayName("7. shutdown delivers every line the model took, even to a lagging client, then every client gets 1001, and the model's threads end")
    void shutdownFlushesThenCloses1001() throws Exception {
        ChatClient sender = join("sender");
        ChatClient reader = join("reader");
        ChatClient lagging = join("lagging");
        lagging.pauseReading();
        // Fill the lagging client's TCP buffers until the model holds frames for it (or, for a model without
        // queues, until its writer must be blocked): those frames are what shutdown must not lose. Closed loop:
        // each line's echo to its sender proves the model has fanned it out, so the flood never runs ahead
        // of the model and the count of queued frames is exact when the loop stops.
        // A model without queues blocks on the lagging client instead: the flood stops when an echo is late.
        String filler = "#".repeat(3000);
        int sent = 0;
        boolean blocked = false;
        while (sent < 4000 && !blocked && server.metrics().queuedMessages() < 50) {
            sent++;
            sender.send(sent + " " + filler);
            try {
                sender.awaitChatsFrom(sender.name(), sent, Duration.ofMillis(300));
            } catch (AssertionError late) {
                blocked = true;
            }
        }
        int lines = (int) sender.count("chat"); // the lines the model has surely taken
        assertEquals(0, server.metrics().evictions(), "nobody may be evicted before shutdown in this test");

        Thread shutdown = Thread.ofPlatform().name("test-shutdown").start(server::shutdown);
        await().alias("shutdown has begun").until(() -> !server.isAccepting());
        lagging.resumeReading();
        shutdown.join(PATIENCE);

        for (ChatClient c : List.of(sender, reader, lagging)) {
            ChatClient.Close close = c.awaitClose(PATIENCE);
            List<JsonNode> got = c.framesOfType("chat");
            assertTrue(got.size() >= lines, c + " lost lines at shutdown: got " + got.size() + " of " + lines + " ("
                    + close + "); server counted " + server.metrics().evictions() + " evictions, "
                    + server.metrics().writeFailures() + " failed writes, " + server.metrics().concurrentWrites()
                    + " concurrent writes");
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i + 1, got.get(i).path("seq").asLong(), c + "'s line " + (i + 1) + " at shutdown");
            }
            assertEquals(1001, close.code(), c + "'s close: " + close);
        }
        assertEquals(0, server.threads().live(), "model threads still running after shutdown");
        assertTrue(!server.isAccepting(), "a stopped server must not accept");
    }

    /*
     * Clients keep connecting while the server stops: some are refused with 503, some are accepted just before the
     * model stops, and the model must end every thread it started for them. It failed at 848b7e0^ (one core kept busy,
     * 30 repeats each): the worker pool 1 of 30, its twin WorkerPool.join without {@code if (closing) return false;}
     * (readers that joined after stop's snapshot waited for room in lanes that no worker would drain again: 38 model
     * threads left after the grace); the transport 3 of 30 (refused upgrades kept alive, and a socket accepted just as
     * Jetty stopped kept its 30 s idle timeout, so Jetty's graceful stop waited out the whole grace;
     * TransportTest.refusedUpgradeEndsItsConnection shows the first). At 848b7e0: 0 of 210 (30 on each contract class).
     */
    @Test
    @DisplayName("7b. shutdown in the middle of a connect storm ends within the grace: every client closed, every model thread ended")
    void shutdownDuringAConnectStormEndsInTime() throws Exception {
        ChatClient first = join("first");
        int storm = 200;
        CountDownLatch halfway = new CountDownLatch(storm / 2);
        List<Thread> connecting = new ArrayList<>();
        for (int i = 0; i < storm; i++) {
            String name = "storm" + i;
            connecting.add(Thread.ofVirtual().start(() -> {
                try {
                    clients.add(webSockets.connect(server.chatUri(name), name));
                } catch (RuntimeException refused) {
                    // refused (503) or dropped while the server stops: expected for some
                } finally {
                    halfway.countDown();
                }
            }));
        }
        halfway.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        Duration grace = server.config().shutdownGrace();
        long before = System.nanoTime();
        server.shutdown();
        Duration took = Duration.ofNanos(System.nanoTime() - before);
        int openAfter = server.openConnections();
        int threadsAfter = server.threads().live();
        for (Thread t : connecting) {
            t.join(PATIENCE);
        }
        assertTrue(took.compareTo(grace) < 0, "shutdown took " + took.toMillis() + " ms, the whole grace of "
                + grace.toMillis() + " ms, and left " + openAfter + " connections open and " + threadsAfter
                + " model threads running: a client that connected during the shutdown was never closed, or a model"
                + " thread waited for something that had already stopped (a writer, a worker, a queue)");
        assertEquals(0, server.threads().live(), "model threads still running after shutdown");
        assertEquals(1001, first.awaitClose(PATIENCE).code(), "the first client's close");
    }

    // ---------------------------------------------------------------------------------------------
    // 8. leaks

    /*
     * Shown to fail on tests/assignments/mistakes RawVirtualWriter (a writer per client on Thread.ofVirtual(), never
     * ended): its leaked writers are invisible to Thread.getAllStackTraces(), which this test used to compare.
     */
    @Test
    @DisplayName("8. after every client leaves, the registry, connections, model threads and JVM threads return to the baseline")
    void noLeaksAfterEveryoneLeaves() {
        int modelThreads = server.threads().live(); // before any client: only the model's own long-lived threads
        ChatClient warmUp = join("warm-up"); // lets both sides start their lazy platform threads before that baseline
        warmUp.send("warming up");
        awaitChat(warmUp, "warm-up", "warming up");
        warmUp.leave();
        await().alias("warm-up leaves: registry and connections at zero")
                .until(() -> server.model().registered() == 0 && server.openConnections() == 0);
        // Every Java thread, platform and virtual, compared as a set of ids: a writer started with Thread.ofVirtual()
        // escapes the model's thread count, not this. (ThreadMXBean's count also includes JIT compiler threads,
        // which the JVM starts under load and retires after idling: that would measure the JIT.)
        Set<Long> baseline = ThreadCensus.alive().keySet();

        List<ChatClient> crowd = IntStream.range(0, 100).mapToObj(i -> join("crowd" + i)).toList();
        for (ChatClient c : crowd.subList(0, 10)) {
            c.send("hello from " + c.name());
        }
        await().alias("each of the crowd gets the 10 hellos").until(() -> crowd.stream().allMatch(c -> c.count("chat") == 10));
        assertEquals(100, server.model().registered(), "clients in the registry with the crowd connected");
        crowd.forEach(ChatClient::leave);
        await().alias("registry and connections back to zero")
                .until(() -> server.model().registered() == 0 && server.openConnections() == 0);
        await().alias("model threads back to the baseline of " + modelThreads)
                .until(() -> server.threads().live() == modelThreads);
        await().pollInSameThread() // Awaitility's own poller thread would count as a new thread
                .alias("threads started for the crowd end").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(List.of(), threadsStartedSince(baseline),
                "threads (platform or virtual) started while 100 clients came and went, still alive after they all"
                        + " left: a thread per client that is never ended is a leak; end each client's threads when it leaves"));
        assertEquals(0, server.metrics().connections(), "open connections in the metrics");
        // Frames queued for clients that left are discarded by their writers, which may still be at it: wait for the
        // count, which a real leak never brings back to zero.
        await().alias("frames still queued back to zero (a leak leaves it above)")
                .until(() -> server.metrics().queuedMessages() == 0);
    }
}
