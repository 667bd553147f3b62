package fivechats.race;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a bare socket, for what a well-behaved client library will not do: send invalid
 * UTF-8, stop in the middle of a frame, vanish without a close frame, never answer a ping, or show the
 * HTTP status and body of a refused upgrade.
 */
public final class RawClient implements AutoCloseable {
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;

    /** The server's answer to the upgrade request. */
    public record Handshake(int status, Map<String, String> headers, String body) {}

    /** A frame from the server. */
    public record Frame(int opcode, byte[] payload) {
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Handshake handshake;

    private RawClient(Socket socket, Handshake handshake) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.handshake = handshake;
    }

    /** Sends the upgrade request for {@code pathAndQuery} (e.g. {@code /chat?name=x}); origin may be null. */
    public static RawClient upgrade(int port, String pathAndQuery, String origin) throws IOException {
        return upgrade(port, pathAndQuery, "127.0.0.1:" + port, origin);
    }

    /** An upgrade with any Host header: what a page reached through a re-pointed DNS name (DNS rebinding) sends. */
    public static RawClient upgrade(int port, String pathAndQuery, String host, String origin) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n")
                + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new RawClient(socket, readHandshake(socket.getInputStream(), true));
    }

    /** One plain HTTP request (any method, no body) and its answer; the connection is closed after it. */
    public static Handshake request(int port, String method, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            String request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return readHandshake(socket.getInputStream(), !method.equals("HEAD")); // a HEAD answer has no body
        }
    }

    public Handshake handshake() {
        return handshake;
    }

    private static Handshake readHandshake(InputStream in, boolean withBody) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) { // read up to the blank line, byte by byte: nothing after it may be consumed
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the handshake");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        String body = "";
        if (withBody && status != 101 && headers.containsKey("content-length")) {
            byte[] bytes = new byte[Integer.parseInt(headers.get("content-length"))];
            new DataInputStream(in).readFully(bytes);
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        return new Handshake(status, headers, body);
    }

    /** Sends one masked frame, as a client must. */
    public void sendFrame(int opcode, byte[] payload, boolean fin) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        int len = payload.length;
        if (len < 126) {
            frame.write(0x80 | len);
        } else if (len < 65536) {
            frame.write(0x80 | 126);
            frame.write(len >>> 8);
            frame.write(len);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) len >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < len; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Sends the header and the first half of a frame's payload, and nothing more. */
    public void sendHalfAFrame(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        RawClient.writeMaskedHeaderAndPayload(whole, payload);
        byte[] bytes = whole.toByteArray();
        out.write(bytes, 0, bytes.length - payload.length / 2);
        out.flush();
    }

    private static void writeMaskedHeaderAndPayload(ByteArrayOutputStream frame, byte[] payload) {
        frame.write(0x80 | TEXT);
        frame.write(0x80 | payload.length); // callers keep it under 126 bytes
        byte[] mask = {1, 2, 3, 4};
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
    }

    /** Reads the next frame from the server, waiting at most {@code timeout}. */
    public Frame readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame(b0 & 0x0f, payload);
    }

    /** Reads (and discards) frames until the server's close frame; returns its status code. */
    public int awaitCloseCode(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left =
                    Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis());
            Frame frame;
            try {
                frame = readFrame(Duration.ofMillis(left));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no close frame within " + timeout);
            } catch (EOFException e) {
                return 1006; // closed without a close frame
            }
            if (frame.opcode() == CLOSE) {
                return frame.closeCode();
            }
        }
    }

    /** True if the server ends the connection (end of stream, nothing more sent) within {@code timeout}. */
    public boolean endedByServer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /**
     * Ends the TCP connection without a close frame, with a reset (SO_LINGER 0), as the kernel does for a process that
     * was killed mid-conversation. (A client whose network died sends nothing at all, not even this: that one only a
     * heartbeat finds; see a client that never answers pings.)
     */
    public void vanish() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
