package fivechats.race;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The chat's promises, checked in one place against everything each client received. Fed the clients of a test
 * (their frames, in arrival order, and how each connection ended), it names the first broken promise in a sentence:
 * <ol>
 *   <li>a client's first frame is its welcome;</li>
 *   <li>presence is a set: no join of someone already online, no leave of someone not online;</li>
 *   <li>a line comes only from someone online: <b>nothing from a client after its leave</b> (so its leave comes after
 *       its last line), and nothing before its join;</li>
 *   <li>each sender's lines arrive once and in its order, and, for a receiver the server did not close, with no gap:
 *       a line reaches every client online for the whole time it was in flight. After a join, a sender's first line
 *       is its first (seq 1).</li>
 * </ol>
 * A client that asked for no presence ({@code presence=off}) is checked for 1 and 4 only. The protocol lets two
 * clients share a name, and a receiver tells senders apart only by name, so 2 to 4 are not checked for a name that
 * two of the clients given share (no test that feeds this checker reuses one). What the test itself must say
 * (how many lines, who was evicted with 1008) stays in the test; this is what holds for every client, always.
 */
public final class Promises {
    private Promises() {}

    /** Fails with the first broken promise of any client, naming the client and the frame. */
    public static void assertKept(Collection<ChatClient> clients, String when) {
        List<ChatClient> all = List.copyOf(clients);
        Set<String> seen = new HashSet<>();
        Set<String> shared = new HashSet<>();
        for (ChatClient c : all) {
            if (!seen.add(c.name())) {
                shared.add(c.name());
            }
        }
        for (ChatClient client : all) {
            firstBroken(client, shared).ifPresent(broken -> {
                throw new AssertionError(when + ": " + broken);
            });
        }
    }

    /**
     * The first promise this client's frames break, as a sentence; empty if every promise held. Frames about a name in
     * {@code shared} (more than one client had it) are not followed: by name, two clients cannot be told apart.
     */
    public static Optional<String> firstBroken(ChatClient client, Set<String> shared) {
        List<JsonNode> frames = client.frames();
        ChatClient.Close close = client.closed().getNow(null);
        boolean closedByServer = close != null && close.code() != 1000 && close.code() != 1001;
        boolean presence = client.hearsPresence();
        Set<String> online = new HashSet<>();
        Map<String, Long> lastSeq = new HashMap<>(); // per sender, since its latest join (absent: none seen yet)
        for (int i = 0; i < frames.size(); i++) {
            JsonNode frame = frames.get(i);
            String type = frame.path("type").asText();
            String at = client + "'s frame " + (i + 1) + " " + frame;
            if (i == 0 && !type.equals("welcome")) {
                return Optional.of(at + ": the first frame must be the welcome");
            }
            String about = type.equals("chat")
                    ? frame.path("from").asText()
                    : frame.path("name").asText();
            if ((type.equals("chat") || type.equals("join") || type.equals("leave")) && shared.contains(about)) {
                continue;
            }
            switch (type) {
                case "welcome" -> {
                    if (i > 0) {
                        return Optional.of(at + ": a second welcome");
                    }
                    frame.path("online").forEach(n -> online.add(n.asText())); // a shared name is in it once: harmless
                }
                case "join" -> {
                    String name = frame.path("name").asText();
                    if (!online.add(name)) {
                        return Optional.of(at + ": " + name + " joined while already online");
                    }
                    lastSeq.put(name, 0L); // a newcomer's lines start at 1
                }
                case "leave" -> {
                    String name = frame.path("name").asText();
                    if (!online.remove(name)) {
                        return Optional.of(at + ": " + name + " left without being online");
                    }
                    lastSeq.remove(name);
                }
                case "chat" -> {
                    String from = frame.path("from").asText();
                    long seq = frame.path("seq").asLong();
                    if (presence && !online.contains(from)) {
                        return Optional.of(at + ": a line from " + from + ", who is not online here (after its leave,"
                                + " or before its join): a leave must come after the leaver's last line");
                    }
                    Long last = lastSeq.get(from);
                    if (last != null && seq <= last) {
                        return Optional.of(
                                at + ": " + from + "#" + seq + " after #" + last + " (duplicated or out of order)");
                    }
                    if (last != null && seq != last + 1 && !closedByServer) {
                        return Optional.of(at + ": " + from + "#" + seq + " after #" + last + ": lines " + (last + 1)
                                + ".." + (seq - 1) + " never came, though " + client.name() + " was online");
                    }
                    lastSeq.put(from, seq);
                }
                case "not-json" -> {
                    return Optional.of(at + ": not JSON");
                }
                default -> {}
            }
        }
        return Optional.empty();
    }
}
