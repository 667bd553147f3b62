package fivechats.workerpool;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.SendQueue;
import fivechats.transport.TransportConfig;
import fivechats.transport.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/**
 * The worker-pool model: a reader thread per client turns each line into work, and a fixed pool of N workers
 * does the writing, taking tasks from one queue (Go's worker goroutines ranging over a task channel). How a line
 * reaches the sockets is the variant's {@link Delivery}: naive, locked or fixed, side by side in that file.
 *
 * <p><b>No task is dropped.</b> When the naive and locked variants' task queue is full, the reader that submits
 * waits: it stops reading its socket, and its client feels TCP backpressure. The fixed variant's tasks are lane
 * drains, at most one per client, so its queue needs no bound of its own: its backpressure is the lane's.
 *
 * <p>Why not {@link java.util.concurrent.ThreadPoolExecutor}? Its {@code execute} offers to the queue and rejects
 * when the queue is full (or, with {@code CallerRunsPolicy}, makes the reader write, so writers are no longer
 * bounded); it has no "wait for room". The loop written out ({@link #work}) is also the lesson: it is Go's
 * {@code for task := range tasks}.
 */
public final class WorkerPool implements ChatModel {
    public enum Variant {
        NAIVE,
        LOCKED,
        FIXED
    }

    /** Workers by default: two per core of this course's 2-core machines; writes mostly wait on the network. */
    public static final int DEFAULT_WORKERS = 4;
    /** Tasks waiting for a worker (naive and locked); when full, submitting readers wait. */
    public static final int TASK_QUEUE = 1024;
    /** {@link Delivery.Fixed#LANE_LIMIT}, where the fixed variant makes its lanes: named here for eviction's reason. */
    public static final int LANE_LIMIT = Delivery.Fixed.LANE_LIMIT;

    /** Queued once per worker at shutdown, behind every task already queued: the worker that takes it ends. */
    private static final Runnable STOP = () -> {};

    private final Variant variant;
    private final int workerCount;
    private final SlowWorker slowWorker;
    private final BlockingQueue<Runnable> tasks;
    /**
     * FIXED: where a lane's drain goes, straight into the task queue. It never waits: at most one drain per lane is
     * queued, so the queue needs no bound of its own.
     */
    private final Executor workers;

    private final List<Thread> threads = new ArrayList<>();
    private final Map<Long, Member> members = new ConcurrentHashMap<>();
    /** Held only to join or leave, so every client sees presence in one order. Never held while writing. */
    private final Object membership = new Object();
    /** Set by {@link #stop()}: from then on nobody joins, so every lane is in stop's snapshot. */
    @GuardedBy("membership")
    private boolean closing;

    private volatile boolean stopped;
    private ModelContext context;
    private ChatMetrics metrics;
    private Delivery delivery;

    /**
     * @param slowWorker a teaching aid, zero otherwise: see {@link SlowWorker}
     */
    public WorkerPool(Variant variant, int workers, Duration slowWorker) {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, was " + workers);
        }
        this.variant = variant;
        this.workerCount = workers;
        this.slowWorker = new SlowWorker(slowWorker);
        this.tasks = variant == Variant.FIXED ? new LinkedBlockingQueue<>() : new ArrayBlockingQueue<>(TASK_QUEUE);
        this.workers = drain -> tasks.add(this.slowWorker.wrap(drain));
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
        prepare(context.metrics(), context.config().writeWait());
        for (int i = 0; i < workerCount; i++) {
            threads.add(context.threads().startPlatform("worker-" + i, this::work));
        }
        slowWorker.holdOn(threads.getFirst());
    }

    private void prepare(ChatMetrics metrics, Duration writeWait) {
        this.metrics = metrics;
        this.delivery = switch (variant) {
            case NAIVE -> new Delivery.Naive(this::submit);
            case LOCKED -> new Delivery.Locked(this::submit);
            case FIXED -> new Delivery.Fixed(metrics, workers, writeWait);
        };
    }

    /** A worker: takes the next task, runs it, and again, until it takes STOP. */
    private void work() {
        try {
            for (Runnable task; (task = tasks.take()) != STOP; ) {
                task.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** NAIVE, LOCKED: the queue policy is to wait for room. The reader that waits stops reading: its client feels it. */
    private void submit(Runnable task) {
        if (stopped) {
            return;
        }
        try {
            tasks.put(slowWorker.wrap(task)); // the task itself, unless the teaching aid is on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- the readers ----------------------------------------------------------------------------

    @Override
    public void accept(ChatConnection connection) {
        context.threads().startVirtual("reader-" + connection, () -> serve(delivery.member(connection)));
    }

    /** The client's reader: joins, turns each line into work for the pool, leaves. */
    private void serve(Member self) {
        if (!join(self)) {
            return; // accepted just before the shutdown began: the transport closes it with 1001
        }
        try {
            while (true) {
                broadcast(self.connection().read());
            }
        } catch (ClosedConnectionException | InterruptedException e) {
            // the client is gone
        } finally {
            leave(self, CloseCode.NORMAL, "left");
        }
    }

    /** A chat line to everyone connected. */
    void broadcast(String frame) {
        delivery.broadcast(members.values(), frame).forEach(this::evict); // almost always nobody
    }

    // --- the registry ---------------------------------------------------------------------------

    /** False if the server is stopping: a lane that joined now would never be drained. */
    private boolean join(Member self) {
        String name = self.connection().name();
        synchronized (membership) {
            if (closing) {
                return false;
            }
            Stream<String> online = Stream.concat(
                    members.values().stream().map(m -> m.connection().name()), Stream.of(name));
            List<Member> others = List.copyOf(members.values());
            // First, before any broadcast sees the newcomer; a new lane is empty, so it is never too slow.
            delivery.deliver(self, Wire.welcome(self.connection(), online));
            members.put(self.connection().id(), self);
            // Sent only now that broadcasts reach the newcomer: in a cluster the transport completes a welcome as it
            // sends it, and one sent before the add could miss a remote join broadcast meanwhile (Welcome_02).
            delivery.open(self);
            String join = Wire.join(name);
            for (Member other : others) {
                if (!delivery.deliver(other, join)) {
                    evict(other);
                }
            }
            return true;
        }
    }

    /** The client's reader leaves: remove it and deliver its leave to the others. Called once, by that reader. */
    void leave(Member member, CloseCode code, String reason) {
        synchronized (membership) {
            if (members.remove(member.connection().id()) == null) {
                return; // it never joined: the server was stopping
            }
            delivery.close(member, code, reason);
            String leave = Wire.leave(member.connection().name());
            for (Member other : List.copyOf(members.values())) {
                if (!delivery.deliver(other, leave)) {
                    evict(other);
                }
            }
        }
    }

    /**
     * FIXED: evicts a member found too slow: its lane is emptied and closed with 1008, and its reader is stopped.
     * <b>Only a client's own reader announces its leave</b>, after its last line: the evicted reader leaves as every
     * reader does (from {@link #serve}'s finally), so nobody hears a line from it after its leave. Counted once per client.
     */
    private void evict(Member member) {
        if (delivery.evict(member, CloseCode.POLICY_VIOLATION, SendQueue.tooSlow(LANE_LIMIT))) {
            metrics.evicted();
        }
    }

    @Override
    public int registered() {
        return members.size();
    }

    // --- shutdown -------------------------------------------------------------------------------

    /** Lets the queued tasks (and lanes) run, closes each client with 1001 behind them, then ends the workers. */
    @Override
    public void stop() {
        long deadline = System.nanoTime() + context.config().shutdownGrace().toNanos();
        List<Member> all;
        synchronized (membership) {
            // a reader that has not joined yet never will: its lane would wait for workers that are gone
            closing = true;
            all = List.copyOf(members.values());
        }
        try {
            delivery.flush(all, deadline);
            for (int i = 0; i < workerCount; i++) {
                tasks.put(STOP); // behind every task already queued
            }
            stopped = true; // from now on a reader's task would never run: it is not queued
            for (Thread worker : threads) {
                worker.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tasks.clear(); // wakes any reader still waiting to submit; no worker is left to run its task
    }

    @Override
    public String toString() {
        return "worker-pool " + variant.name().toLowerCase() + " (" + workerCount + " workers, task queue " + TASK_QUEUE
                + (variant == Variant.FIXED ? ", lane limit " + LANE_LIMIT : "")
                + (slowWorker.on()
                        ? ", worker 0 lets later tasks overtake it, up to "
                                + slowWorker.hold().toMillis() + " ms"
                        : "")
                + ")";
    }

    // --- for tests that play the readers and the workers themselves (jcstress): no thread is started ---

    /** Instead of {@link #start}: metrics attached, no worker started. */
    void attach(ChatMetrics metrics) {
        prepare(metrics, TransportConfig.defaults().writeWait());
    }

    /** What a reader does first: the client joins. */
    Member register(ChatConnection connection) {
        Member member = delivery.member(connection);
        join(member);
        return member;
    }

    /** What a worker does once: take the next task, if any, and run it. */
    boolean runOneTask() {
        Runnable task = tasks.poll();
        if (task == null || task == STOP) {
            return false;
        }
        task.run();
        return true;
    }
}
