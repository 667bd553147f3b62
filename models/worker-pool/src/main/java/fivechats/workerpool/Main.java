package fivechats.workerpool;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar worker-pool.jar --port 8080 [--variant naive|locked|fixed] [--workers N] [--slow-worker D]};
 * {@code --help} lists every flag.
 */
@Command(name = "worker-pool")
public final class Main extends ModelCommand {
    @Option(
            names = "--variant",
            paramLabel = "fixed|locked|naive",
            description = "fixed: a serial lane per connection (the default); locked: a lock per connection; "
                    + "naive: any worker writes any connection")
    WorkerPool.Variant variant = WorkerPool.Variant.FIXED;

    @Option(names = "--workers", paramLabel = "N", description = "pool size (default ${DEFAULT-VALUE})")
    int workers = WorkerPool.DEFAULT_WORKERS;

    @Option(
            names = "--slow-worker",
            paramLabel = "D",
            description = "teaching aid: worker 0 holds each task until a later one has overtaken it, at most D "
                    + "(default ${DEFAULT-VALUE}, off)")
    Duration slowWorker = Duration.ZERO;

    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return new WorkerPool(variant, workers, slowWorker);
    }
}
