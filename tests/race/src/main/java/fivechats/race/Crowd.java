package fivechats.race;

import fivechats.transport.ChatServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/** Many clients acting at the same moment: the two crowds the race scenarios are made of. */
public final class Crowd {
    private Crowd() {}

    /** What one sender does on a thread of its own, once every sender's thread is ready. */
    public interface Sender {
        void run(ChatClient sender) throws Exception;
    }

    /**
     * Runs {@code body} for every sender, each on a thread of its own, released together by one latch so that their
     * broadcasts meet in the model. Returns when every sender is done (waiting at most {@code patience} for each),
     * with what any of them threw.
     */
    public static List<Throwable> atOnce(List<ChatClient> senders, Duration patience, Sender body)
            throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (ChatClient sender : senders) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    body.run(sender);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(patience);
        }
        return List.copyOf(failures);
    }

    /**
     * Each sender sends {@code perSender} numbered lines ({@link DeliveryCheck#line}), all senders at once. The caller
     * judges by what arrived; a sender that failed is printed, as its uncaught exception would be.
     */
    public static void sendAtOnce(List<ChatClient> senders, int perSender, Duration patience)
            throws InterruptedException {
        atOnce(senders, patience, sender -> {
                    for (int i = 1; i <= perSender; i++) {
                        sender.send(DeliveryCheck.line(sender.name(), i));
                    }
                })
                .forEach(failure -> System.err.println("a sender failed: " + failure));
    }

    /**
     * {@code threads} threads each connect {@code each} clients (named {@code jT-I}) as fast as they can: a join
     * storm on the model's registry. Returns every client, connected but not necessarily welcomed yet.
     */
    public static List<ChatClient> joinStorm(
            WebSocketClient webSockets, ChatServer server, int threads, int each, Duration patience)
            throws InterruptedException {
        return joinStorm(webSockets, server, threads, each, patience, "j", true);
    }

    /**
     * The same storm, clients named {@code PREFIX T-I}. With {@code hearsPresence} false they connect with
     * {@code presence=off}: no join or leave is written to them, so each join costs the model its registry walks
     * and nothing else, and a storm into a large registry is all walking.
     */
    public static List<ChatClient> joinStorm(
            WebSocketClient webSockets,
            ChatServer server,
            int threads,
            int each,
            Duration patience,
            String prefix,
            boolean hearsPresence)
            throws InterruptedException {
        List<ChatClient> joined = Collections.synchronizedList(new ArrayList<>());
        List<Thread> joiners = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            joiners.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < each; i++) {
                    String name = prefix + id + "-" + i;
                    joined.add(ChatClient.connect(webSockets, uri(server, name, hearsPresence), name));
                }
            }));
        }
        for (Thread t : joiners) {
            t.join(patience);
        }
        return new ArrayList<>(joined);
    }

    /** The chat address for {@code name}, with {@code presence=off} when the client should hear no joins or leaves. */
    public static URI uri(ChatServer server, String name, boolean hearsPresence) {
        return hearsPresence ? server.chatUri(name) : URI.create(server.chatUri(name) + "&presence=off");
    }
}
