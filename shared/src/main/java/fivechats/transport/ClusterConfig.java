package fivechats.transport;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * How this server joins a cluster: {@code --broker redis://HOST:PORT}, {@code --broker-mode pubsub|streams},
 * {@code --node NAME}.
 *
 * @param broker the Redis server every node talks to
 * @param mode   which bus carries the lines: the naive one or the fixed one
 * @param node   this server's name in logs, in Redis's client list and in metrics; null: host and port
 */
public record ClusterConfig(URI broker, Mode mode, String node) {
    /** A node name goes into Redis keys and envelopes, so it is kept to characters that need no escaping. */
    public static final Pattern NODE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    public enum Mode {
        /** Naive: PUBLISH and SUBSCRIBE. At most once: a line published while a subscription is down is gone. */
        PUBSUB,
        /** Fixed: a capped Redis Stream read from the last id delivered. Once, in order, the same order everywhere. */
        STREAMS
    }

    public ClusterConfig {
        if (!"redis".equals(broker.getScheme()) || broker.getHost() == null) {
            throw new IllegalArgumentException("--broker must look like redis://127.0.0.1:6379, was '" + broker + "'");
        }
        if (node != null && !NODE.matcher(node).matches()) {
            throw new IllegalArgumentException(
                    "--node must be 1-64 characters of A-Z a-z 0-9 _ . : -, was '" + node + "'");
        }
    }

    /** Reads the three flags' values: the broker's address as typed, checked and turned into a URI. */
    public static ClusterConfig of(String broker, Mode mode, String node) {
        try {
            return new ClusterConfig(URI.create(broker), mode, node);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    e.getMessage().startsWith("--")
                            ? e.getMessage()
                            : "--broker must look like redis://127.0.0.1:6379, was '" + broker + "'");
        }
    }
}
