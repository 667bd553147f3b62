package fivechats.jmm;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Happens-before: alice writes her flag, then reads bob's; bob writes his, then reads alice's. Two clients joining
 * at once, each checking whether the other is online, have this shape.
 *
 * <p>Surely one of them writes first, so at least one sees the other's 1? Not with plain fields: each processor
 * parks its write in a store buffer and reads the other's flag before either write reaches memory, so both read 0.
 * Nothing orders a plain write before a later plain read of another field, on x86 as in the JMM. Made
 * {@code volatile}, all four accesses take part in one total order consistent with each thread's program order (the
 * JMM's synchronization order), so whoever writes second must see the first: (0, 0) is forbidden. A lock around
 * both steps gives the same guarantee: it is why presence is announced under one lock in the fixed models.
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=HappensBefore_01}
 */
public class HappensBefore_01_StoreBuffer {

    @JCStressTest
    @Outcome(
            id = {"1, 1", "1, 0", "0, 1"},
            expect = ACCEPTABLE,
            desc = "At least one of them saw the other's write.")
    @Outcome(
            id = "0, 0",
            expect = ACCEPTABLE_INTERESTING,
            desc = "Neither saw the other: both writes sat in store buffers.")
    @Description("Broken: each writes its plain flag, then reads the other's.")
    @State
    // snippet:plain-flags
    public static class Plain {
        private int alice;
        private int bob;

        @Actor
        public void alice(II_Result r) {
            alice = 1;
            r.r1 = bob;
        }

        @Actor
        public void bob(II_Result r) {
            bob = 1;
            r.r2 = alice;
        }
    }
    // end-snippet

    @JCStressTest
    @Outcome(
            id = {"1, 1", "1, 0", "0, 1"},
            expect = ACCEPTABLE,
            desc = "At least one of them saw the other's write.")
    @Outcome(
            id = "0, 0",
            expect = FORBIDDEN,
            desc = "Neither saw the other: volatile accesses are totally ordered, so this cannot be.")
    @Description("Fixed: the same steps on volatile fields. Its broken twin is Plain, the same steps on plain fields.")
    @State
    public static class Volatile {
        private volatile int alice;
        private volatile int bob;

        @Actor
        public void alice(II_Result r) {
            alice = 1;
            r.r1 = bob;
        }

        @Actor
        public void bob(II_Result r) {
            bob = 1;
            r.r2 = alice;
        }
    }
}
