package fivechats.cluster;

import fivechats.transport.History;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed bus: every envelope is appended to one capped Redis Stream, and each server reads it from the last id it
 * handed to its model. The stream is the cluster's one history, so:
 * <ul>
 *   <li><b>no line is lost to a blip</b>: after a reconnect, XREAD asks for what came after the last id, and the
 *       stream still has it (up to {@link #MAX_LENGTH} entries behind);</li>
 *   <li><b>no line is delivered twice</b>: Lettuce resends a command that was on the wire when its connection
 *       broke, so an XADD can land twice; a receiver keeps each sender's last {@code seq} and drops what is not newer;</li>
 *   <li><b>one order everywhere</b>: a local line, too, reaches local clients only through the stream.</li>
 * </ul>
 *
 * <p>Invariant: <b>only the reader thread hands envelopes to the model</b>, in stream order, and it is the only thread
 * that touches {@link #lastHeard}; a server found dead is buried by it too, after everything that server published.
 */
final class StreamBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(StreamBus.class);
    static final String STREAM = "fivechats:stream";
    /** About a minute of a busy chat: a server away longer than that finds lines trimmed, and counts the gaps. */
    static final long MAX_LENGTH = 100_000;
    /** How long one XREAD waits for news; also how long a death or a close waits at most to be noticed. */
    static final Duration BLOCK = Duration.ofSeconds(1);
    /** A failed read is tried again after this pause: long enough not to spin, short enough that a blip stays one. */
    static final Duration READ_RETRY = Duration.ofMillis(100);
    /** Entries per XREAD: enough to catch up quickly, few enough that one read is a small allocation. */
    static final int COUNT = 512;
    /** How long an append is resent through reconnects before its sender is told the broker is unavailable. */
    static final Duration RESEND_FOR = Duration.ofSeconds(10);
    /** A broken connection's resends are this far apart: Lettuce reconnects in a few milliseconds. */
    private static final Executor RESEND_PAUSE = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS);
    /** A leave that Redis refused is tried again this often: an error reply lasts as long as its cause (seconds, often). */
    private static final Executor REFUSED_PAUSE = CompletableFuture.delayedExecutor(250, TimeUnit.MILLISECONDS);
    /** Senders remembered for dropping duplicates: a resend comes within seconds, long before this many others spoke. */
    static final int SENDERS = 100_000;

    private final Cluster cluster;
    private final StatefulRedisConnection<String, String> commands;
    /** XREAD BLOCK holds its connection until it returns, so the reader has one of its own. */
    private final StatefulRedisConnection<String, String> reader;

    private final ClusterMetrics metrics;
    /**
     * Each sender's newest seq and epoch handed to the model, kept after its leave and its server's burial (a resent
     * line may come after either), the longest unheard forgotten first. Reader thread only.
     */
    private final Map<String, Last> lastHeard = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Last> eldest) {
            return size() > SENDERS;
        }
    };

    /** What {@link #lastHeard} keeps of a sender: its newest seq, and the epoch of its newest join. */
    private record Last(long seq, long joined) {}
    /** Each sender's newest append, which its next one waits for; removed after its leave. */
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    /**
     * Servers the heartbeat found dead, each with the stream's newest id when it did: the reader buries one once it
     * has read that far, since everything the dead server published came before.
     */
    private final Map<String, String> dead = new ConcurrentHashMap<>();

    private String lastId;
    /** Reads failed in a row: the reader logs the first of an outage only. Reader thread only. */
    private int failedReads;

    private volatile boolean closed;
    private Thread thread;

    StreamBus(
            Cluster cluster,
            RedisClient client,
            StatefulRedisConnection<String, String> commands,
            ClusterMetrics metrics) {
        this.cluster = cluster;
        this.commands = commands;
        this.metrics = metrics;
        this.reader = client.connect(StringCodec.UTF8, cluster.uri("stream-reader"));
    }

    /**
     * Appends one envelope, after the same sender's previous one. When a connection breaks, Lettuce fails the command
     * at the head of its queue ("Connection reset") and resends the others: so this bus resends a failed append itself,
     * and a sender's envelopes wait for each other, or a resent line could land after the next one, or after its leave.
     */
    @Override
    public CompletableFuture<Void> publish(Envelope envelope) {
        CompletableFuture<Void> appended = tails.compute(
                envelope.sender(),
                (sender, previous) -> (previous == null
                                ? CompletableFuture.<Void>completedFuture(null)
                                : previous.exceptionally(failed -> null))
                        .thenCompose(ready -> append(envelope, System.nanoTime() + RESEND_FOR.toNanos())));
        if (envelope.kind() == Envelope.Kind.LEAVE) {
            appended.whenComplete((ok, failure) -> tails.remove(envelope.sender(), appended));
        }
        return appended;
    }

    private CompletableFuture<Void> append(Envelope envelope, long deadline) {
        return commands.async()
                .xadd(STREAM, XAddArgs.Builder.maxlen(MAX_LENGTH).approximateTrimming(), "e", envelope.encode())
                .toCompletableFuture()
                .<Void>thenApply(id -> null)
                .exceptionallyCompose(failure -> {
                    boolean broken = brokenConnection(failure);
                    // A leave is tried until it lands, whatever Redis answered (NOREPLICAS, OOM, READONLY after a
                    // failover): the others would list the client forever without it. A line is not: its sender is
                    // told.
                    boolean leave = envelope.kind() == Envelope.Kind.LEAVE;
                    if (closed || !(broken || leave) || (!leave && System.nanoTime() > deadline)) {
                        return CompletableFuture.failedFuture(failure);
                    }
                    metrics.clusterResent(); // if the first one landed after all, receivers drop the copy by its seq
                    // After a pause: until Lettuce notices the broken connection, a command fails at once, again and
                    // again.
                    Executor pause = broken ? RESEND_PAUSE : REFUSED_PAUSE;
                    return CompletableFuture.runAsync(() -> {}, pause)
                            .thenCompose(paused -> append(envelope, deadline));
                });
    }

    /** A broken connection is worth a resend (Lettuce reconnects); an error Redis answered is not. */
    private static boolean brokenConnection(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof RedisConnectionException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean throughBroker() {
        return true;
    }

    /** This server hears what comes after the stream's newest entry now; what came before was before its time. */
    @Override
    public void listen() {
        lastId = newestId();
        cluster.clusterLink().linesFrom(lastId);
    }

    @Override
    public void start() {
        thread = Thread.ofPlatform().name("cluster-stream").daemon(true).start(this::run);
    }

    // snippet:stream-reader
    private void run() {
        try {
            while (!closed) {
                List<StreamMessage<String, String>> batch = read();
                for (StreamMessage<String, String> entry : batch) {
                    Envelope envelope = decodeOrSkip(entry);
                    if (envelope != null && fresh(envelope)) {
                        cluster.heard(
                                envelope,
                                entry.getId(),
                                cluster.clusterLink()
                                        ::put); // waits while the model is behind: the stream keeps the rest
                    }
                    lastId = entry.getId(); // handed over: a reconnect resumes after it
                }
                // Past the stream's newest entry when its death was noticed: whatever the dead server published has
                // been handed over. Not "this read was short": under steady traffic every read is full, and a short
                // read may be older than the death (its hand-over waited on a full link).
                for (Map.Entry<String, String> death : dead.entrySet()) {
                    if (after(lastId, death.getValue())) {
                        String instance = death.getKey();
                        dead.remove(instance); // its senders stay in lastHeard: a line it resends must still be a copy
                        cluster.bury(instance, cluster.clusterLink()::put);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    // end-snippet

    /**
     * The entry's envelope, or null for an entry this version did not write (another program's XADD, a half-written
     * entry, a kind from a newer version): counted, logged and skipped, since <b>one bad entry must not silence the
     * cluster</b> (the reader is the only thread that delivers, local lines included).
     */
    private Envelope decodeOrSkip(StreamMessage<String, String> entry) {
        try {
            return Envelope.decode(entry.getBody().get("e"));
        } catch (RuntimeException notAnEnvelope) {
            metrics.clusterBadEntry();
            log.warn("skipped stream entry {}, which is not an envelope: {}", entry.getId(), notAnEnvelope.toString());
            return null;
        }
    }

    // xread's varargs of one StreamOffset<String>: a generic array the compiler cannot check
    @SuppressWarnings("unchecked")
    private List<StreamMessage<String, String>> read() throws InterruptedException {
        try {
            List<StreamMessage<String, String>> batch = reader.sync()
                    .xread(XReadArgs.Builder.block(BLOCK).count(COUNT), XReadArgs.StreamOffset.from(STREAM, lastId));
            failedReads = 0;
            return batch;
        } catch (RedisException e) {
            if (!closed) { // the connection broke, or Redis answered an error; the next XREAD resumes after lastId
                if (failedReads++ == 0) { // once per outage: a long one would fill the log ten lines a second
                    log.warn(
                            "reading the stream failed, reading again from {} every {} ms until it works: {}",
                            lastId,
                            READ_RETRY.toMillis(),
                            e.getMessage());
                }
                metrics.clusterReadFailed();
                // An error answered at once (LOADING while Redis loads its data, WRONGTYPE) would spin a core here.
                Thread.sleep(READ_RETRY);
            }
            return List.of();
        }
    }

    /**
     * False for an envelope this server has already handed over: a duplicate from a resent XADD. Every kind carries
     * a seq (a join 0, the lines 1, 2, ..., a leave the largest), so one rule drops a repeated join, line or leave.
     * A join from a newer epoch than the sender's last join is new: its server was buried by the others and tells its
     * clients again. Judged by the epoch of the last <em>join</em>, not of the last line: a line sent just after the
     * server came back carries the new epoch too, and may land before the join told again. Nothing after a sender's
     * leave is new (a join told again just as its client left would make a ghost). A jump in a line's seq is a gap:
     * lines trimmed from the stream while this server was away; it is counted, and the line is delivered.
     */
    // snippet:fresh
    private boolean fresh(Envelope envelope) {
        Last last = lastHeard.get(envelope.sender());
        boolean join = envelope.kind() == Envelope.Kind.JOIN;
        boolean toldAgain =
                last != null && join && envelope.epoch() > last.joined() && last.seq() != Envelope.LEAVE_SEQ;
        if (last != null && envelope.seq() <= last.seq() && !toldAgain) {
            metrics.clusterDuplicate();
            return false;
        }
        if (last != null && envelope.kind() == Envelope.Kind.CHAT && envelope.seq() > last.seq() + 1) {
            metrics.clusterGap(envelope.seq() - last.seq() - 1);
        }
        long joined = join ? envelope.epoch() : last == null ? -1 : last.joined();
        lastHeard.put(
                envelope.sender(),
                new Last(last == null ? envelope.seq() : Math.max(last.seq(), envelope.seq()), joined));
        return true;
    }
    // end-snippet

    /**
     * What a client that reconnects with {@code since} missed, read from the stream when it connects. <b>Continuity
     * is proven by the client's own last line</b>: if that entry is still in the stream, nothing after it was trimmed
     * (Redis trims the oldest first). If it is older than the oldest entry, the lines after it that are left are sent
     * and the gap is said; if it is neither (Redis restarted empty, an id from elsewhere), nothing can be known.
     * At most {@link #REPLAY_MAX} entries are read; the link keeps the newer ones ({@link Cluster#resume}).
     */
    @Override
    public History history(String since) {
        try {
            if (xrange(Range.create(since, since), 1).isEmpty()) {
                List<StreamMessage<String, String>> oldest = xrange(Range.create("-", "+"), 1);
                if (oldest.isEmpty() || after(since, oldest.getFirst().getId())) {
                    return History.unknown(
                            since,
                            "position " + since + " is not in this cluster's stream (Redis"
                                    + " restarted, or the id came from elsewhere): what you missed cannot be known");
                }
                return read(since, "history trimmed: the stream no longer holds the lines right after " + since);
            }
            return read(since, null);
        } catch (Exception e) { // interrupted, timed out, or an error reply: the client chats on without its lines
            metrics.clusterReadFailed();
            return History.unknown(
                    since, "the broker did not answer (" + e.getMessage() + "): what you missed cannot" + " be sent");
        }
    }

    /** Entries a resume reads from the stream at most, about ten seconds of a busy chat; newer ones, from the link. */
    static final int REPLAY_MAX = 10_000;
    /** How long a reconnecting client's upgrade waits for the stream's answer. */
    static final Duration HISTORY_WAIT = Duration.ofSeconds(2);

    private History read(String since, String gap) throws Exception {
        List<StreamMessage<String, String>> entries =
                xrange(Range.from(Range.Boundary.excluding(since), Range.Boundary.unbounded()), REPLAY_MAX);
        List<String> lines = new java.util.ArrayList<>();
        Map<String, Long> newest = new java.util.HashMap<>(); // a resent XADD's copy is dropped, as fresh() does
        for (StreamMessage<String, String> entry : entries) {
            Envelope envelope = decodeOrSkip(entry);
            if (envelope != null
                    && envelope.kind() == Envelope.Kind.CHAT
                    && newest.getOrDefault(envelope.sender(), 0L) < envelope.seq()) {
                newest.put(envelope.sender(), envelope.seq());
                lines.add(fivechats.transport.Wire.withId(envelope.body(), entry.getId()));
            }
        }
        return new History(
                since, lines, entries.isEmpty() ? since : entries.getLast().getId(), gap);
    }

    private List<StreamMessage<String, String>> xrange(Range<String> range, int count) throws Exception {
        return commands.async()
                .xrange(STREAM, range, Limit.from(count))
                .toCompletableFuture()
                .get(HISTORY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The heartbeat's thread, at every beat until the burial: the first notice's newest id is the one kept. */
    @Override
    public void died(String instance) {
        if (!dead.containsKey(instance) && dead.putIfAbsent(instance, newestId()) == null) {
            metrics.deathNoticed();
        }
    }

    private String newestId() {
        List<StreamMessage<String, String>> newest =
                commands.sync().xrevrange(STREAM, Range.create("-", "+"), Limit.from(1));
        return newest.isEmpty() ? "0-0" : newest.getFirst().getId();
    }

    /** Whether stream id {@code a} ("millis-seq") is at or after {@code b}. */
    static boolean after(String a, String b) {
        return fivechats.transport.Wire.compareIds(a, b) >= 0;
    }

    @Override
    public void close() {
        closed = true;
        reader.close(); // a blocked XREAD fails at once instead of waiting out its block
        if (thread != null) {
            try {
                thread.join(BLOCK.multipliedBy(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
