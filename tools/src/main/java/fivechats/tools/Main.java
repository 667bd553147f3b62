package fivechats.tools;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code java -jar tools/target/tools.jar TOOL [flags]}: runs one tool; with no tool, says which there are. Each tool's
 * flags, help and defaults are its picocli {@code @Option} fields, written once.
 */
@Command(
        name = "java -jar tools/target/tools.jar",
        subcommands = {Stuck.class, Burst.class, Watch.class},
        description =
                "Clients for the break-it steps, pointed at a model you are running. TOOL --help lists its flags.",
        synopsisSubcommandLabel = "TOOL")
public final class Main implements Runnable {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "list the tools and exit")
    boolean help;

    /** What every tool takes: where the model is, and --help. */
    static final class Target {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "print this tool's flags and exit")
        boolean help;

        @Option(
                names = "--url",
                paramLabel = "ws://HOST:PORT",
                description = "the model's address (default ${DEFAULT-VALUE})")
        String url = "ws://127.0.0.1:8080";
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** No tool named: list them. */
    @Override
    public void run() {
        commandLine().usage(System.out);
    }

    /** Why these arguments would be refused, or null: the tutorial's test checks every command a chapter quotes. */
    public static String problem(String[] args) {
        CommandLine line = commandLine();
        try {
            return line.parseArgs(args).hasSubcommand()
                    ? null
                    : "no tool named: the tools are " + line.getSubcommands().keySet();
        } catch (ParameterException e) {
            return e.getMessage();
        }
    }

    private static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Main());
        line.registerConverter(Duration.class, Main::duration);
        line.setDefaultValueProvider(Main::typed);
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof IllegalStateException) { // what the tool saw is the finding, not a stack trace
                command.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return line;
    }

    /** Durations as {@code 30s}, {@code 500ms} or {@code 2m}. */
    static Duration duration(String text) {
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            long amount = Long.parseLong(text.substring(0, text.length() - 1));
            return switch (text.charAt(text.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a duration looks like 30s, 500ms or 2m, not '" + text + "'");
        }
    }

    /** A duration's default shown as it is typed (30s, not PT30S); null leaves picocli's own. */
    private static String typed(ArgSpec arg) {
        return arg.initialValue() instanceof Duration d
                ? (d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms")
                : null;
    }
}
