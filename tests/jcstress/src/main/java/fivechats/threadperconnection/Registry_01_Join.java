package fivechats.threadperconnection;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Two clients join at the same moment: two reader threads each register their connection.
 *
 * <p>The naive thread-per-connection model keeps its clients in a plain {@code HashMap}. Two unsynchronised
 * {@code put}s can both read the same bucket (or both resize the table) and one registration is lost: that
 * client is connected, but no broadcast will ever reach it. The fixed model uses a {@code ConcurrentHashMap},
 * and the same race cannot lose a client.
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Registry_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   BrokenHashMap
 *     RESULT     SAMPLES    FREQ       EXPECT  DESCRIPTION
 *          1   1,497,151   1.50%  Interesting  A registration is lost: a connected client will never get...
 *          2  98,386,123  98.50%   Acceptable  Both clients are registered.
 *   ConcurrentMap
 *     RESULT     SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          1           0    0.00%   Forbidden  A registration is lost: the ConcurrentHashMap must never ...
 *          2  11,983,114  100.00%  Acceptable  Both clients are registered.
 * </pre>
 */
public class Registry_01_Join {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "Both clients are registered.")
    @Outcome(
            id = "1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "A registration is lost: a connected client will never get a line.")
    @Description("Naive: two readers put their clients into a plain HashMap at once.")
    @State
    public static class BrokenHashMap {
        private final ThreadPerConnection.Naive model =
                new ThreadPerConnection.Naive(ThreadPerConnection.Threads.VIRTUAL);

        @Actor
        public void alice() {
            model.register(new RecordingConnection(1, "alice"));
        }

        @Actor
        public void bob() {
            model.register(new RecordingConnection(2, "bob"));
        }

        @Arbiter
        public void registered(I_Result r) {
            r.r1 = model.registered();
        }
    }

    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "Both clients are registered.")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "A registration is lost: the ConcurrentHashMap must never allow it.")
    @Description(
            "Fixed: the same two puts into a ConcurrentHashMap. Its broken twin is BrokenHashMap, the same actors on a"
                    + " HashMap.")
    @State
    public static class ConcurrentMap {
        private final ThreadPerConnection.Fixed model =
                new ThreadPerConnection.Fixed(ThreadPerConnection.Threads.VIRTUAL, 256);

        public ConcurrentMap() {
            model.attach(METRICS);
        }

        @Actor
        public void alice() {
            model.join(model.outbox(new RecordingConnection(1, "alice"), 256));
        }

        @Actor
        public void bob() {
            model.join(model.outbox(new RecordingConnection(2, "bob"), 256));
        }

        @Arbiter
        public void registered(I_Result r) {
            r.r1 = model.registered();
        }
    }
}
