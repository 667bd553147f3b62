package fivechats.transport;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
 * {@code defer recover()} at the top of a goroutine. The first death is logged with its stack trace, later ones in
 * one line each: a naive model under a race test loses hundreds of threads to the same bug, and one trace tells it.
 */
public final class ModelThreads {
    private static final Logger log = LoggerFactory.getLogger(ModelThreads.class);

    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger died = new AtomicInteger();
    /** The first death, told in one line; null while none. */
    private final AtomicReference<String> firstDeath = new AtomicReference<>();

    private final Object lock = new Object();
    /** The threads running now, so that a shutdown that waits in vain can say where they are stuck. */
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

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

    /**
     * Where the threads still running are, grouped: "3 WAITING in MutexMap$Naive.remove(MutexMap.java:138)". Each is
     * placed at its innermost frame outside the JDK (the model's code, or the transport's when it waits in a write),
     * which is where it waits for something.
     */
    public String whereRunning() {
        Map<String, Integer> places = new TreeMap<>();
        for (Thread thread : running) {
            StackTraceElement here = Arrays.stream(thread.getStackTrace())
                    .filter(f -> !f.getClassName().startsWith("java.")
                            && !f.getClassName().startsWith("jdk.")
                            && !f.getClassName().startsWith("sun.")
                            && !f.getClassName().equals(ModelThreads.class.getName()))
                    .findFirst()
                    .orElse(null);
            String where = thread.getState()
                    + (here == null
                            ? ""
                            : " in "
                                    + here.getClassName()
                                            .substring(here.getClassName().lastIndexOf('.') + 1) + "."
                                    + here.getMethodName()
                                    + "(" + here.getFileName() + ":" + here.getLineNumber() + ")");
            places.merge(where, 1, Integer::sum);
        }
        StringBuilder out = new StringBuilder();
        places.forEach((where, count) ->
                out.append(out.isEmpty() ? "" : ", ").append(count).append(' ').append(where));
        return out.toString();
    }

    /**
     * True if every thread still running waits on a write: in {@link WebSocketConnection#write} or in an {@link Outbox}'s
     * writer, waiting for a send. Such a thread ends when its write does, within the write deadline; a thread waiting
     * anywhere else waits for a lock or a condition another thread must give.
     */
    public boolean allInAWrite() {
        boolean any = false;
        for (Thread thread : running) {
            StackTraceElement[] stack = thread.getStackTrace();
            if (stack.length == 0) {
                continue; // it has just ended
            }
            any = true;
            boolean writing = Arrays.stream(stack)
                    .anyMatch(f -> f.getClassName().equals(WebSocketConnection.class.getName())
                                    && f.getMethodName().equals("write")
                            || f.getClassName().equals(Outbox.class.getName())
                                    && f.getMethodName().equals("write"));
            if (!writing) {
                return false;
            }
        }
        return any;
    }

    private Runnable counted(String name, Runnable body) {
        live.incrementAndGet(); // counted before start, so a caller that starts then awaits never misses it
        return () -> {
            running.add(Thread.currentThread());
            try {
                body.run();
            } catch (Throwable t) {
                int deaths = died.incrementAndGet();
                StackTraceElement[] where = t.getStackTrace();
                String oneLine = name + " died of " + t + (where.length > 0 ? " at " + where[0] : "");
                if (firstDeath.compareAndSet(null, oneLine)) {
                    log.error("thread {} died", name, t);
                } else {
                    log.error("thread {} (death {}; the first one's stack trace is above)", oneLine, deaths);
                }
            } finally {
                running.remove(Thread.currentThread());
                live.decrementAndGet();
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        };
    }
}
