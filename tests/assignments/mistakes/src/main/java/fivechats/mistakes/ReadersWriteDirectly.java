package fivechats.mistakes;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Wire;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MISTAKE, the classic one: each reader writes every line to every connection itself. "The registry is concurrent and
 * presence is locked, so it is thread-safe." Two readers broadcasting at once write to one connection at once, which
 * the connection forbids (one writer at a time): the second write is refused, and that client misses the line.
 *
 * <p>Breaks: at most one writer per connection. Caught by: R1 (the transport's detector counts the overlaps), and
 * then by every test that counts lines.
 */
public class ReadersWriteDirectly implements ChatModel {
    protected ModelContext context;
    protected final Map<Long, ChatConnection> clients = new ConcurrentHashMap<>();
    protected final Object membership = new Object();

    @Override
    public void start(ModelContext context) {
        this.context = context;
    }

    @Override
    public void accept(ChatConnection connection) {
        context.threads().startVirtual("reader-" + connection, () -> serve(connection));
    }

    private void serve(ChatConnection connection) {
        synchronized (membership) {
            List<String> online = new ArrayList<>(
                    clients.values().stream().map(ChatConnection::name).toList());
            online.add(connection.name());
            deliver(connection, Wire.welcome(connection.name(), online));
            broadcast(Wire.join(connection.name()));
            clients.put(connection.id(), connection);
        }
        try {
            while (true) {
                broadcast(connection.read());
            }
        } catch (ClosedConnectionException | InterruptedException gone) {
            // the client left, or the server is stopping
        } finally {
            synchronized (membership) {
                if (clients.remove(connection.id()) != null) {
                    broadcast(Wire.leave(connection.name()));
                }
            }
        }
    }

    /** BROKEN: this reader writes to every connection, while other readers may be writing to the same ones. */
    protected void broadcast(String frame) {
        for (ChatConnection client : clients.values()) {
            deliver(client, frame);
        }
    }

    /** Writes on the calling thread. */
    protected void deliver(ChatConnection client, String frame) {
        try {
            client.write(frame);
        } catch (IOException | IllegalStateException lost) {
            // gone, too slow, or another thread was writing: this client misses the frame
        }
    }

    @Override
    public int registered() {
        return clients.size();
    }

    @Override
    public void stop() {
        // nothing is queued: every write happens on a reader thread
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
