package fivechats.race;

import fivechats.transport.ChatConnection;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/**
 * An in-memory client that never reads, for driving a model's classes below the network. Its first
 * {@link #send} never completes, as a real send does not when the client's TCP window is closed, so the model's
 * writer waits on it and whatever the model queues behind it stays queued until the queue is full. {@link #close}
 * fails that send, as Jetty does when a session closes, which lets the writer end. It can be told to stop hearing
 * presence, so a crowd can join without filling each other's queues.
 */
public final class StalledConnection implements ChatConnection {
    private final long id;
    private volatile boolean hearsPresence = true;
    private volatile int closeCode;
    private final CompletableFuture<Void> stuck = new CompletableFuture<>();

    public StalledConnection(long id) {
        this.id = id;
    }

    /** Clients 1..n that do not hear presence yet, so they can join without filling each other's queues. */
    public static List<StalledConnection> quietCrowd(int n) {
        return IntStream.rangeClosed(1, n)
                .mapToObj(i -> new StalledConnection(i).hearsPresence(false))
                .toList();
    }

    /** What a test does with a model on the model's own kind of thread. */
    public interface Steps {
        void run() throws Exception;
    }

    /**
     * Runs {@code steps} on a new platform thread with the default stack, as the real hub or reader thread has, and
     * returns what killed it (a StackOverflowError, say), or null.
     */
    public static Throwable runOnPlatformThread(String name, Steps steps) throws InterruptedException {
        Throwable[] died = new Throwable[1];
        Thread.ofPlatform()
                .name(name)
                .start(() -> {
                    try {
                        steps.run();
                    } catch (Throwable t) {
                        died[0] = t;
                    }
                })
                .join();
        return died[0];
    }

    /** Joins and leaves are skipped (as for a client that connected with presence=off) until this is set back. */
    public StalledConnection hearsPresence(boolean hears) {
        this.hearsPresence = hears;
        return this;
    }

    @Override
    public boolean hearsPresence() {
        return hearsPresence;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return "stalled" + id;
    }

    @Override
    public String remoteAddress() {
        return "memory";
    }

    @Override
    public String read() throws ClosedConnectionException {
        throw new ClosedConnectionException("a stalled connection sends nothing");
    }

    @Override
    public String poll() {
        return null;
    }

    @Override
    public void write(String frame) {
        throw new AssertionError("a stalled client takes only asynchronous sends: " + name() + " was written " + frame);
    }

    /** The send the client never reads: it completes only when the connection is closed, and fails then. */
    @Override
    public CompletableFuture<Void> send(String frame) {
        sending = true;
        return stuck;
    }

    private volatile boolean sending;

    /**
     * Waits until the model's writer has started its (never-ending) first send to each of {@code crowd}: from then on
     * whatever the model queues for them stays queued. Before it, a writer that comes late could take the welcome and
     * the lines queued behind it as one batch, and leave that client's queue short of full.
     */
    public static void awaitSending(List<StalledConnection> crowd) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .alias("every writer has started its first send")
                .until(() -> crowd.stream().allMatch(c -> c.sending));
    }

    @Override
    public void close(CloseCode code, String reason) {
        if (closeCode == 0) {
            closeCode = code.code;
        }
        stuck.completeExceptionally(new ClosedConnectionException(name() + " closed with " + code.code));
    }

    private volatile boolean stoppedReading;

    @Override
    public void stopReading(String reason) {
        stoppedReading = true;
    }

    /** True once the model has stopped this client's reader (it was evicted). */
    public boolean stoppedReading() {
        return stoppedReading;
    }

    /** The code the model closed it with, 0 if never. */
    public int closeCode() {
        return closeCode;
    }

    @Override
    public boolean isOpen() {
        return closeCode == 0;
    }
}
