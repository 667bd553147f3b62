/**
 * Scale-out: several server processes share one conversation through a Redis server. Started with
 * {@code --broker redis://HOST:PORT}; without it nothing in this package runs.
 *
 * <p>No model changes for it. The model sees one more connection, the {@link fivechats.transport.cluster.ClusterLink},
 * which speaks for every client on the other servers: its lines are theirs, its joins and leaves are theirs. The
 * transport hands each local client's lines and presence to the broker. Two buses, naive and fixed, side by side:
 * {@link fivechats.transport.cluster.PubSubBus} (at most once) and {@link fivechats.transport.cluster.StreamBus}
 * (every line, once, in one order on every server). Chapter 12 tells the story.
 */
package fivechats.transport.cluster;
