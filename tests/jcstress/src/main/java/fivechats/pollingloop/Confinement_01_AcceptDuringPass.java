package fivechats.pollingloop;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
 * Jetty accepts bob while the loop is in the middle of a pass.
 *
 * <p>The loop's list of clients belongs to the loop thread alone; the only thing another thread may touch is
 * the arrivals queue. So whether bob arrives before or during the pass, the next pass admits him exactly once,
 * and his first frame is his welcome. There is no broken form: confinement leaves nothing to race on.
 * Result: (clients registered, welcomes bob got).
 *
 * <p>Run just this topic: {@code mvn verify -pl tests/jcstress -am -Djcstress.tests=Confinement_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (AMD EPYC):
 * <pre>
 *   Loop
 *     RESULT     SAMPLES     FREQ      EXPECT  DESCRIPTION
 *       2, 1  19,048,714  100.00%  Acceptable  Bob is admitted once and welcomed once.
 * </pre>
 */
public class Confinement_01_AcceptDuringPass {

    @JCStressTest
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "Bob is admitted once and welcomed once.")
    @Outcome(expect = FORBIDDEN, desc = "Bob was lost, admitted twice, or welcomed wrongly: confinement broke.")
    @Description("Jetty hands the loop a client while the loop thread is mid-pass. Broken twin caught: accept adding to the loop's client list directly instead of the arrivals queue.")
    @State
    public static class Loop {
        private final PollingLoop loop = new PollingLoop(PollingLoop.Idle.BACKOFF);
        private final RecordingConnection bob = new RecordingConnection(2, "bob");

        public Loop() {
            loop.accept(new RecordingConnection(1, "alice"));
            loop.pass();
        }

        @Actor
        public void jetty() {
            loop.accept(bob);
        }

        @Actor
        public void loopThread() {
            loop.pass();
        }

        @Arbiter
        public void nextPass(II_Result r) {
            loop.pass();
            r.r1 = loop.registered();
            r.r2 = (int) bob.written().stream().filter(f -> f.startsWith("{\"type\":\"welcome\"")).count()
                    + (bob.written().isEmpty() || bob.written().get(0).startsWith("{\"type\":\"welcome\"") ? 0 : 100);
        }
    }
}
