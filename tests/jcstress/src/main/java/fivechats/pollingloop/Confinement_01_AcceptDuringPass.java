package fivechats.pollingloop;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.Wire;
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
 * and his first frame is his welcome. Sixteen clients are online and alice's line is waiting, so the racing pass
 * walks the whole list to write it: a hand-over that touched the list from Jetty's thread would land mid-walk.
 * Applied once, the mutation "accept admits the newcomer itself (calls admitArrivals on Jetty's thread)" made it fail
 * in the fast mode with a ConcurrentModificationException in the loop's walk.
 * Result: (clients registered, welcomes bob got, plus 100 if his first frame was not his welcome).
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Confinement_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Loop
 *     RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      17, 1  1,616,369  100.00%  Acceptable  Bob is admitted once and welcomed once.
 * </pre>
 */
public class Confinement_01_AcceptDuringPass {

    @JCStressTest
    @Outcome(id = "17, 1", expect = ACCEPTABLE, desc = "Bob is admitted once and welcomed once.")
    @Outcome(expect = FORBIDDEN, desc = "Bob was lost, admitted twice, or welcomed wrongly: confinement broke.")
    @Description(
            "Jetty hands the loop a client while the loop thread is mid-pass. Broken twin caught: accept admitting the"
                    + " newcomer on Jetty's thread instead of leaving it to the loop.")
    @State
    public static class Loop {
        private final PollingLoop loop = new PollingLoop(PollingLoop.Idle.BACKOFF);
        private static final int ONLINE = 16;
        private final RecordingConnection bob = new RecordingConnection(ONLINE + 1, "bob");

        /** Sixteen clients online and a line from alice waiting: the racing pass walks them all to write it. */
        public Loop() {
            RecordingConnection alice = new RecordingConnection(1, "alice");
            loop.accept(alice);
            for (int i = 2; i <= ONLINE; i++) {
                loop.accept(new RecordingConnection(i, "c" + i));
            }
            loop.pass();
            alice.withLine(Wire.chat("alice", 1, "hello")); // the loop's next pass writes it to everyone online
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
            r.r2 = (int) bob.written().stream()
                            .filter(f -> f.startsWith("{\"type\":\"welcome\""))
                            .count()
                    + (bob.written().isEmpty() || bob.written().get(0).startsWith("{\"type\":\"welcome\"") ? 0 : 100);
        }
    }
}
