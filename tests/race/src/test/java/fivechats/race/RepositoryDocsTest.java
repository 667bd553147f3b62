package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Fails when the README and the build drift apart: a model built but not listed, listed but not built, or a dead link. */
class RepositoryDocsTest {
    private static final Path ROOT = Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Pattern MODULE = Pattern.compile("<module>models/([a-z-]+)</module>");
    private static final Pattern README_MODEL = Pattern.compile("^\\| \\[`([a-z-]+)`]\\(models/([a-z-]+)/\\)", Pattern.MULTILINE);
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)\\)");

    private static String read(Path path) throws IOException {
        return Files.readString(path);
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

    @Test
    @DisplayName("every relative link in the READMEs points at a file or folder that exists")
    void readmeLinksResolve() throws IOException {
        List<Path> readmes;
        try (Stream<Path> files = Files.walk(ROOT)) {
            readmes = files.filter(p -> p.getFileName().toString().equals("README.md"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/node_modules/"))
                    .toList();
        }
        List<String> dead = new ArrayList<>();
        for (Path readme : readmes) {
            Matcher m = LINK.matcher(read(readme));
            while (m.find()) {
                String target = m.group(1);
                if (target.contains("://")) {
                    continue;
                }
                if (!Files.exists(readme.getParent().resolve(target))) {
                    dead.add(ROOT.relativize(readme) + " -> " + target);
                }
            }
        }
        assertTrue(readmes.size() >= 3, "found only " + readmes);
        assertTrue(dead.isEmpty(), "dead links: " + dead);
    }
}
