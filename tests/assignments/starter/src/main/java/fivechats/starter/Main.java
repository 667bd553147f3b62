package fivechats.starter;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import picocli.CommandLine.Command;

/**
 * Starts the starter model like any other: {@code ./mvnw -q -pl tests/assignments/starter -am package exec:exec@run -DskipTests}.
 * A flag of your model's own is a picocli {@code @Option} field here (see any model's Main).
 */
@Command(name = "starter")
public final class Main extends ModelCommand {
    public static void main(String[] args) {
        Launcher.run(new Main(), args);
    }

    @Override
    public ChatModel model() {
        return new StarterModel();
    }
}
