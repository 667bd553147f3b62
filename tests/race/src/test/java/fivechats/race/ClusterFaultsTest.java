package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.cluster.Cluster;
import fivechats.cluster.ClusterLink;
import fivechats.cluster.ClusterMetrics;
import fivechats.threadperconnection.ThreadPerConnection;
import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.ClusterConfig;
import fivechats.transport.ClusterConfig.Mode;
import fivechats.transport.ModelContext;
import fivechats.transport.TransportConfig;
import fivechats.transport.Wire;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster when Redis, the network or a server misbehaves (issue 28): an entry that is not an envelope, an error
 * Redis answers at once, a server cut off longer than the node TTL, a broker that answers slowly while a server joins,
 * a model that registers a client late, writes that Redis refuses, a server killed while another's reader is behind,
 * a server killed and started again under its name, a newcomer welcomed while its model is behind on the others' joins
 * and leaves.
 * Every scenario runs the fixed bus (streams), and each test's header names the mutation it fails on. The faults are
 * real: Redis's own error replies ({@code CONFIG SET min-replicas-to-write}), a TCP proxy that holds a server's
 * traffic ({@link BrokerProxy}), SIGKILL of a server process.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterFaultsTest extends ClusterFixture {
    /**
     * A foreign entry in the stream (another program's XADD, a half-written entry, a kind from a newer version) is
     * counted, logged and skipped: the lines after it reach everyone. Fails with the catch in
     * {@code StreamBus.decodeOrSkip} narrowed to {@code UnsupportedOperationException}: every server's reader thread
     * dies on the first foreign entry, and "after the foreign entries" never arrives (issue 28, finding 3).
     */
    @Test
    @DisplayName("foreign entries in the stream are counted and skipped: the lines after them reach every server")
    void foreignStreamEntriesAreSkipped() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            List<ChatClient> pair = oneOnEachOfTwo(rig, "a", "b");
            ChatClient a = pair.get(0);
            ChatClient b = pair.get(1);
            redis.admin().xadd("fivechats:stream", Map.of("x", "y")); // no envelope at all
            redis.admin().xadd("fivechats:stream", Map.of("e", "SHOUT\tz@1\t1\t1\thello")); // a kind this version lacks
            redis.admin().xadd("fivechats:stream", Map.of("e", "not an envelope"));
            a.send("after the foreign entries");
            for (ChatClient client : List.of(a, b)) {
                await().alias(client.name() + " gets the line after the foreign entries")
                        .until(() -> client.hasChat("a", "after the foreign entries"));
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(
                        3,
                        Cluster.of(rig.server(i)).metrics().clusterBadEntries(),
                        "server " + i + "'s count of foreign entries");
            }
        }
    }

    /**
     * An error that Redis answers at once (LOADING while it loads its data after a restart; WRONGTYPE here, the stream's
     * key replaced by a string) must not spin the reader on a core: it reads again every 100 ms until it works, then
     * resumes where it was. Fails with the {@code Thread.sleep(READ_RETRY)} in {@code StreamBus.read} removed: ten
     * failed reads in a few milliseconds (issue 28, finding 7).
     */
    @Test
    @DisplayName(
            "an error Redis answers at once is read again calmly (no spin), and the stream resumes when it is gone")
    void anErrorAnsweredAtOnceIsNoSpin() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            List<ChatClient> pair = oneOnEachOfTwo(rig, "a", "b");
            ClusterMetrics metrics = Cluster.of(rig.server(1)).metrics();
            redis.admin().del("fivechats:stream");
            redis.admin().set("fivechats:stream", "not a stream"); // every XREAD now fails at once: WRONGTYPE
            await().alias("B's reader meets the error").until(() -> metrics.clusterReadFailures() >= 1);
            long from = metrics.clusterReadFailures();
            long started = System.nanoTime();
            await().alias("ten more failed reads").until(() -> metrics.clusterReadFailures() >= from + 10);
            long took = Duration.ofNanos(System.nanoTime() - started).toMillis();
            System.out.printf("cluster stream error answered at once: 10 failed reads took %d ms%n", took);
            assertTrue(
                    took >= 500,
                    "10 failed reads took " + took + " ms: the reader spins on an error Redis answers at"
                            + " once, a core busy for as long as it lasts");
            redis.admin().del("fivechats:stream");
            pair.get(0).send("after the error");
            for (ChatClient client : pair) {
                await().alias(client.name() + " gets the line after the error")
                        .until(() -> client.hasChat("a", "after the error"));
            }
        }
    }

    /**
     * A server cut off from Redis longer than the node TTL (its traffic held by a {@link BrokerProxy}: the network
     * stalls, the process runs on) is buried by the others; once it is back, its clients are listed again everywhere,
     * on a server that starts later too. Its client speaks while it is away, so that line lands before the joins the
     * server tells again: they wait for its heartbeat's reply, which the stall holds behind the line. Fails with the
     * {@code epoch++} in {@code Roster.beat} removed (issue 28, finding 2): the join told again is dropped as a copy
     * of the first ("bob hears alice join again" never comes); fails with the {@code redis.sadd(NODES, instance)}
     * under it removed: dave, on a server started afterwards, is welcomed without alice.
     */
    @Test
    @DisplayName("a server away from Redis longer than the node TTL gets its clients listed again when it is back")
    void aServerAwayLongerThanTheTtlGetsItsClientsBack() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS);
                BrokerProxy network = BrokerProxy.to(redis.uri())) {
            rig.start(HUB);
            rig.start(HUB, network.uri());
            ChatClient bob = join(rig, 0, "bob");
            ChatClient alice = join(rig, 1, "alice");
            await().alias("bob hears alice join").until(() -> hasPresence(bob, "join", "alice"));
            network.stall();
            await().atMost(ClusterTest.PROMISED_LEAVE.plusSeconds(5))
                    .alias("bob hears alice leave: B was buried")
                    .until(() -> hasPresence(bob, "leave", "alice"));
            alice.send("said while away");
            network.resume();
            await().alias("bob gets the line alice said while away")
                    .until(() -> bob.hasChat("alice", "said while away"));
            await().atMost(Duration.ofSeconds(10))
                    .alias("bob hears alice join again")
                    .until(() -> bob.framesOfType("join").stream()
                                    .filter(f -> "alice".equals(f.path("name").asText()))
                                    .count()
                            == 2);
            ChatClient carol = join(rig, 0, "carol");
            assertTrue(
                    carol.frames().getFirst().path("online").toString().contains("\"alice\""),
                    "carol, new on A, is welcomed without alice: "
                            + carol.frames().getFirst());
            rig.start(HUB);
            ChatClient dave = join(rig, 2, "dave");
            assertTrue(
                    dave.frames().getFirst().path("online").toString().contains("\"alice\""),
                    "dave, on a server"
                            + " started after B came back, is welcomed without alice (B is not in the nodes set): "
                            + dave.frames().getFirst());
            alice.send("back");
            await().alias("bob and dave get alice's next line")
                    .until(() -> bob.hasChat("alice", "back") && dave.hasChat("alice", "back"));
        }
    }

    /**
     * The same from the server's side: its process frozen (SIGSTOP: a stop-the-world pause, a VM descheduled, a laptop
     * lid) past the node TTL, until the others have buried it and 1 s more, while the network is fine. The others bury it; when it thaws, its next heartbeat
     * finds its key expired, and it tells its clients again, so they are listed everywhere and their lines go on. The
     * server runs from its jar, as a learner runs it ({@link ModelProcess}). Fails with the {@code epoch++} in
     * {@code Roster.beat} removed (and cluster.jar rebuilt): "bob hears alice join again" never comes.
     */
    @Test
    @DisplayName(
            "a server frozen (SIGSTOP) past the node TTL is buried, and gets its clients listed again when it thaws")
    void aServerFrozenPastTheTtlGetsItsClientsBack() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS);
                ModelProcess frozen = ModelProcess.start(
                        "channel-hub", "--broker", redis.uri().toString(), "--node", "frozen")) {
            rig.start(HUB);
            ChatClient bob = join(rig, 0, "bob");
            ChatClient alice = webSockets.connect(frozen.chat("alice"), "alice");
            alice.awaitWelcome();
            await().alias("bob hears alice join").until(() -> hasPresence(bob, "join", "alice"));
            ClusterTest.signal("STOP", frozen.process);
            try {
                await().atMost(ClusterTest.PROMISED_LEAVE.plusSeconds(5))
                        .alias("bob hears alice leave: the frozen server was buried")
                        .until(() -> hasPresence(bob, "leave", "alice"));
                Thread.sleep(1000); // the fault's length past the burial, not a wait for anything
            } finally {
                ClusterTest.signal("CONT", frozen.process);
            }
            await().atMost(Duration.ofSeconds(10))
                    .alias("bob hears alice join again")
                    .until(() -> bob.framesOfType("join").stream()
                                    .filter(f -> "alice".equals(f.path("name").asText()))
                                    .count()
                            == 2);
            alice.send("thawed");
            await().alias("bob gets alice's line after the thaw").until(() -> bob.hasChat("alice", "thawed"));
            ChatClient carol = join(rig, 0, "carol");
            assertTrue(
                    carol.frames().getFirst().path("online").toString().contains("\"alice\""),
                    "carol, new on A, is welcomed without alice: "
                            + carol.frames().getFirst());
        }
    }

    /**
     * A server killed (SIGKILL) and started again at once under the same {@code --node} name, as a supervisor restarts
     * a crashed process: the new process is a new run, not the old one come back. The old run's clients are buried
     * once its key expires, although a server of that name is alive again: by the others, and by the new run itself,
     * which read the old run from Redis at start. (The old key is given 10 s to live after the kill, so that the new
     * run starts before it expires however slow its JVM; asserted.) A client that reconnects to the new run with
     * {@code since=} gets the lines said while the server was down, once, in order, then {@code resumed}; a newcomer
     * on the new run ends up listing one alice, not two. Both servers run from their jar. Fails with the run id dropped
     * from {@code Cluster}'s instance ({@code this.instance = node;}, cluster.jar rebuilt): the new run renews the old
     * run's key, and "bob hears the old alice leave" never comes.
     */
    /** How long the killed run's key lives on: longer than a JVM takes to start on a busy runner. */
    static final Duration OLD_RUN_LINGERS = Duration.ofSeconds(10);

    @Test
    @DisplayName(
            "a server killed and restarted under its name is a new run: the old run's clients leave, a resuming client"
                    + " misses nothing")
    void aServerKilledAndRestartedUnderItsNameIsANewRun() throws Exception {
        String[] flags = {
            "--broker", redis.uri().toString(), "--broker-mode", ClusterRig.flag(Mode.STREAMS), "--node", "phoenix"
        };
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS);
                ModelProcess first = ModelProcess.start("channel-hub", flags)) {
            rig.start(HUB);
            ChatClient bob = join(rig, 0, "bob");
            ChatClient alice = webSockets.connect(first.chat("alice"), "alice");
            alice.awaitWelcome();
            await().alias("bob hears alice join").until(() -> hasPresence(bob, "join", "alice"));
            bob.send("before");
            await().alias("alice gets bob's line").until(() -> alice.hasChat("bob", "before"));
            String since = ResumeTest.lastId(alice);
            first.process.destroyForcibly(); // SIGKILL: no goodbye, its keys stay in Redis until they expire
            first.process.waitFor();
            List<String> oldKey = List.copyOf(redis.admin().keys("fivechats:node:phoenix*"));
            assertEquals(1, oldKey.size(), "the killed run's heartbeat key: " + oldKey);
            redis.admin().pexpire(oldKey.getFirst(), OLD_RUN_LINGERS.toMillis());
            alice.awaitClose(Duration.ofSeconds(10));
            bob.send("while down 1");
            bob.send("while down 2");
            await().alias("bob's lines said while phoenix is down are in the stream")
                    .until(() -> bob.hasChat("bob", "while down 2"));
            try (ModelProcess second = ModelProcess.start("channel-hub", flags)) {
                assertEquals(
                        1L,
                        redis.admin().exists(oldKey.getFirst()),
                        "the old run's key expired before the new run" + " started (over " + OLD_RUN_LINGERS.toSeconds()
                                + " s): the new run could not read it at start");
                ChatClient back = webSockets.connect(URI.create(second.chat("alice") + "&since=" + since), "alice");
                back.awaitWelcome();
                await().alias("alice, back, is told whether she has everything")
                        .until(() -> back.count("resumed") + back.count("gap") > 0);
                List<String> replayed = back.frames().stream()
                        .takeWhile(f -> !f.path("type").asText().equals("resumed"))
                        .filter(f -> f.path("type").asText().equals("chat"))
                        .map(f -> f.path("text").asText())
                        .toList();
                assertEquals(
                        List.of("while down 1", "while down 2"),
                        replayed,
                        "alice's lines missed while her server was" + " down, replayed before 'resumed': "
                                + back.frames());
                assertEquals(1, back.count("resumed"), "continuity was provable: " + back.frames());
                await().atMost(OLD_RUN_LINGERS.plus(ClusterTest.PROMISED_LEAVE).plusSeconds(5))
                        .alias("bob hears the old alice leave")
                        .until(() -> hasPresence(bob, "leave", "alice"));
                ChatClient dave = webSockets.connect(second.chat("dave"), "dave");
                dave.awaitWelcome();
                await().atMost(ClusterTest.PROMISED_LEAVE.plusSeconds(5))
                        .alias("dave, on the new run, lists one alice")
                        .until(() -> ClusterGuaranteesTest.view(dave).online().equals(List.of("alice", "bob", "dave")));
                await().alias("bob lists one alice")
                        .until(() -> ClusterGuaranteesTest.view(bob).online().equals(List.of("alice", "bob", "dave")));
                back.send("reborn");
                await().alias("bob gets the new alice's line").until(() -> bob.hasChat("alice", "reborn"));
            }
        }
    }

    /**
     * Jetty listens before a clustered server has joined its cluster (here the broker's answers are held by a
     * {@link BrokerProxy}): meanwhile /healthz answers 503 "starting: try again in a moment" and an upgrade is refused
     * with 503 "server is starting: try again in a moment", not "shutting down", which would tell a script or a load
     * balancer the server is going away; once joined, /healthz answers 200. Fails with {@code ChatServer.unavailable}
     * answering "shutting down" whenever it is not accepting (issue 28, finding 7): "/healthz while joining: 503
     * shutting down".
     */
    @Test
    @DisplayName("a server still joining its cluster says it is starting (503), not that it is shutting down")
    void aServerJoiningItsClusterSaysStarting() throws Exception {
        try (BrokerProxy network = BrokerProxy.to(redis.uri())) {
            network.stall();
            ChatServer server = ChatServer.newServer(
                    TransportConfig.defaults().withPort(0),
                    HUB.get(),
                    ClusterConfig.of(network.uri().toString(), Mode.STREAMS, "S"));
            CompletableFuture<ChatServer> started = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.start();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            try {
                await().alias("Jetty listens while the server joins its cluster")
                        .until(() -> server.port() > 0);
                RawClient.Handshake health = RawClient.request(server.port(), "GET", "/healthz");
                assertEquals(
                        "503 starting: try again in a moment",
                        health.status() + " " + health.body().strip(),
                        "/healthz while joining: " + health.status() + " "
                                + health.body().strip());
                try (RawClient raw = RawClient.upgrade(server.port(), "/chat?name=early", null)) {
                    assertEquals(503, raw.handshake().status(), "an upgrade while joining: " + raw.handshake());
                    assertTrue(
                            raw.handshake().body().contains("starting: try again"),
                            "an upgrade while joining gave: " + raw.handshake().body());
                }
            } finally {
                network.resume();
                started.get(30, TimeUnit.SECONDS);
            }
            try {
                RawClient.Handshake health = RawClient.request(server.port(), "GET", "/healthz");
                assertEquals(200, health.status(), "/healthz once joined: " + health);
            } finally {
                server.shutdown();
            }
        }
    }

    /**
     * In streams mode a client's line reaches the model from the stream, through the cluster's link, not from the
     * client's connection. A model whose own thread registers a client, late ({@link SlowToRegister}: 300 ms of work
     * first), would broadcast a newcomer's first line, sent at once, to everyone but the newcomer; so the transport
     * reads a client's first frame only at the model's welcome. Alice's lines must come back to her in order. Fails
     * with {@code WebSocketConnection.onWebSocketOpen} asking for the first frame at once ({@code session.demand()}
     * whatever the mode; issue 28, finding 6): "alice got 'second' but never her first line".
     */
    @Test
    @DisplayName("a newcomer who speaks at once gets its own first line back, even from a model that registers it late")
    void aNewcomerGetsItsOwnFirstLine() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(SlowToRegister::new);
            ChatClient bob = join(rig, 0, "bob");
            ChatClient alice = webSockets.connect(rig.chat(0, "alice"), "alice");
            alice.send("first"); // before its welcome: as soon as the socket is open
            alice.awaitWelcome();
            alice.send("second");
            await().alias("alice gets her second line").until(() -> alice.hasChat("alice", "second"));
            assertTrue(
                    alice.hasChat("alice", "first"),
                    "alice got 'second' but never her first line: it was broadcast"
                            + " before the model had registered her. Alice got: " + alice.frames());
            await().alias("bob gets both").until(() -> bob.hasChat("alice", "first") && bob.hasChat("alice", "second"));
        }
    }

    /** The channel hub, each client handed to it from a thread of its own after 300 ms of work: a late registration. */
    private static final class SlowToRegister implements ChatModel {
        private static final Duration WORK = Duration.ofMillis(300);
        private final ChatModel model = HUB.get();

        @Override
        public void start(ModelContext context) {
            model.start(context);
        }

        @Override
        public void accept(ChatConnection connection) {
            if (connection.name().equals(ClusterLink.NAME)) {
                model.accept(connection);
                return;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(WORK); // the workload that makes the registration late, not a wait for anything
                    model.accept(connection);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        @Override
        public int registered() {
            return model.registered();
        }

        @Override
        public void stop() {
            model.stop();
        }
    }

    /** How long a leave that the broker refuses may hold its client's ending: then the local model sees it go anyway. */
    static final Duration ENDING_BOUND = Duration.ofSeconds(5);
    /** A refusal shorter than the node TTL (3 s): the heartbeats fail too, but no server is taken for dead. */
    static final Duration SHORT_REFUSAL = Duration.ofSeconds(1);

    /**
     * A leave that Redis refuses with an error reply: NOREPLICAS here, from {@code min-replicas-to-write 1} with no
     * replica (OOM under maxmemory, MISCONF, and READONLY after a failover fail an append the same way). Two refusals:
     * <ul>
     *   <li>a short one (1 s, less than the node TTL, so nobody is buried): alice's leave is tried again until it lands,
     *       and bob on B hears it. Fails with the leave not retried ({@code leave} set to false in
     *       {@code StreamBus.append}): bob never hears it, and alice stays online on B for good (issue 28, finding 1);</li>
     *   <li>a long one: carol's own server lets her go within {@link #ENDING_BOUND} though her leave cannot come back
     *       through the stream. Fails without the {@code ENDING_TIMER} in {@code Cluster.left}: A's model counts her
     *       until Redis takes writes again, her reader and writer threads with her.</li>
     * </ul>
     * Then a newcomer on B lists neither.
     */
    @Test
    @DisplayName(
            "a leave that Redis refuses is retried until it lands, and her own server lets her go within the bound")
    void aRefusedLeaveIsRetriedAndReleased() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            List<ChatClient> pair = oneOnEachOfTwo(rig, "alice", "bob");
            ChatClient alice = pair.get(0);
            ChatClient bob = pair.get(1);
            ChatClient carol = join(rig, 0, "carol");
            await().alias("bob hears carol join").until(() -> hasPresence(bob, "join", "carol"));

            refuseWrites(true);
            try {
                alice.leave();
                // the fault itself: how long Redis refuses, not a wait for anything
                Thread.sleep(SHORT_REFUSAL.toMillis());
            } finally {
                refuseWrites(false);
            }
            await().alias("bob hears alice leave once Redis takes writes again")
                    .until(() -> hasPresence(bob, "leave", "alice"));
            assertEquals(
                    0,
                    Cluster.of(rig.server(0)).metrics().heartbeatLapses(),
                    "A's heartbeat key expired: the short refusal was"
                            + " not short, and B may have heard alice leave from a burial, not from her retried leave");

            refuseWrites(true);
            try {
                long before = System.nanoTime();
                carol.leave();
                await().atMost(ENDING_BOUND.plusSeconds(2))
                        .alias("A's model lets carol go though Redis refuses her leave")
                        .until(() -> rig.server(0).model().registered() == 1); // the cluster's link alone
                System.out.printf(
                        "cluster refused leave: A's model let carol go %d ms after she left (bound %d s)%n",
                        Duration.ofNanos(System.nanoTime() - before).toMillis(), ENDING_BOUND.toSeconds());
            } finally {
                refuseWrites(false);
            }
            await().alias("bob hears carol leave once Redis takes writes again")
                    .until(() -> hasPresence(bob, "leave", "carol"));
            ChatClient newcomer = join(rig, 1, "newcomer");
            String online = newcomer.frames().getFirst().path("online").toString();
            assertFalse(
                    online.contains("alice") || online.contains("carol"),
                    "a newcomer on B lists a client who left: " + online);
        }
    }

    private static void refuseWrites(boolean refuse) {
        redis.admin().configSet("min-replicas-to-write", refuse ? "1" : "0"); // with no replica: NOREPLICAS
    }

    /** How many lines the flood below sends once A has noticed the death (more than one read's worth). */
    static final int FLOOD_AFTER_NOTICE = 1_500;
    /** Lines B takes before the kill: more than A's link holds (4,096) and two stream reads (512 each), so A is behind. */
    static final int FLOOD_BEFORE_KILL = 6_000;

    /**
     * A server killed while another's stream reader is behind is buried in stream order: its clients leave after its
     * last line, and once that reader has passed the moment the death was noticed, not once a read comes back short.
     * A's model stops reading its link ({@link StalledLinkModel}: a long pause, made certain) while B's client floods,
     * so A's reader waits on a full link; the doomed server's client says its last words, the server is killed, A
     * notices (chat_cluster_deaths_noticed_total), the flood sends 1,500 more lines and stops, and A's model is let go.
     * The observer on A must hear the ghost's last words, then "leave ghost", then the flood's last line. Fails with the
     * burial's condition in {@code StreamBus.run} changed to {@code batch.size() < COUNT}, the condition before issue
     * 28, finding 4: "ghost left (frame 4103) before its last words (frame 6048)", buried on a read that was short
     * when it was made, long before the death, and handed over only once the link had room.
     */
    @Test
    @DisplayName("a server killed while another's stream reader is behind a flood is buried in stream order, before the"
            + " flood ends")
    void aServerKilledDuringAFloodIsBuriedInStreamOrder() throws Exception {
        StalledLinkModel stalled = new StalledLinkModel(HUB);
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS);
                ModelProcess doomedServer = ModelProcess.start(
                        "channel-hub",
                        "--broker",
                        redis.uri().toString(),
                        "--broker-mode",
                        ClusterRig.flag(Mode.STREAMS),
                        "--node",
                        "doomed")) {
            rig.start(() -> stalled);
            rig.start(HUB);
            ChatClient observer = join(rig, 0, "observer");
            ChatClient flooder = join(rig, 1, "flooder");
            ChatClient ghost = webSockets.connect(doomedServer.chat("ghost"), "ghost");
            ghost.awaitWelcome();
            await().alias("observer hears ghost join").until(() -> hasPresence(observer, "join", "ghost"));
            stalled.stall();
            AtomicInteger until = new AtomicInteger(Integer.MAX_VALUE);
            AtomicInteger sent = new AtomicInteger();
            Thread flood = flood(flooder, until::get, sent);
            ClusterMetrics a = Cluster.of(rig.server(0)).metrics();
            try {
                await().alias("B has taken more of the flood than A's link and two reads hold")
                        .until(() -> rig.server(1).metrics().messagesIn() >= FLOOD_BEFORE_KILL);
                ghost.send("last words");
                await().alias("the ghost's last words are in the stream")
                        .until(() -> flooder.hasChat("ghost", "last words"));
                doomedServer.process.destroyForcibly(); // SIGKILL: no goodbye
                await().atMost(Duration.ofSeconds(30))
                        .alias("A notices the death")
                        .until(() -> a.deathsNoticed() >= 1);
                until.set(sent.get() + FLOOD_AFTER_NOTICE);
                flood.join();
            } finally {
                until.set(0);
                stalled.resume();
            }
            int last = sent.get();
            await().atMost(Duration.ofSeconds(60))
                    .alias("observer gets the flood's last line")
                    .until(() -> observer.hasChat("flooder", "flood " + last));
            await().atMost(Duration.ofSeconds(10))
                    .alias("observer hears ghost leave")
                    .until(() -> hasPresence(observer, "leave", "ghost"));
            List<JsonNode> frames = observer.frames();
            int words = -1;
            int leave = -1;
            int end = -1;
            for (int i = 0; i < frames.size(); i++) {
                JsonNode f = frames.get(i);
                if (f.path("type").asText().equals("leave")
                        && f.path("name").asText().equals("ghost")) {
                    leave = i;
                } else if (f.path("type").asText().equals("chat")
                        && f.path("text").asText().equals("last words")) {
                    words = i;
                } else if (f.path("type").asText().equals("chat")
                        && f.path("text").asText().equals("flood " + last)) {
                    end = i;
                }
            }
            System.out.printf(
                    "cluster burial behind a flood of %d lines: the observer heard the ghost's last words at frame"
                            + " %d, its leave at frame %d, the flood's last line at frame %d%n",
                    last, words, leave, end);
            assertTrue(
                    words < leave,
                    "ghost left (frame " + leave + ") before its last words (frame " + words + "): the"
                            + " dead server was buried before the reader had read all it published");
            assertTrue(
                    leave < end,
                    "the dead server was buried only after the flood's last line (frame " + leave
                            + " against " + end
                            + "): its clients stay online everywhere for as long as a flood keeps the"
                            + " stream's reads full");
        } finally {
            stalled.resume();
        }
    }

    /**
     * A server the others buried comes back and tells its clients again, with a new epoch, from its heartbeat's thread,
     * while its clients go on talking: a line sent just after the return carries the new epoch too, and may land in the
     * stream before the join told again. That join must still be heard. Written into the stream by hand, in that order:
     * zed joins (epoch 0) from a server with no heartbeat, so A buries it and alice hears zed leave; then a line of
     * zed's from epoch 1; then zed's join told again (epoch 1). Found by the fault run ({@code tests/race/faults.sh}, A
     * stalled 5 s, streams: "wb lists [sb, wa, wb]", sa never listed again). Fails with {@code StreamBus.fresh} judging
     * a join by the epoch of the sender's last envelope of any kind, as before ({@code long joined = Math.max(envelope
     * .epoch(), last == null ? -1 : last.joined());}): "alice hears zed join again" never comes.
     *
     * <p>And the other way round: quinn joins and leaves, and a join of hers told again lands after her leave (the
     * heartbeat read her as online just as she left). She must not be listed again. Fails with {@code && last.seq() !=
     * Envelope.LEAVE_SEQ} removed from {@code fresh}: "alice heard quinn join twice".
     */
    @Test
    @DisplayName("a join told again after a buried server's return is heard, even after a line of the same epoch")
    void aJoinToldAgainAfterALineOfItsEpochIsHeard() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(HUB);
            ChatClient alice = join(rig, 0, "alice");
            redis.admin().xadd("fivechats:stream", Map.of("e", "JOIN\tghost@1\t0\t1\t0\tzed"));
            await().alias("alice hears zed join").until(() -> hasPresence(alice, "join", "zed"));
            await().atMost(Duration.ofSeconds(10))
                    .alias("alice hears zed leave: A buried his server, which has no heartbeat")
                    .until(() -> hasPresence(alice, "leave", "zed"));
            redis.admin()
                    .xadd("fivechats:stream", Map.of("e", "CHAT\tghost@1\t1\t1\t5\t" + Wire.chat("zed", 5, "back")));
            redis.admin().xadd("fivechats:stream", Map.of("e", "JOIN\tghost@1\t1\t1\t0\tzed"));
            await().alias("alice hears zed join again")
                    .until(() -> alice.framesOfType("join").stream()
                                    .filter(f -> f.path("name").asText().equals("zed"))
                                    .count()
                            == 2);

            redis.admin().xadd("fivechats:stream", Map.of("e", "JOIN\tghost@2\t0\t1\t0\tquinn"));
            redis.admin().xadd("fivechats:stream", Map.of("e", "LEAVE\tghost@2\t0\t1\t" + Long.MAX_VALUE + "\tquinn"));
            redis.admin().xadd("fivechats:stream", Map.of("e", "JOIN\tghost@2\t1\t1\t0\tquinn"));
            alice.send("after quinn"); // through the stream, after her entries: once alice has it, they were all read
            await().alias("alice gets her line back").until(() -> alice.hasChat("alice", "after quinn"));
            assertEquals(
                    1,
                    alice.framesOfType("join").stream()
                            .filter(f -> f.path("name").asText().equals("quinn"))
                            .count(),
                    "alice heard quinn join twice: a join told again after her leave made her a ghost");
        }
    }

    /**
     * A newcomer's welcome and the joins and leaves after it come from one view (issue 28, finding 5): what the model has
     * taken from its link, not what the broker has told the server. A's model is behind on its link (it holds a line of
     * erin's, {@link StalledLinkModel#holdTheNextFrame}: a long pause, made certain) while bob joins B, and again while
     * he leaves; carol, then dave, join A meanwhile. Each must hear a join only of someone its welcome did not list, and a leave only of
     * someone it did. Fails with {@code Cluster.welcome} listing {@code remote.names()} (the broker's view, as before
     * the issue) instead of {@code told.names()}: "carol: bob joined, but carol's welcome or an earlier join listed bob
     * already".
     */
    @Test
    @DisplayName("a newcomer's welcome lists the others' clients as its model has heard them, not as the broker has")
    void aNewcomersWelcomeAgreesWithTheJoinsAndLeavesAfterIt() throws Exception {
        StalledLinkModel stalled = new StalledLinkModel(HUB);
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(() -> stalled);
            rig.start(HUB);
            ChatClient erin = join(rig, 1, "erin");
            ChatClient alice = join(rig, 0, "alice");
            await().alias("alice hears erin")
                    .until(() ->
                            alice.frames().getFirst().path("online").toString().contains("erin")
                                    || hasPresence(alice, "join", "erin"));
            ClusterMetrics a = Cluster.of(rig.server(0)).metrics();

            CountDownLatch behind = stalled.holdTheNextFrame();
            erin.send("hold this one");
            assertTrue(behind.await(10, TimeUnit.SECONDS), "A's model never took erin's line");
            ChatClient bob = join(rig, 1, "bob");
            await().alias("A's broker connection has heard bob join").until(() -> a.remoteClientCount() == 2);
            ChatClient carol = join(rig, 0, "carol");
            stalled.resume();
            bob.send("after his join");
            await().alias("carol hears bob").until(() -> carol.hasChat("bob", "after his join"));

            behind = stalled.holdTheNextFrame();
            erin.send("and this one");
            assertTrue(behind.await(10, TimeUnit.SECONDS), "A's model never took erin's second line");
            bob.leave();
            await().alias("A's broker connection has heard bob leave").until(() -> a.remoteClientCount() == 1);
            ChatClient dave = join(rig, 0, "dave");
            stalled.resume();
            erin.send("after his leave");
            await().alias("carol and dave hear erin")
                    .until(() -> carol.hasChat("erin", "after his leave") && dave.hasChat("erin", "after his leave"));

            assertEquals(List.of("alice", "carol", "dave", "erin"), heardOnline(carol));
            assertEquals(List.of("alice", "carol", "dave", "erin"), heardOnline(dave));
        } finally {
            stalled.resume();
        }
    }

    /**
     * Thread-per-connection queues a newcomer's welcome, then tells the others it joined, then puts it in its map, and
     * its broadcasts take no lock. The welcome is completed (the others' clients listed) when it is sent; sent before
     * the newcomer is in the map, it could miss a join the model passes on meanwhile, and the newcomer would never hear
     * of that client. Here the model is held in that gap ({@link SlowToAnnounce}: telling slowpoke that carol joined
     * takes as long as the test says, as an offer to a full queue may) while bob joins B and A's model passes his join
     * on. Fails with the writer started before the join, as before ({@code Outbox self = outbox(connection,
     * sendQueue).start(context.threads());} in {@code ThreadPerConnection.Fixed.serve}): "expected: <[bob, carol,
     * slowpoke]> but was: <[carol, slowpoke]>".
     */
    @Test
    @DisplayName("thread-per-connection: a welcome goes out only once its client is registered, so it misses no join")
    void aWelcomeGoesOutOnlyOnceItsClientIsRegistered() throws Exception {
        SlowToAnnounce slow = new SlowToAnnounce(
                () -> new ThreadPerConnection.Fixed(
                        ThreadPerConnection.Threads.VIRTUAL, ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE),
                "slowpoke",
                "carol");
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(() -> slow);
            rig.start(HUB);
            ChatClient slowpoke = join(rig, 0, "slowpoke");
            ChatClient carol = webSockets.connect(rig.chat(0, "carol"), "carol");
            try {
                assertTrue(slow.announcing.await(10, TimeUnit.SECONDS), "A's model never told slowpoke of carol");
                ChatClient bob = join(rig, 1, "bob");
                await().alias("A's model passes bob's join on (slowpoke hears it)")
                        .until(() -> hasPresence(slowpoke, "join", "bob"));
            } finally {
                slow.release.countDown();
            }
            carol.awaitWelcome();
            await().alias("slowpoke hears carol").until(() -> hasPresence(slowpoke, "join", "carol"));
            assertEquals(List.of("bob", "carol", "slowpoke"), heardOnline(carol));
        }
    }

    /** A model whose telling one client ({@code slowpoke}) of another's join ({@code newcomer}) waits for the test. */
    private static final class SlowToAnnounce implements ChatModel {
        private final ChatModel model;
        private final String slowpoke;
        private final String heldJoin;
        /** Counted down when the model has begun telling slowpoke of the newcomer. */
        final CountDownLatch announcing = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        SlowToAnnounce(java.util.function.Supplier<ChatModel> model, String slowpoke, String newcomer) {
            this.model = model.get();
            this.slowpoke = slowpoke;
            this.heldJoin = Wire.join(newcomer);
        }

        @Override
        public void start(ModelContext context) {
            model.start(context);
        }

        @Override
        public void accept(ChatConnection connection) {
            model.accept(
                    !connection.name().equals(slowpoke)
                            ? connection
                            : new ForwardingConnection(connection) {
                                @Override
                                public boolean wants(String frame) { // asked as the model queues a frame for slowpoke
                                    if (frame.equals(heldJoin) && announcing.getCount() > 0) {
                                        announcing.countDown();
                                        try {
                                            release.await();
                                        } catch (InterruptedException e) {
                                            Thread.currentThread().interrupt();
                                        }
                                    }
                                    return super.wants(frame);
                                }
                            });
        }

        @Override
        public int registered() {
            return model.registered();
        }

        @Override
        public void stop() {
            release.countDown();
            model.stop();
        }
    }

    /**
     * The model took bob's join from its link, and is held before passing it on ({@link
     * StalledLinkModel#holdTheNextFrame}: its reader thread descheduled between its read and its broadcast); carol
     * joins meanwhile. Her welcome lists bob (the model has taken his join), so the join that reaches her afterwards
     * says nothing new: the transport drops it for her, and only for her. Fails with {@code || toldBefore(frame, position)}
     * removed from {@code Cluster.hides}: "carol: bob joined, but carol's welcome or an earlier
     * join listed bob already".
     */
    @Test
    @DisplayName("a join the model took before a newcomer's welcome and passes on after it is not heard twice")
    void aJoinTakenBeforeAWelcomeIsNotHeardTwice() throws Exception {
        StalledLinkModel stalled = new StalledLinkModel(HUB);
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(() -> stalled);
            rig.start(HUB);
            ChatClient alice = join(rig, 0, "alice");
            CountDownLatch taken = stalled.holdTheNextFrame();
            ChatClient bob = join(rig, 1, "bob");
            assertTrue(taken.await(10, TimeUnit.SECONDS), "A's model never took bob's join from its link");
            ChatClient carol = join(rig, 0, "carol");
            stalled.resume();
            bob.send("hello");
            await().alias("alice and carol hear bob")
                    .until(() -> alice.hasChat("bob", "hello") && carol.hasChat("bob", "hello"));
            assertEquals(List.of("alice", "bob", "carol"), heardOnline(carol));
            assertEquals(List.of("alice", "bob", "carol"), heardOnline(alice));
            assertTrue(hasPresence(alice, "join", "bob"), "alice, welcomed before bob joined, must hear him join");
        } finally {
            stalled.resume();
        }
    }

    /**
     * In pub/sub mode a server joining its cluster subscribes, then reads who is online, then starts handing over what
     * it hears: what Redis pushes in between is kept and heard after that snapshot, as {@code Bus.listen} promises.
     * Here A's snapshot has read bob from Redis but its reply is held ({@link BrokerProxy#holdRepliesTo}: a slow
     * network, made certain) while bob leaves B: a newcomer on A must not be told he is online. Fails with {@code
     * PubSubBus.start} dropping what came early (its {@code early.forEach(this::hear)} removed, as before issue 28,
     * finding 7): "carol, on A, is welcomed with bob, who left while A was joining".
     */
    @Test
    @DisplayName("pub/sub: a leave pushed while a server reads who is online is heard after that snapshot")
    void aLeavePushedWhileAServerJoinsIsHeard() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.PUBSUB);
                BrokerProxy network = BrokerProxy.to(redis.uri())) {
            rig.start(HUB);
            ChatClient bob = join(rig, 0, "bob");
            CountDownLatch snapshotRead = network.holdRepliesTo("HGETALL");
            ChatServer a = ChatServer.newServer(
                    TransportConfig.defaults().withPort(0),
                    HUB.get(),
                    ClusterConfig.of(network.uri().toString(), Mode.PUBSUB, "A"));
            CompletableFuture<ChatServer> started = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.start();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            try {
                try {
                    assertTrue(snapshotRead.await(10, TimeUnit.SECONDS), "A never read who is online");
                    bob.leave();
                    // From /metrics: A is not joined yet.
                    await().alias("A's subscriber has the leave pushed while it joins")
                            .until(() -> ClusterTest.metric(a.port(), "chat_cluster_heard_while_joining_total") >= 1);
                } finally {
                    network.resume();
                }
                started.get(30, TimeUnit.SECONDS);
                ChatClient carol = webSockets.connect(a.chatUri("carol"), "carol");
                carol.awaitWelcome();
                assertEquals(
                        "[\"carol\"]",
                        carol.frames().getFirst().path("online").toString(),
                        "carol, on A, is welcomed with bob, who left while A was joining");
                assertEquals(0, Cluster.of(a).metrics().remoteClientCount(), "A counts bob among the others' clients");
            } finally {
                a.shutdown();
            }
        }
    }

    /**
     * While Redis does not answer (A's traffic held by a {@link BrokerProxy}: a stalled network, made certain), pub/sub
     * publishes every line without waiting, and each waits in Lettuce for the broker. Memory stays bounded: past
     * {@code Cluster.REQUEST_QUEUE} (16,384) waiting commands, a publish fails at once and is counted as "queue full";
     * once Redis answers again the chat goes on. Fails with the {@code requestQueueSize} option removed from {@code
     * Cluster}'s client (issue 28, finding 7: Lettuce's queue has no bound): no publish is refused while the flood piles
     * up, "A refuses what its queue cannot hold" never comes. The stall outlasts the node TTL (the flood takes about
     * 4 s), so B buries A meanwhile and lists flooder again once A is back.
     */
    @Test
    @DisplayName("pub/sub: while Redis stalls, the commands waiting for it are bounded, and the excess is refused and"
            + " counted")
    void whileRedisStallsThePublishesWaitingAreBounded() throws Exception {
        int queue = 16_384;
        int excess = 500;
        try (ClusterRig rig = new ClusterRig(redis, Mode.PUBSUB);
                BrokerProxy network = BrokerProxy.to(redis.uri())) {
            rig.start(HUB);
            ChatServer a = ChatServer.newServer(
                            TransportConfig.defaults().withPort(0),
                            HUB.get(),
                            ClusterConfig.of(network.uri().toString(), Mode.PUBSUB, "A"))
                    .start();
            try {
                ChatClient far = join(rig, 0, "far");
                ChatClient flooder = webSockets.connect(a.chatUri("flooder"), "flooder");
                flooder.awaitWelcome();
                await().alias("far hears flooder join").until(() -> hasPresence(far, "join", "flooder"));
                network.stall();
                try {
                    for (int i = 1; i <= queue + excess; i++) {
                        flooder.send("held " + i);
                    }
                    await().atMost(Duration.ofSeconds(60))
                            .alias("A refuses what its queue cannot hold")
                            .until(() -> Cluster.of(a).metrics().clusterPublishesRefusedQueueFull() >= excess);
                } finally {
                    network.resume();
                }
                // Once Redis answers, the waiting commands drain first, and far's server drops what its link cannot
                // hold of that burst (pub/sub): a line said again every 200 ms gets through within the bound.
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .alias("far hears flooder once Redis answers again")
                        .until(() -> {
                            flooder.send("after the stall");
                            return far.hasChat("flooder", "after the stall");
                        });
                System.out.printf(
                        "pub/sub while Redis stalled: %d lines sent, %d refused at once (queue full)%n",
                        queue + excess, Cluster.of(a).metrics().clusterPublishesRefusedQueueFull());
            } finally {
                a.shutdown();
            }
        }
    }

    /**
     * Who a client was told is online, sorted: its welcome's list, then each join and leave it heard. Fails on a join
     * of someone listed, or a leave of someone not listed: the page would show a ghost, or lose a name.
     */
    private static List<String> heardOnline(ChatClient client) {
        List<String> online = new java.util.ArrayList<>();
        String who = client.name();
        for (JsonNode frame : client.frames()) {
            String name = frame.path("name").asText();
            switch (frame.path("type").asText()) {
                case "welcome" -> frame.path("online").forEach(n -> online.add(n.asText()));
                case "join" -> {
                    assertFalse(
                            online.contains(name),
                            who + ": " + name + " joined, but " + who + "'s welcome or an" + " earlier join listed "
                                    + name + " already " + online);
                    online.add(name);
                }
                case "leave" ->
                    assertTrue(
                            online.remove(name),
                            who + ": " + name + " left, but " + who + " was never told " + name + " was online "
                                    + online);
                default -> {}
            }
        }
        online.sort(null);
        return online;
    }
}
