package fivechats.channelhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.race.StalledConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ModelContext;
import fivechats.transport.ModelThreads;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A client whose reader registers after the hub has stopped (it connected just as the server began shutting down):
 * its writer must still end, or shutdown waits out its whole grace for a thread nobody will ever wake.
 *
 * <p>Fails at fd9fac9^, where the late Register was dropped with the hub's inbox and the writer stayed parked for ever
 * ("1 writers still running").
 */
class LateJoinTest {
    @Test
    @DisplayName("a client that registers after the hub exited gets its writer finished with 1001")
    void lateRegisterEndsItsWriter() throws Exception {
        ChatMetrics metrics = ChatMetrics.standalone();
        ModelThreads threads = new ModelThreads();
        ChannelHub hub = new ChannelHub(2);
        hub.start(new ModelContext(metrics, threads, TransportConfig.defaults()));
        hub.stop(); // nobody connected: the hub thread exits at once
        assertTrue(threads.awaitNone(Duration.ofSeconds(30)), "the hub thread did not exit");

        StalledConnection late = new StalledConnection(1);
        new Client(late, hub, 2, TransportConfig.defaults().writeWait(), metrics)
                .start(threads); // its reader registers, then finds the client gone
        assertTrue(threads.awaitNone(Duration.ofSeconds(30)), threads.live() + " writers still running");
        assertEquals(1001, late.closeCode(), "the late client's close code");
    }
}
