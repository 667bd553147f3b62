package fivechats.race;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
import fivechats.transport.cluster.ClusterLink;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * A model that stops reading the cluster's link until the test lets it go: a busy server's model (a long GC pause, its
 * cores taken by others), made certain. Its link fills, its stream reader waits on the full link, and while a flood
 * goes on every read of the stream comes back full: the condition under which a dead server's burial used to wait for
 * the flood's end. Or it stops just after taking a frame from the link, before passing it on ({@link
 * #holdTheNextFrame}): the model's reader thread descheduled between its read and its broadcast.
 */
final class StalledLinkModel implements ChatModel {
    private final ChatModel model;
    /** Open (zero) while the model reads as usual; closed by {@link #stall()}. */
    private volatile CountDownLatch gate = new CountDownLatch(0);
    /** Counted down when the frame to hold has been taken; null when no frame is to be held. */
    private volatile CountDownLatch holding;

    StalledLinkModel(Supplier<ChatModel> model) {
        this.model = model.get();
    }

    /** From the model's next read of its link on, the read waits for {@link #resume()}. */
    void stall() {
        gate = new CountDownLatch(1);
    }

    /**
     * The model's next read of its link takes a frame, then waits for {@link #resume()} before returning it.
     *
     * @return counted down once that frame has been taken
     */
    CountDownLatch holdTheNextFrame() {
        gate = new CountDownLatch(1);
        holding = new CountDownLatch(1);
        return holding;
    }

    /** The model reads its link as it always does. */
    void resume() {
        gate.countDown();
    }

    /** Before a read returns: the frame is held here if {@link #holdTheNextFrame} asked for it. */
    private String taken(String frame) throws InterruptedException {
        CountDownLatch hold = holding;
        if (hold != null && frame != null) {
            holding = null;
            hold.countDown();
            gate.await();
        }
        return frame;
    }

    @Override
    public void start(ModelContext context) {
        model.start(context);
    }

    @Override
    public void accept(ChatConnection connection) {
        model.accept(connection.name().equals(ClusterLink.NAME) ? new StalledReads(connection, this) : connection);
    }

    @Override
    public int registered() {
        return model.registered();
    }

    @Override
    public void stop() {
        model.stop();
    }

    /** The link, its reads held while the model is stalled; everything else passed through. */
    private record StalledReads(ChatConnection link, StalledLinkModel model) implements ChatConnection {
        @Override
        public String read() throws ClosedConnectionException, InterruptedException {
            if (model.holding == null) {
                model.gate.await();
            }
            return model.taken(link.read());
        }

        @Override
        public String poll() throws ClosedConnectionException {
            if (model.holding != null) {
                try {
                    return model.taken(link.poll());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return model.gate.getCount() > 0 ? null : link.poll();
        }

        @Override
        public long id() {
            return link.id();
        }

        @Override
        public String name() {
            return link.name();
        }

        @Override
        public String remoteAddress() {
            return link.remoteAddress();
        }

        @Override
        public void write(String frame) throws IOException {
            link.write(frame);
        }

        @Override
        public CompletableFuture<Void> send(String frame) {
            return link.send(frame);
        }

        @Override
        public CompletableFuture<Void> send(List<String> frames) {
            return link.send(frames);
        }

        @Override
        public void stopReading(String reason) {
            link.stopReading(reason);
        }

        @Override
        public void close(int statusCode, String reason) {
            link.close(statusCode, reason);
        }

        @Override
        public boolean hearsPresence() {
            return link.hearsPresence();
        }

        @Override
        public boolean isOpen() {
            return link.isOpen();
        }
    }
}
