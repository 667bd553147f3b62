package fivechats.channelhub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.jcstress.RecordingConnection;
import fivechats.transport.ChatMetrics;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Alice's reader hands the hub a line while bob's reader hands it bob's registration.
 *
 * <p>Readers never touch the registry: they put events into the hub's inbox, and the hub (here the arbiter,
 * playing the hub thread) handles them one at a time. Either order is fine: bob gets his welcome and then
 * alice's line, or the line went out before he joined. Nothing else may happen. There is no broken form of
 * this topic: it shows the handoff holding under a race.
 * Result: what is queued for bob, in order.
 *
 * <p>Run just this topic: {@code mvn verify -pl tests/jcstress -am -Djcstress.tests=Handoff_01}
 *
 * <p>Observed in the thorough run (-m quick), JDK 25.0.3, 2 CPUs (AMD EPYC):
 * <pre>
 *   Hub
 *           RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          welcome  7,604,444   65.76%  Acceptable  Alice's line went out before bob joined.
 *     welcome,line  3,958,830   34.24%  Acceptable  Bob joined first, then alice's line reached him.
 * </pre>
 */
public class Handoff_01_RegisterWhileBroadcast {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();

    @JCStressTest
    @Outcome(id = "welcome,line", expect = ACCEPTABLE, desc = "Bob joined first, then alice's line reached him.")
    @Outcome(id = "welcome", expect = ACCEPTABLE, desc = "Alice's line went out before bob joined.")
    @Outcome(expect = FORBIDDEN, desc = "Bob saw a line before his welcome, twice, or nothing: the handoff broke.")
    @State
    public static class Hub {
        private final ChannelHub hub = new ChannelHub(256);
        private final Client alice;
        private final Client bob;

        public Hub() {
            hub.attach(METRICS);
            alice = new Client(new RecordingConnection(1, "alice"), hub, 256, METRICS);
            bob = new Client(new RecordingConnection(2, "bob"), hub, 256, METRICS);
            uninterrupted(() -> hub.register(alice));
            hub.handleQueued();
        }

        @Actor
        public void alicesReader() {
            uninterrupted(() -> hub.broadcast("line"));
        }

        @Actor
        public void bobsReader() {
            uninterrupted(() -> hub.register(bob));
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
        public void hubThread(L_Result r) {
            hub.handleQueued();
            List<String> queued = bob.outbox().pending();
            StringBuilder seen = new StringBuilder();
            for (String frame : queued) {
                seen.append(seen.isEmpty() ? "" : ",").append(frame.startsWith("{\"type\":\"welcome\"") ? "welcome" : frame);
            }
            r.r1 = seen.toString();
        }
    }
}
