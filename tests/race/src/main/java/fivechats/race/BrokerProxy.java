package fivechats.race;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy between one server and Redis, for fault tests: it passes bytes both ways until told to {@link #stall()}
 * (bytes are held, connections stay open: a congested or partitioned network, as a server sees it), and passes them
 * again, in order, on {@link #resume()}. Lettuce sees no error during a stall; its commands wait, and a blocking one
 * (a heartbeat's {@code SET}) waits with them.
 *
 * <p>One virtual thread per direction per connection; {@link #close()} closes every socket, which ends them.
 */
public final class BrokerProxy implements AutoCloseable {
    /** Bytes moved per read: small enough that a stall holds the next command, not a large batch of them. */
    private static final int CHUNK = 8192;

    private final ServerSocket listener;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Open (zero) while bytes pass; a stall replaces it with a closed one. */
    private volatile CountDownLatch gate = new CountDownLatch(0);

    private BrokerProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("broker-proxy-accept").start(this::accept);
    }

    /** A proxy on a free port of 127.0.0.1 to the Redis at {@code redis}. */
    public static BrokerProxy to(URI redis) throws IOException {
        return new BrokerProxy(redis.getPort());
    }

    /** The address a server is given instead of Redis's. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + listener.getLocalPort());
    }

    /** From now on bytes read in either direction are held until {@link #resume()}. */
    public void stall() {
        gate = new CountDownLatch(1);
    }

    /** Held bytes go on, in the order they came. */
    public void resume() {
        gate.countDown();
    }

    private void accept() {
        try {
            while (true) {
                Socket client = listener.accept();
                Socket redis = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(redis);
                Thread.ofVirtual().name("broker-proxy-up").start(() -> pump(client, redis));
                Thread.ofVirtual().name("broker-proxy-down").start(() -> pump(redis, client));
            }
        } catch (IOException closed) {
            // the listener was closed: no more connections
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                gate.await(); // a stall holds what was read; it goes on, in order, on resume
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException ended) {
            // one side closed (or the proxy did): close the other, as a network would
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        resume();
        listener.close();
        sockets.forEach(BrokerProxy::closeQuietly);
    }
}
