package fivechats.cluster;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import fivechats.transport.ChatConnection;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.Wire;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>A newcomer's welcome lists the others' clients <b>as the model has been told of them</b>: the joins and leaves
 * the model has taken from this link, not those the broker has told this server. The frames still queued here reach
 * the newcomer after its welcome, so each says something new to it. A join or leave the model has taken but not yet
 * passed on may still reach a newcomer whose welcome already counts it: the transport recognises that frame (the same
 * {@code String} the model took, as {@code EncodedFrames} does) and drops it for that newcomer ({@link #toldBefore}).
 * What it leaves out: a frame taken more than {@link #CAPACITY} joins and leaves before the welcome is no longer
 * recognised, and would reach the newcomer as a second word on someone it already listed.
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

    // What the model has been told, guarded by this: written as it takes each join or leave, read by welcomes.
    /** Names online on the other servers, with how many clients use each (names need not be unique). */
    @GuardedBy("this")
    private final Map<String, Integer> told = new HashMap<>();
    /** Joins and leaves the model has taken, in all: the position of the newest. */
    @GuardedBy("this")
    private long position;
    /** The newest joins and leaves taken, each by its own {@code String} instance, and the position it was taken at. */
    @GuardedBy("this")
    private final Map<String, Long> recent = new IdentityHashMap<>();

    @GuardedBy("this")
    private final ArrayDeque<String> recentOrder = new ArrayDeque<>();

    // The chat lines the model has taken from the stream, for clients that resume (chapter 12), guarded by this.
    /** How many of the newest lines taken are kept: a few seconds of a flood, the time a client takes to reconnect. */
    static final int LINES_KEPT = 4096;
    /** A chat line from the stream, and its id there. */
    record Line(String frame, String id) {}

    @GuardedBy("this")
    private final ArrayDeque<Line> lines = new ArrayDeque<>();
    /**
     * Every line taken after this stream id is in {@link #lines}: where the stream bus began to listen, then the newest
     * line no longer kept. Null without a stream (pub/sub).
     */
    @GuardedBy("this")
    private String forgotten;

    /** The stream bus hears what comes after {@code id}: the lines taken from now on follow it. */
    synchronized void linesFrom(String id) {
        forgotten = id;
    }

    /** Who the others' clients are in the cluster's snapshot at start, before any join or leave is heard. */
    synchronized void toldAtStart(List<String> names) {
        names.forEach(name -> told.merge(name, 1, Integer::sum));
    }

    /**
     * Who the model has been told is online elsewhere, and the position of the last join or leave that says so; the
     * stream id of the newest chat line it has taken (null before the first).
     */
    record Told(List<String> names, long position, String lineId) {}

    synchronized Told told() {
        List<String> names = new ArrayList<>();
        told.forEach((name, count) -> names.addAll(java.util.Collections.nCopies(count, name)));
        return new Told(
                names, position, lines.isEmpty() ? forgotten : lines.getLast().id());
    }

    /**
     * The lines the model took after stream id {@code after}, up to {@code upTo}, in order; null if some of them are no
     * longer kept.
     */
    synchronized List<String> linesTaken(String after, String upTo) {
        if (forgotten != null && StreamBus.after(forgotten, after) && !forgotten.equals(after)) {
            return null;
        }
        List<String> taken = new ArrayList<>();
        for (Line line : lines) {
            if (!StreamBus.after(after, line.id()) && StreamBus.after(upTo, line.id())) { // after < id <= upTo
                taken.add(line.frame());
            }
        }
        return taken;
    }

    private synchronized void keep(Line line) {
        lines.addLast(line);
        if (lines.size() > LINES_KEPT) {
            forgotten = lines.removeFirst().id();
        }
    }

    /** True if {@code frame} is a join or leave the model took at or before {@code position}: a welcome from then counts it. */
    synchronized boolean toldBefore(String frame, long position) {
        Long at = recent.get(frame);
        return at != null && at <= position;
    }

    private synchronized void take(String presence) {
        String name = Wire.presenceName(presence);
        if (Wire.isJoin(presence)) {
            told.merge(name, 1, Integer::sum);
        } else {
            told.computeIfPresent(name, (n, count) -> count == 1 ? null : count - 1);
        }
        recent.put(presence, ++position);
        recentOrder.addLast(presence);
        if (recentOrder.size() > CAPACITY) {
            recent.remove(recentOrder.removeFirst());
        }
    }

    /** Waits for room: for a bus that can afford to wait. */
    void put(String frame) throws InterruptedException {
        inbound.put(frame);
    }

    /** A chat line from the stream: as {@link #put}, and the link notes its id when the model takes it. */
    void put(String frame, String id) throws InterruptedException {
        inbound.put(new Line(frame, id));
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
        if (closed
                && inbound.remove(action)) { // closed while it was queued, and nobody has taken it: the drain missed it
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
        if (next instanceof Line line) {
            keep(line); // before the model can pass it on: a welcome from now on replays up to it
            return line.frame();
        }
        String frame = (String) next;
        if (Wire.isPresence(frame)) {
            take(frame); // before the model can pass it on: a welcome from now on counts it
        }
        return frame;
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
    public void close(CloseCode code, String reason) {
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
