package fivechats.transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection's single-send slot, and the last writes it saw. A write takes the slot before it gives Jetty its
 * frame and gives it back when Jetty is done ("one send at a time", gorilla's and Jetty's rule). A thread that
 * finds the slot taken is the overlap the detector counts; this class says which thread held it, and keeps the steps
 * around it, so that an overlap reads as a sequence of steps rather than a count:
 *
 * <pre>
 * writes to c5#6 around the overlap, in order (µs since the first shown):
 *    1        0  reader-c3#4  takes the slot
 *    2       31  reader-c2#3  writes while reader-c3#4 holds the slot: overlap
 *    3       48  reader-c3#4  sent, gives the slot back
 * </pre>
 *
 * (A line {@code ...} stands for steps left out: between the holder's start and the last steps before the overlap.)
 *
 * <p><b>Every change of the slot and every step recorded happen under this object's monitor</b>, so the steps are
 * in the order in which threads took, met and gave back the slot. The monitor is held for a few field writes and
 * never while Jetty sends: the slot stays taken across the send, the monitor does not.
 */
final class SendSlot {
    /** Steps kept before an overlap (and the holder's start, however old): a few writes' starts and ends. */
    private static final int BEFORE = 8;
    /** Steps added after it: enough for the holder's end and the rival's, which come next. */
    private static final int AFTER = 4;

    private record Step(long nanos, String thread, String what) {
    }

    /** Stands for the steps left out between the holder's start and the steps kept. */
    private static final Step ELIDED = new Step(0, "", "...");

    private final String connection;
    /** The last {@link #BEFORE} steps, oldest first. */
    private final ArrayDeque<Step> recent = new ArrayDeque<>(BEFORE);
    /** Who holds the slot; null while it is free. */
    private Thread holder;
    /** The step in which the holder took the slot: kept with an overlap even when the steps since have pushed it out. */
    private Step taken;
    /** The steps around the last overlap: frozen from {@link #recent}, then grown by up to {@link #AFTER} steps. */
    private List<Step> around = List.of();
    private int afterLeft;

    SendSlot(String connection) {
        this.connection = connection;
    }

    /**
     * Takes the slot for the calling thread. When another thread holds it, records the overlap, keeps the steps
     * around it and answers the holder's name; the slot stays the holder's. Answers null when the slot was taken.
     */
    synchronized String take(String what) {
        Thread me = Thread.currentThread();
        if (holder == null) {
            holder = me;
            taken = record(me, what);
            return null;
        }
        String holderName = nameOf(holder);
        record(me, what + " while " + holderName + " holds the slot: overlap");
        freeze();
        return holderName;
    }

    /** The write has ended: records how, and gives the slot back if this write took it ({@code tookIt}). */
    synchronized void end(boolean tookIt, String outcome) {
        Thread writer = tookIt ? holder : Thread.currentThread();
        if (tookIt) {
            holder = null;
            taken = null;
        }
        record(writer, outcome + (tookIt ? ", gives the slot back" : ""));
    }

    /** Jetty refused a send ({@code WritePendingException}): as telling as an overlap, so its steps are kept too. */
    synchronized void refusedByJetty() {
        record(Thread.currentThread(), "Jetty refused the send: more sends at once than maxOutgoingFrames");
        freeze();
    }

    /** The steps around the last overlap or refusal, one numbered line each; "none" before the first. */
    synchronized String aroundLastOverlap() {
        if (around.isEmpty()) {
            return "none";
        }
        StringBuilder out = new StringBuilder("writes to " + connection
                + " around the overlap, in order (µs since the first shown):");
        long first = around.get(0).nanos();
        int number = 0;
        for (Step s : around) {
            out.append(s == ELIDED ? String.format("%n  %11s", "...")
                    : String.format("%n  %2d %8d  %s  %s", ++number, (s.nanos() - first) / 1_000, s.thread(), s.what()));
        }
        return out.toString();
    }

    private Step record(Thread thread, String what) {
        Step step = new Step(System.nanoTime(), nameOf(thread), what);
        if (recent.size() == BEFORE) {
            recent.removeFirst();
        }
        recent.addLast(step);
        if (afterLeft > 0) {
            around.add(step);
            afterLeft--;
        }
        return step;
    }

    private void freeze() {
        around = new ArrayList<>(recent);
        if (taken != null && !recent.contains(taken)) {
            around.addAll(0, List.of(taken, ELIDED)); // how long the holder has held the slot is part of the story
        }
        afterLeft = AFTER;
    }

    /** A model's threads are named; an unnamed virtual thread is named by its id. */
    private static String nameOf(Thread thread) {
        return thread.getName().isEmpty() ? "virtual#" + thread.threadId() : thread.getName();
    }
}
