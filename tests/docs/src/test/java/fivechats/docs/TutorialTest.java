package fivechats.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Keeps the tutorial honest. Code in a chapter is never pasted by hand: a chapter marks where a snippet goes,
 *
 * <pre>
 *   &lt;!-- snippet models/channel-hub/src/main/java/fivechats/channelhub/ChannelHub.java#hub-loop --&gt;
 * </pre>
 *
 * and the fenced block under it must equal the lines between {@code // snippet:hub-loop} and {@code // end-snippet}
 * in that file. A chapter's benchmark figures ({@code <!-- figures TARGET -->}) must equal what
 * {@code tutorial/benchmark.json} says, and every link must resolve. (The quoted commands, whose flags only the models'
 * own classes can judge, are checked by tests/race's ModelDocsTest.)
 *
 * <p>After changing the code: {@code ./mvnw -q -pl tests/docs -am verify -Dtest=TutorialTest -Dfivechats.writeTutorial=true}
 * rewrites the snippets and figures in place; review the diff and commit it.
 */
class TutorialTest {
    private static final Path ROOT =
            Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Path TUTORIAL = ROOT.resolve("tutorial");
    private static final boolean WRITE = Boolean.getBoolean("fivechats.writeTutorial");

    private static final Pattern CHAPTER = Pattern.compile("(\\d\\d)-[a-z0-9-]+\\.md");
    private static final Pattern SNIPPET =
            Pattern.compile("<!-- snippet ([^#\\s]+)#([a-z0-9-]+) -->\\n```(\\w*)\\n(.*?)```\\n", Pattern.DOTALL);
    private static final Pattern FIGURES =
            Pattern.compile("<!-- figures ([^>]+?) -->\\n(.*?)<!-- /figures -->\\n", Pattern.DOTALL);
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)\\s]*)?\\)");

    static List<Path> chapters() throws IOException {
        try (Stream<Path> files = Files.list(TUTORIAL)) {
            return files.filter(p -> CHAPTER.matcher(p.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        }
    }

    @Test
    @DisplayName("chapters are numbered 01, 02, ... without gaps, each ends with exercises that each fold a hint or an"
            + " answer, and tutorial/README.md links every one")
    void chaptersAreNumberedAndListed() throws IOException {
        List<Path> chapters = chapters();
        assertTrue(chapters.size() >= 10, "expected the tutorial's chapters in " + TUTORIAL + ", found " + chapters);
        String index = Files.readString(TUTORIAL.resolve("README.md"));
        for (int i = 0; i < chapters.size(); i++) {
            String file = chapters.get(i).getFileName().toString();
            assertEquals(
                    String.format("%02d", i + 1),
                    file.substring(0, 2),
                    "chapter numbers must run without gaps: " + chapters);
            String text = Files.readString(chapters.get(i));
            assertTrue(text.contains("\n## Exercises\n"), file + " has no '## Exercises' section");
            // Each exercise (a numbered item) carries its own folded hint or answer, so a learner can check it alone.
            String[] items = text.substring(text.indexOf("\n## Exercises\n")).split("\n(?=\\d+\\. )");
            for (int n = 1; n < items.length; n++) {
                assertTrue(
                        items[n].contains("<details>"),
                        file + ": exercise " + n + " has no folded hint or answer"
                                + " (<details><summary>Hint</summary> ... </details>)");
            }
            assertTrue(index.contains("](" + file + ")"), "tutorial/README.md does not link " + file);
        }
    }

    /** What {@link #regenerate} found: how many marked places, and which of them were stale. */
    private record Generated(int seen, List<String> stale) {}

    /**
     * For every match of {@code marker} in every chapter: a match is stale when {@code render} makes something else of
     * it, and with {@code -Dfivechats.writeTutorial=true} the chapter is rewritten with what it makes.
     */
    private static Generated regenerate(
            Pattern marker, Function<Matcher, String> render, Function<Matcher, String> label) throws IOException {
        List<String> stale = new ArrayList<>();
        int seen = 0;
        for (Path chapter : chapters()) {
            Matcher m = marker.matcher(Files.readString(chapter));
            StringBuilder rewritten = new StringBuilder();
            while (m.find()) {
                seen++;
                String replacement = render.apply(m);
                if (!replacement.equals(m.group())) {
                    stale.add(chapter.getFileName() + ": " + label.apply(m));
                }
                m.appendReplacement(rewritten, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(rewritten);
            if (WRITE) {
                Files.writeString(chapter, rewritten.toString());
            }
        }
        return new Generated(seen, stale);
    }

    @Test
    @DisplayName("every snippet in a chapter equals its marked region in the source")
    void snippetsMatchTheCode() throws IOException {
        Generated g = regenerate(
                SNIPPET,
                m -> "<!-- snippet " + m.group(1) + "#" + m.group(2) + " -->\n```" + m.group(3) + "\n"
                        + uncheckedRegion(ROOT.resolve(m.group(1)), m.group(2)) + "```\n",
                m -> m.group(1) + "#" + m.group(2));
        assertTrue(g.seen() >= 10, "only " + g.seen() + " snippets found: is the marker syntax right?");
        if (!WRITE) {
            assertTrue(
                    g.stale().isEmpty(),
                    "chapters whose code no longer matches the source (rewrite them with "
                            + "-Dfivechats.writeTutorial=true and review): " + g.stale());
        }
    }

    private static String uncheckedRegion(Path file, String name) {
        try {
            return region(file, name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The lines between {@code // snippet:NAME} and the next {@code // end-snippet}, with their common indent removed. */
    static String region(Path file, String name) throws IOException {
        assertTrue(Files.isRegularFile(file), "snippet source " + file + " does not exist");
        List<String> lines = Files.readAllLines(file);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals("// snippet:" + name)) {
                assertEquals(-1, start, file + " marks snippet " + name + " twice");
                start = i + 1;
            }
        }
        if (start < 0) {
            fail(file + " has no '// snippet:" + name + "' marker");
        }
        int end = start;
        while (end < lines.size() && !lines.get(end).trim().equals("// end-snippet")) {
            end++;
        }
        assertTrue(end < lines.size(), "snippet " + name + " in " + file + " has no '// end-snippet'");
        List<String> body = lines.subList(start, end);
        int indent = body.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return body.stream()
                .map(l -> l.isBlank() ? "" : l.substring(indent))
                .collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    @DisplayName("every chapter's benchmark figures equal tutorial/benchmark.json")
    void figuresMatchTheBenchmark() throws IOException {
        JsonNode results = new ObjectMapper()
                .readTree(TUTORIAL.resolve("benchmark.json").toFile())
                .get("results");
        Generated g = regenerate(
                FIGURES,
                m -> "<!-- figures " + m.group(1) + " -->\n" + figures(results, m.group(1)) + "<!-- /figures -->\n",
                m -> m.group(1));
        assertTrue(g.seen() >= 5, "only " + g.seen() + " figure tables found; every model chapter quotes its figures");
        if (!WRITE) {
            assertTrue(g.stale().isEmpty(), "figures that no longer match tutorial/benchmark.json: " + g.stale());
        }
    }

    private static final Pattern CAPACITY =
            Pattern.compile("<!-- capacity ([a-z-]+) -->\\n(.*?)<!-- /capacity -->\\n", Pattern.DOTALL);

    /**
     * A chapter's quotes of the capacity run ({@code <!-- capacity table -->}: its table; {@code <!-- capacity MODEL -->}:
     * where a connection of that model keeps its heap) must equal {@code tutorial/capacity.md}, which that run writes.
     * Fails with one figure of chapter 10's quoted table changed ("| worker-pool | 88.7 s |" to "| worker-pool | 8.7 s |").
     */
    @Test
    @DisplayName("every chapter's capacity figures equal tutorial/capacity.md")
    void capacityFiguresMatchTheRun() throws IOException {
        String run = Files.readString(TUTORIAL.resolve("capacity.md"));
        Generated g = regenerate(
                CAPACITY,
                m -> "<!-- capacity " + m.group(1) + " -->\n" + capacityTable(run, m.group(1)) + "<!-- /capacity -->\n",
                m -> "capacity " + m.group(1));
        assertTrue(g.seen() >= 2, "only " + g.seen() + " capacity quotes found");
        if (!WRITE) {
            assertTrue(g.stale().isEmpty(), "capacity figures that no longer match tutorial/capacity.md: " + g.stale());
        }
    }

    /** The first table of capacity.md ("table"), or the one under its heading "### MODEL". */
    static String capacityTable(String run, String which) {
        int from = which.equals("table") ? 0 : run.indexOf("\n### " + which + "\n");
        assertTrue(from >= 0, "tutorial/capacity.md has no section for " + which);
        List<String> table = new ArrayList<>();
        for (String line : run.substring(from).split("\n", -1)) {
            if (line.startsWith("|")) {
                table.add(line);
            } else if (!table.isEmpty()) {
                break;
            }
        }
        return String.join("\n", table) + "\n";
    }

    /** One target's medians, scenario by scenario, as a Markdown table. */
    static String figures(JsonNode results, String target) {
        Map<String, List<JsonNode>> byScenario = new TreeMap<>();
        for (JsonNode r : results) {
            if (r.get("target").asText().equals(target)) {
                byScenario
                        .computeIfAbsent(r.get("scenario").asText(), k -> new ArrayList<>())
                        .add(r);
            }
        }
        assertTrue(!byScenario.isEmpty(), "tutorial/benchmark.json has no results for target '" + target + "'");
        StringBuilder t = new StringBuilder("| scenario | clients | median of "
                + byScenario.values().iterator().next().size() + " runs |\n|---|---|---|\n");
        for (String scenario :
                List.of("CLOSED_SMALL", "CLOSED_BIG", "STEADY", "SLOW_CLIENT", "IDLE", "CAPACITY_SMALL", "CAPACITY")) {
            List<JsonNode> runs = byScenario.get(scenario);
            if (runs == null) {
                continue;
            }
            int clients = runs.get(0).get("clients").asInt();
            String figure = switch (scenario) {
                case "CLOSED_SMALL", "CLOSED_BIG", "STEADY", "SLOW_CLIENT" ->
                    String.format(
                            Locale.ROOT,
                            "%,.0f deliveries/s, %.2f us of server CPU each, p50 %.1f ms, p99 %.1f ms, %,d lost, %,d"
                                    + " out of order",
                            median(runs, "deliveriesPerSecond"),
                            median(runs, "cpuMicrosPerDelivery"),
                            median(runs, "p50Millis"),
                            median(runs, "p99Millis"),
                            (long) median(runs, "lost"),
                            (long) median(runs, "outOfOrder"));
                case "IDLE" ->
                    String.format(Locale.ROOT, "%.1f%% of a core while nobody talks", median(runs, "serverCpuPercent"));
                // A peer that is not a JVM has no Java heap and no model threads: the benchmark writes -1 for those.
                default ->
                    String.format(Locale.ROOT, "%.1f KiB RSS", median(runs, "rssPerConnectionKiB"))
                            + (median(runs, "heapPerConnectionKiB") < 0
                                    ? ""
                                    : String.format(
                                            Locale.ROOT, " and %.1f KiB heap", median(runs, "heapPerConnectionKiB")))
                            + " per connection"
                            + (median(runs, "threads") < 0
                                    ? ""
                                    : String.format(Locale.ROOT, ", %,.0f model threads", median(runs, "threads")))
                            + String.format(Locale.ROOT, ", connected in %.1f s", median(runs, "connectSeconds"));
            };
            String name = switch (scenario) {
                case "CLOSED_SMALL", "CLOSED_BIG" -> "closed loop";
                case "STEADY" -> "steady, 5 lines/s per sender";
                case "SLOW_CLIENT" -> "steady, with one client that never reads";
                case "IDLE" -> "idle";
                default -> "capacity (idle connections)";
            };
            t.append(String.format(Locale.ROOT, "| %s | %,d | %s |\n", name, clients, figure));
        }
        return t.toString();
    }

    private static double median(List<JsonNode> runs, String field) {
        double[] v =
                runs.stream().mapToDouble(r -> r.get(field).asDouble()).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
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

    @Test
    @DisplayName("every relative link and image in the tutorial and the READMEs resolves")
    void linksResolve() throws IOException {
        List<String> dead = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (!target.contains("://")
                        && !target.startsWith("mailto:")
                        && !Files.exists(doc.getParent().resolve(target))) {
                    dead.add(ROOT.relativize(doc) + " -> " + target);
                }
            }
        }
        assertTrue(dead.isEmpty(), "dead links: " + dead);
    }

    @Test
    @DisplayName("every diagram has its rendered SVG beside it and is shown in some chapter")
    void everyDiagramIsRenderedAndShown() throws IOException {
        String all = chapters().stream()
                .map(p -> {
                    try {
                        return Files.readString(p);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .collect(Collectors.joining());
        List<String> sources;
        try (Stream<Path> files = Files.list(ROOT.resolve("diagrams"))) {
            sources = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".mmd"))
                    .sorted()
                    .toList();
        }
        assertTrue(sources.size() >= 10, "diagrams: " + sources);
        for (String source : sources) {
            String svg = source.replace(".mmd", ".svg");
            assertTrue(
                    Files.isRegularFile(ROOT.resolve("diagrams").resolve(svg)),
                    svg + " is not rendered (cd diagrams && npm run render)");
            assertTrue(all.contains("../diagrams/" + svg), "no chapter shows diagrams/" + svg);
        }
    }
}
