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
 * Result: what carol received, in order ("-" first when a line was lost).
 *
 * <p>Run just this topic: {@code mvn verify -pl tests/jcstress -am -Djcstress.tests=Order_01}
 *
 * <p>Observed: see the table at the end of {@code tests/jcstress/README.md} (JDK 25, 2 cores).
 */
public class Order_01_OneSender {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();
    private static final List<String> LINES = List.of("1", "2", "3", "4");

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
            for (String line : LINES) {
                pool.broadcast(line);
            }
        }

        /** A worker: take tasks until there are none. */
        void work() {
            while (pool.runOneTask()) {
                // next task
            }
        }

        void result(L_Result r) {
            while (pool.runOneTask()) {
                // anything left over
            }
            List<String> seen = carol.written().stream().filter(LINES::contains).toList();
            r.r1 = (seen.size() == LINES.size() ? "" : "-") + String.join(",", seen);
        }
    }

    @JCStressTest
    @Outcome(id = "1,2,3,4", expect = ACCEPTABLE, desc = "In order.")
    @Outcome(id = "-.*", expect = ACCEPTABLE_INTERESTING, desc = "A line was lost to an overlapping write.")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "Reordered: a later line overtook an earlier one.")
    @State
    public static class Naive extends Setup {
        public Naive() {
            super(WorkerPool.Variant.NAIVE);
        }

        @Actor
        public void worker1() {
            work();
        }

        @Actor
        public void worker2() {
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
    @State
    public static class Locked extends Setup {
        public Locked() {
            super(WorkerPool.Variant.LOCKED);
        }

        @Actor
        public void worker1() {
            work();
        }

        @Actor
        public void worker2() {
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
    @State
    public static class Fixed extends Setup {
        public Fixed() {
            super(WorkerPool.Variant.FIXED);
        }

        @Actor
        public void worker1() {
            work();
        }

        @Actor
        public void worker2() {
            work();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }
}
