package fivechats.interleavings;

import fivechats.channelhub.Handoff_01_RegisterWhileBroadcast;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.L_Result;

/** Chapter 7: the hub thread alone touches the registry; a reader only hands it events. */
class ChannelHubInterleavingsTest {
    /** Twin: the scenario's own, named in its {@code @Description}. */
    @Test
    void hubOwnsTheRegistry() {
        Exploration.holds(
                "channel-hub single",
                Handoff_01_RegisterWhileBroadcast.Hub.class,
                L_Result.class,
                (s, r) -> s.bobsReader(),
                (s, r) -> s.hubThread());
    }
}
