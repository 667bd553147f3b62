package fivechats.pollingloop;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.Wire;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The polling-loop model: one thread owns every connection and visits them in turn, taking at most one line
 * from each ({@code poll()}, never blocking) and writing it to everyone.
 *
 * <p>Invariant: <b>only the loop thread reads, writes or lists connections</b>. Nothing is shared, so
 * nothing can race. New connections arrive from Jetty's threads through one concurrent queue,
 * {@link #arrivals}, which is the only hand-off.
 *
 * <p>The price is paid elsewhere:
 * <ul>
 *   <li>when nobody talks, the loop either spins (a core at 100%) or sleeps between passes (a line waits up
 *       to {@link #MAX_BACKOFF} before anyone sees it): {@link Idle};</li>
 *   <li>every write is done by the loop, so one client that stops reading stalls everyone until the
 *       transport's write deadline drops it (head-of-line blocking);</li>
 *   <li>one thread, one core: fan-out does not scale with cores.</li>
 * </ul>
 */
public final class PollingLoop implements ChatModel {
    /** What the loop does after a pass that found nothing. */
    public enum Idle {
        /** Try again at once: the lowest latency, and one core burnt at 100% while the chat is silent. */
        SPIN,
        /** Sleep, doubling from {@link #MIN_BACKOFF} to {@link #MAX_BACKOFF}: an idle chat costs almost nothing. */
        BACKOFF
    }

    /** The first sleep after an idle pass: short enough that a conversation in progress barely notices. */
    static final Duration MIN_BACKOFF = Duration.ofNanos(50_000);
    /** The longest sleep: the most latency a line can pick up when it arrives after a silence. */
    static final int MAX_BACKOFF_MS = 5;

    static final Duration MAX_BACKOFF = Duration.ofMillis(MAX_BACKOFF_MS);

    private final Idle idle;
    /** The only hand-off: Jetty's threads add, the loop takes. */
    private final Queue<ChatConnection> arrivals = new ConcurrentLinkedQueue<>();
    /** Clients in join order. Confined to the loop thread. */
    private final List<ChatConnection> clients = new ArrayList<>();

    private volatile int registered;
    private volatile boolean running = true;
    private Thread loop;
    private ModelContext context;

    public PollingLoop(Idle idle) {
        this.idle = idle;
    }

    @Override
    public void start(ModelContext context) {
        this.context = context;
        loop = context.threads().startPlatform("polling-loop", this::run);
    }

    @Override
    public void accept(ChatConnection connection) {
        arrivals.add(connection);
        LockSupport.unpark(loop); // cut a back-off short: a newcomer is waiting for its welcome
    }

    @Override
    public int registered() {
        return registered;
    }

    /** Lets the loop finish its pass (every line it took is written to everyone), then waits for it to end. */
    @Override
    public void stop() {
        running = false;
        LockSupport.unpark(loop);
        try {
            loop.join(context.config().shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // snippet:loop
    private void run() {
        long backoffNanos = MIN_BACKOFF.toNanos();
        while (running) {
            boolean busy = pass();
            if (busy) {
                backoffNanos = MIN_BACKOFF.toNanos();
            } else if (idle == Idle.SPIN) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(backoffNanos);
                backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF.toNanos());
            }
        }
    }
    // end-snippet

    // snippet:pass
    /** One pass over every client; true if anything happened. Called only by the loop thread (and by jcstress, as it). */
    boolean pass() {
        boolean busy = admitArrivals();
        List<ChatConnection> gone = new ArrayList<>();
        for (ChatConnection client : List.copyOf(clients)) {
            try {
                String line = client.poll(); // at most one line per client per pass: nobody hogs the loop
                if (line != null) {
                    busy = true;
                    writeToAll(line, gone);
                }
            } catch (ClosedConnectionException e) {
                gone.add(client);
            }
        }
        busy |= drop(gone);
        registered = clients.size();
        return busy;
    }
    // end-snippet

    private boolean admitArrivals() {
        boolean any = false;
        for (ChatConnection newcomer; (newcomer = arrivals.poll()) != null; ) {
            any = true;
            clients.add(newcomer);
            List<ChatConnection> gone = new ArrayList<>();
            write(newcomer, Wire.welcome(newcomer, clients.stream().map(ChatConnection::name)), gone);
            String join = Wire.join(newcomer.name());
            for (ChatConnection other : List.copyOf(clients)) {
                if (other != newcomer) {
                    write(other, join, gone);
                }
            }
            drop(gone);
        }
        return any;
    }

    // snippet:write
    private void writeToAll(String frame, List<ChatConnection> gone) {
        for (ChatConnection client : clients) {
            if (!gone.contains(client)) {
                write(client, frame, gone);
            }
        }
    }

    /** The loop's only write: one thread, so never two at once on a connection. Blocks for at most writeWait. */
    private static void write(ChatConnection client, String frame, List<ChatConnection> gone) {
        try {
            client.write(frame);
        } catch (IOException e) {
            gone.add(client);
        }
    }
    // end-snippet

    /** Removes clients that are gone and tells the others; a leave that fails may drop more, so repeat. */
    private boolean drop(List<ChatConnection> gone) {
        boolean any = false;
        while (!gone.isEmpty()) {
            ChatConnection client = gone.remove(0);
            if (clients.remove(client)) {
                any = true;
                client.close(CloseCode.NORMAL, "left");
                String leave = Wire.leave(client.name());
                for (ChatConnection other : List.copyOf(clients)) {
                    if (!gone.contains(other)) {
                        write(other, leave, gone);
                    }
                }
            }
        }
        return any;
    }

    @Override
    public String toString() {
        return "polling-loop (idle: " + idle.name().toLowerCase() + ")";
    }
}
