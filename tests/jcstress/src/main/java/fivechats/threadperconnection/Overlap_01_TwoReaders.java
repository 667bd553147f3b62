package fivechats.threadperconnection;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.Outbox;
import java.io.IOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Two readers broadcast at the same moment, and both lines must reach carol.
 *
 * <p>In the naive model each reader writes to carol's connection itself, so two broadcasts can write to it at
 * once. The connection allows one send at a time: the second write is refused and carol loses that line.
 *
 * <p>In the fixed model readers only queue into carol's outbox, and its single writer sends them one by one. The
 * race that matters there is a reader queueing while the writer is sending, so the fixed form's actors are alice's
 * reader and carol's writer (with carol's welcome and bob's line already queued). It fails if a reader ever writes:
 * applied once, the mutation "Fixed.broadcast calls {@code client.connection().write(line)} instead of
 * {@code client.offer(line)}" made it report the forbidden (1, 1) in the fast mode.
 * Result: (overlapping writes seen, lines carol got).
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Overlap_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Naive
 *     RESULT     SAMPLES    FREQ       EXPECT  DESCRIPTION
 *       0, 2  68,272,112  98.41%   Acceptable  The writes did not overlap; carol got both lines.
 *       1, 1   1,106,202   1.59%  Interesting  Two readers wrote to carol at once: one write was refused...
 *   Fixed
 *     RESULT     SAMPLES     FREQ      EXPECT  DESCRIPTION
 *       0, 2  13,048,074  100.00%  Acceptable  The reader only queued; carol's writer sent both lines, o...
 *       1, 1           0    0.00%   Forbidden  A reader wrote to carol while her writer was writing: the...
 * </pre>
 */
public class Overlap_01_TwoReaders {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    // snippet:naive
    @JCStressTest
    @Description("Naive: two readers broadcast at once, each writing to carol's connection itself.")
    @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "The writes did not overlap; carol got both lines.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "Two readers wrote to carol at once: one write was refused and carol lost a line.")
    @State
    public static class Naive {
        private final ThreadPerConnection.Naive model =
                new ThreadPerConnection.Naive(ThreadPerConnection.Threads.VIRTUAL);
        private final RecordingConnection carol = new RecordingConnection(3, "carol");

        public Naive() {
            model.register(carol);
        }

        @Actor
        public void alice() {
            model.broadcast("alice's line", null);
        }

        @Actor
        public void bob() {
            model.broadcast("bob's line", null);
        }

        @Arbiter
        public void seen(II_Result r) {
            r.r1 = carol.overlaps();
            r.r2 = carol.written().size();
        }
    }
    // end-snippet

    @JCStressTest
    @Description("Fixed: alice's reader queues her line while carol's single writer is sending what was queued before."
            + " Broken twin caught: Fixed.broadcast writing to the connection instead of offering (1, 1 seen).")
    @Outcome(
            id = "0, 2",
            expect = ACCEPTABLE,
            desc = "The reader only queued; carol's writer sent both lines, one at a time.")
    @Outcome(
            id = "1, 1",
            expect = FORBIDDEN,
            desc = "A reader wrote to carol while her writer was writing: the one-writer rule broke.")
    @Outcome(expect = FORBIDDEN, desc = "A line was lost or doubled.")
    @State
    public static class Fixed {
        private final ThreadPerConnection.Fixed model =
                new ThreadPerConnection.Fixed(ThreadPerConnection.Threads.VIRTUAL, 256);
        private final RecordingConnection carol = new RecordingConnection(3, "carol");
        private final Outbox carolsOutbox;

        public Fixed() {
            model.attach(METRICS);
            carolsOutbox = model.outbox(carol, 256);
            model.join(carolsOutbox); // carol's welcome waits in her outbox
            model.broadcast("bob's line"); // and bob's line behind it: her writer has work when the race starts
        }

        @Actor
        public void alicesReader() {
            model.broadcast("alice's line");
        }

        @Actor
        public void carolsWriter() {
            writeQueued();
        }

        @Arbiter
        public void seen(II_Result r) {
            writeQueued(); // what is left
            r.r1 = carol.overlaps();
            r.r2 = (int)
                    carol.written().stream().filter(f -> f.endsWith("'s line")).count();
        }

        private void writeQueued() {
            try {
                carolsOutbox.writeQueuedNow();
            } catch (IOException | IllegalStateException e) {
                // a refused write: counted by carol's overlaps
            }
        }
    }
}
