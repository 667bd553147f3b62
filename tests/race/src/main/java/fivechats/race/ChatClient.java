package fivechats.race;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * A real Jetty WebSocket client that records every frame it receives, parsed as JSON, in arrival order.
 *
 * <p>It reads with explicit demand, so a test can {@link #pauseReading()}: the client then stops taking
 * frames off its socket, its TCP receive buffer fills, and the server sees a client that stopped reading.
 * While paused it does not answer pings either, exactly like a stuck real client.
 */
public final class ChatClient implements Session.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a connection ended, as this client saw it. */
    public record Close(int code, String reason) {}

    private final String name;
    private boolean hearsPresence = true;
    /**
     * Connected with coalesce=on: a frame may hold several events, a newline between them. Other clients read a frame
     * as one event, so a transport that joined events for a client that did not ask would show up as corrupt frames.
     */
    private boolean coalesced;

    @GuardedBy("frames")
    private final List<JsonNode> frames = new ArrayList<>();
    /** When each frame arrived ({@link System#nanoTime()}), index for index with {@code frames}. */
    @GuardedBy("frames")
    private final List<Long> arrivals = new ArrayList<>();
    /** Chat lines received per sender, updated as they arrive. */
    @GuardedBy("frames")
    private final Map<String, Long> chatsFrom = new HashMap<>();
    /** The WebSocket text frames that carried them (fewer than frames for a client with coalesce=on). */
    @GuardedBy("frames")
    private final List<Integer> textFrameBytes = new ArrayList<>();

    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final Object demandLock = new Object();
    private boolean paused;
    private boolean demandOwed;
    private volatile Session session;

    private ChatClient(String name) {
        this.name = name;
    }

    /**
     * Connects and waits until the server has accepted the upgrade (not for the welcome), offering the extensions
     * named (as a browser offers permessage-deflate).
     */
    public static ChatClient connect(WebSocketClient client, URI uri, String name, String... offeredExtensions) {
        ChatClient chat = new ChatClient(name);
        chat.hearsPresence = !String.valueOf(uri.getQuery()).contains("presence=off");
        chat.coalesced = String.valueOf(uri.getQuery()).contains("coalesce=on");
        ClientUpgradeRequest request = new ClientUpgradeRequest(uri);
        request.addExtensions(offeredExtensions);
        try {
            client.connect(chat, request).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(name + " could not connect to " + uri + ": " + e, e);
        }
        return chat;
    }

    /** The extensions the server agreed to in its upgrade response, by name. */
    public List<String> extensions() {
        return session.getUpgradeResponse().getExtensions().stream()
                .map(e -> e.getName())
                .toList();
    }

    /** The extensions this client offered in its upgrade request, by name. */
    public List<String> offeredExtensions() {
        return session.getUpgradeRequest().getExtensions().stream()
                .map(e -> e.getName())
                .toList();
    }

    /** False if it connected with presence=off: it hears no joins and no leaves. */
    public boolean hearsPresence() {
        return hearsPresence;
    }

    public String name() {
        return name;
    }

    // --- sending ---------------------------------------------------------------------------------

    /** Sends one chat line and waits until it is written. */
    public void send(String text) {
        Callback.Completable sent = new Callback.Completable();
        session.sendText(text, sent);
        try {
            sent.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(name + " could not send: " + e, e);
        }
    }

    /** Closes politely (1000) without waiting. */
    public void leave() {
        Session s = session;
        if (s != null) {
            s.close(1000, "bye", Callback.NOOP);
        }
    }

    // --- reading control -------------------------------------------------------------------------

    /** Stops taking frames off the socket: from the server's side, this client stopped reading. */
    public void pauseReading() {
        synchronized (demandLock) {
            paused = true;
        }
    }

    public void resumeReading() {
        synchronized (demandLock) {
            paused = false;
            if (demandOwed) {
                demandOwed = false;
                session.demand();
            }
        }
    }

    private void demandNext() {
        synchronized (demandLock) {
            if (paused) {
                demandOwed = true;
            } else {
                session.demand();
            }
        }
    }

    // --- what was received -----------------------------------------------------------------------

    /** Every frame so far, in arrival order. */
    public List<JsonNode> frames() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    /** When each of {@link #frames()} arrived, as {@link System#nanoTime()}: for latency measurements. */
    public List<Long> arrivals() {
        synchronized (frames) {
            return List.copyOf(arrivals);
        }
    }

    public List<JsonNode> framesOfType(String type) {
        return frames().stream()
                .filter(f -> type.equals(f.path("type").asText()))
                .toList();
    }

    public long count(String type) {
        synchronized (frames) {
            return frames.stream()
                    .filter(f -> type.equals(f.path("type").asText()))
                    .count();
        }
    }

    public int frameCount() {
        synchronized (frames) {
            return frames.size();
        }
    }

    /**
     * The size in UTF-8 bytes of each WebSocket text frame that arrived. Each frame is one event ({@link #frames()})
     * unless the client connected with {@code coalesce=on}: then a frame may carry several, a newline between them.
     */
    public List<Integer> textFrameBytes() {
        synchronized (frames) {
            return List.copyOf(textFrameBytes);
        }
    }

    public boolean hasChat(String from, String text) {
        return framesOfType("chat").stream()
                .anyMatch(f -> from.equals(f.path("from").asText())
                        && text.equals(f.path("text").asText()));
    }

    /**
     * Waits until this client has received at least {@code n} chat lines from {@code sender}. Cheaper than
     * polling when a test waits once per line: the client wakes the waiter as each frame arrives.
     */
    public void awaitChatsFrom(String sender, long n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (frames) {
            while (chatsFrom.getOrDefault(sender, 0L) < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + " received " + chatsFrom.getOrDefault(sender, 0L) + " of " + n
                            + " chat lines from " + sender + " within " + timeout);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(frames, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(name + " interrupted while waiting for chat lines", e);
                }
            }
        }
    }

    public CompletableFuture<Close> closed() {
        return closed;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /**
     * Waits for this client's first frame, its welcome. Fails at once, with the close code and reason, if the server
     * closes the connection first: a model that refuses everyone is reported in a second, not after a timeout.
     */
    public void awaitWelcome() {
        org.awaitility.Awaitility.await().alias(name + " gets a welcome").until(() -> frameCount() >= 1 || isClosed());
        if (frameCount() == 0) {
            throw new AssertionError(name + " was closed before its welcome: " + closed.join());
        }
    }

    /** The close as seen by this client, waiting at most {@code timeout}. */
    public Close awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(
                    name + " was not closed within " + timeout + "; it received " + frameCount() + " frames", e);
        }
    }

    // --- Jetty callbacks -------------------------------------------------------------------------

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        session.demand();
    }

    /**
     * One WebSocket text frame: one event, or with coalesce=on several, a newline between them (no frame the server's
     * Jackson writes holds a raw newline).
     */
    @Override
    public void onWebSocketText(String text) {
        synchronized (frames) {
            textFrameBytes.add(text.getBytes(StandardCharsets.UTF_8).length);
        }
        for (String event : coalesced ? text.split("\n", -1) : new String[] {text}) {
            received(event);
        }
        demandNext();
    }

    private void received(String event) {
        JsonNode frame;
        try {
            frame = JSON.readTree(event);
        } catch (IOException e) {
            frame = null;
        }
        long now = System.nanoTime();
        synchronized (frames) {
            if (frame == null || frame.isMissingNode()) {
                // a frame that is not JSON (or an empty event) is recorded as such, so delivery checks report it as
                // corrupt
                frames.add(JSON.createObjectNode().put("type", "not-json").put("raw", event));
                arrivals.add(now);
                return;
            }
            frames.add(frame);
            arrivals.add(now);
            if ("chat".equals(frame.path("type").asText())) {
                chatsFrom.merge(frame.path("from").asText(), 1L, Long::sum);
            }
            frames.notifyAll();
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        closed.complete(new Close(statusCode, reason));
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        closed.complete(new Close(1006, String.valueOf(cause)));
    }

    @Override
    public String toString() {
        return name;
    }
}
