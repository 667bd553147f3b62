package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Section 2 of the contract kit ({@link ChatContract}): concurrent senders: every line once, in order, to everyone.
 */
public interface ConcurrentSendersContract extends ContractFixture {
    @Test
    @DisplayName("2. 10 senders x 200 lines to 50 clients: every client gets every line exactly once, in seq order,"
            + " uncorrupted")
    default void concurrentSendersDeliverEveryLineOnceInOrder() throws Exception {
        int clientCount = 50;
        int senderCount = 10;
        int perSender = 200;
        // A sender sends line i only when every client has line i - window. The senders still race each other
        // (that is the test), but no receiver can lag by more than senders x window = 80 frames, so a model
        // that evicts slow clients (at 256) is tested for order and loss, never for capacity.
        int window = 8;
        List<ChatClient> everyone =
                IntStream.range(0, clientCount).mapToObj(i -> join("c" + i)).toList();
        List<ChatClient> senders = everyone.subList(0, senderCount);
        List<String> senderNames = senders.stream().map(ChatClient::name).toList();

        List<Throwable> failures = Crowd.atOnce(senders, PATIENCE, sender -> {
            for (int i = 1; i <= perSender; i++) {
                if (i > window) {
                    for (ChatClient receiver : everyone) {
                        receiver.awaitChatsFrom(sender.name(), i - window, PATIENCE);
                    }
                }
                sender.send(DeliveryCheck.line(sender.name(), i));
            }
        });
        int expected = senderCount * perSender;
        try {
            await().alias("every client receives " + expected + " lines")
                    .until(() -> everyone.stream().allMatch(c -> c.count("chat") >= expected));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // fall through: the reports below say who is missing what
        }
        assertTrue(
                failures.isEmpty(),
                failures.size() + " senders failed; first: "
                        + failures.stream().findFirst().orElse(null));
        List<DeliveryCheck.Report> broken = everyone.stream()
                .map(c -> DeliveryCheck.check(c, senderNames, perSender))
                .filter(r -> !r.perfect())
                .toList();
        assertTrue(
                broken.isEmpty(),
                broken.size() + " of " + clientCount + " clients saw a broken delivery ("
                        + server().metrics().evictions() + " evicted, "
                        + server().metrics().concurrentWrites() + " concurrent writes); first: "
                        + broken.stream().limit(3).map(String::valueOf).toList());
        assertEquals(0, server().metrics().concurrentWrites(), "concurrent writes detected by the transport");
    }
}
