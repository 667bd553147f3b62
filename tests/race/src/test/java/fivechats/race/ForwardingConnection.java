package fivechats.race;

import fivechats.transport.ChatConnection;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A connection that passes every call to another: the base of the test models' wrappers, which change one call (a
 * read held, a frame judged slowly) and leave the rest as the transport made it.
 */
abstract class ForwardingConnection implements ChatConnection {
    final ChatConnection connection;

    ForwardingConnection(ChatConnection connection) {
        this.connection = connection;
    }

    @Override
    public long id() {
        return connection.id();
    }

    @Override
    public String name() {
        return connection.name();
    }

    @Override
    public String remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public String read() throws ClosedConnectionException, InterruptedException {
        return connection.read();
    }

    @Override
    public String poll() throws ClosedConnectionException {
        return connection.poll();
    }

    @Override
    public void write(String frame) throws IOException {
        connection.write(frame);
    }

    @Override
    public CompletableFuture<Void> send(String frame) {
        return connection.send(frame);
    }

    @Override
    public CompletableFuture<Void> send(List<String> frames) {
        return connection.send(frames);
    }

    @Override
    public void stopReading(String reason) {
        connection.stopReading(reason);
    }

    @Override
    public void close(CloseCode code, String reason) {
        connection.close(code, reason);
    }

    @Override
    public boolean hearsPresence() {
        return connection.hearsPresence();
    }

    @Override
    public boolean wants(String frame) {
        return connection.wants(frame);
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public String toString() {
        return connection.toString();
    }
}
