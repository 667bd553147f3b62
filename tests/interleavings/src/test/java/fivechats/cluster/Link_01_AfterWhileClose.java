package fivechats.cluster;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import fivechats.transport.CloseCode;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * The stream reader asks the cluster's link to end alice once the model has read past her last line
 * ({@link ClusterLink#after}) at the moment the server shuts the link ({@link ClusterLink#close}). Her ending must run
 * exactly once: never, and her reader and writer threads outlive her, with nobody left to read the link; twice, and
 * the model is told twice that she left. {@code close} runs what is queued; {@code after} looks again once it has
 * queued, and takes back and runs an action that the close's drain missed.
 *
 * <p>Explored only (an interleaving test, not a jcstress one). Fails with the second look in {@code after} removed
 * (the {@code if (closed && inbound.remove(action))} after the put): "broke in interleaving 9 ... Outcome 0: Alice's
 * ending never ran" (issue 28, finding 7).
 */
public class Link_01_AfterWhileClose {
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "Alice's ending ran once.")
    @Outcome(
            id = "0",
            expect = FORBIDDEN,
            desc = "Alice's ending never ran: queued behind a close that had already drained.")
    @Outcome(expect = FORBIDDEN, desc = "Alice's ending ran twice.")
    @Description("An ending is queued on the cluster's link as the link closes. Broken twin caught: after() without"
            + " its second look (the ending stranded behind the close).")
    @State
    public static class Ending {
        private final ClusterLink link = new ClusterLink();
        private final AtomicInteger ended = new AtomicInteger();

        @Actor
        public void reader() {
            try {
                link.after(ended::incrementAndGet);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Actor
        public void shutdown() {
            link.close(CloseCode.SHUTDOWN, "server shutting down");
        }

        @Arbiter
        public void ends(I_Result r) {
            r.r1 = ended.get();
        }
    }
}
