package fivechats.workerpool;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A teaching aid ({@code --slow-worker D}), off unless asked for: worker 0 holds each task it takes until another
 * worker has finished a task submitted after it, at most D. That is a GC pause or a preemption landing at the worst
 * moment, made certain: whenever a later task exists, it overtakes this one, every time, not by luck. The locked
 * variant then reorders one sender's lines on every run; the fixed variant does not, because its lanes keep order
 * whichever worker runs them.
 *
 * <p>It only lengthens a real window (the time between taking a task and running it); it never reorders by itself.
 * It wraps each task as it is submitted ({@link #wrap}), so the pool's loop stays the plain lesson; off, a task is
 * not wrapped at all.
 */
final class SlowWorker {
    private final Duration hold;
    /** Tasks wrapped so far: each task's number, in submission order. */
    private final AtomicLong submitted = new AtomicLong();
    /** The worker that holds its tasks; set once, before any task runs. */
    private volatile Thread workerZero;
    /** The highest task number finished by a worker other than worker 0. */
    @GuardedBy("this")
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

    /** Names the worker that holds its tasks (the pool's first). */
    void holdOn(Thread worker) {
        workerZero = worker;
    }

    /** The task as the pool queues it: itself when off; else numbered, held on worker 0, reported by the others. */
    Runnable wrap(Runnable task) {
        if (!on()) {
            return task;
        }
        long seq = submitted.incrementAndGet();
        return () -> {
            boolean zero = Thread.currentThread() == workerZero;
            if (zero && !awaitOvertaken(seq)) {
                return; // interrupted: the pool is stopping, and the worker ends at its next take
            }
            task.run();
            if (!zero) {
                overtook(seq);
            }
        };
    }

    /** Worker 0, before task {@code seq}: waits until a later task has finished, at most the hold. */
    private boolean awaitOvertaken(long seq) {
        long deadline = System.nanoTime() + hold.toNanos();
        synchronized (this) {
            try {
                for (long left; overtaken <= seq && (left = deadline - System.nanoTime()) > 0; ) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Another worker, after task {@code seq}: tells worker 0 how far it got. */
    private synchronized void overtook(long seq) {
        overtaken = Math.max(overtaken, seq);
        notifyAll();
    }
}
