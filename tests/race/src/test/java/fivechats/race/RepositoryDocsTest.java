package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
