package fivechats.channelhub;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar channel-hub.jar --port 8080 [--send-queue 256]}; {@code --help} lists every flag. */
@Command(name = "channel-hub")
public final class Main extends ModelCommand {
    @Option(
            names = "--send-queue",
            paramLabel = "N",
            description = "frames queued per client before it is evicted as too slow (default ${DEFAULT-VALUE})")
    int sendQueue = ChannelHub.DEFAULT_SEND_QUEUE;

    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return new ChannelHub(sendQueue);
    }
}
