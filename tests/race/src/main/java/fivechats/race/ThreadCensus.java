package fivechats.race;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every live thread of this JVM, virtual ones included, by id. {@code Thread.getAllStackTraces()} lists platform
 * threads only, so a model that leaks a virtual thread per client (one started with {@code Thread.ofVirtual()} and
 * never ended) would pass a leak check built on it. The JVM's JSON thread dump lists both.
 */
public final class ThreadCensus {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ThreadCensus() {}

    /** Thread id to name, for every platform and virtual thread alive now. */
    public static Map<Long, String> alive() {
        try {
            Path file = Files.createTempFile("threads", ".json");
            Files.delete(file); // dumpThreads refuses to overwrite
            try {
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
                Map<Long, String> threads = new TreeMap<>();
                for (JsonNode container :
                        JSON.readTree(file.toFile()).path("threadDump").path("threadContainers")) {
                    for (JsonNode thread : container.path("threads")) {
                        threads.put(
                                thread.path("tid").asLong(), thread.path("name").asText());
                    }
                }
                return threads;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not take a thread dump", e);
        }
    }
}
