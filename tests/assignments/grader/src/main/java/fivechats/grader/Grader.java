package fivechats.grader;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import fivechats.channelhub.ChannelHub;
import fivechats.race.SlowClientPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Grades one model: the contract kit and the race scenarios, run cause by cause ({@link Cause}), then a report a
 * student can read: one line per test, the reason for every failure, the invariant it breaks, the slow-client mode,
 * the wall time and what the strategy costs beside the reference model.
 *
 * <p>Fails fast: once a cause has a failing test, the causes after it are not run (their failures would mostly be its
 * symptoms), unless {@code -Dgrade.all=true}. Writes the report to {@code target/grade-report.txt} and, when the model
 * did not pass, {@code target/grade-failed}, which fails the Maven build after the report (no stack trace). Its own
 * exit status is 0 either way: a non-zero one would make Maven's exec plugin print a stack trace.
 */
public final class Grader {
    /** Awaitility's "Condition with alias 'WHAT' didn't complete within TIME because ...". */
    private static final Pattern TIMED_OUT = Pattern.compile(
            "Condition with alias '(.+)' didn't complete within ([^.]+?)( because.*)?\\.?", Pattern.DOTALL);
    /** The longest line of a reason: a list of a hundred names says nothing more than its first few. */
    private static final int LONGEST_LINE = 600;

    private Grader() {}

    /** PASS, FAIL, or SKIP: a test that does not apply (5c and 5d to a model that stalls on a stuck client). */
    private record Outcome(String test, String verdict, String why, List<String> notes) {
        boolean passed() {
            return verdict.equals("PASS");
        }

        boolean failed() {
            return verdict.equals("FAIL");
        }
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args.length > 0 ? args[0] : "target");
        Path report = target.resolve("grade-report.txt");
        Path failed = target.resolve("grade-failed");
        Files.createDirectories(target);
        Files.deleteIfExists(failed);
        System.setProperty("grade.target", target.toString()); // where the explorer works
        long started = System.nanoTime();
        String model;
        try {
            model = GradedModel.name();
        } catch (RuntimeException e) {
            write(report, "Cannot grade: " + e.getMessage() + "\n");
            Files.writeString(failed, "cannot grade\n");
            System.exit(0); // the build fails on grade-failed, after this message, without a stack trace
            return;
        }
        boolean all = Boolean.getBoolean("grade.all");
        String mode = GradedModel.slowClientPolicy() == SlowClientPolicy.EVICTED_WITH_1008
                ? "evict (a client that stops reading must be closed with 1008; -Dgrade.slowClients=stall if yours"
                        + " waits for it)"
                : "stall (a client that stops reading may hold everyone up until the write deadline drops it: tests 5c"
                        + " and 5d, which forbid that, are skipped, so this grade cannot tell a model that holds"
                        + " everyone up from one that does not; grade in evict mode to find out)";
        System.out.println("Grading " + model + ", cause by cause...");

        Map<Cause, List<Outcome>> outcomes = new EnumMap<>(Cause.class);
        Cause firstFailing = null;
        for (Cause cause : Cause.values()) {
            if (firstFailing != null && !all) {
                break;
            }
            List<Outcome> results = run(cause);
            if (!results.isEmpty()) {
                outcomes.put(cause, results);
                System.out.printf(
                        Locale.ROOT,
                        "  %-28s %d of %d passed%n",
                        cause.title,
                        results.stream().filter(Outcome::passed).count(),
                        results.size());
            }
            if (firstFailing == null && results.stream().anyMatch(Outcome::failed)) {
                firstFailing = cause;
            }
        }

        int total = countTests();
        long passed = outcomes.values().stream()
                .flatMap(List::stream)
                .filter(Outcome::passed)
                .count();
        long ran = outcomes.values().stream().mapToLong(List::size).sum();
        long skipped = outcomes.values().stream()
                .flatMap(List::stream)
                .filter(o -> o.verdict().equals("SKIP"))
                .count();
        StringBuilder text = new StringBuilder();
        text.append("\nGrading ").append(model).append('\n');
        text.append("Slow-client mode: ").append(mode).append("\n");
        for (Map.Entry<Cause, List<Outcome>> group : outcomes.entrySet()) {
            Cause cause = group.getKey();
            boolean groupFailed = group.getValue().stream().anyMatch(Outcome::failed);
            text.append('\n')
                    .append(cause.ordinal() + 1)
                    .append(". ")
                    .append(cause.title)
                    .append('\n');
            if (groupFailed) {
                text.append("   ").append(cause.invariant).append('\n');
            }
            for (Outcome o : group.getValue()) {
                text.append("  ")
                        .append(o.verdict())
                        .append("  ")
                        .append(o.test())
                        .append('\n');
                if (!o.passed()) {
                    text.append("        why: ")
                            .append(o.why().replace("\n", "\n             "))
                            .append('\n');
                }
                for (String note : o.passed() ? o.notes() : List.<String>of()) { // a failure's why says it all
                    text.append("        ").append(note).append('\n');
                }
            }
        }
        if (ran < total) {
            text.append(String.format(
                    Locale.ROOT,
                    "%nNot run: %d tests of the causes after \"%s\", whose failures would"
                            + " mostly be its symptoms (-Dgrade.all=true runs them anyway).%n",
                    total - ran,
                    firstFailing.title));
        }
        boolean pass = firstFailing == null;
        if (pass) {
            text.append('\n').append(cost());
        }
        text.append(String.format(
                Locale.ROOT,
                "%nScore: %d of %d tests passed%s, in %s. %s%n",
                passed,
                total - skipped,
                skipped == 0 ? "" : " (" + skipped + " skipped: they do not apply here, see SKIP above)",
                wall(started),
                pass
                        ? "PASSED: the model keeps the contract and survives the race scenarios."
                        : "NOT PASSED: fix the cause \"" + firstFailing.title
                                + "\" first (its FAILs above), then grade again."));
        write(report, text.toString());
        if (!pass) {
            Files.writeString(failed, firstFailing.title + "\n");
        }
        System.exit(0); // threads a broken model left behind must not keep the grade from ending
    }

    /** Runs the tests of one cause; empty if it has none. */
    private static List<Outcome> run(Cause cause) {
        List<Outcome> outcomes = new ArrayList<>();
        Launcher launcher = LauncherFactory.create();
        Map<String, List<String>> notes = new HashMap<>();
        launcher.execute(request(cause), new TestExecutionListener() {
            /** What a test published for the report (TestReporter), shown under its verdict. */
            @Override
            public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
                notes.computeIfAbsent(test.getUniqueId(), id -> new ArrayList<>())
                        .addAll(entry.getKeyValuePairs().values());
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                List<String> said = notes.getOrDefault(test.getUniqueId(), List.of());
                boolean ok = result.getStatus() == TestExecutionResult.Status.SUCCESSFUL;
                if (test.isTest() && result.getStatus() == TestExecutionResult.Status.ABORTED) {
                    String why = result.getThrowable()
                            .map(Throwable::getMessage)
                            .orElse("")
                            .replace("Assumption failed: ", "");
                    outcomes.add(new Outcome(test.getDisplayName(), "SKIP", "does not apply to " + why, said));
                } else if (test.isTest()) {
                    outcomes.add(new Outcome(
                            test.getDisplayName(),
                            ok ? "PASS" : "FAIL",
                            result.getThrowable().map(Grader::reason).orElse(""),
                            said));
                } else if (!ok) { // a class-level failure (the server did not start, say)
                    outcomes.add(new Outcome(
                            test.getDisplayName() + " (setup)",
                            "FAIL",
                            result.getThrowable().map(Grader::reason).orElse("failed"),
                            said));
                }
            }
        });
        outcomes.sort(Comparator.comparing(Outcome::test)); // 1a, 1b, ... then R1, R2, R3
        return outcomes;
    }

    private static LauncherDiscoveryRequest request(Cause cause) {
        PostDiscoveryFilter only = d -> FilterResult.includedIf(!d.isTest() || Cause.of(d.getDisplayName()) == cause);
        return LauncherDiscoveryRequestBuilder.request()
                .selectors(selectors())
                .filters(only)
                .build();
    }

    /**
     * The contract kit, the race scenarios and the student's own scenarios explored; with -Dgrade.assignment=B, B's own
     * check too. Add hidden tests here.
     */
    private static List<ClassSelector> selectors() {
        List<ClassSelector> selected = new ArrayList<>(List.of(
                selectClass(GradedContractTest.class),
                selectClass(GradedRaceTest.class),
                selectClass(GradedInterleavingsTest.class)));
        if (System.getProperty("grade.assignment", "").equalsIgnoreCase("B")) {
            selected.add(selectClass(AssignmentTest.class));
        }
        return selected;
    }

    /** How many tests there are, counted without running them. */
    private static int countTests() {
        TestPlan plan = LauncherFactory.create()
                .discover(LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectors())
                        .build());
        return (int) plan.countTestIdentifiers(TestIdentifier::isTest);
    }

    /** The cost line: the graded model beside the reference (the channel hub), a moment apart on this machine. */
    private static String cost() {
        try {
            CostProbe.Figures yours = CostProbe.measure(GradedModel.create());
            CostProbe.Figures reference = CostProbe.measure(new ChannelHub(ChannelHub.DEFAULT_SEND_QUEUE));
            return String.format(
                    Locale.ROOT,
                    "Cost, %s:%n  yours:                 %s%n  reference channel hub: %s%n  yours delivers %.2fx the"
                        + " reference's rate: a figure, not a grade (far below it, look for a lock held while writing,"
                        + " which makes every write wait for every other).%n",
                    CostProbe.load(),
                    yours,
                    reference,
                    yours.deliveriesPerSecond() / reference.deliveriesPerSecond());
        } catch (Exception | AssertionError e) {
            return "Cost: not measured (" + reason(e) + ")\n";
        }
    }

    private static String wall(long started) {
        Duration d = Duration.ofNanos(System.nanoTime() - started);
        return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }

    /** The first lines of a failure: what was expected and what was seen, not a stack trace. */
    private static String reason(Throwable t) {
        if (t instanceof GradedInterleavingsTest.Broke) {
            return t.getMessage(); // a trace: every step counts
        }
        if (t instanceof ConditionTimeoutException && t.getCause() instanceof AssertionError seen) {
            return reason(seen); // an untilAsserted that timed out: its last assertion says what was seen
        }
        String message = t.getMessage() == null
                ? t.getClass().getSimpleName()
                : t.getMessage().strip();
        Matcher waited = TIMED_OUT.matcher(message);
        if (t instanceof ConditionTimeoutException && waited.matches()) {
            return "waited " + waited.group(2) + " for this, and it never happened: " + waited.group(1);
        }
        List<String> lines = new ArrayList<>();
        for (String line : message.split("\n")) {
            lines.add(line.length() > LONGEST_LINE ? line.substring(0, LONGEST_LINE) + " ..." : line);
        }
        String shown = lines.size() > 3 ? String.join("\n", lines.subList(0, 3)) + "\n..." : String.join("\n", lines);
        return (t instanceof AssertionError ? "" : t.getClass().getSimpleName() + ": ") + shown;
    }

    private static void write(Path report, String text) throws IOException {
        System.out.print(text);
        Files.writeString(report, text);
    }
}
