package fivechats.jcstress;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.Outcome;

/**
 * Runs after jcstress and fails the build on a silent green. jcstress exits 0 when it ran on a JDK older than
 * 21 (every test SKIPPED), when a filter matched nothing, or when a test could not run on this many CPUs.
 * This guard fails when:
 * <ul>
 *   <li>it runs on a JDK older than 21 (the same {@code java} that ran jcstress);</li>
 *   <li>jcstress left no results, or printed FATAL;</li>
 *   <li>fewer tests ran, or passed, than the jar holds for the filter;</li>
 *   <li>a FORBIDDEN outcome was seen (jcstress fails for that too, but the summary says which);</li>
 *   <li>a test that declares an interesting outcome (a naive form) never showed it: the race did not happen;</li>
 *   <li>a test has no {@code @Description}, or a fixed form's description names no broken twin it catches;</li>
 *   <li>in fast mode, the committed thorough run (which the verdict matrix renders) covers other tests than the jar
 *       holds, or contradicts what a test declares.</li>
 * </ul>
 * It prints one line per test with the bad outcome's frequency, and in thorough mode writes them to
 * {@code tests/jcstress/thorough-results.csv}, which the verdict matrix renders.
 *
 * <p>Arguments: the jcstress output file, the jcstress jar, the test filter, the mode (fast or thorough), and
 * the CSV to write in thorough mode.
 */
public final class JcstressGuard {
    private static final Pattern RESULTS = Pattern.compile(
            "\\(Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs\\)");
    private static final Pattern TEST_HEADER = Pattern.compile("^\\.*\\s*\\[(OK|FAILED|ERROR)\\] (\\S+)");
    private static final Pattern ROW =
            Pattern.compile("^\\s*(.+?)\\s+([\\d,]+)\\s+([\\d.]+)%\\s+(Acceptable|Interesting|Forbidden)\\s+(.*)$");
    private static final Pattern TEST_LIST_NAME = Pattern.compile("^JCTEST(\\d+)S");

    /** Samples per outcome kind for one test, summed over every fork and configuration. */
    private static final class Tally {
        long total;
        long interesting;
        long forbidden;
        /** The outcome table of the first fork that saw a forbidden outcome, as jcstress printed it; null if none. */
        List<String> forbiddenTable;
        /** Every outcome over all forks: result -> samples, and result -> "Expectation  description". */
        final Map<String, Long> samples = new LinkedHashMap<>();

        final Map<String, String> meaning = new LinkedHashMap<>();

        /** The outcome table, summed over every fork: what chapter 4 reads (jcstress prints one per fork). */
        List<String> table() {
            List<String> rows = new ArrayList<>();
            rows.add(String.format("%-12s %13s %9s  %-11s  %s", "RESULT", "SAMPLES", "FREQ", "EXPECT", "DESCRIPTION"));
            samples.forEach((result, n) -> {
                String[] m = meaning.get(result).split("\t", 2);
                rows.add(String.format("%-12s %,13d %9s  %-11s  %s", result, n, percent(n, total), m[0], m[1]));
            });
            return rows;
        }
    }

    private JcstressGuard() {}

    public static void main(String[] args) throws IOException {
        Path output = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        Path failed = output.resolveSibling("jcstress-failed");
        Files.deleteIfExists(failed);
        Pattern filter = Pattern.compile(args[2]);
        String mode = args[3];
        List<String> problems = new ArrayList<>();

        int jdk = Runtime.version().feature();
        if (jdk < 21) {
            problems.add("jcstress ran on JDK " + jdk
                    + ": below 21 it silently skips every test. Let the toolchain pick a JDK 21+.");
        }
        if (!Files.exists(output)) {
            fail(failed, List.of("no jcstress output at " + output + ": did jcstress run?"));
        }
        String text = Files.readString(output);
        if (!text.contains("RUN RESULTS:")) {
            problems.add("jcstress produced no results (no RUN RESULTS section in " + output + ")");
        }
        if (text.contains("FATAL")) {
            problems.add("jcstress printed FATAL: see " + output);
        }

        List<String> inJar = testsIn(jar);
        List<String> expected =
                inJar.stream().filter(t -> filter.matcher(t).find()).toList();
        // "planned" counts test runs: one per test in fast mode, one per test and configuration in thorough mode.
        Matcher results = RESULTS.matcher(text);
        long planned = -1;
        long passed = -1;
        long broken = -1;
        while (results.find()) {
            planned = Long.parseLong(results.group(1));
            passed = Long.parseLong(results.group(2));
            broken = Long.parseLong(results.group(3))
                    + Long.parseLong(results.group(4))
                    + Long.parseLong(results.group(5));
        }
        if (expected.isEmpty()) {
            problems.add("the filter '" + filter + "' matches no test in " + jar);
        }
        if (planned < expected.size() || passed != planned || broken != 0) {
            problems.add(expected.size() + " tests match '" + filter + "', but jcstress planned " + planned
                    + " runs, passed " + passed + ", and " + broken + " failed or erred");
        }

        Map<String, Tally> tallies = tally(text);
        for (String test : expected) {
            if (!tallies.containsKey(test)) {
                problems.add(test + " has no results in the output");
            }
        }
        // A test that cannot fail proves nothing: every naive form must show its breakage in this very run, and every
        // fixed form must say which broken twin it was shown to catch.
        Map<String, Expectations> declarations = new TreeMap<>();
        for (String test : expected) {
            Expectations declared = declared(test);
            declarations.put(test, declared);
            if (declared.description() == null) {
                problems.add(test + " has no @Description: say what it races (jcstress shows it in its report)");
            } else if (declared.forbidden()
                    && !declared.interesting()
                    && !declared.description().contains("twin")) {
                problems.add(test
                        + " declares a FORBIDDEN outcome but its @Description names no broken twin it was"
                        + " shown to catch");
            }
            Tally t = tallies.get(test);
            if (declared.interesting() && t != null && t.interesting == 0) {
                // On a busy machine the two actors may seldom run at the same moment: repeat, within a bound, until
                // seen.
                for (int rerun = 1; rerun <= RERUNS && t.interesting == 0; rerun++) {
                    Tally again = rerun(jar, test, output.getParent().resolve("jcstress-rerun-" + rerun + ".txt"));
                    t.total += again.total;
                    t.interesting += again.interesting;
                    t.forbidden += again.forbidden;
                    again.samples.forEach((result, n) -> t.samples.merge(result, n, Long::sum));
                    again.meaning.forEach(t.meaning::putIfAbsent);
                    System.out.println("  " + test + ": rerun " + rerun + " of " + RERUNS + ", " + again.interesting
                            + " interesting in " + again.total + " samples");
                }
                if (t.interesting == 0) {
                    problems.add(test + " never showed its interesting outcome in " + t.total + " samples, " + RERUNS
                            + " reruns included: the race it is about did not happen, so this run proves"
                            + " nothing about it");
                }
            }
        }
        Map<String, Tally> committed = committed(Path.of(args[4]));
        if (mode.equals("fast")) {
            // The matrix renders the committed thorough run: it must cover exactly these tests and agree with this run.
            TreeSet<String> missing = new TreeSet<>(inJar);
            missing.removeAll(committed.keySet());
            TreeSet<String> gone = new TreeSet<>(committed.keySet());
            gone.removeAll(inJar);
            if (!missing.isEmpty() || !gone.isEmpty()) {
                problems.add(args[4] + " is stale: no thorough results for " + missing
                        + ", results for tests the jar no longer"
                        + " holds " + gone + ". Rerun the thorough mode for them (./mvnw verify -pl tests/jcstress -am"
                        + " -Djcstress.thorough -Djcstress.tests=REGEX keeps the other rows) and commit the file");
            }
            for (String test : expected) {
                Tally thorough = committed.get(test);
                if (thorough != null
                        && (thorough.forbidden > 0
                                || declarations.get(test).interesting() != (thorough.interesting > 0))) {
                    problems.add(test + ": the committed thorough run (" + thorough.interesting + " interesting, "
                            + thorough.forbidden
                            + " forbidden) contradicts what the test declares; rerun the thorough mode");
                }
            }
        }
        System.out.println("jcstress (" + mode + " mode, JDK " + jdk + "): " + expected.size()
                + " tests; bad outcome = interesting or forbidden");
        for (Map.Entry<String, Tally> e : new TreeMap<>(tallies).entrySet()) {
            Tally t = e.getValue();
            System.out.printf(
                    "  %-72s %,13d samples  interesting %8s  forbidden %8s%n",
                    e.getKey(), t.total, percent(t.interesting, t.total), percent(t.forbidden, t.total));
            if (expected.size() < inJar.size()) { // a run narrowed to a topic: show its tables, as chapter 4 reads them
                t.table().forEach(row -> System.out.println("      " + row));
            }
            if (t.forbidden > 0) {
                problems.add(e.getKey() + " saw a FORBIDDEN outcome " + t.forbidden + " times. Its outcome table"
                        + " (observed state, occurrences, expectation, what it means):\n      "
                        + String.join("\n      ", t.forbiddenTable)
                        + "\n    A forbidden outcome is the bug the test is about: read the test's header, then its"
                        + " @Outcome lines, and find the interleaving that produces the state above");
            }
        }
        System.out.println(
                "  (each fork's own table: " + output.toString().replaceFirst(".*/(tests/jcstress/)", "$1") + ")");
        if (mode.equals("thorough") && args.length > 4 && problems.isEmpty()) {
            writeCsv(Path.of(args[4]), tallies, committed, inJar, jdk);
        }
        if (!problems.isEmpty()) {
            fail(failed, problems);
        }
    }

    /** How many times a naive test that showed nothing is run again, one second each, before the guard gives up. */
    private static final int RERUNS = 3;

    /** Runs one test again with jcstress (one fork, one iteration of a second), on this JDK, and tallies it. */
    private static Tally rerun(Path jar, String test, Path out) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toString(),
                "-v",
                "-sc",
                "false",
                "-jvmArgs",
                "-XX:+UseG1GC",
                "-iters",
                "1",
                "-time",
                "1000",
                "-t",
                "^" + Pattern.quote(test) + "$",
                "-r",
                out.getParent().resolve("jcstress-rerun-results").toString());
        try {
            // In target/, like the first run: jcstress leaves its binary log (jcstress-results-*.bin.gz) where it runs.
            Process process = new ProcessBuilder(command)
                    .directory(out.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tally(Files.readString(out)).getOrDefault(test, new Tally());
    }

    /** What a test's annotations declare: read from the test class itself, so the guard cannot drift from it. */
    record Expectations(boolean interesting, boolean forbidden, String description) {}

    static Expectations declared(String test) {
        Class<?> type = load(test);
        boolean interesting = false;
        boolean forbidden = false;
        for (Outcome outcome : type.getAnnotationsByType(Outcome.class)) {
            interesting |= outcome.expect() == Expect.ACCEPTABLE_INTERESTING;
            forbidden |= outcome.expect() == Expect.FORBIDDEN;
        }
        Description description = type.getAnnotation(Description.class);
        return new Expectations(interesting, forbidden, description == null ? null : description.value());
    }

    /** "pkg.Topic.Form" names the nested class pkg.Topic$Form. */
    private static Class<?> load(String test) {
        String name = test;
        while (true) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                int dot = name.lastIndexOf('.');
                if (dot < 0) {
                    throw new IllegalStateException("no class for jcstress test " + test, e);
                }
                name = name.substring(0, dot) + '$' + name.substring(dot + 1);
            }
        }
    }

    /** The committed thorough run, as the tallies that wrote it. */
    static Map<String, Tally> committed(Path csv) throws IOException {
        Map<String, Tally> rows = new TreeMap<>();
        if (!Files.exists(csv)) {
            return rows;
        }
        for (String line : Files.readAllLines(csv)) {
            if (line.startsWith("#") || line.startsWith("test,") || line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            Tally t = new Tally();
            t.total = Long.parseLong(f[1]);
            t.interesting = Long.parseLong(f[2]);
            t.forbidden = Long.parseLong(f[3]);
            rows.put(f[0], t);
        }
        return rows;
    }

    private static String percent(long part, long total) {
        return total == 0 ? "-" : String.format("%.4f%%", 100.0 * part / total);
    }

    /** Test names in the jar's META-INF/TestList: each line is JCTEST, then the name's length, S, the name. */
    static List<String> testsIn(Path jar) throws IOException {
        List<String> names = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            var entry = file.getEntry("META-INF/TestList");
            if (entry == null) {
                return names;
            }
            try (InputStream in = file.getInputStream(entry)) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    Matcher m = TEST_LIST_NAME.matcher(line);
                    if (m.find()) {
                        int length = Integer.parseInt(m.group(1));
                        names.add(line.substring(m.end(), m.end() + length));
                    }
                }
            }
        }
        return names;
    }

    /** Sums the per-fork result tables (printed with -v) per test, before the final summary. */
    static Map<String, Tally> tally(String text) {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        int summary = text.indexOf("RUN RESULTS:");
        String runs = summary < 0 ? text : text.substring(0, summary);
        String current = null;
        List<String> table = new ArrayList<>(); // the current fork's rows
        for (String line : runs.split("\n")) {
            Matcher header = TEST_HEADER.matcher(line);
            if (header.find()) {
                current = header.group(2);
                tallies.computeIfAbsent(current, k -> new Tally());
                table = new ArrayList<>();
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (current != null && row.matches()) {
                long samples = Long.parseLong(row.group(2).replace(",", ""));
                Tally t = tallies.get(current);
                t.total += samples;
                t.samples.merge(row.group(1).strip(), samples, Long::sum);
                t.meaning.putIfAbsent(
                        row.group(1).strip(), row.group(4) + "\t" + row.group(5).strip());
                table.add(line.strip());
                switch (row.group(4)) {
                    case "Interesting" -> t.interesting += samples;
                    case "Forbidden" -> {
                        t.forbidden += samples;
                        if (samples > 0 && t.forbiddenTable == null) {
                            t.forbiddenTable = table; // the same list: the fork's later rows still arrive in it
                        }
                    }
                    default -> {}
                }
            }
        }
        return tallies;
    }

    /**
     * Writes this run's tallies; a run of some tests only (a filter) keeps the committed rows of the others, so one
     * topic can be rerun without rerunning all. Tests no longer in the jar are dropped.
     */
    private static void writeCsv(
            Path csv, Map<String, Tally> run, Map<String, Tally> committed, List<String> inJar, int jdk)
            throws IOException {
        Map<String, Tally> tallies = new TreeMap<>(committed);
        tallies.keySet().retainAll(inJar);
        tallies.putAll(run);
        StringBuilder out =
                new StringBuilder("# jcstress thorough run (-m quick) on " + java.time.LocalDate.now() + ": JDK "
                        + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs (" + cpuModel()
                        + "). Written by JcstressGuard; rendered by VerdictMatrixTest.\n");
        out.append("test,samples,interesting,forbidden\n");
        for (Map.Entry<String, Tally> e : new TreeMap<>(tallies).entrySet()) {
            Tally t = e.getValue();
            out.append(e.getKey())
                    .append(',')
                    .append(t.total)
                    .append(',')
                    .append(t.interesting)
                    .append(',')
                    .append(t.forbidden)
                    .append('\n');
        }
        Files.writeString(csv, out);
        System.out.println("wrote " + csv);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
    }

    /**
     * Prints what failed and leaves a marker file for the build to fail on (the enforcer rule in the pom), so a red
     * run ends with this verdict and one line of Maven, not a Maven stack trace after it.
     */
    private static void fail(Path marker, List<String> problems) throws IOException {
        System.out.println("jcstress guard FAILED:");
        problems.forEach(p -> System.out.println("  - " + p));
        System.out.println(
                "Every run's full output is in tests/jcstress/target/jcstress-output.txt and its HTML report in"
                        + " tests/jcstress/target/jcstress-results/index.html.");
        Files.writeString(marker, String.join("\n", problems) + "\n"); // the pom's enforcer rule fails the build on it
        System.exit(0);
    }
}
