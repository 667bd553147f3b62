package fivechats.transport;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Every limit and timing of the transport, each with its reason. The defaults follow gorilla's chat
 * example; tests shrink the timings to seconds. Flags on the command line override them (see
 * {@link TransportOptions}).
 *
 * @param host              the address to listen on; loopback by default, so a learner's chat is not on the network
 * @param port              the TCP port; 0 picks a free one (tests do)
 * @param maxMessageBytes   the largest chat line a client may send; larger frames are closed with 1009
 * @param writeWait         how long one write may take; a client that cannot take a frame in time is
 *                          disconnected rather than allowed to hold a writer forever
 * @param pongWait          how long a client may go without answering a ping before it is closed
 * @param pingPeriod        how often the server pings; shorter than pongWait so a live client always has a
 *                          ping to answer before its deadline
 * @param maxOutgoingFrames Jetty's per-connection outgoing frame queue: the writer's frames plus pongs, pings
 *                          and the close frame. Bounded: Jetty queues up to this many and refuses the next
 *                          ({@code WritePendingException}), so a client that stops reading costs bounded memory
 * @param allowedOrigins    extra browser origins allowed to connect; the page's own origin is always allowed
 * @param shutdownGrace     how long shutdown waits for the model to flush and for clients to close
 * @param raceWindow        for teaching and tests, zero in production: each {@code write} that takes the
 *                          single-send slot alone holds it open this long, or until a second thread tries to
 *                          write the same connection ({@code send}, the outboxes' and lanes' call, never waits). A model
 *                          that lets two threads write to one connection then trips the detector every time,
 *                          instead of once in a while
 * @param headerTimeout     how long a new connection may take to send its whole request head (the upgrade, or a
 *                          page request); a client that dribbles its headers a byte at a time (slowloris) would
 *                          otherwise hold a socket forever, since each byte resets Jetty's idle timeout
 * @param detector          what the concurrent-write detector does with a second writer: {@code REFUSE} it (the
 *                          default, gorilla's rule: the write fails and its frame is lost), or only {@code REPORT}
 *                          it (count it, name both threads, and send anyway), so what Jetty itself does with
 *                          overlapping sends can be seen
 */
public record TransportConfig(
        String host,
        int port,
        int maxMessageBytes,
        Duration writeWait,
        Duration pongWait,
        Duration pingPeriod,
        int maxOutgoingFrames,
        List<String> allowedOrigins,
        Duration shutdownGrace,
        Duration raceWindow,
        Duration headerTimeout,
        Detector detector) {

    /** What the transport does when a second thread writes to a connection during a write. */
    public enum Detector {
        /** Refuse the second write with an IllegalStateException; its frame is not sent. Stricter than Jetty. */
        REFUSE,
        /** Count it and name both threads, then send anyway: Jetty alone decides (queue, refuse, reorder). */
        REPORT
    }

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    /** One chat line; a screenful of text, small enough that a flood of lines stays cheap. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4096;
    /** gorilla's writeWait. */
    public static final Duration DEFAULT_WRITE_WAIT = Duration.ofSeconds(10);
    /** gorilla's pongWait. */
    public static final Duration DEFAULT_PONG_WAIT = Duration.ofSeconds(60);
    /** gorilla's pingPeriod: 9/10 of pongWait, so a live client always has a ping to answer before its deadline. */
    public static final int PING_TENTHS_OF_PONG_WAIT = 9;

    public static final Duration DEFAULT_PING_PERIOD = pingPeriodFor(DEFAULT_PONG_WAIT);
    /** Enough for one data frame, a ping, a pong and a close with room to spare; never a backlog. */
    public static final int DEFAULT_MAX_OUTGOING_FRAMES = 8;
    /** Long enough to flush a 256-line queue to a healthy client, short enough for a Ctrl-C. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** Ten seconds for a request head of a few hundred bytes: generous on any network, short for an attacker. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /** Off: writes never wait for a rival. */
    public static final Duration DEFAULT_RACE_WINDOW = Duration.ZERO;

    public TransportConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
        Objects.requireNonNull(detector, "detector");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("max message bytes must be positive, was " + maxMessageBytes);
        }
        if (pingPeriod.compareTo(pongWait) >= 0) {
            throw new IllegalArgumentException("ping period (" + pingPeriod + ") must be shorter than pong wait ("
                    + pongWait + "), or a live client could be timed out before it is pinged");
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("header timeout must be positive, was " + headerTimeout);
        }
        if (raceWindow.isNegative()) {
            throw new IllegalArgumentException("race window must not be negative, was " + raceWindow);
        }
        if (maxOutgoingFrames < 2) {
            throw new IllegalArgumentException("max outgoing frames must be at least 2 (a frame and a ping)");
        }
    }

    public static TransportConfig defaults() {
        return new TransportConfig(
                DEFAULT_HOST,
                DEFAULT_PORT,
                DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_WRITE_WAIT,
                DEFAULT_PONG_WAIT,
                DEFAULT_PING_PERIOD,
                DEFAULT_MAX_OUTGOING_FRAMES,
                List.of(),
                DEFAULT_SHUTDOWN_GRACE,
                DEFAULT_RACE_WINDOW,
                DEFAULT_HEADER_TIMEOUT,
                Detector.REFUSE);
    }

    public TransportConfig withPort(int newPort) {
        return edit(c -> c.port = newPort);
    }

    public TransportConfig withHost(String newHost) {
        return edit(c -> c.host = newHost);
    }

    public TransportConfig withMaxMessageBytes(int bytes) {
        return edit(c -> c.maxMessageBytes = bytes);
    }

    public TransportConfig withWriteWait(Duration wait) {
        return edit(c -> c.writeWait = wait);
    }

    /** Sets pongWait and pingPeriod together, keeping gorilla's ratio ({@link #pingPeriodFor}). */
    public TransportConfig withPongWait(Duration wait) {
        return edit(c -> {
            c.pongWait = wait;
            c.pingPeriod = pingPeriodFor(wait);
        });
    }

    /** The ping period that goes with a pong wait: {@link #PING_TENTHS_OF_PONG_WAIT} tenths of it. */
    public static Duration pingPeriodFor(Duration pongWait) {
        return pongWait.multipliedBy(PING_TENTHS_OF_PONG_WAIT).dividedBy(10);
    }

    public TransportConfig withPingPeriod(Duration period) {
        return edit(c -> c.pingPeriod = period);
    }

    public TransportConfig withAllowedOrigins(List<String> origins) {
        return edit(c -> c.allowedOrigins = origins);
    }

    public TransportConfig withRaceWindow(Duration window) {
        return edit(c -> c.raceWindow = window);
    }

    public TransportConfig withHeaderTimeout(Duration timeout) {
        return edit(c -> c.headerTimeout = timeout);
    }

    public TransportConfig withDetector(Detector mode) {
        return edit(c -> c.detector = mode);
    }

    public TransportConfig withShutdownGrace(Duration grace) {
        return edit(c -> c.shutdownGrace = grace);
    }

    /** A copy with some fields changed; the record's checks run on the result. */
    private TransportConfig edit(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /** A mutable copy, so that each {@code with...} names only the field it changes. */
    private static final class Copy {
        String host;
        int port;
        int maxMessageBytes;
        Duration writeWait;
        Duration pongWait;
        Duration pingPeriod;
        int maxOutgoingFrames;
        List<String> allowedOrigins;
        Duration shutdownGrace;
        Duration raceWindow;
        Duration headerTimeout;
        Detector detector;

        Copy(TransportConfig c) {
            host = c.host;
            port = c.port;
            maxMessageBytes = c.maxMessageBytes;
            writeWait = c.writeWait;
            pongWait = c.pongWait;
            pingPeriod = c.pingPeriod;
            maxOutgoingFrames = c.maxOutgoingFrames;
            allowedOrigins = c.allowedOrigins;
            shutdownGrace = c.shutdownGrace;
            raceWindow = c.raceWindow;
            headerTimeout = c.headerTimeout;
            detector = c.detector;
        }

        TransportConfig build() {
            return new TransportConfig(
                    host,
                    port,
                    maxMessageBytes,
                    writeWait,
                    pongWait,
                    pingPeriod,
                    maxOutgoingFrames,
                    allowedOrigins,
                    shutdownGrace,
                    raceWindow,
                    headerTimeout,
                    detector);
        }
    }
}
