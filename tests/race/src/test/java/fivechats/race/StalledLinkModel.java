package fivechats.race;

import fivechats.cluster.ClusterLink;
import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.ClosedConnectionException;
import fivechats.transport.ModelContext;
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
    /**
     * How the model's reads of its link are held, published as one object: {@code gate} is open (zero) while the model
     * reads as usual; {@code taken}, if not null, asks for the next frame to be taken first, and is counted down then.
     */
    private record Pause(CountDownLatch gate, CountDownLatch taken) {}

    private volatile Pause pause = new Pause(new CountDownLatch(0), null);

    StalledLinkModel(Supplier<ChatModel> model) {
        this.model = model.get();
    }

    /** From the model's next read of its link on, the read waits for {@link #resume()}. */
    void stall() {
        pause = new Pause(new CountDownLatch(1), null);
    }

    /**
     * The model's next read of its link takes a frame, then waits for {@link #resume()} before returning it.
     *
     * @return counted down once that frame has been taken
     */
    CountDownLatch holdTheNextFrame() {
        Pause hold = new Pause(new CountDownLatch(1), new CountDownLatch(1));
        pause = hold;
        return hold.taken();
    }

    /** The model reads its link as it always does. */
    void resume() {
        pause.gate().countDown();
    }

    /** Before a read returns: the first frame taken since {@link #holdTheNextFrame} is held here until resumed. */
    private String taken(String frame) throws InterruptedException {
        Pause now = pause; // read again: the read may have been waiting in the link since before the hold was asked for
        if (now.taken() != null && now.taken().getCount() > 0 && frame != null) {
            now.taken().countDown();
            now.gate().await();
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
    private static final class StalledReads extends ForwardingConnection {
        private final StalledLinkModel model;

        StalledReads(ChatConnection link, StalledLinkModel model) {
            super(link);
            this.model = model;
        }

        @Override
        public String read() throws ClosedConnectionException, InterruptedException {
            Pause now = model.pause;
            if (now.taken() == null) {
                now.gate().await();
            }
            return model.taken(connection.read());
        }

        @Override
        public String poll() throws ClosedConnectionException {
            Pause now = model.pause;
            if (now.taken() != null) { // may wait here once, holding a frame: the hub reads its link with read()
                try {
                    return model.taken(connection.poll());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return now.gate().getCount() > 0 ? null : connection.poll();
        }
    }
}
