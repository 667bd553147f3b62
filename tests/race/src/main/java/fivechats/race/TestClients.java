package fivechats.race;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The WebSocket client every test uses: a fixed thread pool, so the JVM's thread count stays flat for the leak
 * tests. Starting it also sets the kit's Awaitility defaults: poll every 10 ms, give up after {@link ChatContract#PATIENCE}.
 */
public final class TestClients {
    private TestClients() {
    }

    public static WebSocketClient start() throws Exception {
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        Awaitility.setDefaultTimeout(ChatContract.PATIENCE);
        QueuedThreadPool pool = new QueuedThreadPool(16, 16);
        pool.setName("test-clients");
        HttpClient http = new HttpClient();
        http.setExecutor(pool);
        WebSocketClient webSockets = new WebSocketClient(http);
        webSockets.start();
        return webSockets;
    }
}
