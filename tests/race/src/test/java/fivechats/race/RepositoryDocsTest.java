package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.transport.ChatModel;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Fails when the README and the build drift apart: a model built but not listed, or listed but not built. Links: {@link TutorialTest}. */
class RepositoryDocsTest {
    private static final Path ROOT = Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Pattern MODULE = Pattern.compile("<module>models/([a-z-]+)</module>");
    private static final Pattern README_MODEL = Pattern.compile("^\\| \\[`([a-z-]+)`]\\(models/([a-z-]+)/\\)", Pattern.MULTILINE);

    private static String read(Path path) throws IOException {
        return Files.readString(path);
    }

    @Test
    @DisplayName("shared/README.md's flag list is what --help prints under 'Transport flags', word for word")
    void sharedReadmeListsTheFlagsHelpPrints() throws IOException {
        String readme = read(ROOT.resolve("shared/README.md"));
        int start = readme.indexOf("## Flags (every model)\n\n```\n");
        assertTrue(start >= 0, "shared/README.md has no '## Flags (every model)' block");
        start = readme.indexOf("```\n", start) + 4;
        String listed = readme.substring(start, readme.indexOf("```", start));
        assertEquals(transportHelp(), listed, "shared/README.md's flags vs what --help prints: copy the help into the README");
    }

    /** The transport's part of any model's --help (TransportOptions, rendered by picocli), without its indent. */
    static String transportHelp() {
        String usage = Launcher.usage(new ModelCommand() {
            @Override
            public ChatModel model() {
                return null;
            }
        });
        String heading = String.format(Launcher.TRANSPORT_HEADING).strip();
        List<String> lines = usage.substring(usage.indexOf(heading) + heading.length()).stripTrailing().lines()
                .dropWhile(String::isBlank).map(String::stripTrailing).toList();
        int indent = lines.stream().mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.substring(indent)).collect(Collectors.joining("\n", "", "\n"));
    }

    /** Shown to fail when chapter 8's "when 256 frames wait" was changed to 255, and on Jetty's 8 before it knew Jetty's. */
    @Test
    @DisplayName("every 'N frames' limit a text quotes is the code's: a model's per-client queue, or Jetty's outgoing frames")
    void slowClientLimitIsQuotedAsTheCodeHasIt() throws IOException {
        List<Integer> limits = List.of(fivechats.channelhub.ChannelHub.DEFAULT_SEND_QUEUE,
                fivechats.mutexmap.MutexMap.Fixed.DEFAULT_SEND_QUEUE,
                fivechats.threadperconnection.ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE,
                fivechats.workerpool.WorkerPool.LANE_LIMIT);
        assertEquals(1, limits.stream().distinct().count(), "the fixed models' per-client limits differ: " + limits);
        int limit = limits.getFirst();
        int jetty = fivechats.transport.TransportConfig.DEFAULT_MAX_OUTGOING_FRAMES;
        Pattern quoted = Pattern.compile("(?i)(?:up to|holds|after|when|is|falls|client|\\(buffer) (\\d+)(?:\\s+queued)?(?:\\s+frames|\\))");
        List<String> wrong = new java.util.ArrayList<>();
        int seen = 0;
        try (var files = Files.walk(ROOT)) {
            for (Path doc : files.filter(f -> f.toString().endsWith(".md") && !f.toString().contains("node_modules")
                    && !f.toString().contains("/target/")).toList()) {
                String text = read(doc);
                Matcher m = quoted.matcher(text);
                while (m.find()) {
                    seen++;
                    boolean aboutJetty = text.substring(Math.max(0, m.start() - 80), m.start()).contains("Jetty");
                    if (Integer.parseInt(m.group(1)) != (aboutJetty ? jetty : limit)) {
                        wrong.add(ROOT.relativize(doc) + ": '" + m.group() + "'");
                    }
                }
            }
        }
        assertTrue(seen >= 5, "only " + seen + " quotes of the limit found: has the wording changed?");
        assertTrue(wrong.isEmpty(), "texts quote a limit other than the code's (" + limit
                + " frames per client; Jetty's queue " + jetty + " frames, when Jetty is named just before): " + wrong);
    }

    @Test
    @DisplayName("chapter 1's map of the tutorial numbers every later chapter as its file does, and misses none")
    void chapterOneMapsEveryChapter() throws IOException {
        Matcher row = Pattern.compile("^\\| \\[(\\d+)\\. [^\\]]+]\\((\\d\\d)-[a-z0-9-]+\\.md\\)", Pattern.MULTILINE)
                .matcher(read(ROOT.resolve("tutorial/01-why-this-repository.md")));
        TreeSet<Integer> mapped = new TreeSet<>();
        while (row.find()) {
            assertEquals(Integer.parseInt(row.group(2)), Integer.parseInt(row.group(1)), "chapter 1 numbers " + row.group());
            mapped.add(Integer.parseInt(row.group(2)));
        }
        TreeSet<Integer> chapters = new TreeSet<>();
        try (var files = Files.list(ROOT.resolve("tutorial"))) {
            files.map(f -> f.getFileName().toString()).filter(f -> f.matches("\\d\\d-.*\\.md"))
                    .map(f -> Integer.parseInt(f.substring(0, 2))).filter(n -> n > 1).forEach(chapters::add);
        }
        assertEquals(chapters, mapped, "chapters in tutorial/ vs chapters in chapter 1's map");
    }

    @Test
    @DisplayName("README.md lists exactly the model modules that pom.xml builds, each with its own README")
    void readmeListsEveryModelModule() throws IOException {
        TreeSet<String> built = new TreeSet<>();
        Matcher m = MODULE.matcher(read(ROOT.resolve("pom.xml")));
        while (m.find()) {
            built.add(m.group(1));
        }
        TreeSet<String> listed = new TreeSet<>();
        Matcher r = README_MODEL.matcher(read(ROOT.resolve("README.md")));
        while (r.find()) {
            assertEquals(r.group(1), r.group(2), "README row links " + r.group(1) + " to models/" + r.group(2));
            listed.add(r.group(1));
        }
        assertTrue(!built.isEmpty(), "no model modules found in " + ROOT.resolve("pom.xml"));
        assertEquals(built, listed, "models built by pom.xml vs models listed in README.md");
        for (String model : built) {
            assertTrue(Files.isRegularFile(ROOT.resolve("models").resolve(model).resolve("README.md")),
                    "models/" + model + " has no README.md");
        }
    }

    /** Fails with a fault's title changed in ClusterGuaranteesTest.Fault (RESTART called "Redis restarted empty") until the table is written again. */
    @Test
    @DisplayName("tutorial/cluster-guarantees.md has a row for every fault the fault run injects")
    void theGuaranteeTableHasEveryFault() throws IOException {
        String table = read(ClusterGuaranteesTest.TABLE);
        for (ClusterGuaranteesTest.Fault fault : ClusterGuaranteesTest.Fault.values()) {
            assertTrue(table.contains("| " + fault.title + " | " + fault.what + " |"), "tutorial/cluster-guarantees.md has no"
                    + " row for '" + fault.title + "': write it again with " + ClusterGuaranteesTest.COMMAND);
        }
    }
}
