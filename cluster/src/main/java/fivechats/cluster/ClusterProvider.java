package fivechats.cluster;

import fivechats.transport.ChatMetrics;
import fivechats.transport.ClusterConfig;
import fivechats.transport.Relay;

/**
 * How the transport finds this module: named in {@code META-INF/services/fivechats.transport.Relay$Provider}, so a
 * server started with {@code --broker} joins a cluster when this jar is on the class path, and a model's own jar
 * carries no Redis client.
 */
public final class ClusterProvider implements Relay.Provider {
    @Override
    public Relay join(ClusterConfig config, String defaultNode, ChatMetrics metrics) {
        return Cluster.join(config, defaultNode, metrics);
    }
}
