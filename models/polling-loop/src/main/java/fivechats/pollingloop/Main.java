package fivechats.pollingloop;

import fivechats.transport.Flags;
import fivechats.transport.Launcher;

/** {@code java -jar polling-loop.jar --port 8080 [--idle backoff|spin]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("polling-loop", """
                  --idle backoff|spin      after an idle pass: sleep, doubling up to 5 ms (default), or spin
                """, args, Main::model);
    }

    /** The model these flags ask for; also used by the tutorial's test to check the commands it quotes. */
    public static PollingLoop model(Flags flags) {
        return new PollingLoop(idle(flags.string("idle", "backoff")));
    }

    private static PollingLoop.Idle idle(String value) {
        return switch (value) {
            case "backoff" -> PollingLoop.Idle.BACKOFF;
            case "spin" -> PollingLoop.Idle.SPIN;
            default -> throw new IllegalArgumentException("--idle must be backoff or spin, got '" + value + "'");
        };
    }
}
