package fivechats.race;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy between one server and Redis, for fault tests: it passes bytes both ways until told to {@link #stall()}
 * (bytes are held, connections stay open: a congested or partitioned network, as a server sees it), and passes them
 * again, in order, on {@link #resume()}. Lettuce sees no error during a stall; its commands wait, and a blocking one
 * (a heartbeat's {@code SET}) waits with them. Or it holds only the replies, of every connection ({@link #holdReplies}:
 * a one-way partition) or of the one that sent a given command ({@link #holdRepliesTo}): Redis has done it, the server
 * does not know yet, and the other connections go on.
 *
 * Or it resets every connection ({@link #cut}): put between a client and its server, a network that drops.
 *
 * <p>One virtual thread per direction per connection; {@link #close()} closes every socket, which ends them.
 */
public final class BrokerProxy implements AutoCloseable {
    /** Bytes moved per read: small enough that a stall holds the next command, not a large batch of them. */
    private static final int CHUNK = 8192;

    private final ServerSocket listener;
    /** The port bytes go on to; set once, before the first connection, by {@link #toPortSetLater}'s caller. */
    private volatile int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Open (zero) while bytes pass; a stall replaces it with a closed one. */
    private volatile CountDownLatch gate = new CountDownLatch(0);
    /** The same for bytes from the target only (replies, pushes): {@link #holdReplies}. */
    private volatile CountDownLatch downGate = new CountDownLatch(0);
    /** The command whose connection's replies are to be held, as its name reaches Redis; null for none. */
    private final AtomicReference<String> holdAfter = new AtomicReference<>();
    private volatile CountDownLatch heldAfter;
    private final List<CountDownLatch> heldReplies = new CopyOnWriteArrayList<>();

    private BrokerProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("broker-proxy-accept").start(this::accept);
    }

    /** A proxy on a free port of 127.0.0.1 to the Redis at {@code redis}. */
    public static BrokerProxy to(URI redis) throws IOException {
        return new BrokerProxy(redis.getPort());
    }

    /** A proxy on a free port of 127.0.0.1 to anything listening on {@code port} there: a chat server, for a client. */
    public static BrokerProxy toPort(int port) throws IOException {
        return new BrokerProxy(port);
    }

    /**
     * A proxy whose target is given later, with {@link #target(int)}: for a chat server that must know the proxy's port
     * before it starts (a page loaded through the proxy has the proxy's origin, which the server must allow).
     */
    public static BrokerProxy toPortSetLater() throws IOException {
        return new BrokerProxy(-1);
    }

    /** Where connections go from now on. */
    public void target(int port) {
        this.target = port;
    }

    /** The port to connect to instead of the target's. */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Resets every connection through the proxy now, both ends at once (RST, not a goodbye), as a dropped network
     * does once the ends notice; new connections are passed as before.
     */
    public void cut() {
        for (Socket socket : sockets) {
            try {
                socket.setSoLinger(true, 0);
            } catch (IOException alreadyClosed) {
                // nothing to reset
            }
            closeQuietly(socket);
        }
        sockets.clear();
    }

    /** The address a server is given instead of Redis's. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + listener.getLocalPort());
    }

    /** From now on bytes read in either direction are held until {@link #resume()}. */
    public void stall() {
        gate = new CountDownLatch(1);
    }

    /**
     * From now on bytes from the target (Redis's replies and pushes) are held until {@link #resume()}, while the
     * server's own bytes go on: a one-way partition. Redis runs every command; the server hears of none.
     */
    public void holdReplies() {
        downGate = new CountDownLatch(1);
    }

    /**
     * The next time a server sends {@code command} (its name in capitals, as Lettuce sends it), the replies on that
     * connection are held from then on, until {@link #resume()}: Redis runs the command, the server waits for its answer.
     *
     * @return counted down when the command has gone on to Redis, its reply held
     */
    public CountDownLatch holdRepliesTo(String command) {
        heldAfter = new CountDownLatch(1);
        holdAfter.set(command);
        return heldAfter;
    }

    /** Held bytes go on, in the order they came. */
    public void resume() {
        holdAfter.set(null);
        heldReplies.forEach(CountDownLatch::countDown);
        downGate.countDown();
        gate.countDown();
    }

    private void accept() {
        try {
            while (true) {
                Socket client = listener.accept();
                Socket redis;
                try {
                    redis = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException down) { // Redis is restarting: refused, as it would refuse the server itself
                    closeQuietly(client);
                    continue;
                }
                sockets.add(client);
                sockets.add(redis);
                Replies replies = new Replies();
                Thread.ofVirtual().name("broker-proxy-up").start(() -> pump(client, redis, replies, true));
                Thread.ofVirtual().name("broker-proxy-down").start(() -> pump(redis, client, replies, false));
            }
        } catch (IOException closed) {
            // the listener was closed: no more connections
        }
    }

    /** One connection's replies: open (zero) unless held by {@link #holdRepliesTo}. */
    private static final class Replies {
        volatile CountDownLatch gate = new CountDownLatch(0);
    }

    private void pump(Socket from, Socket to, Replies replies, boolean up) {
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                gate.await(); // a stall holds what was read; it goes on, in order, on resume
                String command = holdAfter.get();
                CountDownLatch told = heldAfter;
                // A small command arrives in one read on loopback; one split across two would be missed, and the
                // test waiting for the hold would say so.
                boolean holdFromHere = up && command != null
                        && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(command)
                        && holdAfter.compareAndSet(command, null); // one connection holds, whichever matched first
                if (holdFromHere) {
                    CountDownLatch held = new CountDownLatch(1);
                    replies.gate = held; // before the command goes on: its reply cannot slip through
                    heldReplies.add(held);
                } else if (!up) {
                    downGate.await();
                    replies.gate.await();
                }
                out.write(buffer, 0, n);
                out.flush();
                if (holdFromHere) {
                    told.countDown();
                }
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
