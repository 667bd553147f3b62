package fivechats.interleavings;

import fivechats.threadperconnection.Overlap_01_TwoReaders;
import fivechats.threadperconnection.Registry_01_Join;
import fivechats.threadperconnection.Registry_02_BroadcastWhileJoin;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Chapter 5's two faults, step by step: a plain HashMap shared by every reader thread, and every reader writing to
 * every connection itself. Each fixed test's broken twin is the naive test beside it: the same actors on the naive
 * model, which the explorer breaks.
 */
class ThreadPerConnectionInterleavingsTest {
    @Test
    void naiveJoinsLoseOne() {
        Exploration.breaks(
                "thread-per-connection naive",
                Registry_01_Join.BrokenHashMap.class,
                I_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    @Test
    void naiveWalkWhileJoin() {
        Exploration.breaks(
                "thread-per-connection naive",
                Registry_02_BroadcastWhileJoin.BrokenHashMap.class,
                I_Result.class,
                (s, r) -> s.joiner(),
                (s, r) -> s.reader(r));
    }

    @Test
    void naiveTwoReadersWriteAtOnce() {
        Exploration.breaks(
                "thread-per-connection naive",
                Overlap_01_TwoReaders.Naive.class,
                II_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    /** Twin: {@link #naiveJoinsLoseOne}. */
    @Test
    void fixedJoinsKeepBoth() {
        Exploration.holds(
                "thread-per-connection fixed",
                Registry_01_Join.ConcurrentMap.class,
                I_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    /**
     * Twin: {@link #naiveWalkWhileJoin}; also fails with the fixed form's {@code new ConcurrentHashMap<>()} changed to
     * {@code new java.util.HashMap<>()} ("broke in interleaving 6"): chapter 5's exercise 1 uses it as its check.
     */
    @Test
    void fixedWalkWhileJoin() {
        Exploration.holds(
                "thread-per-connection fixed",
                Registry_02_BroadcastWhileJoin.ConcurrentMap.class,
                I_Result.class,
                (s, r) -> s.joiner(),
                (s, r) -> s.reader(r));
    }

    /**
     * Twin: {@link #naiveTwoReadersWriteAtOnce}; and the scenario's own, "Fixed.broadcast writing to the connection
     * instead of offering".
     */
    @Test
    void fixedOneWriter() {
        Exploration.holds(
                "thread-per-connection fixed",
                Overlap_01_TwoReaders.Fixed.class,
                II_Result.class,
                (s, r) -> s.alicesReader(),
                (s, r) -> s.carolsWriter());
    }
}
