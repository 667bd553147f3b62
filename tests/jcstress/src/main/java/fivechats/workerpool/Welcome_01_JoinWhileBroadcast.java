package fivechats.workerpool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Bob joins while alice's line is being broadcast: his welcome must be the first frame he gets.
 *
 * <p>In the fixed pool a broadcast walks the members without the membership lock (that is what makes it cheap), so
 * a newcomer becomes visible to broadcasts the moment it is put into {@code members}. If it is put there before its
 * welcome is in its lane, a broadcast can slip a line in first, and the page shows a chat line from a chat it has not
 * joined yet. So join queues the welcome first, then publishes the member.
 *
 * <p>Applied once, the mutation "join puts the member into {@code members} before delivering its welcome" (the order
 * this model had) gave the forbidden {@code line,welcome} 399 times in 4.6 million samples (thorough mode).
 * Result: what bob received, in order.
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Welcome_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Fixed
 *           RESULT    SAMPLES    FREQ      EXPECT  DESCRIPTION
 *          welcome  3,071,922  65.80%  Acceptable  Alice's line went out before bob joined.
 *     welcome,line  1,596,926  34.20%  Acceptable  Bob joined first: his welcome, then alice's line.
 * </pre>
 */
public class Welcome_01_JoinWhileBroadcast {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    @JCStressTest
    @Description("Fixed: bob's reader joins while alice's reader broadcasts a line."
            + " Broken twin caught: a join that publishes the member before queueing its welcome (line,welcome seen).")
    @Outcome(id = "welcome", expect = ACCEPTABLE, desc = "Alice's line went out before bob joined.")
    @Outcome(id = "welcome,line", expect = ACCEPTABLE, desc = "Bob joined first: his welcome, then alice's line.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Bob got a line before his welcome, or no welcome: a newcomer was visible too soon.")
    @State
    public static class Fixed {
        private final WorkerPool pool = new WorkerPool(WorkerPool.Variant.FIXED, 2, Duration.ZERO);
        private final RecordingConnection bob = new RecordingConnection(2, "bob");

        public Fixed() {
            pool.attach(METRICS);
            pool.register(new RecordingConnection(1, "alice"));
            while (pool.runOneTask()) {
                // alice's welcome, before the race
            }
        }

        @Actor
        public void bobsReader() {
            pool.register(bob);
        }

        @Actor
        public void alicesReader() {
            pool.broadcast("line");
        }

        @Arbiter
        public void seen(L_Result r) {
            while (pool.runOneTask()) {
                // the workers deliver what was queued
            }
            StringBuilder seen = new StringBuilder();
            for (String frame : bob.written()) {
                seen.append(seen.isEmpty() ? "" : ",")
                        .append(frame.startsWith("{\"type\":\"welcome\"") ? "welcome" : frame);
            }
            r.r1 = seen.toString();
        }
    }
}
