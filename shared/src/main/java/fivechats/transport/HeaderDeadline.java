package fivechats.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a new connection that has not sent a complete request head within the header timeout. Jetty's idle timeout
 * restarts with every byte, so a client that dribbles its headers a byte a second (slowloris) would hold its socket,
 * and a few hundred of them the server's sockets, for as long as it likes.
 *
 * <p>Two hooks: a connection listener arms one deadline per new HTTP connection (never for the WebSocket connection
 * that replaces it at the upgrade: that one has sent its head, and lives as long as its heartbeat), and this
 * handler, first in line for every request, takes the connection off the waiting list. The deadline closes the
 * connection only if it is still on the list. <b>A connection is kept only until its first request or its deadline,
 * whichever comes first</b>: a keep-alive connection's later requests (a page polling /stats) find nothing to remove
 * and add nothing.
 */
final class HeaderDeadline extends Handler.Wrapper implements Connection.Listener {
    private final long timeoutMillis;
    private final Scheduler scheduler;
    private final ChatMetrics metrics;
    /** New connections whose first request head has not arrived yet. */
    private final Set<Connection> waiting = ConcurrentHashMap.newKeySet();

    HeaderDeadline(TransportConfig config, Scheduler scheduler, ChatMetrics metrics, Handler next) {
        super(next);
        this.timeoutMillis = config.headerTimeout().toMillis();
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    @Override
    public void onOpened(Connection connection) {
        if (!(connection instanceof ConnectionMetaData)) {
            return; // not an HTTP connection: an upgraded WebSocket, whose request head came before the upgrade
        }
        waiting.add(connection);
        scheduler.schedule(
                () -> {
                    if (waiting.remove(connection) && connection.getEndPoint().isOpen()) {
                        metrics.headerTimedOut();
                        connection.getEndPoint().close();
                    }
                },
                timeoutMillis,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        waiting.remove(request.getConnectionMetaData().getConnection());
        return super.handle(request, response, callback);
    }
}
