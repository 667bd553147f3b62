package fivechats.channelhub;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelThreads;
import fivechats.transport.Outbox;
import java.time.Duration;

/**
 * One connected client of the {@link ChannelHub}: gorilla's {@code Client}, with its readPump here and its
 * writePump in the {@link Outbox}.
 *
 * <p>Invariant: <b>exactly one thread writes to a connection</b>, the outbox's writer. The hub only puts
 * frames into the outbox; the writer takes what is queued and writes it as one send, so two sends can never
 * overlap on one socket.
 */
final class Client {
    private final ChatConnection connection;
    private final ChannelHub hub;
    private final Outbox outbox;

    Client(ChatConnection connection, ChannelHub hub, int sendQueue, Duration writeWait, ChatMetrics metrics) {
        this.connection = connection;
        this.hub = hub;
        this.outbox = new Outbox(connection, sendQueue, writeWait, metrics);
    }

    void start(ModelThreads threads) {
        outbox.start(threads);
        threads.startVirtual("hub-reader-" + connection, this::readLoop);
    }

    ChatConnection connection() {
        return connection;
    }

    Outbox outbox() {
        return outbox;
    }

    // snippet:read-pump
    /** readPump: the only reader of this connection. Registers, forwards each line to the hub, unregisters. */
    private void readLoop() {
        try {
            hub.register(this);
            while (true) {
                hub.broadcast(connection.read());
            }
        } catch (ClosedConnectionException e) {
            // the client is gone: closed, vanished, timed out or evicted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                hub.unregister(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
    // end-snippet
}
