package fivechats.grader;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.race.ChatClient;
import fivechats.race.Crowd;
import fivechats.race.TestClients;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * What a model's strategy costs, measured beside a reference model on the same machine a moment apart. A correct model
 * that holds one lock while it writes passes every test in stall mode; only this shows its price: with one client that
 * stops reading, everyone else's lines wait for that client's write deadline. A figure, not a verdict: nothing fails
 * on it. The benchmark ({@code tests/bench}) measures properly; this takes seconds (plus a stalling model's deadline).
 */
final class CostProbe {
    /** Clients online, every one receiving every line. */
    private static final int CLIENTS = 30;
    /** Of them, how many send at once. */
    private static final int SENDERS = 5;
    private static final int LINES_EACH = 200;
    /** A sender's lines in flight at most: a closed loop, so a slow model is measured, not drowned. */
    private static final int WINDOW = 16;
    /** Padding of the stuck round's lines: 1,000 lines of 8 KB fill a stuck client's TCP buffers (a few MB). */
    private static final String PADDING = "#".repeat(8000);
    /** Longer than the transport's default write deadline (10 s), so a stalling model's round completes. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    record Figures(double deliveriesPerSecond, double p99Millis) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,9.0f deliveries/s, p99 %,8.1f ms", deliveriesPerSecond, p99Millis);
        }
    }

    /** All clients reading; then the same load with the last client no longer reading (the others are measured). */
    record Cost(Figures free, Figures oneStuck) {
    }

    private CostProbe() {
    }

    static Cost measure(ChatModel model) throws Exception {
        WebSocketClient webSockets = TestClients.start();
        ChatServer server = ChatServer.newServer(TransportConfig.defaults().withPort(0), model).start();
        List<ChatClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                ChatClient c = ChatClient.connect(webSockets, Crowd.uri(server, "cost" + i, false), "cost" + i);
                clients.add(c);
                c.awaitWelcome();
            }
            round(clients, "warm-up", "");
            Figures free = round(clients, "free", "");
            ChatClient stuck = clients.get(CLIENTS - 1);
            stuck.pauseReading();
            Figures oneStuck = round(clients.subList(0, CLIENTS - 1), "stuck", PADDING);
            stuck.resumeReading();
            return new Cost(free, oneStuck);
        } finally {
            clients.forEach(ChatClient::leave);
            server.shutdown();
            webSockets.stop();
        }
    }

    /** The senders send at once, each at most WINDOW ahead of its own echo; every receiver's latency is counted. */
    private static Figures round(List<ChatClient> receivers, String tag, String padding) throws InterruptedException {
        List<ChatClient> senders = receivers.subList(0, SENDERS);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (ChatClient sender : senders) {
            long echoedBefore = sender.framesOfType("chat").stream().filter(f -> f.path("from").asText().equals(sender.name())).count();
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    for (int i = 1; i <= LINES_EACH; i++) {
                        if (i > WINDOW) {
                            sender.awaitChatsFrom(sender.name(), echoedBefore + i - WINDOW, PATIENCE);
                        }
                        sender.send(tag + " " + System.nanoTime() + " " + padding);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        long started = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join(PATIENCE);
        }
        long lines = (long) SENDERS * LINES_EACH;
        for (ChatClient c : receivers) {
            await().atMost(PATIENCE).until(() -> c.framesOfType("chat").stream()
                    .filter(f -> f.path("text").asText().startsWith(tag + " ")).count() >= lines);
        }
        List<Double> latencies = new ArrayList<>();
        long last = started;
        for (ChatClient c : receivers) {
            List<JsonNode> frames = c.frames();
            List<Long> arrivals = c.arrivals();
            for (int i = 0; i < frames.size(); i++) {
                String[] words = frames.get(i).path("text").asText().split(" ", 3);
                if (words[0].equals(tag) && words.length >= 2) {
                    latencies.add((arrivals.get(i) - Long.parseLong(words[1])) / 1e6);
                    last = Math.max(last, arrivals.get(i));
                }
            }
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double p99 = sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)];
        return new Figures(latencies.size() / ((last - started) / 1e9), p99);
    }

    /** What the figures are of. */
    static String load() {
        return CLIENTS + " clients, " + SENDERS + " of them sending " + LINES_EACH + " lines each (" + WINDOW + " in flight)";
    }
}
