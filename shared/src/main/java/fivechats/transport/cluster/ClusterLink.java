package fivechats.transport.cluster;

import fivechats.transport.ChatConnection;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.Wire;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The connection a model sees for everyone on the other servers. To the model it is one more client: it reads this
 * client's "lines" (remote chat lines, joins and leaves, already encoded) and broadcasts them to its local clients, as
 * it broadcasts anyone's. So every model runs clustered unchanged, and keeps its own guarantees: a fixed model delivers
 * the link's frames to each client in the link's order, and never lets two threads write to one client.
 *
 * <p>Writes to the link are dropped: every local line reached the broker when the transport read it, so the link has
 * nothing to pass on. It does not hear presence, and its own join and leave are hidden from clients (the transport
 * drops frames naming {@link #NAME}), so it never shows in a client's list of who is online.
 */
public final class ClusterLink implements ChatConnection {
    /** Never a client's name: {@link Wire#NAME} has no {@code ~}. */
    public static final String NAME = "~cluster";
    static final String JOIN = Wire.join(NAME);
    static final String LEAVE = Wire.leave(NAME);
    /**
     * Frames heard from the broker that the model has not read yet. Bounded: the stream bus blocks on a full link
     * (the stream keeps the rest, so nothing is lost), and the pub/sub bus drops and counts (Redis pushes, and
     * a Lettuce listener must not block its event loop).
     */
    static final int CAPACITY = 4096;
    private static final Object END = new Object();

    private final BlockingQueue<Object> inbound = new LinkedBlockingQueue<>(CAPACITY);
    private volatile boolean closed;

    /** Waits for room: for a bus that can afford to wait. */
    void put(String frame) throws InterruptedException {
        inbound.put(frame);
    }

    /** False when the link is full or closed: the frame is dropped, for a bus that must not wait. */
    boolean offer(String frame) {
        return !closed && inbound.offer(frame);
    }

    /**
     * Runs {@code action} when the model comes to read past this point: everything queued before it has been taken
     * by the model. The stream bus uses it to end a local client only after its last line has reached the model.
     * <b>The action runs exactly once</b>, even if the link closes meanwhile: by the model's read, by
     * {@link #close}'s drain, or here, if it was queued after that drain (nobody would take it then).
     */
    void after(Runnable action) throws InterruptedException {
        if (closed) {
            action.run();
            return;
        }
        inbound.put(action);
        if (closed && inbound.remove(action)) { // closed while it was queued, and nobody has taken it: the drain missed it
            action.run();
        }
    }

    @Override
    public String read() throws ClosedConnectionException, InterruptedException {
        while (true) {
            String frame = taken(inbound.take());
            if (frame != null) {
                return frame;
            }
        }
    }

    @Override
    public String poll() throws ClosedConnectionException {
        for (Object next; (next = inbound.poll()) != null; ) {
            String frame = taken(next);
            if (frame != null) {
                return frame;
            }
        }
        return null;
    }

    private String taken(Object next) throws ClosedConnectionException {
        if (next == END) {
            inbound.offer(END); // stays, so every later read sees it
            throw new ClosedConnectionException(this + " is closed: the server is shutting down");
        }
        if (next instanceof Runnable action) {
            action.run();
            return null;
        }
        return (String) next;
    }

    @Override
    public void write(String frame) {
        // dropped: see the class comment
    }

    @Override
    public CompletableFuture<Void> send(String frame) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean hearsPresence() {
        return false;
    }

    /** Ends the link: what is queued is dropped (the server is stopping), and waiting actions run now. */
    @Override
    public void close(int statusCode, String reason) {
        closed = true;
        for (Object next; (next = inbound.poll()) != null; ) {
            if (next instanceof Runnable action) {
                action.run();
            }
        }
        inbound.offer(END);
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public long id() {
        return 0; // the transport numbers clients from 1
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String remoteAddress() {
        return "the broker";
    }

    @Override
    public String toString() {
        return NAME;
    }
}
