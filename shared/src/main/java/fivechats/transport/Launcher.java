package fivechats.transport;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParameterException;

/**
 * The {@code main} of every model: parse flags (picocli), start the server, print {@code listening on URL}, and on
 * Ctrl-C or SIGTERM shut down gracefully and exit 0.
 *
 * <pre>
 *   &#64;Command(name = "channel-hub")
 *   public final class Main extends ModelCommand {
 *       &#64;Option(names = "--send-queue", paramLabel = "N", description = "frames queued per client (default ${DEFAULT-VALUE})")
 *       int sendQueue = ChannelHub.DEFAULT_SEND_QUEUE;
 *
 *       public static void main(String[] args) {
 *           Launcher.run(new Main(), args);
 *       }
 *
 *       public ChatModel model() {
 *           return new ChannelHub(sendQueue);
 *       }
 *   }
 * </pre>
 */
public final class Launcher {
    private static final Logger log = LoggerFactory.getLogger(Launcher.class);

    /** Where {@code --help} lists the transport's flags; shared/README copies that list, and a test compares them. */
    public static final String TRANSPORT_HEADING = "%nTransport flags (every model):%n";
    /** Wide enough for a flag and its help on one line in most cases, narrow enough for a terminal. */
    private static final int HELP_WIDTH = 110;

    private Launcher() {}

    public static void run(ModelCommand command, String[] args) {
        CommandLine line = commandLine(command);
        String name = line.getCommandName();
        ChatServer server;
        try {
            Setup setup = read(line, command, args);
            if (setup == null) {
                line.usage(System.out);
                return;
            }
            server = ChatServer.newServer(setup.config(), setup.model(), setup.cluster());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("(--help lists every flag)");
            System.exit(2);
            return;
        }
        try {
            server.start();
        } catch (Exception e) {
            System.err.println("error: cannot start " + name + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        // Handling the signal, not a shutdown hook, lets the server stop in order and the process exit 0.
        Signals.onTermination(() -> Thread.ofPlatform().name("shutdown").start(server::shutdown));
        log.info("{} started: {}", name, server.model());
        System.out.println("listening on " + server.httpUri());
        server.awaitStopped();
        System.out.println("stopped");
        System.exit(0);
    }

    /**
     * Reads the flags exactly as {@link #run} does and builds the model, but starts nothing. The tutorial's test
     * calls it on every {@code java -jar} command a chapter quotes, so a renamed flag breaks the build, not a learner.
     *
     * @return the model, or null for {@code --help}
     * @throws IllegalArgumentException with the message {@code run} would print
     */
    public static ChatModel check(ModelCommand command, String... args) {
        Setup setup = read(commandLine(command), command, args);
        return setup == null ? null : setup.model();
    }

    /** What the flags ask for: the transport's configuration, the cluster's (null to run alone) and the model. */
    private record Setup(TransportConfig config, ClusterConfig cluster, ChatModel model) {}

    /**
     * Parses the flags and builds what they ask for, the one way {@link #run} and {@link #check} share; null if
     * {@code --help} was asked for.
     *
     * @throws IllegalArgumentException naming the flag that is wrong
     */
    private static Setup read(CommandLine line, ModelCommand command, String[] args) {
        try {
            line.parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (line.isUsageHelpRequested()) {
            return null;
        }
        return new Setup(command.transport.config(), command.transport.cluster(), command.model());
    }

    /** What {@code --help} prints for this command. */
    public static String usage(ModelCommand command) {
        return commandLine(command).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /**
     * One picocli setup for every model: durations typed as {@code 10s}, enum values in any case, and defaults shown
     * the way they are typed.
     */
    static CommandLine commandLine(ModelCommand command) {
        CommandLine line = new CommandLine(command);
        line.registerConverter(Duration.class, Launcher::duration);
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.setDefaultValueProvider(Launcher::typed);
        line.setUsageHelpWidth(HELP_WIDTH);
        line.getCommandSpec()
                .usageMessage()
                .optionListHeading("%n" + line.getCommandName() + " flags:%n")
                .sortOptions(false) // the order they are declared in: the model's first, the transport's by importance
                .customSynopsis("java -jar " + line.getCommandName() + ".jar [flags]");
        return line;
    }

    /** Durations as {@code 10s}, {@code 500ms}, {@code 2m}, or ISO-8601 ({@code PT10S}). */
    static Duration duration(String value) {
        String v = value.trim().toLowerCase();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            } else if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.parse(value);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("a duration looks like 10s or 500ms, not '" + value + "'");
        }
    }

    /** A flag's default as it would be typed ({@code 10s}, {@code refuse}); null leaves picocli's own. */
    private static String typed(ArgSpec arg) {
        Object initial = arg.initialValue();
        if (initial instanceof Duration d) {
            long ms = d.toMillis();
            return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
        }
        return initial instanceof Enum<?> e ? e.name().toLowerCase() : null;
    }
}
