package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.pollingloop.PollingLoop;
import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The polling loop's idle cost, as its README claims it: with {@code --idle spin} the loop thread burns a core
 * while nobody talks; with {@code --idle backoff} it costs almost nothing. Measured as the loop thread's CPU
 * time over one second of silence with a client connected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PollingLoopIdleCostTest {
    /** The measurement window. Waiting here measures; it does not synchronise anything. */
    private static final Duration WINDOW = Duration.ofSeconds(1);

    @ParameterizedTest(name = "--idle {0}")
    @EnumSource(PollingLoop.Idle.class)
    void idleCpu(PollingLoop.Idle idle) throws Exception {
        ChatServer server = ChatServer.newServer(TransportConfig.defaults().withPort(0), new PollingLoop(idle)).start();
        WebSocketClient webSockets = TestClients.start();
        try {
            ChatClient.connect(webSockets, server.chatUri("quiet"), "quiet");
            await().until(() -> server.model().registered() == 1);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("polling-loop")).findFirst().orElseThrow().threadId();
            long cpuBefore = threads.getThreadCpuTime(loop);
            long wallBefore = System.nanoTime();
            Thread.sleep(WINDOW.toMillis());
            double share = (double) (threads.getThreadCpuTime(loop) - cpuBefore) / (System.nanoTime() - wallBefore);
            String seen = String.format("the loop thread used %.0f%% of a core over %d ms of silence", share * 100, WINDOW.toMillis());
            if (idle == PollingLoop.Idle.SPIN) {
                assertTrue(share > 0.5, "spin should burn a core: " + seen);
            } else {
                assertTrue(share < 0.1, "backoff should cost almost nothing: " + seen);
            }
            System.out.println("polling-loop --idle " + idle.name().toLowerCase() + ": " + seen);
        } finally {
            webSockets.stop();
            server.shutdown();
        }
    }
}
