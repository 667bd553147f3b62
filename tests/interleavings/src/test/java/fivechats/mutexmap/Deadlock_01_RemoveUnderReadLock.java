package fivechats.mutexmap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import fivechats.jcstress.RecordingConnection;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Carol's network is gone while alice and bob broadcast. The naive mutex map walks its clients under the shared read
 * lock and, when carol's write fails, removes her right there: {@code remove} takes the write lock while this thread
 * still holds the read lock. A {@code ReentrantReadWriteLock} never upgrades a read lock: the write lock waits until
 * every read lock is released, this thread's own included, so the broadcasting reader waits for itself forever, and
 * every later join (the write lock) waits behind it. The chat freezes.
 *
 * <p>Not a jcstress test: a deadlocked actor never returns, and jcstress would wait for it. The explorer sees that
 * no unfinished thread makes progress (both spin in the lock's code, in turn), stops, and says "deadlock".
 */
public class Deadlock_01_RemoveUnderReadLock {

    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Both broadcasts finished and carol was removed.")
    @Outcome(
            id = "deadlock",
            expect = ACCEPTABLE_INTERESTING,
            desc = "A reader took the write lock while holding the"
                    + " read lock: it waits for itself forever, and the chat freezes.")
    @Description("Naive: two broadcasts under the read lock; carol's write fails, and the reader removes her there.")
    @State
    public static class Naive {
        private final MutexMap.Naive model = new MutexMap.Naive();
        private final RecordingConnection carol = new RecordingConnection(3, "carol");

        public Naive() {
            model.register(carol);
            carol.gone(); // after her welcome: from now on every write to carol fails
        }

        @Actor
        public void alice(II_Result r) {
            model.broadcast("alice's line", null);
            r.r1 = 1;
        }

        @Actor
        public void bob(II_Result r) {
            model.broadcast("bob's line", null);
            r.r2 = 1;
        }
    }
}
