/**
 * Scale-out: several server processes share one conversation through a Redis server. Started with
 * {@code --broker redis://HOST:PORT}; without it the transport does not look for this module,
 * and a model's jar does not carry it: the transport finds it on the class path ({@link fivechats.cluster.ClusterProvider})
 * and talks to it through one seam, {@link fivechats.transport.Relay}.
 *
 * <p>No model changes for it. The model sees one more connection, the {@link fivechats.cluster.ClusterLink},
 * which speaks for every client on the other servers: its lines are theirs, its joins and leaves are theirs. The
 * transport hands each local client's lines and presence to {@link fivechats.cluster.Cluster}, which passes them to
 * the broker. Two buses, naive and fixed, side by side:
 * {@link fivechats.cluster.PubSubBus} (at most once) and {@link fivechats.cluster.StreamBus}
 * (every line, once, in one order on every server). Chapter 12 tells the story.
 */
package fivechats.cluster;
