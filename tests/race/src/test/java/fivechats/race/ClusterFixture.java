package fivechats.race;

import static org.awaitility.Awaitility.await;

import fivechats.channelhub.ChannelHub;
import fivechats.transport.ChatModel;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the cluster tests share: a real redis-server for each test class (skipped where it is not installed, except in
 * CI), emptied before each test, the model the servers run, and the clients' helpers. {@link ClusterTest} holds the
 * chapter's promises; {@link ClusterFaultsTest} what becomes of them when Redis, the network or a server misbehaves.
 */
abstract class ClusterFixture {
    /**
     * The hub as it ships, with the default send queue (256). The blip scenario floods one client while its server
     * catches up on a backlog from the stream: a client that reads is never evicted for the server's catching up, since
     * the full-queue rule judges a client by time without progress (SendQueue), not by a full queue alone.
     */
    static final Supplier<ChatModel> HUB = () -> new ChannelHub(ChannelHub.DEFAULT_SEND_QUEUE);

    /** One redis-server for the class, emptied before each test. */
    static RedisServer redis;

    @RegisterExtension
    static final TestClients webSockets = new TestClients();

    @BeforeAll
    static void startRedis() throws Exception {
        ClusterRig.requireRedis();
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        redis.admin().flushall(); // the stream, the presence hashes and the nodes of the previous test
    }

    /** The floods' pace: about what one Java client sends on this machine with a server on each of its two cores. */
    static final int FLOOD_PER_SECOND = 2_000;

    /**
     * {@code sender} sends "flood 1", "flood 2", ... at {@link #FLOOD_PER_SECOND}, up to {@code last} (read before each
     * line, so a test may move it), setting {@code sent} to each line's number once sent.
     */
    static Thread flood(
            ChatClient sender, java.util.function.IntSupplier last, java.util.concurrent.atomic.AtomicInteger sent) {
        return Thread.ofVirtual().start(() -> {
            try {
                for (int i = 1; i <= last.getAsInt(); i++) {
                    sender.send("flood " + i);
                    sent.set(i);
                    if (i % 20 == 0) {
                        Thread.sleep(1000 * 20 / FLOOD_PER_SECOND); // the workload's pace, not a wait for anything
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** A client on server {@code server}, once welcomed. */
    ChatClient join(ClusterRig rig, int server, String name) {
        ChatClient client = webSockets.connect(rig.chat(server, name), name);
        client.awaitWelcome();
        return client;
    }

    static boolean hasPresence(ChatClient client, String type, String name) {
        return client.framesOfType(type).stream()
                .anyMatch(f -> name.equals(f.path("name").asText()));
    }

    /** Two servers, a client on each; returns once each knows the other (from its welcome, or a join). */
    List<ChatClient> oneOnEachOfTwo(ClusterRig rig, String first, String second) throws Exception {
        rig.start(HUB);
        rig.start(HUB);
        ChatClient a = join(rig, 0, first);
        ChatClient b = join(rig, 1, second);
        await().alias(first + " and " + second + " know each other")
                .until(() -> hasPresence(a, "join", second)
                        && (b.frames().getFirst().path("online").toString().contains("\"" + first + "\"")
                                || hasPresence(b, "join", first)));
        return List.of(a, b);
    }
}
