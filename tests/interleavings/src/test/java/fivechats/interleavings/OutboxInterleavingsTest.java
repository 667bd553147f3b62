package fivechats.interleavings;

import fivechats.transport.Close_01_OfferWhileFinish;
import fivechats.transport.Evict_01_TwoFindItFull;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/** The transport's send queue, which every queueing model uses: offer, finish and evict, at once. */
class OutboxInterleavingsTest {
    /**
     * Fails with {@code SendQueue.finish}'s {@code if (closing) { return false; }} removed: "Evict_01_TwoFindItFull.Outboxes
     * broke in interleaving 1: Outcome 1, 1, 0: Both threads counted the eviction: one client, two evictions."
     */
    @Test
    void twoEvictionsAndAnOffer() {
        Exploration.holds(
                "outbox",
                Evict_01_TwoFindItFull.Outboxes.class,
                III_Result.class,
                (s, r) -> s.broadcast(),
                (s, r) -> s.shardA(r),
                (s, r) -> s.shardB(r));
    }

    /** Twin: named in the scenario's {@code @Description} (the offer's close check outside the monitor). */
    @Test
    void offerWhileFinish() {
        Exploration.holds(
                "outbox",
                Close_01_OfferWhileFinish.Offer.class,
                II_Result.class,
                (s, r) -> s.broadcast(),
                (s, r) -> s.leave());
    }
}
