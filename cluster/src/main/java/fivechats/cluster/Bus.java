package fivechats.cluster;

import fivechats.transport.History;
import java.util.concurrent.CompletableFuture;

/** How envelopes travel between the servers of a cluster: the one thing the naive and the fixed form do differently. */
interface Bus {
    /** Sends one envelope to every server of the cluster, this one included; completes when the broker has it. */
    CompletableFuture<Void> publish(Envelope envelope);

    /**
     * True if a local client's lines reach even its own server's clients only through the broker. Slower by one hop,
     * but then every client on every server sees the lines in one order, the broker's.
     */
    boolean throughBroker();

    /** From now on, nothing published is missed; nothing is handed over before {@link #start()}. */
    void listen();

    /** Hands what it hears to {@link Cluster#heard}, in the broker's order, on the bus's own thread. */
    void start();

    /** The heartbeat found this server dead: announce its clients as left, after anything it published before. */
    void died(String instance) throws InterruptedException;

    /** What a client that reconnects with {@code since} missed, as far as this bus keeps a history: see {@link History}. */
    default History history(String since) {
        return History.unknown(
                since, "this cluster's bus (pubsub) keeps no history: resuming needs --broker-mode streams");
    }

    void close();
}
