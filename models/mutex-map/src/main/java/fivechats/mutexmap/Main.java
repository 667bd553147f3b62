package fivechats.mutexmap;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar mutex-map.jar --port 8080 [--variant naive|fixed] [--send-queue 256]}; {@code --help} lists every flag. */
@Command(name = "mutex-map")
public final class Main extends ModelCommand {
    enum Variant {
        FIXED,
        NAIVE
    }

    @Option(
            names = "--variant",
            paramLabel = "fixed|naive",
            description = "fixed: the lock guards the map, one writer per connection (the default); "
                    + "naive: broadcast under the read lock (overlaps, and a deadlock)")
    Variant variant = Variant.FIXED;

    @Option(
            names = "--send-queue",
            paramLabel = "N",
            description = "fixed only: frames queued per client before it is evicted (default ${DEFAULT-VALUE})")
    int sendQueue = MutexMap.Fixed.DEFAULT_SEND_QUEUE;

    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return switch (variant) {
            case FIXED -> new MutexMap.Fixed(sendQueue);
            case NAIVE -> new MutexMap.Naive();
        };
    }
}
