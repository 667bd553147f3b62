package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Section 8 of the contract kit ({@link ChatContract}): leaks: after everyone leaves, everything returns to the baseline.
 */
public interface LeakContract extends ContractFixture {
    /*
     * Shown to fail on tests/assignments/mistakes RawVirtualWriter (a writer per client on Thread.ofVirtual(), never
     * ended): its leaked writers are invisible to Thread.getAllStackTraces(), which this test used to compare.
     */
    @Test
    @DisplayName("8. after every client leaves, the registry, connections, model threads and JVM threads return to the"
            + " baseline")
    default void noLeaksAfterEveryoneLeaves() {
        int modelThreads = server().threads().live(); // before any client: only the model's own long-lived threads
        ChatClient warmUp = join("warm-up"); // lets both sides start their lazy platform threads before that baseline
        warmUp.send("warming up");
        awaitChat(warmUp, "warm-up", "warming up");
        warmUp.leave();
        await().alias("warm-up leaves: registry and connections at zero")
                .until(() -> server().model().registered() == 0 && server().openConnections() == 0);
        // Every Java thread, platform and virtual, compared as a set of ids: a writer started with Thread.ofVirtual()
        // escapes the model's thread count, not this. (ThreadMXBean's count also includes JIT compiler threads,
        // which the JVM starts under load and retires after idling: that would measure the JIT.)
        Set<Long> baseline = ThreadCensus.alive().keySet();

        List<ChatClient> crowd =
                IntStream.range(0, 100).mapToObj(i -> join("crowd" + i)).toList();
        for (ChatClient c : crowd.subList(0, 10)) {
            c.send("hello from " + c.name());
        }
        await().alias("each of the crowd gets the 10 hellos")
                .until(() -> crowd.stream().allMatch(c -> c.count("chat") == 10));
        assertEquals(100, server().model().registered(), "clients in the registry with the crowd connected");
        crowd.forEach(ChatClient::leave);
        await().alias("registry and connections back to zero")
                .until(() -> server().model().registered() == 0 && server().openConnections() == 0);
        await().alias("model threads back to the baseline of " + modelThreads)
                .until(() -> server().threads().live() == modelThreads);
        await().pollInSameThread() // Awaitility's own poller thread would count as a new thread
                .alias("threads started for the crowd end")
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(
                        List.of(),
                        threadsStartedSince(baseline),
                        "threads (platform or virtual) started while 100 clients came and went, still alive"
                                + " after they all left: a thread per client that is never ended is a leak; end"
                                + " each client's threads when it leaves"));
        assertEquals(0, server().metrics().connections(), "open connections in the metrics");
        // Frames queued for clients that left are discarded by their writers, which may still be at it: wait for the
        // count, which a real leak never brings back to zero.
        await().alias("frames still queued back to zero (a leak leaves it above)")
                .until(() -> server().metrics().queuedMessages() == 0);
    }
}
