package fivechats.channelhub;

import fivechats.transport.Flags;
import fivechats.transport.Launcher;

/** {@code java -jar channel-hub.jar --port 8080 [--send-queue 256]} */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("channel-hub", """
                  --send-queue N           frames queued per client before it is evicted as too slow (default 256)
                """, args, Main::model);
    }

    /** The model these flags ask for; also used by the tutorial's test to check the commands it quotes. */
    public static ChannelHub model(Flags flags) {
        return new ChannelHub(flags.integer("send-queue", ChannelHub.DEFAULT_SEND_QUEUE));
    }
}
