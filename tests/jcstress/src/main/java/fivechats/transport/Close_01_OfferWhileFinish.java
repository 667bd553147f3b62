package fivechats.transport;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import java.io.IOException;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A broadcast offers carol a line at the moment her outbox is being finished (she left, or the server is stopping).
 *
 * <p>Either order is fine: the line is queued before the Close and written, or it arrives after and is discarded
 * (carol is on her way out). What must never happen is a line queued <em>behind</em> the Close: the writer stops at
 * the Close, so that line is never written, never discarded, and the queued-frames gauge stays one too high for
 * ever. The check of "closing" and the queueing of the frame must be one step.
 *
 * <p>Applied once, the mutation "offer checks closing, then queues, without the outbox's lock" (the code this
 * outbox had) gave the forbidden (1, 0) in 1.2% of 32 million samples (thorough mode).
 * Result: (frames left behind the Close, lines written to carol).
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Close_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Offer
 *     RESULT     SAMPLES    FREQ      EXPECT  DESCRIPTION
 *       0, 0  12,982,314  38.73%  Acceptable  The line came after the Close was queued and was discarded.
 *       0, 1  20,535,520  61.27%  Acceptable  The line was queued before the Close and written.
 * </pre>
 */
public class Close_01_OfferWhileFinish {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    @JCStressTest
    @Description("An offer races finish on one outbox. Broken twin caught: an offer whose closing check and queueing"
            + " are two steps (a frame stranded behind the Close).")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The line was queued before the Close and written.")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The line came after the Close was queued and was discarded.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "A line landed behind the Close: never written, never discarded, counted for ever.")
    @State
    public static class Offer {
        private final RecordingConnection carol = new RecordingConnection(3, "carol");
        private final Outbox outbox =
                new Outbox(carol, 256, TransportConfig.defaults().writeWait(), METRICS);

        @Actor
        public void broadcast() {
            outbox.offer("line");
        }

        @Actor
        public void leave() {
            outbox.finish(CloseCode.NORMAL, "left");
        }

        @Arbiter
        public void writer(II_Result r) {
            try {
                outbox.writeQueuedNow(); // what the writer does: every frame up to the Close
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            List<String> left = outbox.pending();
            r.r1 = left.isEmpty() ? 0 : left.size() - 1; // everything after the Close at the head
            r.r2 = carol.written().size();
        }
    }
}
