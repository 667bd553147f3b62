package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.ClusterConfig;
import fivechats.transport.TransportConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/** Servers on one Redis, for the cluster tests: each named by a letter (A, B, C...), each stopped by {@link #close()}. */
final class ClusterRig implements AutoCloseable {
    /** Skips a test where redis-server is not installed, except in CI, where it must run. */
    static void requireRedis() {
        // Required where a skip would pass for a result: on CI, and when the run asks for the cluster tests by name
        // (-Dtest=ClusterTest..., chapter 12's checks), which would otherwise run nothing and end green.
        boolean required = System.getenv("CI") != null
                || Boolean.getBoolean("fivechats.requireRedis")
                || System.getProperty("test", "").contains("Cluster");
        if (required) {
            assertTrue(
                    RedisServer.installed(),
                    "the cluster tests need " + RedisServer.BINARY + ": " + RedisServer.INSTALL);
        }
        Assumptions.assumeTrue(
                RedisServer.installed(),
                "redis-server not installed (" + RedisServer.INSTALL + "): cluster test skipped");
    }

    private final RedisServer redis;
    private final ClusterConfig.Mode mode;
    private final List<ChatServer> servers = new ArrayList<>();

    ClusterRig(RedisServer redis, ClusterConfig.Mode mode) {
        this.redis = redis;
        this.mode = mode;
    }

    /** Starts one more server, named by the next letter, running the model {@code factory} builds. */
    ChatServer start(Supplier<ChatModel> factory) throws Exception {
        return start(factory, redis.uri());
    }

    /** Starts one more server that reaches Redis at {@code broker} (a {@link BrokerProxy}'s address, say). */
    ChatServer start(Supplier<ChatModel> factory, URI broker) throws Exception {
        return start(factory, broker, TransportConfig.defaults().withPort(0));
    }

    /** Starts one more server with this transport configuration (allowed origins, say). */
    ChatServer start(Supplier<ChatModel> factory, URI broker, TransportConfig config) throws Exception {
        String node = String.valueOf((char) ('A' + servers.size()));
        ChatServer server = ChatServer.newServer(config, factory.get(), ClusterConfig.of(broker.toString(), mode, node))
                .start();
        servers.add(server);
        return server;
    }

    static String flag(ClusterConfig.Mode mode) {
        return mode.name().toLowerCase();
    }

    /** The chat address of server {@code index}, for a client called {@code name}. */
    URI chat(int index, String name) {
        return servers.get(index).chatUri(name);
    }

    ChatServer server(int index) {
        return servers.get(index);
    }

    @Override
    public void close() {
        servers.forEach(ChatServer::shutdown);
    }
}
