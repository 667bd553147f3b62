package fivechats.transport;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The one seam between the transport and a cluster: the way a client's arrival, its lines and its leaving reach the
 * model. {@link #ALONE}, a server on its own, hands every line straight to the model and does nothing else. With
 * {@code --broker} the relay is the cluster module's ({@code cluster/}, looked up on the class path only then): it passes
 * lines and presence through Redis, and gives the model one more connection that speaks for the other servers'
 * clients. Nothing else in the transport knows which of the two it serves.
 */
public interface Relay {
    /** One server on its own: the transport as it is without {@code --broker}. */
    Relay ALONE = new Alone();

    /** The model's one extra connection, accepted before the first client: the cluster's link; empty alone. */
    Optional<ChatConnection> link();

    /**
     * True when a client's line reaches the model only through the broker, so all servers see one order. Then the
     * client's first frame is read only once the model has welcomed it, and its end reaches the model from the broker
     * ({@link #left}), after its last line.
     */
    boolean throughBroker();

    /** A client is open, and the model is about to accept it. */
    void joined(long conn, String name);

    /**
     * A client sent {@code line} (its {@code seq}th). The relay hands it to this server's model with {@code toModel}
     * (false: dropped after all, the client is being evicted), or to the broker, or both.
     *
     * @return null when the model's taking the line lets the client's next frame be read (the connection sees to
     *         that); otherwise a future that completes once the broker has the line, or fails if it cannot take it
     */
    CompletableFuture<Void> line(long conn, long seq, String line, Predicate<String> toModel);

    /** A client is gone; {@code endOfLines} lets the model see it (at once, or once the broker has its last line). */
    void left(long conn, String name, Runnable endOfLines);

    /** What a client that reconnects with {@code /chat?since=ID} missed, read at its upgrade. */
    History history(String since);

    /**
     * The welcome a newcomer is sent instead of the model's {@code modelWelcome}, the position it speaks for (see
     * {@link #hides}), and for a client that resumes, what goes out right after it.
     */
    Welcome welcome(String you, String modelWelcome, History resuming);

    /** True for a frame from the model that a client welcomed at {@code position} must not get. */
    boolean hides(String frame, long position);

    /** Adds what {@code GET /stats} shows of the relay. */
    void addStats(Map<String, Object> stats);

    /** The server stops: after the clients' leaves, before the model's threads are awaited. */
    void close();

    /** See {@link #welcome}. */
    record Welcome(String frame, long position, Replay replay) {}

    /**
     * A relay that joins a cluster, found with {@link java.util.ServiceLoader} when a server is started with
     * {@code --broker}: the cluster module provides one.
     */
    interface Provider {
        /**
         * Connects to the broker and joins the cluster.
         *
         * @param defaultNode the node's name when {@code --node} is not given: the server's host and port
         * @throws RuntimeException when the broker cannot be reached
         */
        Relay join(ClusterConfig config, String defaultNode, ChatMetrics metrics);
    }
}
