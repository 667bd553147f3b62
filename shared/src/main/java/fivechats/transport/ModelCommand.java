package fivechats.transport;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * A model's command line. A model's {@code Main} extends it, declares its own flags as picocli {@code @Option}
 * fields, and builds the model they ask for in {@link #model()}; the transport's flags come with it
 * ({@link TransportOptions}). {@link Launcher} parses, prints {@code --help} and starts the server.
 */
public abstract class ModelCommand {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "print this help and exit")
    boolean help;

    @ArgGroup(validate = false, heading = Launcher.TRANSPORT_HEADING)
    TransportOptions transport = new TransportOptions();

    /**
     * The model these flags ask for; called once, after parsing.
     *
     * @throws IllegalArgumentException naming the flag whose value is wrong and what it must be
     */
    public abstract ChatModel model();
}
