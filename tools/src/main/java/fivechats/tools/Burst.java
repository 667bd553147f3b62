package fivechats.tools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Senders that each send {@code --lines} lines as fast as the JDK lets them, at the same moment: the burst that
 * makes a naive model's writers meet. Every sender also reads, promptly. At the end each sender must hold every
 * line of every sender exactly once and in seq order; the tool says who is missing what, who was closed and why.
 */
final class Burst {
    private Burst() {
    }

    static void run(Flags flags) throws Exception {
        String url = flags.string("url", "ws://127.0.0.1:8080");
        int senders = flags.integer("senders", 5);
        int lines = flags.integer("lines", 100);
        String filler = "x".repeat(Math.max(0, flags.integer("size", 100) - 10));
        // How long the lines may take to come back once the last was sent. A model that loses a line never sends it
        // later, so a short wait can only call more lines lost on a slow machine, never fewer.
        Duration patience = flags.duration("patience", "30s");
        List<Client> clients = new ArrayList<>();
        for (int i = 1; i <= senders; i++) {
            clients.add(Client.connect(url, "burst" + i, false, frame -> { }));
        }
        // A client is in the chat once its welcome arrives, not when its handshake ends: a line sent before that
        // is rightly not delivered to it.
        for (Client client : clients) {
            client.awaitWelcome();
        }
        long started = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (Client client : clients) {
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
        while (System.nanoTime() < deadline && clients.stream().anyMatch(c -> !c.closed.isDone() && c.chats().size() < expected)) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int healthy = 0;
        for (Client client : clients) {
            String problem = Watch.check(client.chats(), clients.stream().map(c -> c.name).toList(), lines);
            if (client.closed.isDone()) {
                problem = "closed: " + client.closed.getNow("") + (problem.isEmpty() ? "" : "; " + problem);
            }
            if (problem.isEmpty()) {
                healthy++;
            } else {
                System.out.println(client.name + ": " + problem);
            }
        }
        System.out.printf("%d senders x %d lines: %d of %d clients got all %d lines, each once and in order, in %.1f s"
                + " (%.0f deliveries/s)%n", senders, lines, healthy, senders, expected, seconds, healthy * expected / seconds);
        clients.forEach(Client::leave);
    }
}
