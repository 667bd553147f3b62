package fivechats.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Pings every client every pingPeriod and closes a client whose last pong is older than pongWait: gorilla's
 * ping ticker and read deadline. Jetty never pings by itself.
 *
 * <p>With explicit demand a client's pong is read only after the model has taken its previous line, so the clock
 * stops while the server holds that line ({@link WebSocketConnection#silentNanos}): <b>a client is judged by its own
 * silence, never by a model or a broker that is slow to take its line.</b> A silent client whose line the server held
 * is closed up to a tenth of the pong wait late; one whose line is never taken (a model deadlocked on its lock) is
 * never closed by the heartbeat: its connection ends with the server.
 *
 * <p>One platform thread serves every connection: each connection has one scheduled tick that sends the
 * ping when due and reschedules itself for the earlier of the next ping and the pong deadline. So a
 * silent client is closed pongWait after its last pong, not a ping period later.
 */
final class Heartbeat implements AutoCloseable {
    private final long pingPeriodNanos;
    private final long pongWaitNanos;
    private final ChatMetrics metrics;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<WebSocketConnection, ScheduledFuture<?>> ticks = new ConcurrentHashMap<>();

    Heartbeat(Duration pingPeriod, Duration pongWait, ChatMetrics metrics) {
        this.pingPeriodNanos = pingPeriod.toNanos();
        this.pongWaitNanos = pongWait.toNanos();
        this.metrics = metrics;
        this.timer = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().name("heartbeat").daemon(true).factory());
        // a closed client's tick leaves the queue at once, not at its due time
        this.timer.setRemoveOnCancelPolicy(true);
    }

    void watch(WebSocketConnection connection) {
        connection.lastPingNanos = System.nanoTime();
        schedule(connection, pingPeriodNanos);
    }

    void forget(WebSocketConnection connection) {
        ScheduledFuture<?> tick = ticks.remove(connection);
        if (tick != null) {
            tick.cancel(false);
        }
    }

    private void schedule(WebSocketConnection connection, long delayNanos) {
        ticks.put(connection, timer.schedule(() -> tick(connection), delayNanos, TimeUnit.NANOSECONDS));
    }

    private void tick(WebSocketConnection connection) {
        if (!connection.isOpen()) {
            ticks.remove(connection);
            return;
        }
        long now = System.nanoTime();
        long silentFor = connection.silentNanos(now); // the time the server held the client's line is not counted
        if (silentFor >= pongWaitNanos) {
            ticks.remove(connection);
            metrics.heartbeatTimedOut();
            connection.abort(
                    CloseCode.POLICY_VIOLATION,
                    "no pong within " + Duration.ofNanos(pongWaitNanos).toMillis() + " ms");
            return;
        }
        if (now - connection.lastPingNanos >= pingPeriodNanos) {
            connection.lastPingNanos = now;
            connection.ping();
        }
        long untilPing = connection.lastPingNanos + pingPeriodNanos - now;
        // While the line is held the silence stands still, so its deadline is at least that far off; look again a tenth
        // of the pong wait later (the line may be taken meanwhile), not at once in a loop.
        long untilDeadline = connection.heldByServer()
                ? Math.max(pongWaitNanos - silentFor, pongWaitNanos / 10)
                : pongWaitNanos - silentFor;
        schedule(connection, Math.max(1, Math.min(untilPing, untilDeadline)));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
