package fivechats.cluster;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The cluster's numbers, registered with the server's own ({@code ChatMetrics.registry()}), so {@code /metrics} serves
 * them beside the transport's. They exist only on a server started with {@code --broker}.
 */
public final class ClusterMetrics {
    private final Counter clusterPublished;
    private final Counter clusterHeard;
    private final Counter clusterHeardWhileJoining;
    private final Counter clusterDuplicates;
    private final Counter clusterGaps;
    private final Counter clusterResent;
    private final Counter clusterDropped;
    private final Counter clusterPublishFailures;
    private final Counter clusterReadFailures;
    private final Counter clusterBadEntries;
    private final Counter heartbeatLapses;
    private final Counter deathsNoticed;
    private final Gauge remoteClients;

    ClusterMetrics(PrometheusRegistry registry) {
        clusterPublished = Counter.builder()
                .name("chat_cluster_published_total")
                .help("Lines, joins and leaves this server handed to the broker")
                .register(registry);
        clusterHeard = Counter.builder()
                .name("chat_cluster_heard_total")
                .help("Lines, joins and leaves heard from the broker (this server's own included)")
                .register(registry);
        clusterHeardWhileJoining = Counter.builder()
                .name("chat_cluster_heard_while_joining_total")
                .help("Envelopes pub/sub pushed before this server had read who is online: kept, and heard after that")
                .register(registry);
        clusterDuplicates = Counter.builder()
                .name("chat_cluster_duplicates_total")
                .help("Envelopes heard twice (a resent XADD) and dropped")
                .register(registry);
        clusterGaps = Counter.builder()
                .name("chat_cluster_gap_lines_total")
                .help("Lines missing from the stream (trimmed while this server was away)")
                .register(registry);
        clusterResent = Counter.builder()
                .name("chat_cluster_resent_total")
                .help("Appends to the stream sent again after a broken broker connection failed them")
                .register(registry);
        clusterDropped = Counter.builder()
                .name("chat_cluster_dropped_total")
                .help("Frames from the broker dropped because the model was behind (pub/sub only)")
                .register(registry);
        clusterPublishFailures = Counter.builder()
                .name("chat_cluster_publish_failures_total")
                .help("Lines, joins and leaves the broker did not take: 'queue full' (Redis was away and the"
                        + " client's queue of waiting commands was full) or 'failed' (an error, a timeout)")
                .labelNames("reason")
                .register(registry);
        clusterReadFailures = Counter.builder()
                .name("chat_cluster_read_failures_total")
                .help("Stream reads that failed (a broken broker connection), each followed by a read from the last id")
                .register(registry);
        clusterBadEntries = Counter.builder()
                .name("chat_cluster_bad_entries_total")
                .help("Stream entries and pub/sub messages that were not an envelope of this version (another"
                        + " program's, a newer kind): skipped")
                .register(registry);
        heartbeatLapses = Counter.builder()
                .name("chat_cluster_heartbeat_lapses_total")
                .help("Heartbeats that found this server's own key expired: it was paused or cut off longer than the"
                        + " node TTL, so the others may have announced its clients as left (a false alarm if it"
                        + " never died)")
                .register(registry);
        deathsNoticed = Counter.builder()
                .name("chat_cluster_deaths_noticed_total")
                .help("Other servers whose heartbeat this server found stopped (each counted once, when first"
                        + " noticed; its clients are announced as left once the stream has been read up to that"
                        + " moment)")
                .register(registry);
        remoteClients = Gauge.builder()
                .name("chat_cluster_remote_clients")
                .help("Clients online on the other servers of the cluster")
                .register(registry);
    }

    void clusterPublished() {
        clusterPublished.inc();
    }

    void clusterHeard() {
        clusterHeard.inc();
    }

    void clusterHeardWhileJoining() {
        clusterHeardWhileJoining.inc();
    }

    public long clusterHeardWhileJoiningCount() {
        return clusterHeardWhileJoining.getLongValue();
    }

    void clusterDuplicate() {
        clusterDuplicates.inc();
    }

    void clusterGap(long lines) {
        clusterGaps.inc(lines);
    }

    void clusterResent() {
        clusterResent.inc();
    }

    public long clusterResends() {
        return clusterResent.getLongValue();
    }

    void clusterDropped() {
        clusterDropped.inc();
    }

    void clusterPublishFailed(boolean queueFull) {
        clusterPublishFailures.labelValues(queueFull ? "queue full" : "failed").inc();
    }

    /** Publishes refused at once because the commands waiting for the broker had filled the client's queue. */
    public long clusterPublishesRefusedQueueFull() {
        return clusterPublishFailures.labelValues("queue full").getLongValue();
    }

    void clusterReadFailed() {
        clusterReadFailures.inc();
    }

    void clusterBadEntry() {
        clusterBadEntries.inc();
    }

    public long clusterBadEntries() {
        return clusterBadEntries.getLongValue();
    }

    void heartbeatLapsed() {
        heartbeatLapses.inc();
    }

    public long heartbeatLapses() {
        return heartbeatLapses.getLongValue();
    }

    void deathNoticed() {
        deathsNoticed.inc();
    }

    public long deathsNoticed() {
        return deathsNoticed.getLongValue();
    }

    void remoteClients(int count) {
        remoteClients.set(count);
    }

    public long clusterDuplicates() {
        return clusterDuplicates.getLongValue();
    }

    public long clusterDroppedFrames() {
        return clusterDropped.getLongValue();
    }

    public long clusterReadFailures() {
        return clusterReadFailures.getLongValue();
    }

    public long remoteClientCount() {
        return (long) remoteClients.get();
    }
}
