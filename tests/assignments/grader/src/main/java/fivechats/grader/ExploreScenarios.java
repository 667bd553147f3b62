package fivechats.grader;

import fivechats.interleavings.Explorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * The explorer's JVM, started by {@link Scenarios}: runs each driver it is given and writes what it found to
 * {@code REPORTS/DRIVER.txt}: "held N", the scenario and the interesting outcome passed by, if any; or "broke N",
 * the scenario, its forbidden outcome and its trace; or "error 0", the driver and what went wrong.
 * Arguments: the reports folder, the bound, the drivers' class names.
 */
public final class ExploreScenarios {
    private ExploreScenarios() {}

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws ReflectiveOperationException, IOException {
        Path reports = Path.of(args[0]);
        int bound = Integer.parseInt(args[1]);
        for (int i = 2; i < args.length; i++) {
            String text;
            try {
                var driver = (IntFunction<Explorer.Report>)
                        Class.forName(args[i]).getDeclaredConstructor().newInstance();
                Explorer.Report found = driver.apply(bound);
                text = found.broke()
                        ? "broke " + found.explored() + "\n" + found.scenario() + "\n" + oneLine(found.outcome()) + "\n"
                                + found.trace()
                        : "held " + found.explored() + "\n" + found.scenario()
                                + (found.outcome() == null ? "" : "\n" + oneLine(found.outcome()));
            } catch (RuntimeException | ReflectiveOperationException | LinkageError e) {
                text = "error 0\n" + args[i] + "\n"
                        + oneLine(e.toString()); // one scenario's trouble, not every report's
            }
            Files.writeString(reports.resolve(args[i] + ".txt"), text + "\n");
        }
        System.exit(0); // a thread an actor left behind must not keep this JVM alive
    }

    private static String oneLine(String text) {
        return text.replace('\n', ' ');
    }
}
