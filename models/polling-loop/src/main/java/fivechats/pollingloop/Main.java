package fivechats.pollingloop;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar polling-loop.jar --port 8080 [--idle backoff|spin]}; {@code --help} lists every flag. */
@Command(name = "polling-loop")
public final class Main extends ModelCommand {
    @Option(
            names = "--idle",
            paramLabel = "backoff|spin",
            description = "after an idle pass: sleep, doubling up to " + PollingLoop.MAX_BACKOFF_MS
                    + " ms (backoff, the default), or spin")
    PollingLoop.Idle idle = PollingLoop.Idle.BACKOFF;

    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return new PollingLoop(idle);
    }
}
