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
 * time during silence with a client connected: spin must pile up half a second of it (however long a busy machine
 * takes to give it that), backoff must use under a tenth of a core over one second. Shown to fail both ways by
 * swapping the two modes' expectations.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PollingLoopIdleCostTest {
    /** Backoff's measurement window. Waiting here measures; it does not synchronise anything. */
    private static final Duration WINDOW = Duration.ofSeconds(1);
    /** CPU time a spinning loop must pile up while nobody talks; a parked loop never gets there. */
    private static final Duration SPIN_CPU = Duration.ofMillis(500);

    @ParameterizedTest(name = "--idle {0}")
    @EnumSource(PollingLoop.Idle.class)
    void idleCpu(PollingLoop.Idle idle) throws Exception {
        ChatServer server = ChatServer.newServer(TransportConfig.defaults().withPort(0), new PollingLoop(idle))
                .start();
        WebSocketClient webSockets = TestClients.start();
        try {
            ChatClient.connect(webSockets, server.chatUri("quiet"), "quiet");
            await().until(() -> server.model().registered() == 1);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("polling-loop"))
                    .findFirst()
                    .orElseThrow()
                    .threadId();
            long cpuBefore = threads.getThreadCpuTime(loop);
            long wallBefore = System.nanoTime();
            if (idle == PollingLoop.Idle.SPIN) {
                // Not a share of a window, which other load on the machine can shrink at will: a spinning thread
                // piles up CPU time however busy the machine is, and a parked one does not.
                await().alias("the spinning loop burns " + SPIN_CPU.toMillis() + " ms of CPU while nobody talks")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> threads.getThreadCpuTime(loop) - cpuBefore >= SPIN_CPU.toNanos());
            } else {
                Thread.sleep(WINDOW.toMillis()); // other load can only lower the share, never raise it
            }
            double share = (double) (threads.getThreadCpuTime(loop) - cpuBefore) / (System.nanoTime() - wallBefore);
            String seen = String.format(
                    "the loop thread used %.0f%% of a core over %d ms of silence",
                    share * 100, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wallBefore));
            if (idle == PollingLoop.Idle.BACKOFF) {
                assertTrue(share < 0.1, "backoff should cost almost nothing: " + seen);
            }
            System.out.println("polling-loop --idle " + idle.name().toLowerCase() + ": " + seen);
        } finally {
            webSockets.stop();
            server.shutdown();
        }
    }
}
