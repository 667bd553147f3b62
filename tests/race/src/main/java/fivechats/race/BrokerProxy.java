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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * chunk once it is due (a delay makes every chunk late by the same time; it does not space them out). At most
 * {@link #IN_FLIGHT} chunks are on their way in each direction, so a receiver that does not read still pushes back on
 * its sender, as it would through TCP alone. An end of stream is passed on as one (late too, behind the bytes before
 * it), and a connection's sockets are closed once both directions have ended; a reset, or {@link #close()}, closes
 * both at once.
 */
public final class BrokerProxy implements AutoCloseable {
    /** Bytes moved per read: small enough that a stall holds the next command, not a large batch of them. */
    private static final int CHUNK = 8192;
    /**
     * Chunks on their way per direction: on loopback a command is a chunk, so this is how many commands a delayed link
     * carries at once (512 a second at 500 ms late, above what the fault run's servers send).
     */
    private static final int IN_FLIGHT = 256;

    private final ServerSocket listener;
    /** The port bytes go on to; set once, before the first connection, by {@link #toPortSetLater}'s caller. */
    private volatile int target;

    private final List<Link> links = new CopyOnWriteArrayList<>();
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
        for (Link link : links) {
            link.close(true);
        }
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

    /**
     * Held bytes go on, in the order they came, and bytes read from now on are given no delay (they still arrive after
     * the late ones ahead of them).
     */
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
                Link link = new Link(client, redis);
                links.add(link);
                Thread.ofVirtual().name("broker-proxy-up").start(() -> pump(client, redis, link, true));
                Thread.ofVirtual().name("broker-proxy-down").start(() -> pump(redis, client, link, false));
            }
        } catch (IOException closed) {
            // the listener was closed: no more connections
        }
    }

    /** One connection through the proxy: its two sockets, and whether its replies are held. */
    private final class Link {
        final Socket client;
        final Socket target;
        /** Open (zero) unless this connection's replies are held by {@link #holdRepliesTo}. */
        volatile CountDownLatch replies = new CountDownLatch(0);
        /** Directions still open: the sockets are closed when both have ended. */
        final AtomicInteger open = new AtomicInteger(2);

        Link(Socket client, Socket target) {
            this.client = client;
            this.target = target;
        }

        /** One direction has passed its end of stream on. */
        void ended() {
            if (open.decrementAndGet() == 0) {
                close(false);
            }
        }

        /** Closes both sockets now: with a reset (RST) if {@code reset}, else as a broken connection is closed. */
        void close(boolean reset) {
            for (Socket socket : List.of(client, target)) {
                try {
                    socket.setSoLinger(reset, 0);
                } catch (IOException alreadyClosed) {
                    // nothing to reset
                }
                closeQuietly(socket);
            }
            links.remove(this);
        }
    }

    /**
     * Bytes read, on their way: written at {@code due} (System.nanoTime), then {@code told} counted down if any; no
     * bytes (null) for the end of stream.
     */
    private record Chunk(byte[] bytes, long due, CountDownLatch told) {}

    private void pump(Socket from, Socket to, Link link, boolean up) {
        BlockingQueue<Chunk> onTheWire = new ArrayBlockingQueue<>(IN_FLIGHT);
        Thread.ofVirtual()
                .name(up ? "broker-proxy-up-write" : "broker-proxy-down-write")
                .start(() -> deliver(onTheWire, to, link));
        byte[] buffer = new byte[CHUNK];
        try {
            InputStream in = from.getInputStream(); // not closed here: that would close the socket, both directions
            int n;
            while ((n = in.read(buffer)) >= 0) {
                gate.await(); // a stall holds what was read; it goes on, in order, on resume
                String command = holdAfter.get();
                CountDownLatch told = heldAfter;
                // A small command arrives in one read on loopback; one split across two would be missed, and the
                // test waiting for the hold would say so.
                boolean holdFromHere = up
                        && command != null
                        && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(command)
                        && holdAfter.compareAndSet(command, null); // one connection holds, whichever matched first
                if (holdFromHere) {
                    CountDownLatch held = new CountDownLatch(1);
                    link.replies = held; // before the command goes on: its reply cannot slip through
                    heldReplies.add(held);
                } else if (!up) {
                    downGate.await();
                    link.replies.await();
                }
                onTheWire.put(new Chunk(Arrays.copyOf(buffer, n), due(up), holdFromHere ? told : null));
            }
            onTheWire.put(new Chunk(null, due(up), null)); // the end, late too
        } catch (IOException | InterruptedException broken) { // reset, or closed by the proxy: both sides go at once
            link.close(false);
            onTheWire.clear();
            onTheWire.offer(new Chunk(null, 0, null)); // wakes the writer, which finds its socket closed and ends
        }
    }

    /** When bytes read now in this direction are to arrive: now, plus the direction's delay. */
    private long due(boolean up) {
        return System.nanoTime() + (up ? lateUp : lateDown);
    }

    /**
     * Writes each chunk of one direction when it is due, in order; an end of stream is passed on as a half-close
     * (the other direction may still be carrying bytes).
     */
    private static void deliver(BlockingQueue<Chunk> onTheWire, Socket to, Link link) {
        try {
            OutputStream out = to.getOutputStream();
            while (true) {
                Chunk chunk = onTheWire.take();
                long early = chunk.due() - System.nanoTime();
                if (early > 0) {
                    TimeUnit.NANOSECONDS.sleep(early); // the delay is the fault itself, not a wait for anything
                }
                if (chunk.bytes() == null) {
                    to.shutdownOutput();
                    link.ended();
                    return;
                }
                out.write(chunk.bytes());
                out.flush();
                if (chunk.told() != null) {
                    chunk.told().countDown();
                }
            }
        } catch (IOException | InterruptedException broken) { // the receiver is gone, or the proxy closed the link
            link.close(false);
            onTheWire.clear(); // a reader waiting for room goes on, and ends on its closed socket
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
        links.forEach(link -> link.close(false));
    }
}
