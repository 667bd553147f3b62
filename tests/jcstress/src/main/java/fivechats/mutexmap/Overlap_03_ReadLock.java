package fivechats.mutexmap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Alice's and bob's readers broadcast at once, each holding the map's read lock.
 *
 * <p>A read lock is shared: both broadcasts are inside it together, and both write to carol at once. The naive
 * model has nothing else, so one write is refused and carol loses a line. The fixed model copies the map under
 * the read lock and writes each connection under that connection's own lock, so the writes take turns.
 * Result: (overlapping writes seen, lines carol got).
 *
 * <p>Run just this topic: {@code mvn verify -pl tests/jcstress -am -Djcstress.tests=Overlap_03}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Naive
 *     RESULT     SAMPLES    FREQ       EXPECT  DESCRIPTION
 *       0, 2  15,948,656  97.66%   Acceptable  The writes did not overlap; carol got both lines.
 *       1, 1     382,424   2.34%  Interesting  Both broadcasts held the read lock and wrote to carol at ...
 *   Fixed
 *     RESULT     SAMPLES     FREQ      EXPECT  DESCRIPTION
 *       0, 2  14,696,714  100.00%  Acceptable  The writes took turns under carol's own lock; carol got b...
 *       1, 1           0    0.00%   Forbidden  Two broadcasts wrote to carol at once: the per-connection...
 * </pre>
 */
public class Overlap_03_ReadLock {

    @JCStressTest
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "The writes did not overlap; carol got both lines.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "Both broadcasts held the read lock and wrote to carol at once: carol lost a line.")
    @Description("Naive: two broadcasts hold the shared read lock and write to carol at once.")
    @State
    public static class Naive {
        private final MutexMap.Naive model = new MutexMap.Naive();
        private final RecordingConnection carol = new RecordingConnection(3, "carol");

        public Naive() {
            model.register(carol);
        }

        @Actor
        public void alice() {
            model.broadcast("alice's line", null);
        }

        @Actor
        public void bob() {
            model.broadcast("bob's line", null);
        }

        @Arbiter
        public void seen(II_Result r) {
            r.r1 = carol.overlaps();
            r.r2 = (int) carol.written().stream().filter(f -> f.endsWith("'s line")).count();
        }
    }

    @JCStressTest
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "The writes took turns under carol's own lock; carol got both lines.")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "Two broadcasts wrote to carol at once: the per-connection lock must prevent it.")
    @Description("Fixed: the same two broadcasts, each write under carol's own lock. Its broken twin is Naive, the same actors without it.")
    @State
    public static class Fixed {
        private final MutexMap.Fixed model = new MutexMap.Fixed();
        private final RecordingConnection carol = new RecordingConnection(3, "carol");

        public Fixed() {
            model.register(carol);
        }

        @Actor
        public void alice() {
            model.broadcast("alice's line");
        }

        @Actor
        public void bob() {
            model.broadcast("bob's line");
        }

        @Arbiter
        public void seen(II_Result r) {
            r.r1 = carol.overlaps();
            r.r2 = (int) carol.written().stream().filter(f -> f.endsWith("'s line")).count();
        }
    }
}
