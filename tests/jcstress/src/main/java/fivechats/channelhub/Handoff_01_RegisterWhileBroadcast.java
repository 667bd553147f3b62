package fivechats.channelhub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.TransportConfig;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Bob's reader hands the hub his registration while the hub thread is broadcasting alice's line.
 *
 * <p>Readers never touch the registry: they put events into the hub's inbox, and only the hub thread handles them,
 * one at a time. Alice's line was put into the inbox before bob's registration, so the hub handles it first, whether
 * bob's reader is quick or slow: bob gets his welcome and nothing from before he joined. Here the hub thread is an
 * actor (it handles whatever is queued) racing bob's reader; the arbiter handles what is left.
 *
 * <p>What it catches: a reader that touches the registry itself. Applied once, the mutation "register calls
 * {@code add(client)} directly instead of putting a Register into the inbox" made it fail in the fast mode: the hub's
 * walk of the registry threw ConcurrentModificationException while bob's reader added him.
 * Result: what is queued for bob, in order.
 *
 * <p>Run just this topic: {@code ./mvnw verify -pl tests/jcstress -am -Djcstress.tests=Handoff_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (Intel Xeon), 2026-11-22:
 * <pre>
 *   Hub
 *      RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *     welcome  8,700,986  100.00%  Acceptable  The hub handled alice's line first, then bob joined: only...
 * </pre>
 */
public class Handoff_01_RegisterWhileBroadcast {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    @JCStressTest
    @Description("The hub thread handles alice's line while bob's reader hands it bob's registration."
            + " Broken twin caught: a register that adds to the registry from the reader's thread.")
    @Outcome(
            id = "welcome",
            expect = ACCEPTABLE,
            desc = "The hub handled alice's line first, then bob joined: only his welcome.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Bob got a line from before he joined, no welcome, or the hub failed: the handoff broke.")
    @State
    public static class Hub {
        private final ChannelHub hub = new ChannelHub(256);
        private final Client bob;

        public Hub() {
            hub.attach(METRICS);
            Client alice = new Client(
                    new RecordingConnection(1, "alice"),
                    hub,
                    256,
                    TransportConfig.defaults().writeWait(),
                    METRICS);
            bob = new Client(
                    new RecordingConnection(2, "bob"),
                    hub,
                    256,
                    TransportConfig.defaults().writeWait(),
                    METRICS);
            uninterrupted(() -> hub.register(alice));
            hub.handleQueued();
            uninterrupted(() -> hub.broadcast("line")); // in the inbox before the race starts
        }

        @Actor
        public void bobsReader() {
            uninterrupted(() -> hub.register(bob));
        }

        @Actor
        public void hubThread() {
            hub.handleQueued();
        }

        private interface Put {
            void run() throws InterruptedException;
        }

        /** A put into the hub's inbox; it never waits here (the inbox has room), so it is never interrupted. */
        private static void uninterrupted(Put put) {
            try {
                put.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Arbiter
        public void seen(L_Result r) {
            hub.handleQueued();
            List<String> queued = bob.outbox().pending();
            StringBuilder seen = new StringBuilder();
            for (String frame : queued) {
                seen.append(seen.isEmpty() ? "" : ",")
                        .append(frame.startsWith("{\"type\":\"welcome\"") ? "welcome" : frame);
            }
            r.r1 = seen.toString();
        }
    }
}
