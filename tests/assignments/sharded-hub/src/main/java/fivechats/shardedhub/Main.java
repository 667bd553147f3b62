package fivechats.shardedhub;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar sharded-hub.jar --port 8080 [--shards N]}; {@code --help} lists every flag. */
@Command(name = "sharded-hub")
public final class Main extends ModelCommand {
    @Option(
            names = "--shards",
            paramLabel = "N",
            description = "hub threads sharing the fan-out (default: one per core, at least 2; here ${DEFAULT-VALUE})")
    int shards = ShardedHub.DEFAULT_SHARDS;

    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return new ShardedHub(shards);
    }
}
