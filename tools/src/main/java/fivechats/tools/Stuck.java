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
 * Clients that stop reading: the slow phone on a bad network. Each joins, reads its welcome, then takes nothing off
 * its socket for {@code --for}. Meanwhile chat in the browser and watch: does the chat freeze (the polling loop, a
 * broadcast under one lock), or go on while the server queues for the stuck clients and evicts them when their queue
 * is full (the fixed forms)? Then the clients read what reached them and report how it ended.
 */
@Command(name = "stuck", description = "clients that stop reading, then read what reached them")
final class Stuck implements Callable<Void> {
    /** After reading again, how long a client may stay quiet before the tool stops waiting for a close. */
    private static final Duration DRAIN_QUIET = Duration.ofSeconds(5);

    @Mixin
    private Main.Target target;

    @Option(names = "--clients", paramLabel = "N", description = "clients that stop reading (default ${DEFAULT-VALUE})")
    private int count = 1;

    @Option(names = "--for", paramLabel = "D", description = "how long they read nothing (default ${DEFAULT-VALUE})")
    private Duration stall = Duration.ofSeconds(30);

    @Override
    public Void call() throws Exception {
        String url = target.url;
        List<ChatSocket> clients = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ChatSocket client = ChatSocket.connect(url, "stuck" + i, true, frame -> {});
            client.awaitWelcome();
            client.stopReading();
            clients.add(client);
        }
        System.out.println(count + " client(s) joined and stopped reading: " + names(clients) + ". Chat now (browser"
                + " or burst) and watch whether the others' lines keep flowing. Reading again in " + stall.toSeconds()
                + " s.");
        // the experiment itself: a client that does nothing for this long
        TimeUnit.MILLISECONDS.sleep(stall.toMillis());
        for (ChatSocket client : clients) {
            int before = client.frames().size();
            client.resumeReading();
            int seen = before;
            long quietSince = System.nanoTime();
            while (!client.closed.isDone() && System.nanoTime() - quietSince < DRAIN_QUIET.toNanos()) {
                TimeUnit.MILLISECONDS.sleep(100);
                if (client.frames().size() != seen) {
                    seen = client.frames().size();
                    quietSince = System.nanoTime();
                }
            }
            // Quiet, and no close seen: a connection the server dropped while this client read nothing may only show
            // it when something is sent, so ask. A live connection answers the ping.
            boolean answered = !client.closed.isDone() && client.answersPing(DRAIN_QUIET);
            int lines = client.chats().size();
            System.out.println(client.name + ": read " + (client.frames().size() - before) + " frames that had waited ("
                    + lines + " chat lines in all), then "
                    + (client.closed.isDone()
                            ? "the server closed it: " + client.closed.getNow("") + explain(client.closed.getNow(""))
                            : answered
                                    ? "nothing more: still connected (it answered a ping), so the model kept (or"
                                            + " waited for) everything meant for it"
                                    : "nothing more, and no answer to a ping within " + DRAIN_QUIET.toSeconds()
                                            + " s"));
            client.leave();
        }
        return null;
    }

    private static String explain(String close) {
        if (close.startsWith("1008")) {
            return " (evicted: its queue filled, so the model let it go rather than hold everyone up)";
        }
        if (close.startsWith("1006")) {
            return " (the connection ended without a close frame: the server gave up on it, evicted or timed out,"
                    + " while its network was still full, so even the close could not reach it)";
        }
        if (close.startsWith("1011")) {
            return " (a write to it failed or took longer than --write-wait)";
        }
        return "";
    }

    private static String names(List<ChatSocket> clients) {
        return String.join(", ", clients.stream().map(c -> c.name).toList());
    }
}
