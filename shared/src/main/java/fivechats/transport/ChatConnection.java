package fivechats.transport;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One client's WebSocket, as a model sees it: the Java form of gorilla's {@code *websocket.Conn}.
 *
 * <p>Concurrency contract, the same as gorilla's "one concurrent reader and one concurrent writer":
 * <ul>
 *   <li>at most one thread reads ({@link #read()} or {@link #poll()}) at a time;</li>
 *   <li>at most one thread writes ({@link #write(String)}) at a time. The transport does not hide a lock
 *       inside {@code write}: keeping writers apart is the model's job. A second writer that arrives while
 *       a write is in progress is detected and gets an {@link IllegalStateException}; its message is not
 *       sent, and the overlap is counted in {@code chat_concurrent_writes_total}. (With the detector in
 *       report mode the overlap is only counted and named, and Jetty alone decides: it queues up to
 *       {@code maxOutgoingFrames} sends and refuses the next with {@code WritePendingException}.)</li>
 *   <li>{@link #close(CloseCode, String)} and the getters are safe from any thread.</li>
 * </ul>
 *
 * <p>Lines arrive in network order. The transport asks Jetty for the next frame only after the model has
 * taken the previous line, so a model that stops reading pushes back on its client over TCP.
 */
public interface ChatConnection {

    /** Unique for the life of the server; ids are never reused. */
    long id();

    /** The name the client gave at connect time, already validated by {@link Wire#isValidName}. */
    String name();

    /** The client's address, for logs. */
    String remoteAddress();

    /**
     * Blocks until this client sends its next line and returns it already encoded as the
     * {@code chat} frame every client receives: {@code {"type":"chat","from":NAME,"seq":N,"text":...}}.
     * {@code seq} counts this client's lines from 1, in the order the client sent them.
     *
     * @throws ClosedConnectionException when the client is gone and every line it sent has been taken
     */
    String read() throws ClosedConnectionException, InterruptedException;

    /**
     * Returns the client's next line (encoded as {@link #read()} does) if one has arrived, else null.
     * Never blocks.
     *
     * @throws ClosedConnectionException when the client is gone and every line it sent has been taken
     */
    String poll() throws ClosedConnectionException;

    /**
     * Sends one text frame and blocks until Jetty has written it, at most the configured write wait; a
     * client that cannot take the frame in time is disconnected. One writer at a time (see above).
     *
     * @throws ClosedConnectionException when the client is gone, the write timed out or failed
     * @throws IllegalStateException     when another thread is writing to this connection right now
     */
    void write(String frame) throws IOException;

    /**
     * Starts sending one text frame and returns at once, without waiting for the network: for a model whose
     * writers are shared (a worker pool) and must never sit on one slow client. The future completes when Jetty has
     * written the frame, or exceptionally with a {@link ClosedConnectionException} when the write failed or took
     * longer than the write wait (the client is then disconnected, as with {@link #write}).
     *
     * <p>The same rule as {@link #write}: <b>one send at a time</b>. A send holds the connection's single-send slot
     * from this call until its future completes, so the next frame is sent from the completion (or after it),
     * never beside it; a send that overlaps another is refused with an {@link IllegalStateException} in the future.
     *
     * <p>The default writes on the calling thread and returns a completed future: enough for test doubles.
     */
    default CompletableFuture<Void> send(String frame) {
        try {
            write(frame);
            return CompletableFuture.completedFuture(null);
        } catch (IOException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts sending several frames, in order, as <b>one send</b>: they hold the single-send slot together, and the
     * transport writes them in as few network writes as it can. This is gorilla's writePump draining what is queued:
     * a single writer that finds ten frames waiting pays for one write, not ten. The future completes when every
     * frame is written, or exceptionally as {@link #send(String)}'s does; the same one-send rule applies.
     *
     * <p>The default sends them one at a time, each after the previous one completed: enough for test doubles.
     */
    default CompletableFuture<Void> send(List<String> frames) {
        CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
        for (String frame : frames) {
            // each from the previous one's completion, never beside it
            sent = sent.thenCompose(previous -> send(frame));
        }
        return sent;
    }

    /**
     * Stops this client's reading side for good: a line not yet taken is dropped, lines that arrive later are dropped,
     * and the next {@link #read()} or {@link #poll()} (or the one blocked now) throws {@link ClosedConnectionException}.
     * For an evicted client: its reader stops at once and announces its leave, after its last line, instead of going
     * on broadcasting until the connection has closed. Idempotent; safe from any thread. The default does nothing:
     * enough for test doubles.
     */
    default void stopReading(String reason) {}

    /** Starts the close handshake with this code and reason. Idempotent; safe from any thread. */
    void close(CloseCode code, String reason);

    /**
     * False when the client connected with {@code /chat?name=NAME&presence=off}. Such a client still gets its
     * welcome (listing only itself) and every chat line, but the transport drops join and leave frames meant for
     * it, in {@link #write} and in {@link Outbox#offer}, before they cost a send. Presence is the protocol's one
     * quadratic part: connecting N clients announces N squared / 2 joins (50 million at 10,000), so load
     * generators and bots opt out of it.
     */
    default boolean hearsPresence() {
        return true;
    }

    /** False only for a join or leave frame meant for a client that does not hear presence: skip it, it is not lost. */
    default boolean wants(String frame) {
        return hearsPresence() || !Wire.isPresence(frame);
    }

    /** False once the client has gone (lines it sent before may still be waiting to be read). */
    boolean isOpen();
}
