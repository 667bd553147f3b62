package fivechats.workerpool;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.CloseCode;
import fivechats.transport.SendQueue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The fixed worker pool's serial lane for one connection: a bounded {@link SendQueue} of frames that at most one
 * worker drains at a time. <b>At most one worker writes to a connection at a time, in lane order</b>: the drain task
 * is the token, and it is held from the moment a drain is queued until the lane is empty (or finished), across sends
 * in flight.
 *
 * <p><b>No worker ever waits for a client.</b> A drain hands the queued frames to Jetty as one asynchronous
 * {@link ChatConnection#send(List) send} and goes on while the network is free. When Jetty cannot write at once (the
 * client's TCP window is closed: it is not reading), the drain returns its worker to the pool, and the send's
 * completion queues the next drain. So a stuck client costs a few queued frames, never a worker.
 *
 * <p>An offer to a full lane follows the one full-queue rule in {@link SendQueue}, the outbox's too: false (evict)
 * when a send to the client has been stuck on its network for {@link SendQueue#STALL}; otherwise the sender waits for room, at most the
 * write wait, while the workers catch up.
 */
final class Lane {
    /**
     * Frames a drain sends before it lets other lanes' drains have a worker: no lane keeps a worker to itself. Also the
     * most frames one send takes from the lane.
     */
    static final int TURN = 64;

    private final ChatConnection connection;
    private final Executor workers;
    private final SendQueue queue;
    /**
     * The single-writer token: a drain is queued or running, or its send is in flight. A new lane's
     * token is its joiner's, who hands it to the first drain once the member is published ({@link #open}).
     */
    @GuardedBy("this")
    private boolean scheduled = true;

    private final CountDownLatch closed = new CountDownLatch(1);

    Lane(ChatConnection connection, ChatMetrics metrics, Executor workers, int limit, Duration writeWait) {
        this.connection = connection;
        this.workers = workers;
        this.queue = new SendQueue(limit, writeWait, metrics);
    }

    // snippet:lane-offer
    /** Queues a frame. False only if the client is too slow; the caller evicts it. */
    boolean offer(String frame) {
        if (!connection.wants(frame)) { // a join for a client with presence=off: skip it
            return true;
        }
        if (!queue.offer(frame)) { // the one full-queue rule: may wait for room while the workers catch up
            return false;
        }
        schedule(); // after the frame is in: a drain that finds the lane empty has not yet given the token back
        return true;
    }
    // end-snippet

    /**
     * The joiner hands the token to the first drain: the member is published, so every broadcast from now on reaches
     * this lane, and the welcome queued before can go out. Called once, by the joiner.
     */
    void open() {
        workers.execute(this::drain);
    }

    /** Closes after the frames already in the lane. Idempotent. */
    void finish(CloseCode code, String reason) {
        queue.finish(code, reason);
        schedule();
    }

    /**
     * The client is too slow: drops what it can no longer read in time, closes the lane, and stops the client's reader,
     * so that its own reader announces its leave after its last line. True only for the first call.
     */
    boolean evict(CloseCode code, String reason) {
        boolean first = queue.evict(code, reason); // first: closing and counting are one step, whoever else finishes it
        connection.stopReading(reason);
        schedule();
        return first;
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
            List<String> batch;
            synchronized (this) { // "empty, so give the token back" in one step with schedule()'s "is a drain queued?"
                batch = queue.take(TURN - sent); // what is queued goes out together: one send, few network writes
                if (batch.isEmpty()) {
                    if (!queue.finishedAndEmpty()) {
                        scheduled = false; // the next offer queues a drain
                        return;
                    }
                    connection.close(queue.closeCode(), queue.closeReason());
                    closed.countDown();
                    return; // keep the token: a finished lane is never drained again
                }
            }
            sent += batch.size();
            CompletableFuture<Void> send = connection.send(batch);
            if (!send.isDone()) { // the client's TCP window is closed: give the worker back, keep the token
                queue.sendWaiting(); // from now on the full-queue rule times the client
                send.whenComplete((ok, failure) -> {
                    queue.sent();
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
            connection.close(CloseCode.SERVER_ERROR, "write failed"); // its reader sees the close and leaves
        }
    }
}
