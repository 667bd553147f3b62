package fivechats.transport;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * One client's bounded queue of frames and <b>the one full-queue rule</b>, shared by the {@link Outbox} (a writer
 * thread per client) and the worker pool's lane (a drain task per client). gorilla's {@code client.send} channel
 * holds 256 messages and its hub evicts a client whose channel is full; this queue holds {@code limit} frames and
 * decides when a full queue means the client is too slow.
 *
 * <p>The rule, when an offer finds the queue full:
 * <ul>
 *   <li><b>a client is too slow when one send to it has waited on its network for {@link #STALL}</b> (its TCP window
 *       stayed closed; a send is what was queued when it began, up to 64 frames). The offer returns false and the
 *       model evicts it;</li>
 *   <li>otherwise the queue is full because this server writes slower than frames arrive, which is the server's lag,
 *       not the client's fault: <b>the offering thread waits for room</b>, and so the sender's reader stops reading
 *       and the sending client feels TCP backpressure. It waits <b>at most the write wait</b> (the {@code
 *       --write-wait} flag) in all, and a queue still full after that is treated as too slow.</li>
 * </ul>
 * So an offer returns at once while there is room, and otherwise within the write wait at most; a prompt reader is
 * never judged by one send that did not finish at once, and whatever the offering thread holds (the hub thread, a
 * lock) it holds for that wait too. The models say what that is. What it leaves out: a client that reads, but slower
 * than the chat (each send done within a second), is never too slow: while its queue is full it sets the pace for
 * whoever offers to it, and so for the senders. gorilla's hub would evict it at once; this rule prefers to slow the
 * chat down over closing a client that is reading.
 *
 * <p>Thread safety: every method may be called from any thread; the queue is guarded by this object's monitor.
 */
public final class SendQueue {
    /**
     * How long one send may wait on a client's network, while frames queue behind it, before the client is too slow: a
     * reading client takes a send of 64 frames in milliseconds, and a reader descheduled on a loaded two-core machine
     * is back well within a second. Never longer than the write wait, after which the send itself fails.
     */
    public static final Duration STALL = Duration.ofSeconds(1);

    private final int limit;
    private final long writeWaitNanos;
    private final long stallNanos;
    private final ChatMetrics metrics;

    @GuardedBy("this")
    private final Queue<String> frames = new ArrayDeque<>();
    /** When the send in flight started waiting on the client's network; 0 when none is waiting. */
    @GuardedBy("this")
    private long waitingSince;

    @GuardedBy("this")
    private boolean closing;

    @GuardedBy("this")
    private CloseCode closeCode;

    @GuardedBy("this")
    private String closeReason;

    /** The close reason a model gives a client it evicts as too slow. */
    public static String tooSlow(int limit) {
        return "too slow: a send waited " + STALL.toMillis() + " ms on your network with " + limit
                + " messages queued; reconnect to continue";
    }

    public SendQueue(int limit, Duration writeWait, ChatMetrics metrics) {
        if (limit < 1) {
            throw new IllegalArgumentException("a send queue must hold at least 1 frame, was " + limit);
        }
        this.limit = limit;
        this.writeWaitNanos = writeWait.toNanos();
        this.stallNanos = Math.min(STALL.toNanos(), writeWaitNanos);
        this.metrics = metrics;
    }

    // snippet:full-queue-rule
    /**
     * Queues a frame; false only if the client is too slow (see the rule above). Once the queue is closing, frames are
     * discarded and true is returned: the client is on its way out, which is not the same as being slow. An offer
     * interrupted while it waits queues its frame anyway (one over the limit), so nothing is lost silently.
     */
    public boolean offer(String frame) {
        synchronized (this) { // checked and queued in one step: a frame never lands behind the close, unsent forever
            long waitUntil = 0; // read the clock only once the queue is found full, never on the common path
            while (!closing && frames.size() >= limit) {
                long now = System.nanoTime();
                waitUntil = waitUntil == 0 ? now + writeWaitNanos : waitUntil;
                long stalledFor = waitingSince == 0 ? 0 : now - waitingSince;
                if (stalledFor >= stallNanos || now >= waitUntil) {
                    return false; // a send has been stuck for STALL, or the write wait is spent: evict the client
                }
                long wakeUp = waitingSince == 0 ? waitUntil : Math.min(waitUntil, waitingSince + stallNanos);
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, wakeUp - now); // woken early by room or by a stalled send
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the server is stopping the offering thread
                    break;
                }
            }
            if (closing) {
                return true;
            }
            frames.add(frame);
            if (frames.size() == 1) {
                notifyAll(); // a writer waiting in awaitTake for the first frame
            }
        }
        metrics.queued(1);
        return true;
    }
    // end-snippet

    /** Takes up to {@code max} frames, oldest first, without waiting: an empty list if none is queued. */
    public List<String> take(int max) {
        List<String> batch = new ArrayList<>(Math.min(max, limit));
        synchronized (this) {
            boolean wasFull = frames.size() >= limit;
            while (batch.size() < max && !frames.isEmpty()) {
                batch.add(frames.poll());
            }
            if (wasFull && !batch.isEmpty()) {
                notifyAll(); // offers waiting for room
            }
        }
        metrics.queued(-batch.size());
        return batch;
    }

    /** Like {@link #take}, but waits for a frame; an empty list means the queue is closing and empty. */
    public List<String> awaitTake(int max) throws InterruptedException {
        synchronized (this) {
            while (frames.isEmpty() && !closing) {
                wait();
            }
        }
        return take(max);
    }

    /** The send just handed to the network did not finish at once: from now the client's progress is timed. */
    public synchronized void sendWaiting() {
        waitingSince = System.nanoTime();
        notifyAll(); // an offer waiting for room now times the stall, not the whole write wait
    }

    /** The send finished: the client took it. */
    public synchronized void sent() {
        waitingSince = 0;
    }

    /** Closes after the frames already queued. Idempotent: true only for the call that closed the queue. */
    public synchronized boolean finish(CloseCode code, String reason) {
        if (closing) {
            return false;
        }
        closing = true;
        closeCode = code;
        closeReason = reason;
        notifyAll(); // offers waiting for room stop waiting; a writer waiting for a frame sees the close
        return true;
    }

    /**
     * Drops every queued frame and closes with this code, unless already closing, in which case the earlier close
     * stands but the frames are dropped all the same. True only for the call that closed the queue.
     */
    public boolean evict(CloseCode code, String reason) {
        boolean closed;
        int dropped;
        synchronized (this) {
            closed = finish(code, reason);
            dropped = frames.size();
            frames.clear();
        }
        metrics.queued(-dropped);
        return closed;
    }

    /** True once closing and every frame is taken: time to send the close. */
    public synchronized boolean finishedAndEmpty() {
        return closing && frames.isEmpty();
    }

    public synchronized CloseCode closeCode() {
        return closeCode;
    }

    public synchronized String closeReason() {
        return closeReason;
    }

    /** The frames waiting right now, oldest first, and "close CODE" when closing: for tests that look inside. */
    public synchronized List<String> pending() {
        List<String> all = new ArrayList<>(frames);
        if (closing) {
            all.add("close " + closeCode.code);
        }
        return all;
    }
}
