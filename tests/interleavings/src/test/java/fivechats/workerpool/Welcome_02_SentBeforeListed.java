package fivechats.workerpool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * In a cluster, bob joins this server while the cluster's link passes on carol's join from another server, and a
 * worker is free. Bob must learn of carol once: listed in his welcome, or joined after it.
 *
 * <p>The transport completes a welcome <i>as it sends it</i>, with the other servers' clients the model has been told
 * of so far (chapter 12). So a welcome that goes out before bob is in the pool's {@code members} can be written before
 * the link's reader takes carol's join, and that join's broadcast, which takes no lock, can then walk the members
 * without bob: he never hears of carol. The fixed pool's joiner therefore holds bob's lane (its drain token) until he
 * is published, and only then lets a worker send the welcome.
 *
 * <p>The link's reader here does what the real one does, in its order: the link marks carol as told (as
 * {@code ClusterLink.take} does), then the model broadcasts her join. Bob's connection renders his welcome from that
 * mark when it is written, and drops a join his welcome already listed, as the transport does
 * ({@code WebSocketConnection.forThisClient} and {@code wants}).
 *
 * <p>Explored only (an interleaving test, not a jcstress one: the window is a few instructions wide). Fails with
 * {@code delivery.open(self)} removed from {@code WorkerPool.join} and the lane made with its token free ({@code
 * scheduled = false} in {@code Lane}'s field), the order the pool had before: "Outcome welcome: Bob never hears of
 * carol" (issue 28, finding 5).
 */
public class Welcome_02_SentBeforeListed {
    private static final ChatMetrics METRICS = ChatMetrics.standalone();
    private static final String CAROL_JOINS = Wire.join("carol");

    @Outcome(
            id = "welcome(carol)",
            expect = ACCEPTABLE,
            desc = "Carol was told before bob's welcome went out: it lists her.")
    @Outcome(
            id = "welcome,join carol",
            expect = ACCEPTABLE,
            desc = "Bob's welcome went out first; her join followed it.")
    @Outcome(
            id = "welcome",
            expect = FORBIDDEN,
            desc = "Bob never hears of carol: his welcome went out before she was"
                    + " told, and her join's broadcast missed him, not yet listed.")
    @Outcome(expect = FORBIDDEN, desc = "Bob heard of carol twice, or got no welcome.")
    @Description("Fixed: bob joins while the cluster's link passes on carol's join and a worker is free. Broken twin"
            + " caught: a lane that a worker may drain before its member is published (welcome without carol, no"
            + " join).")
    @State
    public static class Fixed {
        private final WorkerPool pool = new WorkerPool(WorkerPool.Variant.FIXED, 1, Duration.ZERO);
        private final Rendering bob = new Rendering();

        public Fixed() {
            pool.attach(METRICS);
        }

        @Actor
        public void bobsReader() {
            pool.register(bob);
        }

        @Actor
        public void linkReader() {
            bob.carolTold = true; // what ClusterLink.take does as the model takes her join from the link
            pool.broadcast(CAROL_JOINS);
        }

        @Actor
        public void worker() {
            pool.runOneTask(); // bob's lane, if it is queued yet
        }

        @Arbiter
        public void seen(L_Result r) {
            while (pool.runOneTask()) {
                // the workers deliver what is left
            }
            r.r1 = String.join(",", bob.seen);
        }
    }

    /** Bob's end of the transport, as far as this story needs it: the welcome completed as it is written. */
    static final class Rendering implements ChatConnection {
        volatile boolean carolTold;
        private boolean welcomeListedCarol;
        // written by one drain at a time (the lane's token), read by the arbiter
        final List<String> seen = new ArrayList<>();

        @Override
        public void write(String frame) {
            if (Wire.isWelcome(frame)) {
                welcomeListedCarol = carolTold;
                seen.add(welcomeListedCarol ? "welcome(carol)" : "welcome");
            } else if (!(frame.equals(CAROL_JOINS) && welcomeListedCarol)) { // toldBefore: the welcome counted it
                seen.add(frame.equals(CAROL_JOINS) ? "join carol" : frame);
            }
        }

        @Override
        public long id() {
            return 2;
        }

        @Override
        public String name() {
            return "bob";
        }

        @Override
        public String remoteAddress() {
            return "memory";
        }

        @Override
        public String read() throws ClosedConnectionException {
            throw new ClosedConnectionException("bob's reader is the actor");
        }

        @Override
        public String poll() {
            return null;
        }

        @Override
        public void close(CloseCode code, String reason) {}

        @Override
        public boolean isOpen() {
            return true;
        }
    }
}
