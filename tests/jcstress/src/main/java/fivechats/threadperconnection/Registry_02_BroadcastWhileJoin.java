package fivechats.threadperconnection;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * A reader broadcasts a line while another client joins.
 *
 * <p>The naive model walks its {@code HashMap} to broadcast while another reader inserts into it. Twelve clients
 * are already in a map whose table resizes at the thirteenth, so the join rebuilds the table under the walker's
 * feet: the walk fails with {@code ConcurrentModificationException}, {@code IllegalStateException} ("Accept
 * exceeded fixed size") or even {@code NullPointerException} (the copy saw an empty slot of the table being
 * rebuilt), and the reader's thread dies: that client is silenced for good. A
 * {@code ConcurrentHashMap} is made to be walked while it changes.
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Registry_02}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   BrokenHashMap
 *     RESULT    SAMPLES    FREQ       EXPECT  DESCRIPTION
 *          0      9,318   0.11%  Interesting  The map changed under the walk: the broadcasting reader's...
 *          1  8,379,556  99.89%   Acceptable  The broadcast finished.
 *   ConcurrentMap
 *     RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          0          0    0.00%   Forbidden  The map changed under the walk: a ConcurrentHashMap must ...
 *          1  1,547,896  100.00%  Acceptable  The broadcast finished.
 * </pre>
 */
public class Registry_02_BroadcastWhileJoin {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();
    /** Clients already online: one short of the HashMap's first resize (16 buckets x 0.75). */
    private static final int ONLINE = 12;

    @JCStressTest
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "The broadcast finished.")
    @Outcome(
            id = "0",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The map changed under the walk: the broadcasting reader's thread dies.")
    @Description("Naive: a reader walks a plain HashMap to broadcast while another reader puts a newcomer.")
    @State
    public static class BrokenHashMap {
        private final ThreadPerConnection.Naive model =
                new ThreadPerConnection.Naive(ThreadPerConnection.Threads.VIRTUAL);

        public BrokenHashMap() {
            for (int i = 1; i <= ONLINE; i++) {
                model.register(new RecordingConnection(i, "c" + i));
            }
        }

        @Actor
        public void reader(I_Result r) {
            try {
                model.broadcast("{\"type\":\"chat\"}", null);
                r.r1 = 1;
            } catch (
                    RuntimeException
                            e) { // ConcurrentModificationException, IllegalStateException, NullPointerException
                r.r1 = 0;
            }
        }

        @Actor
        public void joiner() {
            model.register(new RecordingConnection(ONLINE + 1, "newcomer"));
        }
    }

    @JCStressTest
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "The broadcast finished.")
    @Outcome(
            id = "0",
            expect = FORBIDDEN,
            desc = "The map changed under the walk: a ConcurrentHashMap must never fail this way.")
    @Description(
            "Fixed: the same walk and put on a ConcurrentHashMap. Its broken twin is BrokenHashMap, the same actors on"
                    + " a HashMap.")
    @State
    public static class ConcurrentMap {
        private final ThreadPerConnection.Fixed model =
                new ThreadPerConnection.Fixed(ThreadPerConnection.Threads.VIRTUAL, 256);

        public ConcurrentMap() {
            model.attach(METRICS);
            for (int i = 1; i <= ONLINE; i++) {
                model.join(model.outbox(new RecordingConnection(i, "c" + i), 256));
            }
        }

        @Actor
        public void reader(I_Result r) {
            try {
                model.broadcast("{\"type\":\"chat\"}");
                r.r1 = 1;
            } catch (RuntimeException e) {
                r.r1 = 0;
            }
        }

        @Actor
        public void joiner() {
            model.join(model.outbox(new RecordingConnection(ONLINE + 1, "newcomer"), 256));
        }
    }
}
