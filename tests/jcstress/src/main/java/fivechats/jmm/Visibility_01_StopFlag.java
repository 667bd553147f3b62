package fivechats.jmm;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Visibility: one thread spins until another sets a flag, as a model's loop waits for {@code stop()}.
 *
 * <p>With a plain field, nothing obliges the spinning thread ever to read the field again: the JIT may read it once,
 * see false, and compile the loop into {@code while (true)}. The thread never stops, although the other thread set
 * the flag long ago. Declared {@code volatile}, every read of the field must see the last write to it: the loop ends.
 * This is why every model's "stopping" or "closed" flag read by another thread is {@code volatile}, or guarded by a
 * lock.
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Visibility_01}
 */
public class Visibility_01_StopFlag {

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The loop saw the flag and ended.")
    @Outcome(
            id = "STALE",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The loop never saw the flag: the JIT read the plain field once.")
    @Description("Broken: a loop spins on a plain boolean that another thread sets.")
    @State
    // snippet:plain-loop
    public static class Plain {
        private boolean stop;

        @Actor
        public void loop() {
            while (!stop) {
                // spin, as a model's loop would between its checks
            }
        }

        @Signal
        public void stop() {
            stop = true;
        }
    }
    // end-snippet

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The loop saw the flag and ended.")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "The loop never saw a volatile write: the JMM forbids it.")
    @Description(
            "Fixed: the same loop on a volatile boolean. Its broken twin is Plain, the same loop on a plain field.")
    @State
    public static class Volatile {
        private volatile boolean stop;

        @Actor
        public void loop() {
            while (!stop) {
                // spin
            }
        }

        @Signal
        public void stop() {
            stop = true;
        }
    }
}
