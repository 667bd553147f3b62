package fivechats.workerpool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Alice sends "1" then "2"; two workers carry them to carol.
 *
 * <p>With a task per line, the two lines are taken by two workers, and whichever reaches carol first wins:
 * carol can see "2" before "1", even with a lock per connection (the lock stops overlaps, not overtaking). With
 * a lane per connection, both lines wait in carol's lane and one worker writes them front to back.
 * Result: what carol received, in order ("-" for a lost line).
 *
 * <p>Run just this topic: {@code mvn verify -pl tests/jcstress -am -Djcstress.tests=Order_01}
 *
 * <p>Observed: see the table at the end of {@code tests/jcstress/README.md} (JDK 25, 2 cores).
 */
public class Order_01_OneSender {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

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

        void result(L_Result r) {
            while (pool.runOneTask()) {
                // anything left over
            }
            StringBuilder seen = new StringBuilder();
            for (String frame : carol.written()) {
                if (frame.equals("1") || frame.equals("2")) {
                    seen.append(seen.isEmpty() ? "" : ",").append(frame);
                }
            }
            r.r1 = seen.length() == 3 ? seen.toString() : "-" + seen;
        }
    }

    @JCStressTest
    @Outcome(id = "1,2", expect = ACCEPTABLE, desc = "In order.")
    @Outcome(id = "2,1", expect = ACCEPTABLE_INTERESTING, desc = "Reordered: the second line overtook the first.")
    @Outcome(id = "-.*", expect = ACCEPTABLE_INTERESTING, desc = "A line was lost to an overlapping write.")
    @State
    public static class Naive extends Setup {
        public Naive() {
            super(WorkerPool.Variant.NAIVE);
        }

        @Actor
        public void worker1() {
            pool.runOneTask();
        }

        @Actor
        public void worker2() {
            pool.runOneTask();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }

    @JCStressTest
    @Outcome(id = "1,2", expect = ACCEPTABLE, desc = "In order.")
    @Outcome(id = "2,1", expect = ACCEPTABLE_INTERESTING, desc = "Reordered: the lock stops overlaps, not overtaking.")
    @Outcome(id = "-.*", expect = FORBIDDEN, desc = "A line was lost: the lock must prevent overlapping writes.")
    @State
    public static class Locked extends Setup {
        public Locked() {
            super(WorkerPool.Variant.LOCKED);
        }

        @Actor
        public void worker1() {
            pool.runOneTask();
        }

        @Actor
        public void worker2() {
            pool.runOneTask();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }

    @JCStressTest
    @Outcome(id = "1,2", expect = ACCEPTABLE, desc = "In order: one worker drains the lane front to back.")
    @Outcome(id = "2,1", expect = FORBIDDEN, desc = "Reordered: a lane must never let a line overtake another.")
    @Outcome(id = "-.*", expect = FORBIDDEN, desc = "A line was lost.")
    @State
    public static class Fixed extends Setup {
        public Fixed() {
            super(WorkerPool.Variant.FIXED);
        }

        @Actor
        public void worker1() {
            pool.runOneTask();
        }

        @Actor
        public void worker2() {
            pool.runOneTask();
        }

        @Arbiter
        public void seen(L_Result r) {
            result(r);
        }
    }
}
