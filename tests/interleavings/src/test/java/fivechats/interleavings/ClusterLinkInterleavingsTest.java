package fivechats.interleavings;

import fivechats.cluster.Link_01_AfterWhileClose;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.I_Result;

/** The cluster's link (chapter 12): a local client's ending, queued as the server shuts the link. */
class ClusterLinkInterleavingsTest {
    /** Twin: named in the scenario's header (the second look in {@code ClusterLink.after} removed). */
    @Test
    void endingWhileClose() {
        Exploration.holds(
                "cluster",
                Link_01_AfterWhileClose.Ending.class,
                I_Result.class,
                (s, r) -> s.reader(),
                (s, r) -> s.shutdown());
    }
}
