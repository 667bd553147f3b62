package fivechats.threadperconnection;

import fivechats.transport.Flags;
import fivechats.transport.Launcher;

/** {@code java -jar thread-per-connection.jar --port 8080 [--variant naive|fixed] [--threads virtual|platform]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("thread-per-connection", """
                  --variant fixed|naive    fixed: one writer per connection (default); naive: readers write to everyone
                  --threads virtual|platform   reader threads (default virtual; writers are virtual)
                  --send-queue N           fixed only: frames queued per client before it is evicted (default 256)
                """, args, Main::model);
    }

    /** The model these flags ask for; also used by the tutorial's test to check the commands it quotes. */
    public static ThreadPerConnection model(Flags flags) {
        ThreadPerConnection.Threads threads = switch (flags.string("threads", "virtual")) {
            case "virtual" -> ThreadPerConnection.Threads.VIRTUAL;
            case "platform" -> ThreadPerConnection.Threads.PLATFORM;
            default -> throw new IllegalArgumentException("--threads must be virtual or platform");
        };
        return switch (flags.string("variant", "fixed")) {
            case "fixed" -> new ThreadPerConnection.Fixed(threads, flags.integer("send-queue", ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE));
            case "naive" -> new ThreadPerConnection.Naive(threads);
            default -> throw new IllegalArgumentException("--variant must be naive or fixed");
        };
    }
}
