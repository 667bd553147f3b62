package fivechats.race;

import java.net.URI;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The WebSocket client every test uses: a fixed thread pool, so the JVM's thread count stays flat for the leak
 * tests. Starting it also sets the kit's Awaitility defaults: poll every 10 ms, give up after {@link ChatContract#PATIENCE}.
 *
 * <p>A test class registers it once, and it is started before the class's first test and stopped after its last:
 * {@code @RegisterExtension static final TestClients webSockets = new TestClients();}. A test that needs one for a
 * moment calls {@link #start()} and stops it itself.
 */
public final class TestClients implements BeforeAllCallback, AfterAllCallback {
    private volatile WebSocketClient client;

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

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        client = start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        client.stop();
    }

    /** The client itself, for the kit's helpers that connect many ({@link Crowd#joinStorm}). */
    public WebSocketClient client() {
        return client;
    }

    /** Connects a chat client named {@code name} to {@code uri}; it does not wait for the welcome. */
    public ChatClient connect(URI uri, String name) {
        return ChatClient.connect(client, uri, name);
    }
}
