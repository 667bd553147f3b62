package fivechats.race;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.transport.ChatModel;
import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * What every section of the contract kit may use: the server under test, clients that are cleaned up after the test,
 * and a few helpers. {@link ChatContract} provides it; a section is an interface of default {@code @Test} methods that
 * extends this one, so a section reads top to bottom in a file of its own.
 */
public interface ContractFixture {
    /** Bound for any one expected event; generous, because CI machines are slow and shared. */
    Duration PATIENCE = Duration.ofSeconds(30);
    /** The heartbeat tests' pongWait: short, so they run in seconds. */
    Duration SHORT_PONG_WAIT = Duration.ofMillis(1500);
    /** writeWait for a model that stalls everyone on a stuck client until writeWait: the stall is seconds, not ten. */
    Duration STALL_WRITE_WAIT = Duration.ofSeconds(3);

    /** The model under test; a fresh instance for every test. */
    ChatModel newModel();

    /** The server's limits for the test. */
    TransportConfig config();

    /** What the model promises about a client that stops reading (section 5). */
    SlowClientPolicy slowClientPolicy();

    /** The most frames the model may hold queued while one client has stopped reading (memory stays bounded). */
    int maxQueuedFrames();

    /** The server under test, started before each test on a free port. */
    ChatServer server();

    /** Replaces the running server with one configured differently. */
    void restartWith(TransportConfig config) throws Exception;

    /** Connects a client and waits for its welcome; it leaves after the test. */
    ChatClient join(String name);

    /** A client connected some other way: it leaves after the test, and the promises are checked on it too. */
    void track(ChatClient client);

    /** {@link #track} for several. */
    void trackAll(Collection<ChatClient> clients);

    default JsonNode first(ChatClient client) {
        return client.frames().get(0);
    }

    default void awaitChat(ChatClient receiver, String from, String text) {
        await().alias(receiver + " receives '" + text + "' from " + from).until(() -> receiver.hasChat(from, text));
    }

    /** Two new clients exchange a line: proves the chat survived whatever the test just did. */
    default void assertOthersStillChat(String why) {
        String tag = why.replaceAll("[^A-Za-z0-9]+", "-");
        tag = tag.substring(0, Math.min(tag.length(), 24));
        ChatClient a = join(tag + "-a");
        ChatClient b = join(tag + "-b");
        a.send("still chatting after " + why);
        awaitChat(b, a.name(), "still chatting after " + why);
        awaitChat(a, a.name(), "still chatting after " + why);
    }

    /** The names a client believes are online: its welcome, plus joins, minus leaves (a multiset). */
    default List<String> onlineAsSeenBy(ChatClient client) {
        List<String> online = new ArrayList<>();
        for (JsonNode frame : client.frames()) {
            switch (frame.path("type").asText()) {
                case "welcome" -> frame.path("online").forEach(n -> online.add(n.asText()));
                case "join" -> online.add(frame.path("name").asText());
                case "leave" -> online.remove(frame.path("name").asText());
                default -> {}
            }
        }
        Collections.sort(online);
        return online;
    }

    /** Threads, platform and virtual, alive now and not in {@code baseline}: "name#id", sorted. */
    default List<String> threadsStartedSince(Set<Long> baseline) {
        return ThreadCensus.alive().entrySet().stream()
                .filter(t -> !baseline.contains(t.getKey()))
                .map(t -> t.getValue() + "#" + t.getKey())
                .sorted()
                .toList();
    }

    default List<String> sorted(List<String> names) {
        List<String> copy = new ArrayList<>(names);
        Collections.sort(copy);
        return copy;
    }
}
