package fivechats.workerpool;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * The fixed worker pool's serial lane for one connection: a bounded FIFO of frames that at most one worker drains
 * at a time. <b>At most one worker writes to a connection at a time, in lane order</b>: the drain task is the token,
 * and it is held from the moment a drain is queued until the lane is empty (or finished), across sends in flight.
 *
 * <p><b>No worker ever waits for a client.</b> A drain hands the queued frames to Jetty as one asynchronous
 * {@link ChatConnection#send(List) send} and goes on while the network is free. When Jetty cannot write at once (the
 * client's TCP window is closed: it is not reading), the drain returns its worker to the pool, and the send's
 * completion queues the next drain. So a stuck client costs a few queued frames, never a worker.
 *
 * <p>Who pays when the lane is full depends on why it is full:
 * <ul>
 *   <li>a send to this client is waiting on its network: the client is too slow, and {@link #offer} returns false
 *       (the model evicts it with 1008, as gorilla does);</li>
 *   <li>no send is waiting, so the frames wait for a worker: that is the server's own lag, not the client's fault.
 *       The sender waits for room instead: its reader stops reading, and the sending client feels TCP backpressure.
 *       The wait is bounded by {@code roomWait}; a lane that stays full that long is treated as too slow.</li>
 * </ul>
 */
final class Lane {
    /**
     * Frames a drain sends before it lets other lanes' drains have a worker: no lane keeps a worker to itself. Also the
     * most frames one send takes from the lane.
     */
    static final int TURN = 64;

    private final ChatConnection connection;
    private final ChatMetrics metrics;
    private final Executor workers;
    private final int limit;
    private final long roomWaitNanos;
    private final Queue<String> frames = new ArrayDeque<>(); // guarded by this
    /** The single-writer token: a drain is queued or running, or its send is in flight. Guarded by this. */
    private boolean scheduled;
    /** A send Jetty could not finish at once is in flight: the client is not reading as fast as we write. */
    private boolean waitingOnClient;
    private boolean finished;
    private int closeCode;
    private String closeReason;
    private final CountDownLatch closed = new CountDownLatch(1);

    Lane(ChatConnection connection, ChatMetrics metrics, Executor workers, int limit, Duration roomWait) {
        this.connection = connection;
        this.metrics = metrics;
        this.workers = workers;
        this.limit = limit;
        this.roomWaitNanos = roomWait.toNanos();
    }

    // snippet:lane-offer
    /** Queues a frame. False only if the client is too slow; the caller evicts it (after its own loop). */
    boolean offer(String frame) {
        if (!connection.wants(frame)) { // a join for a client with presence=off: skip it
            return true;
        }
        synchronized (this) { // checked and queued in one step: once finished, nothing lands in the lane
            long deadline = 0; // read the clock only once the lane is found full, never on the common path
            while (!finished && frames.size() >= limit) {
                long now = System.nanoTime();
                deadline = deadline == 0 ? now + roomWaitNanos : deadline;
                long left = deadline - now;
                if (waitingOnClient || left <= 0) {
                    return false; // full because of the client: evict it
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left); // full because of us: the sender waits for room
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the server is stopping this reader
                    return true;
                }
            }
            if (finished) {
                return true; // the client is on its way out, which is not the same as slow
            }
            frames.add(frame);
        }
        metrics.queued(1);
        schedule();
        return true;
    }
    // end-snippet

    /** Closes after the frames already in the lane. Idempotent. */
    void finish(int code, String reason) {
        synchronized (this) {
            if (finished) {
                return;
            }
            closeCode = code;
            closeReason = reason;
            finished = true; // from now on offers add nothing, so the drain's "finished and empty" is final
            notifyAll(); // senders waiting for room stop waiting
        }
        schedule();
    }

    /** The client was evicted: what it can no longer read in time is dropped. */
    void dropQueued() {
        int dropped;
        synchronized (this) {
            dropped = frames.size();
            frames.clear();
        }
        metrics.queued(-dropped);
    }

    /** Waits until the lane has closed its connection, at most {@code timeout}: for a flush at shutdown. */
    boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void schedule() {
        synchronized (this) {
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        workers.execute(this::drain);
    }

    // snippet:lane-drain
    /** Runs on one worker at a time (the token), handing the lane's frames to Jetty in order, a batch per send. */
    private void drain() {
        for (int sent = 0; sent < TURN; ) {
            List<String> batch = new ArrayList<>();
            synchronized (this) {
                if (frames.isEmpty()) {
                    if (!finished) {
                        scheduled = false; // the next offer queues a drain
                        return;
                    }
                    connection.close(closeCode, closeReason);
                    closed.countDown();
                    return; // keep the token: a finished lane is never drained again
                }
                if (frames.size() >= limit) {
                    notifyAll(); // there will be room for a sender that waits
                }
                while (batch.size() < TURN - sent && !frames.isEmpty()) {
                    batch.add(frames.poll()); // what is queued goes out together: one send, few network writes
                }
            }
            metrics.queued(-batch.size());
            sent += batch.size();
            CompletableFuture<Void> send = connection.send(batch);
            if (!send.isDone()) { // the client's TCP window is closed: give the worker back, keep the token
                synchronized (this) {
                    waitingOnClient = true;
                    notifyAll(); // a sender waiting for room now knows whose fault it is
                }
                send.whenComplete((ok, failure) -> {
                    synchronized (this) {
                        waitingOnClient = false;
                    }
                    failedIf(failure);
                    workers.execute(this::drain); // the completion hands the token to the next drain
                });
                return;
            }
            failedIf(send.isCompletedExceptionally() ? send.exceptionNow() : null);
        }
        workers.execute(this::drain); // a turn is over: back of the queue, token kept
    }
    // end-snippet

    private void failedIf(Throwable failure) {
        if (failure != null) {
            connection.close(StatusCode.SERVER_ERROR, "write failed"); // its reader sees the close and leaves
        }
    }
}
