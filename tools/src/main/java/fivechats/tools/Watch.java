package fivechats.tools;

import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One client that reads everything and checks each sender's seq: the server numbers every sender's lines 1, 2, 3,
 * so a receiver sees a lost line as a gap and a reordering as a seq lower than one already seen. It prints a line
 * for each, as it happens, and a count when it ends (Ctrl-C, its close, or {@code --for}).
 */
@Command(name = "watch", description = "one client that reads everything and marks each gap and out-of-order line")
final class Watch implements Callable<Void> {
    @Mixin
    private Main.Target target;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "the watcher's name in the chat (default ${DEFAULT-VALUE})")
    private String name = "watcher";

    @Option(
            names = "--for",
            paramLabel = "D",
            description = "how long to watch; 0s: until Ctrl-C (default ${DEFAULT-VALUE})")
    private Duration watchFor = Duration.ZERO;

    @Override
    public Void call() throws Exception {
        String url = target.url;
        Map<String, Long> last = new HashMap<>();
        Map<String, Set<Long>> missing = new HashMap<>(); // seqs skipped so far: late, or lost
        long[] counts = new long[3]; // lines, gaps, out of order: written by the client's listener only
        ChatSocket watcher = ChatSocket.connect(url, name, true, frame -> {
            String type = ChatSocket.typeOf(frame);
            if (type.equals("join")) {
                last.remove(frame.replaceAll(".*\"name\":\"([^\"]*)\".*", "$1")); // a new connection counts from 1
            }
            ChatSocket.Chat chat = ChatSocket.chatOf(frame);
            if (chat == null) {
                return;
            }
            counts[0]++;
            Long before = last.get(chat.from());
            last.merge(chat.from(), chat.seq(), Math::max);
            if (before != null && chat.seq() > before + 1) {
                counts[1]++;
                for (long skipped = before + 1; skipped < chat.seq(); skipped++) {
                    missing.computeIfAbsent(chat.from(), k -> new TreeSet<>()).add(skipped);
                }
                say("GAP   " + chat.from() + " #" + chat.seq() + " arrived, #" + (before + 1)
                        + (chat.seq() - 1 > before + 1 ? "-#" + (chat.seq() - 1) : "") + " never did (yet)");
            } else if (before != null && chat.seq() <= before) {
                counts[2]++;
                missing.getOrDefault(chat.from(), new TreeSet<>()).remove(chat.seq());
                say("ORDER " + chat.from() + " #" + chat.seq() + " arrived after #" + before);
            }
        });
        Runnable summary = () -> say("watched " + counts[0] + " chat lines: " + counts[1] + " gaps, " + counts[2]
                + " out of order, "
                + missing.values().stream().mapToInt(Set::size).sum() + " still missing"
                + (watcher.closed.isDone() ? "; closed by the server: " + watcher.closed.getNow("") : "")
                + (watcher.closed.getNow("").startsWith("1008")
                        ? " (the watcher itself read too slowly and was evicted:"
                                + " what it missed after that is the tool's, not a line the model lost)"
                        : ""));
        Runtime.getRuntime().addShutdownHook(new Thread(summary)); // Ctrl-C still prints the count
        say(watcher.name + " is watching " + url
                + (watchFor.isZero() ? " until Ctrl-C" : " for " + watchFor.toSeconds() + " s"));
        long end = watchFor.isZero() ? Long.MAX_VALUE : System.nanoTime() + watchFor.toNanos();
        while (!watcher.closed.isDone() && System.nanoTime() < end) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        watcher.leave();
        System.exit(0); // the shutdown hook prints the summary
        return null;
    }

    /**
     * What is wrong with one receiver's chat lines, given who sent and how many each: "" if every line came once and
     * in order; otherwise the first sender whose lines did not.
     */
    static String check(List<ChatSocket.Chat> received, List<String> senders, int perSender) {
        for (String sender : senders) {
            List<Long> seqs = new ArrayList<>();
            received.stream().filter(c -> c.from().equals(sender)).forEach(c -> seqs.add(c.seq()));
            long distinct = seqs.stream().distinct().count();
            if (distinct < perSender) {
                return "got " + distinct + " of " + sender + "'s " + perSender + " lines (" + (perSender - distinct)
                        + " lost)";
            }
            if (seqs.size() > distinct) {
                return "got some of " + sender + "'s lines twice";
            }
            for (int i = 1; i < seqs.size(); i++) {
                if (seqs.get(i) < seqs.get(i - 1)) {
                    return "got " + sender + "'s #" + seqs.get(i) + " after #" + seqs.get(i - 1) + " (out of order)";
                }
            }
        }
        return "";
    }

    private static void say(String line) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
    }
}
