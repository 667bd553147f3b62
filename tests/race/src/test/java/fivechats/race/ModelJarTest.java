package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a model's packaged jar holds: the model and the transport, not the cluster. The cluster module and its Redis
 * client (Lettuce, Netty, Reactor) are {@code cluster/target/cluster.jar}, which a model's jar names in its manifest's
 * {@code Class-Path} and the JVM loads only from there. Needs the jars, so it runs under {@code ./mvnw verify}; that a model
 * started from its jar with {@code --broker} does join a cluster is {@code ClusterTest}'s (its process tests).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelJarTest {
    private static final List<String> MODELS =
            List.of("polling-loop", "thread-per-connection", "worker-pool", "channel-hub", "mutex-map");
    /** The Redis client's packages: none of them may be in a model's jar. */
    private static final List<String> REDIS_CLIENT =
            List.of("io/lettuce/", "io/netty/", "reactor/", "fivechats/cluster/");

    /**
     * Fails with the {@code lettuce-core} dependency put back in {@code shared/pom.xml} (as it was before the cluster
     * became a module; the jars of commit f67c20f): "polling-loop.jar holds the Redis client: [io/lettuce/, ...]".
     */
    @Test
    @DisplayName("a model's jar carries no Redis client, and finds the cluster's jar beside it")
    void aModelJarCarriesNoRedisClient() throws IOException {
        for (String model : MODELS) {
            Path jar = ModelProcess.jar(model);
            try (JarFile file = new JarFile(jar.toFile())) {
                List<String> foreign = new ArrayList<>();
                for (JarEntry entry : (Iterable<JarEntry>) file.stream()::iterator) {
                    if (REDIS_CLIENT.stream().anyMatch(entry.getName()::startsWith)) {
                        foreign.add(entry.getName());
                    }
                }
                assertTrue(
                        foreign.isEmpty(),
                        model + ".jar holds the Redis client: "
                                + foreign.stream().limit(3).toList());
                String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
                assertEquals("../../../cluster/target/cluster.jar", classPath, model + ".jar's Class-Path");
                assertTrue(
                        Files.isRegularFile(jar.getParent().resolve(classPath)),
                        model + ".jar's Class-Path names no file: "
                                + jar.getParent().resolve(classPath).normalize());
            }
        }
    }

    /**
     * The JVM settings a user gets are the ones chapter 10 measured: {@code ./model.sh} passes {@code models/server.jvm}
     * to java (the JVM itself reports the arguments it started with), and the root pom's {@code exec:exec@run} and the
     * benchmark name the same file in their source (neither is started here). Fails with {@code @models/server.jvm}
     * taken out of model.sh's {@code exec} line ("./model.sh's JVM arguments hold models/server.jvm's settings").
     */
    @Test
    @DisplayName("./model.sh starts a model with the JVM settings in models/server.jvm; exec:exec@run and the benchmark"
            + " name that file")
    void everyLauncherUsesTheServerJvmSettings() throws Exception {
        List<String> settings = Files.readAllLines(ModelProcess.serverJvm()).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
        assertTrue(settings.contains("-Xmx1g"), "models/server.jvm sets the heap: " + settings);
        try (ModelProcess model = ModelProcess.script("channel-hub")) {
            Path jcmd = Path.of(ModelProcess.java()).resolveSibling("jcmd");
            Process query = new ProcessBuilder(jcmd.toString(), Long.toString(model.process.pid()), "VM.command_line")
                    .redirectErrorStream(true)
                    .start();
            String answer = new String(query.getInputStream().readAllBytes());
            assertTrue(query.waitFor(30, TimeUnit.SECONDS), "jcmd answered");
            List<String> jvmArgs = answer.lines()
                    .filter(line -> line.startsWith("jvm_args:"))
                    .flatMap(line ->
                            List.of(line.substring("jvm_args:".length()).strip().split("\\s+")).stream())
                    .filter(arg -> !arg.isEmpty())
                    .toList();
            // A sublist: JDK_JAVA_OPTIONS, if set, adds its own arguments around them.
            assertTrue(
                    Collections.indexOfSubList(jvmArgs, settings) >= 0,
                    "./model.sh's JVM arguments hold" + " models/server.jvm's settings " + settings
                            + " (jcmd VM.command_line: " + answer.strip() + ")");
        }
        assertTrue(
                Files.readString(ModelProcess.root().resolve("pom.xml"))
                        .contains("<commandlineArgs>@${project.basedir}/../server.jvm -jar"),
                "the root pom's exec:exec@run passes models/server.jvm");
        assertTrue(
                Files.readString(
                                ModelProcess.root().resolve("tests/bench/src/main/java/fivechats/bench/Benchmark.java"))
                        .contains("return \"@\" + root.resolve(\"models/server.jvm\");"),
                "the benchmark passes models/server.jvm");
    }

    /**
     * A model's jar copied away from the repository finds no cluster: with {@code --broker} it says how to build it,
     * and exits 2 like any wrong flag. Fails with {@code orElseThrow(...)} replaced by {@code orElse(null)} in
     * {@code ChatServer.clusterProvider}: the process exits 1, "cannot start channel-hub: cannot reach the broker at
     * redis://127.0.0.1:1 (Cannot invoke ... because "this.clusterProvider" is null)", blaming a broker it never tried.
     */
    @Test
    @DisplayName("--broker without the cluster's jar: a clear error that says how to build it, exit 2")
    void withoutTheClusterJarTheBrokerFlagSaysHowToBuildIt(@TempDir Path elsewhere) throws Exception {
        Path copy = Files.copy(ModelProcess.jar("channel-hub"), elsewhere.resolve("channel-hub.jar"));
        Path output = elsewhere.resolve("output.txt");
        Process process = new ProcessBuilder(
                        ModelProcess.java(), "-jar", copy.toString(), "--port", "0", "--broker", "redis://127.0.0.1:1")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process did not exit within 30 s");
            String printed = Files.readString(output);
            assertEquals(2, process.exitValue(), "exit code; it printed: " + printed);
            assertTrue(
                    printed.contains("--broker needs the cluster module") && printed.contains("./mvnw -q package"),
                    "the error does not say what is missing and how to build it: " + printed);
        } finally {
            process.destroyForcibly();
        }
    }
}
