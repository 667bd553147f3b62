package fivechats.workerpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.race.StalledConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.CloseCode;
import fivechats.transport.ModelContext;
import fivechats.transport.ModelThreads;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Thousands of lanes fill up at the same moment, below the network: the broadcasting reader must evict each client
 * exactly once. The pool's one worker runs: it hands each client its welcome, which the client never reads (its send
 * never completes, as on a real stuck socket), so everything queued behind it stays queued.
 *
 * <p>Evicting only empties and closes the lane and stops the client's reader, whose leave comes later, so an eviction
 * cannot cascade. The eviction it replaced recursed (Lane.offer, evict, leave, deliver, Lane.offer ...), one call
 * chain per full client inside the first one's offer. Fails with SendQueue.evict's frames.clear() removed ("frames
 * still queued for evicted clients").
 */
class MassEvictionTest {
    private static final int CLIENTS = 5_000;

    @Test
    @DisplayName(
            "5,000 clients whose lanes are full at once are each evicted exactly once, their queues dropped, and the"
                    + " pool goes on")
    void massEvictionIsCountedOnce() throws Exception {
        ChatMetrics metrics = ChatMetrics.standalone();
        WorkerPool pool = new WorkerPool(WorkerPool.Variant.FIXED, 1, Duration.ZERO);
        ModelThreads threads = new ModelThreads();
        pool.start(new ModelContext(metrics, threads, TransportConfig.defaults()));
        List<StalledConnection> stalled = StalledConnection.quietCrowd(CLIENTS);
        List<Member> members = new ArrayList<>();
        Throwable died = StalledConnection.runOnPlatformThread("reader", () -> {
            // a welcome each, which the worker sends and nobody reads
            stalled.forEach(c -> members.add(pool.register(c)));
            StalledConnection.awaitSending(stalled); // every welcome in flight: nothing queued from now on is sent
            stalled.forEach(c -> c.hearsPresence(true)); // from now on each leave is offered to everyone
            for (int line = 1; line <= WorkerPool.LANE_LIMIT; line++) {
                pool.broadcast("line " + line); // welcome in flight, 256 lines queued: every lane is full
            }
            pool.broadcast("one too many"); // finds all 5,000 lanes full at once
            pool.broadcast("and another"); // finds them all closed: discarded, not counted again
        });
        assertEquals(null, died, "the broadcasting reader died");
        assertEquals(CLIENTS, metrics.evictions(), "evictions counted: each client exactly once");
        assertEquals(0, metrics.queuedMessages(), "frames still queued for evicted clients");
        assertEquals(
                List.of(),
                stalled.stream()
                        .filter(c -> !c.stoppedReading())
                        .map(StalledConnection::name)
                        .toList(),
                "evicted clients whose reader was not stopped");
        died = StalledConnection.runOnPlatformThread(
                "readers", () -> members.forEach(m -> pool.leave(m, CloseCode.NORMAL, "left")));
        assertEquals(null, died, "a leaving reader died");
        assertEquals(0, pool.registered(), "clients left in the registry");
        stalled.forEach(c -> c.close(CloseCode.SHUTDOWN, "test over"));
        pool.stop();
        assertTrue(threads.awaitNone(Duration.ofSeconds(30)), threads.live() + " workers still running");
    }
}
