package fivechats.transport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * The Jetty endpoint behind every {@link ChatConnection}. Jetty calls the {@code onWebSocket*} methods;
 * the model calls {@link #read()}, {@link #poll()}, {@link #write(String)} and {@link #close(CloseCode, String)}.
 *
 * <p>Reading uses explicit demand (a plain {@link Session.Listener}, not an auto-demanding one): Jetty
 * delivers one frame, then waits until {@link #read()} or {@link #poll()} has taken it and called
 * {@code demand()} again. So the inbound queue holds at most one line and the end marker, and a model
 * that stops reading leaves the client's bytes in TCP buffers, which pushes back on the client.
 * Pings are answered by Jetty itself (this class does not override {@code onWebSocketPing}).
 */
public final class WebSocketConnection implements ChatConnection, Session.Listener {
    /** Put into the inbound queue when the client is gone; stays there so every later read sees it. */
    private static final Object END = new Object();

    private final long id;
    private final String name;
    private final String remoteAddress;
    private final ChatServer server;
    private final ChatMetrics metrics;
    private final long writeWaitMillis;
    private final boolean hearsPresence;
    /** Connected with {@code coalesce=on}: a send of several frames may put several events in one frame. */
    private final boolean coalesces;

    private final int maxOutgoingFrames;
    private final TransportConfig.Detector detector;
    private final EncodedFrames encoded;

    /** At most one line (demand is one frame at a time) and the END marker. */
    private final BlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    /** The concurrent-write detector, like gorilla's isWriting, but exact: taken for the whole of a send. */
    private final SendSlot slot;
    /** A teaching aid, off by default: a write keeps the slot until a rival arrives (see {@link RaceWindow}). */
    private final RaceWindow raceWindow;

    private final AtomicBoolean ended = new AtomicBoolean();
    /** Through the broker: true until the model's welcome, before which this client's first frame is not read. */
    private final AtomicBoolean firstReadHeld = new AtomicBoolean();
    /** In a cluster: the position in the link's joins and leaves that this client's welcome speaks for; -1 before it. */
    private volatile long welcomedAt = -1;
    /** A client that reconnected with {@code since}: what the stream held after it at the upgrade; null otherwise. */
    private final History resuming;
    /** What this resuming client is sent after its welcome, made with it; null before, and for other clients. */
    private volatile Replay replay;

    private volatile Session session;
    private volatile String endReason = "not connected yet";
    /** This client's line counter. Only onWebSocketText touches it, which Jetty calls once per demand, never concurrently. */
    private long seq;

    // Heartbeat state, written by the heartbeat thread, by onWebSocketPong and by demandNext.
    /** The last pong, moved later by every stretch the server held the client's line (see {@link #silentNanos}). */
    volatile long lastPongNanos;

    volatile long lastPingNanos;
    /**
     * When the server took hold of this client's line (Jetty delivered it and the model, or the broker, has not taken
     * it yet); 0 while Jetty is free to read. Meanwhile nothing more is read from the client, its pong neither.
     */
    private volatile long heldSince;
    /** Set once by {@link #stopReading}: lines are dropped from then on. */
    private volatile boolean deaf;

    WebSocketConnection(
            long id,
            String name,
            boolean hearsPresence,
            boolean coalesces,
            String remoteAddress,
            ChatServer server,
            History resuming) {
        this.id = id;
        this.resuming = resuming;
        this.hearsPresence = hearsPresence;
        this.coalesces = coalesces;
        this.name = name;
        this.remoteAddress = remoteAddress;
        this.server = server;
        this.metrics = server.metrics();
        this.writeWaitMillis = server.config().writeWait().toMillis();
        this.raceWindow = new RaceWindow(server.config().raceWindow().toNanos());
        this.maxOutgoingFrames = server.config().maxOutgoingFrames();
        this.detector = server.config().detector();
        this.encoded = server.encodedFrames();
        this.slot = new SendSlot(new SlotSteps(name + "#" + id));
    }

    // --- the SPI the model uses ------------------------------------------------------------------

    @Override
    public boolean hearsPresence() {
        return hearsPresence;
    }

    /**
     * Besides joins and leaves for a client that does not hear them: in a cluster, what the relay hides (its link's own
     * presence, a join or leave this client's welcome already counted), and a line a resuming client has had.
     */
    @Override
    public boolean wants(String frame) {
        Replay replayed = replay;
        return ChatConnection.super.wants(frame)
                && !server.relay().hides(frame, welcomedAt)
                && (replayed == null || !replayed.covers(frame)); // a line this client has had: replayed, or before
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String read() throws ClosedConnectionException, InterruptedException {
        return taken(inbound.take());
    }

    @Override
    public String poll() throws ClosedConnectionException {
        Object next = inbound.poll();
        return next == null ? null : taken(next);
    }

    private String taken(Object next) throws ClosedConnectionException {
        if (next == END) {
            inbound.add(END);
            throw new ClosedConnectionException(this + " is gone: " + endReason);
        }
        demandNext(); // the model has taken the line: now, and only now, ask Jetty for the next frame
        return (String) next;
    }

    /** The server has taken the client's line: the heartbeat's clock runs again, and Jetty may read the next frame. */
    private void demandNext() {
        long held = heldSince;
        if (held != 0) {
            lastPongNanos += System.nanoTime() - held; // the time we held the line is not the client's silence
            heldSince = 0;
        }
        Session s = session;
        if (s.isOpen() || core().isInputOpen()) { // after our close frame, Jetty still reads the client's reply
            s.demand();
        }
    }

    /**
     * How long the client has been silent for the heartbeat: since its last pong, not counting the time the server
     * held its line. While the server holds it, the count stands still: <b>a client is never judged while its pong
     * waits behind a line the server has not taken</b>.
     */
    long silentNanos(long now) {
        long held = heldSince;
        return (held != 0 ? held : now) - lastPongNanos;
    }

    /** True while the server holds this client's line, so its pong cannot be read. */
    boolean heldByServer() {
        return heldSince != 0;
    }

    @Override
    public void stopReading(String reason) {
        if (deaf) {
            return;
        }
        deaf = true;
        endReason = "no longer read: " + reason;
        Object held = inbound.poll();
        if (held instanceof String) {
            demandNext(); // the dropped line's demand: Jetty goes on reading, so the close handshake can finish
        }
        if (!server.relay().throughBroker()) {
            inbound.add(END); // wakes a reader blocked in read(); every later read sees it
        }
        // Through the broker, the model hears this client's lines from the stream, and its end only once the stream has
        // caught up (Relay.left, when the connection closes): an END now would let its leave overtake lines the broker
        // already has. Its new lines are dropped all the same.
    }

    @Override
    // snippet:single-send
    public void write(String frame) throws IOException {
        if (!wants(frame)) {
            return; // this client asked not to hear joins and leaves: nothing is sent, so nothing can overlap
        }
        if (resuming != null) { // its welcome and the lines it missed as one send, and what follows judged in order
            awaitSent(send(List.of(frame)));
            return;
        }
        Thread me = Thread.currentThread();
        boolean alone = takeSlot(me, 1); // false: another thread holds it, and the detector only reports
        SlotSteps.What outcome = SlotSteps.What.FAILED; // until Jetty has taken the frame
        try {
            if (alone) {
                raceWindow.hold(); // the teaching aid: returns at once unless --race-window is set
            }
            org.eclipse.jetty.util.Callback.Completable sent = new org.eclipse.jetty.util.Callback.Completable();
            core().sendFrame(textFrame(forThisClient(frame)), sent, false);
            sent.get(writeWaitMillis, TimeUnit.MILLISECONDS);
            metrics.messageOut();
            outcome = SlotSteps.What.SENT;
        } catch (TimeoutException e) {
            throw failed(e, me);
        } catch (ExecutionException e) {
            throw failed(e.getCause(), me);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to " + this);
        } finally {
            slot.end(me, alone, outcome, 1); // gives the slot back if this write took it
            metrics.writeEnded();
        }
    }
    // end-snippet

    // snippet:take-slot
    /**
     * Takes the single-send slot for this thread's send of {@code frames} frames, as {@link #write} and {@link #send}
     * both do: true if it was free. If another thread holds it, the overlap is counted and named; then the default
     * detector refuses this send (its frames are lost, and the slot stays the holder's), and {@code --detector report}
     * lets it through to Jetty, answering false.
     */
    private boolean takeSlot(Thread me, int frames) {
        SendSlot.Overlap overlap = slot.take(frames);
        if (overlap == null) {
            return true;
        }
        String who = "concurrent write to connection " + this + ": " + SlotSteps.nameOf(me) + " wrote while "
                + overlap.holder() + " was writing";
        metrics.concurrentWrite(who, overlap.steps());
        raceWindow.rivalArrived(); // a holder waiting in the race window has met its rival and goes on
        if (detector == TransportConfig.Detector.REFUSE) {
            slot.end(me, false, SlotSteps.What.REFUSED, frames);
            metrics.writeEnded();
            throw new IllegalStateException(who + ", and a WebSocket allows one send at a time");
        }
        return false;
    }
    // end-snippet

    /** Waits for a send as {@link #write} waits for its frame; the send's own deadline (the write wait) bounds it. */
    private static void awaitSent(CompletableFuture<Void> sent) throws IOException {
        try {
            sent.get();
        } catch (ExecutionException e) {
            Throwable cause =
                    e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime; // a send refused as overlapping, as write() refuses one
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
    }

    /** One frame is a batch of one: the same slot, the same deadline, one network write. */
    @Override
    public CompletableFuture<Void> send(String frame) {
        return send(List.of(frame));
    }

    /**
     * Several frames as one send: the slot is taken once, and Jetty's core session writes them together. Each chunk
     * goes out as batched frames (copied into the connection's batch buffer, their callbacks completed at once) and a
     * last unbatched frame that flushes the buffer: one network write for the chunk instead of one per frame. The next
     * chunk starts from the previous one's completion. Jetty counts a frame against {@code maxOutgoingFrames} until just
     * after its callback has run, so the previous chunk's last frame may still count while the next chunk is queued:
     * a chunk is one less than the bound, and Jetty never refuses this writer's frames.
     */
    @Override
    public CompletableFuture<Void> send(List<String> frames) {
        List<String> wanted = new ArrayList<>(frames.size());
        for (String frame : frames) {
            if (wants(frame)) {
                wanted.add(forThisClient(frame)); // in order: a welcome is made before the frames behind it are judged
                Replay replaying = replay;
                if (replaying != null) {
                    if (Wire.isWelcome(frame)) {
                        wanted.addAll(replaying.frames()); // a resuming client's missed lines: right after its welcome
                    } else {
                        replaying.sent(frame);
                    }
                }
            }
        }
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(null); // joins and leaves for a client that does not hear presence
        }
        Thread me = Thread.currentThread(); // the completion below may run on a Jetty thread: the steps name this one
        int n = wanted.size();
        boolean alone; // taken here, held across every chunk, given back at the end
        try {
            alone = takeSlot(me, n);
        } catch (IllegalStateException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            sendChunk(
                    core(),
                    coalesces
                            ? encoded.coalesced(wanted)
                            : wanted.stream().map(encoded::utf8).toList(),
                    0,
                    written);
        } catch (RuntimeException e) {
            written.completeExceptionally(e); // the slot is given back below, like after any failed send
        }
        return written.orTimeout(writeWaitMillis, TimeUnit.MILLISECONDS).handle((ok, failure) -> {
            SlotSteps.What outcome = SlotSteps.What.FAILED;
            try {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
                    throw new CompletionException(failed(cause, me));
                }
                metrics.messagesOut(n);
                outcome = SlotSteps.What.SENT;
                return null;
            } finally {
                // Before the caller hears of it: its next send may start from the completion.
                slot.end(me, alone, outcome, n);
                metrics.writeEnded();
            }
        });
    }

    private void sendChunk(CoreSession core, List<ByteBuffer> frames, int from, CompletableFuture<Void> written) {
        int to = Math.min(frames.size(), from + maxOutgoingFrames - 1);
        org.eclipse.jetty.util.Callback failOnly =
                org.eclipse.jetty.util.Callback.from(() -> {}, written::completeExceptionally);
        for (int i = from; i < to - 1; i++) {
            core.sendFrame(textFrame(frames.get(i)), failOnly, true); // into the batch buffer
        }
        core.sendFrame(
                textFrame(frames.get(to - 1)),
                org.eclipse.jetty.util.Callback.from(
                        () -> {
                            if (to == frames.size()) {
                                written.complete(null);
                            } else if (!written.isDone()) {
                                sendChunk(core, frames, to, written);
                            }
                        },
                        written::completeExceptionally),
                false); // unbatched: flushes the chunk in one write
    }

    /** Jetty's core session, below the API session: it has batched sends, and takes a frame's bytes as they are. */
    private CoreSession core() {
        return ((WebSocketSession) session).getCoreSession();
    }

    /** A text frame whose UTF-8 bytes are shared with every other recipient of the same frame (encoded once). */
    private Frame textFrame(String frame) {
        return textFrame(encoded.utf8(frame));
    }

    private static Frame textFrame(ByteBuffer payload) {
        return new Frame(OpCode.TEXT).setPayload(payload);
    }

    /**
     * The welcome of a client that does not hear presence lists only itself: 80 KiB saved at 10,000 clients. A model's
     * {@link Wire#welcome(ChatConnection, java.util.stream.Stream)} already writes it so; this holds for one that
     * built the list anyway. In a cluster, the welcome lists the clients of every server, not only the model's.
     */
    private String forThisClient(String frame) {
        if (!Wire.isWelcome(frame)) {
            return frame;
        }
        // Every model here sends a client's welcome only once the client is in its registry (one lock, one loop, or,
        // where broadcasts take no lock, a writer started or a lane let go only after the add: thread-per-connection,
        // the worker pool): from now on every broadcast reaches the client, so the welcome misses no join.
        releaseFirstRead();
        if (!hearsPresence && resuming == null) {
            return Wire.welcome(name, List.of(name));
        }
        Relay.Welcome welcome = server.relay().welcome(name, frame, resuming);
        welcomedAt = welcome.position();
        replay = welcome.replay();
        return hearsPresence ? welcome.frame() : Wire.welcome(name, List.of(name));
    }

    /** Asks Jetty for the first frame, if it was held for the welcome; at most once. */
    private void releaseFirstRead() {
        if (firstReadHeld.compareAndSet(true, false)) {
            demandNext(); // and the heartbeat's clock runs again: the wait for the welcome was the server's
        }
    }

    /**
     * Counts a failed write of {@code writer} and says why. A write that timed out drops the client, which is not taking
     * frames. Jetty's own refusal (more sends at once than maxOutgoingFrames) is thrown as an overlap.
     */
    private IOException failed(Throwable cause, Thread writer) {
        if (cause instanceof WritePendingException) {
            String refused = "concurrent write to connection " + this + ": Jetty refused it"
                    + " (WritePendingException: more than " + maxOutgoingFrames + " sends at once)";
            // Counted as refused before it is counted as failed: a reader of "failures that were no refusal" (the
            // race scenario's "the model gave up") never takes this one for a give-up.
            metrics.jettyRefused(refused, slot.refusedByJetty(writer));
            metrics.writeFailed();
            throw new IllegalStateException(refused, cause);
        }
        metrics.writeFailed();
        if (cause instanceof TimeoutException) {
            abort(CloseCode.POLICY_VIOLATION, "write timed out after " + writeWaitMillis + " ms");
            return new ClosedConnectionException("write to " + this + " timed out after " + writeWaitMillis + " ms");
        }
        return new ClosedConnectionException("write to " + this + " failed: " + cause, cause);
    }

    @Override
    public void close(CloseCode code, String reason) {
        Session s = session;
        if (s != null) {
            releaseFirstRead(); // closed before its welcome: Jetty must read the client's close frame
            s.close(code.code, reason, Callback.NOOP); // Jetty ignores a second close
        }
    }

    @Override
    public boolean isOpen() {
        Session s = session;
        return s != null && s.isOpen() && !ended.get();
    }

    @Override
    public String toString() {
        return name + "#" + id;
    }

    // --- called by the transport -----------------------------------------------------------------

    /** Sends a close frame if it can, then drops the TCP connection without waiting: for a peer that is not listening. */
    void abort(CloseCode code, String reason) {
        Session s = session;
        if (s != null) {
            s.close(code.code, reason, Callback.NOOP);
            s.disconnect();
        }
        end(StatusCode.ABNORMAL, reason);
    }

    void ping() {
        Session s = session;
        if (s != null && s.isOpen()) {
            // A failed ping needs no handling of its own: no pong comes back and the pong deadline closes the client.
            s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
        }
    }

    // --- called by Jetty -------------------------------------------------------------------------

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        this.lastPongNanos = System.nanoTime();
        this.endReason = "open";
        // Through the broker, this client's line reaches the model from the stream, through the cluster's link, not
        // from this connection: read before the model has registered the client, it could be broadcast to everyone
        // but its sender. So its first frame is asked for only at the model's welcome (forThisClient).
        boolean throughBroker = server.relay().throughBroker();
        if (throughBroker) {
            // The client is not judged by the heartbeat while the server holds its first read.
            heldSince = System.nanoTime();
            firstReadHeld.set(true);
        }
        server.opened(this);
        if (!throughBroker) {
            session.demand();
        }
    }

    // snippet:line-in
    @Override
    public void onWebSocketText(String text) {
        metrics.messageIn();
        if (deaf) {
            demandNext(); // evicted: the line is dropped, and Jetty reads on until the close handshake
            return;
        }
        heldSince = System.nanoTime();
        String line = Wire.chat(name, ++seq, text);
        CompletableFuture<Void> brokerHasIt = server.relay().line(id, seq, line, this::toModel); // alone: to the model
        if (brokerHasIt != null) { // in a cluster that orders lines through the broker: the next frame once it has this
            brokerHasIt.whenComplete((published, failure) -> {
                if (failure == null) {
                    demandNext();
                } else {
                    close(CloseCode.SERVER_ERROR, "the chat broker is unavailable; try again later");
                }
            });
        }
    }
    // end-snippet

    /** False if the line was dropped after all: stopReading ran just now and missed it. */
    private boolean toModel(String line) {
        inbound.add(line);
        if (deaf && inbound.remove(line)) {
            demandNext();
            return false;
        }
        return true;
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
        callback.succeed();
        close(CloseCode.BAD_DATA, "binary frames are not supported: send text");
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        lastPongNanos = System.nanoTime();
        session.demand(); // a pong used up the demand; ask for the next frame
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        end(StatusCode.ABNORMAL, String.valueOf(cause.getMessage()));
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback callback) {
        end(statusCode, reason);
        callback.succeed();
    }

    private void end(int statusCode, String reason) {
        if (ended.compareAndSet(false, true)) {
            endReason = "closed " + statusCode + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")");
            server.closed(this, () -> inbound.add(END));
        }
    }
}
