package fivechats.transport;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** {@link Relay#ALONE}: a server without a broker. Lines go straight to the model; there is nobody else to tell. */
final class Alone implements Relay {
    @Override
    public Optional<ChatConnection> link() {
        return Optional.empty();
    }

    @Override
    public boolean throughBroker() {
        return false;
    }

    @Override
    public void joined(long conn, String name) {}

    @Override
    public CompletableFuture<Void> line(long conn, long seq, String line, Predicate<String> toModel) {
        toModel.test(line);
        return null; // the model reads the next frame as it takes this one
    }

    @Override
    public void left(long conn, String name, Runnable endOfLines) {
        endOfLines.run();
    }

    @Override
    public History history(String since) {
        return History.unknown(
                since, "this server runs alone, without a stream to resume from: what you missed cannot be sent");
    }

    @Override
    public Welcome welcome(String you, String modelWelcome, History resuming) {
        return new Welcome(modelWelcome, -1, resuming == null ? null : Replay.none(resuming));
    }

    @Override
    public boolean hides(String frame, long position) {
        return false;
    }

    @Override
    public void addStats(Map<String, Object> stats) {}

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "alone";
    }
}
