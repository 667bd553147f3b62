package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.HotSpotDiagnosticMXBean;
import fivechats.mutexmap.MutexMap;
import fivechats.race.VerdictTable.Churn;
import fivechats.race.VerdictTable.Order;
import fivechats.race.VerdictTable.Row;
import fivechats.race.VerdictTable.Writes;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every model variant, naive ones included, through the race scenarios and asserts the verdict that
 * {@link VerdictTable} expects for it. A breakage is asserted only as it is observed at real clients or by the
 * transport's detector, and every failure says what was seen.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VerdictScenariosTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Long enough for a rival writer to arrive, short enough that safe models (which never have one) stay quick. */
    private static final Duration RACE_WINDOW = Duration.ofMillis(5);

    private static WebSocketClient webSockets;
    private ChatServer server;
    private final List<ChatClient> clients = new ArrayList<>();

    /**
     * Every row, or only those whose name matches {@code -Dfivechats.rows=REGEX}, so a learner can break one model:
     * {@code mvn -q -pl tests/race -am verify -Dtest=VerdictScenariosTest -Dfivechats.rows=worker-pool}.
     */
    static Stream<Row> rows() {
        Pattern only = Pattern.compile(System.getProperty("fivechats.rows", ""));
        return VerdictTable.ROWS.stream().filter(row -> only.matcher(row.toString()).find());
    }

    /** One line per scenario and row, in the test's output: what was seen, whether or not it was expected. */
    private static void report(Row row, String scenario, Object verdict, String saw) {
        System.out.println(row + " | " + scenario + " | " + verdict + " | " + saw);
    }

    @BeforeAll
    static void startClients() throws Exception {
        webSockets = TestClients.start();
    }

    @AfterAll
    static void stopClients() throws Exception {
        webSockets.stop();
    }

    @AfterEach
    void stop() {
        clients.forEach(ChatClient::leave);
        if (server != null) {
            server.shutdown();
        }
    }

    private void start(TransportConfig config, ChatModel model) throws Exception {
        server = ChatServer.newServer(config, model).start();
    }

    /** Connects without waiting for a welcome: a naive model may lose it. Waits until the model registered it. */
    private ChatClient connect(String name) {
        ChatClient client = ChatClient.connect(webSockets, server.chatUri(name), name);
        clients.add(client);
        int expected = clients.size();
        await().alias(name + " registered").until(() -> server.model().registered() >= expected);
        return client;
    }

    /**
     * Waits until every client has every line, or (for a model that loses lines) until deliveries have stopped:
     * the count of delivered lines unchanged for half a second.
     */
    private void awaitDeliveries(List<ChatClient> receivers, long lines) {
        long[] last = {-1};
        await().during(Duration.ofMillis(500)).atMost(PATIENCE).until(() -> {
            long now = receivers.stream().mapToLong(c -> c.count("chat")).sum();
            boolean settled = now == receivers.size() * lines || now == last[0];
            last[0] = now;
            return settled;
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void concurrentWrites(Row row) throws Exception {
        start(TransportConfig.defaults().withPort(0).withRaceWindow(RACE_WINDOW), row.factory().get());
        List<ChatClient> everyone = IntStream.range(0, 6).mapToObj(i -> connect("c" + i)).toList();
        List<ChatClient> senders = everyone.subList(0, 4);
        int perSender = 25;
        Crowd.sendAtOnce(senders, perSender, PATIENCE);
        int lines = senders.size() * perSender;
        await().alias("the model read all " + lines + " lines").until(() -> server.metrics().messagesIn() == lines);
        awaitDeliveries(everyone, lines);

        long overlaps = server.metrics().concurrentWrites();
        List<DeliveryCheck.Report> broken = everyone.stream()
                .map(c -> DeliveryCheck.check(c, senders.stream().map(ChatClient::name).toList(), perSender))
                .filter(r -> !r.perfect()).toList();
        Writes seen = overlaps > 0 ? Writes.OVERLAP : Writes.SAFE;
        String saw = "saw " + overlaps + " overlapping writes and " + broken.size() + " of " + everyone.size()
                + " clients with a broken delivery" + (broken.isEmpty() ? "" : ", e.g. " + broken.get(0));
        report(row, "concurrent writes", seen, saw);
        assertEquals(row.writes(), seen, row + ": " + saw);
        if (seen == Writes.OVERLAP) {
            assertTrue(broken.stream().anyMatch(r -> !r.lost().isEmpty()), row + ": overlaps must cost lines at the clients; " + saw);
        } else {
            assertTrue(broken.isEmpty(), row + ": " + saw);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void perSenderOrder(Row row) throws Exception {
        start(TransportConfig.defaults().withPort(0), (row.orderFactory() != null ? row.orderFactory() : row.factory()).get());
        ChatClient sender = connect("sender");
        List<ChatClient> receivers = List.of(connect("r1"), connect("r2"), connect("r3"));
        // Long enough that the slow worker takes many of the lines mid-burst (each one then overtaken), even if it is
        // still busy with a join when the burst starts, and even if a naive pool loses some late lines to overlaps.
        int lines = 200;
        for (int i = 1; i <= lines; i++) {
            sender.send(DeliveryCheck.line(sender.name(), i));
        }
        awaitDeliveries(receivers, lines);
        List<String> reordered = new ArrayList<>();
        for (ChatClient receiver : receivers) {
            long max = 0;
            for (JsonNode chat : receiver.framesOfType("chat")) {
                long seq = chat.path("seq").asLong();
                if (seq < max) {
                    reordered.add(receiver + " got #" + seq + " after #" + max);
                }
                max = Math.max(max, seq);
            }
        }
        Order seen = reordered.isEmpty() ? Order.IN_ORDER : Order.REORDERED;
        report(row, "per-sender order", seen, reordered.size() + " of " + (lines * receivers.size())
                + " deliveries out of order " + reordered.stream().limit(2).toList());
        assertEquals(row.order(), seen, row + ": one sender's " + lines + " lines; saw " + reordered.size() + " out of order "
                + reordered.stream().limit(3).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void registryUnderChurn(Row row) throws Exception {
        Churn seen = joinStorm(row);
        if (seen == Churn.OK) {
            server.shutdown();
            clients.forEach(ChatClient::leave);
            clients.clear();
            seen = deathMidBroadcast(row);
        }
        report(row, "registry under churn", seen, "lock: " + lockState());
        assertEquals(row.churn(), seen, row + ": a join storm, then a client dying mid-broadcast; lock: " + lockState());
    }

    /** 400 clients join from 8 threads at once: the registry must hold 400, and no model thread may die. */
    private Churn joinStorm(Row row) throws Exception {
        start(TransportConfig.defaults().withPort(0), row.factory().get());
        int threads = 8;
        int each = 50;
        clients.addAll(Crowd.joinStorm(webSockets, server, threads, each, PATIENCE));
        int n = threads * each;
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.model().registered() == n);
        } catch (ConditionTimeoutException wrong) {
            // reported below
        }
        int died = server.threads().died();
        int registered = server.model().registered();
        if (died == 0 && registered == n) {
            return Churn.OK;
        }
        System.out.println(row + ": join storm of " + n + ": " + died + " model threads died, registry holds " + registered);
        return Churn.CORRUPTED;
    }

    private Churn deathMidBroadcast(Row row) throws Exception {
        start(TransportConfig.defaults().withPort(0).withWriteWait(Duration.ofSeconds(1)).withShutdownGrace(Duration.ofSeconds(1)),
                row.factory().get());
        ChatClient slow = connect("slow");
        slow.pauseReading();
        ChatClient flooder = connect("flooder");
        ChatClient watcher = connect("watcher");
        // Flood until the model gives up on the stuck client: its write times out, or it is evicted.
        Thread flood = Thread.ofVirtual().start(() -> {
            String filler = "#".repeat(3000);
            for (int i = 1; i <= 20_000 && server.metrics().writeFailures() == 0 && server.metrics().evictions() == 0; i++) {
                try {
                    flooder.send(i + " " + filler);
                } catch (IllegalStateException stuck) {
                    return; // the server stopped reading the flooder: the model is stuck
                }
            }
        });
        await().alias("the stuck client is given up on (write timeout or eviction)")
                .until(() -> server.metrics().writeFailures() + server.metrics().evictions() > 0);

        await().alias("the transport has dropped the stuck client").until(() -> server.openConnections() <= 2);
        // The chat goes on when two probes in a row come back, within five tries. Two, because a first probe can
        // slip through in the microseconds before a deadlock forms; tries, because a lossy (naive) model may drop
        // a probe that overlaps the flood's last writes, and that is loss, not a freeze.
        // A model that evicts may have evicted the watcher too, if it fell behind on the flood: then a newcomer probes.
        ChatClient prober = watcher.isClosed() ? connect("prober") : watcher;
        Churn seen;
        int inARow = 0;
        for (int i = 1; i <= 5 && inARow < 2; i++) {
            String probe = "probe " + i;
            prober.send(probe);
            try {
                await().atMost(Duration.ofSeconds(2)).until(() -> prober.hasChat(prober.name(), probe));
                inARow++;
            } catch (ConditionTimeoutException missing) {
                inARow = 0;
            }
        }
        if (inARow >= 2) {
            seen = Churn.OK;
        } else {
            String dump = threadDump();
            boolean selfDeadlock = dump.contains("ReentrantReadWriteLock$WriteLock.lock")
                    && dump.contains("MutexMap$Naive.remove");
            assertTrue(selfDeadlock, row + ": the chat froze, but the thread dump shows no reader waiting for the write lock;"
                    + " lock: " + lockState() + "\n" + dump);
            seen = Churn.DEADLOCK;
        }
        return seen;
    }

    private String lockState() {
        return server.model() instanceof MutexMap map ? map.lockState() : "n/a";
    }

    /** A full thread dump, virtual threads included (Thread.getAllStackTraces() leaves them out). */
    private static String threadDump() throws Exception {
        Path file = Files.createTempFile("threads", ".txt");
        Files.delete(file);
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
        String dump = Files.readString(file);
        Files.delete(file);
        return dump;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void threadsAtOneThousandClients(Row row) throws Exception {
        start(TransportConfig.defaults().withPort(0), row.factory().get());
        int n = 1000;
        for (int i = 0; i < n; i++) {
            clients.add(ChatClient.connect(webSockets, server.chatUri("t" + i), "t" + i));
        }
        // Counted at the transport: a naive registry may lose registrations (that is its churn verdict).
        await().alias("all " + n + " connected").until(() -> server.openConnections() == n);
        // Started threads are alive, or dead if the model broke (a naive registry can kill its readers). A model
        // that evicts may drop a client that fell behind on the join storm: the formula holds per connection served.
        await().alias("model threads settle at " + row.threadsText() + " per connection served")
                .until(() -> server.threads().live() + server.threads().died()
                        == row.threads().applyAsInt(server.openConnections()));
        assertTrue(server.openConnections() >= n * 9 / 10, row + ": only " + server.openConnections() + " of " + n
                + " clients still connected after the join storm");
    }
}
