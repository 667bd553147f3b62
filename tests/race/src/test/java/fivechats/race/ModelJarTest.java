package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code Class-Path} and the JVM loads only from there. Needs the jars, so it runs under {@code mvn verify}; that a model
 * started from its jar with {@code --broker} does join a cluster is {@code ClusterTest}'s (its process tests).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelJarTest {
    private static final List<String> MODELS =
            List.of("polling-loop", "thread-per-connection", "worker-pool", "channel-hub", "mutex-map");
    /** The Redis client's packages: none of them may be in a model's jar. */
    private static final List<String> REDIS_CLIENT = List.of("io/lettuce/", "io/netty/", "reactor/", "fivechats/cluster/");

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
                assertTrue(foreign.isEmpty(), model + ".jar holds the Redis client: " + foreign.stream().limit(3).toList());
                String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
                assertEquals("../../../cluster/target/cluster.jar", classPath, model + ".jar's Class-Path");
                assertTrue(Files.isRegularFile(jar.getParent().resolve(classPath)),
                        model + ".jar's Class-Path names no file: " + jar.getParent().resolve(classPath).normalize());
            }
        }
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
        Process process = new ProcessBuilder(ModelProcess.java(), "-jar", copy.toString(), "--port", "0", "--broker",
                "redis://127.0.0.1:1")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process did not exit within 30 s");
            String printed = Files.readString(output);
            assertEquals(2, process.exitValue(), "exit code; it printed: " + printed);
            assertTrue(printed.contains("--broker needs the cluster module") && printed.contains("./mvnw -q package"),
                    "the error does not say what is missing and how to build it: " + printed);
        } finally {
            process.destroyForcibly();
        }
    }
}
