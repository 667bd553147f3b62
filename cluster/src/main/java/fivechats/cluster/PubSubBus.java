package fivechats.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The naive bus, and what most tutorials show: PUBLISH each line, SUBSCRIBE to everyone's, and deliver a local line to
 * local clients at once, without waiting for the broker.
 *
 * <p>It breaks in three ways, each shown by the cluster tests:
 * <ul>
 *   <li><b>at most once</b>: Redis keeps no copy of a published message. While a server's subscription is down (a
 *       network blip, a killed connection, Lettuce reconnecting), every line published is gone for its clients;</li>
 *   <li><b>no common order</b>: a local line skips the broker, so two servers' clients see two senders' lines in two
 *       different orders;</li>
 *   <li>Redis pushes whether or not this server keeps up: a full {@link ClusterLink} drops and counts
 *       ({@code chat_cluster_dropped_total}), since a Lettuce listener runs on Netty's event loop and must not block.</li>
 * </ul>
 */
final class PubSubBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(PubSubBus.class);
    static final String CHANNEL = "fivechats:chat";

    private final Cluster cluster;
    private final StatefulRedisConnection<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final ClusterMetrics metrics;
    /**
     * What Redis pushed between {@link #listen()} and {@link #start()}, while the server read who is online: kept, and
     * heard after that snapshot, so a leave pushed meanwhile still removes a client the snapshot lists. At most {@link
     * ClusterLink#CAPACITY}, like the link; more is dropped and counted. Null once started. Written under {@link
     * #startLock}, which the listener takes only while joining (once started it sees null and never takes it).
     */
    private volatile List<String> early = new ArrayList<>();

    private final Object startLock = new Object();

    PubSubBus(
            Cluster cluster,
            RedisClient client,
            StatefulRedisConnection<String, String> commands,
            ClusterMetrics metrics) {
        this.cluster = cluster;
        this.commands = commands;
        this.metrics = metrics;
        // A subscribed connection can do nothing else, so it is a connection of its own.
        this.subscriber = client.connectPubSub(StringCodec.UTF8, cluster.uri("subscriber"));
    }

    @Override
    public CompletableFuture<Void> publish(Envelope envelope) {
        return commands.async()
                .publish(CHANNEL, envelope.encode())
                .toCompletableFuture()
                .thenApply(receivers -> null);
    }

    @Override
    public boolean throughBroker() {
        return false;
    }

    // snippet:pubsub-listen
    @Override
    public void listen() {
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) { // on Lettuce's event loop: never block here
                if (early != null) {
                    synchronized (startLock) { // held by start() only while it hands over what came early
                        if (early != null) {
                            if (early.size() < ClusterLink.CAPACITY) {
                                early.add(message);
                                metrics.clusterHeardWhileJoining();
                            } else {
                                metrics.clusterDropped(); // Redis pushes, and this listener must not wait
                            }
                            return;
                        }
                    }
                }
                hear(message);
            }
        });
        subscriber.sync().subscribe(CHANNEL); // Lettuce subscribes again by itself after a reconnect
    }
    // end-snippet

    /** Hands over, in the order Redis pushed them, what came while joining; from then on the listener hands over. */
    @Override
    public void start() {
        synchronized (startLock) {
            early.forEach(this::hear);
            early = null;
        }
    }

    private void hear(String message) {
        Envelope envelope;
        try {
            envelope = Envelope.decode(message);
        } catch (RuntimeException notAnEnvelope) { // another program's PUBLISH on the channel, or a newer version's
            metrics.clusterBadEntry();
            log.warn("skipped a message on {} that is not an envelope: {}", CHANNEL, notAnEnvelope.toString());
            return;
        }
        try {
            cluster.heard(envelope, null, this::offer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // offer never waits, so this cannot happen
        }
    }

    @Override
    public void died(String instance) throws InterruptedException {
        metrics.deathNoticed(); // buried at once: the next beat no longer knows it
        cluster.bury(instance, this::offer);
    }

    /** A full link drops the frame and counts it: the listener runs on Lettuce's event loop, which must not wait. */
    private void offer(String frame) {
        if (!cluster.clusterLink().offer(frame)) {
            metrics.clusterDropped();
        }
    }

    @Override
    public void close() {
        subscriber.close();
    }
}
