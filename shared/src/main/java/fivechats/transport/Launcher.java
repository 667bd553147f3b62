package fivechats.transport;

import fivechats.transport.cluster.ClusterConfig;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The {@code main} of every model: parse flags, start the server, print {@code listening on URL}, and on
 * Ctrl-C or SIGTERM shut down gracefully and exit 0.
 *
 * <pre>
 *   public static void main(String[] args) {
 *       Launcher.run("channel-hub", "  --send-queue N   frames queued per client (default 256)\n", args,
 *               flags -> new ChannelHub(flags.integer("send-queue", 256)));
 *   }
 * </pre>
 */
public final class Launcher {
    private static final Logger log = LoggerFactory.getLogger(Launcher.class);

    public static final String TRANSPORT_FLAGS = """
              --port N                 TCP port (default 8080; 0 picks a free one)
              --host ADDRESS           address to listen on (default 127.0.0.1)
              --max-message-bytes N    largest chat line a client may send (default 4096)
              --write-wait D           time allowed for one write, e.g. 10s (default 10s)
              --pong-wait D            close a client silent this long (default 60s)
              --ping-period D          ping every D; must be shorter than pong-wait (default 9/10 of pong-wait)
              --allow-origin LIST      extra browser origins allowed, comma-separated (default: same origin only)
              --shutdown-grace D       time to flush and close on shutdown (default 5s)
              --header-timeout D       time a new connection has to send its request head (default 10s)
              --race-window D          teaching aid: hold each write open up to D for a rival writer, so
                                       unsafe models break every time (default 0, off)
              --detector MODE          a second concurrent writer is refused (refuse, the default) or only
                                       counted and logged, so Jetty alone decides what happens (report)
              --broker URI             join a cluster through this Redis, e.g. redis://127.0.0.1:6379
                                       (default: none, this server runs alone)
              --broker-mode MODE       with --broker: pubsub (naive, at most once) or streams (the default:
                                       every line once, one order on every server)
              --node NAME              with --broker: this server's name (default HOST:PORT)
            """;

    private Launcher() {
    }

    /**
     * @param model     the model's name, for messages
     * @param modelHelp the model's own flags, formatted like {@link #TRANSPORT_FLAGS}, or "" if it has none
     * @param factory   builds the model from the flags it reads
     */
    public static void run(String model, String modelHelp, String[] args, Function<Flags, ChatModel> factory) {
        ChatServer server;
        try {
            Flags flags = Flags.parse(args);
            if (flags.has("help")) {
                System.out.println(usage(model, modelHelp));
                return;
            }
            TransportConfig config = transportConfig(flags);
            ClusterConfig cluster = clusterConfig(flags);
            ChatModel chat = factory.apply(flags);
            flags.rejectUnknown();
            server = ChatServer.newServer(config, chat, cluster);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage(model, modelHelp));
            System.exit(2);
            return;
        }
        try {
            server.start();
        } catch (Exception e) {
            System.err.println("error: cannot start " + model + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        // sun.misc.Signal, not a shutdown hook: a hook runs while the JVM is already exiting with status 143;
        // handling the signal lets the server stop in order and the process exit 0.
        Signal.handle(new Signal("INT"), signal -> Thread.ofPlatform().name("shutdown").start(server::shutdown));
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("shutdown").start(server::shutdown));
        log.info("{} started: {}", model, server.model());
        System.out.println("listening on " + server.httpUri());
        server.awaitStopped();
        System.out.println("stopped");
        System.exit(0);
    }

    /**
     * Reads the flags exactly as {@link #run} does and builds the model, but starts nothing. The tutorial's test
     * calls it on every {@code java -jar} command a chapter quotes, so a renamed flag breaks the build, not a learner.
     *
     * @throws IllegalArgumentException with the message {@code run} would print
     */
    public static ChatModel check(String[] args, Function<Flags, ChatModel> factory) {
        Flags flags = Flags.parse(args);
        transportConfig(flags);
        clusterConfig(flags);
        ChatModel chat = factory.apply(flags);
        flags.rejectUnknown();
        return chat;
    }

    static TransportConfig transportConfig(Flags flags) {
        TransportConfig d = TransportConfig.defaults();
        var pongWait = flags.duration("pong-wait", d.pongWait());
        var pingPeriod = flags.duration("ping-period", pongWait.multipliedBy(9).dividedBy(10));
        return new TransportConfig(
                flags.string("host", d.host()),
                flags.integer("port", d.port()),
                flags.integer("max-message-bytes", d.maxMessageBytes()),
                flags.duration("write-wait", d.writeWait()),
                pongWait,
                pingPeriod,
                d.maxOutgoingFrames(),
                flags.list("allow-origin"),
                flags.duration("shutdown-grace", d.shutdownGrace()),
                flags.duration("race-window", d.raceWindow()),
                flags.duration("header-timeout", d.headerTimeout()),
                detector(flags.string("detector", "refuse")));
    }

    /** Null without {@code --broker}: the server runs alone, and the other two flags are refused. */
    static ClusterConfig clusterConfig(Flags flags) {
        String broker = flags.string("broker", null);
        String mode = flags.string("broker-mode", null);
        String node = flags.string("node", null);
        if (broker == null) {
            if (mode != null || node != null) {
                throw new IllegalArgumentException("--broker-mode and --node need --broker redis://HOST:PORT");
            }
            return null;
        }
        return ClusterConfig.of(broker, mode == null ? "streams" : mode, node);
    }

    private static TransportConfig.Detector detector(String mode) {
        return switch (mode) {
            case "refuse" -> TransportConfig.Detector.REFUSE;
            case "report" -> TransportConfig.Detector.REPORT;
            default -> throw new IllegalArgumentException("--detector must be refuse or report, was '" + mode + "'");
        };
    }

    static String usage(String model, String modelHelp) {
        return "usage: java -jar " + model + ".jar [flags]\n\ntransport flags:\n" + TRANSPORT_FLAGS
                + (modelHelp.isEmpty() ? "" : "\n" + model + " flags:\n" + modelHelp);
    }
}
