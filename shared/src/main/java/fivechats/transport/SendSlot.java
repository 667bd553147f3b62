package fivechats.transport;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.function.Supplier;

// snippet:send-slot
/**
 * One connection's single-send slot: the rule of gorilla/websocket and of Jetty, one send at a time, made checkable.
 * A send takes the slot before it hands Jetty its frames and gives it back when Jetty is done with them; a thread that
 * finds the slot taken is an overlap, which the transport counts, names and, by default, refuses (as gorilla does).
 * There is no lock for a writer to wait on: keeping writers apart is the model's job, and the slot only tells when
 * a model failed at it.
 *
 * <p><b>The slot changes hands only under this object's monitor</b>, and its steps are recorded there too, so they
 * read in the order in which threads took, met and gave back the slot. The monitor is held for a few field writes,
 * never while Jetty sends: the slot stays taken across the send, the monitor does not.
 *
 * <p>Beside it, two teaching aids: {@link SlotSteps}, the steps around an overlap, and the connection's
 * {@link RaceWindow}, which keeps a taken slot until a rival arrives, so an unsafe model breaks every time instead of
 * once in a while.
 */
final class SendSlot {
    /** An overlap: who held the slot, and the steps around it, rendered when read. */
    record Overlap(String holder, Supplier<String> steps) {}

    private final SlotSteps steps;
    /** The thread whose send holds the slot; null while it is free. */
    @GuardedBy("this")
    private Thread holder;

    SendSlot(SlotSteps steps) {
        this.steps = steps;
    }

    /**
     * Takes the slot for the calling thread's send of {@code frames} frames. Null if it was free and is now the
     * caller's; otherwise another thread holds it (and keeps it), and the answer is the overlap.
     */
    synchronized Overlap take(int frames) {
        Thread me = Thread.currentThread();
        if (holder == null) {
            holder = me;
            steps.took(me, frames);
            return null;
        }
        return new Overlap(SlotSteps.nameOf(holder), steps.met(me, frames, holder));
    }

    /**
     * The send of {@code writer} ended with {@code outcome}: gives the slot back if that send took it ({@code tookIt}).
     * Called on the writer's thread, or on the thread that completed its send.
     */
    synchronized void end(Thread writer, boolean tookIt, SlotSteps.What outcome, int frames) {
        if (tookIt) {
            holder = null;
        }
        steps.ended(writer, tookIt, outcome, frames);
    }

    /** Jetty refused {@code writer}'s send ({@code WritePendingException}): answers the steps around it. */
    synchronized Supplier<String> refusedByJetty(Thread writer) {
        return steps.refusedByJetty(writer);
    }
}
// end-snippet
