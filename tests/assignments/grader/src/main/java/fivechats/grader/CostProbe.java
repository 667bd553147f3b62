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
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * What a model's strategy costs, measured beside a reference model on the same machine a moment apart: a correct model
 * that serialises every write (one global lock) passes every test, and only this line shows its price. A figure, not a
 * verdict: nothing fails on it. The benchmark ({@code tests/bench}) measures properly; this takes a few seconds.
 */
final class CostProbe {
    /** Clients online, every one receiving every line. */
    private static final int CLIENTS = 30;
    /** Of them, how many send at once. */
    private static final int SENDERS = 5;

    private static final int LINES_EACH = 200;
    /** A sender's lines in flight at most: a closed loop, so a slow model is measured, not drowned. */
    private static final int WINDOW = 16;

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    record Figures(double deliveriesPerSecond, double p99Millis) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,.0f deliveries/s, p99 %.1f ms", deliveriesPerSecond, p99Millis);
        }
    }

    private CostProbe() {}

    /** One warm-up round, then the measured one. */
    static Figures measure(ChatModel model) throws Exception {
        WebSocketClient webSockets = TestClients.start();
        ChatServer server = ChatServer.newServer(TransportConfig.defaults().withPort(0), model)
                .start();
        List<ChatClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                ChatClient c = ChatClient.connect(webSockets, Crowd.uri(server, "cost" + i, false), "cost" + i);
                clients.add(c);
                c.awaitWelcome();
            }
            round(clients, "warm-up");
            return round(clients, "measured");
        } finally {
            clients.forEach(ChatClient::leave);
            server.shutdown();
            webSockets.stop();
        }
    }

    private static Figures round(List<ChatClient> clients, String tag) throws InterruptedException {
        long before = clients.get(0).count("chat");
        List<ChatClient> senders = clients.subList(0, SENDERS);
        long started = System.nanoTime();
        List<Throwable> failures = Crowd.atOnce(senders, PATIENCE, sender -> {
            long echoed = sender.framesOfType("chat").stream()
                    .filter(f -> f.path("from").asText().equals(sender.name()))
                    .count();
            for (int i = 1; i <= LINES_EACH; i++) {
                if (i > WINDOW) {
                    sender.awaitChatsFrom(sender.name(), echoed + i - WINDOW, PATIENCE);
                }
                sender.send(tag + " " + System.nanoTime());
            }
        });
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " senders failed", failures.getFirst());
        }
        long expected = before + (long) SENDERS * LINES_EACH;
        for (ChatClient c : clients) {
            await().atMost(PATIENCE).until(() -> c.count("chat") >= expected);
        }
        List<Double> latencies = new ArrayList<>();
        long last = started;
        for (ChatClient c : clients) {
            List<JsonNode> frames = c.frames();
            List<Long> arrivals = c.arrivals();
            for (int i = 0; i < frames.size(); i++) {
                String text = frames.get(i).path("text").asText();
                if (text.startsWith(tag + " ")) {
                    long sent = Long.parseLong(text.substring(tag.length() + 1));
                    latencies.add((arrivals.get(i) - sent) / 1e6);
                    last = Math.max(last, arrivals.get(i));
                }
            }
        }
        double[] sorted =
                latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double p99 = sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)];
        return new Figures(latencies.size() / ((last - started) / 1e9), p99);
    }

    /** "CLIENTS clients, SENDERS sending at once": what the figures are of. */
    static String load() {
        return CLIENTS + " clients, " + SENDERS + " of them sending " + LINES_EACH + " lines each (" + WINDOW
                + " in flight)";
    }
}
