package fivechats.workerpool;

import fivechats.transport.Flags;
import fivechats.transport.Launcher;
import java.time.Duration;

/** {@code java -jar worker-pool.jar --port 8080 [--variant naive|locked|fixed] [--workers N] [--slow-worker D]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("worker-pool", """
                  --variant fixed|locked|naive  fixed: a serial lane per connection (default); locked: a lock per
                                           connection; naive: any worker writes any connection
                  --workers N              pool size (default 4)
                  --slow-worker D          teaching aid: worker 0 holds each task until a later one has overtaken
                                           it, at most D (default 0, off)
                """, args, Main::model);
    }

    /** The model these flags ask for; also used by the tutorial's test to check the commands it quotes. */
    public static WorkerPool model(Flags flags) {
        WorkerPool.Variant variant = switch (flags.string("variant", "fixed")) {
            case "fixed" -> WorkerPool.Variant.FIXED;
            case "locked" -> WorkerPool.Variant.LOCKED;
            case "naive" -> WorkerPool.Variant.NAIVE;
            default -> throw new IllegalArgumentException("--variant must be naive, locked or fixed");
        };
        return new WorkerPool(variant, flags.integer("workers", WorkerPool.DEFAULT_WORKERS),
                flags.duration("slow-worker", Duration.ZERO));
    }
}
