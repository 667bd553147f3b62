package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged jar as a learner runs it: started as its own process, stopped with SIGTERM (what
 * {@code kill} and service managers send; Ctrl-C takes the same path). Every client gets 1001, the
 * process prints "stopped" and exits 0. Needs the jar, so it runs under {@code ./mvnw verify}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessShutdownTest {
    @Test
    @DisplayName("SIGTERM: every client gets 1001, the process prints 'stopped' and exits 0")
    void sigtermClosesClientsAndExitsZero() throws Exception {
        WebSocketClient webSockets = new WebSocketClient();
        try (ModelProcess model = ModelProcess.start("channel-hub")) {
            Process server = model.process;
            webSockets.start();
            ChatClient alice = ChatClient.connect(webSockets, model.chat("alice"), "alice");
            ChatClient bob = ChatClient.connect(webSockets, model.chat("bob"), "bob");

            server.destroy(); // SIGTERM
            for (ChatClient c : List.of(alice, bob)) {
                assertEquals(1001, c.awaitClose(Duration.ofSeconds(20)).code(), c + "'s close code");
            }
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the process did not exit within 20 s of SIGTERM");
            assertEquals(0, server.exitValue(), "exit code after SIGTERM");
            List<String> printed = model.printed();
            assertTrue(printed.contains("stopped"), "the process did not print 'stopped': " + printed);
        } finally {
            webSockets.stop();
        }
    }
}
