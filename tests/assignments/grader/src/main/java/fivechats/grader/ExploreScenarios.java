package fivechats.grader;

import fivechats.interleavings.Explorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * The explorer's JVM, started by {@link Scenarios}: runs each driver it is given and writes what it found to
 * {@code REPORTS/DRIVER.txt} ("held N" or "broke N EXPECT", then the scenario, its outcome and its trace).
 * Arguments: the reports folder, the bound, the drivers' class names.
 */
public final class ExploreScenarios {
    private ExploreScenarios() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws ReflectiveOperationException, IOException {
        Path reports = Path.of(args[0]);
        int bound = Integer.parseInt(args[1]);
        for (int i = 2; i < args.length; i++) {
            var driver = (IntFunction<Explorer.Report>) Class.forName(args[i]).getDeclaredConstructor().newInstance();
            Explorer.Report found = driver.apply(bound);
            String text = found.broke()
                    ? "broke " + found.explored() + " " + found.expect().name() + "\n" + found.scenario() + "\n" + found.outcome()
                            + "\n" + found.trace()
                    : "held " + found.explored() + "\n" + found.scenario();
            Files.writeString(reports.resolve(args[i] + ".txt"), text + "\n");
        }
        System.exit(0); // a thread an actor left behind must not keep this JVM alive
    }
}
