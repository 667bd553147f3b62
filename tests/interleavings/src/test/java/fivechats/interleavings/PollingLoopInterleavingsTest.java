package fivechats.interleavings;

import fivechats.pollingloop.Confinement_01_AcceptDuringPass;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.II_Result;

/** Chapter 3: Jetty's thread only hands a new client over; the loop thread alone touches its clients. */
class PollingLoopInterleavingsTest {
    /** Twin: the scenario's own, named in its {@code @Description}. */
    @Test
    void loopOwnsItsClients() {
        Exploration.holds(
                "polling-loop single",
                Confinement_01_AcceptDuringPass.Loop.class,
                II_Result.class,
                (s, r) -> s.jetty(),
                (s, r) -> s.loopThread());
    }
}
