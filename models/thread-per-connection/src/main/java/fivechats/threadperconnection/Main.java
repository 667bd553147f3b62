package fivechats.threadperconnection;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar thread-per-connection.jar --port 8080 [--variant naive|fixed] [--threads virtual|platform]};
 * {@code --help} lists every flag.
 */
@Command(name = "thread-per-connection")
public final class Main extends ModelCommand {
    enum Variant {
        FIXED,
        NAIVE
    }

    @Option(
            names = "--variant",
            paramLabel = "fixed|naive",
            description = "fixed: one writer per connection (the default); naive: readers write to everyone")
    Variant variant = Variant.FIXED;

    @Option(
            names = "--threads",
            paramLabel = "virtual|platform",
            description = "reader threads (default ${DEFAULT-VALUE}; writers are virtual)")
    ThreadPerConnection.Threads threads = ThreadPerConnection.Threads.VIRTUAL;

    @Option(
            names = "--send-queue",
            paramLabel = "N",
            description = "fixed only: frames queued per client before it is evicted (default ${DEFAULT-VALUE})")
    int sendQueue = ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE;

    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return switch (variant) {
            case FIXED -> new ThreadPerConnection.Fixed(threads, sendQueue);
            case NAIVE -> new ThreadPerConnection.Naive(threads);
        };
    }
}
