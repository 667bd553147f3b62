package fivechats.tools;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One chat client on the JDK's WebSocket. It reads only while {@link #reading} is on: the JDK client takes a frame
 * off the socket only when asked ({@code request(1)}), so a client that stops asking really stops reading, and the
 * server's writes to it back up as they would behind a stalled phone.
 */
final class ChatSocket implements WebSocket.Listener {
    /** The server's frames come from Jackson in a fixed field order, and names hold no quotes: a regex reads them. */
    private static final Pattern TYPE = Pattern.compile("^\\{\"type\":\"(\\w+)\"");

    private static final Pattern CHAT =
            Pattern.compile("^\\{\"type\":\"chat\",\"from\":\"([^\"]*)\",\"seq\":(\\d+),\"text\":");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A chat line as received: who sent it, and its place in that sender's sequence. */
    record Chat(String from, long seq) {}

    final String name;
    private final WebSocket socket;
    private final Consumer<String> onFrame;
    private final StringBuilder partial = new StringBuilder();
    private final List<String> frames = new CopyOnWriteArrayList<>();
    /** The chat lines among them, read once as they arrive. */
    private final List<Chat> chats = new CopyOnWriteArrayList<>();

    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> welcomed = new CompletableFuture<>();
    private volatile boolean reading = true;
    /** Completed by the next pong: see {@link #answersPing}. */
    private volatile CompletableFuture<Void> pong = new CompletableFuture<>();

    private ChatSocket(String url, String name, boolean presence, Consumer<String> onFrame) throws Exception {
        this.name = name;
        this.onFrame = onFrame;
        URI uri = URI.create(url + "/chat?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)
                + (presence ? "" : "&presence=off"));
        this.socket = HTTP.newWebSocketBuilder().buildAsync(uri, this).get(10, TimeUnit.SECONDS);
    }

    static ChatSocket connect(String url, String name, boolean presence, Consumer<String> onFrame) throws Exception {
        try {
            return new ChatSocket(url, name, presence, onFrame);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(
                    "cannot connect " + name + " to " + url + ": "
                            + e.getCause().getMessage() + " (is a model running there? start one as the chapter says)",
                    e);
        }
    }

    static String typeOf(String frame) {
        Matcher m = TYPE.matcher(frame);
        return m.find() ? m.group(1) : "?";
    }

    static Chat chatOf(String frame) {
        Matcher m = CHAT.matcher(frame);
        return m.find() ? new Chat(m.group(1), Long.parseLong(m.group(2))) : null;
    }

    /** Waits for the first frame, the welcome: from then on the model delivers every line to this client. */
    void awaitWelcome() throws Exception {
        try {
            welcomed.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    name + " connected but got no welcome within 10 s: the model never"
                            + " registered it (a registry stuck behind a lock, a deadlock, or a server far behind)",
                    e);
        }
    }

    /** Stops taking frames off the socket; what the server sends from now on waits in the network, then in its queues. */
    void stopReading() {
        reading = false;
    }

    /** Reads again, everything that waited. */
    void resumeReading() {
        reading = true;
        socket.request(1);
    }

    List<String> frames() {
        return frames;
    }

    List<Chat> chats() {
        return chats;
    }

    /** Sends one line and waits until the JDK has written it (it allows one send at a time, like the transport). */
    void send(String line) throws Exception {
        socket.sendText(line, true).get(30, TimeUnit.SECONDS);
    }

    /**
     * Pings the server and waits at most {@code wait} for its pong or for the connection to end: true if the pong came.
     * A connection the server dropped while this client was not reading may only show it when something is sent.
     */
    boolean answersPing(java.time.Duration wait) throws InterruptedException {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        pong = answered;
        try {
            socket.sendPing(java.nio.ByteBuffer.allocate(0)).get(wait.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture.anyOf(answered, closed).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            closed.complete("1006 connection cut (" + e.getCause() + ")");
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
        return answered.isDone() && !closed.isDone();
    }

    void leave() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        socket.abort();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String frame = partial.toString();
            partial.setLength(0);
            frames.add(frame);
            Chat chat = chatOf(frame);
            if (chat != null) {
                chats.add(chat);
            }
            welcomed.complete(null);
            onFrame.accept(frame);
        }
        if (reading) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, java.nio.ByteBuffer message) {
        pong.complete(null);
        webSocket.request(1); // a pong takes one unit of demand, like a frame
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode + (reason.isEmpty() ? "" : " " + reason));
        return null;
    }

    /**
     * The connection broke without a close frame: what a browser reports as 1006. The JDK client reports it as an
     * error, sometimes an odd one ({@code InternalError} when the server resets the socket in the middle of a frame).
     */
    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete("1006 connection cut (" + error + ")");
    }
}
