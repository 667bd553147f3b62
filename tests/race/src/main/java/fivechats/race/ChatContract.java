package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;

import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract every model must keep, run against a real server on port 0 with real WebSocket clients.
 *
 * <p>To test a model, subclass this with one line:
 * <pre>
 *   class ChannelHubContractTest extends ChatContract {
 *       public ChatModel newModel() { return new ChannelHub(256); }
 *   }
 * </pre>
 * Every test names the invariant it checks and, when it fails, says what it saw. No test sleeps to
 * synchronise: each waits for a condition (Awaitility, latches) with a bound.
 *
 * <p>This class is the fixture (a server per test, clients that leave after it, the promises every client is owed);
 * the tests are in its eight sections, one interface each, numbered as the grader's causes and the chapters cite them:
 * {@link PresenceContract} (1), {@link ConcurrentSendersContract} (2), {@link ChurnContract} (3),
 * {@link BadInputContract} (4), {@link SlowClientContract} (5), {@link HeartbeatContract} (6),
 * {@link ShutdownContract} (7) and {@link LeakContract} (8). A few tests of one model, by a pattern on their
 * method names: {@code ./mvnw -q -pl tests/race -am verify -Dtest='ChannelHubContractTest#*Evict*'}; one section
 * alone: a test class of your own that implements that section's interface and ContractFixture.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ChatContract
        implements PresenceContract,
                ConcurrentSendersContract,
                ChurnContract,
                BadInputContract,
                SlowClientContract,
                HeartbeatContract,
                ShutdownContract,
                LeakContract {
    @RegisterExtension
    static final TestClients webSockets = new TestClients();

    private ChatServer server;
    private final List<ChatClient> clients = Collections.synchronizedList(new ArrayList<>());

    /** The server's limits for these tests: production defaults, on a free port. */
    @Override
    public TransportConfig config() {
        TransportConfig config = TransportConfig.defaults().withPort(0).withPongWait(Duration.ofSeconds(30));
        return slowClientPolicy() == SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT
                ? config.withWriteWait(STALL_WRITE_WAIT)
                : config;
    }

    /** What the model promises about a client that stops reading (section 5): evicted, unless a subclass says so. */
    @Override
    public SlowClientPolicy slowClientPolicy() {
        return SlowClientPolicy.EVICTED_WITH_1008;
    }

    /** The most frames the model may hold queued while one client has stopped reading (memory stays bounded). */
    @Override
    public int maxQueuedFrames() {
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
        assertEquals(
                0,
                server.threads().died(),
                () -> "model threads died of an uncaught exception during the test;"
                        + " the first: " + server.threads().firstDeath()
                        + ". A thread that dies takes its client (or the whole"
                        + " chat) with it: catch what you expect, and fix the race behind what you did not expect");
        Promises.assertKept(everyone, "a promise every client is owed, whatever the test did");
    }

    @Override
    public void restartWith(TransportConfig config) throws Exception {
        server.shutdown();
        server = ChatServer.newServer(config, newModel()).start();
    }

    @Override
    public ChatServer server() {
        return server;
    }

    @Override
    public ChatClient join(String name) {
        ChatClient client = webSockets.connect(server.chatUri(name), name);
        track(client);
        client.awaitWelcome();
        return client;
    }

    @Override
    public void track(ChatClient client) {
        clients.add(client);
    }

    @Override
    public void trackAll(Collection<ChatClient> more) {
        clients.addAll(more);
    }
}
