package fivechats.race;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy between one server and Redis, for fault tests: it passes bytes both ways until told to {@link #stall()}
 * (bytes are held, connections stay open: a congested or partitioned network, as a server sees it), and passes them
 * again, in order, on {@link #resume()}. Lettuce sees no error during a stall; its commands wait, and a blocking one
 * (a heartbeat's {@code SET}) waits with them. Or it holds only the replies, of every connection ({@link #holdReplies}:
 * a one-way partition) or of the one that sent a given command ({@link #holdRepliesTo}): Redis has done it, the server
 * does not know yet, and the other connections go on.
 *
 * Or it makes every byte late ({@link #delay}), by a time of its own in each direction: a congested or distant link,
 * whose bytes all arrive, in order, late. Or it resets every connection ({@link #cut}): put between a client and its
 * server, a network that drops.
 *
 * <p>Two virtual threads per direction per connection: one reads and holds what a fault holds, the other writes each
 * chunk once it is due (a delay makes every chunk late by the same time; it does not space them out, which would cut
 * the link's throughput instead). {@link #close()} closes every socket, which ends them.
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
    /** How late every byte arrives, toward the target and from it, in nanoseconds; zero while no {@link #delay}. */
    private volatile long lateUp;
    private volatile long lateDown;

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

    /**
     * From now on every chunk read arrives {@code toTarget} late at the target (the server's commands) and {@code
     * fromTarget} late at the server (Redis's replies and pushes), in order, until {@link #resume()}. Chunks already on
     * their way keep the delay they were given.
     */
    public void delay(Duration toTarget, Duration fromTarget) {
        lateUp = toTarget.toNanos();
        lateDown = fromTarget.toNanos();
    }

    /** Held bytes go on, in the order they came, and bytes read from now on are no longer late. */
    public void resume() {
        lateUp = 0;
        lateDown = 0;
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

    /** Bytes read, on their way: written at {@code due} (System.nanoTime), then {@code told} counted down if any. */
    private record Chunk(byte[] bytes, long due, CountDownLatch told) {
        static final Chunk END = new Chunk(new byte[0], 0, null);
    }

    private void pump(Socket from, Socket to, Replies replies, boolean up) {
        BlockingQueue<Chunk> onTheWire = new LinkedBlockingQueue<>(); // as long as a delay and the traffic make it
        Thread.ofVirtual().name(up ? "broker-proxy-up-write" : "broker-proxy-down-write").start(() -> deliver(onTheWire, from, to));
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = from.getInputStream()) {
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
                onTheWire.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + (up ? lateUp : lateDown),
                        holdFromHere ? told : null));
            }
        } catch (IOException | InterruptedException ended) {
            // one side closed (or the proxy did): the writer closes the other once what is on the wire has arrived
        } finally {
            onTheWire.add(Chunk.END);
        }
    }

    /** Writes each chunk of one direction when it is due, in order; at the end closes both sides, as a network would. */
    private static void deliver(BlockingQueue<Chunk> onTheWire, Socket from, Socket to) {
        try (OutputStream out = to.getOutputStream()) {
            for (Chunk chunk = onTheWire.take(); chunk != Chunk.END; chunk = onTheWire.take()) {
                long early = chunk.due() - System.nanoTime();
                if (early > 0) {
                    TimeUnit.NANOSECONDS.sleep(early); // the delay is the fault itself, not a wait for anything
                }
                out.write(chunk.bytes());
                out.flush();
                if (chunk.told() != null) {
                    chunk.told().countDown();
                }
            }
        } catch (IOException | InterruptedException ended) {
            // the other side is gone: nothing more can arrive
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
