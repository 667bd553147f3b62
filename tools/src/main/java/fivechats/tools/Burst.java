package fivechats.tools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Senders that each send {@code --lines} lines as fast as the JDK lets them, at the same moment: the burst that
 * makes a naive model's writers meet. Every sender also reads, promptly. At the end each sender must hold every
 * line of every sender exactly once and in seq order; the tool says who is missing what, who was closed and why.
 */
@Command(name = "burst", description = "senders that each send lines as fast as they can, then check what came back")
final class Burst implements Callable<Void> {
    @Mixin
    private Main.Target target;

    @Option(names = "--senders", paramLabel = "N", description = "clients that send at once (default ${DEFAULT-VALUE})")
    private int senders = 5;

    @Option(names = "--lines", paramLabel = "N", description = "lines each sender sends (default ${DEFAULT-VALUE})")
    private int lines = 100;

    @Option(
            names = "--size",
            paramLabel = "BYTES",
            description = "about how long each line is (default ${DEFAULT-VALUE})")
    private int size = 100;

    /**
     * How long the lines may take to come back once the last was sent. A model that loses a line never sends it
     * later, so a short wait can only call more lines lost on a slow machine, never fewer.
     */
    @Option(
            names = "--patience",
            paramLabel = "D",
            description = "how long to wait for the lines to come back (default ${DEFAULT-VALUE})")
    private Duration patience = Duration.ofSeconds(30);

    @Override
    public Void call() throws Exception {
        String url = target.url;
        String filler = "x".repeat(Math.max(0, size - 10));
        List<ChatSocket> clients = new ArrayList<>();
        for (int i = 1; i <= senders; i++) {
            clients.add(ChatSocket.connect(url, "burst" + i, false, frame -> {}));
        }
        // A client is in the chat once its welcome arrives, not when its handshake ends: a line sent before that
        // is rightly not delivered to it.
        for (ChatSocket client : clients) {
            client.awaitWelcome();
        }
        long started = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (ChatSocket client : clients) {
            Thread sender = new Thread(() -> {
                try {
                    for (int n = 1; n <= lines; n++) {
                        client.send(n + " " + filler);
                    }
                } catch (Exception e) {
                    System.out.println(client.name + " could not send: " + e);
                }
            });
            sender.start();
            threads.add(sender);
        }
        for (Thread t : threads) {
            t.join();
        }
        int expected = senders * lines;
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline
                && clients.stream()
                        .anyMatch(c -> !c.closed.isDone() && c.chats().size() < expected)) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int healthy = 0;
        long delivered = 0;
        List<String> evicted = new ArrayList<>();
        for (ChatSocket client : clients) {
            delivered += client.chats().size();
            String problem = Watch.check(
                    client.chats(), clients.stream().map(c -> c.name).toList(), lines);
            if (client.closed.isDone()) {
                String closed = client.closed.getNow("");
                if (closed.startsWith("1008")) {
                    evicted.add(client.name);
                }
                problem = "closed: " + closed + (problem.isEmpty() ? "" : "; " + problem);
            }
            if (problem.isEmpty()) {
                healthy++;
            } else {
                System.out.println(client.name + ": " + problem);
            }
        }
        // Every line that arrived, lost ones aside: a lossy run still delivered what it delivered.
        System.out.printf(
                "%d senders x %d lines: %d of %d clients got all %d lines, each once and in order, in %.1f s"
                        + " (%.0f deliveries/s)%n",
                senders, lines, healthy, senders, expected, seconds, delivered / seconds);
        if (!evicted.isEmpty()) {
            // The tool's clients read on the same cores as the server: on a busy machine they can fall behind.
            System.out.println("note: " + evicted + " closed with 1008 (too slow): the server evicted this tool's own"
                    + " clients because they read more slowly than the senders sent. That is the server protecting"
                    + " the others from a slow reader, not a line the model lost; with fewer senders or lines, or"
                    + " a larger --send-queue on the server, they keep up.");
        }
        clients.forEach(ChatSocket::leave);
        return null;
    }
}
