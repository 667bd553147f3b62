package fivechats.threadperconnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.race.StalledConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.CloseCode;
import fivechats.transport.ModelThreads;
import fivechats.transport.Outbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Thousands of clients fill up at the same moment, below the network: a reader's broadcast (played by a platform
 * thread with the default stack) must evict each exactly once, and the next broadcast must still work. Every
 * outbox's writer runs and waits on its client's first send, which never completes, as on a real stuck socket.
 *
 * <p>Evicting a client only empties and closes its outbox and stops its reader; its own reader announces its leave
 * later, so an eviction cannot cascade. The eviction it replaced recursed (evict, leave, offer the leave, evict the
 * next ...) and died of StackOverflowError at 5,000 clients. Fails with ThreadPerConnection.Fixed.evict's "if" around
 * "metrics.evicted()" removed (counted once per full offer).
 */
class MassEvictionTest {
    private static final int CLIENTS = 5_000;
    private static final int SEND_QUEUE = 2;

    @Test
    @DisplayName(
            "5,000 clients full at once are each evicted exactly once, their readers stopped, and the reader goes on")
    void massEvictionIsCountedOnce() throws Exception {
        ChatMetrics metrics = ChatMetrics.standalone();
        ThreadPerConnection.Fixed model =
                new ThreadPerConnection.Fixed(ThreadPerConnection.Threads.VIRTUAL, SEND_QUEUE);
        model.attach(metrics);
        List<StalledConnection> stalled = StalledConnection.quietCrowd(CLIENTS);
        List<Outbox> outboxes = new ArrayList<>();
        ModelThreads threads = new ModelThreads();
        Throwable died = StalledConnection.runOnPlatformThread("reader", () -> {
            for (StalledConnection c : stalled) {
                Outbox outbox = model.outbox(c, SEND_QUEUE);
                outboxes.add(outbox);
                model.join(outbox); // joins quietly; its writer takes the welcome and waits on the client forever
                outbox.start(threads);
            }
            StalledConnection.awaitSending(stalled); // every welcome in flight: nothing queued from now on is sent
            stalled.forEach(c -> c.hearsPresence(true)); // from now on each leave is offered to everyone
            model.broadcast("first line");
            model.broadcast("second line"); // welcome in flight, these two queued: every outbox is full
            model.broadcast("third line"); // finds all 5,000 full at once, their writers stalled since the welcome
            model.broadcast("fourth line"); // finds them all closed: discarded, not counted again
        });
        assertEquals(null, died, "the broadcasting reader died");
        assertEquals(CLIENTS, metrics.evictions(), "evictions counted: each client exactly once");
        assertEquals(
                List.of(),
                stalled.stream()
                        .filter(c -> !c.stoppedReading())
                        .map(StalledConnection::name)
                        .toList(),
                "evicted clients whose reader was not stopped");
        died = StalledConnection.runOnPlatformThread("readers", () -> {
            for (Outbox outbox : outboxes) {
                model.leave(outbox, CloseCode.NORMAL, "left"); // what each stopped reader does next
            }
        });
        assertEquals(null, died, "a leaving reader died");
        assertEquals(0, model.registered(), "clients left in the registry");
        Outbox newcomer = model.outbox(new StalledConnection(CLIENTS + 1), SEND_QUEUE);
        model.join(newcomer);
        model.broadcast("after the storm");
        assertEquals(
                2, newcomer.pending().size(), "a newcomer gets its welcome and the next line: " + newcomer.pending());
        stalled.forEach(c -> c.close(CloseCode.SHUTDOWN, "test over")); // fails the stuck sends, so the writers end
        assertTrue(threads.awaitNone(Duration.ofSeconds(30)), threads.live() + " writers still running");
    }
}
