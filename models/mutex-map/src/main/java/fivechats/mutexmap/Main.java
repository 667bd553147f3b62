package fivechats.mutexmap;

import fivechats.transport.Launcher;

/** {@code java -jar mutex-map.jar --port 8080 [--variant naive|fixed]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("mutex-map", """
                  --variant fixed|naive    fixed: snapshot, then one writer per connection (default);
                                           naive: broadcast under the read lock (overlaps, and a deadlock)
                """, args, flags -> switch (flags.string("variant", "fixed")) {
                    case "fixed" -> new MutexMap.Fixed();
                    case "naive" -> new MutexMap.Naive();
                    default -> throw new IllegalArgumentException("--variant must be naive or fixed");
                });
    }
}
