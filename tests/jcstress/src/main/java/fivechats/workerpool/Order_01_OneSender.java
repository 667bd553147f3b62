package fivechats.workerpool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import java.time.Duration;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Alice sends "1", "2", "3", "4"; two workers drain the task queue and carry them to carol.
 *
 * <p>With a task per line, consecutive lines are taken by different workers, and whichever reaches carol first
 * wins: carol can see "2" before "1", even with a lock per connection (the lock stops overlaps, not overtaking).
 * With a lane per connection, the lines wait in carol's lane and one worker writes them front to back.
 *
 * <p>Lines 1 and 2 are broadcast before the race; during it, alice's reader broadcasts 3 and 4 and then works as a
 * pool worker, while the other actor works. In the fixed form the offers of 3 and 4 race with a drain that may be
 * releasing the lane's token (the "take it back" step in {@code drain}), which is what keeps one writer and one order.
 * Applied once, the mutation "Lane.schedule submits a drain without compareAndSet on the token" made the fixed form
 * fail in the fast mode: two drains ran at once and one hit "IllegalStateException: concurrent write to connection
 * carol".
 * Result: what carol received, in order ("-" first when a line was lost).
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Order_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Naive
 *      RESULT    SAMPLES    FREQ       EXPECT  DESCRIPTION
 *      -1,2,3     30,982   0.49%  Interesting  A line was lost to an overlapping write.
 *      -1,2,4     40,878   0.65%  Interesting  A line was lost to an overlapping write.
 *      -1,3,2      7,293   0.12%  Interesting  A line was lost to an overlapping write.
 *      -1,3,4     47,933   0.76%  Interesting  A line was lost to an overlapping write.
 *      -2,1,3        390  <0.01%  Interesting  A line was lost to an overlapping write.
 *      -2,1,4      1,859   0.03%  Interesting  A line was lost to an overlapping write.
 *      -2,3,1        174  <0.01%  Interesting  A line was lost to an overlapping write.
 *      -2,3,4     13,942   0.22%  Interesting  A line was lost to an overlapping write.
 *     1,2,3,4  6,118,331  96.75%   Acceptable  In order.
 *     1,2,4,3     16,651   0.26%  Interesting  Reordered: a later line overtook an earlier one.
 *     1,3,2,4     17,605   0.28%  Interesting  Reordered: a later line overtook an earlier one.
 *     1,3,4,2     18,822   0.30%  Interesting  Reordered: a later line overtook an earlier one.
 *     2,1,3,4      5,039   0.08%  Interesting  Reordered: a later line overtook an earlier one.
 *     2,1,4,3        392  <0.01%  Interesting  Reordered: a later line overtook an earlier one.
 *     2,3,1,4      1,825   0.03%  Interesting  Reordered: a later line overtook an earlier one.
 *     2,3,4,1      1,448   0.02%  Interesting  Reordered: a later line overtook an earlier one.
 *   Locked
 *      RESULT    SAMPLES    FREQ       EXPECT  DESCRIPTION
 *         -.*          0   0.00%    Forbidden  A line was lost: the lock must prevent overlapping writes.
 *     1,2,3,4  6,145,105  95.80%   Acceptable  In order.
 *     1,2,4,3    107,431   1.67%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *     1,3,2,4     54,969   0.86%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *     1,3,4,2     77,400   1.21%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *     2,1,3,4      9,090   0.14%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *     2,1,4,3      5,804   0.09%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *     2,3,1,4      5,443   0.08%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *     2,3,4,1      9,404   0.15%  Interesting  Reordered: the lock stops overlaps, not overtaking.
 *   Fixed
 *      RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *         -.*          0    0.00%   Forbidden  A line was lost.
 *     1,2,3,4  6,455,606  100.00%  Acceptable  In order: one worker drains the lane front to back.
 * </pre>
 */
public class Order_01_OneSender {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();
    private static final List<String> LINES = List.of("1", "2", "3", "4");

    /**
     * carol online, and alice's lines "1" and "2" already broadcast (in the fixed form: in carol's lane, with one
     * drain task queued). Then alice's reader broadcasts "3" and "4" and turns worker, while the other actor works:
     * the later offers race with a drain that may be releasing the lane's token.
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
            pool.broadcast("1");
            pool.broadcast("2");
        }

        /** Alice's reader: her last two lines, then it works as a pool worker. */
        void reader() {
            pool.broadcast("3");
            pool.broadcast("4");
            work();
        }

        /** A worker: take tasks until there are none. */
        void work() {
            while (pool.runOneTask()) {
                // next task
            }
        }

        void result(L_Result r) {
            work(); // anything left over
            List<String> seen = carol.written().stream().filter(LINES::contains).toList();
            r.r1 = (seen.size() == LINES.size() ? "" : "-") + String.join(",", seen);
        }
    }

    @JCStressTest
    @Outcome(id = "1,2,3,4", expect = ACCEPTABLE, desc = "In order.")
    @Outcome(id = "-.*", expect = ACCEPTABLE_INTERESTING, desc = "A line was lost to an overlapping write.")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "Reordered: a later line overtook an earlier one.")
    @Description("Naive: a task per line; two workers carry alice's lines to carol in whatever order they get there.")
    @State
    public static class Naive extends Setup {
        public Naive() {
            super(WorkerPool.Variant.NAIVE);
        }

        @Actor
        public void alicesReader() {
            reader();
        }

        @Actor
        public void worker() {
            work();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }

    @JCStressTest
    @Outcome(id = "1,2,3,4", expect = ACCEPTABLE, desc = "In order.")
    @Outcome(id = "-.*", expect = FORBIDDEN, desc = "A line was lost: the lock must prevent overlapping writes.")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "Reordered: the lock stops overlaps, not overtaking.")
    @Description("Locked: the naive race with a lock per connection: nothing is lost, but lines still overtake.")
    @State
    public static class Locked extends Setup {
        public Locked() {
            super(WorkerPool.Variant.LOCKED);
        }

        @Actor
        public void alicesReader() {
            reader();
        }

        @Actor
        public void worker() {
            work();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }

    @JCStressTest
    @Outcome(id = "1,2,3,4", expect = ACCEPTABLE, desc = "In order: one worker drains the lane front to back.")
    @Outcome(id = "-.*", expect = FORBIDDEN, desc = "A line was lost.")
    @Outcome(expect = FORBIDDEN, desc = "Reordered: a lane must never let a line overtake another.")
    @Description(
            "Fixed: lines 3 and 4 race into carol's lane while a worker drains 1 and 2 and releases the token. Broken"
                + " twin caught: Lane.schedule submitting a drain without taking the token (two drains wrote to carol"
                + " at once).")
    @State
    public static class Fixed extends Setup {
        public Fixed() {
            super(WorkerPool.Variant.FIXED);
        }

        @Actor
        public void alicesReader() {
            reader();
        }

        @Actor
        public void worker() {
            work();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }
}
