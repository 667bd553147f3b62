package fivechats.interleavings;

import fivechats.mutexmap.Deadlock_01_RemoveUnderReadLock;
import fivechats.mutexmap.Overlap_03_ReadLock;
import fivechats.mutexmap.Presence_01_JoinWhileLeave;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Chapter 8's two faults: the read lock is shared, so two broadcasts write to one connection at once; and a reader
 * that removes a dead client under the read lock asks for the write lock it can never get. jcstress can show the
 * first; the second never returns, so only the explorer (and the race test's thread dump) can show it.
 */
class MutexMapInterleavingsTest {
    @Test
    void naiveReadLockLetsTwoWrite() {
        Exploration.breaks(
                "mutex-map naive",
                Overlap_03_ReadLock.Naive.class,
                II_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.bob());
    }

    @Test
    void naiveRemovesUnderTheReadLock() {
        Exploration.breaks(
                "mutex-map naive",
                Deadlock_01_RemoveUnderReadLock.Naive.class,
                II_Result.class,
                (s, r) -> s.alice(r),
                (s, r) -> s.bob(r));
    }

    /** Twin: {@link #naiveReadLockLetsTwoWrite}. */
    @Test
    void fixedOneWriterUnderTheReadLock() {
        Exploration.holds(
                "mutex-map fixed",
                Overlap_03_ReadLock.Fixed.class,
                II_Result.class,
                (s, r) -> s.alice(),
                (s, r) -> s.writer());
    }

    /** Twin: the scenario's own, named in its {@code @Description}. */
    @Test
    void fixedPresenceInMapOrder() {
        Exploration.holds(
                "mutex-map fixed",
                Presence_01_JoinWhileLeave.Fixed.class,
                II_Result.class,
                (s, r) -> s.join(),
                (s, r) -> s.leave());
    }
}
