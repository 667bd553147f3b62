package fivechats.workerpool;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A teaching aid ({@code --slow-worker D}), off unless asked for: worker 0 holds each task it takes until another
 * worker has finished a task submitted after it, at most D. That is a GC pause or a preemption landing at the worst
 * moment, made certain: whenever a later task exists, it overtakes this one, every time, not by luck. The locked
 * variant then reorders one sender's lines on every run; the fixed variant does not, because its lanes keep order
 * whichever worker runs them.
 *
 * <p>It only lengthens a real window (the time between taking a task and running it); it never reorders by itself.
 */
final class SlowWorker {
    private final Duration hold;
    /** The highest task number finished by a worker other than worker 0. Guarded by this. */
    private long overtaken;

    SlowWorker(Duration hold) {
        this.hold = hold;
    }

    boolean on() {
        return !hold.isZero();
    }

    Duration hold() {
        return hold;
    }

    /** Before worker {@code id} runs task {@code seq}: worker 0 waits until a later task has finished. */
    void beforeRun(int id, long seq) throws InterruptedException {
        if (!on() || id != 0) {
            return;
        }
        long deadline = System.nanoTime() + hold.toNanos();
        synchronized (this) {
            while (overtaken <= seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** After worker {@code id} ran task {@code seq}: the other workers tell worker 0 how far they got. */
    void afterRun(int id, long seq) {
        if (!on() || id == 0) {
            return;
        }
        synchronized (this) {
            overtaken = Math.max(overtaken, seq);
            notifyAll();
        }
    }
}
