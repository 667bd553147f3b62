package fivechats.starter;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatModel;
import fivechats.transport.CloseCode;
import fivechats.transport.ModelContext;

/**
 * TODO(you): your model, in one paragraph: which threads exist, who owns the registry, and the invariant that
 * keeps <b>at most one writer per connection</b>. State each invariant here and again where it holds.
 *
 * <p>The transport has done everything else: sockets, the protocol, limits, heartbeats and shutdown. Read
 * {@code shared/README.md} and {@code ChatModel}'s four duties, then one model you trust (the channel hub).
 * Useful pieces in {@code shared/}: {@link fivechats.transport.Wire} builds the frames, {@link
 * fivechats.transport.Outbox} is a bounded queue with one writer thread, {@code context.threads()} starts threads
 * that the tests can count.
 *
 * <p>Grade it: {@code ./mvnw -q -pl tests/assignments/grader -am verify -DskipTests -Dgrade -Dgrade.artifact=YOUR-ARTIFACT-ID}.
 */
public final class StarterModel implements ChatModel {
    private ModelContext context;

    /** The grader builds your model with this constructor (see META-INF/services). */
    public StarterModel() {}

    @Override
    public void start(ModelContext context) {
        this.context = context;
        // TODO(you): start your long-lived threads here, through context.threads().startPlatform or startVirtual.
    }

    @Override
    public void accept(ChatConnection connection) {
        // TODO(you): a client has connected. Return quickly: hand it to your own threads. Then:
        //  1. send it Wire.welcome(name, everyone online, itself included) before any other frame;
        //  2. send Wire.join(name) to everyone already online;
        //  3. read its lines (connection.read() blocks; poll() does not) and send each line to everyone, the
        //     sender included, exactly once and in order, with at most one writer per connection at a time;
        //  4. when read() throws ClosedConnectionException, remove it and send Wire.leave(name) to the others.
        // Until then, the client is told plainly why nothing happens.
        connection.close(
                CloseCode.SERVER_ERROR, "the starter model does nothing yet: see the TODOs in StarterModel.java");
    }

    @Override
    public int registered() {
        return 0; // TODO(you): how many clients your registry holds; safe to call from any thread
    }

    @Override
    public void stop() {
        // TODO(you): deliver what is already queued, then let your threads end (the transport closes every
        // connection with 1001 after this returns, which wakes any thread blocked in read()).
    }

    @Override
    public String toString() {
        return "starter (TODO: your model's name and settings)";
    }
}
