package fivechats.channelhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.race.StalledConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.CloseCode;
import fivechats.transport.ModelThreads;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Thousands of clients fill up at the same moment, below the network: the hub (played by the test thread, on a
 * platform thread's default stack like the real hub thread) must evict each exactly once and go on.
 *
 * <p>Evicting a client only empties and closes its outbox and stops its reader; its leave is announced later, when its
 * reader unregisters, so an eviction never offers anything to anyone and cannot cascade. The eviction it replaced
 * (evict, remove, offer the leave, evict the next ... from inside itself) died of StackOverflowError at 5,000 clients.
 * Fails with ChannelHub.offer's "metrics.evicted()" moved out of the "if" (counted once per full offer: 10,000).
 */
class MassEvictionTest {
    private static final int CLIENTS = 5_000;
    private static final int SEND_QUEUE = 2;

    @Test
    @DisplayName("5,000 clients full at once are each evicted exactly once, their readers stopped, and the hub goes on")
    void massEvictionIsCountedOnce() throws Exception {
        ChatMetrics metrics = ChatMetrics.standalone();
        ChannelHub hub = new ChannelHub(SEND_QUEUE);
        hub.attach(metrics);
        List<StalledConnection> stalled = StalledConnection.quietCrowd(CLIENTS);
        List<Client> clients = new ArrayList<>();
        ModelThreads threads = new ModelThreads();
        Throwable died = StalledConnection.runOnPlatformThread("hub", () -> {
            for (StalledConnection c : stalled) {
                Client client = new Client(
                        c, hub, SEND_QUEUE, TransportConfig.defaults().writeWait(), metrics);
                clients.add(client);
                hub.register(client); // joins quietly: a welcome each
                hub.handleQueued();
                client.outbox().start(threads); // its writer takes the welcome and waits on the client forever
            }
            StalledConnection.awaitSending(stalled); // every welcome in flight: nothing queued from now on is sent
            stalled.forEach(c -> c.hearsPresence(true)); // from now on each leave is offered to everyone
            hub.broadcast("first line");
            hub.broadcast("second line"); // welcome in flight, these two queued: every queue is full
            hub.broadcast("third line"); // finds all 5,000 full at once, stalled since their welcome
            hub.broadcast("fourth line"); // finds them all closed: discarded, not counted again
            hub.handleQueued();
        });
        assertEquals(null, died, "the hub thread died");
        assertEquals(CLIENTS, metrics.evictions(), "evictions counted: each client exactly once");
        assertEquals(
                List.of(),
                stalled.stream()
                        .filter(c -> !c.stoppedReading())
                        .map(StalledConnection::name)
                        .toList(),
                "evicted clients whose reader was not stopped");
        died = StalledConnection.runOnPlatformThread("hub", () -> {
            for (Client client : clients) {
                hub.unregister(client); // what each stopped reader does next: its leave goes to the others, discarded
                hub.handleQueued();
            }
        });
        assertEquals(null, died, "the hub thread died");
        assertEquals(0, hub.registered(), "clients left in the registry");
        assertEquals(CLIENTS, metrics.evictions(), "evictions counted: still each client exactly once");
        stalled.forEach(c -> c.close(CloseCode.SHUTDOWN, "test over")); // fails the stuck sends, so the writers end
        assertTrue(threads.awaitNone(Duration.ofSeconds(30)), threads.live() + " writers still running");
    }
}
