package fivechats.workerpool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import fivechats.race.StalledConnection;
import fivechats.transport.ChatMetrics;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A thousand lanes fill up at the same moment, below the network (no worker runs, so nothing queued is sent): the
 * broadcasting reader must evict each client exactly once, iteratively. A thousand, because each full lane keeps one
 * drain task waiting in the task queue (1,024 places) while no worker runs.
 *
 * <p>Shown to fail on the recursive eviction it replaced (Lane.offer, evict, leave, deliver, Lane.offer ...), which
 * nested one call chain per full client inside the first one's offer.
 */
class MassEvictionTest {
    private static final int CLIENTS = 1_000;

    @Test
    @DisplayName("1,000 clients whose lanes are full at once are each evicted exactly once, and the pool goes on")
    void massEvictionIsIterativeAndCountedOnce() throws Exception {
        ChatMetrics metrics = ChatMetrics.standalone();
        WorkerPool pool = new WorkerPool(WorkerPool.Variant.FIXED, 1, Duration.ZERO);
        pool.attach(metrics);
        List<StalledConnection> stalled = StalledConnection.quietCrowd(CLIENTS);
        Throwable died = StalledConnection.runOnPlatformThread("reader", () -> {
            stalled.forEach(pool::register); // joins quietly: a welcome each
            stalled.forEach(c -> c.hearsPresence(true)); // from now on each leave is offered to everyone
            for (int line = 1; line < WorkerPool.LANE_LIMIT; line++) {
                pool.broadcast("line " + line); // welcome + 255 lines: every lane is full
            }
            pool.broadcast("one too many"); // finds all 1,000 lanes full at once
        });
        assertEquals(null, died, "the broadcasting reader died");
        assertEquals(0, pool.registered(), "clients left in the registry");
        assertEquals(CLIENTS, metrics.evictions(), "evictions counted: each client exactly once");
    }
}
