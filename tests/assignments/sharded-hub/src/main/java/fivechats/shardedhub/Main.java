package fivechats.shardedhub;

import fivechats.transport.Flags;
import fivechats.transport.Launcher;

/** {@code java -jar sharded-hub.jar --port 8080 [--shards N]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("sharded-hub", """
                  --shards N               hub threads sharing the fan-out (default: one per core, at least 2)
                """, args, Main::model);
    }

    public static ShardedHub model(Flags flags) {
        return new ShardedHub(flags.integer("shards", ShardedHub.DEFAULT_SHARDS));
    }
}
