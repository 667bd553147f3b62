package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged jar as a learner runs it: started as its own process, stopped with SIGTERM (what
 * {@code kill} and service managers send; Ctrl-C takes the same path). Every client gets 1001, the
 * process prints "stopped" and exits 0. Needs the jar, so it runs under {@code mvn verify}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessShutdownTest {
    private static final Path ROOT = Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("^listening on (http://127\\.0\\.0\\.1:(\\d+)/)$");

    @Test
    @DisplayName("SIGTERM: every client gets 1001, the process prints 'stopped' and exits 0")
    void sigtermClosesClientsAndExitsZero() throws Exception {
        Path jar = ROOT.resolve("models/channel-hub/target/channel-hub.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "no " + jar + " yet: run `mvn verify`, which packages it first");
        String java = ProcessHandle.current().info().command().orElse("java"); // the toolchain's JDK 21+
        // Output goes to a file: reading a Process's pipe while the process exits can fail with "Stream closed".
        Path output = Files.createTempFile("channel-hub", ".out");
        Process server = new ProcessBuilder(java, "-jar", jar.toString(), "--port", "0")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        WebSocketClient webSockets = new WebSocketClient();
        try {
            String listening = await().atMost(Duration.ofSeconds(30)).alias("the jar prints 'listening on URL'")
                    .until(() -> Files.readAllLines(output).stream().filter(l -> LISTENING.matcher(l).matches()).findFirst(),
                            Optional::isPresent).orElseThrow();
            Matcher m = LISTENING.matcher(listening);
            assertTrue(m.matches());
            int port = Integer.parseInt(m.group(2));
            webSockets.start();
            ChatClient alice = ChatClient.connect(webSockets, URI.create("ws://127.0.0.1:" + port + "/chat?name=alice"), "alice");
            ChatClient bob = ChatClient.connect(webSockets, URI.create("ws://127.0.0.1:" + port + "/chat?name=bob"), "bob");

            server.destroy(); // SIGTERM
            for (ChatClient c : List.of(alice, bob)) {
                assertEquals(1001, c.awaitClose(Duration.ofSeconds(20)).code(), c + "'s close code");
            }
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the process did not exit within 20 s of SIGTERM");
            assertEquals(0, server.exitValue(), "exit code after SIGTERM");
            List<String> printed = Files.readAllLines(output);
            assertTrue(printed.contains("stopped"), "the process did not print 'stopped': " + printed);
        } finally {
            server.destroyForcibly();
            webSockets.stop();
        }
    }
}
