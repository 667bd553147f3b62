package fivechats.transport;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads find carol too slow at the same moment (two shards of the sharded hub, two broadcasts of the mutex map)
 * and both evict her, while a third offers her one more line. Eviction must be counted once, whoever gets there
 * first, and must leave nothing queued behind the close: a frame kept there would be counted in
 * {@code chat_queued_messages} for ever. {@link SendQueue#evict} closes, counts and drops in one step under the
 * queue's monitor; the offer checks for the close and queues in one step under the same monitor.
 *
 * <p>Explored only (an interleaving test, not a jcstress one): the memory effects are Close_01's. Fails with
 * {@code SendQueue.finish}'s {@code if (closing) { return false; }} removed (both evictions are counted: "1, 1, 0").
 */
public class Evict_01_TwoFindItFull {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    @Outcome(
            id = {"1, 0, 0", "0, 1, 0"},
            expect = ACCEPTABLE,
            desc = "Carol was evicted once, and nothing is left queued behind the close.")
    @Outcome(
            id = "1, 1, .*",
            expect = FORBIDDEN,
            desc = "Both threads counted the eviction: one client, two evictions.")
    @Outcome(expect = FORBIDDEN, desc = "A line is left queued behind the close: never sent, counted for ever.")
    @Description("Two evictions and an offer race on one outbox. Broken twin caught: SendQueue.finish without its"
            + " closing check (both evictions counted).")
    @State
    public static class Outboxes {
        private final RecordingConnection carol = new RecordingConnection(3, "carol");
        private final Outbox outbox =
                new Outbox(carol, 2, TransportConfig.defaults().writeWait(), METRICS);

        public Outboxes() {
            outbox.offer("1"); // one line waits: the offer below finds room and does not wait
        }

        @Actor
        public void broadcast() {
            outbox.offer("2");
        }

        @Actor
        public void shardA(III_Result r) {
            r.r1 = outbox.evict(CloseCode.POLICY_VIOLATION, "too slow") ? 1 : 0;
        }

        @Actor
        public void shardB(III_Result r) {
            r.r2 = outbox.evict(CloseCode.POLICY_VIOLATION, "too slow") ? 1 : 0;
        }

        @Arbiter
        public void left(III_Result r) {
            List<String> pending = outbox.pending();
            r.r3 = pending.size() - 1; // all but the close
        }
    }
}
