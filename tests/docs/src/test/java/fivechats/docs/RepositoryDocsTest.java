package fivechats.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.Launcher;
import fivechats.transport.ModelCommand;
import fivechats.transport.TransportConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Fails when the READMEs and the code drift apart: a model built but not listed, or listed but not built; a route or a
 * frame type told but not served, or served but not told; a model that reaches past the transport into Jetty. Links:
 * {@link TutorialTest}.
 */
class RepositoryDocsTest {
    private static final Path ROOT =
            Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Pattern MODULE = Pattern.compile("<module>models/([a-z-]+)</module>");
    private static final Pattern README_MODEL =
            Pattern.compile("^\\| \\[`([a-z-]+)`]\\(models/([a-z-]+)/\\)", Pattern.MULTILINE);

    private static String read(Path path) throws IOException {
        return Files.readString(path);
    }

    @Test
    @DisplayName("shared/README.md's flag list is what --help prints under 'Transport flags', word for word")
    void sharedReadmeListsTheFlagsHelpPrints() throws IOException {
        String section = sharedReadmeSection("## Flags (every model)");
        int start = section.indexOf("```\n") + 4;
        String listed = section.substring(start, section.indexOf("```", start));
        assertEquals(
                transportHelp(),
                listed,
                "shared/README.md's flags vs what --help prints: copy the help into the README");
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
        List<String> lines = usage.substring(usage.indexOf(heading) + heading.length())
                .stripTrailing()
                .lines()
                .dropWhile(String::isBlank)
                .map(String::stripTrailing)
                .toList();
        int indent = lines.stream()
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return lines.stream().map(l -> l.substring(indent)).collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    @DisplayName("chapter 1's map of the tutorial numbers every later chapter as its file does, and misses none")
    void chapterOneMapsEveryChapter() throws IOException {
        Matcher row = Pattern.compile("^\\| \\[(\\d+)\\. [^\\]]+]\\((\\d\\d)-[a-z0-9-]+\\.md\\)", Pattern.MULTILINE)
                .matcher(read(ROOT.resolve("tutorial/01-why-this-repository.md")));
        TreeSet<Integer> mapped = new TreeSet<>();
        while (row.find()) {
            assertEquals(
                    Integer.parseInt(row.group(2)), Integer.parseInt(row.group(1)), "chapter 1 numbers " + row.group());
            mapped.add(Integer.parseInt(row.group(2)));
        }
        TreeSet<Integer> chapters = new TreeSet<>();
        try (var files = Files.list(ROOT.resolve("tutorial"))) {
            files.map(f -> f.getFileName().toString())
                    .filter(f -> f.matches("\\d\\d-.*\\.md"))
                    .map(f -> Integer.parseInt(f.substring(0, 2)))
                    .filter(n -> n > 1)
                    .forEach(chapters::add);
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
            assertTrue(
                    Files.isRegularFile(ROOT.resolve("models").resolve(model).resolve("README.md")),
                    "models/" + model + " has no README.md");
        }
    }

    /**
     * The routes shared/README.md lists are the routes the server answers, no more and no fewer, and ChatServer's
     * javadoc names each. Fails with the `GET /stats` bullet taken out of shared/README.md, and with
     * {@code "/stats"} taken out of {@code HttpRoutes.PLAIN} (the live check then gets a 404).
     */
    @Test
    @DisplayName("shared/README.md lists exactly the routes the server answers, and ChatServer's javadoc names each")
    void readmeListsTheRoutesServed() throws Exception {
        TreeSet<String> listed = all(Pattern.compile("`GET (/[^`?\\s]*)"), sharedReadmeSection("## HTTP routes"));
        assertEquals(
                new TreeSet<>(ChatServer.ROUTES),
                listed,
                "routes the server answers (ChatServer.ROUTES) vs routes"
                        + " shared/README.md's 'HTTP routes' lists as `GET /...`");
        String javadoc = read(ROOT.resolve("shared/src/main/java/fivechats/transport/ChatServer.java"));
        javadoc = javadoc.substring(0, javadoc.indexOf("public final class ChatServer"));
        for (String path : ChatServer.ROUTES) {
            assertTrue(
                    javadoc.contains("{@code " + path + "}") || javadoc.contains("{@code " + path + "?"),
                    "ChatServer's class javadoc does not name " + path);
        }
        // And the list is what a client gets: every plain route answers, a path not on it is a 404, and so is a
        // request to the socket that does not ask to upgrade.
        ChatServer server = ChatServer.newServer(TransportConfig.defaults().withPort(0), new IdleModel())
                .start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (String path : ChatServer.ROUTES) {
                int status = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                assertEquals(path.equals("/chat") ? 404 : 200, status, "GET " + path);
            }
            assertEquals(
                    404,
                    http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + server.port() + "/not-a-route"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode(),
                    "GET /not-a-route");
        } finally {
            server.shutdown();
        }
    }

    /**
     * The frame types the protocol names anywhere are the ones {@code Wire} encodes: its javadoc lists exactly those,
     * the page handles exactly those, and no Markdown shows another. Fails with Wire's javadoc line
     * <code>{"type":"error","reason":"..."}</code> put back.
     */
    @Test
    @DisplayName("every frame type Wire's javadoc, the page or a Markdown file names is one Wire encodes, and all are")
    void frameTypesAreTheOnesWireEncodes() throws IOException {
        String wire = read(ROOT.resolve("shared/src/main/java/fivechats/transport/Wire.java"));
        TreeSet<String> encoded = all(Pattern.compile("new [A-Z]\\w*\\(\"([a-z]+)\""), wire);
        assertTrue(encoded.containsAll(List.of("welcome", "join", "leave", "chat")), "Wire encodes " + encoded);
        Pattern type = Pattern.compile("\\{\"type\":\"([a-z]+)\"");
        assertEquals(
                encoded,
                all(type, wire.substring(0, wire.indexOf("public final class Wire"))),
                "frame types Wire encodes vs the ones its javadoc lists");
        assertEquals(
                encoded,
                all(
                        Pattern.compile("case \"([a-z]+)\":"),
                        read(ROOT.resolve("shared/src/main/resources/fivechats/web/chat.js"))),
                "frame types Wire encodes vs the ones the page's chat.js handles");
        List<String> unknown = new java.util.ArrayList<>();
        try (var files = Files.walk(ROOT)) {
            for (Path doc : files.filter(f -> f.toString().endsWith(".md")
                            && !f.toString().contains("node_modules")
                            && !f.toString().contains("/target/"))
                    .toList()) {
                for (String named : all(type, read(doc))) {
                    if (!encoded.contains(named)) {
                        unknown.add(ROOT.relativize(doc) + ": " + named);
                    }
                }
            }
        }
        assertTrue(unknown.isEmpty(), "Markdown shows frame types Wire never encodes: " + unknown);
        assertTrue(
                all(type, read(ROOT.resolve("README.md"))).containsAll(List.of("welcome", "join", "leave", "chat")),
                "README.md's protocol block lacks one of welcome, join, leave, chat");
    }

    /** The section of shared/README.md under this heading, up to the next heading of its level. */
    private static String sharedReadmeSection(String heading) throws IOException {
        String readme = read(ROOT.resolve("shared/README.md"));
        int start = readme.indexOf(heading + "\n");
        assertTrue(start >= 0, "shared/README.md has no '" + heading + "' section");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    private static TreeSet<String> all(Pattern pattern, String text) {
        TreeSet<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /**
     * A model is its concurrency strategy on the transport's SPI: it closes with the transport's {@code CloseCode} and
     * never reaches into Jetty. Fails with {@code import org.eclipse.jetty.websocket.api.StatusCode;} added to
     * models/polling-loop's PollingLoop.java (as six models had it before CloseCode).
     */
    @Test
    @DisplayName("no model, student model or reference solution imports Jetty: the transport is their only way to it")
    void noModelImportsJetty() throws IOException {
        List<String> found = new java.util.ArrayList<>();
        int files = 0;
        for (String folder : List.of(
                "models", "tests/assignments/starter", "tests/assignments/sharded-hub", "tests/assignments/mistakes")) {
            try (var walk = Files.walk(ROOT.resolve(folder))) {
                for (Path source : walk.filter(f ->
                                f.toString().endsWith(".java") && f.toString().contains("/src/main/"))
                        .toList()) {
                    files++;
                    read(source)
                            .lines()
                            .filter(l -> l.startsWith("import org.eclipse.jetty")
                                    || l.startsWith("import static org.eclipse.jetty"))
                            .forEach(l -> found.add(ROOT.relativize(source) + ": " + l));
                }
            }
        }
        assertTrue(files >= 20, "only " + files + " model sources found: has the layout changed?");
        assertTrue(found.isEmpty(), "models import Jetty; use the transport's types (CloseCode for a close): " + found);
    }

    /** A model that takes every client and does nothing with it: the routes are the transport's. */
    private static final class IdleModel implements ChatModel {
        @Override
        public void start(fivechats.transport.ModelContext context) {}

        @Override
        public void accept(fivechats.transport.ChatConnection connection) {}

        @Override
        public int registered() {
            return 0;
        }

        @Override
        public void stop() {}
    }
}
