package fivechats.workerpool;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ChatModel;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.TransportConfig;
import fivechats.transport.Wire;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * The worker-pool model: a reader thread per client turns each line into work, and a fixed pool of N workers
 * does the writing, taking tasks from one bounded queue (Go's worker goroutines ranging over a task channel).
 *
 * <p>Queue policy: when the task queue is full, the reader that submits waits. It stops reading its socket,
 * and its client feels TCP backpressure. No task is dropped.
 *
 * <p>Three variants, one idea apart:
 * <ul>
 *   <li>{@code naive}: a task is "write this line to everyone", and any worker may run it. Two workers with two
 *       lines write to the same connection at once: the transport refuses the second write, and the line is lost.</li>
 *   <li>{@code locked}: the same, with a lock per connection around each write. No more overlaps, but two
 *       workers holding two lines of one sender race to each lock, so the later line can arrive first.</li>
 *   <li>{@code fixed}: each connection has a serial {@link Lane} (a bounded FIFO) that at most one worker drains at
 *       a time, sending without waiting for the network. One writer per connection, every sender's lines in order,
 *       and no worker ever held by a client that stopped reading.</li>
 * </ul>
 */
public final class WorkerPool implements ChatModel {
    public enum Variant { NAIVE, LOCKED, FIXED }

    /** Workers by default: two per core of this course's 2-core machines; writes mostly wait on the network. */
    public static final int DEFAULT_WORKERS = 4;
    /**
     * Tasks waiting for a worker (naive and locked). When full, submitting readers wait (backpressure); nothing is
     * dropped. The fixed variant's tasks are lane drains, at most one per client (the lane's token), so its queue
     * needs no bound of its own: its backpressure is the lane's.
     */
    public static final int TASK_QUEUE = 1024;
    /** Frames a fixed-variant lane holds before its client is evicted as too slow (gorilla's 256). */
    public static final int LANE_LIMIT = 256;

    /** A connected client. {@link #lane} is used by the fixed variant only. */
    final class Member {
        final ChatConnection connection;
        final Lane lane;

        Member(ChatConnection connection) {
            this.connection = connection;
            this.lane = new Lane(connection, metrics, WorkerPool.this::queueDrain, LANE_LIMIT, roomWait);
        }
    }

    private final Variant variant;
    private final int workerCount;
    private final Duration slowWorker;
    private final BlockingQueue<Task> tasks;
    private final Map<Long, Member> members = new ConcurrentHashMap<>();
    /** Held only to join or leave, so every client sees presence in one order. Never held while writing. */
    private final Object membership = new Object();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopped;
    /** Set by {@link #stop()}: from then on nobody joins, so every lane is in stop's snapshot. Guarded by membership. */
    private boolean closing;
    private ModelContext context;
    private ChatMetrics metrics;
    /** How long a sender waits for room in a lane that is full only because the workers lag: the write wait. */
    private Duration roomWait = TransportConfig.defaults().writeWait();

    /**
     * @param slowWorker for teaching and tests, zero otherwise: worker 0 holds each task it takes until another
     *                   worker has finished a later one (at most this long), like a GC pause or a preemption landing
     *                   at the worst moment, so a later task overtakes it whenever one exists
     */
    public WorkerPool(Variant variant, int workers, Duration slowWorker) {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, was " + workers);
        }
        this.variant = variant;
        this.workerCount = workers;
        this.slowWorker = slowWorker;
        this.tasks = variant == Variant.FIXED ? new LinkedBlockingQueue<>() : new ArrayBlockingQueue<>(TASK_QUEUE);
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
        this.metrics = context.metrics();
        this.roomWait = context.config().writeWait();
        for (int i = 0; i < workerCount; i++) {
            int id = i;
            workers.add(context.threads().startPlatform("worker-" + i, () -> work(id)));
        }
    }

    private void work(int id) {
        try {
            while (true) {
                Task task = tasks.take();
                if (task == STOP) {
                    return;
                }
                boolean slow = !slowWorker.isZero();
                if (slow && id == 0) {
                    holdUntilOvertaken(task.seq());
                }
                task.work().run();
                if (slow && id != 0) {
                    synchronized (overtaken) {
                        overtaken.accumulateAndGet(task.seq(), Math::max);
                        overtaken.notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A unit of work, numbered in submission order (the slow worker uses the number). */
    private record Task(long seq, Runnable work) {
    }

    private final AtomicLong submitted = new AtomicLong();
    /** The highest task number finished by a worker other than worker 0; only kept when the slow worker is on. */
    private final AtomicLong overtaken = new AtomicLong();

    /**
     * The slow worker: hold task {@code seq} until another worker has finished a task submitted after it (or
     * slowWorker has passed). Whenever a later task exists, it overtakes this one: every time, not by luck.
     */
    private void holdUntilOvertaken(long seq) throws InterruptedException {
        long deadline = System.nanoTime() + slowWorker.toNanos();
        synchronized (overtaken) {
            while (overtaken.get() <= seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(overtaken, left);
            }
        }
    }

    private static final Task STOP = new Task(-1, () -> { });

    /** For jcstress, which plays the workers itself: attach metrics without starting any thread. */
    void attach(ChatMetrics metrics) {
        this.metrics = metrics;
    }

    /** What a worker does once: take the next task, if any, and run it. For jcstress. */
    boolean runOneTask() {
        Task task = tasks.poll();
        if (task == null || task == STOP) {
            return false;
        }
        task.work().run();
        return true;
    }

    /** A client joins (what its reader does first). */
    Member register(ChatConnection connection) {
        Member member = new Member(connection);
        join(member);
        return member;
    }

    /** The queue policy: wait for room. The reader that waits stops reading, which pushes back on its client. */
    private void submit(Runnable work) {
        submit(new Task(submitted.incrementAndGet(), work));
    }

    private void submit(Task task) {
        if (stopped) {
            return;
        }
        try {
            tasks.put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** FIXED: a lane's drain joins the queue at once; there is at most one per client, so it never needs to wait. */
    private void queueDrain(Runnable drain) {
        tasks.add(new Task(submitted.incrementAndGet(), drain));
    }

    @Override
    public void accept(ChatConnection connection) {
        context.threads().startVirtual("reader-" + connection, () -> serve(new Member(connection)));
    }

    /** The client's reader: joins, turns each line into work for the pool, leaves. */
    private void serve(Member self) {
        if (!join(self)) {
            return; // accepted just before the shutdown began: the transport closes it with 1001
        }
        try {
            while (true) {
                broadcast(self.connection.read());
            }
        } catch (ClosedConnectionException | InterruptedException e) {
            // the client is gone
        } finally {
            leave(self, StatusCode.NORMAL, "left");
        }
    }

    /** False if the server is stopping: a lane that joined now would never be drained. */
    private boolean join(Member self) {
        String name = self.connection.name();
        SequencedSet<Member> tooSlow = new LinkedHashSet<>();
        synchronized (membership) {
            if (closing) {
                return false;
            }
            List<String> online = new ArrayList<>(members.values().stream().map(m -> m.connection.name()).toList());
            online.add(name);
            List<Member> others = List.copyOf(members.values());
            deliver(self, Wire.welcome(name, online), tooSlow); // queued before any broadcast can see the newcomer
            members.put(self.connection.id(), self);
            String join = Wire.join(name);
            others.forEach(other -> deliver(other, join, tooSlow));
            evict(tooSlow);
            return true;
        }
    }

    /** Idempotent; true if this call removed the client. */
    private boolean leave(Member member, int code, String reason) {
        SequencedSet<Member> tooSlow = new LinkedHashSet<>();
        synchronized (membership) {
            boolean wasHere = remove(member, code, reason, tooSlow);
            evict(tooSlow);
            return wasHere;
        }
    }

    /** Removes a client and delivers its leave to the others; those whose lane is full go on {@code tooSlow}. */
    private boolean remove(Member member, int code, String reason, SequencedSet<Member> tooSlow) {
        if (members.remove(member.connection.id()) == null) {
            return false;
        }
        if (variant == Variant.FIXED) {
            member.lane.finish(code, reason);
        } else {
            member.connection.close(code, reason);
        }
        String leave = Wire.leave(member.connection.name());
        List.copyOf(members.values()).forEach(other -> deliver(other, leave, tooSlow));
        return true;
    }

    /**
     * FIXED: evicts every member on the worklist, and every member that their leaves find full, in a loop: one
     * queue entry per client, never one stack frame per client. Counted once per client, when it is removed.
     */
    private void evict(SequencedSet<Member> tooSlow) {
        if (tooSlow.isEmpty()) {
            return;
        }
        String reason = "too slow: more than " + LANE_LIMIT + " messages waiting; reconnect to continue";
        synchronized (membership) {
            while (!tooSlow.isEmpty()) {
                Member member = tooSlow.removeFirst();
                if (remove(member, StatusCode.POLICY_VIOLATION, reason, tooSlow)) {
                    metrics.evicted();
                    member.lane.dropQueued();
                }
            }
        }
    }

    // --- the three variants -------------------------------------------------------------------

    // snippet:broadcast
    /** A chat line to everyone connected. */
    void broadcast(String frame) {
        switch (variant) {
            // NAIVE and LOCKED: one task per line; whichever worker takes it writes to every connection.
            case NAIVE, LOCKED -> submit(() -> {
                for (Member member : members.values()) {
                    write(member, frame);
                }
            });
            // FIXED: the frame goes into every member's lane; each lane is drained by one worker at a time.
            case FIXED -> {
                SequencedSet<Member> tooSlow = new LinkedHashSet<>();
                for (Member member : members.values()) {
                    if (!member.lane.offer(frame)) {
                        tooSlow.add(member);
                    }
                }
                evict(tooSlow);
            }
        }
    }
    // end-snippet

    /** A frame to one client (welcome, join, leave); a full lane puts the member on {@code tooSlow}. */
    private void deliver(Member member, String frame, SequencedSet<Member> tooSlow) {
        switch (variant) {
            case NAIVE, LOCKED -> submit(() -> write(member, frame));
            case FIXED -> {
                if (!member.lane.offer(frame)) {
                    tooSlow.add(member);
                }
            }
        }
    }

    /** Used by NAIVE and LOCKED; a failed write is skipped, and that client misses the line. */
    private void write(Member member, String frame) {
        try {
            if (variant == Variant.LOCKED) {
                synchronized (member) { // LOCKED: one write at a time per connection, but in no particular order
                    member.connection.write(frame);
                }
            } else {
                member.connection.write(frame); // NAIVE: any worker, any connection, any moment
            }
        } catch (IOException | IllegalStateException e) {
            // lost for this client
        }
    }

    // --- registry and shutdown ------------------------------------------------------------------

    @Override
    public int registered() {
        return members.size();
    }

    /** Lets the queued tasks (and lanes) run, closes each client with 1001 behind them, then ends the workers. */
    @Override
    public void stop() {
        Duration grace = context.config().shutdownGrace();
        long deadline = System.nanoTime() + grace.toNanos();
        List<Member> all;
        synchronized (membership) {
            closing = true; // a reader that has not joined yet never will: its lane would wait for workers that are gone
            all = List.copyOf(members.values());
        }
        try {
            if (variant == Variant.FIXED) {
                // A lane's sends complete later and queue its next drain then: wait for the lanes, not the queue.
                all.forEach(m -> m.lane.finish(StatusCode.SHUTDOWN, "server shutting down"));
                for (Member m : all) {
                    m.lane.awaitClosed(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                }
            }
            for (int i = 0; i < workerCount; i++) {
                submit(STOP); // behind every task already queued
            }
            stopped = true;
            for (Thread worker : workers) {
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
                + (slowWorker.isZero() ? "" : ", worker 0 lets later tasks overtake it, up to " + slowWorker.toMillis() + " ms") + ")";
    }
}
