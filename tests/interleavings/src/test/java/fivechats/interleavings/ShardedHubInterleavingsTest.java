package fivechats.interleavings;

import fivechats.shardedhub.Presence_02_TwoJoins;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.infra.results.II_Result;

/** Assignment A's reference solution: a join's welcome, its join to everyone and its arrival in a shard, as one step. */
class ShardedHubInterleavingsTest {
    /** Twin: the scenario's own, named in its header (the membership lock replaced by a lock of its own). */
    @Test
    void twoJoinsHearOfEachOther() {
        Exploration.holds(
                "sharded-hub (reference)",
                Presence_02_TwoJoins.Hub.class,
                II_Result.class,
                (s, r) -> s.bobsReader(),
                (s, r) -> s.carolsReader());
    }
}
