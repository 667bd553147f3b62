package fivechats.transport;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A teaching aid beside the {@link SendSlot}: the last writes to one connection, and the steps around an overlap, so
 * that an overlap reads as a sequence of steps rather than a count:
 *
 * <pre>
 * writes to c5#6 around the overlap, in order (µs since the first shown):
 *    1        0  reader-c0#1  starts a write
 *    2       18  reader-c3#4  starts a write while reader-c0#1 holds the slot: overlap
 *    3       27  reader-c3#4  refused: its frame is lost
 *    4       93  reader-c0#1  sent, gives the slot back
 * </pre>
 *
 * (A line {@code ...} stands for steps left out: between the holder's start and the last steps before the overlap.)
 *
 * <p>Its slot records every step while holding the slot's monitor, so the steps are in the order in which threads
 * took, met and gave back the slot; this object's own monitor guards what it keeps, for the reader of the steps. A step
 * costs one small object and no text: the text is built only when someone reads the steps.
 */
final class SlotSteps {
    /** Steps kept before an overlap (and the holder's start, however old): a few writes' starts and ends. */
    private static final int BEFORE = 8;
    /** Steps added after it: enough for the holder's end and the rival's, which come next. */
    private static final int AFTER = 4;

    /** What a step was; a send of several frames says how many ({@link Step#frames}). */
    enum What {
        START("starts a write", "starts a send of %d frames"),
        OVERLAP(
                "starts a write while %s holds the slot: overlap",
                "starts a send of %2$d frames while %1$s holds the slot: overlap"),
        SENT("sent", "sent %d frames"),
        FAILED("failed", "failed"),
        REFUSED("refused: its frame is lost", "refused: its %d frames are lost"),
        JETTY_REFUSED(
                "Jetty refused the send: more sends at once than maxOutgoingFrames",
                "Jetty refused the send: more sends at once than maxOutgoingFrames");

        private final String one;
        private final String several;

        What(String one, String several) {
            this.one = one;
            this.several = several;
        }
    }

    /** One step; {@code holder} names the thread holding the slot at an overlap, {@code gaveBack} a release. */
    private record Step(long nanos, Thread thread, What what, int frames, Thread holder, boolean gaveBack) {
        String text() {
            String s = frames == 1
                    ? String.format(what.one, holder == null ? "" : nameOf(holder))
                    : String.format(what.several, holder == null ? frames : nameOf(holder), frames);
            return s + (gaveBack ? ", gives the slot back" : "");
        }
    }

    /** Stands for the steps left out between the holder's start and the steps kept. */
    private static final Step ELIDED = new Step(0, null, What.START, 1, null, false);

    /** The steps around one overlap: frozen from {@link #recent}, then grown by up to {@link #AFTER} steps. */
    private static final class Around {
        final List<Step> steps;
        int afterLeft = AFTER;

        Around(List<Step> steps) {
            this.steps = steps;
        }
    }

    private final String connection;
    /** The last {@link #BEFORE} steps, oldest first. */
    @GuardedBy("this")
    private final ArrayDeque<Step> recent = new ArrayDeque<>(BEFORE);
    /** The step in which the holder took the slot: kept with an overlap even when the steps since have pushed it out. */
    @GuardedBy("this")
    private Step taken;
    /** The last overlap's steps, still growing; null before the first. */
    @GuardedBy("this")
    private Around around;

    SlotSteps(String connection) {
        this.connection = connection;
    }

    /** {@code writer} took the free slot for a send of {@code frames} frames. */
    synchronized void took(Thread writer, int frames) {
        taken = record(writer, What.START, frames, null, false);
    }

    /** {@code writer} found the slot held by {@code holder}: answers the steps around this overlap (and what follows). */
    synchronized Supplier<String> met(Thread writer, int frames, Thread holder) {
        record(writer, What.OVERLAP, frames, holder, false);
        return freeze();
    }

    /** The send of {@code writer} ended with {@code outcome}; {@code gaveBack}: it held the slot and gave it back. */
    synchronized void ended(Thread writer, boolean gaveBack, What outcome, int frames) {
        if (gaveBack) {
            taken = null;
        }
        record(writer, outcome, frames, null, gaveBack);
    }

    /** Jetty refused {@code writer}'s send ({@code WritePendingException}): as telling as an overlap, so its steps are kept. */
    synchronized Supplier<String> refusedByJetty(Thread writer) {
        record(writer, What.JETTY_REFUSED, 1, null, false);
        return freeze();
    }

    @GuardedBy("this")
    private Step record(Thread thread, What what, int frames, Thread holderNow, boolean gaveBack) {
        Step step = new Step(System.nanoTime(), thread, what, frames, holderNow, gaveBack);
        if (recent.size() == BEFORE) {
            recent.removeFirst();
        }
        recent.addLast(step);
        if (around != null && around.afterLeft > 0) {
            around.steps.add(step);
            around.afterLeft--;
        }
        return step;
    }

    /** Starts a new overlap's steps and answers them, rendered when asked. */
    @GuardedBy("this")
    private Supplier<String> freeze() {
        List<Step> kept = new ArrayList<>(recent);
        if (taken != null && !recent.contains(taken)) {
            kept.addAll(0, List.of(taken, ELIDED)); // how long the holder has held the slot is part of the story
        }
        Around now = new Around(kept);
        around = now;
        return () -> render(now);
    }

    /** One numbered line per step, under this object's monitor: steps may still be added to it. */
    private String render(Around overlap) {
        synchronized (this) {
            StringBuilder out = new StringBuilder(
                    "writes to " + connection + " around the overlap, in order (µs since the first shown):");
            long first = overlap.steps.get(0).nanos();
            int number = 0;
            for (Step s : overlap.steps) {
                out.append(
                        s == ELIDED
                                ? String.format("%n  %11s", "...")
                                : String.format(
                                        "%n  %2d %8d  %s  %s",
                                        ++number, (s.nanos() - first) / 1_000, nameOf(s.thread()), s.text()));
            }
            return out.toString();
        }
    }

    /** A model's threads are named; an unnamed virtual thread is named by its id. */
    static String nameOf(Thread thread) {
        return thread.getName().isEmpty() ? "virtual#" + thread.threadId() : thread.getName();
    }
}
