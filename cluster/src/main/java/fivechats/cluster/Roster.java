package fivechats.cluster;

import fivechats.transport.Wire;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is online across the cluster, and who has died. Each server keeps, in Redis, a hash of its clients (read by
 * servers that start later) and a heartbeat key that expires after {@link #NODE_TTL}; it renews the key every
 * {@link #HEARTBEAT}. A server that dies without a goodbye (SIGKILL, a pulled cable) stops renewing, and every other
 * server announces its clients as left.
 *
 * <p>Invariant: <b>a client is known by its server's run and its connection id</b>, never by its name (names need not
 * be unique), and joins and leaves are idempotent. That is what makes the start-up snapshot and the bus safe to overlap.
 */
final class Roster {
    private static final Logger log = LoggerFactory.getLogger(Roster.class);

    /** How often a server says it is alive. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** Three missed heartbeats, so a garbage-collection pause or a short broker blip does not bury a live server. */
    static final Duration NODE_TTL = HEARTBEAT.multipliedBy(3);

    static final String NODES = "fivechats:nodes";

    private final String node;
    private final String instance;
    private final StatefulRedisConnection<String, String> commands;
    private final ClusterMetrics metrics;
    private final RemoteClients remote = new RemoteClients();
    /** This server's clients, told again to the others if they buried this server during a long blip. */
    private final Map<Long, String> local = new ConcurrentHashMap<>();

    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(runnable ->
            Thread.ofPlatform().name("cluster-heartbeat").daemon(true).unstarted(runnable));
    /** Heartbeat thread only: false until the first beat has registered this server. */
    private boolean beaten;
    /** The times this server came back after the others had buried it; written by the heartbeat thread only. */
    private volatile long epoch;

    Roster(String node, String instance, StatefulRedisConnection<String, String> commands, ClusterMetrics metrics) {
        this.node = node;
        this.instance = instance;
        this.commands = commands;
        this.metrics = metrics;
    }

    RemoteClients remote() {
        return remote;
    }

    /** The snapshot at start: the clients of every live server. A server that died while nobody was looking is removed. */
    void learnWhoIsOnline() {
        RedisCommands<String, String> redis = commands.sync();
        for (String other : redis.smembers(NODES)) {
            if (redis.exists(nodeKey(other)) == 0) {
                forgetInRedis(other);
                continue;
            }
            redis.hgetall(presenceKey(other)).forEach((conn, name) -> remote.join(other, Long.parseLong(conn), name));
        }
        metrics.remoteClients(remote.size());
    }

    /**
     * Starts the heartbeat. The bus hears of each server whose key has expired (at every beat until it is buried), so
     * it can bury it in its own order; {@code announce} tells the others about a local client again.
     */
    void start(Bus bus, BiConsumer<Long, String> announce) {
        heartbeat.scheduleWithFixedDelay(() -> beat(bus, announce), 0, HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stamped on every envelope this server sends: see {@link Envelope}. */
    long epoch() {
        return epoch;
    }

    void joined(long conn, String name) {
        local.put(conn, name);
        commands.async().hset(presenceKey(instance), Long.toString(conn), name);
    }

    void left(long conn) {
        local.remove(conn);
        commands.async().hdel(presenceKey(instance), Long.toString(conn));
    }

    /**
     * One beat: renews this server's key and checks every other server's, <b>in one round trip</b>, whatever the
     * number of servers. The renewal and the checks go out together and the beat waits for all their replies, so a slow
     * link puts the next renewal one round trip late, not one per server: checked one after the other, a link 500 ms
     * late each way made a beat take 3 s with one other server, the node TTL, and the server found itself buried.
     */
    private void beat(Bus bus, BiConsumer<Long, String> announce) {
        try {
            RedisCommands<String, String> redis = commands.sync();
            List<String> others = List.copyOf(remote.instances());
            long patience = commands.getTimeout().toNanos(); // as long as a command of the sync API would wait
            RedisFuture<String> renewal =
                    commands.async().setGet(nodeKey(instance), "alive", SetArgs.Builder.px(NODE_TTL));
            List<RedisFuture<Long>> alive = others.stream()
                    .map(other -> commands.async().exists(nodeKey(other)))
                    .toList();
            String was = LettuceFutures.awaitOrCancel(renewal, patience, TimeUnit.NANOSECONDS);
            if (beaten && was == null) { // away longer than the TTL: the others have buried this server
                metrics.heartbeatLapsed();
                log.warn(
                        "node {} was away from the broker longer than {}: telling its {} clients again",
                        node,
                        NODE_TTL,
                        local.size());
                epoch++; // first: the joins told again are new joins, not copies the others would drop
                redis.sadd(NODES, instance); // the burial took it out: servers that start later must find it
                local.forEach((conn, name) -> {
                    commands.async().hset(presenceKey(instance), Long.toString(conn), name);
                    announce.accept(conn, name);
                });
            }
            if (!beaten) {
                redis.sadd(NODES, instance);
                beaten = true;
            }
            for (int i = 0; i < others.size(); i++) {
                if (LettuceFutures.awaitOrCancel(alive.get(i), patience, TimeUnit.NANOSECONDS) == 0) {
                    bus.died(others.get(i));
                }
            }
        } catch (RedisException e) {
            log.warn("heartbeat of node {} failed, trying again in {}: {}", node, HEARTBEAT, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A server that stopped its heartbeat: its clients are announced as left, and its keys are removed. */
    void bury(String other, Cluster.Handoff model) throws InterruptedException {
        List<String> names = remote.forget(other);
        log.warn(
                "node {} stopped its heartbeat {} ago or more: announcing its {} clients as left",
                other,
                NODE_TTL,
                names.size());
        for (String name : names) {
            model.deliver(Wire.leave(name));
        }
        metrics.remoteClients(remote.size());
        forgetInRedis(other);
    }

    private void forgetInRedis(String other) {
        commands.async().del(presenceKey(other));
        commands.async().srem(NODES, other);
    }

    /** Stops the heartbeat and removes this server's keys, so nobody has to wait for them to expire. */
    CompletableFuture<Void> goodbye() {
        heartbeat.shutdownNow();
        return CompletableFuture.allOf(
                commands.async().del(nodeKey(instance), presenceKey(instance)).toCompletableFuture(),
                commands.async().srem(NODES, instance).toCompletableFuture());
    }

    private static String nodeKey(String instance) {
        return "fivechats:node:" + instance;
    }

    private static String presenceKey(String instance) {
        return "fivechats:presence:" + instance;
    }
}
