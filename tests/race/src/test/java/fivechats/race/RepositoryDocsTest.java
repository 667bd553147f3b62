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
}
