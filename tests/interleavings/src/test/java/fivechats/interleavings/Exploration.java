package fivechats.interleavings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The verdicts a test asks of the {@link Explorer}, and what each prints.
 *
 * <p>What a run found is kept beside the module, and a run fails when it finds anything else: the explorer is
 * deterministic, so a difference means the model changed (or the explorer did). A break's trace is kept in {@code
 * traces/SCENARIO.txt}, which the chapters quote; every verdict, with its number of interleavings, in {@code
 * explored.csv}, which the verdict matrix renders. After changing a model, rewrite both with
 * {@code ./mvnw -q -pl tests/interleavings -am verify -Dtest='*InterleavingsTest' -Dfivechats.writeTraces=true} and review the diff.
 */
final class Exploration {
    /**
     * How many interleavings a scenario gets: a naive form must break within it, a fixed form holds through it. 200 in
     * the build (about 6 s a scenario); {@code -Dfivechats.bound=5000} explores longer, and then checks and keeps nothing.
     */
    static final int DEFAULT_BOUND = 200;

    static final int BOUND = Integer.getInteger("fivechats.bound", DEFAULT_BOUND);

    private static final Path HERE =
            Path.of(System.getProperty("fivechats.interleavings", ".")).toAbsolutePath();
    private static final Path TRACES = HERE.resolve("traces");
    private static final Path EXPLORED = HERE.resolve("explored.csv");
    private static final String EXPLORED_HEADER = """
        # What tests/interleavings found: for each scenario, the verdict-matrix row it belongs to, whether the
        # explorer broke it, and in how many interleavings (the one that broke it, or all it explored). Written by
        # ./mvnw -q -pl tests/interleavings -am verify -Dtest='*InterleavingsTest' -Dfivechats.writeTraces=true; every run checks it.
        scenario,row,verdict,interleavings
        """;
    private static final boolean WRITE = Boolean.getBoolean("fivechats.writeTraces");

    private Exploration() {}

    /**
     * A naive form ({@code row} as the verdict matrix names it): the explorer finds the break within {@link #BOUND}
     * and prints the steps that led to it.
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // handed on to Explorer.of, which only copies it
    static <S, R> void breaks(String row, Class<S> scenario, Class<R> result, Explorer.ActorCall<S, R>... actors) {
        Explorer.Report r = Explorer.of(scenario, result, actors).explore(BOUND);
        assertTrue(
                r.broke(),
                r.scenario() + " held for " + r.explored() + " interleavings: the explorer should"
                        + " have found its break within " + BOUND);
        assertFalse(
                r.outcome().startsWith("an actor threw"),
                () -> r.scenario() + " ended in no outcome of its own (an actor threw, or the harness did): a break"
                        + " must be one of its @Outcomes, or a deadlock:\n"
                        + r.trace());
        String shown = r.scenario() + ": broken in interleaving " + r.explored() + " of at most " + BOUND + "\n"
                + r.trace() + "\nOutcome " + r.outcome() + "\n";
        System.out.println(shown);
        keepTrace(r.scenario(), "// snippet:trace\n" + shown + "// end-snippet\n");
        keepVerdict(r.scenario(), row, "broken", r.explored());
    }

    /** A fixed form: no interleaving within {@link #BOUND} ends in a bad outcome. */
    @SafeVarargs
    @SuppressWarnings("varargs") // handed on to Explorer.of, which only copies it
    static <S, R> void holds(String row, Class<S> scenario, Class<R> result, Explorer.ActorCall<S, R>... actors) {
        Explorer.Report r = Explorer.of(scenario, result, actors).explore(BOUND);
        assertFalse(
                r.broke(),
                () -> r.scenario() + " broke in interleaving " + r.explored() + ":\n" + r.trace() + "\nOutcome "
                        + r.outcome());
        System.out.println(r.scenario() + ": held in every one of " + r.explored() + " interleavings explored");
        keepVerdict(r.scenario(), row, "held", r.explored());
    }

    /**
     * A memory-model effect: no interleaving produces it, so the explorer, which assumes sequential consistency, cannot
     * show it however long it looks. This asserts that limit, so that chapter 9 can state it.
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // handed on to Explorer.of, which only copies it
    static <S, R> void cannotShow(Class<S> scenario, Class<R> result, Explorer.ActorCall<S, R>... actors) {
        Explorer.Report r = Explorer.of(scenario, result, actors).explore(BOUND);
        assertFalse(
                r.broke(),
                () -> r.scenario() + " broke in interleaving " + r.explored() + ", which an effect of"
                        + " the memory model alone cannot do:\n" + r.trace());
        System.out.println(r.scenario() + ": none of " + r.explored() + " interleavings shows it: it is the memory"
                + " model's, and jcstress's to show");
        keepVerdict(r.scenario(), "memory model", "not shown", r.explored());
    }

    private static void keepTrace(String scenario, String shown) {
        if (BOUND != DEFAULT_BOUND) {
            return;
        }
        Path file = TRACES.resolve(scenario + ".txt");
        try {
            if (WRITE) {
                Files.createDirectories(TRACES);
                Files.writeString(file, shown);
                return;
            }
            assertTrue(
                    Files.isRegularFile(file),
                    "no kept trace " + file + ": write it with -Dfivechats.writeTraces=true");
            assertEquals(
                    Files.readString(file),
                    shown,
                    "the trace differs from the kept one in " + file + " (the chapters quote it): if the model"
                            + " changed, rewrite it with"
                            + " -Dfivechats.writeTraces=true");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checks (or, when writing, replaces) this scenario's line of {@code explored.csv}. */
    private static synchronized void keepVerdict(String scenario, String row, String verdict, int interleavings) {
        if (BOUND != DEFAULT_BOUND) {
            return;
        }
        String line = scenario + "," + row + "," + verdict + "," + interleavings;
        try {
            List<String> lines = Files.exists(EXPLORED) ? Files.readAllLines(EXPLORED) : List.of();
            String kept = lines.stream()
                    .filter(l -> l.startsWith(scenario + ","))
                    .findFirst()
                    .orElse(null);
            if (!WRITE) {
                assertEquals(
                        kept,
                        line,
                        "the verdict differs from the kept one in " + EXPLORED + " (the verdict matrix renders it): if"
                                + " the model changed, rewrite it with"
                                + " -Dfivechats.writeTraces=true");
                return;
            }
            List<String> rows = new ArrayList<>(lines.stream()
                    .filter(l -> !l.startsWith("#")
                            && !l.startsWith("scenario,")
                            && !l.isBlank()
                            && !l.startsWith(scenario + ","))
                    .toList());
            rows.add(line);
            rows.sort(null);
            Files.writeString(EXPLORED, EXPLORED_HEADER + String.join("\n", rows) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
