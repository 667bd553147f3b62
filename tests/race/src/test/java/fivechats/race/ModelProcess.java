package fivechats.race;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A model's packaged jar started as its own process, as a learner runs it, on a port it picks itself. Its output
 * goes to a file: reading a Process's pipe while the process exits can fail with "Stream closed". Closing it kills
 * the process, in case the test did not end it.
 */
final class ModelProcess implements AutoCloseable {
    private static final Path ROOT =
            Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("^listening on http://127\\.0\\.0\\.1:(\\d+)/$");
    /** A JVM start on a busy runner, Jetty and (with --broker) a Redis connection: seconds, rarely more. */
    private static final Duration START_PATIENCE = Duration.ofSeconds(30);

    final Process process;
    private final Path output;
    final int port;

    private ModelProcess(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /**
     * Starts {@code models/MODEL/target/MODEL.jar --port 0 FLAGS...} with this JVM's java (the toolchain's JDK 21+) and
     * waits for its "listening on" line. Skips the test when the jar is not built yet.
     */
    static ModelProcess start(String model, String... flags) throws IOException {
        List<String> command =
                new ArrayList<>(List.of(java(), "-jar", jar(model).toString(), "--port", "0"));
        command.addAll(List.of(flags));
        return start(model, new ProcessBuilder(command));
    }

    /**
     * Starts {@code ./model.sh MODEL --port 0 FLAGS...}, as the README has a learner do; the script execs java itself.
     * JAVA_HOME is this JVM's home, so the script picks the same JDK as the tests (it tries JAVA_HOME first).
     */
    static ModelProcess script(String model, String... flags) throws IOException {
        jar(model);
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("model.sh").toString(), model, "--port", "0"));
        command.addAll(List.of(flags));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment()
                .put("JAVA_HOME", Path.of(java()).getParent().getParent().toString());
        return start(model, builder);
    }

    private static ModelProcess start(String model, ProcessBuilder builder) throws IOException {
        Path output = Files.createTempFile(model, ".out");
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            String listening = await().atMost(START_PATIENCE)
                    .alias(model + " prints 'listening on URL'")
                    .until(
                            () -> Files.readAllLines(output).stream()
                                    .filter(l -> LISTENING.matcher(l).matches())
                                    .findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
            Matcher m = LISTENING.matcher(listening);
            return new ModelProcess(process, output, m.matches() ? Integer.parseInt(m.group(1)) : -1);
        } catch (RuntimeException | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** {@code models/MODEL/target/MODEL.jar}; skips the test when it is not built yet. */
    static Path jar(String model) {
        Path jar = ROOT.resolve("models/" + model + "/target/" + model + ".jar");
        Assumptions.assumeTrue(
                Files.isRegularFile(jar), "no " + jar + " yet: run `./mvnw verify`, which packages it first");
        return jar;
    }

    /** {@code models/server.jvm}: the JVM settings the models run with, a java argument file. */
    static Path serverJvm() {
        return ROOT.resolve("models/server.jvm");
    }

    /** The repository's root. */
    static Path root() {
        return ROOT;
    }

    /** This JVM's java: the toolchain's JDK 21+, which the models need. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The chat address for a client called {@code name}. */
    URI chat(String name) {
        return URI.create("ws://127.0.0.1:" + port + "/chat?name=" + name);
    }

    /** Everything the process has printed so far. */
    List<String> printed() throws IOException {
        return Files.readAllLines(output);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
