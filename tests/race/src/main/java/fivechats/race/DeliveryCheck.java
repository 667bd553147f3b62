package fivechats.race;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what one client received against what the senders sent: every line exactly once, each sender's
 * lines in seq order, none corrupt. The report names what went wrong, so a failing test says what it saw.
 *
 * <p>Senders send {@link #line(String, int)} as their {@code i}-th line, so a line's text tells which seq
 * it must carry; a spliced, truncated or misattributed line is caught as corrupt.
 */
public final class DeliveryCheck {
    /** What one client saw. Everything zero means a perfect delivery. */
    public record Report(
            String client,
            int received,
            int expected,
            List<String> lost,
            List<String> duplicated,
            List<String> reordered,
            List<String> corrupt) {
        public boolean perfect() {
            return complete() && reordered.isEmpty();
        }

        /** Every line exactly once and intact, in whatever order. */
        public boolean complete() {
            return lost.isEmpty() && duplicated.isEmpty() && corrupt.isEmpty() && received == expected;
        }

        @Override
        public String toString() {
            return client + " received " + received + " of " + expected + " lines: "
                    + lost.size() + " lost " + sample(lost) + ", "
                    + duplicated.size() + " duplicated " + sample(duplicated) + ", "
                    + reordered.size() + " out of order " + sample(reordered) + ", "
                    + corrupt.size() + " corrupt " + sample(corrupt);
        }

        private static String sample(List<String> items) {
            return items.isEmpty() ? "" : items.subList(0, Math.min(5, items.size())) + (items.size() > 5 ? "..." : "");
        }
    }

    private DeliveryCheck() {}

    /** The text a test sender sends as its {@code i}-th line (from 1). Padded so lines have some body. */
    public static String line(String sender, int i) {
        return sender + " line " + i + " " + "=".repeat(32);
    }

    /** Fails, naming the first receiver and what went wrong, unless every receiver got every line once and in order. */
    public static void assertPerfect(
            Collection<ChatClient> receivers, Collection<String> senders, int perSender, String when) {
        for (ChatClient c : receivers) {
            Report report = check(c, senders, perSender);
            org.junit.jupiter.api.Assertions.assertTrue(report.perfect(), when + ": " + report);
        }
    }

    /** Checks the chat lines {@code client} received from {@code senders}, each of which sent {@code perSender} lines. */
    public static Report check(ChatClient client, Collection<String> senders, int perSender) {
        Set<String> from = new HashSet<>(senders);
        Map<String, Long> last = new HashMap<>();
        Map<String, Set<Long>> seen = new HashMap<>();
        List<String> duplicated = new ArrayList<>();
        List<String> reordered = new ArrayList<>();
        List<String> corrupt = new ArrayList<>();
        int received = 0;
        for (JsonNode frame : client.frames()) {
            String type = frame.path("type").asText();
            if (type.equals("not-json")) {
                corrupt.add("not JSON: " + abbreviate(frame.path("raw").asText()));
                continue;
            }
            if (!type.equals("chat") || !from.contains(frame.path("from").asText())) {
                continue;
            }
            received++;
            String sender = frame.path("from").asText();
            long seq = frame.path("seq").asLong();
            String text = frame.path("text").asText();
            if (seq < 1 || seq > perSender || !text.equals(line(sender, (int) seq))) {
                corrupt.add(sender + "#" + seq + " carried '" + abbreviate(text) + "'");
                continue;
            }
            if (!seen.computeIfAbsent(sender, s -> new HashSet<>()).add(seq)) {
                duplicated.add(sender + "#" + seq);
                continue;
            }
            long previous = last.getOrDefault(sender, 0L);
            if (seq < previous) {
                reordered.add(sender + "#" + seq + " after #" + previous);
            }
            last.put(sender, Math.max(previous, seq));
        }
        List<String> lost = new ArrayList<>();
        for (String sender : new TreeSet<>(senders)) {
            Set<Long> got = seen.getOrDefault(sender, Set.of());
            for (long seq = 1; seq <= perSender; seq++) {
                if (!got.contains(seq)) {
                    lost.add(sender + "#" + seq);
                }
            }
        }
        return new Report(client.name(), received, senders.size() * perSender, lost, duplicated, reordered, corrupt);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
