package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.race.VerdictTable.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The verdict matrix: {@link VerdictTable} rendered as {@code tutorial/verdicts.md}. Fails when the committed
 * file is stale; regenerate it with
 * {@code ./mvnw -pl tests/race -am verify -Dtest=VerdictMatrixTest -Dfivechats.writeVerdicts=true}.
 * Also checks that the columns the contract kit asserts (slow client, heartbeat, shutdown, leaks) really are
 * asserted: every fixed row names its contract class, which promises the same slow-client policy.
 */
class VerdictMatrixTest {
    private static final Path ROOT =
            Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Path MATRIX = ROOT.resolve("tutorial/verdicts.md");
    /** Written by the jcstress module's guard after a thorough run; committed. */
    static final Path JCSTRESS = ROOT.resolve("tests/jcstress/thorough-results.csv");

    /** One jcstress test's totals in the committed thorough run. */
    record Stress(long samples, long interesting, long forbidden) {
        long bad() {
            return interesting + forbidden;
        }
    }

    static Map<String, Stress> jcstress() throws IOException {
        Map<String, Stress> results = new TreeMap<>();
        for (String[] f : csvRows(JCSTRESS, "test,")) {
            results.put(f[0], new Stress(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
        }
        return results;
    }

    /** A committed CSV's rows, split: no comment, no header line (it starts with {@code header}), no blank line. */
    private static List<String[]> csvRows(Path csv, String header) throws IOException {
        List<String[]> rows = new ArrayList<>();
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv)) {
                if (!line.startsWith("#") && !line.startsWith(header) && !line.isBlank()) {
                    rows.add(line.split(","));
                }
            }
        }
        return rows;
    }

    /** "Registry_01: 2.17% of 5.1M" for each of the row's tests. */
    private static String stressCell(Row row, Map<String, Stress> results) {
        List<String> parts = new ArrayList<>();
        for (String test : row.jcstress()) {
            Stress r = results.get(test);
            String topic = test.substring(test.lastIndexOf('.', test.lastIndexOf('.') - 1) + 1, test.lastIndexOf('.'));
            topic = topic.substring(0, topic.indexOf('_', topic.indexOf('_') + 1));
            if (r == null) {
                parts.add(topic + ": no thorough run yet");
            } else if (r.bad() == 0) {
                parts.add(topic + ": never in " + millions(r.samples()));
            } else {
                parts.add(topic + ": " + String.format(Locale.ROOT, "%.2f%%", 100.0 * r.bad() / r.samples()) + " of "
                        + millions(r.samples()));
            }
        }
        return String.join("; ", parts);
    }

    private static String millions(long samples) {
        return String.format(Locale.ROOT, "%.1fM", samples / 1e6);
    }
    /** Written by tests/interleavings ({@code -Dfivechats.writeTraces=true}); committed, and checked by every run there. */
    static final Path EXPLORED = ROOT.resolve("tests/interleavings/explored.csv");

    /** One scenario's verdict in the committed exploration: its matrix row, "broken", "held" or "not shown", and in how many interleavings. */
    record Explored(String scenario, String row, String verdict, int interleavings) {
        String topic() {
            return scenario.substring(0, scenario.indexOf('_', scenario.indexOf('_') + 1));
        }
    }

    static List<Explored> explored() throws IOException {
        List<Explored> all = new ArrayList<>();
        for (String[] f : csvRows(EXPLORED, "scenario,")) {
            all.add(new Explored(f[0], f[1], f[2], Integer.parseInt(f[3])));
        }
        return all;
    }

    /** "Registry_02: broken in interleaving 6" or "Overlap_01: held in 200" for each of the row's explorations. */
    private static String exploredCell(String row, List<Explored> all) {
        List<String> parts = all.stream()
                .filter(e -> e.row().equals(row))
                .map(e -> e.topic() + ": "
                        + switch (e.verdict()) {
                            case "broken" -> "broken in interleaving " + e.interleavings();
                            case "held" -> "held in " + String.format(Locale.ROOT, "%,d", e.interleavings());
                            default -> e.verdict() + " in " + String.format(Locale.ROOT, "%,d", e.interleavings());
                        })
                .toList();
        return parts.isEmpty() ? "not explored" : String.join("; ", parts);
    }

    static final String REGENERATE =
            "./mvnw -pl tests/race -am verify -Dtest=VerdictMatrixTest -Dfivechats.writeVerdicts=true";

    static String render() throws IOException {
        Map<String, Stress> stress = jcstress();
        List<Explored> explored = explored();
        String runLine = Files.exists(JCSTRESS)
                ? Files.readAllLines(JCSTRESS).get(0).replaceFirst("^#\\s*", "")
                : "no thorough run committed yet";
        StringBuilder md = new StringBuilder();
        md.append("# The verdict matrix\n\n");
        md.append("What each model does under each stress, as the tests observe it. Generated from\n");
        md.append(
                "[`VerdictTable`](../tests/race/src/test/java/fivechats/race/VerdictTable.java), the one place the\n");
        md.append("expected verdicts live; the race tests assert every cell, and a test fails when this file is"
                + " stale.\n");
        md.append("Regenerate it with `").append(REGENERATE).append("`.\n\n");
        md.append("| model | variant | concurrent writes (detector refusing) | Jetty alone, a client stuck (detector"
                + " reporting) | per-sender order | registry under churn | slow client | heartbeat | shutdown |"
                + " leaks | threads at 1,000 clients | jcstress: bad outcome, thorough run | explorer:"
                + " interleavings until the break, or held |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : VerdictTable.ROWS) {
            boolean contract = row.contract() != null;
            String kit = contract ? "ok" : "not run";
            md.append("| ")
                    .append(row.model())
                    .append(" | ")
                    .append(row.variant())
                    .append(" | ")
                    .append(row.writes().text)
                    .append(" | ")
                    .append(row.jetty().text)
                    .append(" | ")
                    .append(row.order().text)
                    .append(" | ")
                    .append(row.churn().text)
                    .append(" | ")
                    .append(slowClient(row))
                    .append(" | ")
                    .append(kit)
                    .append(" | ")
                    .append(kit)
                    .append(" | ")
                    .append(kit)
                    .append(" | ")
                    .append(row.threadsText())
                    .append(" = ")
                    .append(String.format(Locale.ROOT, "%,d", row.threads().applyAsInt(1000)))
                    .append(" | ")
                    .append(stressCell(row, stress))
                    .append(" | ")
                    .append(exploredCell(row.id(), explored))
                    .append(" |\n");
        }
        md.append("""

            ## How each column is observed

            Every scenario waits for exact counts (every write the model owes has ended, sent or refused; every frame
            sent has arrived), never for a quiet moment. Each cell names the mechanism that was observed. After
            every scenario of a fixed form, the promise checker ([`Promises`](../tests/race/src/main/java/fivechats/race/Promises.java))
            reads everything each client received: welcome first, presence a set, nothing from a client after its
            leave, each sender's lines once and in order.

            - **concurrent writes (detector refusing)**: 6 clients, 4 of them sending 25 lines at once, with the
              transport's race window on (`--race-window 5ms`: each write holds its single-send slot until a rival
              writer arrives, or 5 ms), so an overlap that is common but not certain happens every time. The transport's
              detector refuses the second writer, as gorilla does (stricter than Jetty, which queues up to 8), so an
              overlap costs that client the line. (`VerdictScenariosTest.concurrentWrites`)
            - **Jetty alone, a client stuck (detector reporting)**: the detector only counts and names overlaps and lets
              every send through, so Jetty alone decides. One client stops reading, 12 others flood; every writer that
              reaches the stuck client's connection waits there. Jetty queues `maxOutgoingFrames` (8) sends per connection
              and refuses the next with `java.nio.channels.WritePendingException`, as its programming guide warns ("You
              cannot initiate another send of any kind until the previous send is completed"). A model whose overlaps stay
              within the bound loses nothing to Jetty: without the detector it breaks only by order.
              (`VerdictScenariosTest.jettyAloneBehindAStuckClient`)
            - **per-sender order**: one sender's burst of 200 lines to 3 receivers, the detector reporting only (so no line
              is lost to it). The worker pool runs with 2 workers and `--slow-worker`: worker 0 holds each task until a
              later one has overtaken it, so reordering happens whenever the design allows it.
              (`VerdictScenariosTest.perSenderOrder`)
            - **registry under churn**: up to 10 rounds of 400 clients joining from 8 threads at once, into one server whose
              registry grows by 400 a round (the storm's clients hear no presence, so each join is nothing but walks of the
              registry, longer every round); after each round the registry must hold everyone and no model thread may have
              died (an unsynchronised `HashMap` loses a registration, or a walk throws `ConcurrentModificationException`).
              Then a client stops reading and its write times out while others broadcast: the chat must go on, and a
              freeze counts as a deadlock only when a thread dump shows a reader waiting for the write lock it cannot get.
              (`VerdictScenariosTest.registryUnderChurn`)
            """);
        md.append("- **slow client, heartbeat, shutdown, leaks**: the whole contract kit (`ChatContract`, ")
                .append(contractTests())
                .append(" tests), run on\n  every fixed variant; naive variants are not run through it.\n");
        md.append("""
            - **threads at 1,000 clients**: model threads (virtual threads included) counted with 1,000 clients
              connected. (`VerdictScenariosTest.threadsAtOneThousandClients`)
            - **jcstress**: below the network, two actors on the state the variant's correctness rests on
              ([`tests/jcstress`](../tests/jcstress/)). The share of samples with the bad outcome (interesting for a
              naive form, forbidden for a fixed one) in the last committed thorough run. Every fast run in `./mvnw verify`
              re-checks it: each naive form must show its bad outcome in that run too, and the committed run must cover
              exactly the tests the build holds. Each fixed form names, in its header, the broken twin it was shown to catch.
            """);
        md.append("  ").append(runLine).append("\n");
        md.append("""
            - **explorer**: the same scenarios, and two only it can run (a deadlock, a double eviction), with their threads
              handed to Lincheck's model checker ([`tests/interleavings`](../tests/interleavings/)), which tries one
              interleaving after another from a fixed seed, at most 200 per scenario in the build. A naive form's cell
              says in which interleaving the break came (the same in every run; [chapter
              9](09-testing-concurrency.md#4-interleavings-the-steps-that-break-it) shows its steps and how to read
              them); a fixed form's, through how many interleavings it held. The send queue the fixed forms share:
            """);
        md.append("  ")
                .append(exploredCell("outbox", explored))
                .append(". Where the explorer stops: a lost update is an" + " interleaving (")
                .append(exploredCell("memory model", explored)
                        .replace("; ", "), a store buffer's" + " (0, 0) is none ("))
                .append("): that one is jcstress's to show. Assignment A's reference solution,"
                        + " the sharded hub, two joins at once: ")
                .append(exploredCell("sharded-hub (reference)", explored))
                .append(" (the grader explores a student's scenarios the same way).\n");
        md.append(renderCluster());
        if (!VerdictTable.KNOWN_DEFECTS.isEmpty()) {
            md.append("\n## Known defects of fixed forms, not repaired yet\n\n");
            md.append("Observed from outside with real clients; each cell above is true of the scenarios it names, and"
                    + " these are\n");
            md.append("what those scenarios do not yet cover.\n\n");
            VerdictTable.KNOWN_DEFECTS.forEach((row, defect) ->
                    md.append("- **").append(row).append("**: ").append(defect).append("\n"));
        }
        return md.toString();
    }

    /** The second table: the same chat on three servers and one Redis, each bus ({@link ClusterVerdictTable}). */
    static String renderCluster() {
        StringBuilder md = new StringBuilder();
        md.append("""

            ## Across servers: the cluster's buses

            The same chat on three servers (A, B, C) that share one Redis ([chapter 12](12-scale-out.md)). Every model runs
            clustered unchanged; the bus between the servers is what differs. Asserted by
            [`ClusterTest`](../tests/race/src/test/java/fivechats/race/ClusterTest.java) against a real `redis-server`, from
            [`ClusterVerdictTable`](../tests/race/src/test/java/fivechats/race/ClusterVerdictTable.java).

            | `--broker-mode` | form | a line sent on A, B or C | every broker connection killed 10 times during a flood | a line the broker holds twice | a server killed with SIGKILL | two senders on two servers at once |
            |---|---|---|---|---|---|---|
            """);
        for (ClusterVerdictTable.Row row : ClusterVerdictTable.ROWS) {
            md.append("| ")
                    .append(row.mode().name().toLowerCase(Locale.ROOT))
                    .append(" | ")
                    .append(row.form())
                    .append(" | ")
                    .append(ClusterVerdictTable.FAN_OUT)
                    .append(" | ")
                    .append(row.blip().text)
                    .append(" | ")
                    .append(row.resent().text)
                    .append(" | ")
                    .append(ClusterVerdictTable.SIGKILL)
                    .append(" | ")
                    .append(row.interleaving().text)
                    .append(" |\n");
        }
        md.append("""

            - **a line sent on A, B or C**: two clients on each server send 25 lines each; every client must get all 150,
              each sender's in order, none twice. A newcomer's welcome lists the clients of all three servers, and a sender
              that leaves right after its last line is heard leaving after that line, on its own server too.
              (`ClusterTest.everyLineReachesEveryServer`)
            - **broker blip**: a client on A floods (at most 200 lines ahead of its neighbour), and ten times the test kills
              every server's Redis connections with `CLIENT KILL`, waits for Lettuce to reconnect and for lines to reach B
              again. Then it counts what a client on B got of the flood. (`ClusterTest.brokerBlipDuringAFlood`)
            - **a line the broker holds twice**: what a resend does when the first copy landed but its reply was lost; the
              test puts a copy of a published line back on the bus. (`ClusterTest.aLineTheBrokerHoldsTwice`)
            - **SIGKILL**: a server started as its own process (the packaged jar) is killed with a client on it; a client on
              another server must hear that client leave within the bound. (`ClusterTest.deadServersClientsAreAnnouncedAsLeft`)
            - **two senders on two servers**: one on A and one on B send 300 lines each at the same moment; the test compares
              the interleaving seen by a client on A, one on B and two on C. (`ClusterTest.twoSendersOnTwoServers`)
            """);
        return md.toString();
    }

    /** The contract kit's size, counted, never typed. */
    static long contractTests() {
        return java.util.Arrays.stream(ChatContract.class.getInterfaces()) // its sections
                .flatMap(section -> java.util.Arrays.stream(section.getDeclaredMethods()))
                .filter(m -> m.isAnnotationPresent(org.junit.jupiter.api.Test.class))
                .count();
    }

    private static String slowClient(Row row) {
        if (row.slowClient() == null) {
            return "not run";
        }
        String promise = switch (row.slowClient()) {
            case EVICTED_WITH_1008 -> "evicted with 1008; others unaffected";
            case DROPPED_AFTER_WRITE_WAIT -> "stalls everyone up to writeWait, then dropped";
        };
        return VerdictTable.KNOWN_DEFECTS.containsKey(row.id())
                ? promise + " (one at a time: see known defects)"
                : promise;
    }

    @Test
    @DisplayName("tutorial/verdicts.md is the current rendering of VerdictTable")
    void matrixIsFresh() throws Exception {
        String expected = render();
        if (Boolean.getBoolean("fivechats.writeVerdicts")) {
            Files.createDirectories(MATRIX.getParent());
            Files.writeString(MATRIX, expected);
        }
        assertTrue(Files.exists(MATRIX), MATRIX + " is missing; generate it with: " + REGENERATE);
        assertEquals(
                expected, Files.readString(MATRIX), "tutorial/verdicts.md is stale; regenerate it with: " + REGENERATE);
    }

    @Test
    @DisplayName("every fixed row is run through the contract kit with the slow-client policy the matrix shows")
    void contractColumnsAreAsserted() throws Exception {
        for (Row row : VerdictTable.ROWS) {
            if (row.contract() == null) {
                continue;
            }
            ChatContract contract = row.contract().getDeclaredConstructor().newInstance();
            assertEquals(
                    row.slowClient(),
                    contract.slowClientPolicy(),
                    row + ": the matrix and " + row.contract().getSimpleName());
            assertEquals(
                    row.factory().get().getClass(),
                    contract.newModel().getClass(),
                    row + ": " + row.contract().getSimpleName() + " tests a different model");
        }
    }

    /** The jcstress tests of assignment A's reference solution (tests/assignments/sharded-hub), which the grader explores. */
    static final Set<String> REFERENCE_SOLUTION = Set.of("fivechats.shardedhub.Presence_02_TwoJoins.Hub");

    /** Chapter 4's jcstress tests: each broken form, and the fixed twin beside it. */
    static final Map<String, String> MEMORY_MODEL_BROKEN = Map.of(
            "fivechats.jmm.Visibility_01_StopFlag.Plain", "fivechats.jmm.Visibility_01_StopFlag.Volatile",
            "fivechats.jmm.HappensBefore_01_StoreBuffer.Plain", "fivechats.jmm.HappensBefore_01_StoreBuffer.Volatile",
            "fivechats.jmm.Atomicity_01_Counter.VolatileIncrement", "fivechats.jmm.Atomicity_01_Counter.Atomic");

    @Test
    @DisplayName(
            "the committed jcstress run covers exactly the tests the table names: naive ones broke, fixed ones never"
                    + " did")
    void jcstressColumnMatchesTheRun() throws Exception {
        Map<String, Stress> results = jcstress();
        assertTrue(
                !results.isEmpty(),
                JCSTRESS + " is missing: run ./mvnw verify -pl tests/jcstress -am -Djcstress.thorough");
        Set<String> named = new TreeSet<>();
        VerdictTable.ROWS.forEach(r -> named.addAll(r.jcstress()));
        // The memory-model chapter's tests belong to no model: each broken form must have shown its outcome.
        Set<String> language = new TreeSet<>(results.keySet());
        language.removeIf(t -> !t.startsWith("fivechats.jmm."));
        Set<String> chapter = new TreeSet<>(MEMORY_MODEL_BROKEN.keySet());
        chapter.addAll(MEMORY_MODEL_BROKEN.values());
        assertEquals(chapter, language, "the memory-model tests (chapter 4) in " + JCSTRESS);
        for (String test : language) {
            Stress r = results.get(test);
            assertEquals(0, r.forbidden(), test + " saw a forbidden outcome");
            assertEquals(MEMORY_MODEL_BROKEN.containsKey(test), r.interesting() > 0, test + ": " + r);
        }
        // Assignment A's reference solution is no row of the matrix; its scenario must hold like any fixed form's.
        for (String test : REFERENCE_SOLUTION) {
            assertEquals(
                    0,
                    results.containsKey(test)
                            ? results.get(test).forbidden() + results.get(test).interesting()
                            : -1,
                    test + " must be in " + JCSTRESS + ", with no bad outcome");
        }
        Set<String> models = new TreeSet<>(results.keySet());
        models.removeAll(language);
        models.removeAll(REFERENCE_SOLUTION);
        assertEquals(named, models, "jcstress tests named in VerdictTable vs tests in " + JCSTRESS);
        for (Row row : VerdictTable.ROWS) {
            for (String test : row.jcstress()) {
                assertEquals(0, results.get(test).forbidden(), test + " saw a forbidden outcome");
            }
            if (row.contract() == null) { // a naive (or locked) form: at least one of its topics must show it breaking
                assertTrue(
                        row.jcstress().stream().anyMatch(t -> results.get(t).interesting() > 0),
                        row + ": none of " + row.jcstress() + " showed a bad outcome in the thorough run");
            }
        }
    }

    @Test
    @DisplayName("the matrix lists every model module the build has")
    void everyModelHasARow() throws Exception {
        Set<String> built = new TreeSet<>();
        Matcher m =
                Pattern.compile("<module>models/([a-z-]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (m.find()) {
            built.add(m.group(1));
        }
        Set<String> rows = new TreeSet<>();
        VerdictTable.ROWS.forEach(r -> rows.add(r.model()));
        assertEquals(built, rows, "models in pom.xml vs rows in VerdictTable");
        assertNotNull(MATRIX);
    }
}
