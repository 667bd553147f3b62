package fivechats.mutexmap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.Outbox;
import fivechats.transport.TransportConfig;
import java.io.IOException;
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
 * model has nothing else, so one write is refused and carol loses a line. In the fixed model a broadcast only
 * queues into carol's outbox, and carol's one writer does all her writing: here it writes bob's 4 lines while
 * alice's broadcast arrives. Applied once, the mutation "a broadcast writes to each connection instead of queueing"
 * made the fixed test show a forbidden outcome in 532 of 469,011 samples (fast mode).
 * Result: (overlapping writes seen, lines carol got).
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Overlap_03}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Naive  18,946,314 samples: 711,809 (3.76%) Interesting (1, 1), the rest (0, 2)
 *   Fixed  10,744,074 samples: all (0, 5), none Forbidden
 * </pre>
 */
public class Overlap_03_ReadLock {

    @JCStressTest
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "The writes did not overlap; carol got both lines.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "Both broadcasts held the read lock and wrote to carol at once: carol lost a line.")
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
            r.r2 = (int)
                    carol.written().stream().filter(f -> f.endsWith("'s line")).count();
        }
    }

    @JCStressTest
    @Outcome(
            id = "0, 5",
            expect = ACCEPTABLE,
            desc = "Alice's broadcast only queued; carol's one writer wrote all 5 lines.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Two threads wrote to carol at once, and a line was lost: a broadcast must only queue.")
    @Description("Fixed: alice broadcasts under the read lock while carol's writer writes bob's 4 lines. Broken twin"
            + " caught: a broadcast that writes to carol itself instead of queueing (the Naive model's way).")
    @State
    public static class Fixed {
        private static final ChatMetrics METRICS = ChatMetrics.standalone();
        private final MutexMap.Fixed model = new MutexMap.Fixed(256);
        private final RecordingConnection carol = new RecordingConnection(3, "carol");
        private final Outbox outbox =
                new Outbox(carol, 256, TransportConfig.defaults().writeWait(), METRICS);

        public Fixed() {
            model.register(outbox);
            write(); // carol's welcome, before the race
            for (int i = 0; i < 4; i++) {
                outbox.offer("bob's line"); // what bob's broadcasts queued: the writer writes them as alice's comes
            }
        }

        @Actor
        public void alice() {
            model.broadcast("alice's line");
        }

        @Actor
        public void writer() {
            write(); // carol's single writer, racing the broadcasts
        }

        /** What carol's writer thread does with every frame queued right now (a RecordingConnection never fails). */
        private void write() {
            try {
                outbox.writeQueuedNow();
            } catch (IllegalStateException overlap) {
                // refused and counted by carol's connection: the line is lost
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Arbiter
        public void seen(II_Result r) {
            write();
            r.r1 = carol.overlaps();
            r.r2 = (int)
                    carol.written().stream().filter(f -> f.endsWith("'s line")).count();
        }
    }
}
