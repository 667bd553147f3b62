package fivechats.transport;

/**
 * A concurrency strategy for the broadcast chat: the only thing that differs between the five models.
 *
 * <p>The transport owns sockets, protocol, limits, heartbeats and shutdown. A model owns the registry of
 * connected clients and decides which threads read from and write to each {@link ChatConnection}.
 * Its duties, checked by the contract tests in {@code tests/race}:
 * <ol>
 *   <li>send {@link Wire#welcome} to a new client first, then {@link Wire#join} to everyone already online;</li>
 *   <li>send every line read from any client to every client, the sender included, each exactly once and
 *       each sender's lines in order;</li>
 *   <li>when a client is gone, drop it from the registry and send {@link Wire#leave} to the others;</li>
 *   <li>on {@link #stop()}, deliver what is already queued, then let its threads end.</li>
 * </ol>
 */
public interface ChatModel {

    /** Called once before the first connection. Start long-lived threads here, through {@code context.threads()}. */
    void start(ModelContext context);

    /**
     * A client has connected. Called on a transport thread, once per connection; return quickly (start or
     * hand off to the model's own threads instead of reading here).
     */
    void accept(ChatConnection connection);

    /**
     * How many clients the registry holds right now. Safe to call from any thread, and <b>must never wait for a lock</b>:
     * /stats and /metrics call it on Jetty's own threads, so a model stuck on its lock would otherwise stop the
     * server's HTTP side too (keep a volatile count, written where the registry changes).
     */
    int registered();

    /**
     * The server is shutting down and accepts no new clients. Deliver what is already queued, then return.
     * Afterwards the transport closes every connection with 1001, which wakes any thread blocked in
     * {@link ChatConnection#read()}, and waits for the model's threads to end.
     */
    void stop();
}
