package fivechats.pollingloop;

import fivechats.transport.Launcher;

/** {@code java -jar polling-loop.jar --port 8080 [--idle backoff|spin]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("polling-loop", """
                  --idle backoff|spin      after an idle pass: sleep, doubling up to 5 ms (default), or spin
                """, args, flags -> new PollingLoop(idle(flags.string("idle", "backoff"))));
    }

    private static PollingLoop.Idle idle(String value) {
        return switch (value) {
            case "backoff" -> PollingLoop.Idle.BACKOFF;
            case "spin" -> PollingLoop.Idle.SPIN;
            default -> throw new IllegalArgumentException("--idle must be backoff or spin, got '" + value + "'");
        };
    }
}
