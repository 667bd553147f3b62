package fivechats.grader;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Grades one model: the contract kit (18 tests) and the race scenarios (3 tests), then a report a student can read,
 * one line per test with the reason for every failure. Exit status 0 only when everything passed.
 *
 * <pre>
 *   mvn -q -pl tests/assignments/grader -am verify -DskipTests -Dgrade.artifact=YOUR-ARTIFACT-ID
 * </pre>
 * The report is also written to {@code tests/assignments/grader/target/grade-report.txt}.
 */
public final class Grader {
    private Grader() {
    }

    private record Outcome(String test, boolean passed, String why) {
    }

    public static void main(String[] args) throws IOException {
        Path report = Path.of(args.length > 0 ? args[0] : "target").resolve("grade-report.txt");
        String model;
        try {
            model = GradedModel.name();
        } catch (RuntimeException e) {
            write(report, "Cannot grade: " + e.getMessage() + "\n");
            System.exit(2);
            return;
        }
        List<Outcome> outcomes = new ArrayList<>();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(GradedContractTest.class), selectClass(GradedRaceTest.class)).build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest()) {
                    String why = result.getThrowable().map(Grader::reason).orElse("");
                    outcomes.add(new Outcome(test.getDisplayName(), result.getStatus() == TestExecutionResult.Status.SUCCESSFUL, why));
                } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    // a class-level failure (the server did not start, say) fails every test in it
                    outcomes.add(new Outcome(test.getDisplayName() + " (setup)", false,
                            result.getThrowable().map(Grader::reason).orElse("failed")));
                }
            }
        });
        outcomes.sort(java.util.Comparator.comparing(Outcome::test)); // 1a, 1b, ... 8, then R1, R2, R3
        long passed = outcomes.stream().filter(Outcome::passed).count();
        StringBuilder text = new StringBuilder();
        text.append("Grading ").append(model).append("\n\n");
        for (Outcome o : outcomes) {
            text.append(o.passed() ? "  PASS  " : "  FAIL  ").append(o.test()).append('\n');
            if (!o.passed()) {
                text.append("        why: ").append(o.why().replace("\n", "\n             ")).append('\n');
            }
        }
        boolean all = passed == outcomes.size() && !outcomes.isEmpty();
        text.append(String.format(Locale.ROOT, "%nScore: %d of %d tests passed. %s%n", passed, outcomes.size(),
                all ? "PASSED: the model keeps the contract and survives the race scenarios."
                        : "NOT PASSED: fix the first FAIL above, then grade again."));
        write(report, text.toString());
        System.exit(all ? 0 : 1);
    }

    /** The first line or two of a failure: what was expected and what was seen, not a stack trace. */
    private static String reason(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
        String[] lines = message.split("\n");
        String shown = lines.length > 3 ? String.join("\n", List.of(lines).subList(0, 3)) + "\n..." : message;
        return (t instanceof AssertionError ? "" : t.getClass().getSimpleName() + ": ") + shown;
    }

    private static void write(Path report, String text) throws IOException {
        System.out.print(text);
        Files.createDirectories(report.getParent());
        Files.writeString(report, text);
    }
}
