package fivechats.mutexmap;

import fivechats.transport.Flags;
import fivechats.transport.Launcher;

/** {@code java -jar mutex-map.jar --port 8080 [--variant naive|fixed] [--send-queue 256]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("mutex-map", """
                  --variant fixed|naive    fixed: the lock guards the map, one writer per connection (default);
                                           naive: broadcast under the read lock (overlaps, and a deadlock)
                  --send-queue N           fixed only: frames queued per client before it is evicted (default 256)
                """, args, Main::model);
    }

    /** The model these flags ask for; also used by the tutorial's test to check the commands it quotes. */
    public static MutexMap model(Flags flags) {
        return switch (flags.string("variant", "fixed")) {
            case "fixed" -> new MutexMap.Fixed(flags.integer("send-queue", MutexMap.Fixed.DEFAULT_SEND_QUEUE));
            case "naive" -> new MutexMap.Naive();
            default -> throw new IllegalArgumentException("--variant must be naive or fixed");
        };
    }
}
