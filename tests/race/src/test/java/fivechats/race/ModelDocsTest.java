package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The checks of the docs that need the models' own classes: a quoted command's flags, as each model's command line
 * parses them; the contract kit's size; the per-client limit a text quotes; the fault run's table. Everything else
 * about the docs is checked in tests/docs, which needs no model ({@code ./mvnw -q -pl tests/docs -am verify}).
 */
class ModelDocsTest {
    private static final Path ROOT =
            Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();

    private static String read(Path path) throws IOException {
        return Files.readString(path);
    }
    /** A command line in a fenced block: after a {@code $ } prompt, or any line that runs Maven or {@code java}. */
    private static final Pattern COMMAND =
            Pattern.compile("^(?:\\$ (.+)|((?:mvn|\\./mvnw|\\S*/java|java) .+))$", Pattern.MULTILINE);

    /** Each model's command line: the same flags, parsed the same way, as {@code java -jar} uses. */
    private static final Map<String, Supplier<ModelCommand>> MODELS = Map.of(
            "polling-loop", fivechats.pollingloop.Main::new,
            "thread-per-connection", fivechats.threadperconnection.Main::new,
            "worker-pool", fivechats.workerpool.Main::new,
            "channel-hub", fivechats.channelhub.Main::new,
            "mutex-map", fivechats.mutexmap.Main::new);

    @Test
    @DisplayName("every command a chapter or README quotes names real modules, real tests and flags the model accepts")
    void quotedCommandsMatchTheCode() throws IOException {
        TreeSet<String> modules = modules();
        TreeSet<String> testClasses = testClasses();
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs()) {
            for (String block : fencedBlocks(Files.readString(doc))) {
                Matcher m = COMMAND.matcher(block);
                while (m.find()) {
                    String command = (m.group(1) != null ? m.group(1) : m.group(2)).trim();
                    String problem = check(command, modules, testClasses);
                    checked++;
                    if (problem != null) {
                        wrong.add(ROOT.relativize(doc) + ": $ " + command + "\n    " + problem);
                    }
                }
            }
        }
        assertTrue(checked >= 20, "only " + checked + " quoted commands found ('$ ' lines in fenced blocks)");
        assertTrue(wrong.isEmpty(), "quoted commands that no longer match the code:\n" + String.join("\n", wrong));
    }

    private static String check(String command, TreeSet<String> modules, TreeSet<String> testClasses) {
        List<String> words = words(command);
        if (words.size() >= 3 && words.get(0).endsWith("java") && words.get(2).equals("tools/target/tools.jar")) {
            return fivechats.tools.Main.problem(words.subList(3, words.size()).toArray(String[]::new));
        }
        if (words.size() >= 3 && words.get(0).endsWith("java") && words.get(1).equals("-jar")) {
            Matcher jar =
                    Pattern.compile("models/([a-z-]+)/target/([a-z-]+)\\.jar").matcher(words.get(2));
            if (!jar.matches() || !jar.group(1).equals(jar.group(2)) || !MODELS.containsKey(jar.group(1))) {
                return "no model builds " + words.get(2);
            }
            return refusal(jar.group(1), words.subList(3, words.size()));
        }
        if (words.get(0).equals("./model.sh") && words.size() >= 2) { // the jar, with a Java 21+ it finds
            return MODELS.containsKey(words.get(1))
                    ? refusal(words.get(1), words.subList(2, words.size()))
                    : "no model " + words.get(1);
        }
        if (words.get(0).endsWith(".sh")) {
            Path script = ROOT.resolve(words.get(0));
            return Files.isExecutable(script) ? null : "no executable script " + words.get(0) + " in the repository";
        }
        if (words.get(0).equals("mvn") || words.get(0).equals("./mvnw")) { // the wrapper runs the same Maven build
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals("-pl") && i + 1 < words.size()) {
                    for (String module : words.get(i + 1).split(",")) {
                        if (!modules.contains(module)) {
                            return "no Maven module " + module + " (modules: " + modules + ")";
                        }
                    }
                }
                if (w.startsWith("-Dtest=")) {
                    for (String test : w.substring(7).split(",")) {
                        String cls = test.split("#")[0];
                        if (!cls.contains("*") && !testClasses.contains(cls)) {
                            return "no test class " + cls;
                        }
                    }
                }
                if (w.startsWith("-Dfivechats.exercise=")) {
                    String id = w.substring("-Dfivechats.exercise=".length());
                    if (java.util.Arrays.stream(Exercise.ALL).noneMatch(e -> e.id().equals(id))) {
                        return "no exercise " + id + " in Exercise.ALL (the verdict scenarios would refuse it)";
                    }
                }
                if (w.startsWith("-Dchat.args=")) {
                    String module = words.get(words.indexOf("-pl") + 1).replace("models/", "");
                    String refused = MODELS.containsKey(module) ? refusal(module, words(w.substring(12))) : null;
                    if (refused != null) {
                        return refused;
                    }
                }
            }
        }
        return null;
    }

    /** Why {@code model} would refuse these flags, or null if its jar would start with them. */
    private static String refusal(String model, List<String> flags) {
        try {
            Launcher.check(MODELS.get(model).get(), flags.toArray(String[]::new));
            return null;
        } catch (IllegalArgumentException e) {
            return model + " would refuse " + flags + ": " + e.getMessage();
        }
    }

    /** The simple names of every Java class under tests/ (a -Dtest filter names one of them). */
    private static TreeSet<String> testClasses() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT.resolve("tests"))) {
            return files.filter(
                            p -> p.toString().endsWith(".java") && !p.toString().contains("/target/"))
                    .map(p -> p.getFileName().toString().replace(".java", ""))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Shell words: spaces split, single or double quotes group. */
    static List<String> words(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (char c : command.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (c == ' ') {
                if (any || word.length() > 0) {
                    words.add(word.toString());
                }
                word.setLength(0);
                any = false;
            } else {
                word.append(c);
            }
        }
        if (any || word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }

    private static TreeSet<String> modules() throws IOException {
        TreeSet<String> modules = new TreeSet<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (m.find()) {
            modules.add(m.group(1));
        }
        return modules;
    }

    private static List<String> fencedBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /** "18 tests" or "18 contract tests", said of the contract kit (ChatContract, "the contract kit" on the same line). */
    private static final Pattern KIT_COUNT =
            Pattern.compile("(?:ChatContract|contract kit)\\W[^.|]{0,60}?\\b(\\d+) tests|\\b(\\d+) contract tests");

    @Test
    @DisplayName("every count of the contract kit's tests in a chapter or README is the number ChatContract really has")
    void contractTestCountsAreTrue() throws IOException {
        long actual = VerdictMatrixTest.contractTests();
        List<String> wrong = new ArrayList<>();
        int seen = 0;
        for (Path doc : docs()) {
            String text = Files.readString(doc).replace('\n', ' ');
            Matcher m = KIT_COUNT.matcher(text);
            while (m.find()) {
                seen++;
                long said = Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
                if (said != actual) {
                    wrong.add(ROOT.relativize(doc) + " says " + said + " in '" + m.group() + "'");
                }
            }
        }
        assertTrue(seen > 0, "no document counts the contract kit's tests: is the pattern still right?");
        assertTrue(wrong.isEmpty(), "ChatContract has " + actual + " tests, but: " + wrong);
    }

    /** The chapters, the tutorial index, the top README and every module README. */
    private static List<Path> docs() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p ->
                            !p.toString().contains("/target/") && !p.toString().contains("/node_modules/"))
                    .sorted()
                    .toList();
        }
    }

    /** Shown to fail when chapter 8's "when 256 frames wait" was changed to 255, and on Jetty's 8 before it knew Jetty's. */
    @Test
    @DisplayName("every 'N frames' limit a text quotes is the code's: a model's per-client queue, or Jetty's outgoing"
            + " frames")
    void slowClientLimitIsQuotedAsTheCodeHasIt() throws IOException {
        List<Integer> limits = List.of(
                fivechats.channelhub.ChannelHub.DEFAULT_SEND_QUEUE,
                fivechats.mutexmap.MutexMap.Fixed.DEFAULT_SEND_QUEUE,
                fivechats.threadperconnection.ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE,
                fivechats.workerpool.WorkerPool.LANE_LIMIT);
        assertEquals(1, limits.stream().distinct().count(), "the fixed models' per-client limits differ: " + limits);
        int limit = limits.getFirst();
        int jetty = fivechats.transport.TransportConfig.DEFAULT_MAX_OUTGOING_FRAMES;
        Pattern quoted = Pattern.compile(
                "(?i)(?:up to|holds|after|when|is|falls|client|\\(buffer) (\\d+)(?:\\s+queued)?(?:\\s+frames|\\))");
        List<String> wrong = new java.util.ArrayList<>();
        int seen = 0;
        try (var files = Files.walk(ROOT)) {
            for (Path doc : files.filter(f -> f.toString().endsWith(".md")
                            && !f.toString().contains("node_modules")
                            && !f.toString().contains("/target/"))
                    .toList()) {
                String text = read(doc);
                Matcher m = quoted.matcher(text);
                while (m.find()) {
                    seen++;
                    boolean aboutJetty = text.substring(Math.max(0, m.start() - 80), m.start())
                            .contains("Jetty");
                    if (Integer.parseInt(m.group(1)) != (aboutJetty ? jetty : limit)) {
                        wrong.add(ROOT.relativize(doc) + ": '" + m.group() + "'");
                    }
                }
            }
        }
        assertTrue(seen >= 5, "only " + seen + " quotes of the limit found: has the wording changed?");
        assertTrue(
                wrong.isEmpty(),
                "texts quote a limit other than the code's (" + limit + " frames per client; Jetty's queue " + jetty
                        + " frames, when Jetty is named just before): " + wrong);
    }

    /** Fails with a fault's title changed in ClusterGuaranteesTest.Fault (RESTART called "Redis restarted empty") until the table is written again. */
    @Test
    @DisplayName("tutorial/cluster-guarantees.md has a row for every fault the fault run injects")
    void theGuaranteeTableHasEveryFault() throws IOException {
        String table = read(ClusterGuaranteesTest.TABLE);
        for (ClusterGuaranteesTest.Fault fault : ClusterGuaranteesTest.Fault.values()) {
            assertTrue(
                    table.contains("| " + fault.title + " | " + fault.what + " |"),
                    "tutorial/cluster-guarantees.md has no" + " row for '" + fault.title + "': write it again with "
                            + ClusterGuaranteesTest.COMMAND);
        }
    }
}
