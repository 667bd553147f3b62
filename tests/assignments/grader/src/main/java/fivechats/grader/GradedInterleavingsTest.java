package fivechats.grader;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * The student's own jcstress scenarios, run under the explorer that finds the naive forms' breaks (tests/interleavings):
 * every interleaving of their actors, up to {@link Scenarios#BOUND}, must end in an outcome the scenario does not
 * forbid. jcstress can only count a bad outcome; this shows the steps of each thread that led to it.
 *
 * <p>Fails on the reference solution with {@code synchronized (membership)} in {@code ShardedHub.join} replaced by
 * {@code synchronized (new Object())}: "Presence_02_TwoJoins.Hub broke in interleaving N", with its trace.
 */
class GradedInterleavingsTest {
    /** A break: the report shows its message whole, trace included (other failures are cut to three lines). */
    static final class Broke extends AssertionError {
        Broke(String message) {
            super(message);
        }
    }

    @Test
    @DisplayName("I1. your scenarios in tests/jcstress: no interleaving of their actors reaches a forbidden outcome")
    void scenariosHold(TestReporter reporter) throws Exception {
        String pkg = GradedModel.create().getClass().getPackageName();
        List<Scenarios.Result> results = Scenarios.explore(
                pkg, Path.of(System.getProperty("grade.target", "target")).resolve("explored"));
        if (results.stream().allMatch(r -> r.explored() == 0)) { // none, or none the explorer can run
            String none = "a model with no jcstress scenario the explorer can run in " + Scenarios.where(pkg)
                    + results.stream()
                            .map(r -> " (" + r.scenario() + ": " + r.outcome() + ")")
                            .collect(Collectors.joining());
            if (System.getProperty("grade.assignment", "").equalsIgnoreCase("B")) {
                fail(none + ": assignment B asks for one (two joins at once never lose one), see \"B's jcstress test\""
                        + " in tests/assignments/README.md");
            }
            Assumptions.abort(
                    none + " (write one there to have its interleavings explored: see tests/assignments/README.md)");
        }
        for (Scenarios.Result r : results) {
            reporter.publishEntry(
                    "explored",
                    r.scenario()
                            + (r.explored() == 0
                                    ? ": " + r.outcome()
                                    : r.broke()
                                            ? ": interleaving " + r.explored() + " reached " + r.outcome()
                                            : ": held through " + r.explored() + " interleavings"
                                                    + (r.outcome() == null
                                                            ? ""
                                                            : ", passing by the interesting " + r.outcome())));
        }
        List<Scenarios.Result> broken =
                results.stream().filter(Scenarios.Result::broke).toList();
        if (!broken.isEmpty()) {
            throw new Broke(broken.stream()
                    .map(r -> r.scenario() + " broke in interleaving " + r.explored() + ": " + r.outcome()
                            + "\nThe steps of each thread that led to it (the same every run):\n" + r.trace())
                    .collect(Collectors.joining("\n\n")));
        }
    }
}
