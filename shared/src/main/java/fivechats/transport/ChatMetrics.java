package fivechats.transport;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The server's numbers, served as Prometheus text on {@code GET /metrics}. One registry per server, so
 * tests that run several servers in one JVM never mix their counts.
 *
 * <p>The transport counts what it sees (connections, lines in and out, concurrent writes, timeouts);
 * a model reports what only it knows (queued messages, drops, evictions).
 */
public final class ChatMetrics {
    /**
     * The JVM's own numbers (jvm_memory_used_bytes{area="heap"}, jvm_threads_current, GC, ...), from the Prometheus
     * client's instrumentation, registered once per JVM and served by every server in it. Once, because registering
     * them adds a listener to every garbage collector that is never removed: one registry per server would leak a
     * registry per server (the race suite starts hundreds) and slow every GC down.
     */
    private static final PrometheusRegistry JVM = jvmRegistry();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Gauge connections = Gauge.builder()
            .name("chat_connections")
            .help("WebSocket connections open right now")
            .register(registry);
    private final Counter messagesIn = Counter.builder()
            .name("chat_messages_in_total")
            .help("Chat lines received from clients")
            .register(registry);
    private final Counter messagesOut = Counter.builder()
            .name("chat_messages_out_total")
            .help("Frames written to clients")
            .register(registry);
    private final Gauge queued = Gauge.builder()
            .name("chat_queued_messages")
            .help("Frames waiting in the model's queues")
            .register(registry);
    private final Counter dropped = Counter.builder()
            .name("chat_dropped_messages_total")
            .help("Frames the model dropped by its stated policy (for example a full queue)")
            .register(registry);
    private final Counter evictions = Counter.builder()
            .name("chat_evictions_total")
            .help("Clients closed with 1008 because they could not keep up")
            .register(registry);
    private final Counter concurrentWrites = Counter.builder()
            .name("chat_concurrent_writes_total")
            .help("Writes refused because another thread was writing to the same connection")
            .register(registry);
    private final Counter jettyRefusals = Counter.builder()
            .name("chat_jetty_refused_writes_total")
            .help("Sends Jetty itself refused (WritePendingException: more sends at once than maxOutgoingFrames)")
            .register(registry);
    private final Counter writeAttempts = Counter.builder()
            .name("chat_write_attempts_total")
            .help("Writes a model asked for that have ended: sent, refused or failed (so lost = attempts - out)")
            .register(registry);
    private final Counter writeFailures = Counter.builder()
            .name("chat_write_failures_total")
            .help("Writes that failed: timed out, refused by Jetty or to a closed connection")
            .register(registry);
    private final Counter headerTimeouts = Counter.builder()
            .name("chat_header_timeouts_total")
            .help("Connections closed because their request head did not arrive within the header timeout")
            .register(registry);
    private final Counter heartbeatTimeouts = Counter.builder()
            .name("chat_heartbeat_timeouts_total")
            .help("Clients closed because no pong came within pongWait")
            .register(registry);
    private final Counter rejectedUpgrades = Counter.builder()
            .name("chat_rejected_upgrades_total")
            .help("WebSocket upgrades refused (bad name, foreign origin, starting, shutting down)")
            .labelNames("status")
            .register(registry);

    ChatMetrics(IntSupplier registered, IntSupplier modelThreads, IntSupplier modelThreadDeaths) {
        CounterWithCallback.builder()
                .name("chat_model_thread_deaths_total")
                .help("Model threads that ended with an exception")
                .callback(cb -> cb.call(modelThreadDeaths.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chat_registered_clients")
                .help("Clients in the model's registry")
                .callback(cb -> cb.call(registered.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chat_model_threads")
                .help("Live threads the model started, virtual threads included")
                .callback(cb -> cb.call(modelThreads.getAsInt()))
                .register(registry);
    }

    private static PrometheusRegistry jvmRegistry() {
        PrometheusRegistry jvm = new PrometheusRegistry();
        JvmMetrics.builder().register(jvm);
        return jvm;
    }

    /**
     * Where a part that runs beside the transport (the cluster, with {@code --broker}) registers its own numbers, so
     * that {@code /metrics} serves them with the server's.
     */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Metrics not attached to a server, for driving a model's classes directly (the jcstress tests do). */
    public static ChatMetrics standalone() {
        return new ChatMetrics(() -> 0, () -> 0, () -> 0);
    }

    // --- reported by the model -------------------------------------------------------------------

    /** A model queued ({@code +n}) or dequeued ({@code -n}) frames. */
    public void queued(int delta) {
        queued.inc(delta);
    }

    public void dropped() {
        dropped.inc();
    }

    public void evicted() {
        evictions.inc();
    }

    // --- counted by the transport ----------------------------------------------------------------

    void connectionOpened() {
        connections.inc();
    }

    void connectionClosed() {
        connections.dec();
    }

    void messageIn() {
        messagesIn.inc();
    }

    void messageOut() {
        messagesOut.inc();
    }

    void messagesOut(int frames) {
        messagesOut.inc(frames);
    }

    /**
     * The last overlap the detector saw (naming both threads: the first thing to read when it trips) and the writes
     * around it (that overlap's own, rendered when asked: the steps after it keep coming). One field, so the two
     * always match.
     */
    private volatile LastOverlap lastOverlap = new LastOverlap("none", () -> "none");

    private record LastOverlap(String who, Supplier<String> steps) {}

    void concurrentWrite(String who, Supplier<String> steps) {
        concurrentWrites.inc();
        lastOverlap = new LastOverlap(who, steps);
    }

    /** Jetty refused a send: the steps around it replace the last overlap's, which led to it. */
    void jettyRefused(String who, Supplier<String> steps) {
        jettyRefusals.inc();
        lastOverlap = new LastOverlap(who, steps);
    }

    void writeFailed() {
        writeFailures.inc();
    }

    void writeEnded() {
        writeAttempts.inc();
    }

    void headerTimedOut() {
        headerTimeouts.inc();
    }

    void heartbeatTimedOut() {
        heartbeatTimeouts.inc();
    }

    void upgradeRejected(int status) {
        rejectedUpgrades.labelValues(Integer.toString(status)).inc();
    }

    // --- read by tests and /metrics --------------------------------------------------------------

    public long connections() {
        return (long) connections.get();
    }

    public long messagesIn() {
        return messagesIn.getLongValue();
    }

    public long messagesOut() {
        return messagesOut.getLongValue();
    }

    public long queuedMessages() {
        return (long) queued.get();
    }

    public long droppedMessages() {
        return dropped.getLongValue();
    }

    public long evictions() {
        return evictions.getLongValue();
    }

    public long concurrentWrites() {
        return concurrentWrites.getLongValue();
    }

    /** Writes that have ended, whatever their fate: a test waits for this count, not for a quiet moment. */
    public long writeAttempts() {
        return writeAttempts.getLongValue();
    }

    /** Which two threads met on which connection, the last time the detector saw an overlap (or Jetty refused a send). */
    public String lastOverlap() {
        return lastOverlap.who();
    }

    /**
     * The last overlap and the writes to its connection around it (numbered, in the order the threads took, met and
     * gave back its single-send slot; "none" before the first), read together: while writers go on, two reads could
     * see two overlaps.
     */
    public Overlap lastOverlapSeen() {
        LastOverlap last = lastOverlap;
        return new Overlap(last.who(), last.steps().get());
    }

    /** An overlap: which two threads met on which connection, and the writes around it, numbered. */
    public record Overlap(String who, String steps) {}

    public long jettyRefusals() {
        return jettyRefusals.getLongValue();
    }

    public long writeFailures() {
        return writeFailures.getLongValue();
    }

    public long headerTimeouts() {
        return headerTimeouts.getLongValue();
    }

    public long heartbeatTimeouts() {
        return heartbeatTimeouts.getLongValue();
    }

    public String contentType() {
        return writer.getContentType();
    }

    public void writeTo(OutputStream out) throws IOException {
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        registry.scrape().forEach(all::metricSnapshot);
        JVM.scrape().forEach(all::metricSnapshot);
        writer.write(out, all.build());
    }
}
