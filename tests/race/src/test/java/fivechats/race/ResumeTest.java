package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.cluster.ClusterLink;
import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ClusterConfig.Mode;
import fivechats.transport.ModelContext;
import fivechats.transport.TransportConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Resume after a blip (chapter 12). In streams mode every chat frame carries its id in the cluster's stream; a client
 * that reconnects with {@code since=ID} (the id of the last line it received) gets, right after its welcome, every line
 * it missed, then {@code resumed}, then what is new, each line once; or it is told plainly, with {@code gap}, that
 * continuity cannot be proven, and why.
 */
class ResumeTest extends ClusterFixture {
    /** Six seconds of a flood ({@link #FLOOD_PER_SECOND}): the cut and the three seconds away fall well inside. */
    static final int LINES = 12_000;
    /** The watcher's connection is cut once it has this many lines. */
    static final int CUT_AT = 2_000;

    /** Lines B's model takes from its link while the resuming watcher's welcome is held ({@link SlowToWelcome}). */
    static final int HELD = 100;

    /**
     * A sender on A floods; a watcher on B, through a proxy, is cut off (both ends reset) after {@link #CUT_AT} lines,
     * stays away 3 s, and reconnects to B with the id of its last line. Its two connections together must hold every
     * line once, in order, and the second must say {@code resumed}. B's model keeps taking lines from the stream between
     * the watcher's upgrade (when the stream is read) and its welcome, so the replay needs the link's kept lines too; and
     * the lines the model took before the welcome and passes on after it must be dropped as copies. So that this
     * happens every time, B's writer for the watcher is held before its welcome until the model has taken {@link #HELD}
     * more lines (as a descheduled writer would be; {@link SlowToWelcome}).
     *
     * <p>Fails with the replay left out ({@code wanted.addAll(replaying.frames())} removed from {@code
     * WebSocketConnection.send}): "at position 2019 came #9796 ... 4223 lines in all", the watcher's lines jump from the
     * cut to the present. Fails with {@code && (replayed == null || !replayed.covers(frame))} removed from {@code
     * WebSocketConnection.wants}: "at position 9584 came #9483 ... 12101 lines in all", the held lines twice.
     */
    @Test
    @DisplayName(
            "streams: a client cut off for 3 s during a flood reconnects with since= and ends with every line once, in"
                    + " order")
    void aClientCutOffDuringAFloodGetsEveryLineOnce() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(HUB);
            rig.start(SlowToWelcome::new);
            ChatClient sender = join(rig, 0, "sender");
            try (BrokerProxy network = BrokerProxy.toPort(rig.server(1).port())) {
                ChatClient before = webSockets.connect(
                        URI.create("ws://127.0.0.1:" + network.port() + "/chat?name=watcher"), "watcher");
                before.awaitWelcome();
                await().alias("the watcher knows the sender")
                        .until(() -> hasPresence(before, "join", "sender")
                                || before.frames()
                                        .getFirst()
                                        .path("online")
                                        .toString()
                                        .contains("\"sender\""));
                AtomicInteger sent = new AtomicInteger();
                Thread flood = flood(sender, () -> LINES, sent);
                try {
                    await().atMost(Duration.ofSeconds(60))
                            .alias("the watcher has " + CUT_AT + " lines")
                            .until(() -> before.count("chat") >= CUT_AT);
                    network.cut();
                    before.awaitClose(Duration.ofSeconds(10));
                    String since = lastId(before);
                    Thread.sleep(3000); // away for 3 s: the fault's length, not a wait for anything
                    int sentWhileAway = sent.get();
                    ChatClient after =
                            webSockets.connect(URI.create(rig.chat(1, "watcher") + "&since=" + since), "watcher");
                    after.awaitWelcome();
                    flood.join();
                    await().atMost(Duration.ofSeconds(60))
                            .alias("the watcher gets the flood's last line")
                            .until(() -> after.hasChat("sender", "flood " + LINES));

                    List<Long> seqs = new ArrayList<>(seqsFrom(before, "sender"));
                    seqs.addAll(seqsFrom(after, "sender"));
                    assertTrue(
                            LongStream.rangeClosed(1, LINES).boxed().toList().equals(seqs),
                            () -> "the watcher's lines, before the cut and after, are not 1.." + LINES
                                    + " once each, in order: " + describe(seqs));
                    List<JsonNode> told = after.frames().stream()
                            .filter(f -> List.of("resumed", "gap")
                                    .contains(f.path("type").asText()))
                            .toList();
                    assertEquals(1, told.size(), "the second connection says once whether it has everything: " + told);
                    JsonNode resumed = told.getFirst();
                    assertEquals("resumed", resumed.path("type").asText(), "continuity was provable: " + resumed);
                    assertEquals(since, resumed.path("since").asText());
                    int replayed = resumed.path("lines").asInt();
                    System.out.printf(
                            "resume after a 3 s cut during a flood of %d lines: cut after %d lines (id %s), %d sent by"
                                    + " the time it reconnected, %d replayed after its welcome, %d lines in all%n",
                            LINES, seqsFrom(before, "sender").size(), since, sentWhileAway, replayed, seqs.size());
                    assertTrue(replayed > 0, "nothing was replayed: the cut missed no line?");
                } finally {
                    flood.join();
                }
            }
        }
    }

    /**
     * When continuity cannot be proven, the client is told so, and why, right after its welcome. The stream is trimmed
     * by hand to its newest 2 entries: a client whose last line was the first of five gets the two lines left, then a
     * {@code gap} saying the history was trimmed. A position the stream never held gets a {@code gap} and nothing else. A
     * position that is not a stream id is refused at the upgrade, and a server running alone cannot resume. Fails with
     * {@code StreamBus.history} reading on after any position ({@code return read(since, null);} as its body): "after a
     * trimmed history: [welcome, chat #4, chat #5, resumed] ==> expected: <gap> but was: <resumed>".
     */
    @Test
    @DisplayName("streams: a position the stream no longer holds, or never held, is said plainly (gap); a bad one is"
            + " refused")
    void aPositionThatCannotBeProvenIsSaidPlainly() throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, Mode.STREAMS)) {
            rig.start(HUB);
            ChatClient alice = join(rig, 0, "alice");
            for (int i = 1; i <= 5; i++) {
                alice.send("line " + i);
            }
            alice.awaitChatsFrom("alice", 5, Duration.ofSeconds(10));
            String first = alice.framesOfType("chat").getFirst().path("id").asText();
            redis.admin().xtrim("fivechats:stream", false, 2); // exactly the newest two: lines 4 and 5

            ChatClient trimmed = webSockets.connect(URI.create(rig.chat(0, "bob") + "&since=" + first), "bob");
            trimmed.awaitWelcome();
            await().alias("bob is told of the gap").until(() -> trimmed.count("gap") + trimmed.count("resumed") > 0);
            List<String> after = typesAndSeqs(trimmed);
            assertEquals("gap", trimmed.frames().getLast().path("type").asText(), "after a trimmed history: " + after);
            assertEquals(List.of("welcome", "chat #4", "chat #5", "gap"), after, "after a trimmed history");
            assertTrue(trimmed.frames().getLast().path("reason").asText().contains("trimmed"), after::toString);

            ChatClient unknown =
                    webSockets.connect(URI.create(rig.chat(0, "carol") + "&since=99999999999999-0"), "carol");
            unknown.awaitWelcome();
            await().alias("carol is told of the gap").until(() -> unknown.count("gap") > 0);
            assertEquals(List.of("welcome", "gap"), typesAndSeqs(unknown), "after a position the stream never held");
            assertTrue(unknown.frames().getLast().path("reason").asText().contains("not in this cluster's stream"));

            try (RawClient bad = RawClient.upgrade(rig.server(0).port(), "/chat?name=dave&since=yesterday", null)) {
                assertEquals(400, bad.handshake().status(), "a position that is no stream id: " + bad.handshake());
                assertTrue(
                        bad.handshake().body().contains("since must be the id of the last chat line"),
                        bad.handshake()::toString);
            }
        }
        ChatServer alone = ChatServer.newServer(TransportConfig.defaults().withPort(0), HUB.get())
                .start();
        try {
            ChatClient erin = webSockets.connect(URI.create(alone.chatUri("erin") + "&since=1-0"), "erin");
            erin.awaitWelcome();
            await().alias("erin is told of the gap").until(() -> erin.count("gap") > 0);
            assertTrue(erin.frames().getLast().path("reason").asText().contains("runs alone"), erin.frames()::toString);
        } finally {
            alone.shutdown();
        }
    }

    /** Each frame's type, and a chat line's seq: "welcome", "chat #4", "gap". */
    private static List<String> typesAndSeqs(ChatClient client) {
        return client.frames().stream()
                .map(f -> f.path("type").asText()
                        + (f.path("type").asText().equals("chat")
                                ? " #" + f.path("seq").asLong()
                                : ""))
                .toList();
    }

    /**
     * The hub, whose writer for the second client called {@code watcher} (the one that resumes) waits before its first
     * send, the welcome, until the hub has taken {@link #HELD} more lines from the cluster's link. Those lines are queued
     * for the watcher behind its welcome, and its replay, made as the welcome goes out, holds them too.
     */
    static final class SlowToWelcome implements ChatModel {
        private final ChatModel model = HUB.get();
        private final AtomicInteger taken = new AtomicInteger();
        private final AtomicInteger watchers = new AtomicInteger();
        private volatile int releaseAt = Integer.MAX_VALUE;
        private final CountDownLatch released = new CountDownLatch(1);

        @Override
        public void start(ModelContext context) {
            model.start(context);
        }

        @Override
        public void accept(ChatConnection connection) {
            if (connection.name().equals(ClusterLink.NAME)) {
                model.accept(new ForwardingConnection(connection) {
                    @Override
                    public String read() throws ClosedConnectionException, InterruptedException {
                        return counted(super.read());
                    }

                    @Override
                    public String poll() throws ClosedConnectionException {
                        String frame = super.poll();
                        return frame == null ? null : counted(frame);
                    }
                });
            } else if (connection.name().equals("watcher") && watchers.incrementAndGet() == 2) {
                model.accept(new ForwardingConnection(connection) {
                    @Override
                    public CompletableFuture<Void> send(List<String> frames) {
                        if (releaseAt == Integer.MAX_VALUE) { // its first send: the welcome
                            releaseAt = taken.get() + HELD;
                            try {
                                assertTrue(released.await(30, TimeUnit.SECONDS), "B's model took no more lines");
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        return super.send(frames);
                    }
                });
            } else {
                model.accept(connection);
            }
        }

        private String counted(String frame) {
            if (taken.incrementAndGet() >= releaseAt) {
                released.countDown();
            }
            return frame;
        }

        @Override
        public int registered() {
            return model.registered();
        }

        @Override
        public void stop() {
            released.countDown();
            model.stop();
        }
    }

    /** The stream id of the last chat line {@code client} received: what it reconnects with, as {@code since=}. */
    static String lastId(ChatClient client) {
        List<JsonNode> chats = client.framesOfType("chat");
        String id = chats.getLast().path("id").asText(null);
        assertTrue(id != null, "a chat frame in streams mode carries its stream id: " + chats.getLast());
        return id;
    }

    private static List<Long> seqsFrom(ChatClient client, String sender) {
        return client.framesOfType("chat").stream()
                .filter(f -> sender.equals(f.path("from").asText()))
                .map(f -> f.path("seq").asLong())
                .toList();
    }

    /** Where a list of seqs first goes wrong: a repeat, a jump or a step back. */
    static String describe(List<Long> seqs) {
        for (int i = 0; i < seqs.size(); i++) {
            if (seqs.get(i) != i + 1) {
                return "at position " + (i + 1) + " came #" + seqs.get(i) + " (then "
                        + seqs.subList(i, Math.min(seqs.size(), i + 5)) + "), " + seqs.size() + " lines in all";
            }
        }
        return seqs.size() + " lines in all";
    }
}
