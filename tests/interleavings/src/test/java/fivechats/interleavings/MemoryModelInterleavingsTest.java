package fivechats.interleavings;

import fivechats.jmm.Atomicity_01_Counter;
import fivechats.jmm.HappensBefore_01_StoreBuffer;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Where the explorer stops. A lost update ({@code count++} on a volatile) is an interleaving: two threads read, then
 * both write, and the explorer finds and prints it. The store buffer's (0, 0) is not: under sequential consistency,
 * which the explorer assumes, one of the two writes comes first and the other thread reads it, in every interleaving.
 * Only a real CPU's store buffer produces it, and only jcstress, on real cores, sees it.
 */
class MemoryModelInterleavingsTest {
    @Test
    void lostUpdateIsAnInterleaving() {
        Exploration.breaks(
                "memory model",
                Atomicity_01_Counter.VolatileIncrement.class,
                I_Result.class,
                (s, r) -> s.first(),
                (s, r) -> s.second());
    }

    @Test
    void storeBufferIsNot() {
        Exploration.cannotShow(
                HappensBefore_01_StoreBuffer.Plain.class, II_Result.class, (s, r) -> s.alice(r), (s, r) -> s.bob(r));
    }
}
