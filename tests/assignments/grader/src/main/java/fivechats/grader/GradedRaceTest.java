package fivechats.grader;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.race.ChatClient;
import fivechats.race.Crowd;
import fivechats.race.DeliveryCheck;
import fivechats.race.TestClients;
import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The race scenarios that break the naive models, against the graded model, which must survive all three. With the
 * transport's race window on, two writes to one connection that overlap by accident become certain to overlap.
 */
class GradedRaceTest {
    /** Each write waits up to this long for a rival writer: an unsafe model meets one at the first broadcast. */
    private static final Duration RACE_WINDOW = Duration.ofMillis(5);

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @RegisterExtension
    static final TestClients webSockets = new TestClients();

    private ChatServer server;
    private final List<ChatClient> clients = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        clients.forEach(ChatClient::leave);
        if (server != null) {
            server.shutdown();
            assertEquals(
                    0,
                    server.threads().died(),
                    () -> "model threads died of an uncaught exception: "
                            + server.threads().firstDeath());
        }
    }

    private ChatClient connect(String name) {
        ChatClient client = webSockets.connect(server.chatUri(name), name);
        clients.add(client);
        client.awaitWelcome();
        return client;
    }

    @Test
    @DisplayName(
            "R1. 4 senders at once, race window on: no overlapping write, and every client gets every line once, in"
                    + " order")
    void concurrentWritesNeverOverlap() throws Exception {
        server = ChatServer.newServer(
                        TransportConfig.defaults().withPort(0).withRaceWindow(RACE_WINDOW), GradedModel.create())
                .start();
        List<ChatClient> everyone = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            everyone.add(connect("c" + i));
        }
        List<ChatClient> senders = everyone.subList(0, 4);
        int perSender = 25;
        Crowd.sendAtOnce(senders, perSender, PATIENCE);
        List<String> names = senders.stream().map(ChatClient::name).toList();
        for (ChatClient c : everyone) {
            await().alias(c + " gets all " + perSender * senders.size() + " lines (or the model lost some)")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> c.count("chat") >= (long) perSender * senders.size()
                            || server.metrics().concurrentWrites() > 0);
        }
        assertEquals(
                0,
                server.metrics().concurrentWrites(),
                "two threads wrote to one connection at the same time"
                        + " (chat_concurrent_writes_total): keep at most one writer per connection");
        DeliveryCheck.assertPerfect(everyone, names, perSender, "a broken delivery");
    }

    @Test
    @DisplayName("R2. one sender's 200 lines reach three clients in the order they were sent")
    void oneSendersLinesStayInOrder() throws Exception {
        server = ChatServer.newServer(TransportConfig.defaults().withPort(0), GradedModel.create())
                .start();
        ChatClient sender = connect("sender");
        List<ChatClient> receivers = List.of(connect("r1"), connect("r2"), connect("r3"));
        int lines = 200;
        for (int i = 1; i <= lines; i++) {
            sender.send(DeliveryCheck.line(sender.name(), i));
        }
        for (ChatClient r : receivers) {
            await().alias(r + " gets " + lines + " lines").until(() -> r.count("chat") >= lines);
            long previous = 0;
            for (JsonNode chat : r.framesOfType("chat")) {
                long seq = chat.path("seq").asLong();
                assertTrue(
                        seq > previous,
                        r + " got line #" + seq + " after #" + previous + ": one sender's lines were reordered");
                previous = seq;
            }
        }
    }

    /*
     * Shown to fail on tests/assignments/mistakes HashMapRegistry (a HashMap whose joins are locked but whose broadcasts
     * walk it unlocked): a talker's reader dies of ConcurrentModificationException. Without the talker, every walk would
     * be under the join lock, and the storm would pass.
     */
    @Test
    @DisplayName(
            "R3. 400 clients join from 8 threads at once while a client talks: the registry counts 400 and no model"
                    + " thread dies")
    void joinStormKeepsTheRegistryWhole() throws Exception {
        server = ChatServer.newServer(TransportConfig.defaults().withPort(0), GradedModel.create())
                .start();
        ChatClient talker = connect("talker");
        CountDownLatch stop = new CountDownLatch(1);
        Thread talking = Thread.ofVirtual().start(() -> {
            for (int i = 1;
                    stop.getCount() > 0 && i <= 100_000 && server.threads().died() == 0;
                    i++) {
                try {
                    talker.send("line " + i); // each line is a broadcast that walks the registry
                    talker.awaitChatsFrom(talker.name(), Math.max(0, i - 16), Duration.ofSeconds(10));
                } catch (IllegalStateException | AssertionError stopped) {
                    return; // the model stopped answering: the assertions below say why
                }
            }
        });
        int threads = 8;
        int each = 50;
        try {
            clients.addAll(Crowd.joinStorm(webSockets.client(), server, threads, each, PATIENCE, "j", false));
        } finally {
            stop.countDown();
            talking.join(PATIENCE);
        }
        int n = threads * each + 1;
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() ->
                            server.model().registered() == n || server.threads().died() > 0);
        } catch (ConditionTimeoutException shownBelow) {
            // the assertions say what was seen
        }
        assertEquals(
                0,
                server.threads().died(),
                () -> "model threads died while clients joined and a line was"
                        + " broadcast: " + server.threads().firstDeath()
                        + ". The registry is walked by broadcasts while joins change it: it must be a concurrent map"
                        + " (or every walk must hold the lock its changes hold)");
        assertEquals(
                n,
                server.model().registered(),
                "clients in the registry after " + (n - 1) + " joined at once (and"
                        + " the talker): a registration was lost or doubled");
    }
}
