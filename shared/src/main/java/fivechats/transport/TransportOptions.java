package fivechats.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The transport's flags, the same for every model: each one's name, help and default are written here once, and
 * {@code --help}, shared/README's flag list (checked by a test) and {@link #config()} all come from it. A default
 * is the field's starting value, taken from {@link TransportConfig}'s constants, and {@code --help} shows it as
 * {@code ${DEFAULT-VALUE}} (written the way the flag is typed: {@code 10s}, not {@code PT10S}; see
 * {@link Launcher}).
 */
public final class TransportOptions {
    @Option(
            names = "--port",
            paramLabel = "N",
            order = 1,
            description = "TCP port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port = TransportConfig.DEFAULT_PORT;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            order = 2,
            description = "address to listen on (default ${DEFAULT-VALUE})")
    String host = TransportConfig.DEFAULT_HOST;

    @Option(
            names = "--max-message-bytes",
            paramLabel = "N",
            order = 3,
            description = "largest chat line a client may send (default ${DEFAULT-VALUE})")
    int maxMessageBytes = TransportConfig.DEFAULT_MAX_MESSAGE_BYTES;

    @Option(
            names = "--write-wait",
            paramLabel = "D",
            order = 4,
            description = "time allowed for one write, e.g. 10s or 500ms (default ${DEFAULT-VALUE})")
    Duration writeWait = TransportConfig.DEFAULT_WRITE_WAIT;

    @Option(
            names = "--pong-wait",
            paramLabel = "D",
            order = 5,
            description = "close a client silent this long (default ${DEFAULT-VALUE})")
    Duration pongWait = TransportConfig.DEFAULT_PONG_WAIT;

    @Option(
            names = "--ping-period",
            paramLabel = "D",
            order = 6,
            description = "ping every D; must be shorter than pong-wait (default "
                    + TransportConfig.PING_TENTHS_OF_PONG_WAIT + "/10 of pong-wait)")
    Duration pingPeriod; // null: follows --pong-wait

    @Option(
            names = "--allow-origin",
            paramLabel = "LIST",
            split = ",",
            order = 7,
            description = "extra browser origins allowed, comma-separated (default: same origin only)")
    List<String> allowOrigin = new ArrayList<>();

    @Option(
            names = "--shutdown-grace",
            paramLabel = "D",
            order = 8,
            description = "time to flush and close on shutdown (default ${DEFAULT-VALUE})")
    Duration shutdownGrace = TransportConfig.DEFAULT_SHUTDOWN_GRACE;

    @Option(
            names = "--header-timeout",
            paramLabel = "D",
            order = 9,
            description = "time a new connection has to send its request head (default ${DEFAULT-VALUE})")
    Duration headerTimeout = TransportConfig.DEFAULT_HEADER_TIMEOUT;

    @Option(
            names = "--race-window",
            paramLabel = "D",
            order = 10,
            description =
                    "teaching aid: hold each write (not send) open up to D for a rival writer, so unsafe models break "
                            + "every time (default ${DEFAULT-VALUE}, off)")
    Duration raceWindow = TransportConfig.DEFAULT_RACE_WINDOW;

    @Option(
            names = "--detector",
            paramLabel = "MODE",
            order = 11,
            description = "a second concurrent writer is refused (refuse, the default) or only counted and logged, "
                    + "so Jetty alone decides what happens (report)")
    TransportConfig.Detector detector = TransportConfig.Detector.REFUSE;

    @Option(
            names = "--broker",
            paramLabel = "URI",
            order = 12,
            description = "join a cluster through this Redis, e.g. redis://127.0.0.1:6379 (default: none, this "
                    + "server runs alone)")
    String broker;

    @Option(
            names = "--broker-mode",
            paramLabel = "MODE",
            order = 13,
            description = "with --broker: pubsub (naive, at most once) or streams (the default: every line once, "
                    + "one order on every server)")
    ClusterConfig.Mode brokerMode;

    @Option(
            names = "--node",
            paramLabel = "NAME",
            order = 14,
            description = "with --broker: this server's name (default HOST:PORT)")
    String node;

    /** The transport's configuration these flags ask for; the record's own checks name what is wrong. */
    public TransportConfig config() {
        TransportConfig config = TransportConfig.defaults()
                .withHost(host)
                .withPort(port)
                .withMaxMessageBytes(maxMessageBytes)
                .withWriteWait(writeWait)
                .withPongWait(pongWait)
                .withAllowedOrigins(allowOrigin)
                .withShutdownGrace(shutdownGrace)
                .withHeaderTimeout(headerTimeout)
                .withRaceWindow(raceWindow)
                .withDetector(detector);
        return pingPeriod == null ? config : config.withPingPeriod(pingPeriod);
    }

    /** Null without {@code --broker}: the server runs alone, and the other two cluster flags are refused. */
    public ClusterConfig cluster() {
        if (broker == null) {
            if (brokerMode != null || node != null) {
                throw new IllegalArgumentException("--broker-mode and --node need --broker redis://HOST:PORT");
            }
            return null;
        }
        return ClusterConfig.of(broker, brokerMode == null ? ClusterConfig.Mode.STREAMS : brokerMode, node);
    }
}
