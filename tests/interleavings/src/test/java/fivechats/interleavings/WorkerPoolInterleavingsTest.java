package fivechats.interleavings;

import fivechats.workerpool.Order_01_OneSender;
import fivechats.workerpool.Overlap_02_TwoWorkers;
import fivechats.workerpool.Welcome_01_JoinWhileBroadcast;
import fivechats.workerpool.Welcome_02_SentBeforeListed;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Chapter 6's three forms: the naive pool lets two workers write to one connection and lets a sender's lines
 * overtake each other; the locked pool stops the first and keeps the second; the fixed pool's lanes stop both. And
 * chapter 12's: in a cluster, a fixed pool's newcomer hears of every remote join once.
 */
class WorkerPoolInterleavingsTest {
    @Test
    void naiveTwoWorkersWriteAtOnce() {
        Exploration.breaks(
                "worker-pool naive",
                Overlap_02_TwoWorkers.Naive.class,
                II_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    @Test
    void naiveLinesOvertake() {
        Exploration.breaks(
                "worker-pool naive",
                Order_01_OneSender.Naive.class,
                L_Result.class,
                (s, r) -> s.alicesReader(),
                (s, r) -> s.worker());
    }

    @Test
    void lockedLinesStillOvertake() {
        Exploration.breaks(
                "worker-pool locked",
                Order_01_OneSender.Locked.class,
                L_Result.class,
                (s, r) -> s.alicesReader(),
                (s, r) -> s.worker());
    }

    /** Twin: {@link #naiveTwoWorkersWriteAtOnce}, the same workers without the lock. */
    @Test
    void lockedWritesNeverOverlap() {
        Exploration.holds(
                "worker-pool locked",
                Overlap_02_TwoWorkers.Locked.class,
                II_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    /** Twin: {@link #naiveTwoWorkersWriteAtOnce}. */
    @Test
    void fixedOneDrainAtATime() {
        Exploration.holds(
                "worker-pool fixed",
                Overlap_02_TwoWorkers.Fixed.class,
                II_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    /** Twins: {@link #naiveLinesOvertake} and {@link #lockedLinesStillOvertake}. */
    @Test
    void fixedLinesInOrder() {
        Exploration.holds(
                "worker-pool fixed",
                Order_01_OneSender.Fixed.class,
                L_Result.class,
                (s, r) -> s.alicesReader(),
                (s, r) -> s.worker());
    }

    /** Twin: the scenario's own, named in its {@code @Description}. */
    @Test
    void fixedWelcomeFirst() {
        Exploration.holds(
                "worker-pool fixed",
                Welcome_01_JoinWhileBroadcast.Fixed.class,
                L_Result.class,
                (s, r) -> s.bobsReader(),
                (s, r) -> s.alicesReader());
    }

    /** Twin: the scenario's own, named in its header (a lane a worker may drain before its member is published). */
    @Test
    void fixedWelcomeSentOnlyOnceListed() {
        Exploration.holds(
                "worker-pool fixed",
                Welcome_02_SentBeforeListed.Fixed.class,
                L_Result.class,
                (s, r) -> s.bobsReader(),
                (s, r) -> s.linkReader(),
                (s, r) -> s.worker());
    }
}
