package fivechats.transport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a model's threads and counts the live ones, virtual threads included (a JVM thread count misses
 * those). The count is what {@code chat_model_threads} reports and what the leak tests compare with
 * their baseline.
 *
 * <p>A thread that dies with an exception is logged, never silent: the Java form of Go's
 * {@code defer recover()} at the top of a goroutine.
 */
public final class ModelThreads {
    private static final Logger log = LoggerFactory.getLogger(ModelThreads.class);

    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger died = new AtomicInteger();
    /** The first death, told in one line; null while none. */
    private final AtomicReference<String> firstDeath = new AtomicReference<>();
    private final Object lock = new Object();

    /** Starts a virtual thread: cheap enough for one or two per connection. */
    public Thread startVirtual(String name, Runnable body) {
        return Thread.ofVirtual().name(name).start(counted(name, body));
    }

    /** Starts a platform (OS) thread, for long-lived loops or to compare with virtual threads. */
    public Thread startPlatform(String name, Runnable body) {
        return Thread.ofPlatform().name(name).daemon(true).start(counted(name, body));
    }

    /** Threads started here that ended with an exception: a model bug, always worth a look. */
    public int died() {
        return died.get();
    }

    /** The first thread that died, its exception and where it was thrown, in one line; null if none died. */
    public String firstDeath() {
        return firstDeath.get();
    }

    /** Threads started here that have not ended yet. */
    public int live() {
        return live.get();
    }

    /** Waits until every thread started here has ended, at most {@code timeout}; true if they all did. */
    public boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (live.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
        return true;
    }

    private Runnable counted(String name, Runnable body) {
        live.incrementAndGet(); // counted before start, so a caller that starts then awaits never misses it
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                died.incrementAndGet();
                StackTraceElement[] where = t.getStackTrace();
                firstDeath.compareAndSet(null, name + " died of " + t + (where.length > 0 ? " at " + where[0] : ""));
                log.error("thread {} died", name, t);
            } finally {
                live.decrementAndGet();
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        };
    }
}
