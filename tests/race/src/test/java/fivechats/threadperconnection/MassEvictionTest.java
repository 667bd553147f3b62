package fivechats.threadperconnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.race.StalledConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ModelThreads;
import fivechats.transport.Outbox;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Thousands of clients fill up at the same moment, below the network: a reader's broadcast (played by a platform
 * thread with the default stack) must evict each exactly once, and the next broadcast must still work. Every
 * outbox's writer runs and waits on its client's first send, which never completes, as on a real stuck socket.
 *
 * <p>Shown to fail on the recursive eviction it replaced (evict, leave, offer the leave, evict the next ...): that
 * code died of StackOverflowError at 5,000 clients.
 */
class MassEvictionTest {
    private static final int CLIENTS = 5_000;
    private static final int SEND_QUEUE = 2;

    @Test
    @DisplayName("5,000 clients full at once are each evicted exactly once, iteratively, and the reader goes on")
    void massEvictionIsIterativeAndCountedOnce() throws Exception {
        ChatMetrics metrics = ChatMetrics.standalone();
        ThreadPerConnection.Fixed model = new ThreadPerConnection.Fixed(ThreadPerConnection.Threads.VIRTUAL, SEND_QUEUE);
        model.attach(metrics);
        List<StalledConnection> stalled = StalledConnection.quietCrowd(CLIENTS);
        ModelThreads threads = new ModelThreads();
        Throwable died = StalledConnection.runOnPlatformThread("reader", () -> {
            for (StalledConnection c : stalled) {
                Outbox outbox = model.outbox(c, SEND_QUEUE);
                model.join(outbox); // joins quietly; its writer takes the welcome and waits on the client forever
                outbox.start(threads);
            }
            stalled.forEach(c -> c.hearsPresence(true)); // from now on each leave is offered to everyone
            model.broadcast("first line");
            model.broadcast("second line"); // welcome in flight, these two queued: every outbox is full
            model.broadcast("third line"); // finds all 5,000 full at once, their writers waiting on their clients
        });
        assertEquals(null, died, "the broadcasting reader died");
        assertEquals(0, model.registered(), "clients left in the registry");
        assertEquals(CLIENTS, metrics.evictions(), "evictions counted: each client exactly once");
        Outbox newcomer = model.outbox(new StalledConnection(CLIENTS + 1), SEND_QUEUE);
        model.join(newcomer);
        model.broadcast("after the storm");
        assertEquals(2, newcomer.pending().size(), "a newcomer gets its welcome and the next line: " + newcomer.pending());
        stalled.forEach(c -> c.close(1001, "test over")); // fails the stuck sends, so the writers end
        assertTrue(threads.awaitNone(Duration.ofSeconds(30)), threads.live() + " writers still running");
    }
}
