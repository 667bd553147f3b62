package fivechats.workerpool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Two workers each take one broadcast task (alice's line, bob's line) and write it to carol.
 *
 * <p>Naive: any worker writes to any connection, so the two writes to carol can overlap; one is refused and the
 * line is lost. Locked: a lock per connection makes the writes take turns, so nothing overlaps. Fixed: both
 * lines go into carol's lane, which only one worker drains at a time. Each actor plays a reader that broadcasts its
 * line and then a worker that runs tasks until none is left, so in the fixed form the two offers race for the lane's
 * token while the other actor may already be draining: the token logic itself is raced, not just the writes.
 * Applied once, the mutation "Lane.schedule submits a drain without compareAndSet on the token" made the fixed form
 * fail in the fast mode: two drains ran at once and one hit "IllegalStateException: concurrent write to connection
 * carol" (a drain does not catch it, so jcstress reports the test as an error).
 * Result: (overlapping writes seen, lines carol got).
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Overlap_02}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Naive
 *     RESULT    SAMPLES    FREQ       EXPECT  DESCRIPTION
 *       0, 2  6,426,234  99.29%   Acceptable  The writes did not overlap; carol got both lines.
 *       1, 1     45,756   0.71%  Interesting  Two workers wrote to carol at once: one write was refused...
 *   Locked
 *     RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *       0, 2  6,709,558  100.00%  Acceptable  The writes took turns; carol got both lines.
 *       1, 1          0    0.00%   Forbidden  Two workers wrote to carol at once: the lock per connecti...
 *   Fixed
 *     RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *       0, 2  6,340,918  100.00%  Acceptable  One worker drained carol's lane; carol got both lines.
 *       1, 1          0    0.00%   Forbidden  Two workers wrote to carol at once: the lane's token must...
 * </pre>
 */
public class Overlap_02_TwoWorkers {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    /**
     * carol online with her welcome delivered. Each actor is a reader that broadcasts its line and then works as a
     * pool worker until the queue is empty: the two lines race into the pool (the fixed lane's token included), and
     * the two workers race to carol.
     */
    abstract static class Setup {
        final WorkerPool pool;
        final RecordingConnection carol = new RecordingConnection(3, "carol");

        Setup(WorkerPool.Variant variant) {
            pool = new WorkerPool(variant, 2, Duration.ZERO);
            pool.attach(METRICS);
            pool.register(carol);
            while (pool.runOneTask()) {
                // deliver carol's welcome before the race
            }
        }

        void readerThenWorker(String line) {
            pool.broadcast(line);
            while (pool.runOneTask()) {
                // the next task, if any
            }
        }

        void result(II_Result r) {
            while (pool.runOneTask()) {
                // anything left over
            }
            r.r1 = carol.overlaps();
            r.r2 = (int)
                    carol.written().stream().filter(f -> f.endsWith("'s line")).count();
        }
    }

    @JCStressTest
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "The writes did not overlap; carol got both lines.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "Two workers wrote to carol at once: one write was refused and carol lost a line.")
    @Description("Naive: two readers' lines become two tasks, and two workers write them to carol, maybe at once.")
    @State
    public static class Naive extends Setup {
        public Naive() {
            super(WorkerPool.Variant.NAIVE);
        }

        @Actor
        public void alice() {
            readerThenWorker("alice's line");
        }

        @Actor
        public void bob() {
            readerThenWorker("bob's line");
        }

        @Arbiter
        public void seen(II_Result r) {
            result(r);
        }
    }

    @JCStressTest
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "The writes took turns; carol got both lines.")
    @Outcome(
            id = "1, 1",
            expect = FORBIDDEN,
            desc = "Two workers wrote to carol at once: the lock per connection must prevent it.")
    @Description(
            "Locked: the naive form's race, with a lock per connection around each write. Its broken twin is Naive.")
    @State
    public static class Locked extends Setup {
        public Locked() {
            super(WorkerPool.Variant.LOCKED);
        }

        @Actor
        public void alice() {
            readerThenWorker("alice's line");
        }

        @Actor
        public void bob() {
            readerThenWorker("bob's line");
        }

        @Arbiter
        public void seen(II_Result r) {
            result(r);
        }
    }

    @JCStressTest
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "One worker drained carol's lane; carol got both lines.")
    @Outcome(
            id = "1, 1",
            expect = FORBIDDEN,
            desc = "Two workers wrote to carol at once: the lane's token must prevent it.")
    @Outcome(expect = FORBIDDEN, desc = "A line was lost or doubled.")
    @Description("Fixed: both lines race into carol's lane, and both actors work; the lane's token lets one drain it."
            + " Broken twin caught: Lane.schedule submitting a drain without taking the token (two drains wrote to"
            + " carol at once).")
    @State
    public static class Fixed extends Setup {
        public Fixed() {
            super(WorkerPool.Variant.FIXED);
        }

        @Actor
        public void alice() {
            readerThenWorker("alice's line");
        }

        @Actor
        public void bob() {
            readerThenWorker("bob's line");
        }

        @Arbiter
        public void seen(II_Result r) {
            result(r);
        }
    }
}
